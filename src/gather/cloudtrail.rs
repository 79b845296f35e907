//! CloudTrail: what happened to rotations, and what the rotation role was
//! refused. LookupEvents allows about two requests a second per account and
//! region, so each lookup runs once per run (memoised) and one at a time;
//! the SDK's retries absorb throttling.

use aws_sdk_cloudtrail::primitives::DateTime;
use aws_sdk_cloudtrail::types::{Event, LookupAttribute, LookupAttributeKey};
use jiff::Timestamp;
use serde_json::Value;

use super::errors::{incomplete, lookup_error};
use super::{Gatherer, names_next};
use crate::actions::cloudtrail::LOOKUP_EVENTS as LOOKUP;
use crate::facts::{Fact, LookupError, TrailEvent};

/// Pages of 50 events per lookup: enough for weeks of rotations, bounded.
const MAX_PAGES: usize = 10;

/// The rotation events that end an attempt, which `rotation-history` reads.
/// (Each name is a request: LookupEvents takes one attribute at a time.)
pub const OUTCOMES: &[&str] = &[
    "RotationSucceeded",
    "RotationFailed",
    "RotationAbandoned",
    "TestRotationFailed",
];

/// The event that starts an attempt, which `rotdoctor logs` starts from.
pub const STARTS: &[&str] = &["RotationStarted"];

/// The account and region's events of these names in the window, for all
/// secrets, oldest first: looked up once per run.
pub async fn rotation_events(gatherer: &Gatherer, names: &[&str]) -> Fact<Vec<TrailEvent>> {
    let fetch = async {
        // One request a name, side by side: the budget paces them in a scan.
        let lookups = names
            .iter()
            .map(|name| lookup(gatherer, LookupAttributeKey::EventName, name));
        let mut events = Vec::new();
        for found in futures_util::future::join_all(lookups).await {
            match found {
                Ok(found) => events.extend(found),
                Err(error) => return Fact::Unavailable(error),
            }
        }
        events.sort_by_key(|e| e.time);
        Fact::Found(events)
    };
    gatherer.shared.trail.get(&names.join(" "), fetch).await
}

