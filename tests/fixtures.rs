//! Every facts file in `fixtures/` through every check, as the user sees it:
//! the human report and the JSON report, snapshotted.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic here is a failed test

use std::path::Path;

use rotdoctor::checks;
use rotdoctor::facts::FactsFile;
use rotdoctor::finding::Status;
use rotdoctor::report::{self, SecretReport};
use rotdoctor::suppress::Suppressions;

fn reports(path: &Path) -> Vec<SecretReport> {
    let text = std::fs::read_to_string(path).unwrap();
    let file: FactsFile = serde_json::from_str(&text).unwrap();
    file.secrets
        .iter()
        .map(|facts| SecretReport::new(facts, checks::run_all(facts)))
        .collect()
}

#[test]
fn reports_for_every_fixture() {
    colored::control::set_override(false);
    insta::glob!("../fixtures", "*.json", |path| {
        let reports = reports(path);
        let mut human = Vec::new();
        report::render_human(&reports, false, &mut human).unwrap();
        insta::assert_snapshot!("human", String::from_utf8(human).unwrap());
        let mut json = Vec::new();
        report::render_json(&reports, &mut json).unwrap();
        insta::assert_snapshot!("json", String::from_utf8(json).unwrap());
    });
}

/// Every check has a fixture where it passes and one where it fails (or
/// warns, for a check whose worst verdict is a warning).
#[test]
fn every_check_passes_and_fails_in_some_fixture() {
    let mut seen = Vec::new();
    for entry in std::fs::read_dir("fixtures").unwrap() {
        for report in reports(&entry.unwrap().path()) {
            for finding in report.findings {
                seen.push((finding.check, finding.status));
            }
        }
    }
    // What rotdoctor cannot see is at worst a warning.
    const WARNS_AT_WORST: &[&str] = &["cross-account"];
    for check in checks::CHECKS {
        let worst = if WARNS_AT_WORST.contains(&check.slug) {
            Status::Warn
        } else {
            Status::Fail
        };
        for wanted in [Status::Pass, worst] {
            assert!(
                seen.contains(&(check.slug, wanted)),
                "no fixture where {} is {}",
                check.slug,
                wanted.as_str()
            );
        }
    }
}

/// `rotdoctor permissions` is derived from each check's `reads`: every call
/// a check cites as evidence must be among them, or the policy falls short.
#[test]
fn evidence_cites_only_calls_the_check_declares() {
    for entry in std::fs::read_dir("fixtures").unwrap() {
        for report in reports(&entry.unwrap().path()) {
            for finding in report.findings {
                let check = checks::CHECKS
                    .iter()
                    .find(|c| c.slug == finding.check)
                    .unwrap();
                for evidence in &finding.evidence {
                    assert!(
                        check.actions().contains(&evidence.source.as_str()),
                        "{} cites {} but does not declare it",
                        check.slug,
                        evidence.source
                    );
                }
            }
        }
    }
}

/// The CI formats of one report, as a CI system receives them, with one of
/// its failures accepted by a suppression file.
#[test]
fn ci_formats_of_a_stuck_rotation() {
    let mut reports = reports(Path::new("fixtures/stuck-rotation.json"));
    let accepted: Suppressions = serde_json::from_str(
        r#"{"suppressions": [{"check": "rotation-schedule", "secret": "prod/*", "reason": "rotated by hand until Q3"}]}"#,
    )
    .unwrap();
    accepted.apply(&mut reports);
    let render = |write: fn(&[SecretReport], &mut dyn std::io::Write) -> std::io::Result<()>| {
        let mut out = Vec::new();
        write(&reports, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    };
    let sarif = render(report::ci::render_sarif);
    let document: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    assert_eq!(document["version"], "2.1.0");
    let results = document["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 5, "one result per fail, warn and error");
    assert!(
        results
            .iter()
            .all(|r| r["partialFingerprints"]["rotdoctor/v1"].is_string())
    );
    let suppressed = results
        .iter()
        .filter(|r| r["suppressions"][0]["justification"] == "rotated by hand until Q3")
        .map(|r| &r["ruleId"])
        .collect::<Vec<_>>();
    assert_eq!(suppressed, ["rotation-schedule"]);
    insta::assert_snapshot!("sarif", sarif);
    insta::assert_snapshot!("junit", render(report::ci::render_junit));
    insta::assert_snapshot!("markdown", render(report::ci::render_markdown));
    insta::assert_snapshot!("annotations", render(report::ci::write_annotations));
}
