//! The command line without AWS: replaying facts files, bad input, and the
//! exit codes documented in `--help`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic here is a failed test

use crate::common;

use common::rotdoctor;

#[test]
fn replays_a_facts_file_with_no_account() {
    rotdoctor()
        .args(["check", "--facts", "fixtures/healthy.json"])
        .assert()
        .code(0)
        .stdout(predicates::str::contains(format!(
            "0 problems, 0 warnings in {} checks; 5 skipped",
            rotdoctor::checks::CHECKS.len()
        )));
}

#[test]
fn exit_code_is_one_when_a_check_fails_or_errors() {
    rotdoctor()
        .args(["check", "--facts", "fixtures/stuck-rotation.json"])
        .assert()
        .code(1);
    rotdoctor()
        .args(["check", "--facts", "fixtures/policy-access-denied.json"])
        .assert()
        .code(1);
}

/// The README's first command is `cargo run -- check ...`: with two
/// binaries in the package, cargo runs the CLI only because the manifest
/// names it.
#[test]
fn cargo_run_runs_the_cli() {
    let manifest = std::fs::read_to_string(common::repo().join("Cargo.toml")).unwrap();
    assert!(
        manifest.contains("\ndefault-run = \"rotdoctor\"\n"),
        "Cargo.toml lost default-run"
    );
}

#[test]
fn fail_on_warn_counts_warnings() {
    let facts = ["check", "--facts", "fixtures/rotation-not-enabled.json"];
    rotdoctor().args(facts).assert().code(0);
    rotdoctor()
        .args(facts)
        .args(["--fail-on", "warn"])
        .assert()
        .code(1);
}

#[test]
fn json_output_is_one_document_with_the_contract_fields() {
    let output = rotdoctor()
        .args([
            "check",
            "--facts",
            "fixtures/stuck-rotation.json",
            "--output",
            "json",
        ])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["schema_version"], 1);
    assert_eq!(report["secrets"][0]["secret"]["id"], "prod/orders-db");
    assert_eq!(report["summary"]["fail"], 5);
    let finding = &report["secrets"][0]["findings"][2];
    for field in ["check", "status", "title", "summary", "evidence", "fix"] {
        assert!(finding.get(field).is_some(), "finding has no {field}");
    }
}

#[test]
fn color_follows_the_flag_and_no_color() {
    let facts = ["check", "--facts", "fixtures/stuck-rotation.json"];
    let colored = rotdoctor()
        .args(facts)
        .args(["--color", "always"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&colored.stdout).contains("\u{1b}["));
    let plain = rotdoctor()
        .args(facts)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&plain.stdout).contains("\u{1b}["));
}

#[test]
fn unreadable_facts_files_are_bad_input_in_one_line() {
    let corrupt =
        std::env::temp_dir().join(format!("rotdoctor-corrupt-{}.json", std::process::id()));
    std::fs::write(&corrupt, "{\"schema_version\": 1, \"secrets\": [").unwrap();
    for path in [
        corrupt.to_str().unwrap(),
        "fixtures/does-not-exist.json",
        "Cargo.toml",
    ] {
        let output = rotdoctor()
            .args(["check", "--facts", path])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{path}");
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(
            stderr.starts_with(&format!("rotdoctor: cannot read facts file {path}")),
            "{stderr}"
        );
    }
    let _ = std::fs::remove_file(corrupt);
}

#[test]
fn a_malformed_arn_is_bad_input() {
    rotdoctor()
        .args(["check", "arn:aws:secretsmanager:us-east-1:12345:secret:db"])
        .assert()
        .code(2)
        .stderr(predicates::str::starts_with("rotdoctor: arn:aws:secretsmanager:us-east-1:12345:secret:db is not a Secrets Manager ARN"));
}