/// The events of `all` that are about `secret_arn`.
pub fn about(all: &Fact<Vec<TrailEvent>>, secret_arn: &str) -> Fact<Vec<TrailEvent>> {
    match all {
        Fact::Found(events) => Fact::Found(
            events
                .iter()
                .filter(|e| e.resource.as_deref() == Some(secret_arn))
                .cloned()
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The calls a function's role session (named after the function) was refused.
pub async fn denied_calls(gatherer: &Gatherer, session_name: &str) -> Fact<Vec<TrailEvent>> {
    let fetch = async {
        match lookup(gatherer, LookupAttributeKey::Username, session_name).await {
            Ok(events) => Fact::Found(events.into_iter().filter(is_denial).collect()),
            Err(error) => Fact::Unavailable(error),
        }
    };
    gatherer
        .shared
        .trail
        .get(&format!("user {session_name}"), fetch)
        .await
}

fn is_denial(event: &TrailEvent) -> bool {
    event.error_code.as_deref().is_some_and(|code| {
        let code = code.to_ascii_lowercase();
        code.contains("accessdenied") || code.contains("unauthorized") || code.contains("kms")
    })
}

async fn lookup(
    gatherer: &Gatherer,
    key: LookupAttributeKey,
    value: &str,
) -> Result<Vec<TrailEvent>, LookupError> {
    let attribute = LookupAttribute::builder()
        .attribute_key(key)
        .attribute_value(value)
        .build()
        .map_err(|error| LookupError {
            action: LOOKUP.into(),
            code: "Request".into(),
            message: error.to_string(),
        })?;
    let start = DateTime::from_secs(gatherer.since.as_second());
    let stream = gatherer
        .trail
        .lookup_events()
        .lookup_attributes(attribute)
        .start_time(start)
        .into_paginator()
        .send();
    let pages = gatherer
        .pages(LOOKUP, value, MAX_PAGES, stream, |page| {
            names_next(page.next_token())
        })
        .await
        .map_err(|error| lookup_error(LOOKUP, &error))?;
    let mut events = Vec::new();
    for page in pages {
        // CloudTrail sends `Events`, empty or not, in every answer.
        if page.events.is_none() {
            return Err(incomplete(LOOKUP, "Events"));
        }
        events.extend(page.events().iter().filter_map(trail_event));
    }
    events.sort_by_key(|e| e.time);
    Ok(events)
}

/// The fields of a CloudTrail record the checks read.
pub fn trail_event(event: &Event) -> Option<TrailEvent> {
    let record: Value = serde_json::from_str(event.cloud_trail_event()?).ok()?;
    let text = |path: &[&str]| {
        path.iter()
            .try_fold(&record, |value, key| value.get(key))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let time = event
        .event_time()
        .and_then(|t| Timestamp::new(t.secs(), 0).ok())
        .or_else(|| text(&["eventTime"]).and_then(|t| t.parse().ok()))?;
    Some(TrailEvent {
        time,
        name: event
            .event_name()
            .map(str::to_string)
            .or_else(|| text(&["eventName"]))?,
        source: text(&["eventSource"]).unwrap_or_default(),
        error_code: text(&["errorCode"]),
        error_message: text(&["errorMessage"]),
        resource: text(&["additionalEventData", "SecretId"])
            .or_else(|| text(&["requestParameters", "secretId"]))
            .or_else(|| text(&["requestParameters", "keyId"]))
            .or_else(|| {
                event
                    .resources()
                    .first()
                    .and_then(|r| r.resource_name())
                    .map(str::to_string)
            }),
        caller: text(&["userIdentity", "arn"]).or_else(|| text(&["userIdentity", "invokedBy"])),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `RotationFailed` record from the Secrets Manager documentation
    /// ("Log AWS Secrets Manager events with AWS CloudTrail").
    const ROTATION_FAILED: &str = r#"{"eventVersion":"1.08","userIdentity":{"accountId":"123456789012","invokedBy":"secretsmanager.amazonaws.com"},
 "eventTime":"2022-09-13T02:17:48Z","eventSource":"secretsmanager.amazonaws.com","eventName":"RotationFailed",
 "awsRegion":"us-east-2","sourceIPAddress":"secretsmanager.amazonaws.com","userAgent":"secretsmanager.amazonaws.com",
 "errorMessage":"Error when executing lambda arn:aws:lambda:us-east-2:123456789012:function:SecretsManagertest-alternating-users-rotation2 during setSecret step",
 "requestParameters":null,"responseElements":null,
 "additionalEventData":{"SecretId":"arn:aws:secretsmanager:us-east-2:123456789012:secret:MyDatabaseSecret-a1b2c3"},
 "requestID":"Rotation-arn:aws:secretsmanager:us-east-2:123456789012:secret:MyDatabaseSecret-a1b2c3-eeb681b1-a07d-4aeb-9b61-1ee6590ec295",
 "eventID":"b7d6f5d5-fc12-4a5e-8f0d-2c4f0d7c5c11","readOnly":false,"eventType":"AwsServiceEvent","managementEvent":true,"recipientAccountId":"123456789012","eventCategory":"Management"}"#;

    #[test]
    fn the_documented_rotation_failed_record_is_read() {
        let event = Event::builder()
            .event_name("RotationFailed")
            .event_time(DateTime::from_secs(1_663_035_468))
            .cloud_trail_event(ROTATION_FAILED)
            .build();
        let read = trail_event(&event).unwrap();
        assert_eq!(read.name, "RotationFailed");
        assert_eq!(read.time.to_string(), "2022-09-13T02:17:48Z");
        assert_eq!(
            read.resource.as_deref(),
            Some("arn:aws:secretsmanager:us-east-2:123456789012:secret:MyDatabaseSecret-a1b2c3")
        );
        assert!(
            read.error_message
                .unwrap()
                .ends_with("during setSecret step")
        );
        assert_eq!(read.caller.as_deref(), Some("secretsmanager.amazonaws.com"));
    }

    #[test]
    fn a_denied_call_is_a_denial() {
        let record = r#"{"eventTime":"2026-11-20T04:00:01Z","eventSource":"kms.amazonaws.com","eventName":"Decrypt",
            "userIdentity":{"arn":"arn:aws:sts::111122223333:assumed-role/rotation/rotate-db"},
            "errorCode":"AccessDenied","errorMessage":"User is not authorized to perform: kms:Decrypt",
            "requestParameters":{"keyId":"arn:aws:kms:us-east-1:111122223333:key/abc"}}"#;
        let event = Event::builder()
            .event_name("Decrypt")
            .cloud_trail_event(record)
            .build();
        let read = trail_event(&event).unwrap();
        assert!(is_denial(&read));
        assert_eq!(
            read.resource.as_deref(),
            Some("arn:aws:kms:us-east-1:111122223333:key/abc")
        );
    }
}
