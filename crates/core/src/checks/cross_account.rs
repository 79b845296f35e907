#![doc = include_str!("../../docs/checks/cross-account.md")]

use serde_json::json;

use super::{CheckDef, Outcome, premise, reads};
use crate::actions::{kms, lambda, secretsmanager};
use crate::facts::{Fact, Facts, SecretShape};
use crate::finding::Verdict;

pub const CHECK: CheckDef = CheckDef {
    slug: "cross-account",
    title: "The pieces of rotation in other accounts are named, with what must hold there",
    holds: r#"No rotation function, master secret or KMS key of the secret is in another account where rotdoctor may not read it; each one that is is a `warn` naming the piece and the policy statements its account must hold (the function's resource policy, the master secret's resource policy, the key policy), since rotdoctor cannot check that side."#,
    explanation: include_str!("../../docs/checks/cross-account.md"),
    reads: &[
        reads::SECRET,
        reads::SECRET_VALUE,
        reads::FUNCTION,
        reads::KEY,
    ],
    run,
};

/// One piece rotdoctor could not read in another account.
struct Elsewhere {
    what: &'static str,
    arn: String,
    account: String,
    source: &'static str,
    /// What the piece's own account must allow.
    must_hold: String,
}

fn run(facts: &Facts) -> Outcome {
    let secret = premise::secret(facts)?;
    let region = crate::arn::region(&secret.arn).unwrap_or("<region>");
    let here = crate::arn::account(&secret.arn).unwrap_or("<account>");
    let role = facts
        .rotation_function
        .found()
        .and_then(|f| f.role.clone())
        .unwrap_or_else(|| "<ARN of the rotation function's role>".to_string());
    let mut elsewhere = Vec::new();
    let mut refused = |what, arn: &str, fact_refused: bool, source, must_hold: String| {
        if let (true, Some(account)) = (fact_refused, premise::other_account(facts, arn)) {
            elsewhere.push(Elsewhere {
                what,
                arn: arn.to_string(),
                account: account.to_string(),
                source,
                must_hold,
            });
        }
    };

    if let Some(function) = secret.rotation_lambda_arn.as_deref() {
        let statement = json!({
            "Effect": "Allow",
            "Principal": {"Service": "secretsmanager.amazonaws.com"},
            "Action": "lambda:InvokeFunction",
            "Resource": function,
            "Condition": {"StringEquals": {"AWS:SourceAccount": here}},
        });
        refused(
            "rotation function",
            function,
            facts.rotation_function.denied(),
            lambda::GET_FUNCTION,
            format!(
                "its resource policy lets Secrets Manager invoke it for account {here}: {statement}; and this secret's resource policy allows the function's role the rotation actions"
            ),
        );
    }
    if let Some(key) = secret.customer_key() {
        let statement = json!({
            "Effect": "Allow",
            "Principal": {"AWS": role},
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Resource": "*",
            "Condition": {"StringEquals": {"kms:ViaService": format!("secretsmanager.{region}.amazonaws.com")}},
        });
        refused(
            "secret's KMS key",
            key,
            facts.secret_key.denied(),
            kms::DESCRIBE_KEY,
            format!(
                "its key policy lets the rotation role use it through Secrets Manager: {statement}"
            ),
        );
    }
    if let Some(SecretShape::Object(object)) = facts.secret_value.found()
        && let Some(master) = object.masterarn.as_deref()
    {
        let master_refused = match &facts.master_secret {
            Fact::Found(found) => found.secret.denied() || found.value.denied(),
            other => other.denied(),
        };
        let statement = json!({
            "Effect": "Allow",
            "Principal": {"AWS": role},
            "Action": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
            "Resource": "*",
        });
        refused(
            "master secret",
            master,
            master_refused,
            secretsmanager::DESCRIBE_SECRET,
            format!(
                "its resource policy lets the rotation role read it: {statement}; and it is encrypted with a customer managed key whose policy allows the role kms:Decrypt (an aws/secretsmanager key cannot be used from another account)"
            ),
        );
    }

    if elsewhere.is_empty() {
        return Ok(Verdict::pass(format!(
            "No piece of this secret's rotation is in another account that refused rotdoctor (its own is {here})"
        )));
    }
    let names = elsewhere
        .iter()
        .map(|e| format!("the {} in account {}", e.what, e.account))
        .collect::<Vec<_>>()
        .join(", ");
    let mut verdict = Verdict::warn(format!(
        "rotdoctor could not check {names}: its credentials may not read there"
    ));
    for piece in &elsewhere {
        verdict = verdict.evidence(
            piece.source,
            format!(
                "the {} {} is in account {}, which refused rotdoctor",
                piece.what, piece.arn, piece.account
            ),
        );
    }
    let advice = elsewhere
        .iter()
        .map(|e| {
            format!(
                "In account {}, the {} must hold: {}.",
                e.account, e.what, e.must_hold
            )
        })
        .collect::<Vec<_>>()
        .join(" ");
    Ok(verdict.fix(
        format!("{advice} Run rotdoctor with that account's credentials to check it."),
        Vec::new(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testing::{healthy, multi_user};
    use crate::facts::LookupError;
    use crate::finding::Status;

    const OTHER: &str = "444455556666";

    fn denied<T>(action: &str) -> Fact<T> {
        Fact::Unavailable(LookupError {
            action: action.to_string(),
            code: "AccessDeniedException".to_string(),
            message: "not authorized".to_string(),
        })
    }

    #[test]
    fn pieces_in_the_secrets_account_pass() {
        assert_eq!(CHECK.verdict(&healthy()).status, Status::Pass);
    }

    #[test]
    fn a_function_in_another_account_warns_and_its_checks_skip() {
        let mut facts = healthy();
        let Fact::Found(secret) = &mut facts.secret else {
            unreachable!()
        };
        let arn = format!("arn:aws:lambda:us-east-1:{OTHER}:function:rotate-prod-db");
        secret.rotation_lambda_arn = Some(arn.clone());
        facts.rotation_function = denied("lambda:GetFunction");
        let verdict = CHECK.verdict(&facts);
        assert_eq!(verdict.status, Status::Warn);
        assert!(verdict.summary.contains(OTHER));
        let fix = verdict.fix.unwrap();
        assert!(
            fix.summary
                .contains(r#""AWS:SourceAccount":"111122223333""#),
            "{}",
            fix.summary
        );
        let settings = super::super::function_settings::CHECK.verdict(&facts);
        assert_eq!(settings.status, Status::Skip, "{settings:?}");
        assert!(settings.summary.contains("see cross-account"));
    }

    #[test]
    fn a_master_secret_in_another_account_names_its_resource_policy() {
        let mut facts = multi_user();
        let master =
            format!("arn:aws:secretsmanager:us-east-1:{OTHER}:secret:prod/db-master-Zx9Yw8");
        crate::checks::testing::object_mut(&mut facts).masterarn = Some(master.clone());
        let Fact::Found(found) = &mut facts.master_secret else {
            unreachable!()
        };
        found.masterarn = master;
        found.secret = denied("secretsmanager:DescribeSecret");
        let verdict = CHECK.verdict(&facts);
        assert_eq!(verdict.status, Status::Warn);
        assert!(
            verdict
                .fix
                .unwrap()
                .summary
                .contains("secretsmanager:GetSecretValue")
        );
        let access = super::super::master_secret_access::CHECK.verdict(&facts);
        assert_eq!(access.status, Status::Skip, "{access:?}");
    }
}
