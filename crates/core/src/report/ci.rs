//! Reports for CI: SARIF 2.1.0 for code-scanning dashboards, JUnit XML for
//! test-report views, Markdown for `$GITHUB_STEP_SUMMARY`, and GitHub
//! Actions annotations.
//!
//! Every format is built from the same findings as the human and JSON
//! reports; none adds or drops a verdict.

use std::fmt::Write as _;
use std::io::{self, Write};

use serde_json::json;

use super::{SecretReport, Summary};
use crate::checks::CHECKS;
use crate::finding::{Finding, Status};

/// SARIF: one rule per check (`ruleId` is the slug), one result per warn,
/// fail and error, located at a stable synthetic URI for the secret, with a
/// fingerprint that stays the same from run to run so alerts do not churn.
/// A suppressed finding's result carries its suppression and reason.
pub fn render_sarif(reports: &[SecretReport], out: &mut dyn Write) -> io::Result<()> {
    let rules = CHECKS
        .iter()
        .map(|check| {
            json!({
                "id": check.slug,
                "name": check.slug,
                "shortDescription": {"text": check.title},
                "help": {"text": format!("rotdoctor check SECRET --only {}", check.slug)},
            })
        })
        .collect::<Vec<_>>();
    let mut results = Vec::new();
    for report in reports {
        let label = report.label();
        let arn = report.arn.as_deref().unwrap_or(&label);
        for finding in &report.findings {
            let level = match finding.status {
                Status::Fail => "error",
                Status::Warn => "warning",
                Status::Error => "note",
                Status::Pass | Status::Skip => continue,
            };
            let mut result = json!({
                "ruleId": finding.check,
                "level": level,
                "message": {"text": format!("{}: {}", report.label(), finding.summary)},
                "locations": [{
                    "physicalLocation": {"artifactLocation": {"uri": location(arn)}},
                    "logicalLocations": [{"fullyQualifiedName": arn, "kind": "resource"}],
                }],
                "partialFingerprints": {"rotdoctor/v1": fingerprint(&format!("{}|{arn}", finding.check))},
            });
            let mut properties = serde_json::Map::new();
            if let Some(cause) = finding.caused_by {
                properties.insert("caused_by".to_string(), json!(cause));
            }
            // SARIF's own `fixes` edit files; these change cloud resources.
            if let Some(fix) = finding.fix.as_ref().filter(|fix| !fix.iac.is_empty()) {
                properties.insert("iac_fixes".to_string(), json!(fix.iac));
            }
            if !properties.is_empty() {
                result["properties"] = serde_json::Value::Object(properties);
            }
            if let Some(reason) = &finding.suppressed {
                // Accepted in a file kept beside the scan, not in the "source".
                result["suppressions"] = json!([{
                    "kind": "external",
                    "status": "accepted",
                    "justification": reason,
                }]);
            }
            results.push(result);
        }
    }
    let document = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "rotdoctor",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "results": results,
        }],
    });
    serde_json::to_writer_pretty(&mut *out, &document)?;
    writeln!(out)
}

/// `aws/secretsmanager/<region>/<account>/<name>`: a secret has no file,
/// but SARIF results need a location, and this one is stable.
pub(super) fn location(arn: &str) -> String {
    let parts = arn.splitn(7, ':').collect::<Vec<_>>();
    match parts[..] {
        [_, _, service, region, account, _, name] => {
            format!("aws/{service}/{region}/{account}/{name}")
        }
        _ => format!("aws/secretsmanager/{arn}"),
    }
}

/// FNV-1a: a stable fingerprint, the same on every platform and run.
pub(super) fn fingerprint(text: &str) -> String {
    let hash = text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    format!("{hash:016x}")
}

