//! May a role do one action on one resource? IAM's evaluation logic for a
//! request within one account, over every policy rotdoctor gathered.
//!
//! 1. An explicit `Deny` that applies, in any policy, decides.
//! 2. Otherwise an `Allow` is needed: from the role's identity policies, or
//!    from the resource's policy naming the role.
//! 3. A permissions boundary must also allow, except for a resource-policy
//!    grant to the role's session.
//! 4. A KMS key policy must allow the role itself, or delegate to the account
//!    (its root principal) so that the identity policies decide.
//!
//! An answer that rests on a condition rotdoctor cannot evaluate is
//! `Undecided`, naming it: never `Allowed`.
//! See: <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html>
//! and <https://docs.aws.amazon.com/kms/latest/developerguide/determining-access.html>
//! (statement-level matching is in [`crate::policy`]).

use std::fmt;

use serde_json::Value;

use crate::actions::iam::GET_POLICY_VERSION as GET_VERSION;
use crate::actions::iam::GET_ROLE_POLICY as ROLE_POLICY;
use crate::actions::kms::GET_KEY_POLICY as KEY_POLICY;
use crate::actions::secretsmanager::GET_RESOURCE_POLICY as RESOURCE_POLICY;
use crate::facts::NamedPolicy;
use crate::policy::{self, Applies, Effect, Principal, PrincipalMatch, Request, StatementVerdict};

/// Every policy that has a say in one request.
#[derive(Debug, Clone, Copy)]
pub struct Policies<'a> {
    /// The role's inline and managed policies.
    pub identity: &'a [NamedPolicy],
    pub boundary: Option<&'a NamedPolicy>,
    /// The resource's own policy (a secret's resource policy) and its name.
    pub resource: Option<(&'a str, &'a Value)>,
    /// A KMS key policy, which must grant or delegate.
    pub key: Option<(&'a str, &'a Value)>,
}

/// A statement, named so a user can find it: `statement X of inline policy Y`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementRef {
    pub policy: String,
    pub statement: String,
    /// The call its policy came from, e.g. `iam:GetRolePolicy`.
    pub source: &'static str,
}

impl fmt::Display for StatementRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} of {}", self.statement, self.policy)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Allowed(StatementRef),
    ExplicitDeny(StatementRef),
    /// Nothing allows it.
    ImplicitDeny(Missing),
    /// It depends on a condition rotdoctor cannot evaluate: of the statement
    /// that would allow it, or (`denies`) of one that would deny it.
    Undecided {
        statement: StatementRef,
        condition: String,
        denies: bool,
    },
}

/// Why nothing allows a request: what a fix has to change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Missing {
    /// No policy of the role allows it, nor the resource's policy (named) if any.
    Grant { resource_policy: Option<String> },
    /// A policy of the role allows it, but its permissions boundary (named) does not.
    Boundary(String),
    /// The key policy (named) neither allows the role nor delegates to IAM policies.
    KeyPolicy(String),
    /// The key policy (named) delegates to IAM policies, and none of the role's allows it.
    GrantUnderKey(String),
}

impl Missing {
    /// The call whose policies show it.
    pub fn source(&self) -> &'static str {
        match self {
            Missing::Grant { .. } | Missing::GrantUnderKey(_) => ROLE_POLICY,
            Missing::Boundary(_) => GET_VERSION,
            Missing::KeyPolicy(_) => KEY_POLICY,
        }
    }
}

impl fmt::Display for Missing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Missing::Grant {
                resource_policy: Some(name),
            } => {
                write!(f, "no policy of the role allows it, nor does the {name}")
            }
            Missing::Grant {
                resource_policy: None,
            } => write!(f, "no policy of the role allows it"),
            Missing::Boundary(name) => {
                write!(f, "the permissions boundary {name} does not allow it")
            }
            Missing::KeyPolicy(key) => {
                write!(
                    f,
                    "the {key} neither allows the role nor lets IAM policies allow it"
                )
            }
            Missing::GrantUnderKey(key) => {
                write!(
                    f,
                    "the {key} leaves it to IAM policies, and no policy of the role allows it"
                )
            }
        }
    }
}

/// Where a policy stands in the evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Identity,
    Boundary,
    Resource,
    Key,
}