#[test]
fn no_region_and_no_credentials_cannot_run() {
    rotdoctor()
        .env_remove("AWS_REGION")
        .args(["check", "prod/db"])
        .assert()
        .code(3)
        .stderr(predicates::str::starts_with(
            "rotdoctor: no AWS region: pass --region",
        ));
    let output = rotdoctor()
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .args(["check", "prod/db"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.starts_with("rotdoctor: no AWS credentials"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

#[test]
fn an_unreachable_endpoint_cannot_run() {
    // The sealed environment points at 127.0.0.1:1, where nothing listens.
    rotdoctor()
        .args(["check", "prod/db"])
        .assert()
        .code(3)
        .stderr(predicates::str::contains(
            "check the region, the endpoint URL and the network",
        ));
}

#[test]
fn bad_usage_exits_two() {
    rotdoctor().args(["check"]).assert().code(2);
    rotdoctor()
        .args(["check", "a", "--facts", "fixtures/healthy.json"])
        .assert()
        .code(2);
    rotdoctor()
        .args(["check", "a", "--output", "yaml"])
        .assert()
        .code(2);
}

#[test]
fn help_documents_the_exit_codes() {
    rotdoctor()
        .args(["check", "--help"])
        .assert()
        .code(0)
        .stdout(predicates::str::contains("Exit codes:"))
        .stdout(predicates::str::contains("3  rotdoctor could not run"));
}

#[test]
fn checks_explain_and_permissions_need_no_account() {
    let listed = rotdoctor().arg("checks").output().unwrap();
    assert_eq!(
        String::from_utf8(listed.stdout).unwrap().lines().count(),
        rotdoctor::checks::CHECKS.len()
    );
    rotdoctor()
        .args(["explain", "pending-version"])
        .assert()
        .code(0)
        .stdout(predicates::str::contains(
            "rotdoctor reads: secretsmanager:DescribeSecret",
        ));
    rotdoctor()
        .args(["explain", "no-such-check"])
        .assert()
        .code(2);
    let policy = rotdoctor()
        .args(["permissions", "--only", "rotation-history"])
        .output()
        .unwrap();
    let policy: serde_json::Value = serde_json::from_slice(&policy.stdout).unwrap();
    assert_eq!(
        policy["Statement"][0]["Action"],
        serde_json::json!([
            "cloudtrail:LookupEvents",
            "ec2:DescribeRegions",
            "organizations:ListAccounts",
            "secretsmanager:DescribeSecret",
            "secretsmanager:ListSecrets"
        ])
    );
}

/// The scanner's policy, decided by the IAM simulator (not by rotdoctor):
/// it may assume the named role in any account and list the
/// organization's accounts, and assume no other role.
#[test]
fn the_scanners_policy_admits_the_role_it_names_and_no_other() {
    let policy = rotdoctor()
        .args(["permissions", "--scanner", "--role-name", "RotdoctorAudit"])
        .output()
        .unwrap();
    assert!(policy.status.success());
    let policy: serde_json::Value = serde_json::from_slice(&policy.stdout).unwrap();
    // A member account's role trusts the scanner's account, as the roles
    // Organizations creates do: the scanner's own policy then decides.
    let trusts_the_scanner = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111111111111:root"},
            "Action": "sts:AssumeRole"
        }]
    });
    let assume = |role: &str| {
        serde_json::json!({
            "principal": "arn:aws:iam::111111111111:role/platform-ci",
            "action": "sts:AssumeRole",
            "resource": format!("arn:aws:iam::222222222222:role/{role}"),
            "accountId": "222222222222",
            "context": {},
            "identity": [policy],
            "resourcePolicy": trusts_the_scanner,
        })
    };
    let list_accounts = serde_json::json!({
        "principal": "arn:aws:iam::111111111111:role/platform-ci",
        "action": "organizations:ListAccounts",
        "resource": "*",
        "accountId": "111111111111",
        "context": {},
        "identity": [policy],
    });
    let decisions =
        common::simulated_decisions(&[assume("RotdoctorAudit"), assume("Admin"), list_accounts]);
    assert_eq!(decisions, ["Allowed", "ImplicitlyDenied", "Allowed"]);
}

/// The man pages and completions the release archives ship (`assets/`)
/// are what the binary prints now.
#[test]
fn shipped_man_pages_and_completions_are_current() {
    let mut expected = vec![(vec!["man".to_string()], "man/rotdoctor.1".to_string())];
    for command in rotdoctor::cli::COMMANDS {
        expected.push((
            vec!["man".to_string(), command.to_string()],
            format!("man/rotdoctor-{command}.1"),
        ));
    }
    for (shell, file) in [
        ("bash", "rotdoctor.bash"),
        ("zsh", "_rotdoctor"),
        ("fish", "rotdoctor.fish"),
    ] {
        expected.push((
            vec!["completions".to_string(), shell.to_string()],
            format!("completions/{file}"),
        ));
    }
    for (args, file) in expected {
        let printed = rotdoctor().args(&args).output().unwrap();
        assert!(printed.status.success(), "rotdoctor {args:?}");
        let shipped = std::fs::read(common::repo().join("assets").join(&file))
            .unwrap_or_else(|_| panic!("assets/{file} is missing: run scripts/assets"));
        assert!(
            shipped == printed.stdout,
            "assets/{file} is not what `rotdoctor {}` prints: run scripts/assets",
            args.join(" ")
        );
    }
}

