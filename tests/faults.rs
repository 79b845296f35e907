//! rotdoctor against moto behind `tests/moto/faults.py`, a proxy that hangs,
//! denies, throttles, empties and truncates answers in each service's own
//! wire format: a call rotdoctor could not make, or whose answer it could
//! not read, makes its checks `error`, never a verdict; nothing hangs.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic here is a failed test

use crate::common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::{CloudTrail, Moto};
use serde_json::{Value, json};

/// Longer than any run here takes: a run that reaches it has hung.
const BOUND: Duration = Duration::from_secs(90);

struct Run {
    statuses: BTreeMap<String, String>,
    summaries: BTreeMap<String, String>,
    code: i32,
    stderr: String,
    /// The read-only actions called, from `-v`.
    actions: Vec<String>,
}

/// A moto seeded with `scenario`, and CloudTrail history about its secret.
fn seeded_with(scenario: &str) -> (Moto, CloudTrail) {
    let moto = Moto::start();
    let seeded = moto.seed(scenario);
    let trail = moto.cloudtrail(
        "rotation-failed-kms-denied.json",
        seeded["secret_arn"].as_str().unwrap(),
    );
    (moto, trail)
}

/// Multi-user rotation reads the most: every service, the master secret.
fn seeded() -> (Moto, CloudTrail) {
    seeded_with("multi-user-healthy")
}

fn check(moto: &Moto, trail: &CloudTrail, rules: Value, extra: &[&str]) -> Run {
    let faults = moto.faults(&rules, Some(trail));
    let output = faults
        .rotdoctor()
        .args(["check", "prod/orders-db", "--output", "json", "-v"])
        .args(extra)
        .timeout(BOUND)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let code = output.status.code().unwrap_or(-1);
    let mut run = Run {
        statuses: BTreeMap::new(),
        summaries: BTreeMap::new(),
        code,
        actions: stderr
            .lines()
            .filter_map(|l| l.strip_prefix("rotdoctor: "))
            .filter_map(|l| l.split_whitespace().next())
            .filter(|a| a.contains(':'))
            .map(str::to_string)
            .collect(),
        stderr,
    };
    if let Ok(report) = serde_json::from_slice::<Value>(&output.stdout) {
        for finding in report["secrets"][0]["findings"].as_array().unwrap() {
            let check = finding["check"].as_str().unwrap().to_string();
            run.statuses.insert(
                check.clone(),
                finding["status"].as_str().unwrap().to_string(),
            );
            run.summaries
                .insert(check, finding["summary"].as_str().unwrap().to_string());
        }
    }
    run.actions.sort();
    run.actions.dedup();
    run
}

/// Checks whose status moved from the clean run to something other than
/// `error` (or a `skip` that stands on an `error`): a verdict made up from a
/// fact that was never read.
fn made_up(clean: &Run, faulty: &Run) -> Vec<String> {
    faulty
        .statuses
        .iter()
        .filter(|(check, status)| clean.statuses.get(*check) != Some(status))
        .filter(|(_, status)| !matches!(status.as_str(), "error" | "skip"))
        .map(|(check, status)| {
            format!(
                "{check}: {} -> {status} ({})",
                clean.statuses[check], faulty.summaries[check]
            )
        })
        .collect()
}

/// In a healthy account, one with a finding (the secret lacks its host:
/// a `fail` must not turn into a `pass`) and one whose function is gone (a
/// `skip` must not turn into a `fail`).
#[test]
fn a_denied_call_makes_its_checks_error_never_a_verdict() {
    for scenario in [
        "multi-user-healthy",
        "secret-missing-host",
        "function-deleted",
    ] {
        deny_each_call(scenario);
    }
}

fn deny_each_call(scenario: &str) {
    let (moto, trail) = seeded_with(scenario);
    let clean = check(&moto, &trail, json!([]), &[]);
    assert!(
        clean.actions.len() > 3,
        "{scenario}: the clean run made calls: {}",
        clean.stderr
    );
    let mut wrong = Vec::new();
    for action in &clean.actions {
        let denied = check(
            &moto,
            &trail,
            json!([{"operation": action, "fault": "deny"}]),
            &[],
        );
        if denied.statuses.is_empty() {
            // The secret itself could not be described: one clear line.
            assert_eq!(denied.code, 3, "{action}: {}", denied.stderr);
            continue;
        }
        for line in made_up(&clean, &denied) {
            wrong.push(format!("{scenario}, {action} denied: {line}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn an_empty_or_truncated_answer_is_never_evidence() {
    let (moto, trail) = seeded();
    let clean = check(&moto, &trail, json!([]), &[]);
    let mut wrong = Vec::new();
    for fault in ["empty", "truncate"] {
        for action in &clean.actions {
            let broken = check(
                &moto,
                &trail,
                json!([{"operation": action, "fault": fault}]),
                &[],
            );
            for line in made_up(&clean, &broken) {
                wrong.push(format!("{action} {fault}: {line}"));
            }
            if broken.statuses.is_empty() {
                assert_ne!(broken.code, 0, "{action} {fault}: {}", broken.stderr);
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn a_call_that_never_answers_times_out_and_the_rest_finish() {
    let (moto, trail) = seeded();
    let clean = check(&moto, &trail, json!([]), &[]);
    let hung = check(
        &moto,
        &trail,
        json!([{"operation": "secretsmanager:GetResourcePolicy", "fault": "hang"}]),
        &["--timeout", "2"],
    );
    assert!(made_up(&clean, &hung).is_empty(), "{:?}", hung.statuses);
    let errors = hung
        .statuses
        .iter()
        .filter(|(_, s)| *s == "error")
        .map(|(c, _)| c.as_str())
        .collect::<Vec<_>>();
    assert!(!errors.is_empty(), "{:?}", hung.statuses);
    assert!(
        hung.summaries[errors[0]].contains("secretsmanager:GetResourcePolicy did not answer"),
        "{}",
        hung.summaries[errors[0]]
    );
}

#[test]
fn a_dead_endpoint_exits_3_with_one_clear_line() {
    let (moto, trail) = seeded();
    let dead = check(
        &moto,
        &trail,
        json!([{"operation": "*", "fault": "hang"}]),
        &["--timeout", "2"],
    );
    assert_eq!(dead.code, 3, "{}", dead.stderr);
    assert!(
        dead.stderr
            .contains("secretsmanager:DescribeSecret did not answer within 2 s"),
        "{}",
        dead.stderr
    );
}

#[test]
fn throttling_at_30_percent_changes_no_verdict() {
    let (moto, trail) = seeded();
    let clean = check(&moto, &trail, json!([]), &[]);
    let faults = moto.faults(
        &json!([{"operation": "*", "fault": "throttle", "rate": 0.3}]),
        Some(&trail),
    );
    // The retries rotdoctor chooses when the user sets none.
    let output = faults
        .rotdoctor()
        .env_remove("AWS_MAX_ATTEMPTS")
        .args(["check", "prod/orders-db", "--output", "json"])
        .timeout(BOUND)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|_| panic!("no report: {}", String::from_utf8_lossy(&output.stderr)));
    let throttled = report["secrets"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["check"].as_str().unwrap().to_string(),
                f["status"].as_str().unwrap().to_string(),
            )
        })
        .collect::<BTreeMap<_, _>>();
    assert_eq!(throttled, clean.statuses);
}
