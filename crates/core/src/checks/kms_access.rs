#![doc = include_str!("../../docs/checks/kms-access.md")]

use serde_json::json;

use super::access::{self, Caller, PolicyHome, ResourcePolicy};
use super::{CheckDef, Outcome, premise, reads};
use crate::actions::kms::DESCRIBE_KEY;
use crate::arn;
use crate::command::{aws, shell_command};
use crate::facts::{Facts, KeyFacts, SecretFacts};
use crate::finding::{Status, Verdict};
use crate::iac::Change;
use crate::iam::{Decision, Missing};

pub const CHECK: CheckDef = CheckDef {
    slug: "kms-access",
    title: "The rotation role may use the secret's KMS key",
    holds: r#"A customer managed key is enabled and the role may `kms:Decrypt` and `kms:GenerateDataKey` with it (the key policy allows the role, or delegates to IAM policies that do). Skipped for the AWS managed key."#,
    explanation: include_str!("../../docs/checks/kms-access.md"),
    reads: &[
        reads::SECRET,
        reads::FUNCTION,
        reads::ROLE,
        reads::KEY,
        reads::ORIGIN,
    ],
    run,
};

pub const KEY_ACTIONS: [&str; 2] = ["kms:Decrypt", "kms:GenerateDataKey"];

fn run(facts: &Facts) -> Outcome {
    let secret = premise::secret(facts)?;
    if secret.customer_key().is_none() {
        return Err(Verdict::skip(
            "The secret uses the AWS managed key aws/secretsmanager, which needs no grant",
        ));
    }
    premise::rotation_function(facts)?;
    let key_id = secret.kms_key_id.as_deref().unwrap_or_default();
    let Some(key) = premise::looked_up_in(&facts.secret_key, facts, key_id, "secret's KMS key")?
    else {
        let id = secret.kms_key_id.as_deref().unwrap_or_default();
        return Ok(Verdict::fail(format!(
            "The secret's KMS key {id} does not exist, so the secret cannot be read"
        ))
        .evidence(DESCRIBE_KEY, "NotFoundException: no such key"));
    };
    let caller = access::caller(facts)?;
    Ok(judge_key(&caller, key, secret, "SecretsManagerRotationKey"))
}

/// Whether `caller` may use `key` for `secret`: also used for a master secret's key.
pub fn judge_key(
    caller: &Caller<'_>,
    key: &KeyFacts,
    secret: &SecretFacts,
    policy_name: &str,
) -> Verdict {
    let state_line = format!(
        "key {} is {} and managed by {}",
        key.arn, key.state, key.manager
    );
    if key.manager == "AWS" {
        return Verdict::skip("The secret uses an AWS managed key, which needs no grant")
            .evidence(DESCRIBE_KEY, state_line);
    }
    if key.state != "Enabled" {
        let verdict = Verdict::fail(format!(
            "The KMS key is {}: nothing can decrypt the secret",
            key.state
        ))
        .evidence(DESCRIBE_KEY, state_line)
        .fix("Make the key usable again:", enable_key(key));
        // A key pending deletion is cancelled, not configured: no IaC form.
        return if key.state == "Disabled" {
            verdict.change(Change::KeyEnabled {
                key_arn: key.arn.clone(),
            })
        } else {
            verdict
        };
    }
    let key_policy = match premise::looked_up(&key.policy) {
        Ok(policy) => policy,
        Err(verdict) => return verdict,
    };
    let key_policy = key_policy.map(|p| ("key policy", &p.0));
    let decisions = caller.may_all(
        &KEY_ACTIONS,
        &key.arn,
        &access::kms_context(secret),
        None,
        key_policy,
    );
    let verdict = match access::status(&decisions) {
        Status::Pass => Verdict::pass(format!(
            "The role {} may decrypt and encrypt with the key",
            caller.role.name
        )),
        Status::Warn => Verdict::warn(format!(
            "The role {} may use the key only if conditions rotdoctor cannot evaluate hold",
            caller.role.name
        )),
        _ => Verdict::fail(format!(
            "The role {} may not use the key, so reading the secret fails with \"Access to KMS is not allowed\"",
            caller.role.name
        )),
    };
    let verdict = access::with_decisions(verdict.evidence(DESCRIBE_KEY, state_line), &decisions);
    let key_policy = key_policy.map(|(name, document)| ResourcePolicy {
        name,
        document,
        home: PolicyHome::Key(&key.arn),
    });
    let allow = |missing: &[&str]| vec![role_statement(key, secret, missing)];
    access::fix_denials(
        verdict,
        caller,
        &decisions,
        key_policy.as_ref(),
        allow,
        |verdict, missing| {
            grant(
                verdict,
                caller,
                key,
                secret,
                &decisions,
                missing,
                policy_name,
            )
        },
    )
}

/// The statement that lets the role use the key for `secret` only.
fn role_statement(key: &KeyFacts, secret: &SecretFacts, actions: &[&str]) -> serde_json::Value {
    let region = secret.region().unwrap_or_default();
    json!({
        "Effect": "Allow",
        "Action": actions,
        "Resource": key.arn,
        "Condition": {"StringEquals": {
            "kms:ViaService": format!("secretsmanager.{region}.amazonaws.com"),
            "kms:EncryptionContext:SecretARN": secret.arn,
        }}
    })
}

fn enable_key(key: &KeyFacts) -> Vec<String> {
    let region = arn::region(&key.arn);
    // Its id, with the region: only the key's own account can enable it.
    let id = key.arn.rsplit('/').next().unwrap_or(&key.arn);
    let enable = aws("kms", "enable-key", &["--key-id", id], region);
    match key.state.as_str() {
        "PendingDeletion" => vec![
            aws("kms", "cancel-key-deletion", &["--key-id", id], region),
            enable,
        ],
        _ => vec![enable],
    }
}

