#![doc = include_str!("../../docs/checks/database-login-rules.md")]

use super::{CheckDef, Outcome, premise, reads};
use crate::actions::lambda::GET_FUNCTION;
use crate::command::merge_secret_keys;
use crate::facts::{DatabaseKind, Facts, SecretShape};
use crate::finding::Verdict;
use crate::template::{self, SCRAM_SINCE, TLS_SINCE};

pub const CHECK: CheckDef = CheckDef {
    slug: "database-login-rules",
    title: "The rotation function logs in the way the database requires",
    holds: r#"When the database's parameter group requires TLS (`rds.force_ssl` for PostgreSQL, `require_secure_transport` for MySQL and MariaDB), the secret's `ssl` is not `false` and the function's code is not older than the templates' TLS support (December 20, 2021); when PostgreSQL stores passwords as `scram-sha-256`, the code is not older than December 30, 2021. The fixes set `ssl` to true or redeploy the current template."#,
    explanation: include_str!("../../docs/checks/database-login-rules.md"),
    reads: &[
        reads::SECRET,
        reads::SECRET_VALUE,
        reads::FUNCTION,
        reads::DATABASE,
        reads::DATABASE_PARAMETERS,
    ],
    run,
};

/// The parameter that makes each database refuse logins without TLS, and
/// the values that turn it on (RDS user guides: "Requiring an SSL/TLS
/// connection to a PostgreSQL DB instance"; "... to a MySQL DB instance").
const TLS_REQUIRED_BY: &[(&str, &str, &[&str])] = &[
    ("PostgreSQL", "rds.force_ssl", &["1"]),
    ("MySQL", "require_secure_transport", &["1", "ON"]),
    ("MariaDB", "require_secure_transport", &["1", "ON"]),
];

/// PostgreSQL's parameter that says how it stores, and so checks, passwords.
const PASSWORD_ENCRYPTION: &str = "password_encryption";

