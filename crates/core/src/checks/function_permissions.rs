#![doc = include_str!("../../docs/checks/function-permissions.md")]

use std::collections::BTreeMap;

use serde_json::json;

use super::access::{self, Caller, PolicyHome, ResourcePolicy};
use super::{CheckDef, Outcome, premise, reads};
use crate::facts::{Facts, FunctionFacts, SecretShape};
use crate::finding::{Status, Verdict};
use crate::iam::Decision;
use crate::template;

pub const CHECK: CheckDef = CheckDef {
    slug: "function-permissions",
    title: "The rotation function's role may call what rotation needs",
    holds: r#"The function's role may call `DescribeSecret`, `GetSecretValue`, `PutSecretValue` and `UpdateSecretVersionStage` on the secret and `GetRandomPassword` on `*` (and, for a function in a VPC, `ec2:CreateNetworkInterface`, `DescribeNetworkInterfaces` and `DeleteNetworkInterface`; for the ElastiCache template, `elasticache:DescribeUsers` and `ModifyUser` on its user), across its inline and managed policies, its permissions boundary and the secret's resource policy; the evidence names the statement that decides each action."#,
    explanation: include_str!("../../docs/checks/function-permissions.md"),
    reads: &[
        reads::SECRET,
        reads::SECRET_POLICY,
        reads::FUNCTION,
        reads::ROLE,
        reads::ORIGIN,
    ],
    run,
};

/// The calls rotation makes on the secret, and GetRandomPassword.
pub(super) const ON_SECRET: [&str; 4] = [
    "secretsmanager:DescribeSecret",
    "secretsmanager:GetSecretValue",
    "secretsmanager:PutSecretValue",
    "secretsmanager:UpdateSecretVersionStage",
];
pub(super) use crate::actions::secretsmanager::GET_RANDOM_PASSWORD as RANDOM_PASSWORD;
/// What Lambda needs of a VPC function's role for its network interfaces.
pub(super) const NETWORK_INTERFACES: [&str; 3] = [
    "ec2:CreateNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DeleteNetworkInterface",
];
/// What the ElastiCache template calls on the user it rotates
/// (`describe_users`, `modify_user` in its code).
pub(super) const ELASTICACHE_USER: [&str; 2] =
    ["elasticache:DescribeUsers", "elasticache:ModifyUser"];

/// The ElastiCache user the function's template rotates, when it is the
/// ElastiCache template and the secret names one.
fn elasticache_user<'a>(facts: &'a Facts, function: &FunctionFacts) -> Option<&'a str> {
    let Some(SecretShape::Object(object)) = facts.secret_value.found() else {
        return None;
    };
    let template = template::identify(Some(function), Some(object)).template()?;
    (template.name == "SecretsManagerElasticacheUserRotation")
        .then_some(object.user_arn.as_deref())
        .flatten()
}

/// The inline policy the fix adds.
const POLICY_NAME: &str = "SecretsManagerRotation";

