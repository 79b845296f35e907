#![doc = include_str!("../../docs/checks/function-logs.md")]

use super::{CheckDef, Outcome, premise, reads};
use crate::actions::logs::FILTER_LOG_EVENTS as FILTER;
use crate::facts::Facts;
use crate::finding::{Cause, Verdict};
use crate::signatures;

pub const CHECK: CheckDef = CheckDef {
    slug: "function-logs",
    title: "The rotation function's latest invocations logged no error",
    holds: r#"No error in the function's latest invocations that a later clean run of the same step overcame; only ERROR lines, uncaught exceptions and Lambda's timeout and runtime errors count, never INFO lines. Recognised errors (a timeout right after the credentials line, a failed login, a missing key, a KMS denial, the host guard, an import error, ...) name their cause and the check that covers them; one no check covers yet is a warning with its cause."#,
    explanation: include_str!("../../docs/checks/function-logs.md"),
    reads: &[reads::SECRET, reads::FUNCTION, reads::LOGS],
    run,
};

/// A log line as evidence: its time, then the line with tabs made spaces;
/// of an uncaught exception's event, the error line without its traceback.
fn quoted(line: &crate::facts::LogEvent) -> String {
    let first = line.message.lines().next().unwrap_or_default();
    let more = if line.message.trim_end().contains('\n') {
        " (traceback in the log)"
    } else {
        ""
    };
    format!(
        "{}: {}{more}",
        line.time.strftime("%Y-%m-%d %H:%M:%S UTC"),
        first.replace('\t', " ")
    )
}

fn run(facts: &Facts) -> Outcome {
    let function = premise::rotation_function(facts)?;
    let Some(log) = premise::looked_up(&facts.function_log)? else {
        return Ok(Verdict::pass(format!(
            "The function has no log group {}: it has not run, or may not write logs",
            function.log_group()
        ))
        .evidence(FILTER, "ResourceNotFoundException: no such log group"));
    };
    let invocations = signatures::invocations(&log.events);
    let outstanding = outstanding_problems(&invocations);
    let counted = format!(
        "{} invocation{} in {}{}, {} with an error no later invocation overcame",
        invocations.len(),
        if invocations.len() == 1 { "" } else { "s" },
        log.group,
        match (log.truncated, log.not_read_before) {
            (true, Some(before)) => format!(
                " (events before {} not read: the window holds more than rotdoctor reads)",
                before.strftime("%Y-%m-%d %H:%M:%S UTC")
            ),
            (true, None) => " (the oldest not read)".to_string(),
            _ => String::new(),
        },
        outstanding.len()
    );
    let known = outstanding
        .iter()
        .rev()
        .find_map(|(i, p)| p.known.map(|signature| (i, p, signature)));
    let verdict = match (known, outstanding.last()) {
        (Some((invocation, problem, signature)), _) => {
            let step = invocation
                .step()
                .map(|s| format!(" in {s}"))
                .unwrap_or_default();
            let cause = signature.cause;
            match signature.check {
                Some(check) => Verdict::fail(format!(
                    "The last failed invocation{step}: {cause} (see {check})"
                ))
                .points_to(Cause::Check(check)),
                // Known, but no check reads what would confirm it.
                None => Verdict::warn(format!("The last failed invocation{step}: {cause}")),
            }
            .evidence(FILTER, quoted(problem.line))
        }
        (None, Some((_, problem))) => {
            Verdict::warn("The function logged an error rotdoctor does not recognise")
                .evidence(FILTER, quoted(problem.line))
        }
        (None, None) => Verdict::pass(if invocations.is_empty() {
            "The function logged no invocation in the window".to_string()
        } else if invocations
            .iter()
            .any(|i| i.lines.iter().any(|l| signatures::is_success(&l.message)))
        {
            "The latest invocations completed a rotation without error".to_string()
        } else {
            "The function's latest invocations logged no error".to_string()
        }),
    };
    Ok(verdict.evidence(FILTER, counted))
}

