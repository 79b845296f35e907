//! Running a parsed command line: where exit codes are decided.

// The app is where output is written (clippy.toml forbids it elsewhere).
#![allow(clippy::disallowed_macros)]

use std::fs;
use std::io::{self, IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use crate::cli::{
    CheckArgs, Cli, ColorChoice, Command, FailOn, LogsArgs, LogsOutput, Output, Since,
};
use crate::facts::{FACTS_SCHEMA_VERSION, Fact, Facts, FactsFile, FunctionLog, LookupError};
use crate::finding::Status;
use crate::gather::{Fleet, GatherError, Gatherer, Target};
use crate::report::{self, SecretReport};
use crate::scope;
use crate::{aws, checks};

mod progress;
mod scan;
use scan::{Scan, gather};

/// The documented exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// No `fail` and no `error`.
    Clean = 0,
    /// At least one `fail` or `error` (or `warn`, with `--fail-on warn`).
    Problems = 1,
    /// Bad usage or input.
    BadInput = 2,
    /// rotdoctor could not run at all.
    CannotRun = 3,
}

/// A reason to stop with a one-line message.
struct Stop(Exit, String);

pub fn main(cli: Cli) -> ExitCode {
    set_color(cli.color);
    // The AWS SDK's futures are large, the more so in debug builds, and a
    // secret's gathering nests many of them: tokio's 2 MiB default stack is
    // too tight (the big ones are boxed as well).
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(8 * 1024 * 1024)
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => return stop(Stop(Exit::CannotRun, format!("cannot start: {error}"))),
    };
    let result = match &cli.command {
        Command::Check(args) => runtime.block_on(check(&cli, args)),
        Command::Logs(args) => runtime.block_on(logs(&cli, args)),
        Command::Checks => list_checks(),
        Command::Explain { check } => explain(check),
        Command::Completions { shell } => {
            let mut command = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(*shell, &mut command, "rotdoctor", &mut io::stdout());
            Ok(Exit::Clean)
        }
        Command::Man { command } => man_page(command.as_deref()),
        Command::Permissions(args) if args.scanner => {
            print_policy(&scanner_policy(&args.role_name))
        }
        Command::Permissions(args) if args.security_hub => {
            print_policy(&read_and_import_policy(&args.selection.selection()))
        }
        Command::Permissions(args) => print_policy(&read_policy(&args.selection.selection())),
    };
    match result {
        Ok(exit) => ExitCode::from(exit as u8),
        Err(reason) => stop(reason),
    }
}

/// rotdoctor(1), or rotdoctor-COMMAND(1), which the top page refers to.
fn man_page(command: Option<&str>) -> Result<Exit, Stop> {
    let top = <Cli as clap::CommandFactory>::command();
    let page = match command {
        None => clap_mangen::Man::new(top),
        Some(name) => {
            let Some(sub) = top.find_subcommand(name) else {
                return Err(Stop(Exit::BadInput, format!("no command is called {name}")));
            };
            // Leaked once per run: clap names commands with &'static str.
            let title: &'static str = Box::leak(format!("rotdoctor-{name}").into_boxed_str());
            clap_mangen::Man::new(
                sub.clone()
                    .name(title)
                    .bin_name(title)
                    .version(env!("CARGO_PKG_VERSION")),
            )
        }
    };
    finish(page.render(&mut io::stdout().lock())).map(|()| Exit::Clean)
}

fn stop(Stop(exit, message): Stop) -> ExitCode {
    eprintln!("rotdoctor: {message}");
    ExitCode::from(exit as u8)
}

fn set_color(choice: ColorChoice) {
    let enabled = match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && io::stdout().is_terminal()
        }
    };
    colored::control::set_override(enabled);
}

