//! rotdoctor's IAM decisions against an independent simulator's: a few
//! hundred generated requests of the rotation role's session (Allow and Deny,
//! Action and NotAction, Resource and NotResource, wildcards, ARNs with and
//! without the secret's suffix, boundaries, secret resource policies,
//! conditions on the keys a Lambda role session carries) decided by
//! `rotdoctor::iam` and by npm `@cloud-copilot/iam-simulate` (pinned in
//! `tests/iam/package.json`, installed by `scripts/test`).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic here is a failed test
#![allow(clippy::disallowed_macros)] // a test reports what it saw on stderr

use crate::common;

use std::collections::BTreeMap;

use rotdoctor::facts::NamedPolicy;
use rotdoctor::iam::{self, Decision, Policies, Session};
use rotdoctor::policy::{Principal, Request};
use serde_json::{Value, json};

const ACCOUNT: &str = "111122223333";
const ROLE: &str = "arn:aws:iam::111122223333:role/rotation";
const SESSION: &str = "arn:aws:sts::111122223333:assumed-role/rotation/rotate-db";
const FUNCTION: &str = "arn:aws:lambda:us-east-1:111122223333:function:rotate-db";
const SECRET: &str = "arn:aws:secretsmanager:us-east-1:111122223333:secret:db-AbCdEf";
const KEY: &str = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const CASES: usize = 400;

/// A fixed-seed xorshift: the same cases on every run.
struct Draw(u64);

