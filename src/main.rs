use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = rotdoctor::cli::Cli::parse();
    rotdoctor::run::main(cli)
}
