//! CloudWatch Logs: the rotation function's recent log events, bounded so
//! that a huge log group never makes rotdoctor slow or memory-hungry.

use aws_sdk_cloudwatchlogs::error::SdkError;
use aws_sdk_cloudwatchlogs::operation::filter_log_events::FilterLogEventsError;
use jiff::Timestamp;

use super::Gatherer;
use super::errors::lookup_error;
use crate::facts::{Fact, FunctionLog, LogEvent};

const FILTER: &str = "logs:FilterLogEvents";
const MAX_EVENTS: usize = 5_000;
const MAX_BYTES: usize = 4 * 1024 * 1024;

/// The events of `group` since `since`, oldest first; absent when the group
/// does not exist (the function never ran, or may not write logs).
pub async fn function_log(gatherer: &Gatherer, group: &str, since: Timestamp) -> Fact<FunctionLog> {
    let mut events = Vec::new();
    let mut bytes = 0;
    let mut truncated = false;
    let mut token: Option<String> = None;
    loop {
        let request = gatherer
            .logs
            .filter_log_events()
            .log_group_name(group)
            .start_time(since.as_millisecond())
            .set_next_token(token.clone())
            .send();
        let page = match gatherer.call(FILTER, group, request).await {
            Ok(page) => page,
            Err(SdkError::ServiceError(error))
                if matches!(
                    error.err(),
                    FilterLogEventsError::ResourceNotFoundException(_)
                ) =>
            {
                return Fact::Absent;
            }
            Err(error) => return Fact::Unavailable(lookup_error(FILTER, &error)),
        };
        for event in page.events() {
            let message = redact(event.message().unwrap_or_default().trim_end());
            bytes += message.len();
            events.push(LogEvent {
                time: Timestamp::from_millisecond(event.timestamp().unwrap_or_default())
                    .unwrap_or(since),
                stream: event.log_stream_name().unwrap_or_default().to_string(),
                message,
            });
        }
        // Keep the newest: drop the oldest once over the bounds.
        while events.len() > MAX_EVENTS || bytes > MAX_BYTES {
            bytes -= events.remove(0).message.len();
            truncated = true;
        }
        token = page.next_token().map(str::to_string);
        if token.is_none() || page.events().is_empty() {
            break;
        }
    }
    events.sort_by_key(|e| e.time);
    Fact::Found(FunctionLog {
        group: group.to_string(),
        events,
        truncated,
    })
}

/// Masks what looks like a password in a log line: the AWS templates never
/// log one, but a custom function might, and rotdoctor must not repeat it.
pub fn redact(line: &str) -> String {
    mask_password_values(&mask_url_passwords(line))
}

/// `scheme://user:password@host` keeps its user and host only.
fn mask_url_passwords(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(at) = rest.find("://") {
        let (head, tail) = rest.split_at(at + 3);
        out.push_str(head);
        let authority_end = tail.find(['/', ' ', '"', '\'']).unwrap_or(tail.len());
        let authority = &tail[..authority_end];
        match (authority.rfind('@'), authority.find(':')) {
            (Some(at_sign), Some(colon)) if colon < at_sign => {
                out.push_str(&authority[..=colon]);
                out.push_str("***");
                out.push_str(&authority[at_sign..]);
            }
            _ => out.push_str(authority),
        }
        rest = &tail[authority_end..];
    }
    out.push_str(rest);
    out
}

fn mask_password_values(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(at) = find_password_key(rest) {
        let (head, tail) = rest.split_at(at);
        out.push_str(head);
        let value_start = tail.find(['=', ':']).map(|i| i + 1).unwrap_or(tail.len());
        out.push_str(&tail[..value_start]);
        let value = &tail[value_start..];
        let trimmed = value.trim_start_matches([' ', '"', '\'']);
        let skipped = value.len() - trimmed.len();
        out.push_str(&value[..skipped]);
        let end = trimmed
            .find(['"', '\'', ',', '}', ' ', '&', ';'])
            .unwrap_or(trimmed.len());
        out.push_str("***");
        rest = &trimmed[end..];
    }
    out.push_str(rest);
    out
}

/// The position of a `password` key followed by `=` or `:`.
fn find_password_key(text: &str) -> Option<usize> {
    let lower = text.to_ascii_lowercase();
    let mut from = 0;
    while let Some(found) = lower[from..].find("password") {
        let at = from + found;
        let after = lower[at + "password".len()..].trim_start_matches(['"', '\'', ' ']);
        if after.starts_with(':') || after.starts_with('=') {
            return Some(at);
        }
        from = at + "password".len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn passwords_are_masked() {
        assert_eq!(
            redact(r#"{"username": "app", "password": "hunter2!x"}"#),
            r#"{"username": "app", "password": "***"}"#
        );
        assert_eq!(
            redact("connecting with password=s3cr3t; host=db"),
            "connecting with password=***; host=db"
        );
        assert_eq!(
            redact(
                "setSecret: Unable to log into database with previous, current, or pending secret"
            ),
            "setSecret: Unable to log into database with previous, current, or pending secret"
        );
        assert_eq!(redact("PASSWORD: abc def"), "PASSWORD: *** def");
        assert_eq!(
            redact("connecting to postgres://app:s3cr3t@db.internal:5432/orders"),
            "connecting to postgres://app:***@db.internal:5432/orders"
        );
        assert_eq!(
            redact("see https://example.com/x"),
            "see https://example.com/x"
        );
    }
}
