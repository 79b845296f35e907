//! Every IaC snippet rotdoctor writes is checked by a tool we did not
//! write: cfn-lint for CloudFormation, python-hcl2 (and the provider's
//! arguments) for Terraform, the TypeScript compiler (and aws-cdk-lib's
//! names) for CDK. The origin of each resource comes from its tags.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic here is a failed test

use crate::common;

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use common::{repo, rotdoctor};
use serde_json::Value;

fn report(fixture: &str, iac: Option<&str>) -> Value {
    let mut command = rotdoctor();
    command.args(["check", "--facts", fixture, "--output", "json"]);
    if let Some(iac) = iac {
        command.args(["--iac", iac]);
    }
    let output = command.current_dir(repo()).output().unwrap();
    serde_json::from_slice(&output.stdout).unwrap()
}

fn findings(report: &Value) -> impl Iterator<Item = &Value> {
    report["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["findings"].as_array().unwrap())
}

fn fixtures() -> Vec<String> {
    let mut paths = std::fs::read_dir(repo().join("fixtures"))
        .unwrap()
        .map(|e| format!("fixtures/{}", e.unwrap().file_name().to_string_lossy()))
        .collect::<Vec<_>>();
    paths.sort();
    paths
}

/// (check, language) of every snippet `--iac all` writes over the fixtures.
fn all_snippets() -> (Vec<Value>, BTreeMap<String, BTreeSet<String>>) {
    let mut snippets = Vec::new();
    let mut coverage: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for fixture in fixtures() {
        let report = report(&fixture, Some("all"));
        for finding in findings(&report) {
            let Some(iac) = finding["fix"]["iac"].as_array() else {
                continue;
            };
            for snippet in iac {
                coverage
                    .entry(finding["check"].as_str().unwrap().to_string())
                    .or_default()
                    .insert(snippet["language"].as_str().unwrap().to_string());
                snippets.push(snippet.clone());
            }
        }
    }
    (snippets, coverage)
}

#[test]
fn every_snippet_passes_its_languages_own_tools() {
    let (snippets, coverage) = all_snippets();
    assert!(snippets.len() >= 9, "{snippets:#?}");
    for (check, languages) in &coverage {
        assert_eq!(
            languages.len(),
            3,
            "{check} lacks a language: {languages:?}"
        );
    }
    let file = std::env::temp_dir().join(format!("rotdoctor-iac-{}.json", std::process::id()));
    std::fs::write(&file, serde_json::to_string(&snippets).unwrap()).unwrap();
    let python = repo().join(".venv/bin/python");
    common::succeeds(
        Command::new(&python)
            .arg(repo().join("tests/iac/validate.py"))
            .arg(&file),
        "tests/iac/validate.py (python from .venv, with cfn-lint and python-hcl2: scripts/test installs them)",
    );
    common::succeeds(
        Command::new("node")
            .arg(repo().join("tests/iac/parse.mjs"))
            .arg(&file),
        "tests/iac/parse.mjs (node, with tests/iac/node_modules: scripts/test installs typescript)",
    );
    std::fs::remove_file(&file).unwrap();
}

/// docs/iac.md's table says which checks write which languages.
#[test]
fn the_docs_table_is_what_the_fixes_write() {
    let (_, coverage) = all_snippets();
    let docs = std::fs::read_to_string(repo().join("docs/iac.md")).unwrap();
    let documented = docs
        .lines()
        .filter_map(|line| line.strip_prefix("| `"))
        .map(|row| {
            let check = row.split('`').next().unwrap().to_string();
            let languages = row
                .split('|')
                .skip(1)
                .zip(["cloudformation", "terraform", "cdk"])
                .filter(|(cell, _)| cell.trim() == "yes")
                .map(|(_, language)| language.to_string())
                .collect::<BTreeSet<_>>();
            (check, languages)
        })
        .collect::<BTreeMap<_, _>>();
    assert_eq!(documented, coverage, "docs/iac.md is stale");
}

#[test]
fn a_stack_defined_role_gets_cloudformation_and_a_warning() {
    let report = report("fixtures/function-permissions-stack-defined.json", None);
    let finding = findings(&report)
        .find(|f| f["check"] == "function-permissions")
        .unwrap();
    let languages = finding["fix"]["iac"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["language"].as_str().unwrap())
        .collect::<Vec<_>>();
    assert_eq!(languages, ["cloudformation"]);
    assert!(
        finding["fix"]["iac"][0]["snippet"]
            .as_str()
            .unwrap()
            .contains("RoleName: !Ref RotationRole")
    );
    let summary = finding["fix"]["summary"].as_str().unwrap();
    assert!(
        summary.contains("The CloudFormation stack orders-db defines the role"),
        "{summary}"
    );
    assert!(
        finding["evidence"]
            .to_string()
            .contains("logical id RotationRole")
    );
}

#[test]
fn a_terraform_tagged_function_gets_terraform_and_untagged_gets_none() {
    let report = report("fixtures/invoke-permission-terraform-defined.json", None);
    let finding = findings(&report)
        .find(|f| f["check"] == "invoke-permission")
        .unwrap();
    assert_eq!(finding["fix"]["iac"][0]["language"], "terraform");
    assert!(
        finding["evidence"]
            .to_string()
            .contains("managed by Terraform, in infra/rotation.tf")
    );
    let untagged = report_for_untagged();
    assert!(untagged.is_null(), "{untagged}");
}

fn report_for_untagged() -> Value {
    let report = report("fixtures/invoke-permission-other-account.json", None);
    findings(&report)
        .find(|f| f["check"] == "invoke-permission")
        .unwrap()["fix"]["iac"]
        .clone()
}

/// `check prod/orders-db --only CHECK --output json` against `moto`: the
/// check's finding, and the report as printed.
fn moto_finding(moto: &common::Moto, check: &str) -> (Value, String) {
    let output = moto
        .rotdoctor()
        .args([
            "check",
            "prod/orders-db",
            "--output",
            "json",
            "--only",
            check,
        ])
        .output()
        .unwrap();
    let printed = String::from_utf8(output.stdout).unwrap();
    let report: Value = serde_json::from_str(&printed).unwrap();
    (findings(&report).next().unwrap().clone(), printed)
}

/// The first snippet of the finding's fix, which must be in `language`.
fn first_snippet<'a>(finding: &'a Value, language: &str) -> &'a str {
    let snippet = &finding["fix"]["iac"][0];
    assert_eq!(snippet["language"], language, "{finding:#}");
    snippet["snippet"].as_str().unwrap()
}

