//! The database service API calls (RDS, Redshift) a multi-user template
//! makes in setSecret, for the checks that need them allowed
//! (master-secret-access) and reachable (rds-api-reachability).
//!
//! From the templates' code: a master secret RDS manages holds only a
//! username and a password, so the template looks up where to log in by the
//! database its tag names; when the secret's host is not the master's,
//! the PostgreSQL, MySQL and MariaDB templates ask RDS whether it is a read
//! replica of the master's database before they accept it; and the Redshift
//! template looks up a Redshift-managed admin secret's cluster (its
//! `aws:redshift:primaryclusterarn` tag) or serverless namespace
//! (`aws:redshift-serverless:namespacearn`). DocumentDB's management API is
//! authorized as `rds:` actions, so no `docdb:` action grants any of these.

use crate::actions::rds::DESCRIBE_DB_CLUSTERS as CLUSTERS;
use crate::actions::rds::DESCRIBE_DB_INSTANCES as INSTANCES;
use crate::actions::redshift::DESCRIBE_CLUSTERS as REDSHIFT_DESCRIBE_CLUSTERS;
use crate::actions::redshift_serverless::{
    LIST_NAMESPACES as SERVERLESS_LIST_NAMESPACES, LIST_WORKGROUPS as SERVERLESS_LIST_WORKGROUPS,
};
use crate::facts::{Facts, MasterSecretFacts, SecretShape};
use crate::template;

/// One call the function's role makes to a database service, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiCall {
    pub action: &'static str,
    pub resource: String,
    pub why: String,
}

impl ApiCall {
    /// The service the call goes to, as its VPC endpoint names it (`rds`,
    /// `redshift`, `redshift-serverless`).
    pub fn service(&self) -> &'static str {
        self.action.split(':').next().unwrap_or(self.action)
    }
}

const REDSHIFT_CLUSTER_TAG: &str = "aws:redshift:primaryclusterarn";
const REDSHIFT_NAMESPACE_TAG: &str = "aws:redshift-serverless:namespacearn";
const REDSHIFT_TEMPLATE: &str = "SecretsManagerRedshiftRotationMultiUser";

/// The calls, in the order setSecret makes them; none when the template
/// makes no database service call for this secret.
pub fn database_api_calls(facts: &Facts, master: &MasterSecretFacts) -> Vec<ApiCall> {
    if let Some(calls) = redshift_lookups(facts, master) {
        return calls;
    }
    if let Some(arn) = master.rds_database_arn() {
        return vec![ApiCall {
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

/// The Redshift template's lookup of a Redshift-managed admin secret's
/// cluster or namespace, by the tag Redshift put on it.
fn redshift_lookups(facts: &Facts, master: &MasterSecretFacts) -> Option<Vec<ApiCall>> {
    let object = match facts.secret_value.found() {
        Some(SecretShape::Object(object)) => Some(object),
        _ => None,
    };
    let template = template::identify(facts.rotation_function.found(), object).template()?;
    if template.name != REDSHIFT_TEMPLATE {
        return None;
    }
    let tags = &master.secret.found()?.tags;
    let tagged = |key: &str| {
        tags.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.clone())
    };
    if let Some(cluster) = tagged(REDSHIFT_CLUSTER_TAG) {
        return Some(vec![ApiCall {
            action: REDSHIFT_DESCRIBE_CLUSTERS,
            resource: cluster.clone(),
            why: format!(
                "the admin secret is tagged {REDSHIFT_CLUSTER_TAG} {cluster}: the template asks Redshift where to log in"
            ),
        }]);
    }
    let namespace = tagged(REDSHIFT_NAMESPACE_TAG)?;
    let why = format!(
        "the admin secret is tagged {REDSHIFT_NAMESPACE_TAG} {namespace}: the template asks Redshift Serverless for its workgroup's endpoint"
    );
    Some(
        [SERVERLESS_LIST_NAMESPACES, SERVERLESS_LIST_WORKGROUPS]
            .into_iter()
            .map(|action| ApiCall {
                action,
                resource: "*".to_string(),
                why: why.clone(),
            })
            .collect(),
    )
}

/// The host guard's lookups: only where the hosts differ.
fn replica_lookups(facts: &Facts, master: &MasterSecretFacts) -> Option<Vec<ApiCall>> {
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
    let call = |action, resource| ApiCall {
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
    fn a_redshift_managed_admin_secret_needs_redshift_calls() {
        let mut facts = multi_user();
        crate::checks::testing::function_mut(&mut facts)
            .template_tags
            .insert(
                "serverlessrepo:applicationId".to_string(),
                format!(
                    "arn:aws:serverlessrepo:us-east-1:297356227824:applications/{REDSHIFT_TEMPLATE}"
                ),
            );
        let Fact::Found(master) = &mut facts.master_secret else {
            unreachable!()
        };
        let Fact::Found(secret) = &mut master.secret else {
            unreachable!()
        };
        let cluster = "arn:aws:redshift:us-east-1:111122223333:namespace:abc";
        secret
            .tags
            .insert(REDSHIFT_CLUSTER_TAG.to_string(), cluster.to_string());
        let master = master.clone();
        let calls = database_api_calls(&facts, &master);
        assert_eq!(calls.len(), 1);
        assert_eq!(calls[0].action, "redshift:DescribeClusters");
        assert_eq!(calls[0].service(), "redshift");
        assert_eq!(calls[0].resource, cluster);
    }

    #[test]
    fn the_same_host_needs_no_rds_call() {
        let facts = multi_user();
        let Fact::Found(master) = &facts.master_secret else {
            unreachable!()
        };
        assert_eq!(database_api_calls(&facts, master), Vec::new());
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
        let calls = database_api_calls(&facts, &master);
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
        let calls = database_api_calls(&facts, &master);
        assert_eq!(calls[0].action, "rds:DescribeDBClusters");
        assert!(calls[0].resource.ends_with(":cluster:orders"));
    }
}