/// Allows `missing` on the key: through the role's policies when the key
/// policy delegates to them, else in the key policy itself.
fn grant(
    verdict: Verdict,
    caller: &Caller<'_>,
    key: &KeyFacts,
    secret: &SecretFacts,
    decisions: &[(&str, Decision)],
    missing: &[&str],
    policy_name: &str,
) -> Verdict {
    let statement = role_statement(key, secret, missing);
    let delegates = decisions
        .iter()
        .any(|(_, d)| matches!(d, Decision::ImplicitDeny(Missing::GrantUnderKey(_))));
    if delegates {
        return caller.fix_with_policy(verdict, "The key policy lets IAM policies decide: allow the role to use the key, for this secret only:", policy_name, vec![statement]);
    }
    let key_statement = json!({
        "Sid": "AllowSecretsManagerRotation",
        "Effect": "Allow",
        "Principal": {"AWS": caller.role.arn},
        "Action": missing,
        "Resource": "*",
        "Condition": statement["Condition"],
    });
    let key_region = arn::region(&key.arn);
    // The key policy as it is, with the statement added, never printed to a file.
    let read = aws(
        "kms",
        "get-key-policy",
        &[
            "--key-id",
            &key.arn,
            "--policy-name",
            "default",
            "--query",
            "Policy",
            "--output",
            "text",
        ],
        key_region,
    );
    let add = shell_command(&[
        "jq",
        "-c",
        "--argjson",
        "statement",
        &key_statement.to_string(),
        ".Statement += [$statement]",
    ]);
    verdict.fix(
        "The key policy must allow the role: add this statement to it, keeping every other statement (needs jq):",
        vec![format!(
            "{} --policy \"$({read} | {add})\"",
            aws(
                "kms",
                "put-key-policy",
                &["--key-id", &key.arn, "--policy-name", "default"],
                key_region,
            )
        )],
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testing::{KEY_ARN, healthy, secret_mut};
    use crate::facts::{Fact, PolicyDocument};

    fn with_key(policy: serde_json::Value, state: &str) -> Facts {
        let mut facts = healthy();
        secret_mut(&mut facts).kms_key_id = Some(KEY_ARN.to_string());
        facts.secret_key = Fact::Found(KeyFacts {
            arn: KEY_ARN.to_string(),
            manager: "CUSTOMER".to_string(),
            state: state.to_string(),
            policy: Fact::Found(PolicyDocument(policy)),
        });
        facts
    }

    fn delegating() -> serde_json::Value {
        json!({"Statement": [{"Sid": "Enable IAM User Permissions", "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"}]})
    }

    #[test]
    fn the_aws_managed_key_skips() {
        assert_eq!(CHECK.verdict(&healthy()).status, Status::Skip);
    }

    #[test]
    fn a_delegating_key_without_a_role_grant_fails_with_put_role_policy() {
        let verdict = CHECK.verdict(&with_key(delegating(), "Enabled"));
        assert_eq!(verdict.status, Status::Fail, "{verdict:#?}");
        let fix = verdict.fix.unwrap();
        assert!(
            fix.commands[0].starts_with("aws iam put-role-policy --role-name rotate-prod-db"),
            "{fix:?}"
        );
        assert!(fix.commands[0].contains("kms:EncryptionContext:SecretARN"));
    }

    #[test]
    fn a_key_policy_granting_the_role_passes() {
        let policy = json!({"Statement": [{"Sid": "Rotation", "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111122223333:role/rotate-prod-db"},
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": "*"}]});
        let verdict = CHECK.verdict(&with_key(policy, "Enabled"));
        assert_eq!(verdict.status, Status::Pass, "{verdict:#?}");
    }

    #[test]
    fn a_disabled_key_fails_with_enable_key() {
        let verdict = CHECK.verdict(&with_key(delegating(), "Disabled"));
        assert_eq!(verdict.status, Status::Fail);
        assert!(verdict.fix.unwrap().commands[0].starts_with("aws kms enable-key --key-id"));
        let pending = CHECK.verdict(&with_key(delegating(), "PendingDeletion"));
        assert!(pending.fix.unwrap().commands[0].starts_with("aws kms cancel-key-deletion"));
    }

    #[test]
    fn a_key_policy_that_ignores_the_role_fails_with_a_key_policy_statement() {
        let policy = json!({"Statement": [{"Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111122223333:role/admin"}, "Action": "kms:*", "Resource": "*"}]});
        let verdict = CHECK.verdict(&with_key(policy, "Enabled"));
        assert_eq!(verdict.status, Status::Fail);
        let fix = verdict.fix.unwrap();
        assert_eq!(fix.commands.len(), 1, "{fix:?}");
        // Run it as printed with the real jq and a stand-in aws that answers
        // get-key-policy and shows put-key-policy's --policy.
        let stand_in = format!(
            r#"aws() {{ if [ "$2" = get-key-policy ]; then echo '{policy}'; else for a in "$@"; do [ "$prev" = --policy ] && echo "$a"; prev="$a"; done; fi; }}"#,
            policy = json!({"Statement": [{"Sid": "Admin", "Effect": "Allow", "Action": "kms:*", "Resource": "*"}]})
        );
        let output = std::process::Command::new("bash")
            .args(["-c", &format!("{stand_in}\n{}", fix.commands[0])])
            .output()
            .unwrap();
        let written: serde_json::Value = serde_json::from_slice(&output.stdout)
            .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&output.stderr)));
        let sids = written["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["Sid"].as_str().unwrap_or_default())
            .collect::<Vec<_>>();
        assert_eq!(
            sids,
            ["Admin", "AllowSecretsManagerRotation"],
            "every statement kept"
        );
    }
}
