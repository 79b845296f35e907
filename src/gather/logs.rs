//! CloudWatch Logs: the rotation function's recent log events, bounded so
//! that a huge log group never makes rotdoctor slow or memory-hungry.

use aws_sdk_cloudwatchlogs::error::SdkError;
use aws_sdk_cloudwatchlogs::operation::filter_log_events::FilterLogEventsError;
use jiff::Timestamp;

use super::Gatherer;
use super::errors::lookup_error;
use crate::actions::logs::FILTER_LOG_EVENTS as FILTER;
use crate::facts::{Fact, FunctionLog, LogEvent};
use crate::redact::redact;

const MAX_EVENTS: usize = 5_000;
const MAX_BYTES: usize = 4 * 1024 * 1024;
/// The newest stretch of the window read first; each stretch before it is
/// twice as long, so a week is covered in 8 reads of an idle log.
const FIRST_STRETCH: jiff::SignedDuration = jiff::SignedDuration::from_hours(1);
/// Pages one stretch may take, however empty they come back.
const MAX_PAGES_PER_STRETCH: usize = 50;
/// A stretch that alone holds more than the bounds is halved down to this.
const SHORTEST_STRETCH: jiff::SignedDuration = jiff::SignedDuration::from_mins(1);

/// The events of `group` since `since`, oldest first; absent when the group
/// does not exist (the function never ran, or may not write logs).
///
/// The whole window is read first, which is one request for most logs.
/// FilterLogEvents pages forward in time, so a window that holds more than
/// the bounds is then read backwards in stretches, newest first, and reading
/// stops once the bounds are reached: the events kept are the newest, and a
/// huge log costs no more requests than the bounds need.
pub async fn function_log(gatherer: &Gatherer, group: &str, since: Timestamp) -> Fact<FunctionLog> {
    let now = Timestamp::now();
    // Most logs fit the bounds: the whole window in one read. Only one that
    // does not is read backwards.
    match read_stretch(gatherer, group, since, now, (MAX_EVENTS, MAX_BYTES)).await {
        Err(fact) => return fact,
        Ok(Stretch::Read(mut events)) => {
            events.sort_by_key(|e| e.time);
            return Fact::Found(FunctionLog {
                group: group.to_string(),
                events,
                truncated: false,
                not_read_before: None,
            });
        }
        Ok(Stretch::Overflowed) => {}
    }
    let mut events: Vec<LogEvent> = Vec::new();
    let mut bytes = 0;
    let mut end = now;
    let mut stretch = FIRST_STRETCH;
    let mut not_read_before = None;
    while end > since {
        let start = end.checked_sub(stretch).unwrap_or(since).max(since);
        let room = (MAX_EVENTS - events.len(), MAX_BYTES - bytes);
        let read = match read_stretch(gatherer, group, start, end, room).await {
            Ok(read) => read,
            Err(fact) => return fact,
        };
        match read {
            Stretch::Overflowed if stretch > SHORTEST_STRETCH => {
                // Too much in this stretch: read its newer half first.
                stretch = (stretch / 2).max(SHORTEST_STRETCH);
                continue;
            }
            Stretch::Overflowed => {
                not_read_before = Some(end);
                break;
            }
            Stretch::Read(mut older) => {
                bytes += older.iter().map(|e| e.message.len()).sum::<usize>();
                older.append(&mut events);
                events = older;
            }
        }
        end = start;
        stretch *= 2;
        if events.len() >= MAX_EVENTS || bytes >= MAX_BYTES {
            not_read_before = (end > since).then_some(end);
            break;
        }
    }
    events.sort_by_key(|e| e.time);
    Fact::Found(FunctionLog {
        group: group.to_string(),
        events,
        truncated: not_read_before.is_some(),
        not_read_before,
    })
}

/// What one stretch of the window held.
enum Stretch {
    Read(Vec<LogEvent>),
    /// More than the room left: nothing of it is kept.
    Overflowed,
}

/// The events in `[start, end)`, paging forward, or `Overflowed` once they
/// pass `room` (events, bytes). `Err` is the fact to return instead.
async fn read_stretch(
    gatherer: &Gatherer,
    group: &str,
    start: Timestamp,
    end: Timestamp,
    (events_room, bytes_room): (usize, usize),
) -> Result<Stretch, Fact<FunctionLog>> {
    let mut events = Vec::new();
    let mut bytes = 0;
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let request = gatherer
            .logs
            .filter_log_events()
            .log_group_name(group)
            .start_time(start.as_millisecond())
            // End times are inclusive: the next stretch starts at `end`.
            .end_time(end.as_millisecond() - 1)
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
                return Err(Fact::Absent);
            }
            Err(error) => return Err(Fact::Unavailable(lookup_error(FILTER, &error))),
        };
        for event in page.events() {
            let message = redact(event.message().unwrap_or_default().trim_end());
            bytes += message.len();
            events.push(LogEvent {
                time: Timestamp::from_millisecond(event.timestamp().unwrap_or_default())
                    .unwrap_or(start),
                stream: event.log_stream_name().unwrap_or_default().to_string(),
                message,
            });
        }
        if events.len() > events_room || bytes > bytes_room {
            return Ok(Stretch::Overflowed);
        }
        // A page may be empty and still not the last: FilterLogEvents
        // searches the streams a batch at a time.
        token = page.next_token().map(str::to_string);
        pages += 1;
        match token {
            None => return Ok(Stretch::Read(events)),
            // Past the bound the stretch is split like one that holds too much.
            Some(_) if pages >= MAX_PAGES_PER_STRETCH => return Ok(Stretch::Overflowed),
            Some(_) => {}
        }
    }
}