fn assert_evidence_says(finding: &Value, text: &str) {
    assert!(
        finding["evidence"].to_string().contains(text),
        "{text:?} is not in {finding:#}"
    );
}

/// The tags come from the real calls: moto returns what CloudFormation
/// would have put on the function and its role.
#[test]
fn origin_is_read_from_the_resources_tags() {
    let moto = common::Moto::start();
    moto.seed("stack-defined");
    let (finding, _) = moto_finding(&moto, "invoke-permission");
    assert_eq!(finding["status"], "fail", "{finding:#}");
    let snippet = first_snippet(&finding, "cloudformation");
    assert!(
        snippet.contains("FunctionName: !GetAtt RotationFunction.Arn"),
        "{snippet}"
    );
    assert_evidence_says(
        &finding,
        "defined in the CloudFormation stack orders-db, logical id RotationFunction",
    );
}

/// The network's tags come from the EC2 answers rotdoctor reads anyway:
/// moto returns what CloudFormation would have put on the group.
#[test]
fn origin_is_read_from_the_network_resources_tags() {
    let moto = common::Moto::start();
    moto.seed("network-stack-defined");
    let (finding, _) = moto_finding(&moto, "database-reachability");
    assert_eq!(finding["status"], "fail", "{finding:#}");
    let snippet = first_snippet(&finding, "cloudformation");
    assert!(
        snippet.contains("GroupId: !GetAtt DatabaseGroup.GroupId"),
        "{snippet}"
    );
    assert_evidence_says(
        &finding,
        "is defined in the CloudFormation stack orders-network, logical id DatabaseGroup",
    );
    assert!(
        finding["fix"]["summary"]
            .as_str()
            .unwrap()
            .starts_with("The CloudFormation stack orders-network defines the security group"),
        "{finding:#}"
    );
}

/// A secret's tags come from DescribeSecret: a stack's secret gets its
/// rotation schedule in the stack, referring to the secret by logical id.
#[test]
fn a_stack_defined_secret_gets_its_rotation_schedule_in_the_stack() {
    let moto = common::Moto::start();
    moto.seed("secret-stack-defined");
    let (finding, _) = moto_finding(&moto, "rotation-config");
    assert_eq!(finding["status"], "warn", "{finding:#}");
    let snippet = first_snippet(&finding, "cloudformation");
    assert!(
        snippet.contains("Type: AWS::SecretsManager::RotationSchedule"),
        "{snippet}"
    );
    assert!(snippet.contains("SecretId: !Ref OrdersSecret"), "{snippet}");
    assert_evidence_says(
        &finding,
        "the secret prod/orders-db is defined in the CloudFormation stack orders-db, logical id OrdersSecret",
    );
}

/// CDK's construct path is in the stack's template, which moto returns as
/// it was deployed: the fix comes in CDK, for that construct.
#[test]
fn a_cdk_made_role_gets_its_fix_in_the_cdk_app() {
    let moto = common::Moto::start();
    let seeded = moto.seed("cdk-defined");
    let canary = seeded["canary"].as_str().unwrap();
    let (finding, printed) = moto_finding(&moto, "function-permissions");
    assert!(!printed.contains(canary));
    assert_eq!(finding["status"], "fail", "{finding:#}");
    let snippet = first_snippet(&finding, "cdk");
    assert!(
        snippet.starts_with("// In the construct orders-db/RotationRole/Resource:\n"),
        "{snippet}"
    );
    assert_eq!(
        finding["fix"]["iac"][0]["resource"],
        "orders-db/RotationRole/Resource"
    );
    let evidence = finding["evidence"].as_array().unwrap();
    assert!(
        evidence.iter().any(|e| e["source"] == "cloudformation:GetTemplate"
            && e["observed"].as_str().unwrap().contains(
                "is defined by the CDK construct orders-db/RotationRole/Resource, in the stack orders-db"
            )),
        "{finding:#}"
    );
    // The facts keep the path and nothing else of the template.
    let saved = std::env::temp_dir().join(format!("rotdoctor-cdk-{}.json", std::process::id()));
    moto.rotdoctor()
        .args([
            "check",
            "prod/orders-db",
            "--only",
            "function-permissions",
            "--save-facts",
        ])
        .arg(&saved)
        .output()
        .unwrap();
    let saved_text = std::fs::read_to_string(&saved).unwrap();
    std::fs::remove_file(&saved).unwrap();
    assert!(!saved_text.contains(canary));
    let facts: Value = serde_json::from_str(&saved_text).unwrap();
    assert_eq!(
        facts["secrets"][0]["construct_paths"],
        serde_json::json!({"orders-db": {"state": "found", "value": {"RotationRoleA1B2C3D4": "orders-db/RotationRole/Resource"}}})
    );
}
