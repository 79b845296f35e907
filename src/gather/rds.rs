//! The database behind the secret's `host`: an RDS instance, cluster or
//! proxy, else the network interface holding that address; and the
//! parameters that say how that database takes a login.

use std::collections::BTreeMap;
use std::sync::Arc;

use aws_sdk_rds::types::{DbCluster, DbInstance, DbProxy, Parameter};

use crate::actions::rds::{
    DESCRIBE_DB_PROXIES, DESCRIBE_DB_PROXY_ENDPOINTS, DESCRIBE_DB_PROXY_TARGETS,
};
use crate::facts::{
    DatabaseFacts, DatabaseKind, DatabaseParameters, Fact, LOGIN_PARAMETERS, LookupError,
    ParameterGroup, ProxyFacts,
};

use super::errors::lookup_error;
use super::{Gatherer, names_next};

/// The account's RDS instances and clusters, listed once per run for all secrets.
#[derive(Clone)]
pub struct Listing {
    instances: Arc<Vec<DbInstance>>,
    clusters: Arc<Vec<DbCluster>>,
}

async fn listing(gatherer: &Gatherer) -> Result<Listing, LookupError> {
    let fetch = async {
        let rds = &gatherer.rds;
        let (instances, clusters) = tokio::join!(
            gatherer.pages(
                "rds:DescribeDBInstances",
                "all",
                usize::MAX,
                rds.describe_db_instances().into_paginator().send(),
                |page| names_next(page.marker())
            ),
            gatherer.pages(
                "rds:DescribeDBClusters",
                "all",
                usize::MAX,
                rds.describe_db_clusters().into_paginator().send(),
                |page| names_next(page.marker())
            ),
        );
        let instances = instances.map(|pages| {
            pages
                .into_iter()
                .flat_map(|page| page.db_instances.unwrap_or_default())
                .collect::<Vec<_>>()
        });
        let clusters = clusters.map(|pages| {
            pages
                .into_iter()
                .flat_map(|page| page.db_clusters.unwrap_or_default())
                .collect::<Vec<_>>()
        });
        Ok(Listing {
            instances: Arc::new(
                instances.map_err(|e| lookup_error("rds:DescribeDBInstances", &e))?,
            ),
            clusters: Arc::new(clusters.map_err(|e| lookup_error("rds:DescribeDBClusters", &e))?),
        })
    };
    gatherer.shared.databases.get("all", fetch).await
}

/// The database answering at `host`: an RDS instance, cluster (writer,
/// reader or custom endpoint) or proxy endpoint, else a network interface
/// with that address.
pub async fn database(gatherer: &Gatherer, host: &str) -> Fact<DatabaseFacts> {
    let listing = match listing(gatherer).await {
        Ok(listing) => listing,
        Err(error) => return Fact::Unavailable(error),
    };
    let host_is = |address: Option<&str>| address.is_some_and(|a| a.eq_ignore_ascii_case(host));
    if let Some(instance) = listing
        .instances
        .iter()
        .find(|i| host_is(i.endpoint().and_then(|e| e.address())))
    {
        return Fact::Found(instance_facts(instance, host, &listing));
    }
    if let Some(cluster) = listing.clusters.iter().find(|c| {
        host_is(c.endpoint())
            || host_is(c.reader_endpoint())
            || c.custom_endpoints().iter().any(|e| host_is(Some(e)))
    }) {
        return Fact::Found(cluster_facts(gatherer, cluster, host).await);
    }
    if is_rds_name(host) {
        match proxy(gatherer, host, &listing).await {
            Fact::Absent => {}
            found_or_not => return found_or_not,
        }
    }
    network_interface(gatherer, host).await
}

/// A name under RDS's own domain: an endpoint RDS gave out.
fn is_rds_name(host: &str) -> bool {
    let host = host.to_ascii_lowercase();
    host.ends_with(".rds.amazonaws.com") || host.ends_with(".rds.amazonaws.com.cn")
}

