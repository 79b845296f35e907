#![doc = include_str!("../../docs/checks/rotation-config.md")]

use super::{CheckDef, Outcome, premise, reads};
use crate::actions::lambda::GET_FUNCTION;
use crate::actions::secretsmanager::DESCRIBE_SECRET as DESCRIBE;
use crate::arn;
use crate::command::aws;
use crate::facts::{FunctionFacts, SecretFacts};
use crate::finding::Verdict;
use crate::iac::{Change, NEW_FUNCTION, Schedule};

pub const CHECK: CheckDef = CheckDef {
    slug: "rotation-config",
    title: "Rotation is enabled with a working rotation function",
    holds: r#"Rotation is enabled; the rotation function is set, exists, is `Active` and its last update succeeded. Managed rotation (a service such as RDS owns the secret) is recognised; a replica secret, which cannot rotate in its own Region, points to its primary."#,
    explanation: include_str!("../../docs/checks/rotation-config.md"),
    reads: &[reads::SECRET, reads::FUNCTION, reads::ORIGIN],
    run,
};

fn run(facts: &crate::facts::Facts) -> Outcome {
    let secret = premise::secret(facts)?;
    let enabled = format!("RotationEnabled is {}", secret.rotation_enabled);

    if let Some(primary) = secret.replica_of() {
        let primary_arn = crate::arn::in_region(&secret.arn, primary);
        return Ok(Verdict::skip(format!(
            "The secret is a replica of {primary_arn}: Secrets Manager rotates the primary and replicates it, and refuses rotation here; check the primary"
        ))
        .evidence(DESCRIBE, format!("PrimaryRegion is {primary}"))
        .fix(
            "Check the primary, where rotation runs:",
            vec![crate::command::shell_command(&[
                "rotdoctor",
                "check",
                &primary_arn,
                "--region",
                primary,
            ])],
        ));
    }

    if let Some(service) = secret.managed_by() {
        let owner = format!("OwningService is {service} and no RotationLambdaARN is set");
        return Ok(if secret.rotation_enabled {
            Verdict::pass(format!(
                "Managed rotation by {service}: the service rotates the secret itself"
            ))
            .evidence(DESCRIBE, owner)
            .evidence(DESCRIBE, enabled)
        } else {
            Verdict::warn(format!("Managed rotation by {service} is turned off"))
                .evidence(DESCRIBE, owner)
                .evidence(DESCRIBE, enabled)
                .fix(
                    "Turn managed rotation back on:",
                    vec![enable_rotation(secret, None)],
                )
        });
    }

    let Some(function_arn) = secret.rotation_lambda_arn.as_deref() else {
        let verdict = if secret.rotation_enabled {
            Verdict::fail("Rotation is enabled but no rotation function is set")
        } else {
            Verdict::warn("Rotation is not enabled")
        };
        return Ok(verdict
            .evidence(DESCRIBE, enabled)
            .evidence(DESCRIBE, "no RotationLambdaARN is set")
            .fix(
                "Enable rotation with your rotation function, named in place of the placeholder (this rotates at once; add --no-rotate-immediately to wait for the schedule):",
                vec![enable_rotation(secret, Some(NEW_FUNCTION))],
            )
            .change(rotation_schedule(secret, None)));
    };

    if !secret.rotation_enabled {
        return Ok(Verdict::warn("Rotation is not enabled")
            .evidence(DESCRIBE, enabled)
            .evidence(DESCRIBE, format!("the last rotation function was {function_arn}"))
            .fix(
                "Enable rotation again with the same function and schedule (this rotates once at once):",
                vec![enable_rotation(secret, Some(function_arn))],
            )
            .change(rotation_schedule(secret, Some(function_arn))));
    }

    let Some(function) = premise::looked_up_in(
        &facts.rotation_function,
        facts,
        function_arn,
        "rotation function",
    )?
    else {
        return Ok(Verdict::fail(format!(
            "The rotation function {} does not exist",
            function_name(function_arn)
        ))
        .evidence(DESCRIBE, format!("RotationLambdaARN is {function_arn}"))
        .evidence(GET_FUNCTION, "ResourceNotFoundException: no such function")
        .fix(
            "Deploy a rotation function first (from its AWS template, or your own), then point rotation at it in place of the placeholder. \
             rotate-secret rotates at once with the new function, which tests it; add --no-rotate-immediately to wait for the schedule:",
            vec![enable_rotation(secret, Some(NEW_FUNCTION))],
        )
        .change(rotation_schedule(secret, None)));
    };
    let verdict = judge_function(function)
        .evidence(DESCRIBE, enabled)
        .evidence(DESCRIBE, format!("RotationLambdaARN is {function_arn}"));
    Ok(function_evidence(function)
        .into_iter()
        .fold(verdict, |verdict, line| {
            verdict.evidence(GET_FUNCTION, line)
        }))
}

