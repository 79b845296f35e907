//! The AWS Security Finding Format, for Security Hub: one finding per
//! problem per secret, and an archived one for each check that passes, so
//! that a finding Security Hub holds from an earlier run closes once its
//! problem is fixed. The document is BatchImportFindings' own input
//! (`{"Findings": [...]}`), so `aws securityhub batch-import-findings
//! --cli-input-json` imports it as it is, 100 findings a call; `check
//! --security-hub` imports the same [`AsffFinding`]s itself.
//!
//! Field rules from the ASFF syntax reference (Security Hub User Guide,
//! "AWS Security Finding Format (ASFF) syntax"): `Title` at most 256
//! characters, `Description` 1,024, `Remediation.Recommendation.Text` 512,
//! `Id` and `GeneratorId` 512.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;

use super::{SecretReport, docs_link};
use crate::finding::{Finding, Status};

pub const SCHEMA_VERSION: &str = "2018-10-08";
pub const TITLE_MAX: usize = 256;
pub const DESCRIPTION_MAX: usize = 1024;
pub const RECOMMENDATION_MAX: usize = 512;
/// The most findings one BatchImportFindings call takes.
pub const BATCH_MAX: usize = 100;

/// One finding, with the fields rotdoctor sets (named as in ASFF).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AsffFinding {
    pub schema_version: &'static str,
    pub id: String,
    pub product_arn: String,
    pub generator_id: String,
    pub aws_account_id: String,
    pub types: Vec<&'static str>,
    pub created_at: String,
    pub updated_at: String,
    pub severity: Severity,
    pub title: String,
    pub description: String,
    pub remediation: Remediation,
    pub product_fields: BTreeMap<&'static str, String>,
    pub resources: Vec<Resource>,
    pub compliance: Compliance,
    pub workflow: Workflow,
    pub record_state: &'static str,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Severity {
    pub label: &'static str,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Remediation {
    pub recommendation: Recommendation,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Recommendation {
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<&'static str>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Resource {
    #[serde(rename = "Type")]
    pub kind: &'static str,
    pub id: String,
    pub partition: String,
    pub region: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Compliance {
    pub status: &'static str,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Workflow {
    pub status: &'static str,
}

impl AsffFinding {
    /// The Region of the secret, whose Security Hub takes the finding.
    pub fn region(&self) -> &str {
        self.resources.first().map_or("", |r| r.region.as_str())
    }
}

pub fn render(reports: &[SecretReport], out: &mut dyn Write) -> io::Result<()> {
    #[derive(Serialize)]
    #[serde(rename_all = "PascalCase")]
    struct Input {
        findings: Vec<AsffFinding>,
    }
    let input = Input {
        findings: findings(reports),
    };
    serde_json::to_writer_pretty(&mut *out, &input)?;
    writeln!(out)
}

/// Every report's findings in ASFF.
pub fn findings(reports: &[SecretReport]) -> Vec<AsffFinding> {
    reports
        .iter()
        .flat_map(|report| {
            report
                .findings
                .iter()
                .filter_map(move |f| finding(report, f))
        })
        .collect()
}

/// One ASFF finding; none for a skipped check, or for a secret whose ARN,
/// account and Region are unknown (Security Hub needs all three).
fn finding(report: &SecretReport, finding: &Finding) -> Option<AsffFinding> {
    let (Some(arn), Some(account), Some(region)) = (&report.arn, &report.account, &report.region)
    else {
        return None;
    };
    let partition = arn.split(':').nth(1).unwrap_or("aws");
    let (compliance, severity, record, workflow) = match finding.status {
        Status::Fail => ("FAILED", "HIGH", "ACTIVE", "NEW"),
        Status::Warn => ("WARNING", "MEDIUM", "ACTIVE", "NEW"),
        // rotdoctor could not check: not evidence of a problem.
        Status::Error => ("NOT_AVAILABLE", "INFORMATIONAL", "ACTIVE", "NEW"),
        // Closes what an earlier run reported.
        Status::Pass => ("PASSED", "INFORMATIONAL", "ARCHIVED", "RESOLVED"),
        Status::Skip => return None,
    };
    // Accepted with a reason (--suppressions): Security Hub's own word.
    let workflow = match finding.suppressed {
        Some(_) if record == "ACTIVE" => "SUPPRESSED",
        _ => workflow,
    };
    let time = report.collected_at.to_string();
    let recommendation = finding
        .fix
        .as_ref()
        .map_or("See the check's documentation.", |fix| fix.summary.as_str());
    Some(AsffFinding {
        schema_version: SCHEMA_VERSION,
        id: format!("{arn}/rotdoctor/{}", finding.check),
        product_arn: format!(
            "arn:{partition}:securityhub:{region}:{account}:product/{account}/default"
        ),
        generator_id: format!("rotdoctor/{}", finding.check),
        aws_account_id: account.clone(),
        types: vec!["Software and Configuration Checks/AWS Security Best Practices"],
        created_at: time.clone(),
        updated_at: time,
        severity: Severity { label: severity },
        title: clip(finding.title, TITLE_MAX),
        description: clip(&finding.summary, DESCRIPTION_MAX),
        remediation: Remediation {
            recommendation: Recommendation {
                text: clip(recommendation, RECOMMENDATION_MAX),
                url: docs_link(finding.check),
            },
        },
        product_fields: BTreeMap::from([("rotdoctor/check", finding.check.to_string())]),
        resources: vec![Resource {
            kind: "AwsSecretsManagerSecret",
            id: arn.clone(),
            partition: partition.to_string(),
            region: region.clone(),
        }],
        compliance: Compliance { status: compliance },
        workflow: Workflow { status: workflow },
        record_state: record,
    })
}

/// At most `max` characters, cut with an ellipsis.
pub(super) fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut clipped = text.chars().take(max - 1).collect::<String>();
    clipped.push('…');
    clipped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_is_clipped_to_the_field_limit() {
        let long = "x".repeat(600);
        assert_eq!(
            clip(&long, RECOMMENDATION_MAX).chars().count(),
            RECOMMENDATION_MAX
        );
        assert_eq!(clip("short", 10), "short");
    }

    fn report_with(status: Status, suppressed: Option<&str>) -> SecretReport {
        SecretReport {
            id: "db".to_string(),
            arn: Some("arn:aws:secretsmanager:eu-west-1:111122223333:secret:db-AbCdEf".to_string()),
            name: Some("db".to_string()),
            collected_at: "2026-12-01T00:00:00Z".parse().unwrap(),
            findings: vec![Finding {
                check: "rotation-schedule",
                status,
                title: "Rotation runs on schedule",
                summary: "summary".to_string(),
                evidence: Vec::new(),
                fix: None,
                suppressed: suppressed.map(str::to_string),
                caused_by: None,
            }],
            diagnosis: None,
            account: Some("111122223333".to_string()),
            region: Some("eu-west-1".to_string()),
            scope_label: None,
        }
    }

    #[test]
    fn a_suppressed_problem_is_suppressed_in_security_hub_and_a_pass_resolved() {
        let workflow = |status, suppressed| {
            let found = findings(&[report_with(status, suppressed)]);
            (found[0].workflow.status, found[0].record_state)
        };
        assert_eq!(workflow(Status::Fail, None), ("NEW", "ACTIVE"));
        assert_eq!(
            workflow(Status::Fail, Some("rotated by hand")),
            ("SUPPRESSED", "ACTIVE")
        );
        assert_eq!(
            workflow(Status::Pass, Some("rotated by hand")),
            ("RESOLVED", "ARCHIVED")
        );
        assert!(findings(&[report_with(Status::Skip, None)]).is_empty());
    }

    #[test]
    fn every_check_links_its_aws_documentation() {
        for check in crate::checks::CHECKS {
            let url =
                docs_link(check.slug).unwrap_or_else(|| panic!("{} has no See: line", check.slug));
            assert!(url.starts_with("https://"), "{}: {url}", check.slug);
        }
    }
}