/// The account's RDS Proxies, listed once per run and only when a host
/// under RDS's domain is no instance or cluster.
async fn proxies(gatherer: &Gatherer) -> Result<Arc<Vec<DbProxy>>, LookupError> {
    let fetch = async {
        let stream = gatherer.rds.describe_db_proxies().into_paginator().send();
        gatherer
            .pages(DESCRIBE_DB_PROXIES, "all", usize::MAX, stream, |page| {
                names_next(page.marker())
            })
            .await
            .map(|pages| {
                Arc::new(
                    pages
                        .into_iter()
                        .flat_map(|page| page.db_proxies.unwrap_or_default())
                        .collect(),
                )
            })
            .map_err(|e| lookup_error(DESCRIBE_DB_PROXIES, &e))
    };
    gatherer.shared.proxies.get("all", fetch).await
}

/// The RDS Proxy whose default or custom endpoint is `host`, with the
/// database it forwards to; absent when no proxy answers there.
async fn proxy(gatherer: &Gatherer, host: &str, listing: &Listing) -> Fact<DatabaseFacts> {
    let proxies = match proxies(gatherer).await {
        Ok(proxies) => proxies,
        Err(error) => return Fact::Unavailable(error),
    };
    let host_is = |address: Option<&str>| address.is_some_and(|a| a.eq_ignore_ascii_case(host));
    let mut found = proxies.iter().find(|p| host_is(p.endpoint()));
    // A custom proxy endpoint reads `<name>.endpoint.proxy-<id>.<region>...`.
    if found.is_none() && host.split('.').nth(1) == Some("endpoint") {
        let request = gatherer.rds.describe_db_proxy_endpoints().send();
        let endpoints = match gatherer
            .call(DESCRIBE_DB_PROXY_ENDPOINTS, host, request)
            .await
        {
            Ok(output) => output,
            Err(error) => {
                return Fact::Unavailable(lookup_error(DESCRIBE_DB_PROXY_ENDPOINTS, &error));
            }
        };
        let name = endpoints
            .db_proxy_endpoints()
            .iter()
            .find(|e| host_is(e.endpoint()))
            .and_then(|e| e.db_proxy_name());
        found = proxies
            .iter()
            .find(|p| name.is_some() && p.db_proxy_name() == name);
    }
    let Some(proxy) = found else {
        return Fact::Absent;
    };
    let name = proxy.db_proxy_name().unwrap_or_default();
    Fact::Found(DatabaseFacts {
        vpc_id: proxy.vpc_id().map(str::to_string),
        subnet_ids: proxy.vpc_subnet_ids().to_vec(),
        security_group_ids: proxy.vpc_security_group_ids().to_vec(),
        proxy: Some(ProxyFacts {
            name: name.to_string(),
            require_tls: proxy.require_tls().unwrap_or(false),
            auth_secrets: proxy
                .auth()
                .iter()
                .filter_map(|auth| auth.secret_arn())
                .map(str::to_string)
                .collect(),
            target_endpoint: proxy_target(gatherer, name, listing).await,
        }),
        ..DatabaseFacts::new(host, DatabaseKind::Proxy, name)
    })
}

/// The endpoint of the database a proxy forwards writes to: its instance,
/// or its cluster's writer. Unknown when the targets cannot be read; only
/// the fix needs it.
async fn proxy_target(gatherer: &Gatherer, proxy: &str, listing: &Listing) -> Option<String> {
    let request = gatherer
        .rds
        .describe_db_proxy_targets()
        .db_proxy_name(proxy)
        .send();
    let output = gatherer
        .call(DESCRIBE_DB_PROXY_TARGETS, proxy, request)
        .await
        .ok()?;
    output.targets().iter().find_map(|target| {
        use aws_sdk_rds::types::{TargetRole, TargetType};
        if target.role() == Some(&TargetRole::ReadOnly) {
            return None;
        }
        match target.r#type() {
            // RdsResourceId is the instance's identifier, and the cluster's.
            Some(TargetType::RdsInstance) => target.endpoint().map(str::to_string).or_else(|| {
                listing
                    .instances
                    .iter()
                    .find(|i| i.db_instance_identifier() == target.rds_resource_id())
                    .and_then(|i| i.endpoint()?.address())
                    .map(str::to_string)
            }),
            Some(TargetType::TrackedCluster) => listing
                .clusters
                .iter()
                .find(|c| c.db_cluster_identifier() == target.rds_resource_id())
                .and_then(|c| c.endpoint())
                .map(str::to_string),
            _ => None,
        }
    })
}

