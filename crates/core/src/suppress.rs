//! Accepted findings: a suppression file names a check, the secrets it
//! covers and the reason. A suppressed finding is still reported, with its
//! reason, but no longer fails the gate.
//!
//! ```json
//! {"suppressions": [
//!   {"check": "rotation-schedule", "secret": "legacy/*", "reason": "rotated by hand until Q3"}
//! ]}
//! ```
//! `secret` matches a secret's name or ARN, with `*` and `?` wildcards.

use serde::Deserialize;

use crate::policy::wildcard_match;
use crate::report::SecretReport;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Suppressions {
    pub suppressions: Vec<Suppression>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Suppression {
    pub check: String,
    pub secret: String,
    pub reason: String,
}

impl Suppressions {
    /// A suppression names a check that exists (or existed under another
    /// name) and says why: one that matches nothing, or accepts a finding
    /// for no reason, would quietly weaken a gate.
    pub fn validate(&self) -> Result<(), String> {
        for (index, suppression) in self.suppressions.iter().enumerate() {
            let which = index + 1;
            if crate::checks::resolve_slug(&suppression.check).is_none() {
                return Err(format!(
                    "suppression {which} names no check: {}; the checks are {}",
                    suppression.check,
                    crate::checks::slugs().join(", ")
                ));
            }
            if suppression.reason.trim().is_empty() {
                return Err(format!(
                    "suppression {which} ({}) gives no reason",
                    suppression.check
                ));
            }
            if suppression.secret.trim().is_empty() {
                return Err(format!(
                    "suppression {which} ({}) names no secret (use \"*\" for all)",
                    suppression.check
                ));
            }
        }
        Ok(())
    }

    /// Marks the findings the file accepts, with its reason.
    pub fn apply(&self, reports: &mut [SecretReport]) {
        for report in reports {
            let names = [
                Some(report.id.as_str()),
                report.name.as_deref(),
                report.arn.as_deref(),
            ];
            for finding in &mut report.findings {
                let accepted = self.suppressions.iter().find(|s| {
                    crate::checks::resolve_slug(&s.check).map(|(slug, _)| slug)
                        == Some(finding.check)
                        && names
                            .iter()
                            .flatten()
                            .any(|name| wildcard_match(&s.secret, name, false))
                });
                finding.suppressed = accepted.map(|s| s.reason.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks;

    #[test]
    fn matching_findings_carry_the_reason() {
        let facts = crate::checks::testing::healthy();
        let mut reports = vec![SecretReport::new(&facts, checks::run_all(&facts))];
        let file: Suppressions = serde_json::from_str(
            r#"{"suppressions": [{"check": "pending-version", "secret": "prod/*", "reason": "accepted"}]}"#,
        )
        .unwrap();
        file.apply(&mut reports);
        let suppressed = reports[0]
            .findings
            .iter()
            .filter(|f| f.suppressed.is_some())
            .collect::<Vec<_>>();
        assert_eq!(suppressed.len(), 1);
        assert_eq!(suppressed[0].check, "pending-version");
    }
}