/// `--security-hub`'s statement lets rotdoctor import into the account's
/// own default product, and into no partner's.
#[test]
fn the_import_policy_admits_the_accounts_own_product_and_no_other() {
    let policy = rotdoctor()
        .args(["permissions", "--security-hub"])
        .output()
        .unwrap();
    assert!(policy.status.success());
    let policy: serde_json::Value = serde_json::from_slice(&policy.stdout).unwrap();
    let import = |product: &str| {
        serde_json::json!({
            "principal": "arn:aws:iam::111122223333:role/rotdoctor",
            "action": "securityhub:BatchImportFindings",
            "resource": format!("arn:aws:securityhub:eu-west-1:111122223333:product/{product}"),
            "accountId": "111122223333",
            "context": {},
            "identity": [policy],
        })
    };
    let read = serde_json::json!({
        "principal": "arn:aws:iam::111122223333:role/rotdoctor",
        "action": "secretsmanager:DescribeSecret",
        "resource": "arn:aws:secretsmanager:eu-west-1:111122223333:secret:db-AbCdEf",
        "accountId": "111122223333",
        "context": {},
        "identity": [policy],
    });
    let decisions = common::simulated_decisions(&[
        import("111122223333/default"),
        import("crowdstrike/crowdstrike-falcon"),
        read,
    ]);
    assert_eq!(decisions, ["Allowed", "ImplicitlyDenied", "Allowed"]);
}

#[test]
fn suppressed_findings_are_reported_but_do_not_fail_the_gate() {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let file = dir.join(format!("suppressions-{}.json", std::process::id()));
    let accept = |checks: &[&str]| {
        let entries = checks
            .iter()
            .map(|c| serde_json::json!({"check": c, "secret": "prod/*", "reason": "known, fixed next sprint"}))
            .collect::<Vec<_>>();
        std::fs::write(
            &file,
            serde_json::json!({"suppressions": entries}).to_string(),
        )
        .unwrap();
    };
    let stuck = [
        "check",
        "--facts",
        "fixtures/stuck-rotation.json",
        "--suppressions",
    ];
    accept(&["pending-version"]);
    let output = rotdoctor().args(stuck).arg(&file).output().unwrap();
    assert_eq!(output.status.code(), Some(1), "four failures remain");
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("suppressed: known, fixed next sprint")
    );
    accept(&[
        "database-reachability",
        "pending-version",
        "rotation-schedule",
        "rotation-history",
        "function-logs",
    ]);
    rotdoctor()
        .args(stuck)
        .arg(&file)
        .assert()
        .code(0)
        .stdout(predicates::str::contains("; 5 suppressed"));
    std::fs::write(&file, "{\"suppressions\": [{\"check\": \"x\"}]}").unwrap();
    rotdoctor().args(stuck).arg(&file).assert().code(2);
    let _ = std::fs::remove_file(&file);
}

#[test]
fn completions_and_man_page_come_from_the_command_line_definition() {
    let bash = rotdoctor().args(["completions", "bash"]).output().unwrap();
    assert!(String::from_utf8_lossy(&bash.stdout).contains("--fail-on"));
    let man = rotdoctor().arg("man").output().unwrap();
    assert!(String::from_utf8_lossy(&man.stdout).starts_with(".ie"));
    // The pages the top page refers to exist, with the command's options.
    let check = rotdoctor().args(["man", "check"]).output().unwrap();
    let page = String::from_utf8_lossy(&check.stdout);
    assert!(page.contains("rotdoctor\\-check"), "{page}");
    assert!(page.contains("fail\\-on"), "{page}");
    for command in ["logs", "checks", "explain", "permissions", "completions"] {
        let output = rotdoctor().args(["man", command]).output().unwrap();
        assert!(output.status.success(), "{command}");
    }
}

