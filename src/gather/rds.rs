//! The database behind the secret's `host`: an RDS instance or cluster, else
//! the network interface holding that address.

use std::sync::Arc;

use aws_sdk_rds::types::{DbCluster, DbInstance};

use crate::facts::{DatabaseFacts, DatabaseKind, Fact, LookupError};

use super::Gatherer;
use super::errors::lookup_error;

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
            gatherer.call(
                "rds:DescribeDBInstances",
                "all",
                rds.describe_db_instances()
                    .into_paginator()
                    .items()
                    .send()
                    .collect::<Result<Vec<_>, _>>()
            ),
            gatherer.call(
                "rds:DescribeDBClusters",
                "all",
                rds.describe_db_clusters()
                    .into_paginator()
                    .items()
                    .send()
                    .collect::<Result<Vec<_>, _>>()
            ),
        );
        Ok(Listing {
            instances: Arc::new(
                instances.map_err(|e| lookup_error("rds:DescribeDBInstances", &e))?,
            ),
            clusters: Arc::new(clusters.map_err(|e| lookup_error("rds:DescribeDBClusters", &e))?),
        })
    };
    gatherer.shared.databases.get("all", fetch).await
}

/// The database answering at `host`: an RDS instance or cluster endpoint,
/// else a network interface with that address.
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
        return Fact::Found(instance_facts(instance, host));
    }
    if let Some(cluster) = listing
        .clusters
        .iter()
        .find(|c| host_is(c.endpoint()) || host_is(c.reader_endpoint()))
    {
        return Fact::Found(cluster_facts(gatherer, cluster, host).await);
    }
    network_interface(gatherer, host).await
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
        return Fact::Found(instance_facts(instance, host.unwrap_or_default()));
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

fn instance_facts(instance: &DbInstance, host: &str) -> DatabaseFacts {
    let group = instance.db_subnet_group();
    DatabaseFacts {
        host: host.to_string(),
        kind: DatabaseKind::Instance,
        id: instance
            .db_instance_identifier()
            .unwrap_or_default()
            .to_string(),
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
        reader_endpoint: false,
        writer_endpoint: None,
    }
}

async fn cluster_facts(gatherer: &Gatherer, cluster: &DbCluster, host: &str) -> DatabaseFacts {
    let (vpc_id, subnet_ids) = match cluster.db_subnet_group() {
        Some(name) => subnet_group(gatherer, name).await,
        None => (None, Vec::new()),
    };
    DatabaseFacts {
        host: host.to_string(),
        kind: DatabaseKind::Cluster,
        id: cluster
            .db_cluster_identifier()
            .unwrap_or_default()
            .to_string(),
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
        replica_of: None,
        cluster: None,
        reader_endpoint: cluster
            .reader_endpoint()
            .is_some_and(|reader| reader.eq_ignore_ascii_case(host)),
        writer_endpoint: cluster.endpoint().map(str::to_string),
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
            host: host.to_string(),
            kind: DatabaseKind::NetworkInterface,
            id: interface
                .network_interface_id()
                .unwrap_or_default()
                .to_string(),
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
            port: None,
            replica_of: None,
            cluster: None,
            reader_endpoint: false,
            writer_endpoint: None,
        }),
        None => Fact::Absent,
    }
}