fn run(facts: &Facts) -> Outcome {
    let function = premise::rotation_function(facts)?;
    let secret = premise::secret(facts)?;
    let Some(SecretShape::Object(object)) = premise::looked_up(&facts.secret_value)? else {
        return Err(Verdict::skip(
            "The secret value is not a JSON object (see secret-schema)",
        ));
    };
    let Some(template) = template::identify(Some(function), Some(object)).template() else {
        return Err(Verdict::skip(
            "The function runs no AWS template rotdoctor knows: how it logs in is its own",
        ));
    };
    let engine = template.database.name;
    let Some(&(_, tls_parameter, tls_on)) =
        TLS_REQUIRED_BY.iter().find(|(name, _, _)| *name == engine)
    else {
        return Err(Verdict::skip(format!(
            "rotdoctor reads the login rules of PostgreSQL, MySQL and MariaDB databases, not {engine}"
        )));
    };
    let Some(database) = premise::looked_up(&facts.database)? else {
        return Err(Verdict::skip(
            "rotdoctor found no RDS database at the host (see database-reachability)",
        ));
    };
    match database.kind {
        DatabaseKind::Proxy => {
            return Err(Verdict::skip(
                "The host is an RDS Proxy (see database-proxy)",
            ));
        }
        DatabaseKind::NetworkInterface => {
            return Err(Verdict::skip(
                "The host is a network interface, not an RDS database: its parameters cannot be read",
            ));
        }
        DatabaseKind::Instance | DatabaseKind::Cluster => {}
    }
    let Some(parameters) = premise::looked_up(&facts.database_parameters)? else {
        return Err(Verdict::skip("The database names no parameter group"));
    };
    let source = parameters.group.read_by();
    let group = &parameters.group.name;
    let value_of = |name: &str| parameters.values.get(name).map(String::as_str);
    let requires_tls = value_of(tls_parameter)
        .is_some_and(|value| tls_on.iter().any(|on| on.eq_ignore_ascii_case(value)));
    let scram = engine == "PostgreSQL" && value_of(PASSWORD_ENCRYPTION) == Some("scram-sha-256");
    let tls_line = format!(
        "{tls_parameter} is {} in {group}",
        value_of(tls_parameter).unwrap_or("not set")
    );
    let modified = function.last_modified.as_deref().unwrap_or("not reported");
    let modified_line = format!("the function was last modified {modified}");

    if requires_tls
        && object
            .ssl
            .as_deref()
            .is_some_and(|ssl| ssl.trim_matches('"').eq_ignore_ascii_case("false"))
    {
        return Ok(Verdict::fail(format!(
            "{} requires TLS and the secret's ssl is false: the template logs in without TLS and is refused",
            database.id
        ))
        .evidence(source, tls_line)
        .evidence(reads::SECRET_VALUE[0], "the secret's ssl key is false")
        .fix(
            "Let the template use TLS, keeping the rest of the value (needs jq; the value is never printed):",
            vec![merge_secret_keys(
                &secret.arn,
                &serde_json::Map::from_iter([("ssl".to_string(), true.into())]),
            )],
        ));
    }
    let too_old = |since| template::code_predates(function, since) == Some(true);
    if requires_tls && too_old(TLS_SINCE) {
        return Ok(Verdict::fail(format!(
            "{} requires TLS, and the function's code predates the templates' TLS support ({TLS_SINCE}): its logins are refused",
            database.id
        ))
        .evidence(source, tls_line)
        .evidence(GET_FUNCTION, modified_line)
        .fix(template::redeploy_advice(function), Vec::new()));
    }
    if scram && too_old(SCRAM_SINCE) {
        return Ok(Verdict::fail(format!(
            "{} stores passwords as scram-sha-256, and the function's code predates the libpq that can log in that way ({SCRAM_SINCE}): \"SCRAM authentication requires libpq version 10 or above\"",
            database.id
        ))
        .evidence(source, format!("{PASSWORD_ENCRYPTION} is scram-sha-256 in {group}"))
        .evidence(GET_FUNCTION, modified_line)
        .fix(template::redeploy_advice(function), Vec::new()));
    }
    let mut verdict = Verdict::pass(if requires_tls {
        format!(
            "{} requires TLS, which the function's template uses",
            database.id
        )
    } else {
        format!("{} does not require TLS", database.id)
    })
    .evidence(source, tls_line);
    if scram {
        verdict = verdict.evidence(
            source,
            format!("{PASSWORD_ENCRYPTION} is scram-sha-256 in {group}"),
        );
    }
    Ok(verdict.evidence(GET_FUNCTION, modified_line))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testing::{healthy, object_mut};
    use crate::facts::Fact;
    use crate::finding::Status;

    fn last_modified(facts: &mut Facts, date: &str) {
        let Fact::Found(function) = &mut facts.rotation_function else {
            unreachable!()
        };
        function.last_modified = Some(format!("{date}T10:00:00.000+0000"));
    }

    fn parameter(facts: &mut Facts, name: &str, value: &str) {
        let Fact::Found(parameters) = &mut facts.database_parameters else {
            unreachable!()
        };
        parameters
            .values
            .insert(name.to_string(), value.to_string());
    }

    #[test]
    fn a_current_template_passes_against_tls_and_scram() {
        let verdict = CHECK.verdict(&healthy());
        assert_eq!(verdict.status, Status::Pass, "{verdict:?}");
        assert!(verdict.summary.contains("requires TLS"));
    }

    #[test]
    fn ssl_false_against_a_required_tls_fails_with_ssl_true() {
        let mut facts = healthy();
        for ssl in ["false", r#""False""#] {
            object_mut(&mut facts).ssl = Some(ssl.to_string());
            let verdict = CHECK.verdict(&facts);
            assert_eq!(verdict.status, Status::Fail);
            assert!(verdict.fix.unwrap().commands[0].contains(r#"{"ssl":true}"#));
        }
        parameter(&mut facts, "rds.force_ssl", "0");
        assert_eq!(CHECK.verdict(&facts).status, Status::Pass);
    }

    #[test]
    fn code_older_than_tls_support_fails_only_where_tls_is_required() {
        let mut facts = healthy();
        last_modified(&mut facts, "2021-12-19");
        let verdict = CHECK.verdict(&facts);
        assert_eq!(verdict.status, Status::Fail);
        assert!(
            verdict.summary.contains("TLS support"),
            "{}",
            verdict.summary
        );
        parameter(&mut facts, "rds.force_ssl", "0");
        parameter(&mut facts, "password_encryption", "md5");
        assert_eq!(CHECK.verdict(&facts).status, Status::Pass);
        last_modified(&mut facts, "2021-12-20");
        parameter(&mut facts, "rds.force_ssl", "1");
        assert_eq!(CHECK.verdict(&facts).status, Status::Pass);
    }

    #[test]
    fn code_older_than_scram_support_fails_on_scram() {
        let mut facts = healthy();
        last_modified(&mut facts, "2021-12-25");
        let verdict = CHECK.verdict(&facts);
        assert_eq!(verdict.status, Status::Fail);
        assert!(
            verdict
                .summary
                .contains("SCRAM authentication requires libpq")
        );
        parameter(&mut facts, "password_encryption", "md5");
        assert_eq!(CHECK.verdict(&facts).status, Status::Pass);
    }

    #[test]
    fn unreadable_parameters_are_an_error() {
        let mut facts = healthy();
        facts.database_parameters = Fact::Unavailable(crate::facts::LookupError {
            action: "rds:DescribeDBClusterParameters".to_string(),
            code: "AccessDenied".to_string(),
            message: "not allowed".to_string(),
        });
        assert_eq!(CHECK.verdict(&facts).status, Status::Error);
    }
}
