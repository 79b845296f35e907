//! The report for people: a mark and a one-line verdict per check, the
//! evidence and fix of every problem, and a summary line.
//!
//! Passing and skipped checks show their evidence only with `-v`.

use std::io::{self, Write};

use colored::{ColoredString, Colorize};
use comfy_table::{Table, presets};

use super::{SecretReport, Summary};
use crate::finding::{Finding, Status};

pub fn render(reports: &[SecretReport], verbose: bool, out: &mut dyn Write) -> io::Result<()> {
    for report in reports {
        let heading = match &report.arn {
            Some(arn) if *arn != report.id => {
                format!("{}  {}", report.label().bold(), arn.dimmed())
            }
            _ => report.label().bold().to_string(),
        };
        writeln!(out, "{heading}")?;
        if let Some(diagnosis) = &report.diagnosis {
            writeln!(out, "{} {diagnosis}", "Diagnosis:".bold())?;
        }
        let mut table = Table::new();
        table.load_style(presets::NOTHING);
        for finding in report.root_first() {
            // A consequence sits under its cause, marked as following from it.
            let check = match finding.caused_by {
                Some(_) => format!("↳ {}", finding.check),
                None => finding.check.to_string(),
            };
            table.add_row(vec![
                mark(finding.status).to_string(),
                check,
                body(finding, verbose),
            ]);
        }
        // Cells are padded to the widest row; trailing blanks help no one.
        for line in table.to_string().lines() {
            writeln!(out, "{}", line.trim_end())?;
        }
        writeln!(out)?;
    }
    if let Some(table) = scope_table(reports) {
        writeln!(out, "{table}")?;
    }
    writeln!(out, "{}", summary_line(&Summary::of(reports)))
}

fn mark(status: Status) -> ColoredString {
    match status {
        Status::Pass => "✓".green(),
        Status::Warn => "!".yellow().bold(),
        Status::Fail => "✗".red().bold(),
        Status::Skip => "-".dimmed(),
        Status::Error => "?".magenta().bold(),
    }
}

/// The verdict, then (for problems, or always with `-v`) evidence and fix.
fn body(finding: &Finding, verbose: bool) -> String {
    let mut lines = vec![match finding.status {
        Status::Skip => finding.summary.dimmed().to_string(),
        _ => finding.summary.clone(),
    }];
    if let Some(cause) = finding.caused_by {
        lines.push(format!(
            "  {} {cause}: fix that first",
            "follows from".bold()
        ));
    }
    if let Some(reason) = &finding.suppressed {
        lines.push(format!("  {} {reason}", "suppressed:".bold()));
    }
    let is_problem = finding.is_problem();
    if is_problem || verbose {
        for evidence in &finding.evidence {
            lines.push(format!(
                "  {}  {}",
                evidence.source.dimmed(),
                evidence.observed
            ));
        }
    }
    if let Some(fix) = finding.fix.as_ref().filter(|_| is_problem) {
        lines.push(format!("{} {}", "Fix:".bold(), fix.summary));
        for command in &fix.commands {
            lines.push(format!("  {}", command.cyan()));
        }
        for snippet in &fix.iac {
            lines.push(format!(
                "  {} {}:",
                snippet.language.to_string().bold(),
                snippet.resource
            ));
            lines.extend(snippet.snippet.lines().map(|line| format!("    {line}")));
        }
    }
    lines.join("\n")
}

/// `2 problems, 1 warning in 7 checks`, with errors and skips when there are any.
fn summary_line(summary: &Summary) -> String {
    let plural = |n: usize, word: &str| {
        if n == 1 {
            format!("{n} {word}")
        } else {
            format!("{n} {word}s")
        }
    };
    let problems = plural(summary.fail, "problem");
    let warnings = plural(summary.warn, "warning");
    let mut line = format!(
        "{}, {} in {}",
        if summary.fail > 0 {
            problems.red().bold()
        } else {
            problems.normal()
        },
        if summary.warn > 0 {
            warnings.yellow()
        } else {
            warnings.normal()
        },
        plural(summary.total(), "check"),
    );
    if summary.error > 0 {
        line.push_str(&format!(
            "; {} could not be checked",
            summary.error.to_string().magenta()
        ));
    }
    if summary.skip > 0 {
        line.push_str(&format!("; {} skipped", summary.skip));
    }
    if summary.suppressed > 0 {
        line.push_str(&format!("; {} suppressed", summary.suppressed));
    }
    line
}

/// For a run over several accounts or Regions: one row each, with its
/// secrets, problems and errors.
fn scope_table(reports: &[SecretReport]) -> Option<String> {
    let mut scopes: Vec<(&str, &str, usize, usize, usize)> = Vec::new();
    for report in reports.iter().filter(|r| r.scope_label.is_some()) {
        let account = report.account.as_deref().unwrap_or("-");
        let region = report.region.as_deref().unwrap_or("-");
        let index = match scopes
            .iter()
            .position(|(a, r, ..)| *a == account && *r == region)
        {
            Some(index) => index,
            None => {
                scopes.push((account, region, 0, 0, 0));
                scopes.len() - 1
            }
        };
        let row = &mut scopes[index];
        let failed_scope = report.findings.iter().any(|f| f.check == super::SCAN);
        row.2 += usize::from(!failed_scope);
        row.3 +=
            usize::from(report.findings.iter().any(|f| {
                f.suppressed.is_none() && matches!(f.status, Status::Fail | Status::Warn)
            }));
        row.4 += report
            .findings
            .iter()
            .filter(|f| f.status == Status::Error)
            .count();
    }
    if scopes.is_empty() {
        return None;
    }
    let mut table = Table::new();
    table.load_style(presets::NOTHING);
    table.set_header(vec![
        "account",
        "region",
        "secrets",
        "with problems",
        "errors",
    ]);
    for (account, region, secrets, problems, errors) in scopes {
        table.add_row(vec![
            account.to_string(),
            region.to_string(),
            secrets.to_string(),
            problems.to_string(),
            errors.to_string(),
        ]);
    }
    let text = table
        .to_string()
        .lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n");
    Some(format!("{text}\n"))
}
