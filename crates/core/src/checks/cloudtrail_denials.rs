#![doc = include_str!("../../docs/checks/cloudtrail-denials.md")]

use std::collections::BTreeMap;

use serde_json::json;

use super::{CheckDef, Outcome, premise, reads};
use crate::actions::cloudtrail::LOOKUP_EVENTS as LOOKUP;
use jiff::Timestamp;

use crate::event::FAILURES;
use crate::facts::{Fact, Facts, SecretFacts, TrailEvent};
use crate::finding::{Cause, Verdict};

pub const CHECK: CheckDef = CheckDef {
    slug: "cloudtrail-denials",
    title: "CloudTrail shows no refused call by the rotation function",
    holds: r#"CloudTrail recorded no access-denied, unauthorized or KMS error for the rotation function's role session in the window; refusals are grouped by action and resource, each with the policy layer that refused it (a service or resource control policy, a permissions boundary, a VPC endpoint policy, the role's or the resource's policies) and who can change it."#,
    explanation: include_str!("../../docs/checks/cloudtrail-denials.md"),
    reads: &[reads::SECRET, reads::FUNCTION, reads::TRAIL],
    run,
};

/// Whether a secret's refused calls are worth a lookup: its rotation failed
/// in the window, is overdue, or its outcome is unknown. CloudTrail allows
/// two lookups a second per account and Region, so a scan spends them only
/// on the rotations in trouble.
pub fn refusals_worth_looking_up(
    secret: &SecretFacts,
    outcomes: &Fact<Vec<TrailEvent>>,
    now: Timestamp,
) -> bool {
    let overdue = secret.rotation_enabled && secret.next_rotation.is_some_and(|next| next < now);
    let failed = match outcomes {
        Fact::Found(events) => events.iter().any(|event| {
            FAILURES.contains(&event.name.as_str())
                && event.resource.as_deref() == Some(secret.arn.as_str())
        }),
        _ => true,
    };
    overdue || failed
}

fn run(facts: &Facts) -> Outcome {
    let function = premise::rotation_function(facts)?;
    if matches!(facts.denied_calls, Fact::NotCollected)
        && let Some(secret) = facts.secret.found()
        && !refusals_worth_looking_up(secret, &facts.rotation_events, facts.collected_at)
    {
        return Err(Verdict::skip(format!(
            "No failed or overdue rotation in the window: {}'s refused calls were not looked up",
            function.name
        )));
    }
    let Some(events) = premise::looked_up(&facts.denied_calls)? else {
        return Err(Verdict::skip("CloudTrail events were not looked up"));
    };
    // (action, resource) -> (count, last time, last message)
    let mut groups = BTreeMap::new();
    for event in events {
        let service = event.source.split('.').next().unwrap_or_default();
        let action = format!("{service}:{}", event.name);
        let resource = event.resource.clone().unwrap_or_else(|| "*".to_string());
        let entry = groups
            .entry((action, resource))
            .or_insert((0, event.time, String::new()));
        entry.0 += 1;
        entry.1 = event.time;
        entry.2 = event
            .error_message
            .clone()
            .or_else(|| event.error_code.clone())
            .unwrap_or_default();
    }
    if groups.is_empty() {
        return Ok(Verdict::pass(format!(
            "CloudTrail shows no refused call by {}",
            function.name
        ))
        .evidence(
            LOOKUP,
            format!(
                "no access-denied event whose caller is the {} session",
                function.name
            ),
        ));
    }
    let total: usize = groups.values().map(|(count, _, _)| count).sum();
    let mut verdict = Verdict::fail(format!(
        "CloudTrail shows {total} refused call{} by {}",
        if total == 1 { "" } else { "s" },
        function.name
    ));
    let mut statements = Vec::new();
    let mut layers = Vec::new();
    for ((action, resource), (count, last, message)) in &groups {
        let layer = Layer::of(message);
        verdict = verdict.evidence(
            LOOKUP,
            format!(
                "{action} on {resource}: refused {count} time{}, last at {}, {}: {message}",
                if *count == 1 { "" } else { "s" },
                last.strftime("%Y-%m-%d %H:%M UTC"),
                layer.describe()
            ),
        );
        if !layers.contains(&layer) {
            layers.push(layer);
        }
        statements.push(json!({"Effect": "Allow", "Action": action, "Resource": resource}));
    }
    let kms_only = groups.keys().all(|(action, _)| action.starts_with("kms:"));
    // The check that reads the policy behind the refusals; a layer no
    // check can read (an organization's policy) makes this a root cause.
    let deciding = match layers.as_slice() {
        [Layer::Organization(_)] => Cause::OutsideEveryCheck,
        [Layer::EndpointPolicy] => Cause::Check("endpoint-policy"),
        _ if kms_only => Cause::Check("kms-access"),
        _ => Cause::Check("function-permissions"),
    };
    let owners = layers
        .iter()
        .map(|layer| layer.remedy())
        .collect::<Vec<_>>()
        .join(" ");
    Ok(verdict.points_to(deciding).fix(
        format!(
            "{owners} Each refused call needs a statement like these: {}",
            serde_json::Value::Array(statements)
        ),
        Vec::new(),
    ))
}

