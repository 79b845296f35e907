//! A log of the API calls made, for the `-v` timing lines.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One API call: which, on what, how long, and whether others ran alongside.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiCall {
    pub action: &'static str,
    pub target: String,
    pub elapsed: Duration,
    /// Another call was in flight at some moment of this one.
    pub parallel: bool,
}

#[derive(Debug, Clone)]
struct Span {
    action: &'static str,
    target: String,
    started: Instant,
    ended: Instant,
}

impl Span {
    fn overlaps(&self, other: &Span) -> bool {
        self.started < other.ended && other.started < self.ended
    }
}

#[derive(Clone, Default)]
pub struct CallLog(Arc<Mutex<Vec<Span>>>);

impl CallLog {
    pub fn record(&self, action: &'static str, target: &str, started: Instant, ended: Instant) {
        if let Ok(mut spans) = self.0.lock() {
            spans.push(Span {
                action,
                target: target.to_string(),
                started,
                ended,
            });
        }
    }

    pub fn snapshot(&self) -> Vec<ApiCall> {
        let Ok(spans) = self.0.lock() else {
            return Vec::new();
        };
        spans
            .iter()
            .enumerate()
            .map(|(index, span)| ApiCall {
                action: span.action,
                target: span.target.clone(),
                elapsed: span.ended.duration_since(span.started),
                parallel: spans
                    .iter()
                    .enumerate()
                    .any(|(other, o)| other != index && span.overlaps(o)),
            })
            .collect()
    }
}
