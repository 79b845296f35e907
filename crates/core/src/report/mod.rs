//! The report: every secret's findings, rendered for people or for scripts.

pub mod asff;
pub mod ci;
pub mod gitlab;
mod human;
mod json;
pub mod logs;
mod script;

use jiff::Timestamp;
use serde::Serialize;

use crate::facts::Facts;
use crate::finding::{Finding, Status};

pub use human::render as render_human;
pub use json::render as render_json;
pub use script::render as render_script;

/// The findings about one secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretReport {
    /// The secret as the user named it.
    pub id: String,
    pub arn: Option<String>,
    pub name: Option<String>,
    pub collected_at: Timestamp,
    pub findings: Vec<Finding>,
    /// One line: where rotation fails, its first root cause, how many fixes.
    pub diagnosis: Option<String>,
    /// The account and Region of the secret (from its ARN), or of the
    /// listing that failed.
    pub account: Option<String>,
    pub region: Option<String>,
    /// Set when a run covers several accounts or Regions: how headings name
    /// where the secret is ("prod 111122223333 us-east-1").
    pub scope_label: Option<String>,
}

/// The check id of the finding a failed account or Region gets: a public
/// contract like the checks' own.
pub const SCAN: &str = "scan";

impl SecretReport {
    pub fn new(facts: &Facts, findings: Vec<Finding>) -> Self {
        let secret = facts.secret.found();
        let arn = secret.map(|s| s.arn.clone());
        SecretReport {
            id: facts.secret_id.clone(),
            account: arn
                .as_deref()
                .and_then(crate::arn::account)
                .map(str::to_string),
            region: arn
                .as_deref()
                .and_then(crate::arn::region)
                .map(str::to_string),
            arn,
            name: secret.map(|s| s.name.clone()),
            collected_at: facts.collected_at,
            diagnosis: diagnosis(facts, &findings),
            findings,
            scope_label: None,
        }
    }

    /// The entry of an account or Region rotdoctor could not list: one
    /// `error` finding naming why, so every format shows it and the exit
    /// code counts it.
    pub fn scope_failure(
        account: Option<String>,
        region: Option<String>,
        action: &str,
        reason: String,
        collected_at: Timestamp,
    ) -> Self {
        let finding = Finding {
            check: SCAN,
            status: Status::Error,
            title: "rotdoctor can list the secrets of the account and Region",
            summary: format!("rotdoctor could not check this account and Region: {reason}"),
            evidence: vec![crate::finding::Evidence {
                source: action.to_string(),
                observed: reason,
            }],
            fix: Some(Box::new(crate::finding::Fix {
                summary: "Check that rotdoctor's role can be assumed there, that the Region is enabled for the account, and that the role may list secrets (rotdoctor permissions); then run it again".to_string(),
                commands: Vec::new(),
                changes: Vec::new(),
                iac: Vec::new(),
            })),
            suppressed: None,
            caused_by: None,
        };
        SecretReport {
            id: "*".to_string(),
            arn: None,
            name: None,
            collected_at,
            findings: vec![finding],
            diagnosis: None,
            account,
            region,
            scope_label: None,
        }
    }

    /// The secret as headings name it: its id, and where it is when the run
    /// covers several accounts or Regions.
    pub fn label(&self) -> String {
        match &self.scope_label {
            Some(scope) => format!("{} ({scope})", self.id),
            None => self.id.clone(),
        }
    }

    /// Root causes first, each followed by the problems that follow from it.
    pub fn root_first(&self) -> Vec<&Finding> {
        let mut ordered = Vec::new();
        for finding in self.findings.iter().filter(|f| f.caused_by.is_none()) {
            ordered.push(finding);
            ordered.extend(
                self.findings
                    .iter()
                    .filter(|f| f.caused_by == Some(finding.check)),
            );
        }
        ordered
    }
}

/// "Rotation fails in setSecret: <the first root cause> (<its check>). 2
/// fixes below, root causes first." `None` when nothing fails.
fn diagnosis(facts: &Facts, findings: &[Finding]) -> Option<String> {
    let failing = |f: &&Finding| f.status == Status::Fail;
    let mut roots = findings
        .iter()
        .filter(failing)
        .filter(|f| f.caused_by.is_none());
    let first = roots.next()?;
    let others = roots.count();
    let consequences = findings
        .iter()
        .filter(failing)
        .filter(|f| f.caused_by.is_some())
        .count();
    let fixes = findings
        .iter()
        .filter(failing)
        .filter(|f| f.fix.as_ref().is_some_and(|fix| !fix.commands.is_empty()))
        .count();
    let step = crate::checks::last_failed_step(facts).map(|(step, _, _)| step);
    let fails = match (step, consequences) {
        (Some(step), _) => format!("Rotation fails in {step}"),
        (None, 0) => "Rotation will fail".to_string(),
        (None, _) => "Rotation fails".to_string(),
    };
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let mut line = format!(
        "{fails}: {} ({}).",
        first.summary.trim_end_matches('.'),
        first.check
    );
    if others > 0 {
        line.push_str(&format!(
            " {} too.",
            plural(others, "other root cause", "other root causes")
        ));
    }
    if consequences > 0 {
        line.push_str(&format!(
            " {} follow from them.",
            plural(consequences, "problem", "problems")
        ));
        if others == 0 {
            line = line.replace(" follow from them.", " follow from it.");
            line = line.replace(" follows from them.", " follows from it.");
        }
    }
    if fixes > 0 {
        line.push_str(&format!(
            " {} below, root causes first.",
            plural(fixes, "fix", "fixes")
        ));
    }
    Some(line)
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

/// The AWS documentation page a check's explanation links to ("See: ...").
fn docs_link(slug: &str) -> Option<&'static str> {
    let check = crate::checks::CHECKS.iter().find(|c| c.slug == slug)?;
    check
        .explanation
        .lines()
        .find_map(|line| line.strip_prefix("See: "))
        .map(str::trim)
}