/// The policy layer that refused a call, as CloudTrail's errorMessage names
/// it: "... with an explicit deny in a service control policy", "...
/// because no identity-based policy allows the ... action" (IAM user guide,
/// troubleshooting access denied error messages).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layer {
    /// A service or resource control policy, as the message names it.
    Organization(&'static str),
    Boundary,
    SessionPolicy,
    EndpointPolicy,
    ResourcePolicy,
    IdentityPolicy,
    /// The message names no layer (older events, KMS's own messages).
    Unnamed,
}

impl Layer {
    fn of(message: &str) -> Layer {
        let message = message.to_ascii_lowercase();
        [
            (
                "service control policy",
                Layer::Organization("a service control policy"),
            ),
            (
                "resource control policy",
                Layer::Organization("a resource control policy"),
            ),
            ("permissions boundary", Layer::Boundary),
            ("session policy", Layer::SessionPolicy),
            ("vpc endpoint policy", Layer::EndpointPolicy),
            ("resource-based policy", Layer::ResourcePolicy),
            ("identity-based policy", Layer::IdentityPolicy),
        ]
        .into_iter()
        .find(|(words, _)| message.contains(words))
        .map_or(Layer::Unnamed, |(_, layer)| layer)
    }

    fn describe(self) -> String {
        match self {
            Layer::Organization(policy) => format!("by {policy}"),
            Layer::Boundary => "by the role's permissions boundary".to_string(),
            Layer::SessionPolicy => "by a session policy".to_string(),
            Layer::EndpointPolicy => "by the VPC endpoint's policy".to_string(),
            Layer::ResourcePolicy => "by the resource's policy".to_string(),
            Layer::IdentityPolicy => "by the role's policies".to_string(),
            Layer::Unnamed => "by a policy the message does not name".to_string(),
        }
    }

