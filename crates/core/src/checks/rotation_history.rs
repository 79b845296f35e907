#![doc = include_str!("../../docs/checks/rotation-history.md")]

use super::{CheckDef, Outcome, premise, reads};
use crate::actions::cloudtrail::LOOKUP_EVENTS as LOOKUP;
use crate::facts::{Facts, TrailEvent};
use crate::finding::Verdict;

pub const CHECK: CheckDef = CheckDef {
    slug: "rotation-history",
    title: "The last rotation attempt succeeded",
    holds: r#"The last rotation attempt CloudTrail recorded for the secret (`RotationSucceeded`, `RotationFailed`, `RotationAbandoned`, `TestRotationFailed`) succeeded; a failure names its step."#,
    explanation: include_str!("../../docs/checks/rotation-history.md"),
    reads: &[reads::SECRET, reads::TRAIL],
    run,
};

fn run(facts: &Facts) -> Outcome {
    premise::rotating_secret(facts)?;
    let Some(events) = premise::looked_up(&facts.rotation_events)? else {
        return Err(Verdict::skip("CloudTrail events were not looked up"));
    };
    let outcomes = events
        .iter()
        .filter(|e| outcome(e).is_some())
        .collect::<Vec<_>>();
    let since = facts
        .lookback_start
        .map(|t| format!(" since {}", t.strftime("%Y-%m-%d %H:%M UTC")))
        .unwrap_or_default();
    let Some(last) = outcomes.last() else {
        return Ok(
            Verdict::pass(format!("No rotation attempt was recorded{since}")).evidence(
                LOOKUP,
                format!("{} rotation events for this secret", events.len()),
            ),
        );
    };
    let when = last.time.strftime("%Y-%m-%d %H:%M UTC").to_string();
    let failures = outcomes
        .iter()
        .filter(|e| outcome(e) == Some(false))
        .count();
    let summary_line = format!(
        "{} attempt{}{since}: {} succeeded, {failures} failed or were abandoned",
        outcomes.len(),
        if outcomes.len() == 1 { "" } else { "s" },
        outcomes.len() - failures
    );
    let verdict = if outcome(last) == Some(true) {
        Verdict::pass(format!(
            "The last rotation attempt succeeded ({} at {when})",
            last.name
        ))
    } else {
        let step = last
            .error_message
            .as_deref()
            .and_then(failing_step)
            .map(|step| format!(" during {step}"))
            .unwrap_or_default();
        Verdict::fail(format!(
            "The last rotation attempt failed{step} ({} at {when})",
            last.name
        ))
    };
    let verdict = verdict.evidence(LOOKUP, summary_line);
    Ok(match &last.error_message {
        Some(message) => verdict.evidence(LOOKUP, format!("{}: {message}", last.name)),
        None => verdict,
    })
}

/// Whether an event ends an attempt, and how: `Some(true)` for success.
fn outcome(event: &TrailEvent) -> Option<bool> {
    match event.name.as_str() {
        "RotationSucceeded" | "TestRotationSucceeded" => Some(true),
        "RotationFailed" | "TestRotationFailed" | "RotationAbandoned" => Some(false),
        _ => None,
    }
}

/// The step the last rotation attempt failed in, and the evidence for it:
/// CloudTrail's last outcome when it is a failure, else the function's
/// last logged problem. `None` when neither says.
pub fn last_failed_step(facts: &Facts) -> Option<(String, &'static str, String)> {
    if let Some(events) = facts.rotation_events.found() {
        let last = events.iter().rfind(|e| outcome(e).is_some());
        if let Some(last) = last.filter(|e| outcome(e) == Some(false))
            && let Some(step) = last.error_message.as_deref().and_then(failing_step)
        {
            let when = last.time.strftime("%Y-%m-%d %H:%M UTC");
            return Some((
                step.to_string(),
                LOOKUP,
                format!("{} at {when} names {step}", last.name),
            ));
        }
    }
    let log = facts.function_log.found()?;
    let invocations = crate::signatures::invocations(&log.events);
    let failed = invocations.iter().rev().find(|i| i.problem().is_some())?;
    let step = failed.step()?;
    Some((
        step.to_string(),
        "logs:FilterLogEvents",
        format!("invocation {} logged an error in {step}", failed.request_id),
    ))
}

/// `setSecret` from "... during setSecret step".
fn failing_step(message: &str) -> Option<&str> {
    let (_, after) = message.rsplit_once("during ")?;
    after.split_whitespace().next()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testing::healthy;
    use crate::facts::Fact;
    use crate::finding::Status;

    fn event(name: &str, time: &str, message: Option<&str>) -> TrailEvent {
        TrailEvent {
            time: time.parse().unwrap(),
            name: name.to_string(),
            source: "secretsmanager.amazonaws.com".to_string(),
            error_code: None,
            error_message: message.map(str::to_string),
            resource: None,
            caller: Some("secretsmanager.amazonaws.com".to_string()),
        }
    }

    fn verdict(events: Vec<TrailEvent>) -> Verdict {
        let mut facts = healthy();
        facts.rotation_events = Fact::Found(events);
        CHECK.verdict(&facts)
    }

    #[test]
    fn a_failed_last_attempt_fails_naming_the_step() {
        let verdict = verdict(vec![
            event("RotationStarted", "2026-11-20T02:00:00Z", None),
            event("RotationSucceeded", "2026-11-20T02:01:00Z", None),
            event("RotationStarted", "2026-11-24T02:00:00Z", None),
            event(
                "RotationFailed",
                "2026-11-24T02:17:48Z",
                Some(
                    "Error when executing lambda arn:aws:lambda:us-east-1:111122223333:function:rotate during setSecret step",
                ),
            ),
        ]);
        assert_eq!(verdict.status, Status::Fail);
        assert_eq!(
            verdict.summary,
            "The last rotation attempt failed during setSecret (RotationFailed at 2026-11-24 02:17 UTC)"
        );
    }

    #[test]
    fn a_successful_last_attempt_passes() {
        let verdict = verdict(vec![
            event(
                "RotationFailed",
                "2026-11-20T02:00:00Z",
                Some("during createSecret step"),
            ),
            event("RotationSucceeded", "2026-11-21T02:00:00Z", None),
        ]);
        assert_eq!(verdict.status, Status::Pass);
        assert_eq!(
            verdict.evidence[0].observed,
            "2 attempts since 2026-11-18 12:00 UTC: 1 succeeded, 1 failed or were abandoned"
        );
    }

    #[test]
    fn unreadable_cloudtrail_is_an_error() {
        let mut facts = healthy();
        facts.rotation_events = crate::checks::testing::denied("cloudtrail:LookupEvents");
        assert_eq!(CHECK.verdict(&facts).status, Status::Error);
    }
}