impl Draw {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

const ACTIONS: [&str; 9] = [
    "secretsmanager:*",
    "secretsmanager:Get*",
    "secretsmanager:GetSecretValue",
    "secretsmanager:PutSecretValue",
    "secretsmanager:*Secret*",
    "*",
    "secretsmanager:Describe*",
    "kms:Decrypt",
    "secretsmanager:GetRandomPassword",
];
const RESOURCES: [&str; 7] = [
    "*",
    SECRET,
    // Without the six-character suffix: it names no secret.
    "arn:aws:secretsmanager:us-east-1:111122223333:secret:db",
    "arn:aws:secretsmanager:us-east-1:111122223333:secret:db-??????",
    "arn:aws:secretsmanager:*:111122223333:secret:*",
    "arn:aws:secretsmanager:us-east-1:999999999999:secret:*",
    "arn:aws:secretsmanager:us-east-1:111122223333:secret:other-*",
];
/// Whether a condition's key has a value the context cannot know: an
/// abstention on it is right.
const UNKNOWABLE: &str = "aws:SourceVpce";

fn condition(draw: &mut Draw) -> Value {
    match draw.below(11) {
        0 => json!({"Bool": {"aws:SecureTransport": draw.pick(&["true", "false"])}}),
        1 => json!({*draw.pick(&["ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike"]):
            {"aws:PrincipalArn": *draw.pick(&[ROLE, "arn:aws:iam::*:role/rot*", "arn:aws:iam::111122223333:role/other"])}}),
        2 => {
            json!({"StringEquals": {"aws:PrincipalAccount": *draw.pick(&[ACCOUNT, "999999999999"])}})
        }
        3 => json!({*draw.pick(&["StringEquals", "StringNotEquals", "StringEqualsIfExists"]):
            {"aws:SourceAccount": ACCOUNT}}),
        4 => json!({"Null": {"aws:SourceArn": draw.pick(&["true", "false"])}}),
        5 => json!({"StringEquals": {"aws:PrincipalType": *draw.pick(&["AssumedRole", "User"])}}),
        6 => json!({*draw.pick(&["StringEquals", "StringNotEquals"]):
            {"secretsmanager:SecretId": *draw.pick(&[SECRET, "arn:aws:secretsmanager:us-east-1:111122223333:secret:other-XyZ123"])}}),
        7 => {
            json!({"StringEquals": {"aws:ResourceAccount": *draw.pick(&[ACCOUNT, "999999999999"])}})
        }
        8 => {
            json!({"StringLike": {"aws:PrincipalArn": *draw.pick(&["arn:aws:iam::111122223333:role/*", "arn:aws:iam::*:user/*"])}})
        }
        9 => json!({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/rotation"}}),
        _ => json!({"StringEquals": {UNKNOWABLE: "vpce-0a1b2c3d"}}),
    }
}

fn statement(draw: &mut Draw, principal: Option<Value>) -> Value {
    let mut statement = json!({
        "Effect": if draw.chance(25) { "Deny" } else { "Allow" },
    });
    let actions = (0..1 + draw.below(2))
        .map(|_| *draw.pick(&ACTIONS))
        .collect::<Vec<_>>();
    let action_key = if draw.chance(15) {
        "NotAction"
    } else {
        "Action"
    };
    statement[action_key] = json!(actions);
    let resource_key = if draw.chance(10) {
        "NotResource"
    } else {
        "Resource"
    };
    statement[resource_key] = json!(*draw.pick(&RESOURCES));
    if draw.chance(40) {
        statement["Condition"] = condition(draw);
    }
    if let Some(principal) = principal {
        statement["Principal"] = principal;
    }
    statement
}

fn document(statements: Vec<Value>) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}

struct Case {
    action: &'static str,
    resource: &'static str,
    identity: Vec<Value>,
    boundary: Option<Value>,
    resource_policy: Option<Value>,
    /// The resource policy is the KMS key's policy, for a call Secrets
    /// Manager makes to KMS for the role.
    key_policy: bool,
}

/// A call to the secret's KMS key through Secrets Manager: the key policy
/// must allow the role, or let IAM policies decide.
fn generate_kms(draw: &mut Draw) -> Case {
    let action = *draw.pick(&["kms:Decrypt", "kms:GenerateDataKey"]);
    let key_statement = |draw: &mut Draw| {
        let principal = draw
            .pick(&[
                json!({"AWS": format!("arn:aws:iam::{ACCOUNT}:root")}),
                json!({"AWS": ROLE}),
                json!({"AWS": "arn:aws:iam::111122223333:role/admin"}),
                json!("*"),
            ])
            .clone();
        let mut statement = json!({
            "Effect": if draw.chance(15) { "Deny" } else { "Allow" },
            "Principal": principal,
            "Action": *draw.pick(&["kms:*", "kms:Decrypt", "kms:Decrypt*", "kms:GenerateDataKey*"]),
            "Resource": "*",
        });
        if draw.chance(30) {
            statement["Condition"] = json!({"StringEquals": {"kms:ViaService": *draw.pick(&[
                "secretsmanager.us-east-1.amazonaws.com", "rds.us-east-1.amazonaws.com"])}});
        }
        statement
    };
    let identity = (0..1 + draw.below(2))
        .map(|_| {
            document(vec![json!({
                "Effect": if draw.chance(20) { "Deny" } else { "Allow" },
                "Action": *draw.pick(&["kms:Decrypt", "kms:*", "kms:GenerateDataKey", "secretsmanager:*"]),
                "Resource": *draw.pick(&["*", KEY, "arn:aws:kms:us-east-1:111122223333:key/other"]),
            })])
        })
        .collect();
    let key_policy = document(
        (0..1 + draw.below(2))
            .map(|_| key_statement(draw))
            .collect(),
    );
    Case {
        action,
        resource: KEY,
        identity,
        boundary: None,
        resource_policy: Some(key_policy),
        key_policy: true,
    }
}

fn generate(draw: &mut Draw) -> Case {
    let (action, resource) = *draw.pick(&[
        ("secretsmanager:GetSecretValue", SECRET),
        ("secretsmanager:PutSecretValue", SECRET),
        ("secretsmanager:DescribeSecret", SECRET),
        ("secretsmanager:UpdateSecretVersionStage", SECRET),
        ("secretsmanager:GetRandomPassword", "*"),
    ]);
    let identity = (0..1 + draw.below(2))
        .map(|_| {
            document(
                (0..1 + draw.below(2))
                    .map(|_| statement(draw, None))
                    .collect(),
            )
        })
        .collect();
    let boundary = draw.chance(30).then(|| {
        document(vec![json!({"Effect": "Allow", "Action": *draw.pick(&["secretsmanager:*", "logs:*", "secretsmanager:Get*", "*"]), "Resource": "*"})])
    });
    let resource_policy = (resource != "*" && draw.chance(40)).then(|| {
        let principal = draw
            .pick(&[
                json!("*"),
                json!({"AWS": ROLE}),
                json!({"AWS": SESSION}),
                json!({"AWS": format!("arn:aws:iam::{ACCOUNT}:root")}),
                json!({"AWS": "arn:aws:iam::999999999999:root"}),
            ])
            .clone();
        document(vec![statement(draw, Some(principal))])
    });
    Case {
        action,
        resource,
        identity,
        boundary,
        resource_policy,
        key_policy: false,
    }
}

/// The context rotdoctor builds for the case, as `check` does.
fn context(case: &Case) -> BTreeMap<String, Option<String>> {
    let mut context = iam::session_keys(&Session {
        role_arn: ROLE,
        account: ACCOUNT,
        function_arn: FUNCTION,
        resource: case.resource,
        via_service: false,
    })
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect::<BTreeMap<_, _>>();
    context.insert("aws:requestedregion".into(), Some("us-east-1".into()));
    if case.key_policy {
        context.insert(
            "kms:viaservice".into(),
            Some("secretsmanager.us-east-1.amazonaws.com".into()),
        );
        context.insert("aws:viaawsservice".into(), Some("true".into()));
    } else if case.resource == "*" {
        // An action with no resource type carries no Secrets Manager key.
        context.insert("secretsmanager:*".into(), None);
        context.insert("aws:resourcetag/*".into(), None);
    } else {
        context.insert("secretsmanager:secretid".into(), Some(SECRET.into()));
    }
    context
}

/// The same context, keys in their documented spelling, as the simulator takes it.
fn simulator_context(context: &BTreeMap<String, Option<String>>) -> Value {
    const NAMES: [&str; 11] = [
        "kms:ViaService",
        "aws:PrincipalArn",
        "aws:PrincipalAccount",
        "aws:PrincipalType",
        "aws:SecureTransport",
        "aws:ViaAWSService",
        "lambda:SourceFunctionArn",
        "aws:ResourceAccount",
        "aws:RequestedRegion",
        "secretsmanager:SecretId",
        "aws:SourceAccount",
    ];
    let mut out = serde_json::Map::new();
    for (key, value) in context {
        let Some(value) = value else { continue };
        let name = NAMES
            .iter()
            .find(|n| n.eq_ignore_ascii_case(key))
            .map_or(key.clone(), |n| n.to_string());
        out.insert(name, json!(value));
    }
    Value::Object(out)
}

fn rotdoctor_decides(case: &Case) -> Decision {
    let identity = case
        .identity
        .iter()
        .enumerate()
        .map(|(i, document)| NamedPolicy {
            name: format!("inline policy identity-{i}"),
            arn: None,
            document: document.clone(),
        })
        .collect::<Vec<_>>();
    let boundary = case.boundary.as_ref().map(|document| NamedPolicy {
        name: "boundary".to_string(),
        arn: Some("arn:aws:iam::111122223333:policy/boundary".to_string()),
        document: document.clone(),
    });
    let request = Request {
        principal: Principal::Role {
            arn: ROLE,
            session_arn: SESSION,
            account: ACCOUNT,
        },
        action: case.action,
        resource: case.resource,
        context: context(case),
    };
    iam::authorize(
        &request,
        &Policies {
            identity: &identity,
            boundary: boundary.as_ref(),
            resource: case
                .resource_policy
                .as_ref()
                .filter(|_| !case.key_policy)
                .map(|p| ("secret's resource policy", p)),
            key: case
                .resource_policy
                .as_ref()
                .filter(|_| case.key_policy)
                .map(|p| ("key policy", p)),
        },
    )
}

fn simulator_decides(cases: &[Case]) -> Vec<String> {
    let node_modules = common::repo().join("tests/iam/node_modules/@cloud-copilot/iam-simulate");
    assert!(
        node_modules.exists(),
        "the IAM simulator is not installed in tests/iam: run scripts/test (it runs npm ci there)"
    );
    let input = cases
        .iter()
        .map(|case| {
            json!({
                "principal": SESSION,
                "action": case.action,
                "resource": case.resource,
                "accountId": ACCOUNT,
                "context": simulator_context(&context(case)),
                "identity": case.identity,
                "boundary": case.boundary,
                "resourcePolicy": case.resource_policy,
            })
        })
        .collect::<Vec<_>>();
    common::simulated_decisions(&input)
}

/// Where the simulator departs from AWS's documentation: the case is not
/// held against rotdoctor. Each names the documentation it contradicts.
fn documented_exception(case: &Case) -> Option<&'static str> {
    let statements = case
        .identity
        .iter()
        .chain(&case.resource_policy)
        .flat_map(|d| d["Statement"].as_array().cloned().unwrap_or_default())
        .collect::<Vec<_>>();
    // "If the * wildcard is the last character of a resource ARN segment, it
    // can expand to match beyond the colon boundaries" (IAM JSON policy
    // elements: Resource); and a NotResource naming the secret without its
    // suffix excludes nothing.
    let short_not_resource = statements.iter().any(|s| {
        s.get("NotResource").and_then(Value::as_str)
            == Some("arn:aws:secretsmanager:us-east-1:111122223333:secret:db")
    });
    short_not_resource
        .then_some("a short ARN in NotResource (IAM JSON policy elements: NotResource)")
}

#[test]
fn rotdoctor_decides_as_an_independent_simulator_does() {
    let mut draw = Draw(0x0123_4567_89ab_cdef);
    // One case in four is a KMS call through Secrets Manager.
    let cases = (0..CASES)
        .map(|i| {
            if i % 4 == 3 {
                generate_kms(&mut draw)
            } else {
                generate(&mut draw)
            }
        })
        .collect::<Vec<_>>();
    let theirs = simulator_decides(&cases);
    assert_eq!(theirs.len(), cases.len());
    // A comparison proves little if every case ends the same way.
    for outcome in ["Allowed", "ImplicitlyDenied", "ExplicitlyDenied"] {
        let count = theirs.iter().filter(|t| *t == outcome).count();
        eprintln!("simulator: {count} {outcome}");
        assert!(count >= CASES / 20, "only {count} cases are {outcome}");
    }
    let mut disagreements = Vec::new();
    let mut abstained = 0;
    let mut excepted = 0;
    for (case, their) in cases.iter().zip(&theirs) {
        let ours = rotdoctor_decides(case);
        let ours_name = match &ours {
            Decision::Allowed(_) => "Allowed",
            Decision::ExplicitDeny(_) => "ExplicitlyDenied",
            Decision::ImplicitDeny(_) => "ImplicitlyDenied",
            Decision::Undecided { .. } => {
                let unknowable = serde_json::to_string(&case.identity)
                    .unwrap()
                    .contains(UNKNOWABLE)
                    || case
                        .resource_policy
                        .as_ref()
                        .is_some_and(|p| p.to_string().contains(UNKNOWABLE));
                if !unknowable {
                    abstained += 1;
                    disagreements.push(format!(
                        "abstained without cause: {ours:?}\n  {}",
                        describe(case)
                    ));
                }
                continue;
            }
        };
        if ours_name == their {
            continue;
        }
        if documented_exception(case).is_some() {
            excepted += 1;
            continue;
        }
        disagreements.push(format!(
            "rotdoctor {ours:?}, simulator {their}\n  {}",
            describe(case)
        ));
    }
    eprintln!(
        "{} cases: {} disagreements, {abstained} abstentions without cause, {excepted} documented exceptions",
        cases.len(),
        disagreements.len() - abstained
    );
    assert!(
        disagreements.is_empty(),
        "{} of {} decisions differ:\n{}",
        disagreements.len(),
        cases.len(),
        disagreements.join("\n")
    );
}

fn describe(case: &Case) -> String {
    json!({
        "action": case.action,
        "resource": case.resource,
        "identity": case.identity,
        "boundary": case.boundary,
        "resourcePolicy": case.resource_policy,
    })
    .to_string()
}
