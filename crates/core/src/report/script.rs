//! The fix plan as a shell script (`--output script`): every fix command of
//! every failing or warning check, root causes first and each consequence's
//! follow-up (the AWSPENDING step, a retried rotation) after them, exactly as
//! the report prints them. rotdoctor never runs it.

use std::io::{self, Write};

use super::SecretReport;
use crate::finding::Finding;

pub fn render(reports: &[SecretReport], out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "#!/usr/bin/env bash")?;
    writeln!(
        out,
        "# The fixes rotdoctor found, in the order to run them: root causes first,"
    )?;
    writeln!(
        out,
        "# then what follows from them. Read each step before you run it; a command"
    )?;
    writeln!(
        out,
        "# with a <placeholder> is commented out until you fill it in."
    )?;
    writeln!(out, "set -euo pipefail")?;
    let mut written = Vec::new();
    for report in reports {
        writeln!(out, "\n# === {}", report.id)?;
        if let Some(diagnosis) = &report.diagnosis {
            writeln!(out, "# {}", one_line(diagnosis))?;
        }
        let fixable = report
            .root_first()
            .into_iter()
            .filter(|f| f.is_problem() && f.suppressed.is_none())
            .filter(|f| f.fix.is_some());
        let (roots, follow_ups): (Vec<&Finding>, Vec<&Finding>) =
            fixable.partition(|f| f.caused_by.is_none());
        let mut step = 0;
        for finding in roots.into_iter().chain(follow_ups) {
            step += 1;
            write_step(out, step, finding, &mut written)?;
        }
        if step == 0 {
            writeln!(out, "# nothing to fix")?;
        }
    }
    Ok(())
}

fn write_step(
    out: &mut dyn Write,
    step: usize,
    finding: &Finding,
    written: &mut Vec<String>,
) -> io::Result<()> {
    let Some(fix) = &finding.fix else {
        return Ok(());
    };
    let cause = finding
        .caused_by
        .map(|cause| format!(", after {cause}"))
        .unwrap_or_default();
    writeln!(
        out,
        "\n# {step}. {}{cause}: {}",
        finding.check,
        one_line(&finding.summary)
    )?;
    writeln!(out, "# {}", one_line(&fix.summary))?;
    if fix.commands.is_empty() {
        writeln!(out, "# (no command: the step above is yours to do)")?;
    }
    for command in &fix.commands {
        // Two checks may give the same follow-up (a retried rotation).
        if written.contains(command) {
            writeln!(out, "# (already above) {command}")?;
            continue;
        }
        written.push(command.clone());
        if has_placeholder(command) {
            writeln!(out, "# {command}")?;
        } else {
            writeln!(out, "{command}")?;
        }
    }
    Ok(())
}

/// `<host>`, `<ARN of the rotation function>`: a value the user supplies,
/// written between angle brackets with no quote or bracket inside.
fn has_placeholder(command: &str) -> bool {
    command.split('<').skip(1).any(|after| {
        after
            .split_once('>')
            .is_some_and(|(inside, _)| !inside.is_empty() && !inside.contains(['"', '\'']))
    })
}

fn one_line(text: &str) -> String {
    text.replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_recognised() {
        assert!(has_placeholder("aws x --host '<host>'"));
        assert!(has_placeholder("jq '{\"host\":\"<host>\"}'"));
        assert!(!has_placeholder("aws ec2 x --port 5432"));
    }
}
