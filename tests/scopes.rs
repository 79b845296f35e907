//! `check --all` over several Regions and accounts, against moto: every
//! secret says where it is, and an account or Region rotdoctor cannot list
//! is an `error` entry while the rest of the run goes on.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic here is a failed test

use crate::common;

use common::Moto;
use serde_json::{Value, json};

/// `check --all` over the two Regions of the `two-regions` scenario.
const TWO_REGIONS: [&str; 5] = [
    "check",
    "--all",
    "--include-unrotated",
    "--regions",
    "us-east-1,us-west-2",
];

fn json_of(output: &std::process::Output) -> Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|_| panic!("no report: {}", String::from_utf8_lossy(&output.stderr)))
}

/// (secret id, account, region) of each entry.
fn places(report: &Value) -> Vec<(String, String, String)> {
    let mut places = report["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| {
            let secret = &entry["secret"];
            let text = |v: &Value| v.as_str().unwrap_or("-").to_string();
            (
                text(&secret["id"]),
                text(&secret["account"]),
                text(&secret["region"]),
            )
        })
        .collect::<Vec<_>>();
    places.sort();
    places
}

#[test]
fn every_region_asked_is_checked_and_named() {
    let moto = Moto::start();
    moto.seed("two-regions");
    let output = moto
        .rotdoctor()
        .args(TWO_REGIONS)
        .args(["--output", "json"])
        .output()
        .unwrap();
    let report = json_of(&output);
    assert_eq!(
        places(&report),
        [
            (
                "prod/orders-db".into(),
                "123456789012".into(),
                "us-east-1".into()
            ),
            (
                "prod/reports-db".into(),
                "123456789012".into(),
                "us-west-2".into()
            ),
        ]
    );
    let human = moto.rotdoctor().args(TWO_REGIONS).output().unwrap();
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(
        text.contains("prod/reports-db (123456789012 us-west-2)"),
        "{text}"
    );
    assert!(
        text.contains("account") && text.contains("with problems"),
        "{text}"
    );
}

#[test]
fn all_regions_are_those_the_account_has_enabled() {
    let moto = Moto::start();
    moto.seed("two-regions");
    let output = moto
        .rotdoctor()
        .args([
            "check",
            "--all",
            "--include-unrotated",
            "--regions",
            "all",
            "--output",
            "json",
        ])
        .output()
        .unwrap();
    let report = json_of(&output);
    let regions = places(&report).into_iter().map(|p| p.2).collect::<Vec<_>>();
    assert_eq!(regions, ["us-east-1", "us-west-2"], "{report:#}");
}