fn state(function: &FunctionFacts) -> &str {
    function.state.as_deref().unwrap_or("Active")
}

fn last_update(function: &FunctionFacts) -> &str {
    function
        .last_update_status
        .as_deref()
        .unwrap_or("Successful")
}

fn function_evidence(function: &FunctionFacts) -> [String; 2] {
    [
        format!(
            "State is {}{}",
            state(function),
            reason(function.state_reason.as_deref())
        ),
        format!(
            "LastUpdateStatus is {}{}",
            last_update(function),
            reason(function.last_update_status_reason.as_deref())
        ),
    ]
}

/// A function that exists must be Active and last updated successfully.
fn judge_function(function: &FunctionFacts) -> Verdict {
    let name = &function.name;
    match (state(function), last_update(function)) {
        ("Failed", _) => Verdict::fail(format!("The rotation function {name} is in the Failed state"))
            .fix(
                "Lambda cannot run the function until it is redeployed; the reason above says why. Inspect it with:",
                vec![aws("lambda", "get-function-configuration", &["--function-name", &function.arn], arn::region(&function.arn))],
            ),
        (_, "Failed") => Verdict::fail(format!("The last update of the rotation function {name} failed"))
            .fix(
                "Lambda keeps running the previous configuration until an update succeeds; the reason above says why. Inspect it with:",
                vec![aws("lambda", "get-function-configuration", &["--function-name", &function.arn], arn::region(&function.arn))],
            ),
        ("Inactive", _) => Verdict::warn(format!(
            "The rotation function {name} is Inactive: Lambda reactivates it on the next rotation, which may fail while it does"
        )),
        ("Pending", _) | (_, "InProgress") => Verdict::warn(format!(
            "The rotation function {name} is being created or updated: a rotation now may fail"
        )),
        _ => Verdict::pass(format!("Rotation is enabled and the function {name} is Active")),
    }
}

fn reason(reason: Option<&str>) -> String {
    reason.map(|r| format!(" ({r})")).unwrap_or_default()
}

/// `rotate-secret`, keeping the secret's previous schedule when it had one.
fn enable_rotation(secret: &SecretFacts, function_arn: Option<&str>) -> String {
    let rules = Schedule::keeping(secret.rotation_rules.as_ref()).rules_json();
    let mut args = vec!["--secret-id", secret.arn.as_str()];
    if let Some(arn) = function_arn {
        args.extend_from_slice(&["--rotation-lambda-arn", arn]);
    }
    args.extend_from_slice(&["--rotation-rules", &rules]);
    aws("secretsmanager", "rotate-secret", &args, secret.region())
}

/// The same as [`enable_rotation`], as the secret's `RotationSchedule`.
fn rotation_schedule(secret: &SecretFacts, function_arn: Option<&str>) -> Change {
    Change::Rotation {
        secret_arn: secret.arn.clone(),
        secret_name: secret.name.clone(),
        function_arn: function_arn.map(str::to_string),
        schedule: Schedule::keeping(secret.rotation_rules.as_ref()),
    }
}

