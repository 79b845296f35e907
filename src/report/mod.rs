//! The report: every secret's findings, rendered for people or for scripts.

pub mod ci;
mod human;
mod json;
pub mod logs;

use jiff::Timestamp;
use serde::Serialize;

use crate::facts::Facts;
use crate::finding::{Finding, Status};

pub use human::render as render_human;
pub use json::render as render_json;

/// The findings about one secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretReport {
    /// The secret as the user named it.
    pub id: String,
    pub arn: Option<String>,
    pub name: Option<String>,
    pub collected_at: Timestamp,
    pub findings: Vec<Finding>,
}

impl SecretReport {
    pub fn new(facts: &Facts, findings: Vec<Finding>) -> Self {
        let secret = facts.secret.found();
        SecretReport {
            id: facts.secret_id.clone(),
            arn: secret.map(|s| s.arn.clone()),
            name: secret.map(|s| s.name.clone()),
            collected_at: facts.collected_at,
            findings,
        }
    }
}

/// How many findings have each status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub pass: usize,
    pub warn: usize,
    pub fail: usize,
    pub skip: usize,
    pub error: usize,
    /// Findings a suppression file accepts (also counted by status).
    pub suppressed: usize,
}

impl Summary {
    pub fn of(reports: &[SecretReport]) -> Self {
        let mut summary = Summary::default();
        for finding in reports.iter().flat_map(|r| &r.findings) {
            *summary.count_mut(finding.status) += 1;
            summary.suppressed += usize::from(finding.suppressed.is_some());
        }
        summary
    }

    pub fn count(&self, status: Status) -> usize {
        match status {
            Status::Pass => self.pass,
            Status::Warn => self.warn,
            Status::Fail => self.fail,
            Status::Skip => self.skip,
            Status::Error => self.error,
        }
    }

    fn count_mut(&mut self, status: Status) -> &mut usize {
        match status {
            Status::Pass => &mut self.pass,
            Status::Warn => &mut self.warn,
            Status::Fail => &mut self.fail,
            Status::Skip => &mut self.skip,
            Status::Error => &mut self.error,
        }
    }

    pub fn total(&self) -> usize {
        Status::ALL.iter().map(|s| self.count(*s)).sum()
    }
}