/// JUnit XML (the common schema Jenkins, GitLab and pytest use): a test
/// suite per secret, a test case per check. `fail` is a failure, `error` an
/// error, `skip` skipped; a `warn` passes with its verdict as output. A
/// suppressed finding no longer fails the gate, so it is skipped, with the
/// reason and its verdict.
pub fn render_junit(reports: &[SecretReport], out: &mut dyn Write) -> io::Result<()> {
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    // The schema has no `skipped` count on <testsuites>, only on each suite.
    let all = JunitCounts::of(reports.iter().flat_map(|r| &r.findings));
    let _ = writeln!(
        xml,
        "<testsuites name=\"rotdoctor\" tests=\"{}\" failures=\"{}\" errors=\"{}\">",
        all.tests, all.failures, all.errors
    );
    for report in reports {
        let suite = JunitCounts::of(report.findings.iter());
        let _ = writeln!(
            xml,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\">",
            escape(&report.label()),
            suite.tests,
            suite.failures,
            suite.errors,
            suite.skipped
        );
        for finding in &report.findings {
            let _ = write!(
                xml,
                "    <testcase classname=\"{}\" name=\"{}\"",
                escape(&report.label()),
                escape(finding.check)
            );
            let message = escape(&finding.summary);
            let details = escape(&details(finding));
            let body = match (JunitOutcome::of(finding), &finding.suppressed) {
                (JunitOutcome::Passed, _) if finding.status == Status::Warn => {
                    format!("<system-out>warning: {message}\n{details}</system-out>")
                }
                (JunitOutcome::Passed, _) => String::new(),
                (JunitOutcome::Skipped, Some(reason)) => format!(
                    "<skipped message=\"suppressed: {}\"/>\n      <system-out>{}: {message}\n{details}</system-out>",
                    escape(reason),
                    finding.status.as_str()
                ),
                (JunitOutcome::Skipped, None) => format!("<skipped message=\"{message}\"/>"),
                (JunitOutcome::Failure, _) => {
                    format!("<failure message=\"{message}\">{details}</failure>")
                }
                (JunitOutcome::Error, _) => {
                    format!("<error message=\"{message}\">{details}</error>")
                }
            };
            let _ = if body.is_empty() {
                writeln!(xml, "/>")
            } else {
                writeln!(xml, ">\n      {body}\n    </testcase>")
            };
        }
        let _ = writeln!(xml, "  </testsuite>");
    }
    xml.push_str("</testsuites>\n");
    out.write_all(xml.as_bytes())
}

/// How a finding shows as a JUnit test case.
enum JunitOutcome {
    Passed,
    Failure,
    Error,
    Skipped,
}

impl JunitOutcome {
    fn of(finding: &Finding) -> Self {
        match (finding.status, &finding.suppressed) {
            (Status::Pass, _) | (Status::Warn, None) => JunitOutcome::Passed,
            (Status::Skip, _) | (_, Some(_)) => JunitOutcome::Skipped,
            (Status::Fail, None) => JunitOutcome::Failure,
            (Status::Error, None) => JunitOutcome::Error,
        }
    }
}

/// The counts a JUnit suite declares.
#[derive(Default)]
struct JunitCounts {
    tests: usize,
    failures: usize,
    errors: usize,
    skipped: usize,
}

impl JunitCounts {
    fn of<'a>(findings: impl Iterator<Item = &'a Finding>) -> Self {
        let mut counts = JunitCounts::default();
        for finding in findings {
            counts.tests += 1;
            match JunitOutcome::of(finding) {
                JunitOutcome::Passed => {}
                JunitOutcome::Failure => counts.failures += 1,
                JunitOutcome::Error => counts.errors += 1,
                JunitOutcome::Skipped => counts.skipped += 1,
            }
        }
        counts
    }
}

/// The evidence and fix of a finding as plain text lines.
fn details(finding: &Finding) -> String {
    let mut lines = finding
        .caused_by
        .iter()
        .map(|cause| format!("caused by: {cause}"))
        .collect::<Vec<_>>();
    lines.extend(
        finding
            .evidence
            .iter()
            .map(|e| format!("{}: {}", e.source, e.observed)),
    );
    if let Some(fix) = &finding.fix {
        lines.push(format!("Fix: {}", fix.summary));
        lines.extend(fix.commands.iter().cloned());
    }
    lines.join("\n")
}

fn escape(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_control() || matches!(c, '\n' | '\t'))
        .fold(String::with_capacity(text.len()), |mut out, c| {
            match c {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '"' => out.push_str("&quot;"),
                '\'' => out.push_str("&apos;"),
                c => out.push(c),
            }
            out
        })
}