/// One statement's verdict, with the policy it belongs to.
struct Judged {
    kind: Kind,
    reference: StatementRef,
    verdict: StatementVerdict,
}

/// Three-valued: a statement grants, might grant (on a condition), or nothing does.
#[derive(Debug, Clone)]
enum Tri {
    Yes(StatementRef),
    Maybe(StatementRef, String),
    No,
}

impl Tri {
    fn and(self, other: Tri) -> Tri {
        match (self, other) {
            (Tri::No, _) | (_, Tri::No) => Tri::No,
            (Tri::Maybe(s, c), _) | (_, Tri::Maybe(s, c)) => Tri::Maybe(s, c),
            (yes, Tri::Yes(_)) => yes,
        }
    }

    fn or(self, other: Tri) -> Tri {
        match (self, other) {
            (yes @ Tri::Yes(_), _) | (_, yes @ Tri::Yes(_)) => yes,
            (maybe @ Tri::Maybe(..), _) | (_, maybe @ Tri::Maybe(..)) => maybe,
            _ => Tri::No,
        }
    }
}

/// A Lambda function's role session, as the request context knows it.
pub struct Session<'a> {
    pub role_arn: &'a str,
    pub account: &'a str,
    pub function_arn: &'a str,
    pub resource: &'a str,
    /// The request is made through an AWS service (KMS, via Secrets Manager).
    pub via_service: bool,
}

/// The global condition keys whose value is known for a Lambda function's
/// role session calling AWS (IAM global condition context keys): TLS always
/// (the SDK calls over HTTPS), the principal, the function ("Lambda injects
/// the source function ARN into the credentials context"), the resource's
/// account, and no source account or ARN (present only when a service calls
/// on a resource's behalf). `None` is a key the request does not carry.
pub fn session_keys(session: &Session<'_>) -> Vec<(&'static str, Option<String>)> {
    let mut keys = vec![
        ("aws:principalarn", Some(session.role_arn.to_string())),
        ("aws:principalaccount", Some(session.account.to_string())),
        ("aws:principaltype", Some("AssumedRole".to_string())),
        ("aws:securetransport", Some("true".to_string())),
        ("aws:viaawsservice", Some(session.via_service.to_string())),
        (
            "lambda:sourcefunctionarn",
            Some(session.function_arn.to_string()),
        ),
        ("aws:sourceaccount", None),
        ("aws:sourcearn", None),
    ];
    if let Some(account) = crate::arn::account(session.resource).filter(|a| !a.is_empty()) {
        keys.push(("aws:resourceaccount", Some(account.to_string())));
    }
    keys
}

/// Decides `request` (whose principal is the role) against `policies`.
pub fn authorize(request: &Request<'_>, policies: &Policies<'_>) -> Decision {
    let judged = judge_all(request, policies);
    let find = |kind: Kind, effect: Effect, principal: &[PrincipalMatch]| {
        let matching = |applies: fn(&Applies) -> bool| {
            judged.iter().find(|j| {
                j.kind == kind
                    && j.verdict.effect == effect
                    && principal.contains(&j.verdict.principal)
                    && applies(&j.verdict.applies)
            })
        };
        if let Some(yes) = matching(|a| matches!(a, Applies::Yes)) {
            return Tri::Yes(yes.reference.clone());
        }
        match matching(|a| matches!(a, Applies::Undecided(_))) {
            Some(maybe) => Tri::Maybe(maybe.reference.clone(), undecided(&maybe.verdict)),
            None => Tri::No,
        }
    };
    use PrincipalMatch::{Account, Named, Session};
    let any = [Named, Session, Account];

    // 1. An explicit deny anywhere decides.
    let deny = [Kind::Identity, Kind::Boundary, Kind::Resource, Kind::Key]
        .into_iter()
        .map(|kind| find(kind, Effect::Deny, &any))
        .fold(Tri::No, Tri::or);
    if let Tri::Yes(statement) = deny {
        return Decision::ExplicitDeny(statement);
    }

    // 2–4. The ways an allow can come about.
    let boundary = policies
        .boundary
        .map(|_| find(Kind::Boundary, Effect::Allow, &[Named]));
    let bounded = |grant: Tri| match &boundary {
        Some(boundary) => grant.and(boundary.clone()),
        None => grant,
    };
    let identity = bounded(find(Kind::Identity, Effect::Allow, &[Named]));
    let grant = if policies.key.is_some() {
        let direct = find(Kind::Key, Effect::Allow, &[Session]).or(bounded(find(
            Kind::Key,
            Effect::Allow,
            &[Named],
        )));
        let delegated = identity
            .clone()
            .and(find(Kind::Key, Effect::Allow, &[Account]));
        direct.or(delegated)
    } else {
        let resource = find(Kind::Resource, Effect::Allow, &[Session]).or(bounded(find(
            Kind::Resource,
            Effect::Allow,
            &[Named],
        )));
        identity.clone().or(resource)
    };

    match (grant, deny) {
        (Tri::Yes(_), Tri::Maybe(statement, condition)) => Decision::Undecided {
            statement,
            condition,
            denies: true,
        },
        (Tri::Yes(statement), _) => Decision::Allowed(statement),
        (Tri::Maybe(statement, condition), _) => Decision::Undecided {
            statement,
            condition,
            denies: false,
        },
        (Tri::No, _) => Decision::ImplicitDeny(why_not(policies, &judged, &boundary, &identity)),
    }
}

