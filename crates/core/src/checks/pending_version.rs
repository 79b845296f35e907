#![doc = include_str!("../../docs/checks/pending-version.md")]

use super::{CheckDef, Outcome, premise, reads};
use crate::actions::secretsmanager::DESCRIBE_SECRET as DESCRIBE;
use crate::command::{aws, rotate_secret_now};
use crate::facts::Facts;
use crate::finding::Verdict;

pub const CHECK: CheckDef = CheckDef {
    slug: "pending-version",
    title: "No secret version is stranded at AWSPENDING",
    holds: r#"No version is stranded at `AWSPENDING` (which blocks every later rotation with "A previous rotation isn't complete"); its fix follows the step the last rotation failed in, from CloudTrail or the log: after createSecret the label goes, after setSecret rotation is retried, after finishSecret the pending version is made current."#,
    explanation: include_str!("../../docs/checks/pending-version.md"),
    // The history only chooses the fix: the verdict stands on DescribeSecret.
    reads: &[reads::SECRET, reads::TRAIL, reads::LOGS],
    run,
};

fn run(facts: &Facts) -> Outcome {
    let secret = premise::secret(facts)?;
    let labels = |id: &str| {
        secret
            .versions
            .iter()
            .find(|v| v.id == id)
            .map(|v| v.stages.join(", "))
            .unwrap_or_default()
    };
    let current = secret.versions.iter().find(|v| v.has_stage("AWSCURRENT"));
    let current_line = match current {
        Some(version) => format!("version {} is labelled {}", version.id, labels(&version.id)),
        None => "no version is labelled AWSCURRENT".to_string(),
    };
    let stranded = secret
        .versions
        .iter()
        .find(|v| v.has_stage("AWSPENDING") && !v.has_stage("AWSCURRENT"));

    let Some(pending) = stranded else {
        let summary = if secret.versions.iter().any(|v| v.has_stage("AWSPENDING")) {
            "AWSPENDING is on the AWSCURRENT version, as after a completed rotation"
        } else {
            "No version is labelled AWSPENDING"
        };
        return Ok(Verdict::pass(summary).evidence(DESCRIBE, current_line));
    };
    let verdict = Verdict::fail(format!(
        "Version {} is stranded at AWSPENDING: every rotation fails with \"A previous rotation isn't complete\" until it is removed or the rotation completes",
        pending.id
    ))
    .evidence(DESCRIBE, format!("version {} is labelled {}", pending.id, labels(&pending.id)))
    .evidence(DESCRIBE, current_line);
    let step = super::rotation_history::last_failed_step(facts);
    let verdict = match &step {
        Some((_, source, line)) => verdict.evidence(source, line.clone()),
        None => verdict,
    };
    Ok(match step.as_ref().map(|(step, _, _)| step.as_str()) {
        // The database was not touched yet: the version can go.
        Some("createSecret") => verdict.fix(
            "The last rotation failed in createSecret, before the database was changed: removing the AWSPENDING label is safe (the version itself stays). Then fix what failed and let the next rotation run:",
            vec![remove_pending(secret, &pending.id)],
        ),
        // testSecret logged in with the pending password: only the labels are left to move.
        Some("finishSecret") => match current {
            Some(current) => verdict.fix(
                "The last rotation failed in finishSecret, after testSecret logged in with the pending password: finish it by making the pending version AWSCURRENT (the current one becomes AWSPREVIOUS):",
                vec![aws(
                    "secretsmanager",
                    "update-secret-version-stage",
                    &[
                        "--secret-id",
                        &secret.arn,
                        "--version-stage",
                        "AWSCURRENT",
                        "--move-to-version-id",
                        &pending.id,
                        "--remove-from-version-id",
                        &current.id,
                    ],
                    secret.region(),
                )],
            ),
            None => verdict,
        },
        // setSecret may have set the pending password in the database, or the step is unknown: removing
        // the label could leave the database with a password no version holds.
        other => verdict.fix(
            format!(
                "{}: removing the AWSPENDING label could strand the application with a password no version holds. Fix the cause the other checks report, then retry: rotate-secret reattempts the stranded rotation with the same pending version, starting at once:",
                match other {
                    Some(step) => format!("The last rotation failed in {step}, after setSecret may have set the pending password in the database"),
                    None => "Neither CloudTrail nor the function's log says which step failed".to_string(),
                }
            ),
            vec![rotate_secret_now(secret)],
        ),
    })
}

