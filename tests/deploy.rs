//! The on-failure deployment: `deploy/template.yaml` passes cfn-lint, its
//! role grants exactly `rotdoctor permissions` plus the two writes, and the
//! function's handler, run in-process against moto, publishes a diagnosis
//! to SNS (read back through an SQS subscription, as a subscriber gets it)
//! and imports the findings into Security Hub.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic here is a failed test

use crate::common;

use std::collections::BTreeSet;
use std::process::Command;

use common::{Moto, repo, rotdoctor};

const ROLE_ACTIONS: &str = r#"
import json, sys
from cfnlint.decode import decode
template, errors = decode(sys.argv[1])
assert not errors, errors
actions = []
for policy in template["Resources"]["Role"]["Properties"]["Policies"]:
    for statement in policy["PolicyDocument"]["Statement"]:
        actions.extend(statement["Action"])
print(json.dumps(actions))
"#;

#[test]
fn the_template_passes_cfn_lint_and_grants_exactly_what_rotdoctor_reads_and_its_two_writes() {
    let lint = Command::new(repo().join(".venv/bin/cfn-lint"))
        .arg(repo().join("deploy/template.yaml"))
        .output()
        .expect("cfn-lint from .venv (scripts/test installs it)");
    assert!(
        lint.status.success(),
        "{}",
        String::from_utf8_lossy(&lint.stdout)
    );
    let listed = Command::new(repo().join(".venv/bin/python"))
        .args(["-c", ROLE_ACTIONS])
        .arg(repo().join("deploy/template.yaml"))
        .output()
        .unwrap();
    assert!(
        listed.status.success(),
        "{}",
        String::from_utf8_lossy(&listed.stderr)
    );
    let granted: BTreeSet<String> = serde_json::from_slice(&listed.stdout).unwrap();
    let policy = rotdoctor().arg("permissions").output().unwrap();
    let policy: serde_json::Value = serde_json::from_slice(&policy.stdout).unwrap();
    let mut wanted = policy["Statement"][0]["Action"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_string())
        .collect::<BTreeSet<_>>();
    wanted.insert("sns:Publish".to_string());
    wanted.insert("securityhub:BatchImportFindings".to_string());
    assert_eq!(granted, wanted);
}

#[cfg(feature = "lambda")]
#[test]
fn a_rotation_failure_event_is_diagnosed_on_sns() {
    use aws_config::{BehaviorVersion, Region};
    use aws_sdk_secretsmanager::config::Credentials;

    let moto = Moto::start();
    let seeded = moto.seed("on-failure");
    let secret_arn = seeded["secret_arn"].as_str().unwrap();
    let topic = seeded["topic_arn"].as_str().unwrap();
    let event = serde_json::json!({
        "source": "aws.secretsmanager",
        "detail-type": "AWS Service Event via CloudTrail",
        "detail": {
            "eventName": "RotationFailed",
            "eventTime": jiff::Timestamp::now().to_string(),
            "additionalEventData": {"SecretId": secret_arn},
            "errorMessage": "Error when executing lambda arn:aws:lambda:us-east-1:123456789012:function:rotate-orders-db during setSecret step",
        },
    });
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let outcome = runtime
        .block_on(async {
            let config = aws_config::defaults(BehaviorVersion::latest())
                .endpoint_url(&moto.endpoint)
                .region(Region::new("us-east-1"))
                .credentials_provider(Credentials::new("testing", "testing", None, None, "test"))
                .load()
                .await;
            let reporting = rotdoctor::lambda::Reporting {
                topic: topic.to_string(),
                security_hub: true,
            };
            rotdoctor::lambda::handle(event, &config, &reporting).await
        })
        .unwrap();
    assert_eq!(outcome["published"], true, "{outcome}");
    // Security Hub holds the secret's findings, as `--output asff` writes them.
    let held = Moto::security_hub_findings(moto.aws_cli());
    assert_eq!(outcome["imported"], held.len(), "{outcome}");
    let invoke = held
        .iter()
        .find(|f| f["GeneratorId"] == "rotdoctor/invoke-permission")
        .expect("the invoke-permission finding in Security Hub");
    assert_eq!(invoke["Resources"][0]["Id"], secret_arn);
    assert_eq!(invoke["RecordState"], "ACTIVE");
    let received = Command::new(repo().join(".venv/bin/python"))
        .arg(repo().join("tests/moto/seed.py"))
        .args([&moto.endpoint, "read-queue"])
        .env("ROTDOCTOR_QUEUE_URL", seeded["queue_url"].as_str().unwrap())
        .output()
        .unwrap();
    let messages = String::from_utf8_lossy(&received.stdout);
    assert!(
        messages.contains("rotation of prod/orders-db failed"),
        "{messages}"
    );
    assert!(messages.contains("invoke-permission"), "{messages}");
    assert!(
        !messages.contains("CANARY"),
        "a secret value reached SNS: {messages}"
    );
}
