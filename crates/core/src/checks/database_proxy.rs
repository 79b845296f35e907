#![doc = include_str!("../../docs/checks/database-proxy.md")]

use super::{CheckDef, Outcome, premise, reads};
use crate::actions::rds::{DESCRIBE_DB_PROXIES, DESCRIBE_DB_PROXY_TARGETS};
use crate::command::merge_secret_keys;
use crate::facts::{DatabaseKind, Facts};
use crate::finding::Verdict;

pub const CHECK: CheckDef = CheckDef {
    slug: "database-proxy",
    title: "The secret's host is the database, not an RDS Proxy in front of it",
    holds: r#"The secret's `host` is not an RDS Proxy endpoint: a proxy checks logins against its secrets' current values, so testSecret's pending password is refused, and a user without a secret in the proxy's authentication gets "This RDS proxy has no credentials for the role". The fix points the host at the database the proxy forwards to, keeping the rest of the value."#,
    explanation: include_str!("../../docs/checks/database-proxy.md"),
    reads: &[reads::SECRET, reads::SECRET_VALUE, reads::DATABASE],
    run,
};

fn run(facts: &Facts) -> Outcome {
    let secret = premise::secret(facts)?;
    let (host, database) = premise::database_at_host(facts)?;
    let (DatabaseKind::Proxy, Some(proxy)) = (database.kind, &database.proxy) else {
        return Ok(Verdict::pass(format!(
            "{host} is the {} {}, not a proxy",
            database.kind, database.id
        ))
        .evidence(
            database.found_by(),
            format!("{host} is the {} {}", database.kind, database.id),
        ));
    };
    let in_auth = proxy.auth_secrets.iter().any(|arn| arn == &secret.arn);
    let summary = if in_auth {
        format!(
            "{host} is the RDS Proxy {}: it checks logins against the secret's current password, so testSecret's pending password is refused",
            proxy.name
        )
    } else {
        format!(
            "{host} is the RDS Proxy {}, whose authentication does not include this secret: every login is refused with \"This RDS proxy has no credentials for the role\"",
            proxy.name
        )
    };
    let auth = if proxy.auth_secrets.is_empty() {
        "no secrets".to_string()
    } else {
        proxy.auth_secrets.join(", ")
    };
    let verdict = Verdict::fail(summary)
        .evidence(
            DESCRIBE_DB_PROXIES,
            format!("{host} is an endpoint of the RDS Proxy {}", proxy.name),
        )
        .evidence(
            DESCRIBE_DB_PROXIES,
            format!("its authentication logs in with {auth}"),
        );
    let keep_in_proxy = if in_auth {
        " Applications keep using the proxy, which reads the new password from the secret."
    } else {
        ""
    };
    Ok(match &proxy.target_endpoint {
        Some(target) => verdict
            .evidence(
                DESCRIBE_DB_PROXY_TARGETS,
                format!("it forwards to {target}"),
            )
            .fix(
                format!(
                    "Point the secret at the database itself, keeping the rest of its value (needs jq; the value is never printed).{keep_in_proxy}"
                ),
                vec![merge_secret_keys(
                    &secret.arn,
                    &serde_json::Map::from_iter([("host".to_string(), target.clone().into())]),
                )],
            ),
        None => verdict.fix(
            format!(
                "Point the secret's host at the database the proxy forwards to (`aws rds describe-db-proxy-targets --db-proxy-name {}` names it).{keep_in_proxy}",
                proxy.name
            ),
            Vec::new(),
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testing::{SECRET_ARN, healthy};
    use crate::facts::{Fact, ProxyFacts};
    use crate::finding::Status;

    const PROXY_HOST: &str = "orders.proxy-abc123xyz.us-east-1.rds.amazonaws.com";

    fn behind_proxy(auth_secrets: Vec<String>, target: Option<&str>) -> Facts {
        let mut facts = healthy();
        let Fact::Found(database) = &mut facts.database else {
            unreachable!()
        };
        database.kind = DatabaseKind::Proxy;
        database.id = "orders".to_string();
        database.proxy = Some(ProxyFacts {
            name: "orders".to_string(),
            require_tls: true,
            auth_secrets,
            target_endpoint: target.map(str::to_string),
        });
        crate::checks::testing::object_mut(&mut facts).host = Some(PROXY_HOST.to_string());
        facts
    }

    #[test]
    fn a_database_host_passes() {
        assert_eq!(CHECK.verdict(&healthy()).status, Status::Pass);
    }

    #[test]
    fn a_proxy_host_fails_with_its_target_as_the_host() {
        let facts = behind_proxy(
            vec![SECRET_ARN.to_string()],
            Some("orders.abc123xyz.us-east-1.rds.amazonaws.com"),
        );
        let verdict = CHECK.verdict(&facts);
        assert_eq!(verdict.status, Status::Fail);
        assert!(
            verdict.summary.contains("pending password"),
            "{}",
            verdict.summary
        );
        let fix = verdict.fix.unwrap();
        assert!(
            fix.commands[0].contains(r#"{"host":"orders.abc123xyz.us-east-1.rds.amazonaws.com"}"#),
            "{}",
            fix.commands[0]
        );
    }

    #[test]
    fn a_proxy_without_the_secret_names_the_error_users_see() {
        let verdict = CHECK.verdict(&behind_proxy(Vec::new(), None));
        assert_eq!(verdict.status, Status::Fail);
        assert!(verdict.summary.contains("no credentials for the role"));
        let fix = verdict.fix.unwrap();
        assert!(fix.commands.is_empty());
        assert!(
            fix.summary
                .contains("describe-db-proxy-targets --db-proxy-name orders")
        );
    }
}
