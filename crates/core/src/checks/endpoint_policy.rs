#![doc = include_str!("../../docs/checks/endpoint-policy.md")]

use serde_json::{Value, json};

use super::function_permissions::{ON_SECRET, RANDOM_PASSWORD};
use super::{CheckDef, Outcome, access, premise, reads};
use crate::actions::ec2::DESCRIBE_VPC_ENDPOINTS as ENDPOINTS;
use crate::arn;
use crate::command::aws;
use crate::facts::{Facts, FunctionFacts, SecretFacts, VpcEndpoint};
use crate::finding::Verdict;
use crate::iac::Change;
use crate::policy::{self, Applies, Effect, Principal, Request};

pub const CHECK: CheckDef = CheckDef {
    slug: "endpoint-policy",
    title: "The Secrets Manager endpoint's policy lets the rotation role through",
    holds: r#"The Secrets Manager interface endpoint's policy lets the function's role session make each of rotation's calls (on the secret, and `GetRandomPassword`); otherwise each fails with AccessDeniedException. The fix is `modify-vpc-endpoint` with the endpoint's own policy plus the statements that allow the role; a denying statement is named."#,
    explanation: include_str!("../../docs/checks/endpoint-policy.md"),
    reads: &[
        reads::SECRET,
        reads::FUNCTION,
        reads::NETWORK,
        reads::ORIGIN,
    ],
    run,
};

fn run(facts: &Facts) -> Outcome {
    let function = premise::rotation_function(facts)?;
    let secret = premise::secret(facts)?;
    if function.vpc.is_none() {
        return Err(Verdict::skip(
            "The function runs outside any VPC: it uses no interface endpoint",
        ));
    }
    let Some(network) = premise::looked_up(&facts.network)? else {
        return Err(Verdict::skip("The function's VPC could not be described"));
    };
    let Some(endpoint) = network.endpoint_for("secretsmanager") else {
        return Err(Verdict::skip(
            "The VPC has no available Secrets Manager interface endpoint (see endpoint-reachability)",
        ));
    };
    let Some(policy) = &endpoint.policy else {
        return Err(Verdict::skip("The endpoint's policy was not read"));
    };
    let Some(role_arn) = function.role.as_deref() else {
        return Err(Verdict::skip("The function has no role"));
    };
    let region = secret.region().unwrap_or_default();
    let refusals = refusals(
        &policy.0,
        endpoint,
        function,
        role_arn,
        secret,
        &network.vpc_id,
    );

    if refusals.denied.is_empty() && refusals.ungranted.is_empty() {
        return Ok(Verdict::pass(format!(
            "The policy of {} lets the rotation role make rotation's calls",
            endpoint.id
        ))
        .evidence(
            ENDPOINTS,
            format!(
                "the policy allows the rotation role {}",
                refusals.allowed.join(", ")
            ),
        ));
    }
    let mut problems = Vec::new();
    if !refusals.denied.is_empty() {
        problems.push(format!(
            "The policy of {} denies the rotation role {}",
            endpoint.id,
            refusals.denied.join(", ")
        ));
    }
    if !refusals.ungranted.is_empty() {
        problems.push(format!(
            "The policy of {} has no statement that allows the rotation role {}",
            endpoint.id,
            refusals.ungranted.join(", ")
        ));
    }
    let mut verdict = Verdict::fail(format!(
        "{}: each such call fails with AccessDeniedException (\"no VPC endpoint policy allows\" it)",
        problems[0]
    ));
    let allowed = (!refusals.allowed.is_empty()).then(|| {
        format!(
            "the policy allows the rotation role {}",
            refusals.allowed.join(", ")
        )
    });
    for line in problems
        .iter()
        .skip(1)
        .chain(&refusals.undecided)
        .chain(&allowed)
    {
        verdict = verdict.evidence(ENDPOINTS, line.clone());
    }
    Ok(if refusals.denied.is_empty() {
        let (command, change) = allow_through_endpoint(
            endpoint,
            &network.vpc_id,
            &policy.0,
            role_arn,
            &secret.arn,
            &refusals.ungranted,
            region,
        );
        verdict
            .fix(
                "Add statements for the rotation role to the endpoint's policy:",
                vec![command],
            )
            .change(change)
    } else {
        verdict.fix(
            "Remove the statements that deny the rotation role from the endpoint's policy",
            Vec::new(),
        )
    })
}

