#![doc = include_str!("../../docs/checks/master-secret-access.md")]

use serde_json::{Value, json};

use super::access::{self, Caller, PolicyHome, ResourcePolicy};
use super::database_api_calls::database_api_calls;
use super::kms_access::judge_key;
use super::{CheckDef, Outcome, premise, reads};
use crate::actions::iam::GET_ROLE_POLICY as IAM;
use crate::actions::secretsmanager::DESCRIBE_SECRET as DESCRIBE;
use crate::facts::{Fact, Facts, MasterSecretFacts, SecretShape};
use crate::finding::{Status, Verdict};
use crate::iam::Decision;
use crate::template;

pub const CHECK: CheckDef = CheckDef {
    slug: "master-secret-access",
    title: "The rotation role may read the master secret",
    holds: r#"For multi-user rotation, the master secret named by `masterarn` exists and the role may read it (and use its key). A `Resource` naming the master secret without its six-character suffix is called out: it matches nothing. A master secret RDS manages, or a secret whose host is not the master's (PostgreSQL, MySQL, MariaDB), needs `rds:DescribeDBInstances` (or `DescribeDBClusters`) on its database."#,
    explanation: include_str!("../../docs/checks/master-secret-access.md"),
    reads: &[
        reads::SECRET,
        reads::SECRET_VALUE,
        reads::SECRET_POLICY,
        reads::FUNCTION,
        reads::ROLE,
        reads::KEY,
        reads::ORIGIN,
    ],
    run,
};

const ON_MASTER: [&str; 2] = [
    "secretsmanager:GetSecretValue",
    "secretsmanager:DescribeSecret",
];
const POLICY_NAME: &str = "SecretsManagerRotationMasterSecret";

fn run(facts: &Facts) -> Outcome {
    let function = premise::rotation_function(facts)?;
    let object = match premise::looked_up(&facts.secret_value)? {
        Some(SecretShape::Object(object)) => Some(object),
        _ => None,
    };
    let multi_user = template::identify(Some(function), object)
        .template()
        .is_some_and(|t| t.multi_user);
    let no_master = || {
        Verdict::skip(if multi_user {
            "The secret has no masterarn (see secret-schema)"
        } else {
            "Single-user rotation: there is no master secret"
        })
    };
    // Gathering looks for a master secret only where the value names one.
    if matches!(facts.master_secret, Fact::NotCollected) {
        return Err(no_master());
    }
    let master = premise::looked_up(&facts.master_secret)?.ok_or_else(no_master)?;
    let Some(master_secret) =
        premise::looked_up_in(&master.secret, facts, &master.masterarn, "master secret")?
    else {
        return Ok(Verdict::fail(format!(
            "The master secret {} does not exist, so multi-user rotation cannot log in to create the new user",
            master.masterarn
        ))
        .evidence(DESCRIBE, "ResourceNotFoundException: no such secret"));
    };
    let caller = access::caller(facts)?;
    let master_policy = premise::looked_up(&master.policy)?;
    let resource = master_policy.map(|p| ("master secret's resource policy", &p.0));
    let context = access::secret_context(master_secret);
    let decisions = caller.may_all(&ON_MASTER, &master_secret.arn, &context, resource, None);

    let role = &caller.role.name;
    let mut verdict = match access::status(&decisions) {
        Status::Pass => Verdict::pass(format!("The role {role} may read the master secret")),
        Status::Warn => Verdict::warn(format!(
            "The role {role} may read the master secret only if conditions rotdoctor cannot evaluate hold"
        )),
        _ => Verdict::fail(format!(
            "The role {role} may not read the master secret {}",
            master_secret.name
        )),
    };
    verdict = verdict.evidence(
        DESCRIBE,
        format!("the secret's masterarn is {}", master.masterarn),
    );
    for line in partial_arn_traps(&caller, &master_secret.arn) {
        verdict = verdict.evidence(IAM, line);
    }
    verdict = access::with_decisions(verdict, &decisions);
    let master_resource_policy = master_policy.map(|p| ResourcePolicy {
        name: "master secret's resource policy",
        document: &p.0,
        home: PolicyHome::Secret(&master_secret.arn),
    });
    verdict = fix(
        verdict,
        &caller,
        &master_secret.arn,
        &decisions,
        master_resource_policy.as_ref(),
    );
    let verdict = with_rds_api(verdict, &caller, facts, master);
    Ok(with_key(verdict, &caller, master, master_secret))
}

