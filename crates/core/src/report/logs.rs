//! `rotdoctor logs`: the rotation function's log read invocation by
//! invocation, each recognised error marked with its cause and the check
//! that covers it.

use std::io::{self, Write};

use colored::Colorize;
use serde::Serialize;

use crate::facts::{FunctionLog, LogEvent};
use crate::signatures::{self, Invocation};

/// The console page of a log group, in its region.
pub fn console_url(region: &str, group: &str) -> String {
    // The console takes the group name escaped twice over: `/` is `$252F`.
    let escaped = group.replace('/', "$252F");
    format!(
        "https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}#logsV2:log-groups/log-group/{escaped}"
    )
}

/// Where the events shown start, and why there.
#[derive(Debug, Clone, Serialize)]
pub struct Window {
    pub since: jiff::Timestamp,
    /// `--since`, the last rotation attempt, or the last hour.
    pub reason: String,
}

#[derive(Serialize)]
struct Document<'a> {
    log_group: &'a str,
    console_url: &'a str,
    since: jiff::Timestamp,
    since_reason: &'a str,
    truncated: bool,
    /// With `truncated`: events before this time were not read.
    #[serde(skip_serializing_if = "Option::is_none")]
    not_read_before: Option<jiff::Timestamp>,
    invocations: Vec<InvocationEntry<'a>>,
}

#[derive(Serialize)]
struct InvocationEntry<'a> {
    request_id: &'a str,
    step: Option<&'static str>,
    succeeded: bool,
    problem: Option<ProblemEntry<'a>>,
    events: Vec<&'a LogEvent>,
}

#[derive(Serialize)]
struct ProblemEntry<'a> {
    message: &'a str,
    cause: Option<&'static str>,
    check: Option<&'static str>,
}

fn shown<'a>(log: &'a FunctionLog, errors_only: bool) -> Vec<Invocation<'a>> {
    signatures::invocations(&log.events)
        .into_iter()
        .filter(|invocation| !errors_only || invocation.problem().is_some())
        .collect()
}

pub fn render_json(
    log: &FunctionLog,
    url: &str,
    window: &Window,
    errors_only: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    let invocations = shown(log, errors_only);
    let document = Document {
        log_group: &log.group,
        console_url: url,
        since: window.since,
        since_reason: &window.reason,
        truncated: log.truncated,
        not_read_before: log.not_read_before,
        invocations: invocations
            .iter()
            .map(|invocation| {
                let problem = invocation.problem();
                InvocationEntry {
                    request_id: &invocation.request_id,
                    step: invocation.step(),
                    succeeded: invocation.succeeded(),
                    problem: problem.as_ref().map(|p| ProblemEntry {
                        message: &p.line.message,
                        cause: p.known.map(|s| s.cause),
                        check: p.known.and_then(|s| s.check),
                    }),
                    events: invocation
                        .lines
                        .iter()
                        .copied()
                        .filter(|l| !errors_only || signatures::is_error(&l.message))
                        .collect(),
                }
            })
            .collect(),
    };
    serde_json::to_writer_pretty(&mut *out, &document)?;
    writeln!(out)
}

pub fn render_human(
    log: &FunctionLog,
    url: &str,
    window: &Window,
    errors_only: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    writeln!(out, "{}  {}", log.group.bold(), url.dimmed())?;
    writeln!(
        out,
        "{}",
        format!(
            "since {} ({})",
            window.since.strftime("%Y-%m-%d %H:%M:%S UTC"),
            window.reason
        )
        .dimmed()
    )?;
    if log.truncated {
        let before = log
            .not_read_before
            .map(|t| format!("events before {}", t.strftime("%Y-%m-%d %H:%M:%S UTC")))
            .unwrap_or_else(|| "older events".to_string());
        writeln!(
            out,
            "{}",
            format!("({before} not read: the window holds more than rotdoctor reads)").dimmed()
        )?;
    }
    let invocations = shown(log, errors_only);
    if invocations.is_empty() {
        writeln!(
            out,
            "no {}invocation in the window",
            if errors_only { "failed " } else { "" }
        )?;
    }
    for invocation in &invocations {
        let problem = invocation.problem();
        let mark = match (&problem, invocation.succeeded()) {
            (Some(_), _) => "✗".red().bold(),
            (None, true) => "✓".green(),
            (None, false) => "·".normal(),
        };
        writeln!(
            out,
            "\n{mark} {}  {}",
            invocation.request_id.bold(),
            invocation.step().unwrap_or("(no step logged)")
        )?;
        for line in &invocation.lines {
            if errors_only && !signatures::is_error(&line.message) {
                continue;
            }
            write_line(out, line)?;
            let marked = problem.as_ref().filter(|p| std::ptr::eq(p.line, *line));
            if let Some(signature) = marked.and_then(|p| p.known) {
                let see = signature
                    .check
                    .map(|check| format!(" (see {check})"))
                    .unwrap_or_default();
                writeln!(out, "      {} {}{see}", "→".red().bold(), signature.cause)?;
            }
        }
    }
    Ok(())
}

pub fn write_line(out: &mut dyn Write, line: &LogEvent) -> io::Result<()> {
    let message = line.message.replace('\t', " ");
    let message = if signatures::is_error(&line.message) {
        message.red().to_string()
    } else {
        message
    };
    writeln!(
        out,
        "  {} {message}",
        line.time.strftime("%Y-%m-%d %H:%M:%S").to_string().dimmed()
    )
}