fn undecided(verdict: &StatementVerdict) -> String {
    match &verdict.applies {
        Applies::Undecided(condition) => condition.clone(),
        _ => String::new(),
    }
}

/// Why nothing allows the request, naming the policy that would have to.
fn why_not(
    policies: &Policies<'_>,
    judged: &[Judged],
    boundary: &Option<Tri>,
    identity: &Tri,
) -> Missing {
    let identity_allows = judged.iter().any(|j| {
        j.kind == Kind::Identity
            && j.verdict.effect == Effect::Allow
            && j.verdict.applies == Applies::Yes
    });
    if let (true, Some(Tri::No), Some(named)) = (identity_allows, boundary, policies.boundary) {
        return Missing::Boundary(named.name.clone());
    }
    if let Some((key, _)) = policies.key {
        let delegates = judged.iter().any(|j| {
            j.kind == Kind::Key
                && j.verdict.principal == PrincipalMatch::Account
                && j.verdict.effect == Effect::Allow
        });
        if !delegates {
            return Missing::KeyPolicy(key.to_string());
        }
        if matches!(identity, Tri::No) {
            return Missing::GrantUnderKey(key.to_string());
        }
    }
    Missing::Grant {
        resource_policy: policies.resource.map(|(name, _)| name.to_string()),
    }
}

fn judge_all(request: &Request<'_>, policies: &Policies<'_>) -> Vec<Judged> {
    let own = Request {
        principal: Principal::PolicyOwner,
        ..request.clone()
    };
    let mut judged = Vec::new();
    let mut add =
        |kind: Kind, name: &str, source: &'static str, document: &Value, request: &Request<'_>| {
            for verdict in policy::evaluate(document, request) {
                judged.push(Judged {
                    kind,
                    reference: StatementRef {
                        policy: name.to_string(),
                        statement: verdict.label.clone(),
                        source,
                    },
                    verdict,
                });
            }
        };
    for named in policies.identity {
        let source = if named.arn.is_some() {
            GET_VERSION
        } else {
            ROLE_POLICY
        };
        add(Kind::Identity, &named.name, source, &named.document, &own);
    }
    if let Some(boundary) = policies.boundary {
        let name = format!("permissions boundary {}", boundary.name);
        add(Kind::Boundary, &name, GET_VERSION, &boundary.document, &own);
    }
    if let Some((name, document)) = policies.resource {
        add(Kind::Resource, name, RESOURCE_POLICY, document, request);
    }
    if let Some((name, document)) = policies.key {
        add(Kind::Key, name, KEY_POLICY, document, request);
    }
    judged
}

#[cfg(test)]
mod tests {
    //! Cases from IAM's documented evaluation logic; each names its source.
    use super::*;
    use serde_json::json;
    use std::collections::BTreeMap;

    const ROLE: &str = "arn:aws:iam::111122223333:role/rotation";
    const SESSION: &str = "arn:aws:sts::111122223333:assumed-role/rotation/rotate-db";
    const SECRET: &str = "arn:aws:secretsmanager:us-east-1:111122223333:secret:db-AbCdEf";
    const KEY: &str = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