/// A policy of the role that names `docdb:` actions: a common mistake, as
/// DocumentDB's management API is authorized as `rds:` actions.
fn docdb_policy<'a>(caller: &'a Caller<'_>) -> Option<&'a str> {
    caller
        .role
        .policies
        .iter()
        .find(|policy| policy.document.to_string().contains("\"docdb:"))
        .map(|policy| policy.name.as_str())
}

/// The RDS calls the template makes in setSecret (see `database_api_calls`): a
/// master secret RDS manages holds no host, and a secret whose host is not
/// the master's is checked as a replica. The role must be allowed them
/// ("the superuser secret is managed by Amazon RDS, and the Lambda function
/// can't access the RDS API").
fn with_rds_api(
    verdict: Verdict,
    caller: &Caller<'_>,
    facts: &Facts,
    master: &MasterSecretFacts,
) -> Verdict {
    let calls = database_api_calls(facts, master);
    if calls.is_empty() {
        return verdict;
    }
    let role = &caller.role.name;
    let decisions = calls
        .iter()
        .map(|call| {
            (
                call,
                caller.may(call.action, &call.resource, Default::default(), None, None),
            )
        })
        .collect::<Vec<_>>();
    let refused = decisions
        .iter()
        .find(|(_, d)| !matches!(d, Decision::Allowed(_) | Decision::Undecided { .. }));
    let undecided = decisions
        .iter()
        .find(|(_, d)| matches!(d, Decision::Undecided { .. }));
    let rds = match (refused, undecided) {
        (Some((call, _)), _) => {
            let verdict = Verdict::fail(format!(
                "The role {role} may not call {} on {}: {}, so setSecret fails",
                call.action, call.resource, call.why
            ));
            match docdb_policy(caller) {
                Some(policy) if call.service() == "rds" => verdict.evidence(
                    IAM,
                    format!(
                        "{policy} grants docdb: actions, but DocumentDB's API, like RDS's, is authorized as rds: actions"
                    ),
                ),
                _ => verdict,
            }
        }
        (None, Some((call, _))) => Verdict::warn(format!(
            "The role {role} may call {} on {} only if conditions rotdoctor cannot evaluate hold",
            call.action, call.resource
        )),
        (None, None) => Verdict::pass(format!(
            "The role {role} may read the master secret and make the database API calls its template needs"
        )),
    }
    .evidence(DESCRIBE, calls[0].why.clone());
    let rds = decisions.iter().fold(rds, |rds, (call, decision)| {
        access::evidence(rds, call.action, decision)
    });
    let actions = decisions
        .iter()
        .map(|(call, decision)| (call.action, decision.clone()))
        .collect::<Vec<_>>();
    // One statement for each call nothing allows.
    let allow = |missing: &[&str]| {
        calls
            .iter()
            .filter(|call| missing.contains(&call.action))
            .map(
                |call| json!({"Effect": "Allow", "Action": call.action, "Resource": call.resource}),
            )
            .collect::<Vec<_>>()
    };
    let rds = access::fix_denials(rds, caller, &actions, None, allow, |rds, missing| {
        caller.fix_with_policy(
            rds,
            "Let the role make the database API calls the template needs:",
            "SecretsManagerRotationRdsApi",
            allow(missing),
        )
    });
    worse(verdict, rds)
}

/// The master secret's own KMS key must be usable by the role too.
fn with_key(
    verdict: Verdict,
    caller: &Caller<'_>,
    master: &MasterSecretFacts,
    master_secret: &crate::facts::SecretFacts,
) -> Verdict {
    let key = match premise::looked_up(&master.key) {
        Ok(Some(key)) => key,
        Ok(None) => return verdict,
        Err(unreadable) => return worse(verdict, unreadable),
    };
    let key_verdict = judge_key(
        caller,
        key,
        master_secret,
        "SecretsManagerRotationMasterKey",
    );
    if key_verdict.status == Status::Skip {
        return verdict;
    }
    worse(verdict, key_verdict)
}

