//! No secret value ever leaves rotdoctor: not on stdout, not on stderr, not
//! in a facts file, whatever the command, format, verbosity or error path.
//!
//! moto holds secrets whose password, unknown keys, nested values, master
//! secret, binary and plain-text values and a function variable all carry a
//! canary; every run of the binary is searched for it.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic here is a failed test

use crate::common;

use std::path::PathBuf;

use common::Moto;

struct Run {
    what: String,
    stdout: String,
    stderr: String,
}

fn run(command: &mut assert_cmd::Command, what: &str) -> Run {
    let output = command.output().unwrap();
    Run {
        what: what.to_string(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

#[test]
fn no_output_or_file_holds_a_secret_value() {
    let moto = Moto::start();
    let seeded = moto.seed("canary");
    let canary = seeded["canary"].as_str().unwrap().to_string();
    let secrets = ["prod/orders-db", "canary/binary", "canary/text"];
    let dir =
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("no-leak-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let facts = dir.join("facts.json");

    let mut runs = Vec::new();
    // Every format there is, so that a new one cannot be missed.
    let formats = <rotdoctor::cli::Output as clap::ValueEnum>::value_variants()
        .iter()
        .map(|format| {
            let value = clap::ValueEnum::to_possible_value(format).unwrap();
            value.get_name().to_string()
        })
        .collect::<Vec<_>>();
    assert!(formats.contains(&"gitlab".to_string()), "{formats:?}");
    for output in &formats {
        for extra in [&[][..], &["-v"][..], &["--color", "always"][..]] {
            runs.push(run(
                moto.rotdoctor()
                    .arg("check")
                    .args(secrets)
                    .args(["--output", output])
                    .args(extra),
                &format!("check --output {output} {extra:?}"),
            ));
        }
    }
    // The import's own lines (and Security Hub's findings, read back).
    runs.push(run(
        moto.rotdoctor()
            .arg("check")
            .args(secrets)
            .args(["--security-hub", "--output", "asff"]),
        "check --security-hub",
    ));
    let mut held = moto.aws_cli();
    held.args(["securityhub", "get-findings", "--output", "json"]);
    runs.push(run(
        &mut assert_cmd::Command::from_std(held),
        "securityhub get-findings",
    ));
    let imported = runs.last().map(|r| r.stdout.as_str()).unwrap_or_default();
    assert!(
        imported.contains("rotdoctor/"),
        "nothing was imported: {imported}"
    );
    runs.push(run(
        moto.rotdoctor()
            .arg("check")
            .args(secrets)
            .arg("--save-facts")
            .arg(&facts),
        "check --save-facts",
    ));
    for output in ["human", "json"] {
        runs.push(run(
            common::rotdoctor()
                .args(["check", "-v", "--output", output, "--facts"])
                .arg(&facts),
            &format!("check --facts --output {output}"),
        ));
    }
    // Error paths: an unknown secret next to real ones, and a facts file that
    // is not one (a JSON report).
    runs.push(run(
        moto.rotdoctor()
            .args(["check", "prod/orders-db", "no/such/secret"]),
        "unknown secret",
    ));
    let report = dir.join("report.json");
    std::fs::write(&report, &runs[3].stdout).unwrap();
    runs.push(run(
        common::rotdoctor().args(["check", "--facts"]).arg(&report),
        "report as facts",
    ));

    // `logs` repeats the function's log lines, masked.
    for extra in [&[][..], &["--output", "json"][..], &["--errors"][..]] {
        runs.push(run(
            moto.rotdoctor()
                .args(["logs", "prod/orders-db", "--since", "1d"])
                .args(extra),
            &format!("logs {extra:?}"),
        ));
    }
    assert!(
        runs.last().unwrap().stdout.contains("login failed for"),
        "the log lines were read: {}",
        runs.last().unwrap().stdout
    );
    // A password logged with no key before it: `check` read the value, and
    // masks it wherever it stands.
    moto.seed("canary-raw-log");
    for output in ["human", "json"] {
        runs.push(run(
            moto.rotdoctor()
                .args(["check", "prod/orders-db", "--output", output]),
            &format!("check with a raw password in the log, --output {output}"),
        ));
    }
    runs.push(run(
        moto.rotdoctor()
            .args(["check", "prod/orders-db", "--save-facts"])
            .arg(dir.join("raw.json")),
        "check --save-facts with a raw password in the log",
    ));
    let raw_facts = std::fs::read_to_string(dir.join("raw.json")).unwrap();
    assert!(
        raw_facts.contains("setSecret: tried *** for app"),
        "{raw_facts}"
    );
    assert!(
        !raw_facts.contains(&canary),
        "the facts file leaked a secret value:\n{raw_facts}"
    );

    let saved = std::fs::read_to_string(&facts).unwrap();
    assert!(saved.contains("prod/orders-db"), "the facts were written");
    assert!(runs[0].stdout.contains("secret-schema"), "the checks ran");
    for run in &runs {
        assert!(
            !run.stdout.contains(&canary),
            "{}: stdout leaked a secret value:\n{}",
            run.what,
            run.stdout
        );
        assert!(
            !run.stderr.contains(&canary),
            "{}: stderr leaked a secret value:\n{}",
            run.what,
            run.stderr
        );
    }
    assert!(
        !saved.contains(&canary),
        "the facts file leaked a secret value:\n{saved}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