#[test]
fn the_exit_code_is_the_same_in_every_format() {
    for format in ["human", "json", "sarif", "junit", "markdown", "asff"] {
        let run = |fixture: &str, extra: &[&str]| {
            rotdoctor()
                .args(["check", "--output", format, "--facts", fixture])
                .args(extra)
                .output()
                .unwrap()
                .status
                .code()
        };
        assert_eq!(run("fixtures/healthy.json", &[]), Some(0), "{format}");
        assert_eq!(
            run("fixtures/stuck-rotation.json", &[]),
            Some(1),
            "{format}"
        );
        assert_eq!(
            run("fixtures/rotation-not-enabled.json", &[]),
            Some(0),
            "{format}"
        );
        assert_eq!(
            run("fixtures/rotation-not-enabled.json", &["--fail-on", "warn"]),
            Some(1),
            "{format}"
        );
    }
}

/// Input that would let a gate pass without checking anything is refused
/// with one line and exit code 2.
#[test]
fn input_that_checks_nothing_cannot_pass_a_gate() {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let refused = |args: &[&str], says: &str| {
        rotdoctor()
            .args(args)
            .assert()
            .code(2)
            .stderr(predicates::str::contains(says.to_string()));
    };
    let healthy = ["check", "--facts", "fixtures/healthy.json"];
    refused(
        &[
            &healthy[..],
            &["--only", "kms-access", "--skip", "kms-access"],
        ]
        .concat(),
        "leave no check to run",
    );
    refused(
        &[&healthy[..], &["--region", "eu-west-1"]].concat(),
        "--region has no effect with --facts",
    );
    refused(
        &[&healthy[..], &["--since", "1d", "--profile", "x"]].concat(),
        "--since, --profile have no effect with --facts",
    );
    refused(
        &["check", "prod/db", "--since", "500d"],
        "more than 400 days",
    );
    refused(
        &["logs", "prod/db", "--since", "2999-01-01T00:00:00Z"],
        "in the future",
    );

    let file = dir.join(format!("suppressions-bad-{}.json", std::process::id()));
    for (entry, says) in [
        (
            r#"{"check": "no-such-check", "secret": "*", "reason": "x"}"#,
            "names no check: no-such-check",
        ),
        (
            r#"{"check": "kms-access", "secret": "*", "reason": "  "}"#,
            "gives no reason",
        ),
    ] {
        std::fs::write(&file, format!(r#"{{"suppressions": [{entry}]}}"#)).unwrap();
        refused(
            &[&healthy[..], &["--suppressions", file.to_str().unwrap()]].concat(),
            says,
        );
    }
    let _ = std::fs::remove_file(&file);
}

/// Some editors start a UTF-8 file with a byte order mark.
#[test]
fn a_facts_file_with_a_byte_order_mark_is_read() {
    let file = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("bom-{}.json", std::process::id()));
    let text = std::fs::read_to_string("fixtures/healthy.json").unwrap();
    std::fs::write(&file, format!("\u{feff}{text}")).unwrap();
    rotdoctor()
        .args(["check", "--facts"])
        .arg(&file)
        .assert()
        .code(0);
    let _ = std::fs::remove_file(&file);
}

#[test]
fn logs_help_documents_its_exit_codes() {
    rotdoctor()
        .args(["logs", "--help"])
        .assert()
        .code(0)
        .stdout(predicates::str::contains("Exit codes:"))
        .stdout(predicates::str::contains("0  the log was shown"));
}

/// The command line's own text, reviewed like any output: `--help`, the
/// check list and an explanation.
#[test]
fn help_checks_and_explain_read_as_reviewed() {
    let text = |args: &[&str]| {
        let output = rotdoctor().args(args).output().unwrap();
        assert!(output.status.success(), "{args:?}");
        String::from_utf8(output.stdout).unwrap()
    };
    insta::assert_snapshot!("help", text(&["--help"]));
    insta::assert_snapshot!("check-help", text(&["check", "--help"]));
    insta::assert_snapshot!("logs-help", text(&["logs", "--help"]));
    insta::assert_snapshot!("checks", text(&["checks"]));
    insta::assert_snapshot!(
        "explain-pending-version",
        text(&["explain", "pending-version"])
    );
}
