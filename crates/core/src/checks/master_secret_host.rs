#![doc = include_str!("../../docs/checks/master-secret-host.md")]

use super::{CheckDef, Outcome, premise, reads};
use crate::actions::rds::DESCRIBE_DB_INSTANCES as RDS;
use crate::actions::secretsmanager::DESCRIBE_SECRET as DESCRIBE;
use crate::actions::secretsmanager::GET_SECRET_VALUE as VALUE;
use crate::facts::{DatabaseKind, Facts, SecretShape};
use crate::finding::Verdict;
use crate::template;

pub const CHECK: CheckDef = CheckDef {
    slug: "master-secret-host",
    title: "The master secret is for the secret's database",
    holds: r#"For multi-user rotation, the master secret is for the secret's own host, or the secret's host is an RDS read replica of the master's instance or part of its Aurora cluster; otherwise setSecret stops with "Current database host ... is not the same host as/rds replica of master". A master secret RDS made, with no host in its value, is followed to the database its tag names."#,
    explanation: include_str!("../../docs/checks/master-secret-host.md"),
    reads: &[
        reads::SECRET,
        reads::SECRET_VALUE,
        reads::FUNCTION,
        reads::DATABASE,
    ],
    run,
};

/// Templates whose host guard takes no read replica: "... is not the same
/// host as master" (MongoDB) and "... as admin" (Redshift).
const SAME_HOST_ONLY: &[&str] = &[
    "SecretsManagerMongoDBRotationMultiUser",
    "SecretsManagerRedshiftRotationMultiUser",
];

