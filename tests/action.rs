//! The GitHub Action (`action.yml`): validated by action-validator, and its
//! check step (`scripts/action-check`) run here as a runner would, against
//! moto.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{self, Moto};

/// action-validator, installed into tests/action by scripts/test.
fn validate(file: &Path) {
    let validator = common::repo().join("tests/action/node_modules/.bin/action-validator");
    assert!(
        validator.exists(),
        "{} not found: run scripts/test (it installs tests/action's packages)",
        validator.display()
    );
    common::succeeds(
        Command::new(validator).arg(file),
        &format!("action-validator on {}", file.display()),
    );
}

#[test]
fn the_action_and_the_readme_workflow_validate() {
    validate(&common::repo().join("action.yml"));
    let workflow = common::repo().join("docs/github-workflow.yml");
    validate(&workflow);
    let readme = std::fs::read_to_string(common::repo().join("README.md")).unwrap();
    let example = std::fs::read_to_string(&workflow).unwrap();
    assert!(
        readme.contains(&example),
        "README.md shows docs/github-workflow.yml as it is"
    );
}

/// The check step with the runner's files in a directory of its own.
fn action_check(moto: &Moto, inputs: &[(&str, &str)]) -> (PathBuf, String) {
    let runner = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "action-{}-{}",
        std::process::id(),
        inputs.len()
    ));
    let _ = std::fs::remove_dir_all(&runner);
    std::fs::create_dir_all(&runner).unwrap();
    let mut command = Command::new(common::repo().join("scripts/action-check"));
    common::aws_cli_environment(&mut command, &moto.endpoint);
    command
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("AWS_MAX_ATTEMPTS", "1")
        .env("ROTDOCTOR", assert_cmd::cargo::cargo_bin("rotdoctor"))
        .env("RUNNER_TEMP", &runner)
        .env("GITHUB_STEP_SUMMARY", runner.join("summary.md"))
        .env("GITHUB_OUTPUT", runner.join("output"))
        .envs(inputs.iter().copied());
    let output = command.output().unwrap();
    assert!(output.status.success(), "the step itself never fails");
    let outputs = std::fs::read_to_string(runner.join("output")).unwrap_or_default();
    (runner, outputs)
}

#[test]
fn the_check_step_writes_the_summary_and_sarif_and_passes_on_the_exit_code() {
    let moto = Moto::start();
    moto.seed("no-invoke-permission");
    let (runner, outputs) = action_check(
        &moto,
        &[
            ("INPUT_SECRETS", "prod/orders-db\n"),
            ("INPUT_FAIL_ON", "fail"),
            ("INPUT_ARGS", "--skip cloudtrail-denials,rotation-history"),
        ],
    );
    assert!(outputs.contains("exit-code=1\n"), "{outputs}");
    let summary = std::fs::read_to_string(runner.join("summary.md")).unwrap();
    assert!(summary.contains("invoke-permission"), "{summary}");
    let sarif_line = outputs
        .lines()
        .find_map(|line| line.strip_prefix("sarif="))
        .expect("a sarif output");
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(sarif_line).unwrap()).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert!(
        results
            .iter()
            .any(|result| result["ruleId"] == "invoke-permission"),
        "{results:?}"
    );
    // The re-rendered report keeps the selection: no skipped check reappears.
    assert!(
        !results
            .iter()
            .any(|result| result["ruleId"] == "cloudtrail-denials")
    );
}

#[test]
fn the_check_step_without_secrets_is_bad_input() {
    let moto = Moto::start();
    let (_, outputs) = action_check(&moto, &[("INPUT_SECRETS", "  ")]);
    assert!(outputs.contains("exit-code=2\n"), "{outputs}");
}
