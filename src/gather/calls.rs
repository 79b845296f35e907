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

#[derive(Clone, Default)]
pub struct CallLog(Arc<Mutex<Vec<(&'static str, String, Instant, Instant)>>>);

impl CallLog {
    pub fn record(&self, action: &'static str, target: &str, started: Instant, ended: Instant) {
        if let Ok(mut calls) = self.0.lock() {
            calls.push((action, target.to_string(), started, ended));
        }
    }

    pub fn snapshot(&self) -> Vec<ApiCall> {
        let calls = match self.0.lock() {
            Ok(calls) => calls.clone(),
            Err(_) => return Vec::new(),
        };
        calls
            .iter()
            .enumerate()
            .map(|(index, (action, target, started, ended))| ApiCall {
                action,
                target: target.clone(),
                elapsed: ended.duration_since(*started),
                parallel: calls.iter().enumerate().any(|(other, (_, _, s, e))| {
                    other != index && s < ended && started < e
                }),
            })
            .collect()
    }
}