/// The problems no later invocation overcame. A later invocation that ran
/// the same step or a later one without error (testSecret alone counts:
/// RotateSecret on a secret that already rotates runs only that) shows the
/// cause is gone; an error in setSecret is not overcome by a clean
/// createSecret, which every retry runs first.
fn outstanding_problems<'a>(
    invocations: &'a [signatures::Invocation<'a>],
) -> Vec<(&'a signatures::Invocation<'a>, signatures::Problem<'a>)> {
    // For each invocation, the furthest step a later one ran cleanly: one
    // pass from the end, so each invocation's lines are read once.
    let mut furthest_later_success = vec![0; invocations.len()];
    let mut furthest = 0;
    for (at, invocation) in invocations.iter().enumerate().rev() {
        furthest_later_success[at] = furthest;
        if invocation.succeeded() {
            furthest = furthest.max(invocation.step_rank());
        }
    }
    invocations
        .iter()
        .zip(furthest_later_success)
        .filter_map(|(invocation, furthest)| {
            let problem = invocation.problem()?;
            let overcome = furthest >= invocation.step_rank().max(1);
            (!overcome).then_some((invocation, problem))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testing::healthy;
    use crate::facts::{Fact, FunctionLog, LogEvent};
    use crate::finding::Status;

    fn with_log(lines: &[&str]) -> Facts {
        let mut facts = healthy();
        facts.function_log = Fact::Found(FunctionLog {
            group: "/aws/lambda/rotate-prod-db".to_string(),
            truncated: false,
            not_read_before: None,
            events: lines
                .iter()
                .enumerate()
                .map(|(i, line)| LogEvent {
                    time: jiff::Timestamp::from_second(1_764_000_000 + i as i64).unwrap(),
                    stream: "s".to_string(),
                    message: line.to_string(),
                })
                .collect(),
        });
        facts
    }

    const A: &str = "8f2e6a4c-1b3d-4e5f-9a7b-0c1d2e3f4a5b";
    const B: &str = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";

    #[test]
    fn a_recognised_failure_after_the_last_success_fails() {
        let facts = with_log(&[
            &format!(
                "[INFO]\t2026-11-20T02:00:00Z\t{A}\tfinishSecret: Successfully set AWSCURRENT stage to version v for secret x."
            ),
            &format!(
                "[INFO]\t2026-11-24T02:00:00Z\t{B}\tcreateSecret: Successfully put secret for ARN x and version y."
            ),
            &format!(
                "[ERROR]\t2026-11-24T02:00:01Z\t{B}\tsetSecret: Unable to log into database with previous, current, or pending secret of secret arn x"
            ),
        ]);
        let verdict = CHECK.verdict(&facts);
        assert_eq!(verdict.status, Status::Fail);
        assert!(
            verdict.summary.contains("(see database-reachability)"),
            "{}",
            verdict.summary
        );
        assert!(
            verdict
                .summary
                .starts_with("The last failed invocation in setSecret"),
            "{}",
            verdict.summary
        );
    }

    #[test]
    fn an_unknown_error_warns_and_a_clean_log_passes() {
        let unknown = with_log(&[&format!(
            "[ERROR]\t2026-11-24T02:00:01Z\t{A}\tsomething odd"
        )]);
        assert_eq!(CHECK.verdict(&unknown).status, Status::Warn);
        let clean = with_log(&[&format!(
            "[INFO]\t2026-11-24T02:00:00Z\t{A}\tfinishSecret: Successfully set AWSCURRENT stage to version v for secret x."
        )]);
        assert_eq!(CHECK.verdict(&clean).status, Status::Pass);
    }

    #[test]
    fn an_older_failure_overcome_by_a_rotation_passes() {
        let facts = with_log(&[
            &format!("[ERROR]\t2026-11-20T02:00:01Z\t{A}\t[ERROR] KeyError: 'masterarn'"),
            &format!(
                "[INFO]\t2026-11-24T02:00:00Z\t{B}\tfinishSecret: Successfully set AWSCURRENT stage to version v for secret x."
            ),
        ]);
        assert_eq!(CHECK.verdict(&facts).status, Status::Pass);
    }
}
