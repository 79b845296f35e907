#![doc = include_str!("../../../../docs/checks/cloudtrail-denials.md")]

use std::collections::BTreeMap;

use serde_json::json;

use super::{CheckDef, Outcome, premise, reads};
use crate::facts::Facts;
use crate::finding::Verdict;

pub const CHECK: CheckDef = CheckDef {
    slug: "cloudtrail-denials",
    title: "CloudTrail shows no refused call by the rotation function",
    holds: r#"CloudTrail recorded no access-denied, unauthorized or KMS error for the rotation function's role session in the window; refusals are grouped by action and resource."#,
    explanation: include_str!("../../../../docs/checks/cloudtrail-denials.md"),
    reads: &[reads::SECRET, reads::FUNCTION, reads::TRAIL],
    run,
};

use crate::actions::cloudtrail::LOOKUP_EVENTS as LOOKUP;

fn run(facts: &Facts) -> Outcome {
    let function = premise::rotation_function(facts)?;
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
    for ((action, resource), (count, last, message)) in &groups {
        verdict = verdict.evidence(
            LOOKUP,
            format!(
                "{action} on {resource}: refused {count} time{}, last at {}: {message}",
                if *count == 1 { "" } else { "s" },
                last.strftime("%Y-%m-%d %H:%M UTC")
            ),
        );
        statements.push(json!({"Effect": "Allow", "Action": action, "Resource": resource}));
    }
    // The check that reads the policy behind the refusals.
    let deciding = if groups.keys().all(|(action, _)| action.starts_with("kms:")) {
        "kms-access"
    } else {
        "function-permissions"
    };
    Ok(verdict.points_to(deciding).fix(
        format!(
            "Each refused call needs a statement like these on the role (see function-permissions and kms-access for the exact grant): {}",
            serde_json::Value::Array(statements)
        ),
        Vec::new(),
    ))
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
    fn no_refusal_passes() {
        let mut facts = healthy();
        facts.denied_calls = Fact::Found(Vec::new());
        assert_eq!(CHECK.verdict(&facts).status, Status::Pass);
    }
}
