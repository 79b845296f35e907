//! The command line, as clap parses it.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::aws::AwsArgs;

const EXIT_CODES: &str = "\
Exit codes:
  0  no check failed and none hit an error
  1  at least one check is fail or error (with --fail-on warn, warn too)
  2  bad usage or input: unknown secret, malformed ARN, unreadable facts file
  3  rotdoctor could not run: no credentials, no region, endpoint unreachable";

/// Diagnoses why AWS Secrets Manager rotation fails: for each documented
/// failure mode, a verdict, the evidence, and the command that fixes it.
///
/// rotdoctor only reads: it never changes a secret, a function or a policy.
/// Fix commands are printed, never run.
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
    Check(CheckArgs),
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// The secrets to check, by name or ARN
    #[arg(value_name = "SECRET", required_unless_present = "facts")]
    pub secrets: Vec<String>,

    /// Check facts saved by --save-facts instead of asking AWS (no account needed)
    #[arg(long, value_name = "FILE", conflicts_with_all = ["secrets", "save_facts"])]
    pub facts: Option<PathBuf>,

    /// Also write the gathered facts to FILE (secret values are never in them)
    #[arg(long, value_name = "FILE")]
    pub save_facts: Option<PathBuf>,

    /// The report format
    #[arg(long, short, value_enum, default_value_t = Output::Human)]
    pub output: Output,

    /// The lowest status that makes the exit code 1
    #[arg(long, value_enum, default_value_t = FailOn::Fail)]
    pub fail_on: FailOn,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Output {
    Human,
    Json,
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