async fn check(cli: &Cli, args: &CheckArgs) -> Result<Exit, Stop> {
    let bad = |message: String| Stop(Exit::BadInput, message);
    let selection = args.selection.selection();
    if selection.checks().next().is_none() {
        return Err(bad("--only and --skip leave no check to run".to_string()));
    }
    // Read before any call: a bad file must not cost a scan.
    let suppressions = match &args.suppressions {
        Some(path) => Some(read_suppressions(path)?),
        None => None,
    };
    let scan = match (&args.facts, &args.event) {
        (Some(path), _) => {
            refuse_aws_options_with_facts(cli, args)?;
            Scan::of(read_facts(path)?)
        }
        (None, Some(path)) => {
            let failure = read_event(path)?;
            let secret = failure.resource.clone().unwrap_or_default();
            let facts = gather_here(cli, args, since(args)?, &[secret]).await?;
            Scan::of(
                facts
                    .into_iter()
                    .map(|f| crate::event::with_failure(f, &failure))
                    .collect(),
            )
        }
        (None, None) => gather(cli, args).await?,
    };
    let all_facts = &scan.facts;
    if all_facts.is_empty() && scan.failed.is_empty() {
        return Err(bad(match &args.facts {
            Some(path) => format!("the facts file {} holds no secret", path.display()),
            None => "--all matched no secret: nothing was checked (see --include-unrotated, --name-prefix, --tag, and the region)".to_string(),
        }));
    }
    if let Some(path) = &args.save_facts {
        write_facts(path, all_facts)?;
    }
    let iac = crate::cli::Iac::choice(args.iac);
    let mut reports = all_facts
        .iter()
        .map(|facts| {
            let mut findings = checks::run_selected(facts, &selection);
            crate::iac::annotate(&mut findings, facts, iac);
            SecretReport::new(facts, findings)
        })
        .chain(scan.failed.iter().cloned())
        .collect::<Vec<_>>();
    if scan.over_scopes {
        for report in &mut reports {
            let account = report.account.as_deref();
            let name = account.and_then(|id| scan.account_names.get(id));
            let region = report.region.as_deref().unwrap_or("-");
            report.scope_label = Some(scope::label(account, name.map(String::as_str), region));
        }
    }
    if let Some(suppressions) = &suppressions {
        suppressions.apply(&mut reports);
    }

    let mut stdout = io::stdout().lock();
    let written = match args.output {
        Output::Human => report::render_human(&reports, cli.verbose, &mut stdout),
        Output::Json => report::render_json(&reports, &mut stdout),
        Output::Sarif => report::ci::render_sarif(&reports, &mut stdout),
        Output::Junit => report::ci::render_junit(&reports, &mut stdout),
        Output::Markdown => report::ci::render_markdown(&reports, &mut stdout),
        Output::Script => report::render_script(&reports, &mut stdout),
        Output::Asff => report::asff::render(&reports, &mut stdout),
        Output::Gitlab => report::gitlab::render(&reports, &mut stdout),
    };
    finish(written.and_then(|()| stdout.flush()))?;
    if args.github || std::env::var_os("GITHUB_ACTIONS").is_some_and(|v| v == "true") {
        finish(report::ci::write_annotations(
            &reports,
            &mut io::stderr().lock(),
        ))?;
    }
    if args.security_hub {
        import_into_security_hub(cli, &scan, &reports).await?;
    }
    // Suppressed findings are reported but do not count.
    let gated = reports
        .iter()
        .flat_map(|report| &report.findings)
        .filter(|finding| finding.suppressed.is_none())
        .map(|finding| finding.status);
    Ok(exit_for(gated, args.fail_on))
}

/// `--security-hub`: every secret's findings into its own account and
/// Region's Security Hub, one line on stderr for each; any that could not
/// be imported stop the run with exit 3 once all have been tried.
async fn import_into_security_hub(
    cli: &Cli,
    scan: &Scan,
    reports: &[SecretReport],
) -> Result<(), Stop> {
    let findings = report::asff::findings(reports);
    let Some(first) = findings.first() else {
        eprintln!(
            "rotdoctor: no finding for Security Hub: no secret's ARN, account and Region are known"
        );
        return Ok(());
    };
    // Each import is scoped to its secret's Region: one need not be configured.
    let mut aws_args = cli.aws.clone();
    aws_args
        .region
        .get_or_insert_with(|| first.region().to_string());
    let base = aws::load(&aws_args)
        .await
        .map_err(|error| Stop(Exit::CannotRun, format!("--security-hub: {error}")))?;
    let outcomes = crate::security_hub::import_all(&base, findings, &scan.assumed).await;
    let mut refused = 0;
    for (to, outcome) in &outcomes {
        match outcome {
            Ok(imported) => {
                eprintln!("rotdoctor: imported {imported} findings into Security Hub in {to}")
            }
            Err(why) => {
                refused += 1;
                eprintln!("rotdoctor: Security Hub in {to}: {why}");
            }
        }
    }
    if refused > 0 {
        return Err(Stop(
            Exit::CannotRun,
            format!(
                "--security-hub: {refused} of {} Security Hubs did not take every finding",
                outcomes.len()
            ),
        ));
    }
    Ok(())
}

