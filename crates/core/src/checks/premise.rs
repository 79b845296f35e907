//! What checks stand on: the secret, its rotation function, any fact at all.
//!
//! Each helper returns the fact a check needs or the verdict the check must
//! give instead, so check bodies read `let secret = premise::secret(facts)?;`.

use crate::facts::{
    DatabaseFacts, Fact, Facts, FailureKind, FunctionFacts, LookupError, SecretFacts, SecretShape,
};
use crate::finding::Verdict;

/// The secret's metadata, which every check needs.
pub fn secret(facts: &Facts) -> Result<&SecretFacts, Verdict> {
    looked_up(&facts.secret)?
        .ok_or_else(|| Verdict::error(format!("The secret {} does not exist", facts.secret_id)))
}

/// The ARN of the function that rotates the secret, for the checks about that
/// function. Managed rotation, rotation turned off and no function at all are
/// reported by `rotation-config`.
pub fn rotation_function_arn(facts: &Facts) -> Result<&str, Verdict> {
    let secret = secret(facts)?;
    if let Some(primary) = secret.replica_of() {
        return Err(Verdict::skip(format!(
            "The secret is a replica: rotation runs on its primary in {primary} (see rotation-config)"
        )));
    }
    if let Some(service) = secret.managed_by() {
        return Err(Verdict::skip(format!(
            "Managed rotation by {service}: there is no rotation function of yours to check (see rotation-config)"
        )));
    }
    if !secret.rotation_enabled {
        return Err(rotation_not_enabled());
    }
    secret
        .rotation_lambda_arn
        .as_deref()
        .ok_or_else(|| Verdict::skip("No rotation function is set (see rotation-config)"))
}

/// The secret's metadata, for the checks about a secret that rotates (its
/// schedule, its history).
pub fn rotating_secret(facts: &Facts) -> Result<&SecretFacts, Verdict> {
    let secret = secret(facts)?;
    if secret.rotation_enabled {
        Ok(secret)
    } else {
        Err(rotation_not_enabled())
    }
}

/// `rotation-config` reports a secret that does not rotate.
fn rotation_not_enabled() -> Verdict {
    Verdict::skip("Rotation is not enabled (see rotation-config)")
}

/// The rotation function's configuration, when it exists.
pub fn rotation_function(facts: &Facts) -> Result<&FunctionFacts, Verdict> {
    let arn = rotation_function_arn(facts)?;
    looked_up_in(&facts.rotation_function, facts, arn, "rotation function")?
        .ok_or_else(function_missing)
}

/// The verdict of a check about a function that does not exist.
pub fn function_missing() -> Verdict {
    Verdict::skip("The rotation function does not exist (see rotation-config)")
}

/// The secret's `host` and the RDS database rotdoctor found there, for the
/// checks about that database.
pub fn database_at_host(facts: &Facts) -> Result<(&str, &DatabaseFacts), Verdict> {
    let Some(SecretShape::Object(object)) = looked_up(&facts.secret_value)? else {
        return Err(Verdict::skip(
            "The secret value is not a JSON object with a host (see secret-schema)",
        ));
    };
    let Some(host) = object.host.as_deref() else {
        return Err(Verdict::skip("The secret has no host (see secret-schema)"));
    };
    let Some(database) = looked_up(&facts.database)? else {
        return Err(Verdict::skip(
            "rotdoctor found no RDS database at the host (see database-reachability)",
        ));
    };
    Ok((host, database))
}

/// A fact as found (`Some`) or absent (`None`). A fact rotdoctor could not
/// look up gives `error`, never a false `fail`.
pub fn looked_up<T>(fact: &Fact<T>) -> Result<Option<&T>, Verdict> {
    match fact {
        Fact::Found(value) => Ok(Some(value)),
        Fact::Absent => Ok(None),
        Fact::NotCollected => Err(Verdict::skip(
            "The facts this check needs were not collected",
        )),
        Fact::Unavailable(error) => Err(could_not_look_up(error)),
    }
}

/// A fact about the resource `arn`, which may be in another account than
/// the secret. rotdoctor's credentials are the secret's account's, so a
/// refusal there is expected, not a failure of this run: the check skips,
/// and `cross-account` says what must hold on the other side.
pub fn looked_up_in<'a, T>(
    fact: &'a Fact<T>,
    facts: &Facts,
    arn: &str,
    what: &str,
) -> Result<Option<&'a T>, Verdict> {
    if fact.denied()
        && let Some(account) = other_account(facts, arn)
    {
        return Err(Verdict::skip(format!(
            "The {what} is in account {account}, where rotdoctor's credentials may not read it (see cross-account)"
        )));
    }
    looked_up(fact)
}

/// The account of `arn` when it is not the secret's own.
pub fn other_account<'a>(facts: &Facts, arn: &'a str) -> Option<&'a str> {
    let here = crate::arn::account(&facts.secret.found()?.arn)?;
    crate::arn::account(arn).filter(|there| *there != here)
}

fn could_not_look_up(error: &LookupError) -> Verdict {
    let action = &error.action;
    let (summary, next) = match error.kind() {
        FailureKind::Denied => (
            format!("rotdoctor could not check: it lacks {action}"),
            format!("Allow rotdoctor's identity the read-only action {action} and run it again"),
        ),
        FailureKind::Throttled => (
            format!("rotdoctor could not check: AWS throttled {action} past its retries"),
            "Run it again later, or with a lower --concurrency (AWS_MAX_ATTEMPTS raises the retries)"
                .to_string(),
        ),
        FailureKind::TimedOut => (
            format!("rotdoctor could not check: {action} did not answer"),
            "Check the network path to the AWS endpoint (proxy, VPN, --endpoint-url), or raise --timeout, and run it again"
                .to_string(),
        ),
        FailureKind::Malformed => (
            format!("rotdoctor could not check: the answer of {action} could not be read"),
            "Run it again; if it persists, the endpoint is not answering as AWS does".to_string(),
        ),
        FailureKind::Other => (
            format!("rotdoctor could not check: {action} failed ({})", error.code),
            "Run it again once the cause in the evidence is fixed".to_string(),
        ),
    };
    Verdict::error(summary)
        .evidence(action, format!("{}: {}", error.code, error.message))
        .fix(next, Vec::new())
}
