//! The AWS Security Finding Format, for Security Hub: one finding per
//! problem per secret, and an archived one for each check that passes, so
//! that a finding Security Hub holds from an earlier run closes once its
//! problem is fixed. The document is BatchImportFindings' own input
//! (`{"Findings": [...]}`), so `aws securityhub batch-import-findings
//! --cli-input-json` imports it as it is, 100 findings a call (the README
//! splits a larger report with jq).
//!
//! Field rules from the ASFF syntax reference (Security Hub User Guide,
//! "AWS Security Finding Format (ASFF) syntax"): `Title` at most 256
//! characters, `Description` 1,024, `Remediation.Recommendation.Text` 512,
//! `Id` and `GeneratorId` 512.

use std::io::{self, Write};

use serde_json::{Value, json};

use super::SecretReport;
use crate::checks::CHECKS;
use crate::finding::{Finding, Status};

pub const SCHEMA_VERSION: &str = "2018-10-08";
pub const TITLE_MAX: usize = 256;
pub const DESCRIPTION_MAX: usize = 1024;
pub const RECOMMENDATION_MAX: usize = 512;

pub fn render(reports: &[SecretReport], out: &mut dyn Write) -> io::Result<()> {
    let findings = reports
        .iter()
        .flat_map(|report| {
            report
                .findings
                .iter()
                .filter_map(move |f| finding(report, f))
        })
        .collect::<Vec<_>>();
    serde_json::to_writer_pretty(&mut *out, &json!({"Findings": findings}))?;
    writeln!(out)
}

/// One ASFF finding; none for a skipped check, or for a secret whose ARN,
/// account and Region are unknown (Security Hub needs all three).
fn finding(report: &SecretReport, finding: &Finding) -> Option<Value> {
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
    let time = report.collected_at.to_string();
    let mut recommendation = json!({
        "Text": clip(
            finding
                .fix
                .as_ref()
                .map_or("See the check's documentation.", |fix| fix.summary.as_str()),
            RECOMMENDATION_MAX
        ),
    });
    if let Some(url) = docs_link(finding.check) {
        recommendation["Url"] = json!(url);
    }
    Some(json!({
        "SchemaVersion": SCHEMA_VERSION,
        "Id": format!("{arn}/rotdoctor/{}", finding.check),
        "ProductArn": format!("arn:{partition}:securityhub:{region}:{account}:product/{account}/default"),
        "GeneratorId": format!("rotdoctor/{}", finding.check),
        "AwsAccountId": account,
        "Types": ["Software and Configuration Checks/AWS Security Best Practices"],
        "CreatedAt": time,
        "UpdatedAt": time,
        "Severity": {"Label": severity},
        "Title": clip(finding.title, TITLE_MAX),
        "Description": clip(&finding.summary, DESCRIPTION_MAX),
        "Remediation": {"Recommendation": recommendation},
        "ProductFields": {"rotdoctor/check": finding.check},
        "Resources": [{
            "Type": "AwsSecretsManagerSecret",
            "Id": arn,
            "Partition": partition,
            "Region": region,
        }],
        "Compliance": {"Status": compliance},
        "Workflow": {"Status": workflow},
        "RecordState": record,
    }))
}

/// The AWS documentation page the check's docs link to ("See: ...").
fn docs_link(slug: &str) -> Option<&'static str> {
    let check = CHECKS.iter().find(|c| c.slug == slug)?;
    check
        .explanation
        .lines()
        .find_map(|line| line.strip_prefix("See: "))
        .map(str::trim)
}

/// At most `max` characters, cut with an ellipsis.
fn clip(text: &str, max: usize) -> String {
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

    #[test]
    fn every_check_links_its_aws_documentation() {
        for check in CHECKS {
            let url =
                docs_link(check.slug).unwrap_or_else(|| panic!("{} has no See: line", check.slug));
            assert!(url.starts_with("https://"), "{}: {url}", check.slug);
        }
    }
}