fn run(facts: &Facts) -> Outcome {
    let function = premise::rotation_function(facts)?;
    let Some(SecretShape::Object(object)) = premise::looked_up(&facts.secret_value)? else {
        return Err(Verdict::skip(
            "The secret's value is not a JSON object (see secret-schema)",
        ));
    };
    let multi_user = template::identify(Some(function), Some(object))
        .template()
        .filter(|t| t.multi_user);
    let Some(template) = multi_user else {
        return Err(Verdict::skip(
            "Single-user rotation: there is no master secret",
        ));
    };
    let (Some(host), Some(_)) = (object.host.as_deref(), object.masterarn.as_deref()) else {
        return Err(Verdict::skip(
            "The secret has no host or no masterarn (see secret-schema)",
        ));
    };
    let master = premise::looked_up(&facts.master_secret)?
        .ok_or_else(|| Verdict::skip("The master secret was not looked up"))?;
    let Some(master_secret) =
        premise::looked_up_in(&master.secret, facts, &master.masterarn, "master secret")?
    else {
        return Err(Verdict::skip(
            "The master secret does not exist (see master-secret-access)",
        ));
    };
    let Some(SecretShape::Object(master_object)) =
        premise::looked_up_in(&master.value, facts, &master.masterarn, "master secret")?
    else {
        return Ok(Verdict::fail(format!(
            "The master secret {}'s value is not a JSON object: setSecret cannot read its credentials",
            master_secret.name
        ))
        .evidence(VALUE, "the master secret's value is not a JSON object"));
    };

    // Where the master's credentials log in, as the template finds it.
    let (master_host, master_line) = match master_object.host.as_deref() {
        Some(master_host) => (
            master_host,
            format!("the master secret's host is {master_host}"),
        ),
        None => {
            let Some(arn) = master.rds_database_arn() else {
                return Ok(Verdict::fail(format!(
                    "The master secret {} names no host: setSecret stops with \"host key is missing from secret JSON\"",
                    master_secret.name
                ))
                .evidence(VALUE, "the master secret's value has no host key"));
            };
            let Some(database) = premise::looked_up(&master.database)? else {
                return Ok(Verdict::fail(format!(
                    "The master secret {} names no host, and the database its tag names ({arn}) does not exist",
                    master_secret.name
                ))
                .evidence(DESCRIBE, format!("the master secret is tagged for {arn}")));
            };
            (
                database.host.as_str(),
                format!(
                    "the master secret holds only a username and a password; its tag names the {} {}, at {}",
                    database.kind, database.id, database.host
                ),
            )
        }
    };
    let host_line = format!("the secret's host is {host}");
    if host == master_host {
        return Ok(Verdict::pass(format!(
            "The master secret is for the secret's own host {host}"
        ))
        .evidence(VALUE, host_line)
        .evidence(VALUE, master_line));
    }

    let verdict = if SAME_HOST_ONLY.contains(&template.name) {
        Verdict::fail(format!(
            "The secret's host {host} is not the master secret's host {master_host}: setSecret stops before it clones the user"
        ))
        .evidence(VALUE, host_line)
        .evidence(VALUE, master_line)
    } else {
        // The templates read an instance or cluster identifier off each
        // host's first label, and accept a read replica of the master's
        // instance or (MySQL and PostgreSQL) a part of its Aurora cluster.
        let master_id = master_host.split('.').next().unwrap_or_default();
        let database = premise::looked_up(&facts.database)?;
        let (source, found) = match database {
            Some(d) => {
                let mut found = format!("{host} is the {} {}", d.kind, d.id);
                if let Some(source) = &d.replica_of {
                    found.push_str(&format!(", a read replica of {source}"));
                }
                if let Some(cluster) = &d.cluster {
                    found.push_str(&format!(", in the Aurora cluster {cluster}"));
                }
                (d.found_by(), found)
            }
            None => (RDS, format!("{host} is no RDS database")),
        };
        let related = database.and_then(|d| {
            if d.replica_of.as_deref() == Some(master_id) {
                Some("a read replica of")
            } else if (d.kind == DatabaseKind::Cluster && d.id == master_id)
                || d.cluster.as_deref() == Some(master_id)
            {
                Some("part of the Aurora cluster of")
            } else {
                None
            }
        });
        if let Some(related) = related {
            return Ok(Verdict::pass(format!(
                "The secret's host {host} is {related} the master secret's database {master_id}"
            ))
            .evidence(VALUE, host_line)
            .evidence(VALUE, master_line)
            .evidence(source, found));
        }
        Verdict::fail(format!(
            "The secret's host {host} is neither the master secret's host {master_host} nor a read replica of it: setSecret stops before it clones the user"
        ))
        .evidence(VALUE, host_line)
            .evidence(VALUE, master_line)
            .evidence(source, found)
    };
    Ok(verdict.fix(
        format!(
            "In the secret's value, set host to {master_host}, the master secret's host as the same string, or set masterarn to a master secret for {host}. rotdoctor prints no command for it: that would put the password on the command line"
        ),
        Vec::new(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testing::{multi_user, object_mut};
    use crate::facts::{DatabaseFacts, Fact, MasterSecretFacts, ObjectShape};
    use crate::finding::Status;

    fn master_mut(facts: &mut Facts) -> &mut MasterSecretFacts {
        match &mut facts.master_secret {
            Fact::Found(master) => master,
            _ => unreachable!("multi_user() has a master secret"),
        }
    }

    fn master_object_mut(facts: &mut Facts) -> &mut ObjectShape {
        match &mut master_mut(facts).value {
            Fact::Found(SecretShape::Object(object)) => object,
            _ => unreachable!("multi_user()'s master has a JSON value"),
        }
    }

    fn database_mut(facts: &mut Facts) -> &mut DatabaseFacts {
        match &mut facts.database {
            Fact::Found(database) => database,
            _ => unreachable!("healthy() has a database"),
        }
    }

    #[test]
    fn the_same_host_passes() {
        let verdict = CHECK.verdict(&multi_user());
        assert_eq!(verdict.status, Status::Pass, "{verdict:?}");
    }

    #[test]
    fn another_host_fails_with_both_hosts_as_evidence() {
        let mut facts = multi_user();
        master_object_mut(&mut facts).host =
            Some("other-db.abc.us-east-1.rds.amazonaws.com".into());
        let verdict = CHECK.verdict(&facts);
        assert_eq!(verdict.status, Status::Fail);
        assert!(
            verdict.summary.contains("nor a read replica"),
            "{}",
            verdict.summary
        );
        let observed = verdict
            .evidence
            .iter()
            .map(|e| e.observed.as_str())
            .collect::<Vec<_>>();
        assert!(
            observed
                .contains(&"the master secret's host is other-db.abc.us-east-1.rds.amazonaws.com")
        );
        assert!(
            verdict.fix.unwrap().commands.is_empty(),
            "no command writes a value"
        );
    }

    #[test]
    fn a_read_replica_of_the_masters_instance_passes() {
        let mut facts = multi_user();
        master_object_mut(&mut facts).host =
            Some("primary-db.abc.us-east-1.rds.amazonaws.com".into());
        database_mut(&mut facts).replica_of = Some("primary-db".into());
        assert_eq!(CHECK.verdict(&facts).status, Status::Pass);
    }

    #[test]
    fn an_endpoint_or_instance_of_the_masters_aurora_cluster_passes() {
        let mut facts = multi_user();
        // healthy()'s database is the cluster prod-db; the secret now names
        // its reader endpoint, the master its writer endpoint.
        object_mut(&mut facts).host =
            Some("prod-db.cluster-ro-abc.us-east-1.rds.amazonaws.com".into());
        let verdict = CHECK.verdict(&facts);
        assert_eq!(verdict.status, Status::Pass, "{verdict:#?}");
        assert!(verdict.summary.contains("part of the Aurora cluster of"));

        let database = database_mut(&mut facts);
        database.kind = DatabaseKind::Instance;
        database.id = "prod-db-instance-2".into();
        database.cluster = Some("prod-db".into());
        assert_eq!(CHECK.verdict(&facts).status, Status::Pass);
        database_mut(&mut facts).cluster = Some("other-db".into());
        assert_eq!(CHECK.verdict(&facts).status, Status::Fail);
    }

    #[test]
    fn mongodb_takes_no_replica() {
        let mut facts = multi_user();
        if let Fact::Found(function) = &mut facts.rotation_function {
            function.template_tags.insert(
                "serverlessrepo:applicationId".into(),
                "arn:aws:serverlessrepo:us-east-1:297356227824:applications/SecretsManagerMongoDBRotationMultiUser".into(),
            );
        }
        object_mut(&mut facts).engine = Some("mongo".into());
        master_object_mut(&mut facts).host =
            Some("primary-db.abc.us-east-1.rds.amazonaws.com".into());
        database_mut(&mut facts).replica_of = Some("primary-db".into());
        assert_eq!(CHECK.verdict(&facts).status, Status::Fail);
    }

    #[test]
    fn an_rds_made_master_logs_in_at_its_tagged_database() {
        let mut facts = multi_user();
        let host = object_mut(&mut facts).host.clone().unwrap();
        crate::checks::testing::master_managed_by_rds(
            &mut facts,
            "arn:aws:rds:us-east-1:111122223333:cluster:prod-db",
        );
        master_mut(&mut facts).database = Fact::Found(DatabaseFacts {
            port: Some(5432),
            ..DatabaseFacts::new(&host, DatabaseKind::Cluster, "prod-db")
        });
        assert_eq!(CHECK.verdict(&facts).status, Status::Pass);
        master_mut(&mut facts).database = Fact::Absent;
        assert_eq!(CHECK.verdict(&facts).status, Status::Fail);
    }

    #[test]
    fn a_tag_is_followed_only_for_a_master_of_bare_credentials() {
        let mut facts = multi_user();
        master_object_mut(&mut facts).host = None;
        if let Fact::Found(master) = &mut facts.master_secret
            && let Fact::Found(secret) = &mut master.secret
        {
            secret.rds_database_arn =
                Some("arn:aws:rds:us-east-1:111122223333:cluster:prod-db".into());
        }
        // It still has engine, port and dbname: the templates want a host.
        let verdict = CHECK.verdict(&facts);
        assert_eq!(verdict.status, Status::Fail);
        assert!(
            verdict.summary.contains("host key is missing"),
            "{}",
            verdict.summary
        );
    }

    #[test]
    fn a_master_value_rotdoctor_may_not_read_is_an_error() {
        let mut facts = multi_user();
        master_mut(&mut facts).value = crate::checks::testing::denied(VALUE);
        assert_eq!(CHECK.verdict(&facts).status, Status::Error);
    }
}
