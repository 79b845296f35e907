//! The command line, as clap parses it.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::aws::AwsArgs;

const EXIT_CODES: &str = "\
Exit codes:
  0  no check failed and none hit an error
  1  at least one check is fail or error (with --fail-on warn, warn too)
  2  bad usage or input: unknown secret, malformed ARN, unreadable facts or
     suppressions file, no secret or no check selected, --since out of range
  3  rotdoctor could not run: no credentials, no region, endpoint unreachable;
     or, with --security-hub, not every finding could be imported";

const LOGS_EXIT_CODES: &str = "\
Exit codes:
  0  the log was shown (whatever it says)
  1  the secret or its rotation function could not be read, or it has none
  2  bad usage or input: unknown secret, malformed ARN, --since out of range
  3  rotdoctor could not run: no credentials, no region, endpoint unreachable";

/// Diagnoses why AWS Secrets Manager rotation fails: for each documented
/// failure mode, a verdict, the evidence, and the command that fixes it.
///
/// rotdoctor only reads: it never changes a secret, a function or a policy.
/// Fix commands are printed, never run. Its one write, importing its
/// findings into Security Hub, is made only with `check --security-hub`.
#[derive(Debug, Parser)]
#[command(name = "rotdoctor", version, after_help = EXIT_CODES)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,

    /// When to color the output [NO_COLOR is honoured by auto]
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// Show the evidence of passing checks, and each AWS call's timing on stderr
    #[arg(short, long, global = true)]
    pub verbose: bool,

    #[command(flatten)]
    pub aws: AwsArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check the rotation of one or more secrets
    #[command(after_help = EXIT_CODES)]
    Check(Box<CheckArgs>),
    /// Show the rotation function's recent log, read invocation by invocation
    #[command(after_help = LOGS_EXIT_CODES)]
    Logs(LogsArgs),
    /// List the checks, one line each
    Checks,
    /// Explain a check: what it reads, what it concludes, how to fix it
    Explain {
        /// The check, as `rotdoctor checks` names it
        #[arg(value_parser = check_slug)]
        check: String,
    },
    /// Print the read-only IAM policy rotdoctor itself needs
    Permissions(PermissionsArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell)
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff): rotdoctor(1), or a command's, such as
    /// rotdoctor-check(1)
    Man {
        /// The command whose page to print
        #[arg(value_parser = COMMANDS)]
        command: Option<String>,
    },
}

/// The commands, each with its own man page, rotdoctor-COMMAND(1).
pub const COMMANDS: [&str; 7] = [
    "check",
    "logs",
    "checks",
    "explain",
    "permissions",
    "completions",
    "man",
];

/// `permissions`: the read policy every account checked needs, or what the
/// identity running a scan over accounts needs besides.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct PermissionsArgs {
    #[command(flatten)]
    pub selection: SelectionArgs,

    /// Print instead what the identity running `check --accounts` or
    /// `--org` needs besides: sts:AssumeRole on the role in each account,
    /// and organizations:ListAccounts
    #[arg(long, conflicts_with_all = ["only", "skip"])]
    pub scanner: bool,

    /// With --scanner, the role rotdoctor assumes in each account (as
    /// check's --role-name)
    #[arg(
        long,
        value_name = "NAME",
        default_value = "OrganizationAccountAccessRole",
        requires = "scanner"
    )]
    pub role_name: String,

    /// Also grant `check --security-hub`'s one write:
    /// securityhub:BatchImportFindings into the account's own product
    #[arg(long, conflicts_with = "scanner")]
    pub security_hub: bool,
}

/// Which checks to run.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct SelectionArgs {
    /// Run only these checks (comma-separated)
    #[arg(long, value_name = "CHECK", value_delimiter = ',', value_parser = check_slug)]
    pub only: Vec<String>,
    /// Do not run these checks (comma-separated)
    #[arg(long, value_name = "CHECK", value_delimiter = ',', value_parser = check_slug)]
    pub skip: Vec<String>,
}

impl SelectionArgs {
    pub fn selection(&self) -> crate::checks::Selection {
        crate::checks::Selection {
            only: self.only.clone(),
            skip: self.skip.clone(),
        }
    }
}

fn key_value(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok((key.to_string(), value.to_string())),
        _ => Err(format!("{text} is not KEY=VALUE")),
    }
}

// The one warning the command line gives while parsing, before any report.
#[allow(clippy::disallowed_macros)]
fn check_slug(text: &str) -> Result<String, String> {
    match crate::checks::resolve_slug(text) {
        Some((slug, None)) => Ok(slug.to_string()),
        Some((slug, Some(old))) => {
            eprintln!("rotdoctor: the check {old} is now called {slug}");
            Ok(slug.to_string())
        }
        None => Err(format!(
            "no check is called {text}; the checks are {}",
            crate::checks::slugs().join(", ")
        )),
    }
}

#[derive(Debug, clap::Args)]
pub struct LogsArgs {
    /// The secret, by name or ARN
    #[arg(value_name = "SECRET")]
    pub secret: String,

