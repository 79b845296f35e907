#![doc = include_str!("../../docs/checks/invoke-permission.md")]

use std::collections::BTreeMap;

use super::{CheckDef, Outcome, premise, reads};
use crate::actions::lambda::GET_POLICY;
use crate::actions::lambda::INVOKE_FUNCTION as ACTION;
use crate::arn;
use crate::command::aws;
use crate::facts::Facts;
use crate::finding::Verdict;
use crate::iac::Change;
use crate::policy::{self, Applies, Effect, Principal, Request, StatementVerdict};

pub const CHECK: CheckDef = CheckDef {
    slug: "invoke-permission",
    title: "Secrets Manager may invoke the rotation function",
    holds: r#"The function's resource-based policy lets `secretsmanager.amazonaws.com` call `lambda:InvokeFunction`, with `aws:SourceAccount` / `aws:SourceArn` conditions that match this secret."#,
    explanation: include_str!("../../docs/checks/invoke-permission.md"),
    reads: &[
        reads::SECRET,
        reads::FUNCTION,
        reads::FUNCTION_POLICY,
        reads::ORIGIN,
    ],
    run,
};

const PRINCIPAL: &str = "secretsmanager.amazonaws.com";

fn run(facts: &Facts) -> Outcome {
    let function_arn = premise::rotation_function_arn(facts)?;
    let function = premise::looked_up(&facts.rotation_function);
    if matches!(function, Ok(None)) {
        return Err(premise::function_missing());
    }
    let secret = premise::secret(facts)?;
    let account = secret.account().unwrap_or_default();
    let missing = |verdict: Verdict, stale: &[&StatementVerdict]| {
        verdict
            .fix(
                "Let Secrets Manager invoke the function, from this account only:",
                grant_commands(function_arn, account, stale, facts),
            )
            .change(Change::InvokePermission {
                function_arn: function_arn.to_string(),
                source_account: account.to_string(),
            })
    };

    let Some(policy) = premise::looked_up_in(
        &facts.function_policy,
        facts,
        function_arn,
        "rotation function",
    )?
    else {
        // GetPolicy says ResourceNotFoundException for a function that does
        // not exist as well: only a function known to exist lacks a policy.
        function?;
        return Ok(missing(
            Verdict::fail("The rotation function has no resource-based policy, so Secrets Manager cannot invoke it"),
            &[],
        )
        .evidence(GET_POLICY, "ResourceNotFoundException: the function has no resource-based policy"));
    };

    let request = Request {
        principal: Principal::Service(PRINCIPAL),
        action: ACTION,
        resource: function_arn,
        context: BTreeMap::from([
            ("aws:sourceaccount".to_string(), Some(account.to_string())),
            ("aws:sourcearn".to_string(), Some(secret.arn.clone())),
        ]),
    };
    let verdicts = policy::evaluate(&policy.0, &request);
    let about_us = verdicts
        .iter()
        .filter(|v| v.names_principal())
        .collect::<Vec<_>>();
    let evidence = |verdict: Verdict| {
        about_us.iter().fold(verdict, |verdict, statement| {
            verdict.evidence(GET_POLICY, describe(statement))
        })
    };

    let applying = |effect: Effect, applies: fn(&Applies) -> bool| {
        about_us
            .iter()
            .find(|v| v.effect == effect && applies(&v.applies))
    };
    let yes = |a: &Applies| matches!(a, Applies::Yes);
    let maybe = |a: &Applies| matches!(a, Applies::Undecided(_));

    if let Some(deny) = applying(Effect::Deny, yes) {
        let verdict = evidence(Verdict::fail(format!(
            "The function's policy denies Secrets Manager the invocation ({})",
            deny.label
        )));
        return Ok(match &deny.sid {
            Some(sid) => verdict.fix(
                "Remove the denying statement:",
                vec![remove_permission(function_arn, sid)],
            ),
            None => verdict,
        });
    }
    if let Some(allow) = applying(Effect::Allow, yes) {
        let verdict = match applying(Effect::Deny, maybe) {
            Some(deny) => Verdict::warn(format!(
                "{} allows Secrets Manager to invoke the function, but {} may deny it",
                capitalise(&allow.label),
                deny.label
            )),
            None => Verdict::pass(format!(
                "{} allows Secrets Manager to invoke the function for this secret",
                capitalise(&allow.label)
            )),
        };
        return Ok(evidence(verdict));
    }
    if let Some(allow) = applying(Effect::Allow, maybe) {
        return Ok(evidence(Verdict::warn(format!(
            "Secrets Manager may invoke the function only if {} holds, which rotdoctor cannot evaluate",
            undecided_reason(allow)
        ))));
    }

    // Statements for Secrets Manager that do not apply are stale: replace them.
    let stale = about_us
        .iter()
        .copied()
        .filter(|v| v.effect == Effect::Allow)
        .collect::<Vec<_>>();
    let summary = if stale.is_empty() {
        "No statement of the function's policy lets Secrets Manager invoke it".to_string()
    } else {
        "The function's policy lets Secrets Manager invoke it, but not for this secret's account or ARN"
            .to_string()
    };
    let verdict = evidence(Verdict::fail(summary));
    let verdict = if about_us.is_empty() {
        verdict.evidence(
            GET_POLICY,
            format!("no statement names the principal {PRINCIPAL}"),
        )
    } else {
        verdict
    };
    Ok(missing(verdict, &stale))
}