/// Keeps both verdicts' evidence and fixes; the worse status and its summary win.
fn worse(first: Verdict, second: Verdict) -> Verdict {
    let (lead, other) = if second.status > first.status && second.status != Status::Skip {
        (second, first)
    } else {
        (first, second)
    };
    let fix = match (lead.fix.clone(), other.fix) {
        (Some(mut a), Some(b)) => {
            a.summary = format!("{} Then: {}", a.summary, b.summary);
            a.commands.extend(b.commands);
            Some(a)
        }
        (a, b) => a.or(b),
    };
    Verdict {
        evidence: [other.evidence, lead.evidence.clone()].concat(),
        fix,
        ..lead
    }
}

/// Statements whose `Resource` names the master secret without its random
/// six-character suffix (and no wildcard): IAM matches them against nothing.
fn partial_arn_traps(caller: &Caller<'_>, master_arn: &str) -> Vec<String> {
    let Some((partial, _suffix)) = master_arn.rsplit_once('-') else {
        return Vec::new();
    };
    let mut traps = Vec::new();
    for policy in &caller.role.policies {
        for (index, statement) in statements(&policy.document).iter().enumerate() {
            let resources = match statement.get("Resource") {
                Some(Value::String(one)) => vec![one.as_str()],
                Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).collect(),
                _ => Vec::new(),
            };
            if resources.contains(&partial) {
                let label = statement
                    .get("Sid")
                    .and_then(Value::as_str)
                    .map(|sid| format!("statement {sid}"))
                    .unwrap_or_else(|| format!("statement #{}", index + 1));
                traps.push(format!(
                    "{label} of {} names {partial} without the secret's six-character suffix, so it matches nothing: \
                     use {master_arn} or {partial}-??????",
                    policy.name
                ));
            }
        }
    }
    traps
}

fn statements(document: &Value) -> Vec<&Value> {
    match document.get("Statement") {
        Some(Value::Array(list)) => list.iter().collect(),
        Some(single @ Value::Object(_)) => vec![single],
        _ => Vec::new(),
    }
}

