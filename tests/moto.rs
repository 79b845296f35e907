//! The real binary against moto_server, one server per test, seeded per
//! scenario by `tests/moto/seed.py`: the verdicts, fix commands and exit
//! codes a user gets from a real (emulated) account.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic here is a failed test

use crate::common;

use common::Moto;
use serde_json::Value;

/// Runs `rotdoctor check --output json` and returns the report and exit code.
fn check(moto: &Moto, secret: &str) -> (Value, i32) {
    let output = moto
        .rotdoctor()
        .args(["check", secret, "--output", "json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let report = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|error| panic!("no JSON report ({error}); stderr: {stderr}"));
    (report, output.status.code().unwrap_or(-1))
}

fn finding<'a>(report: &'a Value, check: &str) -> &'a Value {
    report["secrets"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["check"] == check)
        .unwrap_or_else(|| panic!("no {check} finding in {report:#}"))
}

fn statuses(report: &Value) -> Vec<(String, String)> {
    report["secrets"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["check"].as_str().unwrap().to_string(),
                f["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Every check of the registry, in report order, has the status `expected`
/// gives it: a check added later is held to the default arm until a
/// scenario says otherwise.
fn expect(report: &Value, expected: impl Fn(&str) -> &'static str) {
    let expected = rotdoctor::checks::CHECKS
        .iter()
        .map(|c| (c.slug.to_string(), expected(c.slug).to_string()))
        .collect::<Vec<_>>();
    assert_eq!(statuses(report), expected, "{report:#}");
}

fn commands(finding: &Value) -> Vec<String> {
    finding["fix"]["commands"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect()
}

/// moto has no CloudTrail LookupEvents: the history checks report `error`
/// (rotdoctor could not check), never a false `fail`, and every other check
/// still runs.
#[test]
fn healthy_secret_passes_every_check_moto_can_answer() {
    let moto = Moto::start();
    let seeded = moto.seed("healthy");
    let (report, code) = check(&moto, "prod/orders-db");
    expect(&report, |check| match check {
        "kms-access"
        | "master-secret-access"
        | "master-secret-host"
        | "endpoint-policy"
        | "rds-api-reachability" => "skip",
        "rotation-history" | "cloudtrail-denials" => "error",
        _ => "pass",
    });
    assert_eq!(code, 1, "an error counts like a failure for the gate");
    assert_eq!(report["secrets"][0]["secret"]["arn"], seeded["secret_arn"]);
    assert_eq!(report["summary"]["pass"], 15);
    let history = finding(&report, "rotation-history");
    assert!(
        history["summary"]
            .as_str()
            .unwrap()
            .contains("cloudtrail:LookupEvents"),
        "{history:#}"
    );
}

#[test]
fn a_proxy_host_fails_with_the_database_it_forwards_to() {
    let moto = Moto::start();
    let seeded = moto.seed("database-proxy");
    let (report, _) = check(&moto, "prod/orders-db");
    let proxy = finding(&report, "database-proxy");
    assert_eq!(proxy["status"], "fail", "{proxy:#}");
    assert!(
        proxy["summary"]
            .as_str()
            .unwrap()
            .contains("no credentials for the role"),
        "{proxy:#}"
    );
    let command = &commands(proxy)[0];
    let database = seeded["database_host"].as_str().unwrap();
    assert!(command.contains(database), "{command}");
    for check in ["database-writable", "database-login-rules"] {
        assert_eq!(finding(&report, check)["status"], "skip", "{check}");
    }
}

#[test]
fn ssl_off_for_a_database_that_requires_tls_fails() {
    let moto = Moto::start();
    moto.seed("database-ssl-off");
    let (report, _) = check(&moto, "prod/orders-db");
    let rules = finding(&report, "database-login-rules");
    assert_eq!(rules["status"], "fail", "{rules:#}");
    let evidence = rules["evidence"].to_string();
    assert!(
        evidence.contains("rds.force_ssl is 1 in orders-db-params"),
        "{evidence}"
    );
}

#[test]
fn missing_invoke_permission_fails_with_add_permission() {
    let moto = Moto::start();
    let seeded = moto.seed("no-invoke-permission");
    let (report, code) = check(&moto, "prod/orders-db");
    assert_eq!(code, 1);
    let invoke = finding(&report, "invoke-permission");
    assert_eq!(invoke["status"], "fail");
    let function = seeded["function_arn"].as_str().unwrap();
    assert_eq!(
        commands(invoke),
        vec![format!(
            "aws lambda add-permission --function-name {function} --statement-id SecretsManagerAccess \
         --action lambda:InvokeFunction --principal secretsmanager.amazonaws.com \
         --source-account 123456789012 --region us-east-1"
        )]
    );
}

#[test]
fn invoke_permission_for_another_account_is_replaced() {
    let moto = Moto::start();
    moto.seed("invoke-permission-other-account");
    let (report, code) = check(&moto, "prod/orders-db");
    assert_eq!(code, 1);
    let invoke = finding(&report, "invoke-permission");
    assert_eq!(invoke["status"], "fail");
    let evidence = invoke["evidence"].to_string();
    assert!(
        evidence.contains("wants 444455556666, not 123456789012"),
        "{evidence}"
    );
    let commands = commands(invoke);
    assert!(
        commands[0].starts_with("aws lambda remove-permission "),
        "{commands:?}"
    );
    assert!(
        commands[1].contains("--source-account 123456789012"),
        "{commands:?}"
    );
}

#[test]
fn deleted_function_fails_once_and_skips_what_depends_on_it() {
    let moto = Moto::start();
    moto.seed("function-deleted");
    let (report, code) = check(&moto, "prod/orders-db");
    assert_eq!(code, 1);
    expect(&report, |check| match check {
        "rotation-config" => "fail",
        "cross-account" | "secret-schema" | "pending-version" | "rotation-schedule" => "pass",
        "rotation-history" => "error",
        _ => "skip",
    });
    assert!(
        finding(&report, "invoke-permission")["summary"]
            .as_str()
            .unwrap()
            .contains("rotation-config")
    );
}

#[test]
fn stranded_pending_version_fails_with_the_command_that_clears_it() {
    let moto = Moto::start();
    let seeded = moto.seed("stranded-pending");
    let (report, code) = check(&moto, "prod/orders-db");
    assert_eq!(code, 1);
    let pending = finding(&report, "pending-version");
    assert_eq!(pending["status"], "fail");
    assert_eq!(
        commands(pending),
        vec![format!(
            "aws secretsmanager update-secret-version-stage --secret-id {} --version-stage AWSPENDING \
         --remove-from-version-id {} --region us-east-1",
            seeded["secret_arn"].as_str().unwrap(),
            seeded["pending_version"].as_str().unwrap()
        )]
    );
}

#[test]
fn rotation_never_enabled_warns_and_skips_the_function_checks() {
    let moto = Moto::start();
    moto.seed("rotation-never-enabled");
    let (report, code) = check(&moto, "prod/orders-db");
    expect(&report, |check| match check {
        "rotation-config" => "warn",
        "cross-account" | "pending-version" => "pass",
        _ => "skip",
    });
    assert_eq!(code, 0, "a warning alone passes the gate");
    let code = moto
        .rotdoctor()
        .args(["check", "prod/orders-db", "--fail-on", "warn"])
        .output()
        .unwrap()
        .status
        .code();
    assert_eq!(code, Some(1));
}

#[test]
fn what_rotdoctor_may_not_read_is_an_error_not_a_failure() {
    let moto = Moto::start();
    let seeded = moto.seed("reader-without-lambda-access");
    let (report, code) = {
        let output = moto
            .rotdoctor()
            .env(
                "AWS_ACCESS_KEY_ID",
                seeded["access_key_id"].as_str().unwrap(),
            )
            .env(
                "AWS_SECRET_ACCESS_KEY",
                seeded["secret_access_key"].as_str().unwrap(),
            )
            .args(["check", "prod/orders-db", "--output", "json"])
            .output()
            .unwrap();
        (
            serde_json::from_slice::<Value>(&output.stdout).unwrap(),
            output.status.code(),
        )
    };
    expect(&report, |check| match check {
        "kms-access" => "skip",
        "cross-account" | "pending-version" | "rotation-schedule" => "pass",
        _ => "error",
    });
    assert_eq!(code, Some(1));
    assert!(
        finding(&report, "invoke-permission")["summary"]
            .as_str()
            .unwrap()
            .contains("lambda:GetPolicy")
    );
}

#[test]
fn unknown_secret_is_bad_input() {
    let moto = Moto::start();
    moto.seed("healthy");
    moto.rotdoctor()
        .args(["check", "no/such/secret"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(
            "rotdoctor: secret no/such/secret not found (check its name or ARN, and the region)\n",
        );
}

#[test]
fn saved_facts_replay_to_the_same_report_and_hold_no_secret_value() {
    let moto = Moto::start();
    let seeded = moto.seed("stranded-pending");
    let facts = std::env::temp_dir().join(format!("rotdoctor-facts-{}.json", std::process::id()));
    let live = moto
        .rotdoctor()
        .args([
            "check",
            "prod/orders-db",
            "--output",
            "json",
            "--save-facts",
        ])
        .arg(&facts)
        .output()
        .unwrap();
    let replay = common::rotdoctor()
        .args(["check", "--output", "json", "--facts"])
        .arg(&facts)
        .output()
        .unwrap();
    assert_eq!(live.stdout, replay.stdout);
    assert_eq!(live.status.code(), replay.status.code());
    let saved = std::fs::read_to_string(&facts).unwrap();
    let _ = std::fs::remove_file(&facts);
    assert!(saved.contains(seeded["secret_arn"].as_str().unwrap()));
    for output in [saved.as_bytes(), &live.stdout, &live.stderr] {
        let text = String::from_utf8_lossy(output);
        assert!(!text.contains("CANARY"), "a secret value leaked");
    }
}

#[test]
fn verbose_times_each_call_on_stderr() {
    let moto = Moto::start();
    moto.seed("healthy");
    let output = moto
        .rotdoctor()
        .args(["check", "prod/orders-db", "-v"])
        .output()
        .unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("rotdoctor: secretsmanager:DescribeSecret prod/orders-db"),
        "{stderr}"
    );
    assert!(stderr.contains("lambda:GetPolicy"), "{stderr}");
    assert!(stderr.contains("(parallel)"), "{stderr}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        stdout.contains("RotationEnabled is true"),
        "-v shows the evidence of passing checks"
    );
}

/// CloudTrail's record of a failed rotation and of a call the function's
/// role was refused, read through LookupEvents (recorded events: moto has
/// no CloudTrail) and reported by the history checks.
#[test]
fn cloudtrail_history_shows_the_failed_step_and_the_refused_call() {
    let moto = Moto::start();
    let seeded = moto.seed("outside-vpc");
    let trail = moto.cloudtrail(
        "rotation-failed-kms-denied.json",
        seeded["secret_arn"].as_str().unwrap(),
    );
    let output = moto
        .rotdoctor()
        .env("AWS_ENDPOINT_URL_CLOUDTRAIL", &trail.endpoint)
        .args(["check", "prod/orders-db", "--output", "json"])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let history = finding(&report, "rotation-history");
    assert_eq!(history["status"], "fail", "{history:#}");
    assert!(
        history["summary"]
            .as_str()
            .unwrap()
            .starts_with("The last rotation attempt failed during setSecret"),
        "{history:#}"
    );
    let denials = finding(&report, "cloudtrail-denials");
    assert_eq!(denials["status"], "fail", "{denials:#}");
    let evidence = denials["evidence"][0]["observed"].as_str().unwrap();
    assert!(
        evidence.starts_with("kms:Decrypt on arn:aws:kms:us-east-1:"),
        "{denials:#}"
    );

    // `logs` starts from the last RotationStarted event.
    let logs = moto
        .rotdoctor()
        .env("AWS_ENDPOINT_URL_CLOUDTRAIL", &trail.endpoint)
        .args(["logs", "prod/orders-db", "--output", "json"])
        .output()
        .unwrap();
    let logs: Value = serde_json::from_slice(&logs.stdout).unwrap();
    assert!(
        logs["since_reason"]
            .as_str()
            .unwrap_or_default()
            .starts_with("a minute before the last rotation attempt, RotationStarted at"),
        "{logs:#}"
    );
}

#[test]
fn a_function_with_little_concurrency_warns_with_put_function_concurrency() {
    let (status, found) = status_of("function-throttled", "function-settings");
    assert_eq!(status, "warn", "{found:#}");
    let command = found["fix"]["commands"][0].as_str().unwrap();
    assert!(
        command.starts_with("aws lambda put-function-concurrency --function-name arn:aws:lambda:"),
        "{command}"
    );
    let (status, found) = status_of("outside-vpc", "function-settings");
    assert_eq!(status, "pass", "{found:#}");
}

/// The multi-user template stops in setSecret when the master secret is for
/// another host: reported before the rotation runs.
#[test]
fn a_master_secret_for_another_host_fails() {
    let (status, found) = status_of("master-secret-other-host", "master-secret-host");
    assert_eq!(status, "fail", "{found:#}");
    assert!(
        found["summary"]
            .as_str()
            .unwrap()
            .contains("is neither the master secret's host billing.internal"),
        "{found:#}"
    );
    let (status, found) = status_of("multi-user-healthy", "master-secret-host");
    assert_eq!(status, "pass", "{found:#}");
}

/// A master secret RDS manages names no host: the templates ask the RDS API
/// for its database, which the role must be allowed and able to reach.
#[test]
fn a_master_secret_rds_manages_needs_the_rds_api_and_a_path_to_it() {
    let moto = Moto::start();
    moto.seed("master-secret-rds-managed");
    let (report, _) = check(&moto, "prod/orders-db");
    let host = finding(&report, "master-secret-host");
    assert_eq!(host["status"], "pass", "{host:#}");
    let access = finding(&report, "master-secret-access");
    assert_eq!(access["status"], "fail", "{access:#}");
    assert!(
        access["summary"]
            .as_str()
            .unwrap()
            .contains("may not call rds:DescribeDBInstances on arn:aws:rds:"),
        "{access:#}"
    );
    let reach = finding(&report, "rds-api-reachability");
    assert_eq!(reach["status"], "fail", "{reach:#}");
    assert!(
        reach["fix"]["commands"][0]
            .as_str()
            .unwrap()
            .contains("--service-name com.amazonaws.us-east-1.rds"),
        "{reach:#}"
    );
}

/// `check --only CHECK` reads only what that check needs: every call it
/// makes is in `permissions --only CHECK`, and its verdict is the one the
/// full run gives: with a network, with a master secret, with a customer key.
#[test]
fn one_check_reads_only_its_own_facts_and_keeps_its_verdict() {
    for scenario in ["healthy", "master-secret-no-access", "kms-without-decrypt"] {
        let moto = Moto::start();
        moto.seed(scenario);
        let (full, _) = check(&moto, "prod/orders-db");
        for slug in statuses(&full).into_iter().map(|(slug, _)| slug) {
            let granted = moto
                .rotdoctor()
                .args(["permissions", "--only", &slug])
                .output()
                .unwrap();
            let granted: Value = serde_json::from_slice(&granted.stdout).unwrap();
            let granted = &granted["Statement"][0]["Action"];
            let output = moto
                .rotdoctor()
                .args(["check", "prod/orders-db", "--output", "json", "-v"])
                .args(["--only", &slug])
                .output()
                .unwrap();
            let alone: Value = serde_json::from_slice(&output.stdout).unwrap();
            // Which check a problem follows from needs the others to have run.
            let without_cause = |report: &Value| {
                let mut finding = finding(report, &slug).clone();
                finding.as_object_mut().unwrap().remove("caused_by");
                finding
            };
            assert_eq!(
                without_cause(&alone),
                without_cause(&full),
                "{scenario}: {slug}"
            );
            let stderr = String::from_utf8(output.stderr).unwrap();
            for call in stderr
                .lines()
                .filter_map(|line| line.strip_prefix("rotdoctor: "))
            {
                let action = call.split(' ').next().unwrap();
                assert!(
                    granted.as_array().unwrap().iter().any(|a| a == action),
                    "{scenario}: --only {slug} called {action}, not in {granted}"
                );
            }
        }
    }
}

/// Runs `check` on one seeded scenario and returns the status of one check.
fn status_of(scenario: &str, check_slug: &str) -> (String, Value) {
    let moto = Moto::start();
    moto.seed(scenario);
    let (report, _) = check(&moto, "prod/orders-db");
    let found = finding(&report, check_slug).clone();
    (found["status"].as_str().unwrap().to_string(), found)
}

#[test]
fn multi_user_secret_with_masterarn_passes_the_schema() {
    let (status, found) = status_of("multi-user-healthy", "secret-schema");
    assert_eq!(status, "pass", "{found:#}");
    assert!(
        found["summary"]
            .as_str()
            .unwrap()
            .contains("RotationMultiUser")
    );
}

#[test]
fn multi_user_secret_without_masterarn_fails_the_schema() {
    let (status, found) = status_of("multi-user-missing-masterarn", "secret-schema");
    assert_eq!(status, "fail");
    assert!(
        found["summary"]
            .as_str()
            .unwrap()
            .starts_with("The key masterarn is missing"),
        "{found:#}"
    );
}

#[test]
fn a_missing_key_fails_the_schema() {
    let (status, found) = status_of("secret-missing-host", "secret-schema");
    assert_eq!(status, "fail");
    assert!(
        found["summary"]
            .as_str()
            .unwrap()
            .starts_with("The key host is missing"),
        "{found:#}"
    );
}

#[test]
fn a_value_that_is_not_json_fails_with_a_fix_that_keeps_it_as_the_password() {
    let (status, found) = status_of("secret-not-json", "secret-schema");
    assert_eq!(status, "fail");
    let fix = found["fix"]["summary"].as_str().unwrap();
    assert!(
        fix.contains("keeping the current text as its password"),
        "{fix}"
    );
    assert!(fix.contains("Replace <host>, <username>"), "{fix}");
}

#[test]
fn an_engine_the_template_does_not_accept_fails_the_schema() {
    let (status, found) = status_of("secret-engine-mismatch", "secret-schema");
    assert_eq!(status, "fail");
    assert!(
        found["summary"]
            .as_str()
            .unwrap()
            .contains("The engine is mysql"),
        "{found:#}"
    );
}

#[test]
fn mysql_exclusions_that_allow_a_slash_warn_of_uris_but_rotate() {
    let (status, found) = status_of("mysql-allows-slash", "password-charset");
    assert_eq!(status, "warn");
    assert!(
        found["summary"]
            .as_str()
            .unwrap()
            .starts_with("Generated passwords may contain /, which the template excludes by default: rotation works"),
        "{found:#}"
    );
    let command = found["fix"]["commands"][0].as_str().unwrap();
    assert!(
        command.contains("update-function-configuration"),
        "{command}"
    );
    // The other variable is kept by the command at run time, never printed.
    assert!(
        !command.contains("DB_PROXY_PASSWORD") && !command.contains("CANARY"),
        "{command}"
    );
}

#[test]
fn postgres_exclusions_that_allow_a_colon_warn() {
    let (status, found) = status_of("postgres-allows-colon", "password-charset");
    assert_eq!(status, "warn");
    assert!(
        found["summary"]
            .as_str()
            .unwrap()
            .contains("connection URI"),
        "{found:#}"
    );
}

#[test]
fn missing_actions_fail_with_the_statement_that_adds_them() {
    let (status, found) = status_of("permissions-missing-actions", "function-permissions");
    assert_eq!(status, "fail");
    assert_eq!(
        found["summary"],
        "The role rotate-orders-db-role may not call secretsmanager:PutSecretValue, secretsmanager:UpdateSecretVersionStage"
    );
    let command = found["fix"]["commands"][0].as_str().unwrap();
    assert!(
        command.starts_with("aws iam put-role-policy --role-name rotate-orders-db-role"),
        "{command}"
    );
}

#[test]
fn an_explicit_deny_in_a_managed_policy_is_named() {
    let (status, found) = status_of("permissions-explicit-deny", "function-permissions");
    assert_eq!(status, "fail");
    let evidence = found["evidence"].to_string();
    assert!(
        evidence.contains("denied by statement NoWrites of managed policy guardrail"),
        "{evidence}"
    );
    assert!(
        found["fix"]["summary"]
            .as_str()
            .unwrap()
            .starts_with("Remove statement NoWrites of managed policy guardrail"),
        "{found:#}"
    );
    // The policy has no other statement: it comes off this role only.
    assert!(
        commands(&found)[0]
            .starts_with("aws iam detach-role-policy --role-name rotate-orders-db-role"),
        "{found:#}"
    );
}

#[test]
fn a_deny_in_the_secret_policy_is_named() {
    let (status, found) = status_of("permissions-secret-policy-deny", "function-permissions");
    assert_eq!(status, "fail");
    assert!(
        found["evidence"]
            .to_string()
            .contains("denied by statement ReadOnly of secret's resource policy")
    );
}

#[test]
fn wildcards_in_an_attached_managed_policy_grant() {
    let (status, found) = status_of("permissions-managed-wildcard", "function-permissions");
    assert_eq!(status, "pass", "{found:#}");
    assert!(
        found["evidence"]
            .to_string()
            .contains("statement AllProdSecrets of managed policy prod-secrets")
    );
}

#[test]
fn a_permissions_boundary_that_excludes_secrets_fails() {
    let (status, found) = status_of("permissions-boundary", "function-permissions");
    assert_eq!(status, "fail");
    assert!(
        found["evidence"]
            .to_string()
            .contains("the permissions boundary managed policy logs-only does not allow it")
    );
    assert!(
        found["fix"]["summary"]
            .as_str()
            .unwrap()
            .contains("allow them in the boundary too")
    );
}

#[test]
fn a_customer_key_without_a_grant_fails() {
    let (status, found) = status_of("kms-without-decrypt", "kms-access");
    assert_eq!(status, "fail", "{found:#}");
    assert!(
        found["fix"]["commands"][0]
            .as_str()
            .unwrap()
            .contains("kms:EncryptionContext:SecretARN")
    );
}

#[test]
fn a_customer_key_with_a_grant_passes() {
    let (status, found) = status_of("kms-healthy", "kms-access");
    assert_eq!(status, "pass", "{found:#}");
}

#[test]
fn a_disabled_key_fails() {
    let (status, found) = status_of("kms-disabled", "kms-access");
    assert_eq!(status, "fail", "{found:#}");
    assert!(
        found["fix"]["commands"][0]
            .as_str()
            .unwrap()
            .starts_with("aws kms enable-key")
    );
}

#[test]
fn a_master_secret_the_role_may_read_passes() {
    let (status, found) = status_of("multi-user-healthy", "master-secret-access");
    assert_eq!(status, "pass", "{found:#}");
}

#[test]
fn a_master_secret_the_role_may_not_read_fails() {
    let (status, found) = status_of("master-secret-no-access", "master-secret-access");
    assert_eq!(status, "fail", "{found:#}");
    assert!(
        found["fix"]["commands"][0]
            .as_str()
            .unwrap()
            .contains("prod/orders-db-master-")
    );
}

#[test]
fn a_partial_master_arn_is_called_out() {
    let (status, found) = status_of("master-secret-partial-arn", "master-secret-access");
    assert_eq!(status, "fail");
    assert!(
        found["evidence"]
            .to_string()
            .contains("without the secret's six-character suffix"),
        "{found:#}"
    );
}

#[test]
fn a_function_outside_any_vpc_reaches_the_public_endpoint() {
    let (status, found) = status_of("outside-vpc", "endpoint-reachability");
    assert_eq!(status, "pass", "{found:#}");
}

#[test]
fn a_vpc_with_no_path_fails_with_create_vpc_endpoint() {
    let (status, found) = status_of("network-no-path", "endpoint-reachability");
    assert_eq!(status, "fail", "{found:#}");
    let command = found["fix"]["commands"][0].as_str().unwrap();
    assert!(
        command.starts_with("aws ec2 create-vpc-endpoint --vpc-id vpc-"),
        "{command}"
    );
}

#[test]
fn a_healthy_interface_endpoint_passes() {
    let (status, found) = status_of("network-endpoint-healthy", "endpoint-reachability");
    assert_eq!(status, "pass", "{found:#}");
    assert!(
        found["summary"]
            .as_str()
            .unwrap()
            .contains("interface endpoint vpce-")
    );
}

#[test]
fn an_endpoint_with_private_dns_off_fails() {
    let (status, found) = status_of("network-endpoint-private-dns-off", "endpoint-reachability");
    assert_eq!(status, "fail", "{found:#}");
    let command = found["fix"]["commands"][0].as_str().unwrap();
    assert!(command.contains("--private-dns-enabled"), "{command}");
}

#[test]
fn an_endpoint_that_admits_nothing_fails_with_the_rule_to_add() {
    let (status, found) = status_of("network-endpoint-admits-nothing", "endpoint-reachability");
    assert_eq!(status, "fail", "{found:#}");
    let command = found["fix"]["commands"][0].as_str().unwrap();
    assert!(
        command.starts_with("aws ec2 authorize-security-group-ingress"),
        "{command}"
    );
}

#[test]
fn an_endpoint_subnet_whose_network_acl_denies_all_fails() {
    let (status, found) = status_of(
        "network-endpoint-subnet-acl-blocks",
        "endpoint-reachability",
    );
    assert_eq!(status, "fail", "{found:#}");
    assert!(
        found["summary"]
            .as_str()
            .unwrap()
            .contains("of the endpoint's subnet subnet-"),
        "{found:#}"
    );
    let command = found["fix"]["commands"][0].as_str().unwrap();
    assert!(
        command.starts_with("aws ec2 create-network-acl-entry --network-acl-id acl-")
            && command.contains("--ingress --rule-number 32766 --protocol tcp"),
        "{command}"
    );
}

#[test]
fn an_endpoint_policy_that_refuses_the_role_fails_with_the_policy_that_admits_it() {
    let (status, found) = status_of("network-endpoint-policy-refuses-role", "endpoint-policy");
    assert_eq!(status, "fail", "{found:#}");
    assert!(
        found["summary"].as_str().unwrap().contains(
            "has no statement that allows the rotation role secretsmanager:DescribeSecret"
        ),
        "{found:#}"
    );
    let command = found["fix"]["commands"][0].as_str().unwrap();
    assert!(
        command.starts_with("aws ec2 modify-vpc-endpoint --vpc-endpoint-id vpce-")
            && command.contains("role/rotate-orders-db-role"),
        "{command}"
    );
}

#[test]
fn a_database_in_another_vpc_fails() {
    let (status, found) = status_of("database-other-vpc", "database-reachability");
    assert_eq!(status, "fail", "{found:#}");
    assert!(
        found["summary"]
            .as_str()
            .unwrap()
            .contains("no peering or transit gateway route")
    );
}

#[test]
fn a_database_group_without_the_function_fails_with_the_rule_to_add() {
    let (status, found) = status_of("database-group-without-function", "database-reachability");
    assert_eq!(status, "fail", "{found:#}");
    let command = found["fix"]["commands"][0].as_str().unwrap();
    assert!(
        command.contains("--protocol tcp --port 5432 --source-group sg-"),
        "{command}"
    );
}

#[test]
fn a_host_outside_aws_warns_rather_than_fails() {
    let (status, found) = status_of("outside-vpc", "database-reachability");
    assert_eq!(status, "warn", "{found:#}");
}

#[test]
fn function_logs_are_read_invocation_by_invocation() {
    let expected = [
        ("logs-success", "pass", None),
        (
            "logs-timeout-after-credentials",
            "fail",
            Some("endpoint-reachability"),
        ),
        ("logs-login-failure", "fail", Some("database-reachability")),
        ("logs-missing-key", "fail", Some("secret-schema")),
        ("logs-kms-denied", "fail", Some("kms-access")),
        ("logs-import-error", "fail", Some("function-settings")),
    ];
    for (scenario, status, check) in expected {
        let (found_status, found) = status_of(scenario, "function-logs");
        assert_eq!(found_status, status, "{scenario}: {found:#}");
        if let Some(check) = check {
            let summary = found["summary"].as_str().unwrap();
            assert!(
                summary.contains(&format!("(see {check})")),
                "{scenario}: {summary}"
            );
        }
    }
}

#[test]
fn logs_shows_the_invocation_and_what_its_error_means() {
    let moto = Moto::start();
    moto.seed("logs-timeout-after-credentials");
    let output = moto
        .rotdoctor()
        .args([
            "logs",
            "prod/orders-db",
            "--since",
            "1h",
            "--color",
            "never",
        ])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.starts_with("/aws/lambda/rotate-orders-db  https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#logsV2:log-groups/log-group/$252Faws$252Flambda$252Frotate-orders-db"), "{text}");
    assert!(
        text.contains("✗ 8f2e6a4c-1b3d-4e5f-9a7b-0c1d2e3f4a5b"),
        "{text}"
    );
    assert!(
        text.contains("Task timed out after 30.03 seconds"),
        "{text}"
    );
    assert!(text.contains("(see endpoint-reachability)"), "{text}");

    let json = moto
        .rotdoctor()
        .args([
            "logs",
            "prod/orders-db",
            "--since",
            "1h",
            "--errors",
            "--output",
            "json",
        ])
        .output()
        .unwrap();
    let document: Value = serde_json::from_slice(&json.stdout).unwrap();
    let invocation = &document["invocations"][0];
    assert_eq!(invocation["problem"]["check"], "endpoint-reachability");
    assert_eq!(
        invocation["events"].as_array().unwrap().len(),
        1,
        "--errors keeps the error lines only"
    );
}

#[test]
fn logs_of_a_secret_without_rotation_says_so() {
    let moto = Moto::start();
    moto.seed("rotation-never-enabled");
    moto.rotdoctor()
        .args(["logs", "prod/orders-db"])
        .assert()
        .code(1)
        .stderr("rotdoctor: prod/orders-db has no rotation function set\n");
}

/// `check --all` and its filters, over secrets that share one function.
#[test]
fn all_covers_the_rotated_secrets_and_fetches_shared_facts_once() {
    let moto = Moto::start();
    moto.seed("fleet");
    let names = |args: &[&str]| {
        let output = moto
            .rotdoctor()
            .args(["check", "--all", "--output", "json"])
            .args(args)
            .output()
            .unwrap();
        let report: Value = serde_json::from_slice(&output.stdout).unwrap();
        let mut names = report["secrets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["secret"]["name"].as_str().unwrap().to_string())
            .collect::<Vec<_>>();
        names.sort();
        names
    };
    assert_eq!(names(&[]), ["prod/billing-db", "prod/orders-db"]);
    assert_eq!(
        names(&["--include-unrotated"]),
        [
            "dev/scratch",
            "prod/billing-db",
            "prod/orders-db",
            "prod/orders-db-master"
        ]
    );
    assert_eq!(
        names(&["--include-unrotated", "--name-prefix", "dev/"]),
        ["dev/scratch"]
    );
    assert_eq!(names(&["--tag", "team=orders"]), ["prod/orders-db"]);
    // A filter that matches nothing checked nothing: that is no pass.
    moto.rotdoctor()
        .args(["check", "--all", "--name-prefix", "nothing/"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--all matched no secret"));

    let output = moto
        .rotdoctor()
        .args(["check", "--all", "-v"])
        .output()
        .unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(stderr.matches("lambda:GetFunction ").count(), 1, "{stderr}");
    assert_eq!(
        stderr.matches("secretsmanager:DescribeSecret ").count(),
        1,
        "ListSecrets described them; their shared master secret is described once: {stderr}"
    );
    assert_eq!(
        stderr
            .matches("secretsmanager:GetSecretValue arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/orders-db-master")
            .count(),
        1,
        "{stderr}"
    );

    // The same verdicts as checking the secret alone.
    let statuses = |report: &Value, name: &str| {
        report["secrets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["secret"]["name"] == name)
            .map(|s| {
                s["findings"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|f| f["status"].clone())
                    .collect::<Vec<_>>()
            })
            .unwrap()
    };
    let all: Value = serde_json::from_slice(
        &moto
            .rotdoctor()
            .args(["check", "--all", "--output", "json"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let (alone, _) = check(&moto, "prod/orders-db");
    assert_eq!(
        statuses(&all, "prod/orders-db"),
        statuses(&alone, "prod/orders-db")
    );
}

/// A log group larger than rotdoctor reads: the newest events are read, in a
/// bounded number of requests, and the report says from when.
#[test]
fn a_huge_log_is_read_newest_first_within_the_bounds() {
    let moto = Moto::start();
    moto.seed("logs-huge");
    let output = moto
        .rotdoctor()
        .args([
            "logs",
            "prod/orders-db",
            "--since",
            "1d",
            "--output",
            "json",
            "-v",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let report: Value =
        serde_json::from_slice(&output.stdout).unwrap_or_else(|_| panic!("no JSON: {stderr}"));
    assert_eq!(report["truncated"], true, "{stderr}");
    assert!(report["not_read_before"].is_string(), "{report:#}");
    let text = report.to_string();
    assert!(
        text.contains("finishSecret: Successfully set AWSCURRENT"),
        "the newest is read"
    );
    assert!(!text.contains("oldest line"), "the oldest is not");
    let requests = stderr.matches("logs:FilterLogEvents").count();
    assert!(
        (1..=20).contains(&requests),
        "{requests} requests: {stderr}"
    );
}

/// A rotation failure delivered by EventBridge is checked at once, and is
/// the last attempt even before CloudTrail's history shows it.
#[test]
fn an_eventbridge_failure_event_checks_its_secret_with_the_failure_as_evidence() {
    let moto = Moto::start();
    let seeded = moto.seed("outside-vpc");
    let secret_arn = seeded["secret_arn"].as_str().unwrap();
    let trail = moto.cloudtrail("rotation-succeeded.json", secret_arn);
    let now = jiff::Timestamp::now().to_string();
    let event = serde_json::json!({
        "version": "0",
        "source": "aws.secretsmanager",
        "detail-type": "AWS Service Event via CloudTrail",
        "time": now,
        "detail": {
            "eventSource": "secretsmanager.amazonaws.com",
            "eventName": "RotationFailed",
            "eventTime": now,
            "userIdentity": {"invokedBy": "secretsmanager.amazonaws.com"},
            "errorMessage": "Error when executing lambda arn:aws:lambda:us-east-1:123456789012:function:rotate-orders-db during createSecret step",
            "additionalEventData": {"SecretId": secret_arn},
        },
    });
    // The EventBridge event on stdin, and the CloudTrail record inside it
    // in a file: the same diagnosis.
    let record = std::env::temp_dir().join(format!("rotdoctor-record-{}.json", std::process::id()));
    std::fs::write(&record, event["detail"].to_string()).unwrap();
    for source in ["-".into(), record.clone()] {
        let output = moto
            .rotdoctor()
            .env("AWS_ENDPOINT_URL_CLOUDTRAIL", &trail.endpoint)
            .arg("check")
            .arg("--event")
            .arg(&source)
            .args(["--output", "json"])
            .write_stdin(event.to_string())
            .output()
            .unwrap();
        let report: Value = serde_json::from_slice(&output.stdout)
            .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&output.stderr)));
        assert_eq!(report["secrets"][0]["secret"]["arn"], secret_arn);
        let history = finding(&report, "rotation-history");
        assert_eq!(
            history["status"],
            "fail",
            "{}: {history:#}",
            source.display()
        );
        assert!(
            history["summary"]
                .as_str()
                .unwrap()
                .contains("createSecret"),
            "{}: {history:#}",
            source.display()
        );
    }
    std::fs::remove_file(&record).unwrap();

    for (bad, message) in [
        ("{", "not JSON"),
        (
            r#"{"source":"aws.secretsmanager","detail":{"eventName":"RotationSucceeded"}}"#,
            "not a rotation failure",
        ),
        (
            r#"{"source":"aws.secretsmanager","detail":{"eventName":"RotationFailed","eventTime":"2026-11-30T00:00:00Z"}}"#,
            "SecretId",
        ),
    ] {
        let output = moto
            .rotdoctor()
            .args(["check", "--event", "-"])
            .write_stdin(bad)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{bad}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains(message) && stderr.lines().count() == 1,
            "{bad}: {stderr}"
        );
    }
}