/// The login parameters of a parameter group, read in full (RDS filters
/// none) and kept to [`LOGIN_PARAMETERS`].
pub async fn parameters(gatherer: &Gatherer, group: &ParameterGroup) -> Fact<DatabaseParameters> {
    let action = group.read_by();
    let rds = &gatherer.rds;
    let listed: Result<Vec<Parameter>, _> = if group.cluster {
        let stream = rds
            .describe_db_cluster_parameters()
            .db_cluster_parameter_group_name(&group.name)
            .into_paginator()
            .send();
        gatherer
            .pages(action, &group.name, usize::MAX, stream, |page| {
                names_next(page.marker())
            })
            .await
            .map(|pages| {
                pages
                    .into_iter()
                    .flat_map(|p| p.parameters.unwrap_or_default())
                    .collect()
            })
            .map_err(|e| lookup_error(action, &e))
    } else {
        let stream = rds
            .describe_db_parameters()
            .db_parameter_group_name(&group.name)
            .into_paginator()
            .send();
        gatherer
            .pages(action, &group.name, usize::MAX, stream, |page| {
                names_next(page.marker())
            })
            .await
            .map(|pages| {
                pages
                    .into_iter()
                    .flat_map(|p| p.parameters.unwrap_or_default())
                    .collect()
            })
            .map_err(|e| lookup_error(action, &e))
    };
    match listed {
        Ok(listed) => Fact::Found(DatabaseParameters {
            group: group.clone(),
            values: login_values(&listed),
        }),
        Err(error) => Fact::Unavailable(error),
    }
}

fn login_values(parameters: &[Parameter]) -> BTreeMap<String, String> {
    parameters
        .iter()
        .filter_map(|p| Some((p.parameter_name()?, p.parameter_value()?)))
        .filter(|(name, _)| LOGIN_PARAMETERS.contains(name))
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect()
}

/// The RDS instance or cluster with this ARN, at its (writer) endpoint, as
/// the templates connect to it: absent when there is none.
pub async fn database_by_arn(gatherer: &Gatherer, arn: &str) -> Fact<DatabaseFacts> {
    let listing = match listing(gatherer).await {
        Ok(listing) => listing,
        Err(error) => return Fact::Unavailable(error),
    };
    if let Some(instance) = listing
        .instances
        .iter()
        .find(|i| i.db_instance_arn() == Some(arn))
    {
        let host = instance.endpoint().and_then(|e| e.address());
        return Fact::Found(instance_facts(instance, host.unwrap_or_default(), &listing));
    }
    if let Some(cluster) = listing
        .clusters
        .iter()
        .find(|c| c.db_cluster_arn() == Some(arn))
    {
        let host = cluster.endpoint().unwrap_or_default();
        return Fact::Found(cluster_facts(gatherer, cluster, host).await);
    }
    Fact::Absent
}