fn fix(
    verdict: Verdict,
    caller: &Caller<'_>,
    master_arn: &str,
    decisions: &[(&str, crate::iam::Decision)],
    master_policy: Option<&ResourcePolicy<'_>>,
) -> Verdict {
    let allow = |missing: &[&str]| {
        vec![json!({"Effect": "Allow", "Action": missing, "Resource": master_arn})]
    };
    access::fix_denials(
        verdict,
        caller,
        decisions,
        master_policy,
        allow,
        |verdict, missing| {
            caller.fix_with_policy(
                verdict,
                "Let the role read the master secret, by its full ARN:",
                POLICY_NAME,
                allow(missing),
            )
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testing::{MASTER_ARN, healthy, multi_user};
    use crate::facts::NamedPolicy;

    fn grant(facts: &mut Facts, resource: &str) {
        if let Fact::Found(role) = &mut facts.rotation_role {
            role.policies.push(NamedPolicy {
                name: "inline policy master".to_string(),
                arn: None,
                document: json!({"Statement": [{"Sid": "Master", "Effect": "Allow",
                    "Action": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"], "Resource": resource}]}),
            });
        }
    }

    #[test]
    fn single_user_rotation_skips() {
        let verdict = CHECK.verdict(&healthy());
        assert_eq!(verdict.status, Status::Skip);
        assert!(verdict.summary.contains("Single-user"));
    }

    #[test]
    fn a_grant_on_the_full_arn_passes() {
        let mut facts = multi_user();
        grant(&mut facts, MASTER_ARN);
        let verdict = CHECK.verdict(&facts);
        assert_eq!(verdict.status, Status::Pass, "{verdict:#?}");
    }

    /// The PostgreSQL and MySQL multi-user templates ask RDS whether a host
    /// other than the master's is its replica, whoever manages the master.
    #[test]
    fn another_host_than_the_masters_needs_the_rds_api() {
        let mut facts = multi_user();
        grant(&mut facts, MASTER_ARN);
        crate::checks::testing::object_mut(&mut facts).host =
            Some("prod-db-replica.abc123xyz.us-east-1.rds.amazonaws.com".to_string());
        let verdict = CHECK.verdict(&facts);
        assert_eq!(verdict.status, Status::Fail, "{verdict:#?}");
        assert!(
            verdict.summary.contains(
                "may not call rds:DescribeDBInstances on arn:aws:rds:us-east-1:111122223333:db:prod-db-replica"
            ),
            "{}",
            verdict.summary
        );
    }

    /// DocumentDB's management API is authorized as rds: actions.
    #[test]
    fn a_docdb_grant_is_named_as_the_wrong_service() {
        const DATABASE: &str = "arn:aws:rds:us-east-1:111122223333:cluster:docs";
        let mut facts = multi_user();
        grant(&mut facts, MASTER_ARN);
        crate::checks::testing::master_managed_by_rds(&mut facts, DATABASE);
        if let Fact::Found(role) = &mut facts.rotation_role {
            role.policies.push(NamedPolicy {
                name: "inline policy docdb".to_string(),
                arn: None,
                document: json!({"Statement": [{"Effect": "Allow", "Action": "docdb:*", "Resource": "*"}]}),
            });
        }
        let verdict = CHECK.verdict(&facts);
        assert_eq!(verdict.status, Status::Fail, "{verdict:#?}");
        assert!(
            verdict.evidence.iter().any(|e| e
                .observed
                .contains("inline policy docdb grants docdb: actions")),
            "{:#?}",
            verdict.evidence
        );
    }

    #[test]
    fn a_master_secret_rds_manages_needs_the_rds_api() {
        const DATABASE: &str = "arn:aws:rds:us-east-1:111122223333:db:prod-db";
        let mut facts = multi_user();
        grant(&mut facts, MASTER_ARN);
        crate::checks::testing::master_managed_by_rds(&mut facts, DATABASE);
        let verdict = CHECK.verdict(&facts);
        assert_eq!(verdict.status, Status::Fail, "{verdict:#?}");
        assert!(
            verdict
                .summary
                .contains("may not call rds:DescribeDBInstances on")
        );
        let command = &verdict.fix.unwrap().commands[0];
        assert!(
            command.contains("SecretsManagerRotationRdsApi") && command.contains(DATABASE),
            "{command}"
        );

        if let Fact::Found(role) = &mut facts.rotation_role {
            role.policies.push(NamedPolicy {
                name: "inline policy rds".to_string(),
                arn: None,
                document: json!({"Statement": [{"Effect": "Allow", "Action": "rds:DescribeDBInstances", "Resource": DATABASE}]}),
            });
        }
        assert_eq!(CHECK.verdict(&facts).status, Status::Pass);
    }

    #[test]
    fn no_grant_fails_with_put_role_policy() {
        let verdict = CHECK.verdict(&multi_user());
        assert_eq!(verdict.status, Status::Fail);
        assert!(verdict.fix.unwrap().commands[0].contains(MASTER_ARN));
    }

    #[test]
    fn the_partial_arn_trap_is_named() {
        let mut facts = multi_user();
        let partial = MASTER_ARN.rsplit_once('-').unwrap().0.to_string();
        grant(&mut facts, &partial);
        let verdict = CHECK.verdict(&facts);
        assert_eq!(verdict.status, Status::Fail);
        assert!(
            verdict.evidence.iter().any(|e| e
                .observed
                .contains("without the secret's six-character suffix")),
            "{verdict:#?}"
        );
    }

    #[test]
    fn a_missing_master_secret_fails() {
        let mut facts = multi_user();
        if let Fact::Found(master) = &mut facts.master_secret {
            master.secret = Fact::Absent;
        }
        assert_eq!(CHECK.verdict(&facts).status, Status::Fail);
    }
}