    /// From when: a duration back from now (30m, 6h, 1d, 2w) or an RFC 3339
    /// time [default: the last rotation attempt, else 1h]
    #[arg(long, value_name = "WHEN")]
    pub since: Option<Since>,

    /// Keep printing new events as they arrive (stop with Ctrl-C)
    #[arg(long, short)]
    pub follow: bool,

    /// Show only the invocations that failed, and only their error lines
    #[arg(long)]
    pub errors: bool,

    /// The output format
    #[arg(long, short, value_enum, default_value_t = LogsOutput::Human)]
    pub output: LogsOutput,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogsOutput {
    Human,
    Json,
}

/// When a history window starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Since {
    /// This long before now.
    Ago(jiff::SignedDuration),
    At(jiff::Timestamp),
}

impl Since {
    pub fn resolve(self, now: jiff::Timestamp) -> jiff::Timestamp {
        match self {
            Since::Ago(duration) => now.checked_sub(duration).unwrap_or(now),
            Since::At(at) => at,
        }
    }

    /// The window's start, or why it is refused: in the future, or more
    /// than [`LONGEST_SINCE_DAYS`] back.
    pub fn checked(self, now: jiff::Timestamp) -> Result<jiff::Timestamp, String> {
        let start = self.resolve(now);
        let longest = jiff::SignedDuration::from_hours(24 * LONGEST_SINCE_DAYS);
        if start > now {
            Err(format!("--since {start} is in the future"))
        } else if now.duration_since(start) > longest {
            Err(format!(
                "--since reaches back more than {LONGEST_SINCE_DAYS} days (CloudTrail keeps 90 days of events); pick a later start"
            ))
        } else {
            Ok(start)
        }
    }
}

impl std::str::FromStr for Since {
    type Err = String;

    /// An RFC 3339 time, or a duration in jiff's friendly format (`30m`,
    /// `6h`, `1d`, `2w`, `1h30m`), a day being 24 hours.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if let Ok(at) = text.parse::<jiff::Timestamp>() {
            return Ok(Since::At(at));
        }
        let not_understood =
            || format!("{text} is neither a duration (30m, 6h, 1d, 2w) nor an RFC 3339 time");
        let span = text.parse::<jiff::Span>().map_err(|_| not_understood())?;
        let duration = span
            .to_duration(jiff::SpanRelativeTo::days_are_24_hours())
            .map_err(|_| not_understood())?;
        if duration.is_negative() {
            return Err(format!("{text} is a negative duration"));
        }
        Ok(Since::Ago(duration))
    }
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// The secrets to check, by name or ARN
    #[arg(value_name = "SECRET", required_unless_present_any = ["facts", "all", "event"])]
    pub secrets: Vec<String>,

    /// Check every secret with rotation configured in the account and region
    #[arg(long, conflicts_with_all = ["secrets", "facts"])]
    pub all: bool,

    /// With --all, also the secrets without rotation configured
    #[arg(long, requires = "all")]
    pub include_unrotated: bool,

    /// With --all, only the secrets whose name starts with PREFIX
    #[arg(long, value_name = "PREFIX", requires = "all")]
    pub name_prefix: Option<String>,

    /// With --all, only the secrets with this tag (repeat for several)
    #[arg(long, value_name = "KEY=VALUE", requires = "all", value_parser = key_value)]
    pub tag: Vec<(String, String)>,

    /// With --all, check these Regions (comma-separated) concurrently, or
    /// `all` for every Region enabled in the account [default: the configured one]
    #[arg(long, value_name = "REGIONS", requires = "all", value_delimiter = ',')]
    pub regions: Vec<String>,

    /// With --all, check the accounts FILE lists (lines of
    /// `id[,name[,regions[,role name]]]`, or a JSON array of
    /// {"id","name","regions","role_name"}), each through an assumed role
    #[arg(long, value_name = "FILE", requires = "all")]
    pub accounts: Option<PathBuf>,

    /// With --all, check every active account of the organization
    /// (organizations:ListAccounts, from the management or a delegated
    /// administrator account), each through an assumed role
    #[arg(long, requires = "all", conflicts_with = "accounts")]
    pub org: bool,

    /// The role rotdoctor assumes in each account of --accounts or --org but
    /// its own (give it rotdoctor permissions' read-only policy)
    #[arg(
        long,
        value_name = "NAME",
        default_value = "OrganizationAccountAccessRole",
        requires = "accounts"
    )]
    pub role_name: String,

    /// The external id the roles of --accounts or --org require
    #[arg(long, value_name = "ID")]
    pub external_id: Option<String>,

    /// With --all, the share of each API quota that bounds a scan
    /// (GetResourcePolicy's 50/s, LookupEvents' 2/s, ...) rotdoctor may use
    /// in each account and Region, leaving the rest to the account's workloads
    #[arg(long, value_name = "PERCENT", default_value_t = crate::gather::DEFAULT_SHARE_PERCENT,
          requires = "all", value_parser = clap::value_parser!(u8).range(1..=100))]
    pub quota_share: u8,

    /// How many secrets are examined at once
    #[arg(long, value_name = "N", default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub concurrency: u16,

    /// Check the secret whose rotation failure this EventBridge event or
    /// CloudTrail record reports (`-` reads it from stdin), with the
    /// failure as evidence
    #[arg(long, value_name = "FILE", conflicts_with_all = ["secrets", "all", "facts"])]
    pub event: Option<PathBuf>,

    /// Check facts saved by --save-facts instead of asking AWS (no account needed)
    #[arg(long, value_name = "FILE", conflicts_with_all = ["secrets", "save_facts"])]
    pub facts: Option<PathBuf>,

    /// Also write the gathered facts to FILE (secret values are never in them)
    #[arg(long, value_name = "FILE")]
    pub save_facts: Option<PathBuf>,

    /// The report format
    #[arg(long, short, value_enum, default_value_t = Output::Human)]
    pub output: Output,

    /// Also write each fix that changes a resource in this language: by
    /// default the one the resource's tags show (CloudFormation, Terraform)
    #[arg(long, value_enum, value_name = "LANGUAGE")]
    pub iac: Option<Iac>,

    /// The lowest status that makes the exit code 1
    #[arg(long, value_enum, default_value_t = FailOn::Fail)]
    pub fail_on: FailOn,

    #[command(flatten)]
    pub selection: SelectionArgs,

    /// Accept the findings this file lists, with a reason each: they are
    /// reported as suppressed and no longer fail the gate
    #[arg(long, value_name = "FILE")]
    pub suppressions: Option<PathBuf>,

    /// Also import the findings into Security Hub (BatchImportFindings, in
    /// each secret's own account and Region): rotdoctor's one write, which
    /// `rotdoctor permissions --security-hub` grants
    #[arg(long)]
    pub security_hub: bool,

    /// Also write GitHub Actions annotations to stderr [default: on when GITHUB_ACTIONS=true]
    #[arg(long)]
    pub github: bool,

    /// How far back CloudTrail and the function's log are read: a duration
    /// (30m, 6h, 1d, 2w) or an RFC 3339 time, at most 400 days back [default: 7d]
    #[arg(long, value_name = "WHEN")]
    pub since: Option<Since>,
}