fn read_suppressions(path: &Path) -> Result<crate::suppress::Suppressions, Stop> {
    let unreadable = |why: String| {
        Stop(
            Exit::BadInput,
            format!("cannot read suppressions file {}: {why}", path.display()),
        )
    };
    let text = fs::read_to_string(path).map_err(|error| unreadable(error.to_string()))?;
    let suppressions: crate::suppress::Suppressions =
        serde_json::from_str(without_bom(&text)).map_err(|error| unreadable(error.to_string()))?;
    suppressions.validate().map_err(unreadable)?;
    Ok(suppressions)
}

/// Options that choose what to ask AWS mean nothing when the facts are read
/// from a file: refused, rather than silently ignored. `--security-hub`
/// still calls AWS, with the profile and endpoint given (each finding goes
/// to its own secret's Region, so `--region` still means nothing).
fn refuse_aws_options_with_facts(cli: &Cli, args: &CheckArgs) -> Result<(), Stop> {
    let importing = args.security_hub;
    let given = [
        ("--since", args.since.is_some()),
        ("--region", cli.aws.region.is_some()),
        ("--profile", cli.aws.profile.is_some() && !importing),
        (
            "--endpoint-url",
            cli.aws.endpoint_url.is_some() && !importing,
        ),
    ]
    .into_iter()
    .filter(|(_, given)| *given)
    .map(|(name, _)| name)
    .collect::<Vec<_>>();
    if given.is_empty() {
        return Ok(());
    }
    Err(Stop(
        Exit::BadInput,
        format!(
            "{} ha{} no effect with --facts: the facts were gathered when they were saved",
            given.join(", "),
            if given.len() == 1 { "s" } else { "ve" }
        ),
    ))
}

/// A UTF-8 byte order mark, as some Windows editors write, is not JSON.
fn without_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

fn exit_for(statuses: impl IntoIterator<Item = Status>, fail_on: FailOn) -> Exit {
    let counted = match fail_on {
        FailOn::Fail => [Status::Fail, Status::Error].as_slice(),
        FailOn::Warn => [Status::Fail, Status::Error, Status::Warn].as_slice(),
    };
    if statuses.into_iter().any(|status| counted.contains(&status)) {
        Exit::Problems
    } else {
        Exit::Clean
    }
}

fn list_checks() -> Result<Exit, Stop> {
    let width = checks::CHECKS
        .iter()
        .map(|c| c.slug.len())
        .max()
        .unwrap_or(0);
    let mut stdout = io::stdout().lock();
    for check in checks::CHECKS {
        finish(writeln!(stdout, "{:width$}  {}", check.slug, check.title))?;
    }
    Ok(Exit::Clean)
}

fn explain(slug: &str) -> Result<Exit, Stop> {
    let Some(check) = checks::CHECKS.iter().find(|c| c.slug == slug) else {
        return Err(Stop(Exit::BadInput, format!("no check is called {slug}")));
    };
    let text = format!(
        "{}\n\n{}\nrotdoctor reads: {}\n",
        check.title,
        check.explanation,
        check.actions().join(", ")
    );
    finish(io::stdout().lock().write_all(text.as_bytes()))?;
    Ok(Exit::Clean)
}

/// The read-only policy every account a run checks grants rotdoctor,
/// derived from what the selected checks read.
fn read_policy(selection: &checks::Selection) -> serde_json::Value {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "RotdoctorReadOnly",
            "Effect": "Allow",
            "Action": checks::permissions(selection),
            "Resource": "*"
        }]
    })
}

/// The read-only policy, and `check --security-hub`'s one write: findings
/// imported into the account's own default product (the only product that
/// takes findings rotdoctor writes).
fn read_and_import_policy(selection: &checks::Selection) -> serde_json::Value {
    let mut policy = read_policy(selection);
    if let Some(statements) = policy["Statement"].as_array_mut() {
        statements.push(serde_json::json!({
            "Sid": "RotdoctorSecurityHubImport",
            "Effect": "Allow",
            "Action": crate::actions::securityhub::BATCH_IMPORT_FINDINGS,
            "Resource": "arn:*:securityhub:*:*:product/*/default"
        }));
    }
    policy
}