    /// Who can lift the refusal, and where.
    fn remedy(self) -> &'static str {
        match self {
            Layer::Organization(_) => {
                "An organization's policy refused it: rotdoctor cannot read it from this account, and only the organization's administrators can change it; ask them to allow these calls for the rotation role."
            }
            Layer::Boundary => {
                "The role's permissions boundary refused it: allow the calls in the boundary (see function-permissions)."
            }
            Layer::SessionPolicy => {
                "A session policy refused it: Lambda's own session has none, so the calls came from a session someone else opened with the role."
            }
            Layer::EndpointPolicy => "The VPC endpoint's policy refused it (see endpoint-policy).",
            Layer::ResourcePolicy => {
                "The resource's own policy refused it: the secret's or the key's (see function-permissions and kms-access)."
            }
            Layer::IdentityPolicy | Layer::Unnamed => {
                "Grant them on the role (see function-permissions and kms-access for the exact grant)."
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testing::healthy;
    use crate::facts::{Fact, TrailEvent};
    use crate::finding::Status;

    #[test]
    fn refused_calls_fail_grouped_by_action_and_resource() {
        let mut facts = healthy();
        let denied = |time: &str| TrailEvent {
            time: time.parse().unwrap(),
            name: "Decrypt".to_string(),
            source: "kms.amazonaws.com".to_string(),
            error_code: Some("AccessDenied".to_string()),
            error_message: Some("not authorized to perform: kms:Decrypt".to_string()),
            resource: Some("arn:aws:kms:us-east-1:111122223333:key/abc".to_string()),
            caller: Some(
                "arn:aws:sts::111122223333:assumed-role/rotate-prod-db/rotate-prod-db".to_string(),
            ),
        };
        facts.denied_calls = Fact::Found(vec![
            denied("2026-11-24T02:00:00Z"),
            denied("2026-11-24T02:05:00Z"),
        ]);
        let verdict = CHECK.verdict(&facts);
        assert_eq!(verdict.status, Status::Fail);
        assert_eq!(
            verdict.summary,
            "CloudTrail shows 2 refused calls by rotate-prod-db"
        );
        assert!(verdict.evidence[0].observed.starts_with(
            "kms:Decrypt on arn:aws:kms:us-east-1:111122223333:key/abc: refused 2 times"
        ));
    }

    #[test]
    fn a_healthy_rotation_skips_the_lookup_and_says_so() {
        let mut facts = healthy();
        facts.denied_calls = Fact::NotCollected;
        facts.rotation_events = Fact::Found(Vec::new());
        let secret = facts.secret.found().unwrap().clone();
        assert!(!refusals_worth_looking_up(
            &secret,
            &facts.rotation_events,
            facts.collected_at
        ));
        let verdict = CHECK.verdict(&facts);
        assert_eq!(verdict.status, Status::Skip);
        assert!(
            verdict.summary.contains("not looked up"),
            "{}",
            verdict.summary
        );
    }

    #[test]
    fn a_failed_overdue_or_unknown_rotation_is_worth_a_lookup() {
        let facts = healthy();
        let mut secret = facts.secret.found().unwrap().clone();
        let now = facts.collected_at;
        let failed = Fact::Found(vec![TrailEvent {
            time: now,
            name: "RotationFailed".to_string(),
            source: "secretsmanager.amazonaws.com".to_string(),
            error_code: None,
            error_message: None,
            resource: Some(secret.arn.clone()),
            caller: None,
        }]);
        assert!(refusals_worth_looking_up(&secret, &failed, now));
        assert!(refusals_worth_looking_up(&secret, &Fact::NotCollected, now));
        secret.rotation_enabled = true;
        secret.next_rotation = Some(now - jiff::SignedDuration::from_hours(1));
        assert!(refusals_worth_looking_up(
            &secret,
            &Fact::Found(Vec::new()),
            now
        ));
    }

    #[test]
    fn no_refusal_passes() {
        let mut facts = healthy();
        facts.denied_calls = Fact::Found(Vec::new());
        assert_eq!(CHECK.verdict(&facts).status, Status::Pass);
    }

    /// The layer CloudTrail names decides who can fix it: an organization's
    /// policy is a root cause of its own, outside every check.
    #[test]
    fn refusals_name_the_policy_layer_that_refused_them() {
        let cases = [
            (
                "User: arn:aws:sts::1:assumed-role/r/f is not authorized to perform: secretsmanager:PutSecretValue on resource: x with an explicit deny in a service control policy",
                "by a service control policy",
            ),
            (
                "... with an explicit deny in a resource control policy",
                "by a resource control policy",
            ),
            (
                "... because no permissions boundary allows the secretsmanager:PutSecretValue action",
                "by the role's permissions boundary",
            ),
            (
                "... with an explicit deny in a VPC endpoint policy",
                "by the VPC endpoint's policy",
            ),
            (
                "... because no identity-based policy allows the secretsmanager:PutSecretValue action",
                "by the role's policies",
            ),
        ];
        for (message, described) in cases {
            assert_eq!(Layer::of(message).describe(), described, "{message}");
        }
        let mut facts = healthy();
        facts.denied_calls = Fact::Found(vec![TrailEvent {
            time: "2026-11-24T02:00:00Z".parse().unwrap(),
            name: "PutSecretValue".to_string(),
            source: "secretsmanager.amazonaws.com".to_string(),
            error_code: Some("AccessDenied".to_string()),
            error_message: Some(cases[0].0.to_string()),
            resource: Some("arn:aws:secretsmanager:us-east-1:111122223333:secret:x".to_string()),
            caller: None,
        }]);
        let verdict = CHECK.verdict(&facts);
        assert_eq!(verdict.points_to, Some(Cause::OutsideEveryCheck));
        assert!(
            verdict
                .fix
                .unwrap()
                .summary
                .contains("organization's administrators")
        );
    }
}