/// What the endpoint's policy refuses the role of rotation's calls.
#[derive(Default)]
struct Refusals {
    /// `action (statement X)`: an Allow applies and no Deny does.
    allowed: Vec<String>,
    /// `action (statement X)`: a Deny applies.
    denied: Vec<String>,
    /// No statement allows the action.
    ungranted: Vec<&'static str>,
    /// Allowed only if a condition rotdoctor cannot evaluate holds.
    undecided: Vec<String>,
}

/// Rotation's calls (on the secret, and GetRandomPassword) made through the
/// endpoint by the function's role session.
fn refusals(
    policy: &Value,
    endpoint: &VpcEndpoint,
    function: &FunctionFacts,
    role_arn: &str,
    secret: &SecretFacts,
    vpc_id: &str,
) -> Refusals {
    let account = arn::account(role_arn).unwrap_or_default();
    let role_name = role_arn.rsplit('/').next().unwrap_or_default();
    let session_arn = access::session_arn(account, role_name, &function.name);
    let mut context = access::secret_context(secret);
    context.insert("aws:principalarn".into(), Some(role_arn.to_string()));
    context.insert("aws:principalaccount".into(), Some(account.to_string()));
    context.insert("aws:sourcevpce".into(), Some(endpoint.id.clone()));
    context.insert("aws:sourcevpc".into(), Some(vpc_id.to_string()));
    let calls = ON_SECRET
        .iter()
        .map(|action| (*action, secret.arn.as_str()))
        .chain([(RANDOM_PASSWORD, "*")]);

    let mut refusals = Refusals::default();
    for (action, resource) in calls {
        let request = Request {
            principal: Principal::Role {
                arn: role_arn,
                session_arn: &session_arn,
                account,
            },
            action,
            resource,
            context: context.clone(),
        };
        let statements = policy::evaluate(policy, &request);
        let about_role = |effect: Effect| {
            statements
                .iter()
                .filter(move |s| s.effect == effect && s.names_principal())
        };
        if let Some(deny) = about_role(Effect::Deny).find(|s| s.applies == Applies::Yes) {
            refusals.denied.push(format!("{action} ({})", deny.label));
        } else if let Some(allow) = about_role(Effect::Allow).find(|s| s.applies == Applies::Yes) {
            refusals.allowed.push(format!("{action} ({})", allow.label));
        } else if let Some(Applies::Undecided(condition)) = about_role(Effect::Allow)
            .map(|s| &s.applies)
            .find(|a| matches!(a, Applies::Undecided(_)))
        {
            refusals.undecided.push(format!(
                "the endpoint's policy allows {action} only if {condition}"
            ));
        } else {
            refusals.ungranted.push(action);
        }
    }
    refusals
}