/// Markdown, for `$GITHUB_STEP_SUMMARY` and merge-request comments.
pub fn render_markdown(reports: &[SecretReport], out: &mut dyn Write) -> io::Result<()> {
    let mut md = String::new();
    for report in reports {
        let _ = writeln!(md, "### `{}`\n", report.label());
        if let Some(diagnosis) = &report.diagnosis {
            let _ = writeln!(md, "**Diagnosis:** {}\n", cell(diagnosis));
        }
        let _ = writeln!(md, "| | check | verdict |\n|---|---|---|");
        for finding in &report.findings {
            let mut accepted = match &finding.suppressed {
                Some(reason) => format!(" *(suppressed: {})*", cell(reason)),
                None => String::new(),
            };
            if let Some(cause) = finding.caused_by {
                accepted.push_str(&format!(" *(caused by `{cause}`)*"));
            }
            let _ = writeln!(
                md,
                "| {} | `{}` | {}{accepted} |",
                mark(finding.status),
                finding.check,
                cell(&finding.summary)
            );
        }
        let problems = report.root_first().into_iter().filter(|f| f.is_problem());
        for finding in problems {
            let _ = writeln!(
                md,
                "\n<details><summary>{} <code>{}</code></summary>\n",
                mark(finding.status),
                finding.check
            );
            for evidence in &finding.evidence {
                let _ = writeln!(md, "- `{}` {}", evidence.source, cell(&evidence.observed));
            }
            if let Some(fix) = &finding.fix {
                let _ = writeln!(md, "\n**Fix:** {}\n", cell(&fix.summary));
                if !fix.commands.is_empty() {
                    let _ = writeln!(md, "```sh\n{}\n```", fix.commands.join("\n"));
                }
                for snippet in &fix.iac {
                    let fence = match snippet.language {
                        crate::iac::Language::Cloudformation => "yaml",
                        crate::iac::Language::Terraform => "hcl",
                        crate::iac::Language::Cdk => "ts",
                    };
                    let _ = writeln!(
                        md,
                        "\n{} (`{}`):\n\n```{fence}\n{}```",
                        snippet.language, snippet.resource, snippet.snippet
                    );
                }
            }
            let _ = writeln!(md, "\n</details>");
        }
        md.push('\n');
    }
    let summary = Summary::of(reports);
    let _ = write!(
        md,
        "**{} fail, {} warn, {} error, {} pass, {} skip",
        summary.fail, summary.warn, summary.error, summary.pass, summary.skip
    );
    if summary.suppressed > 0 {
        let _ = write!(md, "; {} suppressed", summary.suppressed);
    }
    md.push_str("**\n");
    out.write_all(md.as_bytes())
}

fn mark(status: Status) -> &'static str {
    match status {
        Status::Pass => "✅",
        Status::Warn => "⚠️",
        Status::Fail => "❌",
        Status::Skip => "➖",
        Status::Error => "❓",
    }
}

/// Text safe inside a Markdown table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// GitHub Actions annotations, one per warn, fail and error (a notice when
/// suppressed). They go to stderr, which the runner reads as it reads
/// stdout, so that they never mix with a report on stdout.
pub fn write_annotations(reports: &[SecretReport], out: &mut dyn Write) -> io::Result<()> {
    for report in reports {
        for finding in &report.findings {
            let command = match (finding.status, &finding.suppressed) {
                (Status::Pass | Status::Skip, _) => continue,
                // Accepted: a note for whoever reads the run, not an alarm.
                (_, Some(_)) => "notice",
                (Status::Fail, None) => "error",
                (Status::Warn, None) => "warning",
                (Status::Error, None) => "notice",
            };
            let mut accepted = match &finding.suppressed {
                Some(reason) => format!(" (suppressed: {reason})"),
                None => String::new(),
            };
            if let Some(cause) = finding.caused_by {
                accepted.push_str(&format!(" (caused by {cause})"));
            }
            writeln!(
                out,
                "::{command} title={}::{}",
                property(&format!("rotdoctor {}", finding.check)),
                data(&format!(
                    "{}: {}{accepted}",
                    report.label(),
                    finding.summary
                ))
            )?;
        }
    }
    Ok(())
}

/// Escapes for a workflow command's message.
fn data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes for a workflow command's property.
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_and_locations_are_stable() {
        assert_eq!(
            fingerprint("pending-version|arn"),
            fingerprint("pending-version|arn")
        );
        assert_ne!(
            fingerprint("pending-version|arn"),
            fingerprint("rotation-schedule|arn")
        );
        assert_eq!(
            location("arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbCdEf"),
            "aws/secretsmanager/us-east-1/111122223333/prod/db-AbCdEf"
        );
    }

    #[test]
    fn text_is_escaped_for_xml_and_workflow_commands() {
        assert_eq!(escape(r#"a<b & "c"'"#), "a&lt;b &amp; &quot;c&quot;&apos;");
        assert_eq!(data("50% done\nnext"), "50%25 done%0Anext");
        assert_eq!(property("a:b,c"), "a%3Ab%2Cc");
    }
}