fn function_name(arn: &str) -> &str {
    arn.split(':').nth(6).unwrap_or(arn)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testing::{denied, healthy, secret_mut};
    use crate::facts::Fact;
    use crate::finding::Status;

    #[test]
    fn active_function_passes() {
        let verdict = CHECK.verdict(&healthy());
        assert_eq!(verdict.status, Status::Pass);
        assert_eq!(
            verdict.summary,
            "Rotation is enabled and the function rotate-prod-db is Active"
        );
    }

    #[test]
    fn rotation_off_warns_with_the_command_that_turns_it_back_on() {
        let mut facts = healthy();
        secret_mut(&mut facts).rotation_enabled = false;
        let verdict = CHECK.verdict(&facts);
        assert_eq!(verdict.status, Status::Warn);
        assert_eq!(
            verdict.fix.unwrap().commands,
            vec![
                "aws secretsmanager rotate-secret --secret-id arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbCdEf \
                  --rotation-lambda-arn arn:aws:lambda:us-east-1:111122223333:function:rotate-prod-db \
                  --rotation-rules '{\"AutomaticallyAfterDays\":30}' --region us-east-1"
            ]
        );
    }

    #[test]
    fn missing_function_fails() {
        let mut facts = healthy();
        facts.rotation_function = Fact::Absent;
        let verdict = CHECK.verdict(&facts);
        assert_eq!(verdict.status, Status::Fail);
        assert_eq!(
            verdict.summary,
            "The rotation function rotate-prod-db does not exist"
        );
    }

    #[test]
    fn failed_function_fails_with_its_reason() {
        let mut facts = healthy();
        if let Fact::Found(function) = &mut facts.rotation_function {
            function.state = Some("Failed".to_string());
            function.state_reason = Some("The role cannot be assumed".to_string());
        }
        let verdict = CHECK.verdict(&facts);
        assert_eq!(verdict.status, Status::Fail);
        assert!(
            verdict
                .evidence
                .iter()
                .any(|e| e.observed == "State is Failed (The role cannot be assumed)")
        );
    }

    #[test]
    fn managed_rotation_is_recognised() {
        let mut facts = healthy();
        let secret = secret_mut(&mut facts);
        secret.owning_service = Some("rds".to_string());
        secret.rotation_lambda_arn = None;
        facts.rotation_function = Fact::NotCollected;
        let verdict = CHECK.verdict(&facts);
        assert_eq!(verdict.status, Status::Pass);
        assert!(verdict.summary.starts_with("Managed rotation by rds"));
    }

    #[test]
    fn unreadable_function_is_an_error_not_a_failure() {
        let mut facts = healthy();
        facts.rotation_function = denied("lambda:GetFunction");
        let verdict = CHECK.verdict(&facts);
        assert_eq!(verdict.status, Status::Error);
        assert_eq!(
            verdict.summary,
            "rotdoctor could not check: it lacks lambda:GetFunction"
        );
    }

    /// A replica cannot rotate ("Operation not permitted on a replica
    /// secret. Call must be made in primary secret's region."): rotdoctor
    /// points to the primary, and checks nothing of the replica's function.
    #[test]
    fn a_replica_points_to_its_primary() {
        let mut facts = healthy();
        crate::checks::testing::secret_mut(&mut facts).primary_region =
            Some("eu-west-1".to_string());
        let verdict = CHECK.verdict(&facts);
        assert_eq!(verdict.status, Status::Skip);
        assert!(
            verdict
                .summary
                .contains("arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/db-AbCdEf"),
            "{}",
            verdict.summary
        );
        assert!(verdict.fix.unwrap().commands[0].ends_with("--region eu-west-1"));
        for finding in crate::checks::run_all(&facts) {
            assert!(
                matches!(finding.status, Status::Skip | Status::Pass),
                "{}: {:?}",
                finding.check,
                finding.status
            );
        }
        // The primary itself names its own Region.
        crate::checks::testing::secret_mut(&mut facts).primary_region =
            Some("us-east-1".to_string());
        assert_eq!(CHECK.verdict(&facts).status, Status::Pass);
    }
}