/// `modify-vpc-endpoint` with the endpoint's policy and the statements that
/// allow the role the calls no statement allowed, and that whole policy as
/// the change.
fn allow_through_endpoint(
    endpoint: &VpcEndpoint,
    vpc_id: &str,
    policy: &Value,
    role_arn: &str,
    secret_arn: &str,
    ungranted: &[&str],
    region: &str,
) -> (String, Change) {
    let (passwords, on_secret): (Vec<&str>, Vec<&str>) = ungranted
        .iter()
        .partition(|action| **action == RANDOM_PASSWORD);
    let statement = |sid: &str, actions: Vec<&str>, resource: &str| {
        json!({
            "Sid": sid,
            "Effect": "Allow",
            "Principal": {"AWS": role_arn},
            "Action": actions,
            "Resource": resource,
        })
    };
    let mut added = Vec::new();
    if !on_secret.is_empty() {
        added.push(statement("SecretsManagerRotation", on_secret, secret_arn));
    }
    if !passwords.is_empty() {
        added.push(statement("SecretsManagerRotationPasswords", passwords, "*"));
    }
    let mut policy = policy.clone();
    match policy.get_mut("Statement") {
        Some(Value::Array(statements)) => statements.extend(added),
        Some(single) => {
            let mut statements = vec![single.take()];
            statements.extend(added);
            *single = Value::Array(statements);
        }
        None => policy["Statement"] = Value::Array(added),
    }
    let command = aws(
        "ec2",
        "modify-vpc-endpoint",
        &[
            "--vpc-endpoint-id",
            &endpoint.id,
            "--policy-document",
            &policy.to_string(),
        ],
        Some(region),
    );
    let change = Change::EndpointPolicy {
        endpoint_id: endpoint.id.clone(),
        vpc_id: vpc_id.to_string(),
        service_name: endpoint.service_name.clone(),
        policy,
    };
    (command, change)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testing::{healthy, in_vpc, network_mut};
    use crate::facts::PolicyDocument;
    use crate::finding::Status;

    fn with_endpoint_policy(policy: Value) -> Facts {
        let mut facts = in_vpc();
        network_mut(&mut facts).endpoints.push(VpcEndpoint {
            id: "vpce-01".into(),
            service_name: "com.amazonaws.us-east-1.secretsmanager".into(),
            state: "available".into(),
            private_dns: true,
            subnet_ids: vec!["subnet-fn-a".into()],
            security_group_ids: vec!["sg-endpoint".into()],
            dns_names: Vec::new(),
            policy: Some(PolicyDocument(policy)),
            tags: Default::default(),
        });
        facts
    }

    #[test]
    fn no_endpoint_skips() {
        assert_eq!(CHECK.verdict(&healthy()).status, Status::Skip);
        assert_eq!(CHECK.verdict(&in_vpc()).status, Status::Skip);
    }

    #[test]
    fn the_default_full_access_policy_passes() {
        let facts = with_endpoint_policy(
            json!({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]}),
        );
        let verdict = CHECK.verdict(&facts);
        assert_eq!(verdict.status, Status::Pass, "{verdict:#?}");
    }

    #[test]
    fn a_policy_for_another_role_fails_with_the_statements_to_add() {
        let facts = with_endpoint_policy(
            json!({"Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/other"}, "Action": "secretsmanager:*", "Resource": "*"}]}),
        );
        let verdict = CHECK.verdict(&facts);
        assert_eq!(verdict.status, Status::Fail);
        assert!(
            verdict.summary.starts_with(
                "The policy of vpce-01 has no statement that allows the rotation role secretsmanager:DescribeSecret, secretsmanager:GetSecretValue"
            ),
            "{}",
            verdict.summary
        );
        let command = verdict.fix.unwrap().commands.pop().unwrap();
        assert!(command.starts_with(
            "aws ec2 modify-vpc-endpoint --vpc-endpoint-id vpce-01 --policy-document"
        ));
        assert!(
            command.contains(r#""Sid":"SecretsManagerRotationPasswords""#),
            "{command}"
        );
    }

    #[test]
    fn a_deny_is_named_and_no_statement_is_added_over_it() {
        let facts = with_endpoint_policy(json!({"Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"},
            {"Sid": "NoWrites", "Effect": "Deny", "Principal": "*", "Action": "secretsmanager:PutSecretValue", "Resource": "*"}
        ]}));
        let verdict = CHECK.verdict(&facts);
        assert_eq!(verdict.status, Status::Fail);
        assert!(
            verdict.summary.starts_with(
                "The policy of vpce-01 denies the rotation role secretsmanager:PutSecretValue (statement NoWrites)"
            ),
            "{}",
            verdict.summary
        );
        assert!(verdict.fix.unwrap().commands.is_empty());
    }
}
