#![doc = include_str!("../../docs/checks/database-writable.md")]

use super::{CheckDef, Outcome, premise, reads};
use crate::actions::rds::DESCRIBE_DB_CLUSTERS as CLUSTERS;
use crate::actions::rds::DESCRIBE_DB_INSTANCES as INSTANCES;
use crate::command::merge_secret_keys;
use crate::facts::{DatabaseFacts, DatabaseKind, Facts, SecretShape};
use crate::finding::Verdict;
use crate::template;

pub const CHECK: CheckDef = CheckDef {
    slug: "database-writable",
    title: "The secret's host is a database rotation can write to",
    holds: r#"The secret's `host` is not an Aurora reader endpoint, nor (for single-user rotation) a read replica: both are read-only, so setSecret's password change fails; a custom cluster endpoint, which can route to a reader, is a `warn`. The fix points the host at the cluster's writer endpoint, keeping the rest of the value."#,
    explanation: include_str!("../../docs/checks/database-writable.md"),
    reads: &[
        reads::SECRET,
        reads::SECRET_VALUE,
        reads::FUNCTION,
        reads::DATABASE,
    ],
    run,
};

fn run(facts: &Facts) -> Outcome {
    let function = premise::rotation_function(facts)?;
    let secret = premise::secret(facts)?;
    let (host, database) = premise::database_at_host(facts)?;
    let object = match facts.secret_value.found() {
        Some(SecretShape::Object(object)) => Some(object),
        _ => None,
    };
    if database.kind == DatabaseKind::Proxy {
        return Err(Verdict::skip(
            "The host is an RDS Proxy (see database-proxy)",
        ));
    }
    let multi_user = template::identify(Some(function), object)
        .template()
        .is_some_and(|t| t.multi_user);
    if database.kind == DatabaseKind::Cluster && database.reader_endpoint {
        let verdict = Verdict::fail(format!(
            "{host} is the reader endpoint of the Aurora cluster {}: it is read-only, so setSecret cannot change the password",
            database.id
        ))
        .evidence(CLUSTERS, format!("{host} is the ReaderEndpoint of {}", database.id));
        return Ok(to_the_writer(verdict, database, &secret.arn));
    }
    if database.kind == DatabaseKind::Cluster && database.custom_endpoint {
        let verdict = Verdict::warn(format!(
            "{host} is a custom endpoint of the Aurora cluster {}: it can route to a reader, where setSecret's password change fails",
            database.id
        ))
        .evidence(CLUSTERS, format!("{host} is one of the CustomEndpoints of {}", database.id));
        return Ok(to_the_writer(verdict, database, &secret.arn));
    }
    if let (DatabaseKind::Instance, Some(source), false) =
        (database.kind, &database.replica_of, multi_user)
    {
        return Ok(Verdict::fail(format!(
            "{host} is {}, a read replica of {source}: it is read-only, so single-user rotation cannot change the password there; point the secret at {source}",
            database.id
        ))
        .evidence(INSTANCES, format!("{} has ReadReplicaSourceDBInstanceIdentifier {source}", database.id)));
    }
    Ok(Verdict::pass(format!(
        "{host} is writable: {} {}",
        database.kind, database.id
    ))
    .evidence(
        database.found_by(),
        format!("{host} is the {} {}", database.kind, database.id),
    ))
}

/// The fix that points the secret at the cluster's writer endpoint, when
/// RDS named one.
fn to_the_writer(verdict: Verdict, database: &DatabaseFacts, secret_arn: &str) -> Verdict {
    let Some(writer) = &database.writer_endpoint else {
        return verdict;
    };
    verdict
        .evidence(CLUSTERS, format!("its writer endpoint is {writer}"))
        .fix(
            "Point the secret at the cluster's writer endpoint, keeping the rest of its value (needs jq; the value is never printed):",
            vec![merge_secret_keys(
                secret_arn,
                &serde_json::Map::from_iter([("host".to_string(), writer.clone().into())]),
            )],
        )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testing::{healthy, multi_user};
    use crate::facts::Fact;
    use crate::finding::Status;

    fn database(facts: &mut Facts) -> &mut crate::facts::DatabaseFacts {
        match &mut facts.database {
            Fact::Found(database) => database,
            _ => unreachable!(),
        }
    }

    #[test]
    fn a_writer_passes_and_a_reader_endpoint_fails_with_the_writer() {
        let mut facts = healthy();
        assert_eq!(CHECK.verdict(&facts).status, Status::Pass);
        let db = database(&mut facts);
        db.kind = DatabaseKind::Cluster;
        db.reader_endpoint = true;
        db.writer_endpoint = Some("prod-db.cluster-abc.us-east-1.rds.amazonaws.com".to_string());
        let verdict = CHECK.verdict(&facts);
        assert_eq!(verdict.status, Status::Fail);
        let command = &verdict.fix.unwrap().commands[0];
        assert!(
            command.contains(r#"{"host":"prod-db.cluster-abc.us-east-1.rds.amazonaws.com"}"#),
            "{command}"
        );
    }

    #[test]
    fn a_custom_endpoint_warns_with_the_writer() {
        let mut facts = healthy();
        let db = database(&mut facts);
        db.custom_endpoint = true;
        db.writer_endpoint = Some("prod-db.cluster-abc.us-east-1.rds.amazonaws.com".to_string());
        let verdict = CHECK.verdict(&facts);
        assert_eq!(verdict.status, Status::Warn);
        assert_eq!(verdict.fix.unwrap().commands.len(), 1);
    }

    #[test]
    fn a_read_replica_fails_single_user_rotation_only() {
        for (mut facts, status) in [(healthy(), Status::Fail), (multi_user(), Status::Pass)] {
            let db = database(&mut facts);
            db.kind = DatabaseKind::Instance;
            db.replica_of = Some("prod-db".to_string());
            assert_eq!(CHECK.verdict(&facts).status, status);
        }
    }
}
