#![doc = include_str!("../../docs/checks/rotation-schedule.md")]

use jiff::Timestamp;

use super::{CheckDef, Outcome, premise, reads};
use crate::actions::secretsmanager::DESCRIBE_SECRET as DESCRIBE;
use crate::command::rotate_secret_now;
use crate::facts::{Facts, RotationRules};
use crate::finding::Verdict;
use crate::schedule::Expression;

pub const CHECK: CheckDef = CheckDef {
    slug: "rotation-schedule",
    title: "The rotation schedule is valid and rotation is on time",
    holds: r#"The schedule follows Secrets Manager's rules, `NextRotationDate` has not passed, and the secret has rotated since it was due to; predicts the next rotation window."#,
    explanation: include_str!("../../docs/checks/rotation-schedule.md"),
    reads: &[reads::SECRET],
    run,
};

fn run(facts: &Facts) -> Outcome {
    let secret = premise::rotating_secret(facts)?;
    let now = facts.collected_at;
    let Some(rules) = &secret.rotation_rules else {
        return Ok(Verdict::warn("Rotation is enabled but has no schedule")
            .evidence(DESCRIBE, "RotationRules is not set"));
    };
    let mut evidence = vec![rules_line(rules)];
    evidence.push(match secret.last_rotated {
        Some(at) => format!("LastRotatedDate is {}", day(at)),
        None => "LastRotatedDate is not set: the secret was never rotated".to_string(),
    });
    if let Some(next) = secret.next_rotation {
        evidence.push(format!("NextRotationDate is {}", day(next)));
    }
    let with_evidence = |verdict: Verdict| {
        evidence
            .iter()
            .fold(verdict, |v, line| v.evidence(DESCRIBE, line.clone()))
    };

    let expression = match parse(rules) {
        Ok(expression) => expression,
        Err(problem) => {
            return Ok(with_evidence(Verdict::fail(format!(
                "The rotation schedule is invalid: {problem}"
            ))));
        }
    };
    let duration = match rules
        .duration
        .as_deref()
        .map(|d| expression.check_duration(d))
    {
        Some(Err(problem)) => {
            return Ok(with_evidence(Verdict::fail(format!(
                "The rotation window is invalid: {problem}"
            ))));
        }
        Some(Ok(hours)) => Some(hours),
        None => None,
    };

    if let Some(next) = secret.next_rotation.filter(|next| *next < now) {
        return Ok(with_evidence(Verdict::fail(format!(
            "Rotation is overdue: NextRotationDate {} passed {} ago, so rotation is failing or stuck",
            day(next),
            age(next, now)
        )))
        .fix(
            "Fix what the other checks report, then start a rotation now, with the function already set, and watch it succeed:",
            vec![rotate_secret_now(secret)],
        ));
    }

    if secret.last_rotated.is_none() {
        let first_due = secret
            .created
            .and_then(|created| expression.next_window(duration, Some(created), created));
        if let Some(due) = first_due.filter(|due| due.is_over_at(now)) {
            return Ok(with_evidence(Verdict::warn(format!(
                "The secret has never rotated, though its schedule had a window on {} (counting from its creation)",
                due.start.date()
            ))));
        }
    }

    let anchor = secret.last_rotated.or(secret.created);
    let verdict = match expression.next_window(duration, anchor, now) {
        Some(window) => Verdict::pass(format!(
            "Next rotation window: {} (the minute inside the window cannot be predicted)",
            window
        )),
        None => Verdict::pass(
            "The schedule is valid; its next window could not be predicted from the facts",
        ),
    };
    Ok(with_evidence(verdict))
}

/// The expression rotation runs on: `ScheduleExpression` when set, else
/// `AutomaticallyAfterDays` (DescribeSecret reports both for a cron schedule).
fn parse(rules: &RotationRules) -> Result<Expression, String> {
    match (&rules.schedule_expression, rules.automatically_after_days) {
        (Some(expression), _) => Expression::parse(expression),
        (None, Some(days)) if (1..=1000).contains(&days) => Ok(Expression::RateDays(days as u32)),
        (None, Some(days)) => Err(format!(
            "AutomaticallyAfterDays is {days}, outside 1 to 1000"
        )),
        (None, None) => Err(
            "RotationRules has neither ScheduleExpression nor AutomaticallyAfterDays".to_string(),
        ),
    }
}