fn describe(statement: &StatementVerdict) -> String {
    let effect = match statement.effect {
        Effect::Allow => "allows",
        Effect::Deny => "denies",
    };
    match &statement.applies {
        Applies::Yes => format!("{} {effect} {ACTION} to {PRINCIPAL}", statement.label),
        Applies::No(why) => format!("{} does not apply: {why}", statement.label),
        Applies::Undecided(why) => format!(
            "{} depends on {why}, which rotdoctor cannot evaluate",
            statement.label
        ),
    }
}

fn undecided_reason(statement: &StatementVerdict) -> String {
    match &statement.applies {
        Applies::Undecided(why) => why.clone(),
        _ => String::new(),
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// Removes the stale statements for Secrets Manager, then adds the grant
/// under a statement id the policy does not use.
fn grant_commands(
    function_arn: &str,
    account: &str,
    stale: &[&StatementVerdict],
    facts: &Facts,
) -> Vec<String> {
    let removed = stale
        .iter()
        .filter_map(|s| s.sid.as_deref())
        .collect::<Vec<_>>();
    let taken = existing_sids(facts)
        .into_iter()
        .filter(|sid| !removed.contains(&sid.as_str()))
        .collect::<Vec<_>>();
    let statement_id = std::iter::once("SecretsManagerAccess".to_string())
        .chain((2..).map(|n| format!("SecretsManagerAccess{n}")))
        .find(|id| !taken.contains(id))
        .unwrap_or_default();
    let mut commands = removed
        .iter()
        .map(|sid| remove_permission(function_arn, sid))
        .collect::<Vec<_>>();
    commands.push(aws(
        "lambda",
        "add-permission",
        &[
            "--function-name",
            function_arn,
            "--statement-id",
            &statement_id,
            "--action",
            ACTION,
            "--principal",
            PRINCIPAL,
            "--source-account",
            account,
        ],
        arn::region(function_arn),
    ));
    commands
}

fn existing_sids(facts: &Facts) -> Vec<String> {
    let Some(policy) = facts.function_policy.found() else {
        return Vec::new();
    };
    match policy.0.get("Statement") {
        Some(serde_json::Value::Array(statements)) => statements
            .iter()
            .filter_map(|s| {
                s.get("Sid")
                    .and_then(|sid| sid.as_str())
                    .map(str::to_string)
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn remove_permission(function_arn: &str, sid: &str) -> String {
    aws(
        "lambda",
        "remove-permission",
        &["--function-name", function_arn, "--statement-id", sid],
        arn::region(function_arn),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testing::{FUNCTION_ARN, denied, healthy, secret_mut};
    use crate::facts::{Fact, PolicyDocument};
    use crate::finding::Status;
    use serde_json::json;

    fn with_statement(statement: serde_json::Value) -> Facts {
        let mut facts = healthy();
        facts.function_policy = Fact::Found(PolicyDocument(
            json!({"Version": "2012-10-17", "Statement": [statement]}),
        ));
        facts
    }

    #[test]
    fn grant_for_this_account_passes() {
        let verdict = CHECK.verdict(&healthy());
        assert_eq!(verdict.status, Status::Pass);
        assert_eq!(
            verdict.summary,
            "Statement SecretsManagerAccess allows Secrets Manager to invoke the function for this secret"
        );
    }

    #[test]
    fn no_policy_fails_with_the_add_permission_command() {
        let mut facts = healthy();
        facts.function_policy = Fact::Absent;
        let verdict = CHECK.verdict(&facts);
        assert_eq!(verdict.status, Status::Fail);
        assert_eq!(
            verdict.fix.unwrap().commands,
            vec![format!(
                "aws lambda add-permission --function-name {FUNCTION_ARN} --statement-id SecretsManagerAccess \
                 --action lambda:InvokeFunction --principal secretsmanager.amazonaws.com \
                 --source-account 111122223333 --region us-east-1"
            )]
        );
    }

    #[test]
    fn grant_for_another_account_is_replaced() {
        let facts = with_statement(json!({
            "Sid": "SecretsManagerAccess", "Effect": "Allow",
            "Principal": {"Service": "secretsmanager.amazonaws.com"},
            "Action": "lambda:InvokeFunction", "Resource": FUNCTION_ARN,
            "Condition": {"StringEquals": {"AWS:SourceAccount": "999999999999"}}
        }));
        let verdict = CHECK.verdict(&facts);
        assert_eq!(verdict.status, Status::Fail);
        assert!(
            verdict.evidence[0]
                .observed
                .contains("wants 999999999999, not 111122223333")
        );
        let commands = verdict.fix.unwrap().commands;
        assert_eq!(commands.len(), 2);
        assert!(commands[0].starts_with("aws lambda remove-permission"));
        assert!(commands[1].contains("--statement-id SecretsManagerAccess "));
    }

    #[test]
    fn grant_to_another_principal_fails() {
        let facts = with_statement(json!({
            "Sid": "events", "Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
            "Action": "lambda:InvokeFunction", "Resource": FUNCTION_ARN
        }));
        let verdict = CHECK.verdict(&facts);
        assert_eq!(verdict.status, Status::Fail);
        // The unrelated statement stays; a new id avoids a clash with it.
        let commands = verdict.fix.unwrap().commands;
        assert_eq!(commands.len(), 1);
    }

    #[test]
    fn unknown_condition_warns() {
        let facts = with_statement(json!({
            "Sid": "org", "Effect": "Allow", "Principal": {"Service": "secretsmanager.amazonaws.com"},
            "Action": "lambda:*",
            "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc"}}
        }));
        let verdict = CHECK.verdict(&facts);
        assert_eq!(verdict.status, Status::Warn);
        assert!(verdict.summary.contains("aws:PrincipalOrgID"));
    }

    #[test]
    fn source_arn_of_another_secret_fails() {
        let facts = with_statement(json!({
            "Sid": "one-secret", "Effect": "Allow", "Principal": {"Service": "secretsmanager.amazonaws.com"},
            "Action": "lambda:InvokeFunction",
            "Condition": {"ArnLike": {"AWS:SourceArn": "arn:aws:secretsmanager:us-east-1:111122223333:secret:other-*"}}
        }));
        assert_eq!(CHECK.verdict(&facts).status, Status::Fail);
    }

    #[test]
    fn premises_skip_or_error() {
        let mut off = healthy();
        secret_mut(&mut off).rotation_enabled = false;
        assert_eq!(CHECK.verdict(&off).status, Status::Skip);

        let mut gone = healthy();
        gone.rotation_function = Fact::Absent;
        gone.function_policy = Fact::Absent;
        let skipped = CHECK.verdict(&gone);
        assert_eq!(skipped.status, Status::Skip);
        assert!(skipped.summary.contains("rotation-config"));

        let mut denied_policy = healthy();
        denied_policy.function_policy = denied("lambda:GetPolicy");
        let error = CHECK.verdict(&denied_policy);
        assert_eq!(error.status, Status::Error);
        assert!(error.summary.contains("lambda:GetPolicy"));
    }

    /// GetPolicy answers ResourceNotFoundException for a missing function
    /// too: with the function unreadable, no policy is no finding.
    #[test]
    fn an_unreadable_function_without_a_policy_is_an_error() {
        let mut facts = healthy();
        facts.rotation_function = denied("lambda:GetFunction");
        facts.function_policy = Fact::Absent;
        assert_eq!(CHECK.verdict(&facts).status, crate::finding::Status::Error);
    }
}
