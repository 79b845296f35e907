#![doc = include_str!("../../docs/checks/pending-version.md")]

use super::{CheckDef, Outcome, premise, reads};
use crate::command::aws;
use crate::facts::Facts;
use crate::finding::Verdict;

pub const CHECK: CheckDef = CheckDef {
    slug: "pending-version",
    title: "No secret version is stranded at AWSPENDING",
    explanation: include_str!("../../docs/checks/pending-version.md"),
    reads: &[reads::SECRET],
    run,
};

const DESCRIBE: &str = "secretsmanager:DescribeSecret";

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
    Ok(Verdict::fail(format!(
        "Version {} is stranded at AWSPENDING: every rotation fails with \"A previous rotation isn't complete\" until it is removed",
        pending.id
    ))
    .evidence(DESCRIBE, format!("version {} is labelled {}", pending.id, labels(&pending.id)))
    .evidence(DESCRIBE, current_line)
    .fix(
        "Remove the AWSPENDING label from the stranded version (the version itself stays), then fix what failed the last rotation:",
        vec![aws(
            "secretsmanager",
            "update-secret-version-stage",
            &[
                "--secret-id",
                &secret.arn,
                "--version-stage",
                "AWSPENDING",
                "--remove-from-version-id",
                &pending.id,
            ],
            secret.region(),
        )],
    ))
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
    fn stranded_pending_fails_with_the_command_that_clears_it() {
        let verdict = verdict_for(&[("v1", &["AWSCURRENT"]), ("v2", &["AWSPENDING"])]);
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
}