/// What the identity that runs a scan over accounts needs besides: to
/// assume `role_name` in each account (in every partition), and to list
/// the organization's accounts for `--org`.
fn scanner_policy(role_name: &str) -> serde_json::Value {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "RotdoctorAssumeRole",
                "Effect": "Allow",
                "Action": crate::actions::sts::ASSUME_ROLE,
                "Resource": format!("arn:*:iam::*:role/{role_name}")
            },
            {
                "Sid": "RotdoctorListAccounts",
                "Effect": "Allow",
                "Action": crate::actions::organizations::LIST_ACCOUNTS,
                "Resource": "*"
            }
        ]
    })
}

fn print_policy(policy: &serde_json::Value) -> Result<Exit, Stop> {
    let text = serde_json::to_string_pretty(policy)
        .map_err(|error| Stop(Exit::CannotRun, format!("cannot print the policy: {error}")))?;
    finish(writeln!(io::stdout().lock(), "{text}"))?;
    Ok(Exit::Clean)
}

/// Checks the ids, loads the AWS configuration, and readies the clients.
async fn connect(
    cli: &Cli,
    secret_ids: &[String],
    since: jiff::Timestamp,
    concurrency: usize,
) -> Result<Gatherer, Stop> {
    for id in secret_ids {
        validate_secret_id(id).map_err(|message| Stop(Exit::BadInput, message))?;
    }
    let config = aws::load(&cli.aws)
        .await
        .map_err(|error| Stop(Exit::CannotRun, error.to_string()))?;
    Ok(Gatherer::new(&config, since, concurrency))
}

/// The start of the history window (`--since`).
fn since(args: &CheckArgs) -> Result<jiff::Timestamp, Stop> {
    args.since
        .unwrap_or(crate::cli::DEFAULT_SINCE)
        .checked(jiff::Timestamp::now())
        .map_err(|message| Stop(Exit::BadInput, message))
}

/// The rotation failure `--event` reports (`-`: stdin).
fn read_event(path: &Path) -> Result<crate::facts::TrailEvent, Stop> {
    let text = if path == Path::new("-") {
        io::read_to_string(io::stdin())
    } else {
        fs::read_to_string(path)
    };
    let bad = |why: String| Stop(Exit::BadInput, format!("--event {}: {why}", path.display()));
    let text = text.map_err(|error| bad(error.to_string()))?;
    crate::event::rotation_failure(&text).map_err(bad)
}

/// The caller's own account and configured Region: the secrets named, or
/// those `--all` lists.
async fn gather_here(
    cli: &Cli,
    args: &CheckArgs,
    since: jiff::Timestamp,
    named: &[String],
) -> Result<Vec<Facts>, Stop> {
    // Only the facts the selected checks read: no call outside the policy
    // `rotdoctor permissions` prints for them.
    let mut gatherer = connect(cli, named, since, usize::from(args.concurrency))
        .await?
        .reading(args.reads());
    if args.all {
        gatherer = gatherer.quota_share(args.quota_share);
    }
    let targets = if args.all {
        let fleet = Fleet {
            include_unrotated: args.include_unrotated,
            name_prefix: args.name_prefix.clone(),
            tags: args.tag.clone(),
        };
        gatherer.list(&fleet).await.map_err(stop_for)?
    } else {
        named.iter().cloned().map(Target::Named).collect()
    };
    // A progress line helps a person waiting on a long scan, and only them.
    let progress = targets.len() > 1 && args.output == Output::Human && person_watching();
    let results = gatherer
        .gather_all(targets, |done, total| {
            if !progress {
                return;
            }
            if done < total {
                eprint!("\rrotdoctor: examined {done} of {total} secrets");
            } else {
                // Clear the progress line before the report.
                eprint!("\r\x1b[K");
            }
        })
        .await;
    trace_calls(cli, &gatherer);
    results
        .into_iter()
        .map(|result| result.map_err(stop_for))
        .collect()
}

/// Whether a person watches stderr: a terminal, and not a CI job's log.
fn person_watching() -> bool {
    io::stderr().is_terminal() && std::env::var_os("CI").is_none()
}

fn stop_for(error: GatherError) -> Stop {
    match error {
        GatherError::Input(message) => Stop(Exit::BadInput, message),
        GatherError::Unreachable(message) => Stop(
            Exit::CannotRun,
            format!("{message}; check the region, the endpoint URL and the network"),
        ),
    }
}