fn rules_line(rules: &RotationRules) -> String {
    let mut parts = Vec::new();
    if let Some(expression) = &rules.schedule_expression {
        parts.push(format!("ScheduleExpression {expression}"));
    } else if let Some(days) = rules.automatically_after_days {
        parts.push(format!("AutomaticallyAfterDays {days}"));
    }
    if let Some(duration) = &rules.duration {
        parts.push(format!("Duration {duration}"));
    }
    format!("RotationRules: {}", parts.join(", "))
}

fn day(at: Timestamp) -> String {
    at.strftime("%Y-%m-%d %H:%M UTC").to_string()
}

/// How long ago, in whole days, or hours when under a day.
fn age(then: Timestamp, now: Timestamp) -> String {
    let hours = now.duration_since(then).as_secs() / 3600;
    match hours {
        0..=1 => "less than two hours".to_string(),
        2..=47 => format!("{hours} hours"),
        _ => format!("{} days", hours / 24),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testing::{healthy, secret_mut};
    use crate::finding::Status;

    #[test]
    fn on_time_rotation_predicts_the_window() {
        let verdict = CHECK.verdict(&healthy());
        assert_eq!(verdict.status, Status::Pass);
        assert_eq!(
            verdict.summary,
            "Next rotation window: 2026-12-01 00:00–24:00 UTC (the minute inside the window cannot be predicted)"
        );
        assert_eq!(
            verdict.evidence[0].observed,
            "RotationRules: AutomaticallyAfterDays 30"
        );
    }

    #[test]
    fn past_next_rotation_date_fails() {
        let mut facts = healthy();
        secret_mut(&mut facts).next_rotation = Some("2026-11-20T23:59:59Z".parse().unwrap());
        let verdict = CHECK.verdict(&facts);
        assert_eq!(verdict.status, Status::Fail);
        assert_eq!(
            verdict.summary,
            "Rotation is overdue: NextRotationDate 2026-11-20 23:59 UTC passed 4 days ago, so rotation is failing or stuck"
        );
    }

    #[test]
    fn never_rotated_long_after_creation_warns() {
        let mut facts = healthy();
        let secret = secret_mut(&mut facts);
        secret.last_rotated = None;
        secret.next_rotation = None;
        let verdict = CHECK.verdict(&facts);
        assert_eq!(verdict.status, Status::Warn);
        assert!(
            verdict.summary.contains("2026-02-09"),
            "{}",
            verdict.summary
        );
    }

    #[test]
    fn cron_schedule_with_window() {
        let mut facts = healthy();
        secret_mut(&mut facts).rotation_rules = Some(RotationRules {
            automatically_after_days: Some(14),
            schedule_expression: Some("cron(0 16 1,15 * ? *)".to_string()),
            duration: Some("2h".to_string()),
        });
        let verdict = CHECK.verdict(&facts);
        assert_eq!(verdict.status, Status::Pass);
        assert!(
            verdict.summary.contains("2026-12-01 16:00–18:00 UTC"),
            "{}",
            verdict.summary
        );
    }

    #[test]
    fn invalid_expression_fails() {
        let mut facts = healthy();
        secret_mut(&mut facts).rotation_rules = Some(RotationRules {
            automatically_after_days: None,
            schedule_expression: Some("cron(15 10 * * ? *)".to_string()),
            duration: None,
        });
        assert_eq!(CHECK.verdict(&facts).status, Status::Fail);
    }

    #[test]
    fn rotation_off_skips() {
        let mut facts = healthy();
        secret_mut(&mut facts).rotation_enabled = false;
        let verdict = CHECK.verdict(&facts);
        assert_eq!(verdict.status, Status::Skip);
        assert!(verdict.summary.contains("rotation-config"));
    }
}