#[test]
fn a_region_that_cannot_be_listed_is_an_error_and_the_rest_goes_on() {
    let moto = Moto::start();
    moto.seed("two-regions");
    let rules = json!([{"operation": "secretsmanager:ListSecrets", "fault": "deny", "region": "us-west-2"}]);
    let faults = moto.faults(&rules, None);
    let output = faults
        .rotdoctor()
        .args(TWO_REGIONS)
        .args([
            "--output",
            "json",
            "--skip",
            "rotation-history,cloudtrail-denials,function-logs",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "the failed Region counts");
    let report = json_of(&output);
    let failed = report["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|entry| entry["secret"]["id"] == "*")
        .unwrap_or_else(|| panic!("no entry for the failed Region: {report:#}"));
    assert_eq!(failed["secret"]["region"], "us-west-2");
    assert_eq!(failed["findings"][0]["check"], "scan");
    assert_eq!(failed["findings"][0]["status"], "error");
    assert!(
        places(&report).contains(&(
            "prod/orders-db".into(),
            "123456789012".into(),
            "us-east-1".into()
        )),
        "{report:#}"
    );
    for format in ["sarif", "junit", "markdown"] {
        let output = faults
            .rotdoctor()
            .args(TWO_REGIONS)
            .args(["--output", format])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&output.stdout);
        assert!(text.contains("us-west-2"), "{format}: {text}");
        assert_eq!(output.status.code(), Some(1), "{format}");
    }
}

#[test]
fn accounts_are_checked_through_their_role() {
    let moto = Moto::start();
    moto.seed("member-account");
    let accounts = std::env::temp_dir().join(format!("rotdoctor-accounts-{}", std::process::id()));
    std::fs::write(
        &accounts,
        "# the organization\n123456789012,management\n111111111111,member\n",
    )
    .unwrap();
    let output = moto
        .rotdoctor()
        .args(["check", "--all", "--include-unrotated", "--output", "json"])
        .arg("--accounts")
        .arg(&accounts)
        .arg("--security-hub")
        .output()
        .unwrap();
    let report = json_of(&output);
    let found = places(&report);
    // Each account's findings went to its own Security Hub, through its role.
    let held = |account: &str| {
        let mut aws = moto.aws_cli();
        if account != "123456789012" {
            let role = format!("arn:aws:iam::{account}:role/OrganizationAccountAccessRole");
            let assumed = common::succeeds(
                moto.aws_cli()
                    .args(["sts", "assume-role", "--role-session-name", "test"])
                    .args(["--role-arn", &role]),
                "aws sts assume-role",
            );
            let assumed: Value = serde_json::from_slice(&assumed.stdout).unwrap();
            let keys = &assumed["Credentials"];
            aws.env("AWS_ACCESS_KEY_ID", keys["AccessKeyId"].as_str().unwrap())
                .env(
                    "AWS_SECRET_ACCESS_KEY",
                    keys["SecretAccessKey"].as_str().unwrap(),
                )
                .env("AWS_SESSION_TOKEN", keys["SessionToken"].as_str().unwrap());
        }
        Moto::security_hub_findings(aws)
            .iter()
            .map(|f| f["AwsAccountId"].as_str().unwrap().to_string())
            .collect::<std::collections::BTreeSet<_>>()
    };
    assert_eq!(held("111111111111"), ["111111111111".to_string()].into());
    assert_eq!(held("123456789012"), ["123456789012".to_string()].into());
    assert!(
        found.contains(&(
            "prod/member-db".into(),
            "111111111111".into(),
            "us-east-1".into()
        )),
        "{report:#}"
    );
    assert!(
        found.contains(&(
            "prod/orders-db".into(),
            "123456789012".into(),
            "us-east-1".into()
        )),
        "{report:#}"
    );

    // A role that cannot be assumed fails its account, not the run.
    let rules = json!([{"operation": "sts:AssumeRole", "fault": "deny"}]);
    let faults = moto.faults(&rules, None);
    let output = faults
        .rotdoctor()
        .args(["check", "--all", "--output", "json"])
        .arg("--accounts")
        .arg(&accounts)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let report = json_of(&output);
    let failed = report["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|entry| entry["secret"]["id"] == "*")
        .count();
    assert_eq!(failed, 1, "only the member's role is assumed: {report:#}");
    std::fs::remove_file(&accounts).unwrap();
}

#[test]
fn the_organizations_active_accounts_are_checked() {
    let moto = Moto::start();
    let seeded = moto.seed("organization");
    let member = seeded["member_account"].as_str().unwrap().to_string();
    let output = moto
        .rotdoctor()
        .args([
            "check",
            "--all",
            "--include-unrotated",
            "--org",
            "--output",
            "json",
        ])
        .output()
        .unwrap();
    let report = json_of(&output);
    let found = places(&report);
    assert!(
        found.contains(&("prod/member-db".into(), member, "us-east-1".into())),
        "{report:#}"
    );
    assert!(
        found.contains(&(
            "prod/orders-db".into(),
            "123456789012".into(),
            "us-east-1".into()
        )),
        "{report:#}"
    );
}

#[test]
fn an_account_outside_any_organization_cannot_use_org() {
    let moto = Moto::start();
    moto.seed("healthy");
    let output = moto
        .rotdoctor()
        .args(["check", "--all", "--org"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.starts_with("rotdoctor: --org: "), "{stderr}");
    assert!(
        stderr.contains("management account or a delegated administrator"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

#[test]
fn bad_scopes_are_bad_input() {
    let moto = Moto::start();
    for (args, message) in [
        (vec!["--regions", "all,us-east-1"], "stands alone"),
        (vec!["--regions", "Mars"], "not a Region name"),
        (
            vec!["--accounts", "/nonexistent/accounts"],
            "cannot read accounts file",
        ),
    ] {
        let output = moto
            .rotdoctor()
            .args(["check", "--all"])
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(message), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
    }
}
