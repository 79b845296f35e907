//! What the permission checks share: the rotation role as a caller, the
//! request context rotdoctor knows for it, and the words and commands for
//! each decision.

use std::collections::BTreeMap;

use crate::iac::{Change, PolicyHome as IacPolicyHome};
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
    /// "Lambda injects the source function ARN into the credentials context"
    /// (`lambda:SourceFunctionArn`).
    pub function_arn: String,
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
        function_arn: function.arn.clone(),
    })
}

/// The role's session in a function's invocations: Lambda names it after the function.
pub fn session_arn(account: &str, role_name: &str, function_name: &str) -> String {
    format!("arn:aws:sts::{account}:assumed-role/{role_name}/{function_name}")
}

impl Caller<'_> {
    /// The global condition keys known for the function's role session.
    fn known_keys(
        &self,
        resource: &str,
        context: &BTreeMap<String, Option<String>>,
    ) -> Vec<(String, Option<String>)> {
        let mut keys = iam::session_keys(&iam::Session {
            role_arn: &self.role.arn,
            account: &self.account,
            function_arn: &self.function_arn,
            resource,
            via_service: context.contains_key("kms:viaservice"),
        })
        .into_iter()
        .map(|(key, value)| (key.to_string(), value))
        .collect::<Vec<_>>();
        // The role's tags, read with GetRole: the session's principal tags.
        keys.extend(tag_keys(&["aws:principaltag/"], &self.role.tags));
        keys
    }

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
        for (key, value) in self.known_keys(resource, &context) {
            context.entry(key).or_insert(value);
        }
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

    /// The fix that adds `statements` to the role as a new inline policy:
    /// `aws iam put-role-policy`, and the same change for the IaC snippets.
    pub fn fix_with_policy(
        &self,
        verdict: Verdict,
        summary: &str,
        policy_name: &str,
        statements: Vec<Value>,
    ) -> Verdict {
        let policy_name = self.free_policy_name(policy_name);
        let command = self.put_role_policy(&policy_name, &statements);
        verdict
            .fix(summary, vec![command])
            .change(Change::RolePolicy {
                role_name: self.role.name.clone(),
                policy_name,
                statements,
            })
    }

    /// put-role-policy replaces an inline policy of the same name, so the
    /// name is one the role does not have yet: `<name>`, else `<name>-2`, ...
    fn free_policy_name(&self, policy_name: &str) -> String {
        let taken = |name: &str| {
            self.role
                .policies
                .iter()
                .any(|p| p.arn.is_none() && p.name == format!("inline policy {name}"))
        };
        std::iter::once(policy_name.to_string())
            .chain((2..).map(|n| format!("{policy_name}-{n}")))
            .find(|name| !taken(name))
            .unwrap_or_default()
    }

    /// `aws iam put-role-policy` adding `statements` as the inline policy
    /// `policy_name`.
    fn put_role_policy(&self, policy_name: &str, statements: &[Value]) -> String {
        let document = json!({"Version": "2012-10-17", "Statement": statements}).to_string();
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
    let mut context = tag_keys(
        &["aws:resourcetag/", "secretsmanager:resourcetag/"],
        &secret.tags,
    );
    context.extend(BTreeMap::from([
        ("secretsmanager:secretid".into(), Some(secret.arn.clone())),
        (
            "secretsmanager:resource/allowrotationlambdaarn".into(),
            secret.rotation_lambda_arn.clone(),
        ),
        (
            "aws:requestedregion".into(),
            secret.region().map(str::to_string),
        ),
    ]));
    context
}

/// Tag condition keys under each of `prefixes`: a tag's value by its key,
/// and every other key of the prefix absent (the tags were read, so a tag
/// that is not there is known not to be there).
fn tag_keys(
    prefixes: &[&str],
    tags: &BTreeMap<String, String>,
) -> BTreeMap<String, Option<String>> {
    let mut keys = BTreeMap::new();
    for prefix in prefixes {
        keys.insert(format!("{prefix}*"), None);
        for (key, value) in tags {
            keys.insert(
                format!("{prefix}{}", key.to_ascii_lowercase()),
                Some(value.clone()),
            );
        }
    }
    keys
}

