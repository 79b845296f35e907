//! What the permission checks share: the rotation role as a caller, the
//! request context rotdoctor knows for it, and the words and commands for
//! each decision.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::premise;
use crate::command::aws;
use crate::facts::{Facts, RoleFacts, SecretFacts};
use crate::finding::{Status, Verdict};
use crate::iam::{self, Decision, Missing, Policies};
use crate::policy::{Principal, Request};

/// The rotation function's role, calling AWS through the function's session.
pub struct Caller<'a> {
    pub role: &'a RoleFacts,
    /// Lambda names the role's session after the function.
    pub session_arn: String,
    pub account: String,
}

/// The rotation role, for the checks that ask what it may do. A missing
/// role is `function-permissions`' finding.
pub fn caller(facts: &Facts) -> Result<Caller<'_>, Verdict> {
    let function = premise::rotation_function(facts)?;
    let Some(role) = premise::looked_up(&facts.rotation_role)? else {
        return Err(Verdict::skip(
            "The function's role does not exist (see function-permissions)",
        ));
    };
    let account = crate::arn::account(&role.arn)
        .unwrap_or_default()
        .to_string();
    Ok(Caller {
        session_arn: session_arn(&account, &role.name, &function.name),
        account,
        role,
    })
}

/// The role's session in a function's invocations: Lambda names it after the function.
pub fn session_arn(account: &str, role_name: &str, function_name: &str) -> String {
    format!("arn:aws:sts::{account}:assumed-role/{role_name}/{function_name}")
}

impl Caller<'_> {
    /// Whether the role may do `action` on `resource`.
    pub fn may(
        &self,
        action: &str,
        resource: &str,
        context: BTreeMap<String, Option<String>>,
        resource_policy: Option<(&str, &Value)>,
        key_policy: Option<(&str, &Value)>,
    ) -> Decision {
        let mut context = context;
        context.insert("aws:principalarn".into(), Some(self.role.arn.clone()));
        context.insert("aws:principalaccount".into(), Some(self.account.clone()));
        let request = Request {
            principal: Principal::Role {
                arn: &self.role.arn,
                session_arn: &self.session_arn,
                account: &self.account,
            },
            action,
            resource,
            context,
        };
        let policies = Policies {
            identity: &self.role.policies,
            boundary: self.role.permissions_boundary.as_ref(),
            resource: resource_policy,
            key: key_policy,
        };
        iam::authorize(&request, &policies)
    }

    /// Whether the role may do each of `actions` on `resource`.
    pub fn may_all<'a>(
        &self,
        actions: &[&'a str],
        resource: &str,
        context: &BTreeMap<String, Option<String>>,
        resource_policy: Option<(&str, &Value)>,
        key_policy: Option<(&str, &Value)>,
    ) -> Vec<(&'a str, Decision)> {
        actions
            .iter()
            .map(|action| {
                let decision = self.may(
                    action,
                    resource,
                    context.clone(),
                    resource_policy,
                    key_policy,
                );
                (*action, decision)
            })
            .collect()
    }

    /// `aws iam put-role-policy` adding `statements` as a new inline policy.
    /// put-role-policy replaces an inline policy of the same name, so the
    /// name is one the role does not have yet: `<name>`, else `<name>-2`, ...
    pub fn put_role_policy(&self, policy_name: &str, statements: Vec<Value>) -> String {
        let document = json!({"Version": "2012-10-17", "Statement": statements}).to_string();
        let taken = |name: &str| {
            self.role
                .policies
                .iter()
                .any(|p| p.arn.is_none() && p.name == format!("inline policy {name}"))
        };
        let policy_name = std::iter::once(policy_name.to_string())
            .chain((2..).map(|n| format!("{policy_name}-{n}")))
            .find(|name| !taken(name))
            .unwrap_or_default();
        let policy_name = policy_name.as_str();
        aws(
            "iam",
            "put-role-policy",
            &[
                "--role-name",
                &self.role.name,
                "--policy-name",
                policy_name,
                "--policy-document",
                &document,
            ],
            None,
        )
    }
}

/// The condition keys of a Secrets Manager request on `secret`.
pub fn secret_context(secret: &SecretFacts) -> BTreeMap<String, Option<String>> {
    BTreeMap::from([
        ("secretsmanager:secretid".into(), Some(secret.arn.clone())),
        (
            "secretsmanager:resource/allowrotationlambdaarn".into(),
            secret.rotation_lambda_arn.clone(),
        ),
        (
            "aws:requestedregion".into(),
            secret.region().map(str::to_string),
        ),
    ])
}