fn remove_pending(secret: &crate::facts::SecretFacts, version: &str) -> String {
    aws(
        "secretsmanager",
        "update-secret-version-stage",
        &[
            "--secret-id",
            &secret.arn,
            "--version-stage",
            "AWSPENDING",
            "--remove-from-version-id",
            version,
        ],
        secret.region(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testing::{healthy, secret_mut};
    use crate::facts::SecretVersion;
    use crate::finding::Status;

    fn versions(list: &[(&str, &[&str])]) -> Vec<SecretVersion> {
        list.iter()
            .map(|(id, stages)| SecretVersion {
                id: id.to_string(),
                stages: stages.iter().map(|s| s.to_string()).collect(),
            })
            .collect()
    }

    fn verdict_for(list: &[(&str, &[&str])]) -> Verdict {
        let mut facts = healthy();
        secret_mut(&mut facts).versions = versions(list);
        CHECK.verdict(&facts)
    }

    #[test]
    fn pending_on_current_and_unlabelled_versions_are_normal() {
        let verdict = verdict_for(&[
            ("a", &["AWSCURRENT", "AWSPENDING"]),
            ("b", &["AWSPREVIOUS"]),
            ("c", &[]),
        ]);
        assert_eq!(verdict.status, Status::Pass);
        assert_eq!(verdict_for(&[("a", &["AWSCURRENT"])]).status, Status::Pass);
    }

    #[test]
    fn stranded_pending_after_create_secret_is_cleared() {
        let mut facts = healthy();
        secret_mut(&mut facts).versions =
            versions(&[("v1", &["AWSCURRENT"]), ("v2", &["AWSPENDING"])]);
        facts.rotation_events = crate::facts::Fact::Found(vec![failure("createSecret")]);
        let verdict = CHECK.verdict(&facts);
        assert_eq!(verdict.status, Status::Fail);
        assert_eq!(
            verdict.fix.unwrap().commands,
            vec![
                "aws secretsmanager update-secret-version-stage --secret-id \
                  arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbCdEf \
                  --version-stage AWSPENDING --remove-from-version-id v2 --region us-east-1"
            ]
        );
        assert_eq!(
            verdict.evidence[0].observed,
            "version v2 is labelled AWSPENDING"
        );
    }

    fn failure(step: &str) -> crate::facts::TrailEvent {
        crate::facts::TrailEvent {
            time: "2026-11-24T02:00:00Z".parse().unwrap(),
            name: "RotationFailed".to_string(),
            source: "secretsmanager.amazonaws.com".to_string(),
            error_code: None,
            error_message: Some(format!("Error when executing lambda x during {step} step")),
            resource: None,
            caller: None,
        }
    }

    /// After setSecret the database may hold the pending password: the
    /// label stays, and rotation is retried once the cause is fixed.
    #[test]
    fn stranded_pending_after_set_secret_or_an_unknown_step_is_retried() {
        for events in [vec![failure("setSecret")], vec![]] {
            let mut facts = healthy();
            secret_mut(&mut facts).versions =
                versions(&[("v1", &["AWSCURRENT"]), ("v2", &["AWSPENDING"])]);
            facts.rotation_events = crate::facts::Fact::Found(events);
            facts.function_log = crate::facts::Fact::Absent;
            let fix = CHECK.verdict(&facts).fix.unwrap();
            assert!(
                fix.commands[0].starts_with("aws secretsmanager rotate-secret"),
                "{fix:?}"
            );
            assert!(
                fix.summary.contains("could strand the application"),
                "{}",
                fix.summary
            );
        }
    }

    #[test]
    fn stranded_pending_after_finish_secret_is_finished() {
        let mut facts = healthy();
        secret_mut(&mut facts).versions =
            versions(&[("v1", &["AWSCURRENT"]), ("v2", &["AWSPENDING"])]);
        facts.rotation_events = crate::facts::Fact::Found(vec![failure("finishSecret")]);
        let fix = CHECK.verdict(&facts).fix.unwrap();
        assert!(
            fix.commands[0].contains(
                "--version-stage AWSCURRENT --move-to-version-id v2 --remove-from-version-id v1"
            ),
            "{fix:?}"
        );
    }
}
