//! GitLab's security report (the SAST schema, version 15.2.1), so that
//! findings show in merge requests and the vulnerability report: GitLab
//! reads no SARIF. One vulnerability per warn, fail and error, as SARIF
//! has its results, with the same stable id and the same synthetic
//! location for the secret (GitLab tells vulnerabilities apart by their
//! identifiers and location). A suppressed finding is left out: GitLab's
//! report has no word for "accepted", and dismissing is done in GitLab.
//!
//! Field limits from the schema: `name` at most 255 characters, `solution`
//! 7,000; times are UTC `yyyy-mm-ddThh:mm:ss`.

use std::io::{self, Write};

use serde_json::{Value, json};

use super::asff::clip;
use super::ci::{fingerprint, location};
use super::{SecretReport, docs_link};
use crate::finding::{Finding, Status};

pub const SCHEMA_VERSION: &str = "15.2.1";
const NAME_MAX: usize = 255;
const SOLUTION_MAX: usize = 7000;

pub fn render(reports: &[SecretReport], out: &mut dyn Write) -> io::Result<()> {
    let vulnerabilities = reports
        .iter()
        .flat_map(|report| {
            report
                .findings
                .iter()
                .filter_map(move |f| vulnerability(report, f))
        })
        .collect::<Vec<_>>();
    let times = reports.iter().map(|r| r.collected_at);
    let start = times.clone().min().unwrap_or_else(jiff::Timestamp::now);
    let end = times.max().unwrap_or(start);
    let tool = json!({
        "id": "rotdoctor",
        "name": "rotdoctor",
        "version": env!("CARGO_PKG_VERSION"),
        "vendor": {"name": "rotdoctor"},
    });
    let document = json!({
        "version": SCHEMA_VERSION,
        "schema": format!("https://gitlab.com/gitlab-org/security-products/security-report-schemas/-/raw/v{SCHEMA_VERSION}/dist/sast-report-format.json"),
        "scan": {
            "analyzer": tool,
            "scanner": tool,
            "type": "sast",
            "start_time": gitlab_time(start),
            "end_time": gitlab_time(end),
            "status": "success",
        },
        "vulnerabilities": vulnerabilities,
    });
    serde_json::to_writer_pretty(&mut *out, &document)?;
    writeln!(out)
}

fn vulnerability(report: &SecretReport, finding: &Finding) -> Option<Value> {
    let severity = match finding.status {
        Status::Fail => "High",
        Status::Warn => "Medium",
        // rotdoctor could not check: not a rating of the secret.
        Status::Error => "Unknown",
        Status::Pass | Status::Skip => return None,
    };
    if finding.suppressed.is_some() {
        return None;
    }
    let label = report.label();
    let arn = report.arn.as_deref().unwrap_or(&label);
    let mut identifier = json!({
        "type": "rotdoctor_check",
        "name": format!("rotdoctor {}", finding.check),
        "value": finding.check,
    });
    if let Some(url) = docs_link(finding.check) {
        identifier["url"] = json!(url);
    }
    let mut vulnerability = json!({
        "id": fingerprint(&format!("{}|{arn}", finding.check)),
        "name": clip(finding.title, NAME_MAX),
        "description": description(&label, finding),
        "severity": severity,
        "identifiers": [identifier],
        "location": {"file": location(arn)},
    });
    if let Some(fix) = &finding.fix {
        let mut solution = fix.summary.clone();
        for command in &fix.commands {
            solution.push('\n');
            solution.push_str(command);
        }
        vulnerability["solution"] = json!(clip(&solution, SOLUTION_MAX));
    }
    Some(vulnerability)
}

/// The verdict and its evidence, in GitLab Flavored Markdown.
fn description(label: &str, finding: &Finding) -> String {
    let mut text = format!("{label}: {}\n", finding.summary);
    if let Some(cause) = finding.caused_by {
        text.push_str(&format!("\nFollows from `{cause}`: fix that first.\n"));
    }
    if !finding.evidence.is_empty() {
        text.push_str("\nEvidence:\n");
        for evidence in &finding.evidence {
            text.push_str(&format!("- {}: {}\n", evidence.source, evidence.observed));
        }
    }
    text
}

/// UTC `yyyy-mm-ddThh:mm:ss`, as the schema's pattern asks.
fn gitlab_time(at: jiff::Timestamp) -> String {
    at.strftime("%Y-%m-%dT%H:%M:%S").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_have_no_zone_or_fraction() {
        let at: jiff::Timestamp = "2026-12-01T10:20:30.456Z".parse().unwrap();
        assert_eq!(gitlab_time(at), "2026-12-01T10:20:30");
    }
}