fn instance_facts(instance: &DbInstance, host: &str, listing: &Listing) -> DatabaseFacts {
    let group = instance.db_subnet_group();
    // An Aurora instance takes its login parameters from its cluster's group.
    let parameter_group = match instance.db_cluster_identifier() {
        Some(cluster) => listing
            .clusters
            .iter()
            .find(|c| c.db_cluster_identifier() == Some(cluster))
            .and_then(|c| c.db_cluster_parameter_group())
            .map(|name| ParameterGroup {
                name: name.to_string(),
                cluster: true,
            }),
        None => instance
            .db_parameter_groups()
            .first()
            .and_then(|g| g.db_parameter_group_name())
            .map(|name| ParameterGroup {
                name: name.to_string(),
                cluster: false,
            }),
    };
    DatabaseFacts {
        vpc_id: group.and_then(|g| g.vpc_id()).map(str::to_string),
        subnet_ids: group
            .map(|g| {
                g.subnets()
                    .iter()
                    .filter_map(|s| s.subnet_identifier())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default(),
        security_group_ids: instance
            .vpc_security_groups()
            .iter()
            .filter_map(|g| g.vpc_security_group_id())
            .map(str::to_string)
            .collect(),
        publicly_accessible: instance.publicly_accessible().unwrap_or(false),
        port: instance.endpoint().and_then(|e| e.port()),
        replica_of: instance
            .read_replica_source_db_instance_identifier()
            .map(str::to_string),
        cluster: instance.db_cluster_identifier().map(str::to_string),
        parameter_group,
        ..DatabaseFacts::new(
            host,
            DatabaseKind::Instance,
            instance.db_instance_identifier().unwrap_or_default(),
        )
    }
}

async fn cluster_facts(gatherer: &Gatherer, cluster: &DbCluster, host: &str) -> DatabaseFacts {
    let (vpc_id, subnet_ids) = match cluster.db_subnet_group() {
        Some(name) => subnet_group(gatherer, name).await,
        None => (None, Vec::new()),
    };
    DatabaseFacts {
        vpc_id,
        subnet_ids,
        security_group_ids: cluster
            .vpc_security_groups()
            .iter()
            .filter_map(|g| g.vpc_security_group_id())
            .map(str::to_string)
            .collect(),
        publicly_accessible: cluster.publicly_accessible().unwrap_or(false),
        port: cluster.port(),
        reader_endpoint: cluster
            .reader_endpoint()
            .is_some_and(|reader| reader.eq_ignore_ascii_case(host)),
        writer_endpoint: cluster.endpoint().map(str::to_string),
        custom_endpoint: cluster
            .custom_endpoints()
            .iter()
            .any(|e| e.eq_ignore_ascii_case(host)),
        parameter_group: cluster
            .db_cluster_parameter_group()
            .map(|name| ParameterGroup {
                name: name.to_string(),
                cluster: true,
            }),
        ..DatabaseFacts::new(
            host,
            DatabaseKind::Cluster,
            cluster.db_cluster_identifier().unwrap_or_default(),
        )
    }
}

/// The VPC and subnets of a cluster's subnet group; unknown if unreadable.
async fn subnet_group(gatherer: &Gatherer, name: &str) -> (Option<String>, Vec<String>) {
    let request = gatherer
        .rds
        .describe_db_subnet_groups()
        .db_subnet_group_name(name)
        .send();
    match gatherer
        .call("rds:DescribeDBSubnetGroups", name, request)
        .await
    {
        Ok(output) => match output.db_subnet_groups().first() {
            Some(group) => (
                group.vpc_id().map(str::to_string),
                group
                    .subnets()
                    .iter()
                    .filter_map(|s| s.subnet_identifier())
                    .map(str::to_string)
                    .collect(),
            ),
            None => (None, Vec::new()),
        },
        Err(_) => (None, Vec::new()),
    }
}

/// A host given as a private IPv4 address: the network interface holding it.
async fn network_interface(gatherer: &Gatherer, host: &str) -> Fact<DatabaseFacts> {
    if host.parse::<std::net::Ipv4Addr>().is_err() {
        return Fact::Absent;
    }
    let filter = aws_sdk_ec2::types::Filter::builder()
        .name("addresses.private-ip-address")
        .values(host)
        .build();
    let request = gatherer
        .ec2
        .describe_network_interfaces()
        .filters(filter)
        .send();
    let output = match gatherer
        .call("ec2:DescribeNetworkInterfaces", host, request)
        .await
    {
        Ok(output) => output,
        Err(error) => {
            return Fact::Unavailable(lookup_error("ec2:DescribeNetworkInterfaces", &error));
        }
    };
    match output.network_interfaces().first() {
        Some(interface) => Fact::Found(DatabaseFacts {
            vpc_id: interface.vpc_id().map(str::to_string),
            subnet_ids: interface
                .subnet_id()
                .map(str::to_string)
                .into_iter()
                .collect(),
            security_group_ids: interface
                .groups()
                .iter()
                .filter_map(|g| g.group_id())
                .map(str::to_string)
                .collect(),
            publicly_accessible: interface
                .association()
                .and_then(|a| a.public_ip())
                .is_some(),
            ..DatabaseFacts::new(
                host,
                DatabaseKind::NetworkInterface,
                interface.network_interface_id().unwrap_or_default(),
            )
        }),
        None => Fact::Absent,
    }
}