/// The condition keys of an action with no resource type (GetRandomPassword):
/// the global keys only. "If the key that you specify in a policy condition
/// is not present in the request context, the values do not match": every
/// Secrets Manager key and every resource tag is absent.
pub fn no_resource_context(secret: &SecretFacts) -> BTreeMap<String, Option<String>> {
    BTreeMap::from([
        (
            "aws:requestedregion".into(),
            secret.region().map(str::to_string),
        ),
        ("secretsmanager:*".into(), None),
        ("aws:resourcetag/*".into(), None),
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
            denies: false,
        } => (
            statement.source,
            format!(
                "{action}: allowed by {statement} only if its {condition} holds, which rotdoctor cannot evaluate"
            ),
        ),
        Decision::Undecided {
            statement,
            condition,
            denies: true,
        } => (
            statement.source,
            format!(
                "{action}: possibly denied by {statement}, if its {condition} holds, which rotdoctor cannot evaluate"
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

/// A resource's own policy, written back with its own command when a Deny
/// in it has to go.
pub struct ResourcePolicy<'a> {
    /// As the evaluator names it: `secret's resource policy`, `key policy`.
    pub name: &'a str,
    pub document: &'a Value,
    pub home: PolicyHome<'a>,
}

/// Where a resource policy lives, by ARN.
pub enum PolicyHome<'a> {
    Secret(&'a str),
    Key(&'a str),
}

impl PolicyHome<'_> {
    fn for_iac(&self) -> IacPolicyHome {
        match self {
            PolicyHome::Secret(arn) => IacPolicyHome::SecretResource {
                secret_arn: arn.to_string(),
            },
            PolicyHome::Key(arn) => IacPolicyHome::Key {
                key_arn: arn.to_string(),
            },
        }
    }
}

/// The fix for denied actions, in the order that matters: an explicit Deny
/// must go (no grant can beat it); then a permissions boundary must widen,
/// by the statements `allow` gives for the actions; then `grant` proposes
/// what allows the actions nothing allows.
pub fn fix_denials(
    verdict: Verdict,
    caller: &Caller<'_>,
    decisions: &[(&str, Decision)],
    resource_policy: Option<&ResourcePolicy<'_>>,
    allow: impl Fn(&[&str]) -> Vec<Value>,
    grant: impl FnOnce(Verdict, &[&str]) -> Verdict,
) -> Verdict {
    let denies = explicit_denies(decisions);
    if !denies.is_empty() {
        return remove_denies(verdict, caller, &denies, resource_policy);
    }
    let bounded = missing(decisions, |m| matches!(m, Missing::Boundary(_)));
    if !bounded.is_empty() {
        return widen_boundary(verdict, caller, &bounded, allow(&bounded));
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

/// The boundary that blocks `actions`: a new default version of it with
/// `statements` added, every other statement kept.
fn widen_boundary(
    verdict: Verdict,
    caller: &Caller<'_>,
    actions: &[&str],
    statements: Vec<Value>,
) -> Verdict {
    let Some(boundary) = &caller.role.permissions_boundary else {
        return verdict;
    };
    let summary = format!(
        "The role's policies allow {}, but its permissions boundary ({}) does not: allow them in the boundary too, as a new default version of it with every other statement kept (a policy keeps five versions: delete an old one first if it has five).",
        actions.join(", "),
        boundary.name
    );
    let Some(arn) = &boundary.arn else {
        return verdict.fix(summary, Vec::new());
    };
    let document = crate::policy::with_statements(&boundary.document, &statements);
    verdict
        .fix(summary, vec![new_policy_version(arn, &document)])
        .change(Change::Policy {
            home: IacPolicyHome::Managed {
                policy_arn: arn.clone(),
            },
            document,
        })
}

/// `aws iam create-policy-version ... --set-as-default`: a managed policy
/// changed in place, for every role it is attached to.
fn new_policy_version(policy_arn: &str, document: &Value) -> String {
    aws(
        "iam",
        "create-policy-version",
        &[
            "--policy-arn",
            policy_arn,
            "--policy-document",
            &document.to_string(),
            "--set-as-default",
        ],
        None,
    )
}

/// The fix for statements that deny outright: each policy written back
/// without them, everything else kept, with what else they denied.
fn remove_denies(
    verdict: Verdict,
    caller: &Caller<'_>,
    denies: &[iam::StatementRef],
    resource_policy: Option<&ResourcePolicy<'_>>,
) -> Verdict {
    let mut commands = Vec::new();
    // The policies written back, for their IaC forms; one left with no
    // statement is deleted instead, which in a template is its resource
    // removed: the summary names it.
    let mut rewrites = Vec::new();
    let mut also = Vec::new();
    let mut policies = denies.iter().map(|d| d.policy.as_str()).collect::<Vec<_>>();
    policies.dedup();
    for policy in policies {
        let labels = denies
            .iter()
            .filter(|d| d.policy == policy)
            .map(|d| d.statement.as_str())
            .collect::<Vec<_>>();
        let home = caller
            .role
            .policies
            .iter()
            .chain(caller.role.permissions_boundary.as_ref())
            .find(|p| p.name == policy);
        let document = match (home, resource_policy) {
            (Some(named), _) => &named.document,
            (None, Some(resource)) if resource.name == policy => resource.document,
            _ => continue,
        };
        for label in &labels {
            for statement in crate::policy::statements_labelled(document, label) {
                also.push(format!(
                    "{label} of {policy} denies {}",
                    what_it_covers(statement)
                ));
            }
        }
        let rewritten = crate::policy::without_statements(document, &labels);
        // A policy with no statement left is not valid: it goes instead.
        let emptied = rewritten["Statement"].as_array().is_some_and(Vec::is_empty);
        let (command, written) = match (home, resource_policy, emptied) {
            (Some(named), _, true) => (remove_role_policy(caller, named), None),
            (Some(named), _, false) => match &named.arn {
                Some(arn) => (
                    new_policy_version(arn, &rewritten),
                    Some(IacPolicyHome::Managed {
                        policy_arn: arn.clone(),
                    }),
                ),
                None => (
                    rewrite_inline_policy(caller, &named.name, &rewritten),
                    Some(IacPolicyHome::RoleInline {
                        role_name: caller.role.name.clone(),
                        policy_name: inline_name(&named.name).to_string(),
                    }),
                ),
            },
            (None, Some(resource), emptied) => (
                rewrite_resource_policy(&resource.home, &rewritten, emptied),
                (!emptied).then(|| resource.home.for_iac()),
            ),
            (None, None, _) => continue,
        };
        commands.push(command);
        rewrites.extend(written.map(|home| Change::Policy {
            home,
            document: rewritten,
        }));
    }
    let refs = denies.iter().map(ToString::to_string).collect::<Vec<_>>();
    let verdict = verdict.fix(
        format!(
            "Remove {}: an explicit Deny wins over any Allow, so no grant can fix this. {}; if anything else relies on that, narrow the statement instead. The commands write each policy back without it, every other statement kept:",
            refs.join(" and "),
            if also.is_empty() {
                "Check what else it denies".to_string()
            } else {
                also.join("; ")
            }
        ),
        commands,
    );
    rewrites
        .into_iter()
        .fold(verdict, |verdict, change| verdict.change(change))
}

/// A statement's actions and resources, as they read in its JSON.
fn what_it_covers(statement: &Value) -> String {
    let part = |keys: [&str; 2]| {
        keys.iter()
            .find_map(|key| statement.get(*key).map(|v| format!("{key} {v}")))
            .unwrap_or_default()
    };
    format!(
        "{} on {}",
        part(["Action", "NotAction"]),
        part(["Resource", "NotResource"])
    )
}

/// `put-role-policy` under the inline policy's own name: the full document,
/// so it replaces the policy with itself minus what was removed.
fn rewrite_inline_policy(caller: &Caller<'_>, evidence_name: &str, document: &Value) -> String {
    let name = inline_name(evidence_name);
    aws(
        "iam",
        "put-role-policy",
        &[
            "--role-name",
            &caller.role.name,
            "--policy-name",
            name,
            "--policy-document",
            &document.to_string(),
        ],
        None,
    )
}

/// Takes a policy whose every statement goes off the role: an inline one is
/// deleted, a managed one detached from this role only.
fn remove_role_policy(caller: &Caller<'_>, policy: &crate::facts::NamedPolicy) -> String {
    match &policy.arn {
        Some(arn) => aws(
            "iam",
            "detach-role-policy",
            &["--role-name", &caller.role.name, "--policy-arn", arn],
            None,
        ),
        None => aws(
            "iam",
            "delete-role-policy",
            &[
                "--role-name",
                &caller.role.name,
                "--policy-name",
                inline_name(&policy.name),
            ],
            None,
        ),
    }
}

/// An inline policy's own name, from the evaluator's `inline policy <name>`.
fn inline_name(evidence_name: &str) -> &str {
    evidence_name
        .strip_prefix("inline policy ")
        .unwrap_or(evidence_name)
}

fn rewrite_resource_policy(home: &PolicyHome<'_>, document: &Value, emptied: bool) -> String {
    match home {
        PolicyHome::Secret(arn) if emptied => aws(
            "secretsmanager",
            "delete-resource-policy",
            &["--secret-id", arn],
            crate::arn::region(arn),
        ),
        PolicyHome::Secret(arn) => aws(
            "secretsmanager",
            "put-resource-policy",
            &[
                "--secret-id",
                arn,
                "--resource-policy",
                &document.to_string(),
            ],
            crate::arn::region(arn),
        ),
        PolicyHome::Key(arn) => aws(
            "kms",
            "put-key-policy",
            &[
                "--key-id",
                arn,
                "--policy-name",
                "default",
                "--policy",
                &document.to_string(),
            ],
            crate::arn::region(arn),
        ),
    }
}

/// The statements that deny outright (to remove rather than add to).
fn explicit_denies(decisions: &[(&str, Decision)]) -> Vec<iam::StatementRef> {
    let mut denies: Vec<iam::StatementRef> = Vec::new();
    for (_, decision) in decisions {
        if let Decision::ExplicitDeny(statement) = decision
            && !denies.contains(statement)
        {
            denies.push(statement.clone());
        }
    }
    denies
}