fn run(facts: &Facts) -> Outcome {
    let function = premise::rotation_function(facts)?;
    if premise::looked_up(&facts.rotation_role)?.is_none() {
        let role = function.role.as_deref().unwrap_or("(none)");
        return Ok(Verdict::fail(format!(
            "The function's role {role} does not exist, so the function cannot run"
        ))
        .evidence("iam:GetRole", "NoSuchEntity: the role does not exist"));
    }
    let caller = access::caller(facts)?;
    let secret = premise::secret(facts)?;
    let resource_policy = premise::looked_up(&facts.secret_policy)?;
    let resource = resource_policy.map(|p| ("secret's resource policy", &p.0));

    let context = access::secret_context(secret);
    let mut decisions = caller.may_all(&ON_SECRET, &secret.arn, &context, resource, None);
    // GetRandomPassword acts on no resource: the secret's policy has no say,
    // and none of the secret's condition keys is in its request.
    let no_resource = access::no_resource_context(secret);
    decisions.extend(caller.may_all(&[RANDOM_PASSWORD], "*", &no_resource, None, None));
    // In a VPC, Lambda makes the function's network interfaces with its
    // role; without these it reports "The provided execution role does not
    // have permissions to call CreateNetworkInterface on EC2" and the
    // function does not run (AWSLambdaVPCAccessExecutionRole grants them).
    if function.vpc.is_some() {
        decisions.extend(caller.may_all(&NETWORK_INTERFACES, "*", &no_resource, None, None));
    }
    // The ElastiCache template changes the user's password itself.
    if let Some(user_arn) = elasticache_user(facts, function) {
        let on_user = BTreeMap::from([(
            "aws:requestedregion".to_string(),
            secret.region().map(str::to_string),
        )]);
        decisions.extend(caller.may_all(&ELASTICACHE_USER, user_arn, &on_user, None, None));
    }

    let status = access::status(&decisions);
    let role = &caller.role.name;
    let verdict = match status {
        Status::Pass => Verdict::pass(format!(
            "The role {role} may make every call rotation makes"
        )),
        Status::Warn => Verdict::warn(format!(
            "The role {role} may make the calls rotation makes only if conditions rotdoctor cannot evaluate hold"
        )),
        _ => Verdict::fail(format!(
            "The role {role} may not call {}",
            denied(&decisions).join(", ")
        )),
    };
    let secret_policy = resource_policy.map(|p| ResourcePolicy {
        name: "secret's resource policy",
        document: &p.0,
        home: PolicyHome::Secret(&secret.arn),
    });
    Ok(fix(
        access::with_decisions(verdict, &decisions),
        &caller,
        Resources {
            secret_arn: &secret.arn,
            user_arn: elasticache_user(facts, function),
        },
        &decisions,
        secret_policy.as_ref(),
    ))
}

fn denied<'a>(decisions: &[(&'a str, Decision)]) -> Vec<&'a str> {
    decisions
        .iter()
        .filter(|(_, d)| matches!(d, Decision::ExplicitDeny(_) | Decision::ImplicitDeny(_)))
        .map(|(action, _)| *action)
        .collect()
}

/// Adds what nothing allows: the actions on the secret, and GetRandomPassword on `*`.
/// What the grants are on.
struct Resources<'a> {
    secret_arn: &'a str,
    /// The ElastiCache user, for the ElastiCache template.
    user_arn: Option<&'a str>,
}

