//! CloudWatch Logs: the rotation function's recent log events, bounded so
//! that a huge log group never makes rotdoctor slow or memory-hungry.

use aws_sdk_cloudwatchlogs::error::SdkError;
use aws_sdk_cloudwatchlogs::operation::filter_log_events::FilterLogEventsError;
use jiff::Timestamp;

use super::Gatherer;
use super::errors::lookup_error;
use crate::facts::{Fact, FunctionLog, LogEvent};
use crate::redact::redact;

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