/// With `-v`, one line per AWS call on stderr.
fn trace_calls(cli: &Cli, gatherer: &Gatherer) {
    if !cli.verbose {
        return;
    }
    for call in gatherer.calls() {
        eprintln!(
            "rotdoctor: {} {} {} ms{}",
            call.action,
            call.target,
            call.elapsed.as_millis(),
            if call.parallel { " (parallel)" } else { "" }
        );
    }
}

/// How often `--follow` asks for new events.
const FOLLOW_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

async fn logs(cli: &Cli, args: &LogsArgs) -> Result<Exit, Stop> {
    let now = jiff::Timestamp::now();
    let chosen_since = args
        .since
        .map(|since| since.checked(now))
        .transpose()
        .map_err(|message| Stop(Exit::BadInput, message))?;
    // CloudTrail is read a week back to find the last rotation attempt.
    let week = Since::Ago(jiff::SignedDuration::from_hours(24 * 7)).resolve(now);
    let gatherer = connect(cli, std::slice::from_ref(&args.secret), week, 1).await?;
    let (secret, function) = gatherer
        .secret_and_function(&args.secret)
        .await
        .map_err(stop_for)?;
    let unreadable = |what: &str, error: &LookupError| {
        Stop(Exit::Problems, format!("cannot read {what}: {error}"))
    };
    let secret = match &secret {
        Fact::Found(secret) => secret,
        Fact::Unavailable(error) => return Err(unreadable("the secret", error)),
        _ => {
            return Err(Stop(
                Exit::BadInput,
                format!("secret {} not found", args.secret),
            ));
        }
    };
    if let Some(service) = secret.managed_by() {
        println!(
            "{} uses managed rotation by {service}: there is no rotation function and no log of one; see the {service} console for its rotation events",
            secret.name
        );
        return Ok(Exit::Clean);
    }
    let function = match &function {
        Fact::Found(function) => function,
        Fact::Unavailable(error) => return Err(unreadable("the rotation function", error)),
        Fact::Absent => {
            return Err(Stop(
                Exit::Problems,
                format!("the rotation function of {} does not exist", secret.name),
            ));
        }
        Fact::NotCollected => {
            return Err(Stop(
                Exit::Problems,
                format!("{} has no rotation function set", secret.name),
            ));
        }
    };
    let group = function.log_group();
    let window = match chosen_since {
        Some(since) => report::logs::Window {
            since,
            reason: "--since".to_string(),
        },
        None => match gatherer.last_rotation_attempt(&secret.arn).await {
            Fact::Found(start) => report::logs::Window {
                since: start
                    .checked_sub(jiff::SignedDuration::from_mins(1))
                    .unwrap_or(start),
                reason: format!(
                    "a minute before the last rotation attempt, RotationStarted at {}",
                    start.strftime("%Y-%m-%d %H:%M:%S UTC")
                ),
            },
            Fact::Unavailable(error) => report::logs::Window {
                since: Since::Ago(jiff::SignedDuration::from_hours(1)).resolve(now),
                reason: format!(
                    "the last hour: CloudTrail could not say when rotation was last attempted ({} failed: {})",
                    error.action, error.code
                ),
            },
            _ => report::logs::Window {
                since: Since::Ago(jiff::SignedDuration::from_hours(1)).resolve(now),
                reason: "the last hour: CloudTrail shows no rotation attempt".to_string(),
            },
        },
    };
    let since = window.since;
    let url = report::logs::console_url(secret.region().unwrap_or_default(), &group);
    let log = match gatherer.function_log(&group, since).await {
        Fact::Found(log) => log,
        Fact::Unavailable(error) => return Err(unreadable("the function's log", &error)),
        _ => FunctionLog {
            group: group.clone(),
            events: Vec::new(),
            truncated: false,
            not_read_before: None,
        },
    };
    trace_calls(cli, &gatherer);
    let mut stdout = io::stdout().lock();
    let written = match args.output {
        LogsOutput::Json => {
            report::logs::render_json(&log, &url, &window, args.errors, &mut stdout)
        }
        LogsOutput::Human => {
            report::logs::render_human(&log, &url, &window, args.errors, &mut stdout)
        }
    };
    finish(written.and_then(|()| stdout.flush()))?;
    drop(stdout);
    if args.follow {
        follow(&gatherer, &group, &log, args.errors).await?;
    }
    Ok(Exit::Clean)
}