/// `check --since`'s default.
pub const DEFAULT_SINCE: Since = Since::Ago(jiff::SignedDuration::from_hours(24 * 7));
/// CloudTrail's event history holds 90 days; a window far beyond that is a
/// typo, not a wish, and would silently read an empty history.
pub const LONGEST_SINCE_DAYS: i64 = 400;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Output {
    Human,
    Json,
    /// SARIF 2.1.0, for code-scanning dashboards
    Sarif,
    /// JUnit XML, for CI test reports
    Junit,
    /// Markdown, for $GITHUB_STEP_SUMMARY
    Markdown,
    /// A commented shell script of every fix, root causes first (never run by rotdoctor)
    Script,
    /// AWS Security Finding Format, as BatchImportFindings' input, for Security Hub
    Asff,
    /// GitLab's SAST security report (schema 15.2.1), for merge requests
    Gitlab,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Iac {
    Cloudformation,
    Terraform,
    Cdk,
    /// All three
    All,
    /// No IaC snippet, even where the tags show a language
    None,
}

impl CheckArgs {
    /// The read-only actions this check reads AWS with: those of the
    /// selected checks, less the templates' construct paths when no IaC is
    /// wanted.
    pub fn reads(&self) -> Vec<&'static str> {
        let mut actions = crate::checks::permissions(&self.selection.selection());
        if self.iac == Some(Iac::None) {
            actions.retain(|action| !crate::reads::ORIGIN.contains(action));
        }
        actions
    }
}

impl Iac {
    pub fn choice(option: Option<Iac>) -> crate::iac::Choice {
        use crate::iac::{Choice, Language};
        match option {
            None => Choice::Detected,
            Some(Iac::Cloudformation) => Choice::Only(Language::Cloudformation),
            Some(Iac::Terraform) => Choice::Only(Language::Terraform),
            Some(Iac::Cdk) => Choice::Only(Language::Cdk),
            Some(Iac::All) => Choice::All,
            Some(Iac::None) => Choice::None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// fail and error findings
    Fail,
    /// warn, fail and error findings
    Warn,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Color when stdout is a terminal and NO_COLOR is not set
    Auto,
    Always,
    Never,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_takes_durations_and_times() {
        let now: jiff::Timestamp = "2026-11-25T12:00:00Z".parse().unwrap();
        let resolve = |text: &str| text.parse::<Since>().unwrap().resolve(now).to_string();
        assert_eq!(resolve("30m"), "2026-11-25T11:30:00Z");
        assert_eq!(resolve("7d"), "2026-11-18T12:00:00Z");
        assert_eq!(resolve("2026-11-01T00:00:00Z"), "2026-11-01T00:00:00Z");
        assert_eq!(resolve("1h30m"), "2026-11-25T10:30:00Z");
        assert_eq!(resolve("2w"), "2026-11-11T12:00:00Z");
        assert!("seven".parse::<Since>().is_err());
        assert!("99999999999999999d".parse::<Since>().is_err());
    }
}