/// The condition keys of the KMS request Secrets Manager makes for the
/// role when it reads or writes `secret`.
pub fn kms_context(secret: &SecretFacts) -> BTreeMap<String, Option<String>> {
    let region = secret.region().unwrap_or_default();
    BTreeMap::from([
        (
            "kms:viaservice".into(),
            Some(format!("secretsmanager.{region}.amazonaws.com")),
        ),
        (
            "kms:encryptioncontext:secretarn".into(),
            Some(secret.arn.clone()),
        ),
        ("aws:requestedregion".into(), Some(region.to_string())),
    ])
}

/// One line of evidence for one decision, with the call its policy came from.
pub fn evidence(verdict: Verdict, action: &str, decision: &Decision) -> Verdict {
    let (source, line) = match decision {
        Decision::Allowed(statement) => (
            statement.source,
            format!("{action}: allowed by {statement}"),
        ),
        Decision::ExplicitDeny(statement) => {
            (statement.source, format!("{action}: denied by {statement}"))
        }
        Decision::ImplicitDeny(missing) => (
            missing.source(),
            format!("{action}: not allowed: {missing}"),
        ),
        Decision::Undecided {
            statement,
            condition,
        } => (
            statement.source,
            format!(
                "{action}: allowed by {statement} only if its {condition} holds, which rotdoctor cannot evaluate"
            ),
        ),
    };
    verdict.evidence(source, line)
}

/// Appends the evidence of every decision.
pub fn with_decisions(verdict: Verdict, decisions: &[(&str, Decision)]) -> Verdict {
    decisions
        .iter()
        .fold(verdict, |verdict, (action, decision)| {
            evidence(verdict, action, decision)
        })
}

/// The status decisions add up to: a denial fails, an undecided grant warns.
pub fn status(decisions: &[(&str, Decision)]) -> Status {
    let denied = decisions
        .iter()
        .any(|(_, d)| matches!(d, Decision::ExplicitDeny(_) | Decision::ImplicitDeny(_)));
    let undecided = decisions
        .iter()
        .any(|(_, d)| matches!(d, Decision::Undecided { .. }));
    match (denied, undecided) {
        (true, _) => Status::Fail,
        (false, true) => Status::Warn,
        _ => Status::Pass,
    }
}

/// The fix for denied actions, in the order that matters: an explicit Deny
/// must go (no grant can beat it); then a permissions boundary must widen;
/// then `grant` proposes what allows the actions nothing allows.
pub fn fix_denials(
    verdict: Verdict,
    caller: &Caller<'_>,
    decisions: &[(&str, Decision)],
    grant: impl FnOnce(Verdict, &[&str]) -> Verdict,
) -> Verdict {
    let denies = explicit_denies(decisions);
    if !denies.is_empty() {
        return remove_denies(verdict, &denies);
    }
    let bounded = missing(decisions, |m| matches!(m, Missing::Boundary(_)));
    if !bounded.is_empty() {
        return widen_boundary(verdict, caller, &bounded);
    }
    let ungranted = missing(decisions, |_| true);
    if ungranted.is_empty() {
        verdict
    } else {
        grant(verdict, &ungranted)
    }
}

/// The actions nothing allows for which `wanted` says what is missing.
fn missing<'a>(decisions: &[(&'a str, Decision)], wanted: fn(&Missing) -> bool) -> Vec<&'a str> {
    decisions
        .iter()
        .filter(|(_, d)| matches!(d, Decision::ImplicitDeny(missing) if wanted(missing)))
        .map(|(action, _)| *action)
        .collect()
}

/// The boundary that blocks `actions`, with the fix that names them.
fn widen_boundary(verdict: Verdict, caller: &Caller<'_>, actions: &[&str]) -> Verdict {
    let boundary = caller
        .role
        .permissions_boundary
        .as_ref()
        .map(|b| b.name.as_str())
        .unwrap_or("of the role");
    verdict.fix(
        format!(
            "The role's policies allow {}, but its permissions boundary {boundary} does not: allow them in the boundary too.",
            actions.join(", ")
        ),
        Vec::new(),
    )
}

/// The fix for statements that deny outright: they must go, whatever is added.
fn remove_denies(verdict: Verdict, denies: &[String]) -> Verdict {
    verdict.fix(
        format!(
            "Remove or narrow {}: an explicit Deny wins over any Allow, so no grant can fix this.",
            denies.join(" and ")
        ),
        Vec::new(),
    )
}

/// The statements that deny outright (to remove rather than add to).
fn explicit_denies(decisions: &[(&str, Decision)]) -> Vec<String> {
    let mut denies = decisions
        .iter()
        .filter_map(|(_, d)| match d {
            Decision::ExplicitDeny(statement) => Some(statement.to_string()),
            _ => None,
        })
        .collect::<Vec<_>>();
    denies.dedup();
    denies
}