/// Prints events newer than the last one shown, until interrupted.
async fn follow(
    gatherer: &Gatherer,
    group: &str,
    shown: &FunctionLog,
    errors_only: bool,
) -> Result<(), Stop> {
    let mut last = shown
        .events
        .last()
        .map(|e| e.time)
        .unwrap_or_else(jiff::Timestamp::now);
    loop {
        tokio::time::sleep(FOLLOW_EVERY).await;
        let from = last
            .checked_add(jiff::SignedDuration::from_millis(1))
            .unwrap_or(last);
        if let Fact::Found(log) = gatherer.function_log(group, from).await {
            let mut stdout = io::stdout().lock();
            let newer = log
                .events
                .iter()
                .filter(|e| e.time > last)
                .collect::<Vec<_>>();
            for event in &newer {
                if !errors_only || crate::signatures::is_error(&event.message) {
                    finish(report::logs::write_line(&mut stdout, event))?;
                }
            }
            last = newer.last().map(|e| e.time).unwrap_or(last);
            finish(stdout.flush())?;
        }
    }
}

/// Ends quietly when the reader went away (`| head`); other write errors stop.
fn finish(written: io::Result<()>) -> Result<(), Stop> {
    match written {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        Err(error) => Err(Stop(
            Exit::CannotRun,
            format!("cannot write the output: {error}"),
        )),
    }
}

/// A secret id is a name, or an ARN of the form
/// `arn:<partition>:secretsmanager:<region>:<account>:secret:<name>`.
fn validate_secret_id(id: &str) -> Result<(), String> {
    if id.trim().is_empty() {
        return Err("a secret id cannot be empty".to_string());
    }
    if !id.starts_with("arn:") {
        return Ok(());
    }
    let parts = id.splitn(7, ':').collect::<Vec<_>>();
    let well_formed = matches!(
        parts[..],
        [_, partition, "secretsmanager", region, account, "secret", name]
            if !partition.is_empty()
                && !region.is_empty()
                && account.len() == 12
                && account.bytes().all(|b| b.is_ascii_digit())
                && !name.is_empty()
    );
    if well_formed {
        Ok(())
    } else {
        Err(format!(
            "{id} is not a Secrets Manager ARN (arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME)"
        ))
    }
}

fn read_facts(path: &Path) -> Result<Vec<Facts>, Stop> {
    let unreadable = |why: String| {
        Stop(
            Exit::BadInput,
            format!("cannot read facts file {}: {why}", path.display()),
        )
    };
    let text = fs::read_to_string(path).map_err(|error| unreadable(error.to_string()))?;
    let file: FactsFile =
        serde_json::from_str(without_bom(&text)).map_err(|error| unreadable(error.to_string()))?;
    if file.schema_version != FACTS_SCHEMA_VERSION {
        return Err(unreadable(format!(
            "schema_version is {}, this rotdoctor reads {FACTS_SCHEMA_VERSION}",
            file.schema_version
        )));
    }
    Ok(file.secrets)
}

fn write_facts(path: &Path, secrets: &[Facts]) -> Result<(), Stop> {
    let file = FactsFile {
        schema_version: FACTS_SCHEMA_VERSION,
        secrets: secrets.to_vec(),
    };
    let text = serde_json::to_string_pretty(&file).map_err(|error| {
        Stop(
            Exit::CannotRun,
            format!("cannot serialise the facts: {error}"),
        )
    })?;
    fs::write(path, text + "\n").map_err(|error| {
        Stop(
            Exit::BadInput,
            format!("cannot write facts file {}: {error}", path.display()),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_ids() {
        assert!(validate_secret_id("prod/db").is_ok());
        assert!(
            validate_secret_id(
                "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbCdEf"
            )
            .is_ok()
        );
        assert!(
            validate_secret_id("arn:aws-cn:secretsmanager:cn-north-1:111122223333:secret:a:b")
                .is_ok()
        );
        assert!(validate_secret_id("arn:aws:secretsmanager:us-east-1:1111:secret:x").is_err());
        assert!(validate_secret_id("arn:aws:lambda:us-east-1:111122223333:function:x").is_err());
        assert!(validate_secret_id("arn:nope").is_err());
        assert!(validate_secret_id(" ").is_err());
    }

    #[test]
    fn exit_codes_follow_fail_on() {
        let warn_only = [Status::Warn, Status::Pass, Status::Skip];
        assert_eq!(exit_for(warn_only, FailOn::Fail), Exit::Clean);
        assert_eq!(exit_for(warn_only, FailOn::Warn), Exit::Problems);
        assert_eq!(exit_for([Status::Error], FailOn::Fail), Exit::Problems);
    }
}
