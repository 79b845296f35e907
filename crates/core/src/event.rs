//! A rotation failure as EventBridge delivers it, or as CloudTrail records
//! it: the secret to check, and the failure itself as evidence.
//!
//! EventBridge wraps the CloudTrail record of a service event in
//! `{"source": "aws.secretsmanager", "detail-type": "AWS Service Event via
//! CloudTrail", "detail": <the record>}`; the record names the secret in
//! `additionalEventData.SecretId` (Secrets Manager User Guide, "Match
//! Secrets Manager events with EventBridge" and "Log events with
//! CloudTrail").

use jiff::Timestamp;
use serde_json::Value;

use crate::facts::{Fact, Facts, TrailEvent};

/// The events a rotation failure produces.
pub const FAILURES: &[&str] = &["RotationFailed", "RotationAbandoned", "TestRotationFailed"];

/// Reads an EventBridge event or a CloudTrail record of a rotation failure.
/// The error names what is missing or wrong, in one line.
pub fn rotation_failure(text: &str) -> Result<TrailEvent, String> {
    let document: Value = serde_json::from_str(text.trim_start_matches('\u{feff}'))
        .map_err(|error| format!("not JSON ({error})"))?;
    let record = match document.get("detail") {
        Some(detail) => {
            let source = document.get("source").and_then(Value::as_str);
            if source != Some("aws.secretsmanager") {
                return Err(format!(
                    "an EventBridge event from {}, not aws.secretsmanager",
                    source.unwrap_or("no source")
                ));
            }
            detail
        }
        None => &document,
    };
    let text = |path: &[&str]| {
        path.iter()
            .try_fold(record, |value, key| value.get(key))
            .and_then(Value::as_str)
    };
    let name = text(&["eventName"]).ok_or("no detail.eventName (or eventName)")?;
    if !FAILURES.contains(&name) {
        return Err(format!(
            "eventName is {name}, not a rotation failure ({})",
            FAILURES.join(", ")
        ));
    }
    let secret = text(&["additionalEventData", "SecretId"])
        .ok_or("no additionalEventData.SecretId: which secret failed is not in the event")?;
    let time = text(&["eventTime"])
        .or_else(|| document.get("time").and_then(Value::as_str))
        .ok_or("no eventTime")?;
    let time: Timestamp = time
        .parse()
        .map_err(|_| format!("eventTime {time:?} is not an RFC 3339 time"))?;
    Ok(TrailEvent {
        time,
        name: name.to_string(),
        source: text(&["eventSource"])
            .unwrap_or("secretsmanager.amazonaws.com")
            .to_string(),
        error_code: text(&["errorCode"]).map(str::to_string),
        error_message: text(&["errorMessage"]).map(str::to_string),
        resource: Some(secret.to_string()),
        caller: text(&["userIdentity", "invokedBy"]).map(str::to_string),
    })
}

/// The facts with the reported failure among the rotation events: CloudTrail
/// can take minutes to show what EventBridge delivered. Events rotdoctor
/// could not read stay unread: their checks say so.
pub fn with_failure(mut facts: Facts, failure: &TrailEvent) -> Facts {
    match &mut facts.rotation_events {
        Fact::Found(events) => {
            if !events
                .iter()
                .any(|e| e.time == failure.time && e.name == failure.name)
            {
                events.push(failure.clone());
                events.sort_by_key(|e| e.time);
            }
        }
        Fact::NotCollected => facts.rotation_events = Fact::Found(vec![failure.clone()]),
        Fact::Absent | Fact::Unavailable(_) => {}
    }
    facts
}

#[cfg(test)]
mod tests {
    use super::*;

    const RECORD: &str = r#"{"eventTime":"2026-11-30T02:17:48Z","eventSource":"secretsmanager.amazonaws.com",
        "eventName":"RotationFailed","userIdentity":{"invokedBy":"secretsmanager.amazonaws.com"},
        "errorMessage":"Error when executing lambda arn:aws:lambda:us-east-1:111122223333:function:rotate during setSecret step",
        "additionalEventData":{"SecretId":"arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbCdEf"}}"#;

    #[test]
    fn an_eventbridge_event_and_its_cloudtrail_record_read_the_same() {
        let event = format!(
            r#"{{"version":"0","source":"aws.secretsmanager","detail-type":"AWS Service Event via CloudTrail","time":"2026-11-30T02:17:50Z","detail":{RECORD}}}"#
        );
        let from_event = rotation_failure(&event).unwrap();
        assert_eq!(from_event, rotation_failure(RECORD).unwrap());
        assert_eq!(
            from_event.resource.as_deref(),
            Some("arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbCdEf")
        );
        assert!(
            from_event
                .error_message
                .unwrap()
                .ends_with("during setSecret step")
        );
    }

    #[test]
    fn bad_events_say_what_is_missing() {
        assert!(rotation_failure("{").unwrap_err().starts_with("not JSON"));
        assert!(
            rotation_failure(r#"{"source":"aws.ec2","detail":{}}"#)
                .unwrap_err()
                .contains("aws.ec2")
        );
        let succeeded = RECORD.replace("RotationFailed", "RotationSucceeded");
        assert!(
            rotation_failure(&succeeded)
                .unwrap_err()
                .contains("not a rotation failure")
        );
        let anonymous = RECORD.replace("SecretId", "Other");
        assert!(
            rotation_failure(&anonymous)
                .unwrap_err()
                .contains("SecretId")
        );
    }
}