fn fix(
    verdict: Verdict,
    caller: &Caller<'_>,
    Resources {
        secret_arn,
        user_arn,
    }: Resources<'_>,
    decisions: &[(&str, Decision)],
    secret_policy: Option<&ResourcePolicy<'_>>,
) -> Verdict {
    let allow = |missing: &[&str]| {
        let on_secret = missing
            .iter()
            .filter(|a| a.starts_with("secretsmanager:") && **a != RANDOM_PASSWORD)
            .collect::<Vec<_>>();
        let on_user = missing
            .iter()
            .filter(|a| ELASTICACHE_USER.contains(a))
            .collect::<Vec<_>>();
        let interfaces = missing
            .iter()
            .filter(|a| NETWORK_INTERFACES.contains(a))
            .collect::<Vec<_>>();
        let mut statements = Vec::new();
        if !on_secret.is_empty() {
            statements
                .push(json!({"Effect": "Allow", "Action": on_secret, "Resource": secret_arn}));
        }
        if missing.contains(&RANDOM_PASSWORD) {
            statements.push(json!({"Effect": "Allow", "Action": RANDOM_PASSWORD, "Resource": "*"}));
        }
        if let Some(user_arn) = user_arn.filter(|_| !on_user.is_empty()) {
            statements.push(json!({"Effect": "Allow", "Action": on_user, "Resource": user_arn}));
        }
        // These take no resource narrower than `*`.
        if !interfaces.is_empty() {
            statements.push(json!({"Effect": "Allow", "Action": interfaces, "Resource": "*"}));
        }
        statements
    };
    access::fix_denials(
        verdict,
        caller,
        decisions,
        secret_policy,
        allow,
        |verdict, missing| {
            caller.fix_with_policy(
                verdict,
                "Allow the missing actions with an inline policy on the role:",
                POLICY_NAME,
                allow(missing),
            )
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testing::{SECRET_ARN, healthy};
    use crate::facts::{Fact, NamedPolicy, PolicyDocument};

    /// The policy document a put-role-policy command writes, as the shell reads it.
    fn policy_document_of(command: &str) -> serde_json::Value {
        let words = shlex::split(command).unwrap();
        serde_json::from_str(words.last().unwrap()).unwrap()
    }

    fn role_policies(facts: &mut Facts) -> &mut Vec<NamedPolicy> {
        match &mut facts.rotation_role {
            Fact::Found(role) => &mut role.policies,
            _ => unreachable!(),
        }
    }

    #[test]
    fn the_documented_policy_passes() {
        let verdict = CHECK.verdict(&healthy());
        assert_eq!(verdict.status, Status::Pass, "{verdict:#?}");
        assert!(
            verdict.evidence[1]
                .observed
                .contains("allowed by statement RotationAccess of inline policy rotation")
        );
    }

    #[test]
    fn a_missing_action_fails_with_the_statement_that_adds_it() {
        let mut facts = healthy();
        role_policies(&mut facts)[0].document["Statement"][0]["Action"] = json!([
            "secretsmanager:DescribeSecret",
            "secretsmanager:GetSecretValue"
        ]);
        let verdict = CHECK.verdict(&facts);
        assert_eq!(verdict.status, Status::Fail);
        assert_eq!(
            verdict.summary,
            "The role rotate-prod-db may not call secretsmanager:PutSecretValue, secretsmanager:UpdateSecretVersionStage"
        );
        let command = &verdict.fix.unwrap().commands[0];
        let document = policy_document_of(command);
        assert_eq!(
            document["Statement"][0],
            json!({"Effect": "Allow", "Action": ["secretsmanager:PutSecretValue", "secretsmanager:UpdateSecretVersionStage"], "Resource": SECRET_ARN})
        );
    }

    #[test]
    fn a_deny_in_the_secret_policy_fails_naming_it() {
        let mut facts = healthy();
        facts.secret_policy = Fact::Found(PolicyDocument(json!({"Statement": [{
            "Sid": "NoWrites", "Effect": "Deny", "Principal": {"AWS": "*"},
            "Action": "secretsmanager:PutSecretValue", "Resource": "*"
        }]})));
        let verdict = CHECK.verdict(&facts);
        assert_eq!(verdict.status, Status::Fail);
        assert!(
            verdict
                .fix
                .unwrap()
                .summary
                .contains("statement NoWrites of secret's resource policy")
        );
    }

    /// put-role-policy replaces a policy of the same name: the fix must add
    /// a policy under a name the role does not have, keeping every grant.
    #[test]
    fn the_fix_never_replaces_an_inline_policy_the_role_has() {
        let mut facts = healthy();
        let policies = role_policies(&mut facts);
        policies[0].document["Statement"][0]["Action"] = json!(["secretsmanager:DescribeSecret"]);
        for name in [POLICY_NAME.to_string(), format!("{POLICY_NAME}-2")] {
            policies.push(NamedPolicy {
                name: format!("inline policy {name}"),
                arn: None,
                document: json!({"Statement": [{"Effect": "Allow", "Action": "logs:CreateLogGroup", "Resource": "*"}]}),
            });
        }
        let command = CHECK.verdict(&facts).fix.unwrap().commands[0].clone();
        let words = shlex::split(&command).unwrap();
        let name = words
            .iter()
            .skip_while(|w| *w != "--policy-name")
            .nth(1)
            .unwrap();
        assert_eq!(name, &format!("{POLICY_NAME}-3"), "{command}");
    }

    /// The secret's tags (DescribeSecret) and the role's (GetRole) are in
    /// the request context: tag conditions decide, and a tag the secret does
    /// not have is absent.
    #[test]
    fn tag_conditions_decide_from_the_tags_read() {
        let mut facts = healthy();
        crate::checks::testing::secret_mut(&mut facts)
            .tags
            .insert("team".to_string(), "orders".to_string());
        if let Fact::Found(role) = &mut facts.rotation_role {
            role.tags
                .insert("Purpose".to_string(), "rotation".to_string());
        }
        facts.secret_policy = Fact::Found(PolicyDocument(json!({"Statement": [
            {"Sid": "TeamOnly", "Effect": "Deny", "Principal": "*", "Action": "secretsmanager:*", "Resource": "*",
             "Condition": {"StringNotEquals": {"aws:ResourceTag/team": "orders"}}},
            {"Sid": "RotatorsOnly", "Effect": "Deny", "Principal": "*", "Action": "secretsmanager:PutSecretValue", "Resource": "*",
             "Condition": {"StringNotEquals": {"aws:PrincipalTag/Purpose": "rotation"}}},
            {"Sid": "Tagged", "Effect": "Deny", "Principal": "*", "Action": "secretsmanager:*", "Resource": "*",
             "Condition": {"StringEquals": {"aws:ResourceTag/stage": "frozen"}}}
        ]})));
        assert_eq!(
            CHECK.verdict(&facts).status,
            Status::Pass,
            "{:#?}",
            CHECK.verdict(&facts)
        );
        if let Fact::Found(role) = &mut facts.rotation_role {
            role.tags.clear();
        }
        let verdict = CHECK.verdict(&facts);
        assert_eq!(verdict.status, Status::Fail, "{verdict:#?}");
        assert!(
            verdict.summary.contains("PutSecretValue"),
            "{}",
            verdict.summary
        );
    }

    #[test]
    fn a_function_in_a_vpc_needs_its_network_interface_actions() {
        let mut facts = crate::checks::testing::in_vpc();
        assert_eq!(CHECK.verdict(&facts).status, Status::Pass);
        role_policies(&mut facts).retain(|p| !p.name.contains("VPCAccess"));
        let verdict = CHECK.verdict(&facts);
        assert_eq!(verdict.status, Status::Fail);
        assert!(
            verdict.summary.contains("ec2:CreateNetworkInterface"),
            "{}",
            verdict.summary
        );
        let command = &verdict.fix.unwrap().commands[0];
        let document = policy_document_of(command);
        assert_eq!(
            document["Statement"][0],
            json!({"Effect": "Allow", "Action": NETWORK_INTERFACES, "Resource": "*"})
        );
    }

    /// The ElastiCache template calls describe_users and modify_user on
    /// the user its secret names.
    #[test]
    fn the_elasticache_template_needs_its_user_actions() {
        const USER: &str = "arn:aws:elasticache:us-east-1:111122223333:user:app";
        let mut facts = healthy();
        if let Fact::Found(function) = &mut facts.rotation_function {
            function.template_tags.insert(
                "serverlessrepo:applicationId".to_string(),
                "applications/SecretsManagerElasticacheUserRotation".to_string(),
            );
        }
        crate::checks::testing::object_mut(&mut facts).user_arn = Some(USER.to_string());
        let verdict = CHECK.verdict(&facts);
        assert_eq!(verdict.status, Status::Fail, "{verdict:#?}");
        assert!(
            verdict.summary.contains("elasticache:ModifyUser"),
            "{}",
            verdict.summary
        );
        let command = &verdict.fix.unwrap().commands[0];
        let document = policy_document_of(command);
        assert_eq!(
            document["Statement"][0],
            json!({"Effect": "Allow", "Action": ELASTICACHE_USER, "Resource": USER})
        );
    }

    #[test]
    fn a_missing_role_fails_and_an_unreadable_one_is_an_error() {
        let mut facts = healthy();
        facts.rotation_role = Fact::Absent;
        assert_eq!(CHECK.verdict(&facts).status, Status::Fail);
        facts.rotation_role = crate::checks::testing::denied("iam:GetRole");
        assert_eq!(CHECK.verdict(&facts).status, Status::Error);
    }
}
