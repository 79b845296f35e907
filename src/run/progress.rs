//! The live line a scan over accounts and Regions keeps on a terminal: how
//! many of them are done and how many secrets are examined, redrawn as
//! they move, with a line of its own for each one that finishes.

// Progress goes to stderr, as in the rest of the app.
#![allow(clippy::disallowed_macros)]

use std::collections::BTreeMap;
use std::sync::Mutex;

/// Where each account and Region stands.
#[derive(Default)]
struct Scopes {
    /// Per account and Region label: secrets examined, secrets listed, done.
    each: BTreeMap<String, (usize, usize, bool)>,
}

impl Scopes {
    /// The live line: scopes done of those begun, secrets examined of those
    /// listed.
    fn line(&self) -> String {
        let done = self.each.values().filter(|(_, _, done)| *done).count();
        let examined: usize = self.each.values().map(|(examined, _, _)| examined).sum();
        let listed: usize = self.each.values().map(|(_, listed, _)| listed).sum();
        format!(
            "rotdoctor: {done} of {} accounts and Regions done, {examined} of {listed} secrets examined",
            self.each.len()
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

    /// `label` has listed `listed` secrets (so far `examined` of them).
    pub fn examined(&self, label: &str, examined: usize, listed: usize) {
        self.update(label, |scope| (examined, listed, scope.2), None);
    }

    /// `label` is done; `line` says how it ended.
    pub fn finished(&self, label: &str, line: String) {
        self.update(label, |scope| (scope.0, scope.1, true), Some(line));
    }

    fn update(
        &self,
        label: &str,
        change: impl FnOnce((usize, usize, bool)) -> (usize, usize, bool),
        finished: Option<String>,
    ) {
        let Ok(mut scopes) = self.scopes.lock() else {
            return;
        };
        let scope = scopes.each.entry(label.to_string()).or_default();
        *scope = change(*scope);
        if self.live {
            // Clear the live line, so that what follows starts clean.
            eprint!("\r\x1b[K");
        }
        if let Some(line) = finished.filter(|_| self.finished_lines) {
            eprintln!("{line}");
        }
        if self.live {
            eprint!("{}", scopes.line());
        }
    }

    /// Clears the live line before the report.
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
        let mut scopes = Scopes::default();
        scopes
            .each
            .insert("111111111111 us-east-1".into(), (100, 100, true));
        scopes
            .each
            .insert("111111111111 eu-west-1".into(), (12, 40, false));
        scopes
            .each
            .insert("222222222222 us-east-1".into(), (0, 0, false));
        assert_eq!(
            scopes.line(),
            "rotdoctor: 1 of 3 accounts and Regions done, 112 of 140 secrets examined"
        );
    }
}
