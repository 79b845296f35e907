//! Running a parsed command line: where exit codes are decided.

use std::fs;
use std::io::{self, IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use crate::cli::{CheckArgs, Cli, ColorChoice, Command, FailOn, Output};
use crate::facts::{FACTS_SCHEMA_VERSION, Facts, FactsFile};
use crate::finding::Status;
use crate::gather::{GatherError, Gatherer};
use crate::report::{self, SecretReport, Summary};
use crate::{aws, checks};

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
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => return stop(Stop(Exit::CannotRun, format!("cannot start: {error}"))),
    };
    let result = match &cli.command {
        Command::Check(args) => runtime.block_on(check(&cli, args)),
    };
    match result {
        Ok(exit) => ExitCode::from(exit as u8),
        Err(reason) => stop(reason),
    }
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
    let all_facts = match &args.facts {
        Some(path) => read_facts(path)?,
        None => gather(cli, &args.secrets).await?,
    };
    if let Some(path) = &args.save_facts {
        write_facts(path, &all_facts)?;
    }
    let reports = all_facts
        .iter()
        .map(|facts| SecretReport::new(facts, checks::run_all(facts)))
        .collect::<Vec<_>>();

    let mut stdout = io::stdout().lock();
    let written = match args.output {
        Output::Human => report::render_human(&reports, cli.verbose, &mut stdout),
        Output::Json => report::render_json(&reports, &mut stdout),
    };
    match written.and_then(|()| stdout.flush()) {
        Ok(()) => {}
        // `rotdoctor check ... | head` is not an error.
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => {}
        Err(error) => {
            return Err(Stop(
                Exit::CannotRun,
                format!("cannot write the report: {error}"),
            ));
        }
    }
    Ok(exit_for(&Summary::of(&reports), args.fail_on))
}

fn exit_for(summary: &Summary, fail_on: FailOn) -> Exit {
    let counted = match fail_on {
        FailOn::Fail => [Status::Fail, Status::Error].as_slice(),
        FailOn::Warn => [Status::Fail, Status::Error, Status::Warn].as_slice(),
    };
    if counted.iter().any(|status| summary.count(*status) > 0) {
        Exit::Problems
    } else {
        Exit::Clean
    }
}

async fn gather(cli: &Cli, secret_ids: &[String]) -> Result<Vec<Facts>, Stop> {
    for id in secret_ids {
        validate_secret_id(id).map_err(|message| Stop(Exit::BadInput, message))?;
    }
    let config = aws::load(&cli.aws)
        .await
        .map_err(|error| Stop(Exit::CannotRun, error.to_string()))?;
    let gatherer = Gatherer::new(&config);
    let results = gatherer.gather_all(secret_ids).await;
    if cli.verbose {
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
    results
        .into_iter()
        .map(|result| {
            result.map_err(|error| match error {
                GatherError::Input(message) => Stop(Exit::BadInput, message),
                GatherError::Unreachable(message) => Stop(
                    Exit::CannotRun,
                    format!("{message}; check the region, the endpoint URL and the network"),
                ),
            })
        })
        .collect()
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
        serde_json::from_str(&text).map_err(|error| unreadable(error.to_string()))?;
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
        let warn_only = Summary {
            warn: 1,
            pass: 3,
            ..Summary::default()
        };
        assert_eq!(exit_for(&warn_only, FailOn::Fail), Exit::Clean);
        assert_eq!(exit_for(&warn_only, FailOn::Warn), Exit::Problems);
        let error = Summary {
            error: 1,
            ..Summary::default()
        };
        assert_eq!(exit_for(&error, FailOn::Fail), Exit::Problems);
    }
}
