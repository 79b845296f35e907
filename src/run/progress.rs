//! The live line a scan over accounts and Regions keeps on a terminal: how
//! many of them are done and how many secrets are examined, redrawn as
//! they move, with a line of its own for each one that finishes.

// Progress goes to stderr, as in the rest of the app.
#![allow(clippy::disallowed_macros)]

use std::collections::BTreeMap;
use std::sync::Mutex;

/// Where one account and Region stands.
#[derive(Default)]
struct Scope {
    examined: usize,
    listed: usize,
    done: bool,
}

/// Every account and Region begun, by label.
#[derive(Default)]
struct Scopes(BTreeMap<String, Scope>);

impl Scopes {
    /// The live line: scopes done of those begun, secrets examined of those
    /// listed.
    fn line(&self) -> String {
        let done = self.0.values().filter(|scope| scope.done).count();
        let examined: usize = self.0.values().map(|scope| scope.examined).sum();
        let listed: usize = self.0.values().map(|scope| scope.listed).sum();
        format!(
            "rotdoctor: {done} of {} accounts and Regions done, {examined} of {listed} secrets examined",
            self.0.len()
        )
    }
}

pub struct Progress {
    /// A person watches a terminal: keep the live line.
    live: bool,
    /// Print a line as each account and Region finishes.
    finished_lines: bool,
    scopes: Mutex<Scopes>,
}

impl Progress {
    pub fn new(live: bool, finished_lines: bool) -> Self {
        Progress {
            live,
            finished_lines: finished_lines || live,
            scopes: Mutex::default(),
        }
    }

    /// `label` has examined `examined` of the `listed` secrets it listed.
    pub fn examined(&self, label: &str, examined: usize, listed: usize) {
        self.update(label, None, |scope| {
            scope.examined = examined;
            scope.listed = listed;
        });
    }

    /// `label` is done; `line` says how it ended.
    pub fn finished(&self, label: &str, line: String) {
        self.update(label, Some(line), |scope| scope.done = true);
    }

    fn update(&self, label: &str, finished: Option<String>, change: impl FnOnce(&mut Scope)) {
        let Ok(mut scopes) = self.scopes.lock() else {
            return;
        };
        change(scopes.0.entry(label.to_string()).or_default());
        self.done();
        if let Some(line) = finished.filter(|_| self.finished_lines) {
            eprintln!("{line}");
        }
        if self.live {
            eprint!("{}", scopes.line());
        }
    }

    /// Clears the live line (before what follows it, and the report).
    pub fn done(&self) {
        if self.live {
            eprint!("\r\x1b[K");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_live_line_counts_scopes_and_secrets() {
        let scope = |examined, listed, done| Scope {
            examined,
            listed,
            done,
        };
        let scopes = Scopes(BTreeMap::from([
            ("111111111111 us-east-1".to_string(), scope(100, 100, true)),
            ("111111111111 eu-west-1".to_string(), scope(12, 40, false)),
            ("222222222222 us-east-1".to_string(), scope(0, 0, false)),
        ]));
        assert_eq!(
            scopes.line(),
            "rotdoctor: 1 of 3 accounts and Regions done, 112 of 140 secrets examined"
        );
    }
}
