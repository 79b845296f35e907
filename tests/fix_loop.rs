//! Every fix rotdoctor prints works as printed: for each moto scenario with
//! a `fail`, the real AWS CLI (PyPI `awscli`, installed by `scripts/test`
//! into the moto venv) runs each printed command against moto, then `check`
//! runs again: the finding must pass, and no other check may get worse.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic here is a failed test

use crate::common;

use std::collections::BTreeMap;
use std::process::Command;

use common::{Moto, repo};
use serde_json::Value;

/// CloudTrail and the function's log are history: no fix changes them.
const HISTORY: &str = "rotation-history,cloudtrail-denials,function-logs";

/// Values a fix leaves to the user as `<placeholders>`, as a user would
/// fill them in.
const PLACEHOLDERS: [(&str, &str); 6] = [
    ("<host>", "db.internal"),
    ("<username>", "app"),
    ("<password>", "Fix-Loop-Pw-1"),
    ("<dbname>", "orders"),
    ("<port>", "5432"),
    ("<ARN of the master secret>", "prod/orders-db-master"),
];

/// Scenario and check whose fix cannot be shown working here, and why.
const CANNOT_SHOW: &[(&str, &str, &str)] = &[
    (
        "network-endpoint-private-dns-off",
        "endpoint-reachability",
        "moto ignores --private-dns-enabled on modify-vpc-endpoint",
    ),
    (
        "function-deleted",
        "rotation-config",
        "the fix points rotation at a function the user deploys first: no printed command can make one",
    ),
    (
        "master-secret-other-host",
        "master-secret-host",
        "which host is right, the secret's or the master's, is the user's to say: the fix names both, and runs nothing",
    ),
];

fn statuses(moto: &Moto) -> (BTreeMap<String, (String, Value)>, String) {
    let output = moto
        .rotdoctor()
        .args([
            "check",
            "prod/orders-db",
            "--output",
            "json",
            "--skip",
            HISTORY,
        ])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|_| panic!("no report: {}", String::from_utf8_lossy(&output.stderr)));
    let findings = report["secrets"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["check"].as_str().unwrap().to_string(),
                (f["status"].as_str().unwrap().to_string(), f.clone()),
            )
        })
        .collect();
    (findings, report.to_string())
}

fn rank(status: &str) -> u8 {
    match status {
        "pass" | "skip" => 0,
        "warn" => 1,
        _ => 2,
    }
}

/// Runs one printed command with the real AWS CLI against moto.
fn run_as_printed(moto: &Moto, command: &str) -> Result<(), String> {
    let mut filled = command.to_string();
    for (placeholder, value) in PLACEHOLDERS {
        filled = filled.replace(placeholder, value);
    }
    let venv = repo().join(".venv/bin");
    assert!(
        venv.join("aws").exists(),
        "the AWS CLI is not in {}: run scripts/test (it installs awscli)",
        venv.display()
    );
    let path = format!(
        "{}:{}",
        venv.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut bash = Command::new("bash");
    common::aws_cli_environment(&mut bash, &moto.endpoint);
    let output = bash
        .args(["-euo", "pipefail", "-c", &filled])
        .env("PATH", path)
        .output()
        .unwrap();
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "`{filled}` failed: {}{}",
            String::from_utf8_lossy(&output.stderr),
            String::from_utf8_lossy(&output.stdout)
        ))
    }
}

/// How many times the loop runs the fixes of what still fails: a fix may
/// lead to the next one (a function moved into the database's VPC then
/// needs a path to Secrets Manager there, which the next check prints).
const ROUNDS: usize = 3;

