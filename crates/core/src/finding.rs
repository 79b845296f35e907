//! What a check concludes about one secret: the public shape of every finding.

use serde::Serialize;

/// A check's verdict. The lowercase names are part of the JSON contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// The requirement holds.
    Pass,
    /// It holds only partly, or will break soon, or rotdoctor could only partly decide.
    Warn,
    /// The requirement does not hold: rotation fails, or has failed, because of it.
    Fail,
    /// Not applicable here, or another check already reports the root cause.
    Skip,
    /// rotdoctor could not decide: it lacked a permission or an API call failed.
    Error,
}

impl Status {
    pub const ALL: [Status; 5] = [
        Status::Pass,
        Status::Warn,
        Status::Fail,
        Status::Skip,
        Status::Error,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Warn => "warn",
            Status::Fail => "fail",
            Status::Skip => "skip",
            Status::Error => "error",
        }
    }
}

/// One line of evidence: what was observed, and which API call showed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evidence {
    /// The IAM action of the call the fact came from, e.g. `lambda:GetPolicy`.
    pub source: String,
    pub observed: String,
}

/// The commands that fix a problem. rotdoctor prints them; it never runs them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fix {
    pub summary: String,
    /// Complete AWS CLI commands, every value shell-quoted, in the order to run them.
    pub commands: Vec<String>,
    /// The same change to each resource, as data: what [`Fix::iac`] is written from.
    #[serde(skip)]
    pub changes: Vec<crate::iac::Change>,
    /// The change in the languages infrastructure is written in: the one
    /// its tags show, or those `--iac` asks for. Filled in by the report.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub iac: Vec<crate::iac::Snippet>,
}

/// A fix being put together: its commands in order, each once, and the
/// changes among them that have an IaC form.
#[derive(Debug, Default)]
pub struct FixPlan {
    commands: Vec<String>,
    changes: Vec<crate::iac::Change>,
}

impl FixPlan {
    /// A plan of one command and the change it makes.
    pub fn of(change: (String, crate::iac::Change)) -> Self {
        let mut plan = FixPlan::default();
        plan.change(change);
        plan
    }

    /// A command with no IaC form (a value, a label, an attribute).
    pub fn command(&mut self, command: String) {
        if !self.commands.contains(&command) {
            self.commands.push(command);
        }
    }

    /// A command and the change it makes.
    pub fn change(&mut self, (command, change): (String, crate::iac::Change)) {
        if !self.commands.contains(&command) {
            self.commands.push(command);
            self.changes.push(change);
        }
    }

    /// Commands that make one change together (a VPC's two DNS attributes).
    pub fn change_in_steps(&mut self, (commands, change): (Vec<String>, crate::iac::Change)) {
        for command in commands {
            self.command(command);
        }
        if !self.changes.contains(&change) {
            self.changes.push(change);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.commands.is_empty()
    }
}

impl Extend<(String, crate::iac::Change)> for FixPlan {
    fn extend<I: IntoIterator<Item = (String, crate::iac::Change)>>(&mut self, items: I) {
        for item in items {
            self.change(item);
        }
    }
}

/// What a check concluded, before the report adds the check's name and title.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub status: Status,
    pub summary: String,
    pub evidence: Vec<Evidence>,
    pub fix: Option<Box<Fix>>,
    /// What the evidence points to as the cause, for a verdict about what
    /// rotation did (a log line naming its check); `None` when it says nothing.
    pub points_to: Option<Cause>,
}

/// Where the cause of a consequence lies, by its own evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// The problem of this check.
    Check(&'static str),
    /// Outside every check (an organization's policy rotdoctor cannot
    /// read): the consequence is a root cause of its own.
    OutsideEveryCheck,
}

impl Verdict {
    pub fn new(status: Status, summary: impl Into<String>) -> Self {
        Verdict {
            status,
            summary: summary.into(),
            evidence: Vec::new(),
            fix: None,
            points_to: None,
        }
    }

    pub fn pass(summary: impl Into<String>) -> Self {
        Self::new(Status::Pass, summary)
    }

    pub fn warn(summary: impl Into<String>) -> Self {
        Self::new(Status::Warn, summary)
    }

    pub fn fail(summary: impl Into<String>) -> Self {
        Self::new(Status::Fail, summary)
    }

    pub fn skip(summary: impl Into<String>) -> Self {
        Self::new(Status::Skip, summary)
    }

    pub fn error(summary: impl Into<String>) -> Self {
        Self::new(Status::Error, summary)
    }

    pub fn evidence(mut self, source: &str, observed: impl Into<String>) -> Self {
        self.evidence.push(Evidence {
            source: source.to_string(),
            observed: observed.into(),
        });
        self
    }

    pub fn points_to(mut self, cause: Cause) -> Self {
        self.points_to = Some(cause);
        self
    }

    pub fn fix(mut self, summary: impl Into<String>, commands: Vec<String>) -> Self {
        self.fix = Some(Box::new(Fix {
            summary: summary.into(),
            commands,
            changes: Vec::new(),
            iac: Vec::new(),
        }));
        self
    }

    /// The fix `plan` puts together; none when it holds no command.
    pub fn fix_plan(self, summary: impl Into<String>, plan: FixPlan) -> Self {
        if plan.is_empty() {
            return self;
        }
        let verdict = self.fix(summary, plan.commands);
        plan.changes
            .into_iter()
            .fold(verdict, |verdict, change| verdict.change(change))
    }

    /// What the fix changes, for its IaC snippets; a verdict without a fix
    /// gets none.
    pub fn change(mut self, change: crate::iac::Change) -> Self {
        if let Some(fix) = &mut self.fix {
            fix.changes.push(change);
        }
        self
    }
}

/// A verdict with the check it came from: one entry of the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The check's slug, e.g. `invoke-permission`. Stable: scripts rely on it.
    pub check: &'static str,
    pub status: Status,
    /// The requirement the check verifies.
    pub title: &'static str,
    /// The verdict in one line.
    pub summary: String,
    pub evidence: Vec<Evidence>,
    pub fix: Option<Box<Fix>>,
    /// Why the finding is accepted, when a suppression file says so: it is
    /// still reported, but no longer fails the gate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<String>,
    /// The check whose problem this one follows from (a stranded AWSPENDING
    /// from a database rotation cannot reach): fix that one first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub caused_by: Option<&'static str>,
}

impl Finding {
    pub fn is_problem(&self) -> bool {
        matches!(self.status, Status::Warn | Status::Fail | Status::Error)
    }
}