    fn request(action: &'static str, resource: &'static str) -> Request<'static> {
        Request {
            principal: Principal::Role {
                arn: ROLE,
                session_arn: SESSION,
                account: "111122223333",
            },
            action,
            resource,
            context: BTreeMap::from([
                ("aws:principalarn".to_string(), Some(ROLE.to_string())),
                (
                    "kms:viaservice".to_string(),
                    Some("secretsmanager.us-east-1.amazonaws.com".to_string()),
                ),
                (
                    "kms:encryptioncontext:secretarn".to_string(),
                    Some(SECRET.to_string()),
                ),
            ]),
        }
    }

    fn policy(name: &str, statements: Value) -> NamedPolicy {
        NamedPolicy {
            name: name.to_string(),
            arn: None,
            document: json!({"Version": "2012-10-17", "Statement": statements}),
        }
    }

    fn allow_get() -> NamedPolicy {
        policy(
            "inline policy rotation",
            json!([{
                "Sid": "Read", "Effect": "Allow",
                "Action": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
                "Resource": SECRET
            }]),
        )
    }

    fn decide(
        identity: &[NamedPolicy],
        boundary: Option<&NamedPolicy>,
        resource: Option<&Value>,
    ) -> Decision {
        let policies = Policies {
            identity,
            boundary,
            resource: resource.map(|document| ("secret's resource policy", document)),
            key: None,
        };
        authorize(&request("secretsmanager:GetSecretValue", SECRET), &policies)
    }

    fn allowed_by(statement: &str, policy: &str) -> Decision {
        let source = match policy {
            "key policy" => KEY_POLICY,
            "secret's resource policy" => RESOURCE_POLICY,
            _ => ROLE_POLICY,
        };
        Decision::Allowed(StatementRef {
            policy: policy.to_string(),
            statement: statement.to_string(),
            source,
        })
    }

    fn why(decision: Decision) -> String {
        match decision {
            Decision::ImplicitDeny(missing) => missing.to_string(),
            other => panic!("not an implicit deny: {other:?}"),
        }
    }

    #[test]
    fn identity_allow_grants() {
        // "Identity-based policies": an allow in an identity policy grants within the account.
        assert_eq!(
            decide(&[allow_get()], None, None),
            allowed_by("statement Read", "inline policy rotation")
        );
    }

    #[test]
    fn no_allow_is_an_implicit_deny() {
        // "By default, all requests are implicitly denied."
        let other = policy(
            "managed policy logs",
            json!([{"Effect": "Allow", "Action": "logs:*", "Resource": "*"}]),
        );
        assert_eq!(
            why(decide(&[other], None, None)),
            "no policy of the role allows it"
        );
    }

    #[test]
    fn explicit_deny_wins_over_any_allow() {
        // "An explicit deny in any policy overrides any allows."
        let deny = policy(
            "managed policy guard",
            json!([{"Sid": "NoSecrets", "Effect": "Deny", "Action": "secretsmanager:*", "Resource": "*"}]),
        );
        assert_eq!(
            decide(&[allow_get(), deny], None, None),
            Decision::ExplicitDeny(StatementRef {
                policy: "managed policy guard".into(),
                statement: "statement NoSecrets".into(),
                source: ROLE_POLICY,
            })
        );
    }

    #[test]
    fn not_action_and_not_resource() {
        // "NotAction" / "NotResource": match everything except what is listed.
        let not_action = policy(
            "inline policy broad",
            json!([{"Sid": "All", "Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]),
        );
        assert!(matches!(
            decide(&[not_action], None, None),
            Decision::Allowed(_)
        ));
        let not_resource = policy(
            "inline policy others",
            json!([{"Effect": "Allow", "Action": "secretsmanager:*", "NotResource": SECRET}]),
        );
        assert!(matches!(
            decide(&[not_resource], None, None),
            Decision::ImplicitDeny(_)
        ));
    }

    #[test]
    fn a_deny_in_the_resource_policy_wins() {
        // "Resource-based policies": an explicit deny in them applies to the role too.
        let resource = json!({"Statement": [{"Sid": "Lock", "Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]});
        assert!(matches!(
            decide(&[allow_get()], None, Some(&resource)),
            Decision::ExplicitDeny(_)
        ));
    }

    #[test]
    fn a_resource_policy_alone_can_grant_within_the_account() {
        // "Resource-based policies ... within the same account": an allow for the role's ARN grants.
        let resource = json!({"Statement": [{"Sid": "Rotation", "Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]});
        assert_eq!(
            decide(&[], None, Some(&resource)),
            allowed_by("statement Rotation", "secret's resource policy")
        );
        // Naming the account only delegates to IAM policies: it grants nothing by itself.
        let account = json!({"Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "*", "Resource": "*"}]});
        assert!(matches!(
            decide(&[], None, Some(&account)),
            Decision::ImplicitDeny(_)
        ));
    }

    #[test]
    fn a_permissions_boundary_must_also_allow() {
        // "Permissions boundaries": the effective permissions are the intersection with identity policies.
        let logs_only = policy(
            "managed policy boundary",
            json!([{"Effect": "Allow", "Action": "logs:*", "Resource": "*"}]),
        );
        assert_eq!(
            why(decide(&[allow_get()], Some(&logs_only), None)),
            "the permissions boundary managed policy boundary does not allow it"
        );
        let wide = policy(
            "managed policy boundary",
            json!([{"Effect": "Allow", "Action": "*", "Resource": "*"}]),
        );
        assert!(matches!(
            decide(&[allow_get()], Some(&wide), None),
            Decision::Allowed(_)
        ));
        // A grant to the role's session in a resource policy is not limited by the boundary.
        let session = json!({"Statement": [{"Sid": "S", "Effect": "Allow", "Principal": {"AWS": SESSION}, "Action": "secretsmanager:*", "Resource": "*"}]});
        assert!(matches!(
            decide(&[], Some(&logs_only), Some(&session)),
            Decision::Allowed(_)
        ));
    }

    #[test]
    fn conditions_rotdoctor_cannot_evaluate_leave_it_undecided() {
        let conditional = policy(
            "inline policy rotation",
            json!([{
                "Sid": "FromVpc", "Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": SECRET,
                "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}
            }]),
        );
        assert_eq!(
            decide(&[conditional], None, None),
            Decision::Undecided {
                statement: StatementRef {
                    policy: "inline policy rotation".into(),
                    statement: "statement FromVpc".into(),
                    source: ROLE_POLICY,
                },
                condition: "condition StringEquals aws:SourceVpce".into(),
                denies: false,
            }
        );
        // ... and so does a deny that might apply to an allowed request.
        let maybe_deny = policy(
            "managed policy guard",
            json!([{
                "Sid": "OffHours", "Effect": "Deny", "Action": "*", "Resource": "*",
                "Condition": {"DateGreaterThan": {"aws:CurrentTime": "2026-01-01T00:00:00Z"}}
            }]),
        );
        assert!(matches!(
            decide(&[allow_get(), maybe_deny], None, None),
            Decision::Undecided { denies: true, .. }
        ));
    }

    fn secret_policy(statement: Value) -> Value {
        json!({"Version": "2012-10-17", "Statement": [statement]})
    }

    /// "Each of the six colon-delimited components of the ARN is checked
    /// separately and each can include multi-character match wildcards (*)
    /// or single-character match wildcards (?)": ArnEquals too (IAM JSON
    /// policy elements: condition operators, ARN condition operators).
    #[test]
    fn arn_operators_take_wildcards_component_by_component() {
        let with = |operator: &str, pattern: &str| {
            let conditional = policy(
                "inline policy rotation",
                json!([{"Sid": "Read", "Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "*",
                        "Condition": {operator: {"aws:PrincipalArn": pattern}}}]),
            );
            decide(&[conditional], None, None)
        };
        assert!(matches!(
            with("ArnEquals", "arn:aws:iam::*:role/rot*"),
            Decision::Allowed(_)
        ));
        assert!(matches!(
            with("ArnLike", "arn:aws:iam::111122223333:role/?otation"),
            Decision::Allowed(_)
        ));
        // A `*` in the account component does not reach into the resource.
        assert!(matches!(
            with("ArnLike", "arn:aws:iam::*"),
            Decision::ImplicitDeny(_)
        ));
        assert!(matches!(
            with("ArnNotEquals", "arn:aws:iam::*:role/other"),
            Decision::Allowed(_)
        ));
    }

    /// "Permissions boundaries and session policies do not limit permissions
    /// granted using the aws:PrincipalArn condition key with a wildcard(*)
    /// in the Principal element" (policy evaluation logic).
    #[test]
    fn a_boundary_does_not_cap_a_principal_arn_grant_in_a_resource_policy() {
        let logs_only = policy(
            "managed policy boundary",
            json!([{"Effect": "Allow", "Action": "logs:*", "Resource": "*"}]),
        );
        let by_arn = secret_policy(json!({"Sid": "ByArn", "Effect": "Allow", "Principal": "*",
            "Action": "secretsmanager:GetSecretValue", "Resource": "*",
            "Condition": {"ArnEquals": {"aws:PrincipalArn": ROLE}}}));
        assert!(matches!(
            decide(&[], Some(&logs_only), Some(&by_arn)),
            Decision::Allowed(_)
        ));
        // A grant to the role by name is capped.
        let by_name = secret_policy(
            json!({"Sid": "ByName", "Effect": "Allow", "Principal": {"AWS": ROLE},
            "Action": "secretsmanager:GetSecretValue", "Resource": "*"}),
        );
        assert!(matches!(
            decide(&[], Some(&logs_only), Some(&by_name)),
            Decision::ImplicitDeny(_)
        ));
    }

    /// NotPrincipal with Deny "will always deny any IAM principal that has a
    /// permissions boundary" unless listed; a session is spared only when the
    /// session, the role and the account are all named (IAM JSON policy
    /// elements: NotPrincipal).
    #[test]
    fn not_principal_with_deny_spares_only_a_fully_named_session() {
        let deny_others = |names: Value| {
            secret_policy(
                json!({"Sid": "OnlyRotation", "Effect": "Deny", "NotPrincipal": {"AWS": names},
                "Action": "secretsmanager:*", "Resource": "*"}),
            )
        };
        let spared = deny_others(json!([SESSION, ROLE, "arn:aws:iam::111122223333:root"]));
        assert!(matches!(
            decide(&[allow_get()], None, Some(&spared)),
            Decision::Allowed(_)
        ));
        let role_only = deny_others(json!([ROLE]));
        assert!(matches!(
            decide(&[allow_get()], None, Some(&role_only)),
            Decision::ExplicitDeny(_)
        ));
    }

    /// Keys whose value is known for a Lambda role session: the common
    /// "deny unless TLS" statement and a missing aws:SourceAccount decide,
    /// they do not warn (IAM global condition context keys).
    #[test]
    fn known_keys_decide_and_absent_keys_are_absent() {
        let mut context = request("secretsmanager:GetSecretValue", SECRET).context;
        context.insert("aws:securetransport".into(), Some("true".into()));
        context.insert("aws:sourceaccount".into(), None);
        let with_context = |policies: &[NamedPolicy], resource: Option<&Value>| {
            let policies = Policies {
                identity: policies,
                boundary: None,
                resource: resource.map(|r| ("secret's resource policy", r)),
                key: None,
            };
            authorize(
                &Request {
                    context: context.clone(),
                    ..request("secretsmanager:GetSecretValue", SECRET)
                },
                &policies,
            )
        };
        let deny_plain_http =
            secret_policy(json!({"Sid": "TlsOnly", "Effect": "Deny", "Principal": "*",
            "Action": "secretsmanager:*", "Resource": "*",
            "Condition": {"Bool": {"aws:SecureTransport": "false"}}}));
        assert!(matches!(
            with_context(&[allow_get()], Some(&deny_plain_http)),
            Decision::Allowed(_)
        ));
        let needs_source = policy(
            "inline policy rotation",
            json!([{"Sid": "Src", "Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "*",
                    "Condition": {"StringEquals": {"aws:SourceAccount": "111122223333"}}}]),
        );
        assert!(matches!(
            with_context(&[needs_source], None),
            Decision::ImplicitDeny(_)
        ));
        let null_source = policy(
            "inline policy rotation",
            json!([{"Sid": "NoSrc", "Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "*",
                    "Condition": {"Null": {"aws:SourceAccount": "true"}}}]),
        );
        assert!(matches!(
            with_context(&[null_source], None),
            Decision::Allowed(_)
        ));
    }

    /// "If the * wildcard is the last character of a resource ARN segment,
    /// it can expand to match beyond the colon boundaries" (IAM JSON policy
    /// elements: Resource); a name without the secret's six-character
    /// suffix matches nothing.
    #[test]
    fn a_star_ending_a_segment_reaches_past_the_colon() {
        let on = |resource: &str| {
            policy(
                "inline policy rotation",
                json!([{"Sid": "Read", "Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": resource}]),
            )
        };
        let ask = |resource: &str| decide(&[on(resource)], None, None);
        assert!(matches!(
            ask("arn:aws:secretsmanager:us-east-1:111122223333:*"),
            Decision::Allowed(_)
        ));
        assert!(matches!(
            ask("arn:aws:secretsmanager:us-east-1:111122223333:secret:db-??????"),
            Decision::Allowed(_)
        ));
        assert!(matches!(
            ask("arn:aws:secretsmanager:us-east-1:111122223333:secret:db"),
            Decision::ImplicitDeny(_)
        ));
    }

    /// GetRandomPassword has no resource type and no condition keys (Service
    /// Authorization Reference): a condition on a secret's key is absent
    /// there, so it does not match, and its negation does.
    #[test]
    fn an_action_with_no_resource_has_none_of_the_secrets_keys() {
        let mut context = BTreeMap::new();
        context.insert("secretsmanager:*".to_string(), None);
        context.insert("aws:resourcetag/*".to_string(), None);
        let on = |condition: Value| {
            let statement = policy(
                "inline policy rotation",
                json!([{"Sid": "Pw", "Effect": "Allow", "Action": "secretsmanager:GetRandomPassword", "Resource": "*",
                        "Condition": condition}]),
            );
            authorize(
                &Request {
                    context: context.clone(),
                    ..request("secretsmanager:GetRandomPassword", "*")
                },
                &Policies {
                    identity: &[statement],
                    boundary: None,
                    resource: None,
                    key: None,
                },
            )
        };
        assert!(matches!(
            on(json!({"StringEquals": {"secretsmanager:SecretId": SECRET}})),
            Decision::ImplicitDeny(_)
        ));
        assert!(matches!(
            on(json!({"StringNotEquals": {"aws:ResourceTag/team": "x"}})),
            Decision::Allowed(_)
        ));
    }

    fn decide_kms(identity: &[NamedPolicy], key_policy: Value) -> Decision {
        let policies = Policies {
            identity,
            boundary: None,
            resource: None,
            key: Some(("key policy", &key_policy)),
        };
        authorize(&request("kms:Decrypt", KEY), &policies)
    }

    #[test]
    fn kms_needs_the_key_policy_to_allow_or_delegate() {
        // KMS "Determining access": the key policy must allow the principal, or
        // allow the account so that IAM policies can.
        let decrypt = policy(
            "inline policy kms",
            json!([{
                "Sid": "Decrypt", "Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": KEY,
                "Condition": {"StringEquals": {"kms:ViaService": "secretsmanager.us-east-1.amazonaws.com"}}
            }]),
        );
        let delegating = json!({"Statement": [{"Sid": "Enable IAM User Permissions", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"}]});
        assert_eq!(
            decide_kms(std::slice::from_ref(&decrypt), delegating.clone()),
            allowed_by("statement Decrypt", "inline policy kms")
        );
        assert_eq!(
            why(decide_kms(&[], delegating)),
            "the key policy leaves it to IAM policies, and no policy of the role allows it"
        );
        let admins_only = json!({"Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/admin"}, "Action": "kms:*", "Resource": "*"}]});
        assert_eq!(
            why(decide_kms(&[decrypt], admins_only)),
            "the key policy neither allows the role nor lets IAM policies allow it"
        );
        let direct = json!({"Statement": [{"Sid": "Rotation", "Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": "kms:Decrypt", "Resource": "*"}]});
        assert_eq!(
            decide_kms(&[], direct),
            allowed_by("statement Rotation", "key policy")
        );
    }
}