/// Applies every fix of every failing finding, round after round, and
/// returns what went wrong: a command that failed, a finding that still
/// fails, a check worse than before.
fn fix_loop(scenario: &str) -> Vec<String> {
    let moto = Moto::start();
    moto.seed(scenario);
    let (before, _) = statuses(&moto);
    let excused = |check: &str| {
        CANNOT_SHOW
            .iter()
            .any(|(s, c, _)| *s == scenario && *c == check)
    };
    let failing = |report: &BTreeMap<String, (String, Value)>| {
        report
            .iter()
            .filter(|(check, (status, _))| status == "fail" && !excused(check))
            .map(|(check, (_, finding))| (check.clone(), finding.clone()))
            .collect::<Vec<_>>()
    };
    let first = failing(&before);
    assert!(
        !first.is_empty() || CANNOT_SHOW.iter().any(|(s, _, _)| *s == scenario),
        "{scenario} has no failing check"
    );
    let mut wrong = Vec::new();
    let mut current = before.clone();
    for _ in 0..ROUNDS {
        let now_failing = failing(&current);
        if now_failing.is_empty() {
            break;
        }
        for (check, finding) in &now_failing {
            let commands = finding["fix"]["commands"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            if commands.is_empty() {
                wrong.push(format!("{scenario}/{check}: no command to run"));
            }
            for command in commands {
                if let Err(error) = run_as_printed(&moto, command.as_str().unwrap()) {
                    wrong.push(format!("{scenario}/{check}: {error}"));
                }
            }
        }
        current = statuses(&moto).0;
        if !wrong.is_empty() {
            break;
        }
    }
    let (after, report) = statuses(&moto);
    for (check, (status, finding)) in &after {
        let (was, _) = &before[check];
        if excused(check) {
            continue;
        }
        let fixed = first.iter().any(|(c, _)| c == check);
        // A check that could not run before is judged on fail and error
        // only: once it runs, a warning is what it finds, not what a fix did.
        let worse = if was == "skip" {
            rank(status) > 1
        } else {
            rank(status) > rank(was)
        };
        if fixed && rank(status) > 0 {
            wrong.push(format!(
                "{scenario}/{check}: still {status} after its fix: {}",
                finding["summary"]
            ));
        } else if !fixed && worse {
            wrong.push(format!(
                "{scenario}/{check}: {was} -> {status} after the fixes: {}",
                finding["summary"]
            ));
        }
    }
    if !wrong.is_empty() {
        wrong.push(format!("{scenario}: report after the fixes: {report}"));
    }
    wrong
}

macro_rules! fixes_work {
    ($($name:ident: $scenario:literal,)*) => {$(
        #[test]
        fn $name() {
            let wrong = fix_loop($scenario);
            assert!(wrong.is_empty(), "{}", wrong.join("\n"));
        }
    )*};
}

fixes_work! {
    network_no_path: "network-no-path",
    network_endpoint_private_dns_off: "network-endpoint-private-dns-off",
    network_endpoint_admits_nothing: "network-endpoint-admits-nothing",
    network_endpoint_subnet_acl_blocks: "network-endpoint-subnet-acl-blocks",
    network_endpoint_policy_refuses_role: "network-endpoint-policy-refuses-role",
    database_other_vpc: "database-other-vpc",
    database_group_without_function: "database-group-without-function",
    no_invoke_permission: "no-invoke-permission",
    invoke_permission_other_account: "invoke-permission-other-account",
    function_deleted: "function-deleted",
    stranded_pending: "stranded-pending",
    stuck_rotation: "stuck-rotation",
    master_secret_no_access: "master-secret-no-access",
    master_secret_partial_arn: "master-secret-partial-arn",
    master_secret_other_host: "master-secret-other-host",
    master_secret_rds_managed: "master-secret-rds-managed",
    permissions_missing_actions: "permissions-missing-actions",
    permissions_explicit_deny: "permissions-explicit-deny",
    permissions_secret_policy_deny: "permissions-secret-policy-deny",
    permissions_boundary: "permissions-boundary",
    kms_without_decrypt: "kms-without-decrypt",
    kms_disabled: "kms-disabled",
    multi_user_missing_masterarn: "multi-user-missing-masterarn",
    secret_missing_host: "secret-missing-host",
    secret_not_json: "secret-not-json",
    secret_engine_mismatch: "secret-engine-mismatch",
    database_ssl_off: "database-ssl-off",
    database_proxy: "database-proxy",
}

/// `--output script` is the whole plan: run as printed, it leaves the
/// secret healthy.
#[test]
fn the_fix_script_ends_healthy() {
    let moto = Moto::start();
    moto.seed("stuck-rotation");
    let (before, _) = statuses(&moto);
    assert_eq!(before["password-charset"].0, "fail", "{:?}", before.keys());
    assert_eq!(before["pending-version"].0, "fail");
    let output = moto
        .rotdoctor()
        .args([
            "check",
            "prod/orders-db",
            "--output",
            "script",
            "--skip",
            HISTORY,
        ])
        .output()
        .unwrap();
    let script = String::from_utf8(output.stdout).unwrap();
    assert!(script.starts_with("#!/usr/bin/env bash\n"), "{script}");
    let root = script.find("password-charset").unwrap();
    let follow_up = script
        .find("pending-version, after password-charset")
        .unwrap();
    assert!(root < follow_up, "root causes first: {script}");
    run_as_printed(&moto, &script).unwrap_or_else(|error| panic!("{error}\n{script}"));
    let (after, report) = statuses(&moto);
    // Nothing fails any more, and nothing is worse than before.
    let problems = after
        .iter()
        .filter(|(check, (status, _))| rank(status) > 1 || rank(status) > rank(&before[*check].0))
        .map(|(check, (status, _))| format!("{check}: {status}"))
        .collect::<Vec<_>>();
    assert!(problems.is_empty(), "{problems:?}\n{report}");
}
