//! The RDS API calls a multi-user template makes in setSecret, for the checks
//! that need them allowed (master-secret-access) and reachable
//! (rds-api-reachability).
//!
//! From the templates' code: a master secret RDS manages holds only a
//! username and a password, so the template looks up where to log in by the
//! database its tag names; and when the secret's host is not the master's,
//! the PostgreSQL, MySQL and MariaDB templates ask RDS whether it is a read
//! replica of the master's database before they accept it.

use crate::actions::rds::DESCRIBE_DB_CLUSTERS as CLUSTERS;
use crate::actions::rds::DESCRIBE_DB_INSTANCES as INSTANCES;
use crate::facts::{Facts, MasterSecretFacts, SecretShape};
use crate::template;

/// One call the function's role makes to RDS, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RdsCall {
    pub action: &'static str,
    pub resource: String,
    pub why: String,
}

/// The calls, in the order setSecret makes them; none when the template
/// makes no RDS call for this secret.
pub fn rds_calls(facts: &Facts, master: &MasterSecretFacts) -> Vec<RdsCall> {
    if let Some(arn) = master.rds_database_arn() {
        return vec![RdsCall {
            action: if arn.contains(":cluster:") {
                CLUSTERS
            } else {
                INSTANCES
            },
            resource: arn.to_string(),
            why: format!(
                "the master secret holds only a username and a password, and is tagged for {arn}"
            ),
        }];
    }
    replica_lookups(facts, master).unwrap_or_default()
}

/// The host guard's lookups: only where the hosts differ.
fn replica_lookups(facts: &Facts, master: &MasterSecretFacts) -> Option<Vec<RdsCall>> {
    let Some(SecretShape::Object(object)) = facts.secret_value.found() else {
        return None;
    };
    let Some(SecretShape::Object(master_object)) = master.value.found() else {
        return None;
    };
    let template = template::identify(facts.rotation_function.found(), Some(object)).template()?;
    let asks_rds =
        template.multi_user && ["MySQL", "MariaDB", "PostgreSQL"].contains(&template.database.name);
    let (host, master_host) = (object.host.as_deref()?, master_object.host.as_deref()?);
    if !asks_rds || host == master_host {
        return None;
    }
    let secret_arn = facts.secret.found()?.arn.as_str();
    let region = crate::arn::region(secret_arn)?;
    let account = crate::arn::account(secret_arn)?;
    let rds_arn = |kind: &str, id: &str| format!("arn:aws:rds:{region}:{account}:{kind}:{id}");
    let first_label = |host: &str| host.split('.').next().unwrap_or_default().to_string();
    let why = format!(
        "the secret's host {host} is not the master secret's {master_host}: the template asks RDS whether it is a replica of the master's database"
    );
    let call = |action, resource| RdsCall {
        action,
        resource,
        why: why.clone(),
    };
    let engine = master_object.engine.as_deref().unwrap_or_default();
    let calls = match (template.database.name, engine) {
        // The MariaDB template looks the host up whatever the engine.
        ("MariaDB", _) | (_, "postgres" | "mysql") => {
            vec![call(INSTANCES, rds_arn("db", &first_label(host)))]
        }
        (_, "aurora-postgresql" | "aurora-mysql") => {
            let master_id = first_label(master_host);
            let writer_endpoint = master_host
                .split('.')
                .nth(1)
                .is_some_and(|label| label.starts_with("cluster-"));
            if writer_endpoint {
                vec![call(CLUSTERS, rds_arn("cluster", &master_id))]
            } else {
                // An instance endpoint: its cluster is learnt from RDS.
                let mut calls = vec![call(INSTANCES, rds_arn("db", &master_id))];
                if let Some(cluster) = master
                    .database
                    .found()
                    .and_then(|database| database.cluster.as_deref())
                {
                    calls.push(call(CLUSTERS, rds_arn("cluster", cluster)));
                }
                calls
            }
        }
        _ => Vec::new(),
    };
    Some(calls)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testing::{multi_user, object_mut};
    use crate::facts::Fact;

    fn master_host(facts: &mut Facts, host: &str, engine: &str) -> MasterSecretFacts {
        let Fact::Found(master) = &mut facts.master_secret else {
            unreachable!()
        };
        if let Fact::Found(SecretShape::Object(object)) = &mut master.value {
            object.host = Some(host.to_string());
            object.engine = Some(engine.to_string());
        }
        master.clone()
    }

    #[test]
    fn the_same_host_needs_no_rds_call() {
        let facts = multi_user();
        let Fact::Found(master) = &facts.master_secret else {
            unreachable!()
        };
        assert_eq!(rds_calls(&facts, master), Vec::new());
    }

    #[test]
    fn another_host_is_looked_up_as_a_replica() {
        let mut facts = multi_user();
        object_mut(&mut facts).host =
            Some("orders-replica.abc123xyz.us-east-1.rds.amazonaws.com".to_string());
        let master = master_host(
            &mut facts,
            "orders.abc123xyz.us-east-1.rds.amazonaws.com",
            "postgres",
        );
        let calls = rds_calls(&facts, &master);
        assert_eq!(calls.len(), 1);
        assert_eq!(calls[0].action, "rds:DescribeDBInstances");
        assert_eq!(
            calls[0].resource,
            "arn:aws:rds:us-east-1:111122223333:db:orders-replica"
        );

        let master = master_host(
            &mut facts,
            "orders.cluster-abc123xyz.us-east-1.rds.amazonaws.com",
            "aurora-postgresql",
        );
        let calls = rds_calls(&facts, &master);
        assert_eq!(calls[0].action, "rds:DescribeDBClusters");
        assert!(calls[0].resource.ends_with(":cluster:orders"));
    }
}
