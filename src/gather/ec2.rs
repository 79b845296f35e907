//! EC2: the rotation function's VPC, as far as the paths out of it go.

use std::collections::BTreeMap;

use aws_sdk_ec2::operation::describe_subnets::DescribeSubnetsOutput;
use aws_sdk_ec2::types::{Filter, VpcAttributeName};

use super::errors::lookup_error;
use super::{Gatherer, names_next};
use crate::facts::{
    AclEntry, Fact, LookupError, NatGateway, NetworkFacts, PolicyDocument, Route, SecurityGroup,
    SecurityGroupRule, Subnet, VpcAttachment, VpcEndpoint,
};
use crate::iac::Origin;

fn filter(name: &str, value: &str) -> Filter {
    Filter::builder().name(name).values(value).build()
}

/// The VPC of `function`, plus the database's subnets and security groups
/// when it is in the same VPC, and the subnets of its Secrets Manager
/// endpoints. The VPC comes from the subnets: nothing else reports it
/// reliably.
pub async fn network(
    gatherer: &Gatherer,
    function: &VpcAttachment,
    database_subnets: &[String],
    database_groups: &[String],
    region: &str,
) -> Fact<NetworkFacts> {
    match fetch(
        gatherer,
        function,
        database_subnets,
        database_groups,
        region,
    )
    .await
    {
        Ok(network) => Fact::Found(network),
        Err(error) => Fact::Unavailable(error),
    }
}

async fn fetch(
    gatherer: &Gatherer,
    function: &VpcAttachment,
    database_subnets: &[String],
    database_groups: &[String],
    region: &str,
) -> Result<NetworkFacts, LookupError> {
    let ec2 = &gatherer.ec2;
    let first = function.subnet_ids.first().cloned().unwrap_or_default();
    // Secrets Manager's endpoints, and RDS's, which the templates call for a
    // master secret RDS manages. Asked for by service rather than by VPC, so
    // the lookup runs alongside the one that names the VPC; the answer is
    // narrowed to that VPC below.
    let services = Filter::builder()
        .name("service-name")
        .values(format!("com.amazonaws.{region}.secretsmanager"))
        .values(format!("com.amazonaws.{region}.rds"))
        .build();
    let (described, endpoints, database_described) = tokio::join!(
        gatherer.call(
            "ec2:DescribeSubnets",
            &first,
            ec2.describe_subnets()
                .set_subnet_ids(Some(function.subnet_ids.clone()))
                .send(),
        ),
        // Region-wide, so every page: an endpoint on a later page is no
        // less the function's.
        gatherer.pages(
            "ec2:DescribeVpcEndpoints",
            &first,
            usize::MAX,
            ec2.describe_vpc_endpoints()
                .filters(services)
                .into_paginator()
                .send(),
            |page| names_next(page.next_token())
        ),
        subnets_if_any(gatherer, database_subnets),
    );
    let described = described.map_err(|e| lookup_error("ec2:DescribeSubnets", &e))?;
    let endpoints = endpoints.map_err(|e| lookup_error("ec2:DescribeVpcEndpoints", &e))?;
    let database_described = database_described?;
    let vpc_id = described
        .subnets()
        .first()
        .and_then(|s| s.vpc_id())
        .unwrap_or_default()
        .to_string();
    let vpc = filter("vpc-id", &vpc_id);

    let endpoints = endpoints
        .iter()
        .flat_map(|page| page.vpc_endpoints())
        .filter(|e| e.vpc_id() == Some(vpc_id.as_str()))
        .map(vpc_endpoint)
        .collect::<Vec<_>>();

    let mut group_ids = function.security_group_ids.clone();
    group_ids.extend(
        endpoints
            .iter()
            .flat_map(|e| e.security_group_ids.iter().cloned()),
    );
    group_ids.extend(database_groups.iter().cloned());
    group_ids.sort();
    group_ids.dedup();
    // The endpoints' own subnets, whose network ACLs the traffic crosses too.
    let mut endpoint_subnet_ids = endpoints
        .iter()
        .flat_map(|e| e.subnet_ids.iter().cloned())
        .filter(|id| !function.subnet_ids.contains(id) && !database_subnets.contains(id))
        .collect::<Vec<_>>();
    endpoint_subnet_ids.sort();
    endpoint_subnet_ids.dedup();
    // The security groups come from the function and the endpoints, not from
    // the VPC lookups, so they go out alongside them.
    let (vpcs, dns_support, dns_hostnames, tables, nats, acls, groups, endpoint_described) = tokio::join!(
        gatherer.call(
            "ec2:DescribeVpcs",
            &vpc_id,
            ec2.describe_vpcs().vpc_ids(&vpc_id).send()
        ),
        gatherer.call(
            "ec2:DescribeVpcAttribute",
            &vpc_id,
            ec2.describe_vpc_attribute()
                .vpc_id(&vpc_id)
                .attribute(VpcAttributeName::EnableDnsSupport)
                .send()
        ),
        gatherer.call(
            "ec2:DescribeVpcAttribute",
            &vpc_id,
            ec2.describe_vpc_attribute()
                .vpc_id(&vpc_id)
                .attribute(VpcAttributeName::EnableDnsHostnames)
                .send()
        ),
        gatherer.call(
            "ec2:DescribeRouteTables",
            &vpc_id,
            ec2.describe_route_tables().filters(vpc.clone()).send()
        ),
        gatherer.call(
            "ec2:DescribeNatGateways",
            &vpc_id,
            ec2.describe_nat_gateways().filter(vpc.clone()).send()
        ),
        gatherer.call(
            "ec2:DescribeNetworkAcls",
            &vpc_id,
            ec2.describe_network_acls().filters(vpc.clone()).send()
        ),
        gatherer.call(
            "ec2:DescribeSecurityGroups",
            &vpc_id,
            ec2.describe_security_groups()
                .set_group_ids(Some(group_ids))
                .send(),
        ),
        subnets_if_any(gatherer, &endpoint_subnet_ids),
    );
    let vpcs = vpcs.map_err(|e| lookup_error("ec2:DescribeVpcs", &e))?;
    let dns_support = dns_support.map_err(|e| lookup_error("ec2:DescribeVpcAttribute", &e))?;
    let dns_hostnames = dns_hostnames.map_err(|e| lookup_error("ec2:DescribeVpcAttribute", &e))?;
    let tables = tables.map_err(|e| lookup_error("ec2:DescribeRouteTables", &e))?;
    let nats = nats.map_err(|e| lookup_error("ec2:DescribeNatGateways", &e))?;
    let acls = acls.map_err(|e| lookup_error("ec2:DescribeNetworkAcls", &e))?;
    let groups = groups.map_err(|e| lookup_error("ec2:DescribeSecurityGroups", &e))?;
    let endpoint_described = endpoint_described?;

    let main_table = tables
        .route_tables()
        .iter()
        .find(|t| t.associations().iter().any(|a| a.main() == Some(true)));
    let database_subnets_described = database_described
        .as_ref()
        .map(|d| d.subnets())
        .unwrap_or_default()
        .iter()
        .filter(|s| s.vpc_id() == Some(vpc_id.as_str()));
    let endpoint_subnets = endpoint_described
        .as_ref()
        .map(|d| d.subnets())
        .unwrap_or_default();
    let subnets = described
        .subnets()
        .iter()
        .chain(database_subnets_described)
        .chain(endpoint_subnets)
        .map(|subnet| {
            let id = subnet.subnet_id().unwrap_or_default();
            let table = tables
                .route_tables()
                .iter()
                .find(|t| t.associations().iter().any(|a| a.subnet_id() == Some(id)))
                .or(main_table);
            let acl = acls
                .network_acls()
                .iter()
                .find(|acl| acl.associations().iter().any(|a| a.subnet_id() == Some(id)));
            Subnet {
                id: id.to_string(),
                vpc_id: subnet.vpc_id().unwrap_or_default().to_string(),
                cidr: subnet.cidr_block().unwrap_or_default().to_string(),
                route_table_id: table
                    .and_then(|t| t.route_table_id())
                    .unwrap_or_default()
                    .to_string(),
                routes: table
                    .map(|t| t.routes().iter().filter_map(route).collect())
                    .unwrap_or_default(),
                network_acl_id: acl
                    .and_then(|a| a.network_acl_id())
                    .unwrap_or_default()
                    .to_string(),
                acl_entries: acl
                    .map(|a| a.entries().iter().map(acl_entry).collect())
                    .unwrap_or_default(),
                network_acl_tags: acl.map(|a| origin_tags(a.tags())).unwrap_or_default(),
            }
        })
        .collect::<Vec<_>>();

    Ok(NetworkFacts {
        vpc_id: vpc_id.clone(),
        vpc_cidrs: vpcs
            .vpcs()
            .iter()
            .filter_map(|v| v.cidr_block())
            .map(str::to_string)
            .collect(),
        dns_support: dns_support
            .enable_dns_support()
            .and_then(|v| v.value())
            .unwrap_or(false),
        dns_hostnames: dns_hostnames
            .enable_dns_hostnames()
            .and_then(|v| v.value())
            .unwrap_or(false),
        vpc_tags: vpcs
            .vpcs()
            .first()
            .map(|v| origin_tags(v.tags()))
            .unwrap_or_default(),
        subnets,
        nat_gateways: nats
            .nat_gateways()
            .iter()
            .map(|n| NatGateway {
                id: n.nat_gateway_id().unwrap_or_default().to_string(),
                state: n
                    .state()
                    .map(|s| s.as_str().to_string())
                    .unwrap_or_default(),
                subnet_id: n.subnet_id().unwrap_or_default().to_string(),
            })
            .collect(),
        endpoints,
        security_groups: groups
            .security_groups()
            .iter()
            .map(security_group)
            .collect(),
    })
}

/// DescribeSubnets on `ids`; no call when there are none.
async fn subnets_if_any(
    gatherer: &Gatherer,
    ids: &[String],
) -> Result<Option<DescribeSubnetsOutput>, LookupError> {
    let Some(first) = ids.first() else {
        return Ok(None);
    };
    let request = gatherer
        .ec2
        .describe_subnets()
        .set_subnet_ids(Some(ids.to_vec()))
        .send();
    gatherer
        .call("ec2:DescribeSubnets", first, request)
        .await
        .map(Some)
        .map_err(|e| lookup_error("ec2:DescribeSubnets", &e))
}

fn route(route: &aws_sdk_ec2::types::Route) -> Option<Route> {
    let target = route
        .gateway_id()
        .or(route.nat_gateway_id())
        .or(route.vpc_peering_connection_id())
        .or(route.transit_gateway_id())
        .or(route.network_interface_id())
        .or(route.instance_id())
        .unwrap_or("unknown");
    Some(Route {
        destination: route.destination_cidr_block()?.to_string(),
        target: target.to_string(),
        state: route
            .state()
            .map(|s| s.as_str().to_string())
            .unwrap_or_else(|| "active".to_string()),
    })
}

fn acl_entry(entry: &aws_sdk_ec2::types::NetworkAclEntry) -> AclEntry {
    AclEntry {
        rule_number: entry.rule_number().unwrap_or(32767),
        egress: entry.egress().unwrap_or(false),
        protocol: entry.protocol().unwrap_or("-1").to_string(),
        allow: entry.rule_action().is_some_and(|a| a.as_str() == "allow"),
        cidr: entry.cidr_block().unwrap_or_default().to_string(),
        ports: entry.port_range().and_then(|p| Some((p.from()?, p.to()?))),
    }
}

fn vpc_endpoint(e: &aws_sdk_ec2::types::VpcEndpoint) -> VpcEndpoint {
    VpcEndpoint {
        id: e.vpc_endpoint_id().unwrap_or_default().to_string(),
        service_name: e.service_name().unwrap_or_default().to_string(),
        state: e
            .state()
            .map(|s| s.as_str().to_lowercase())
            .unwrap_or_default(),
        private_dns: e.private_dns_enabled().unwrap_or(false),
        subnet_ids: e.subnet_ids().to_vec(),
        security_group_ids: e
            .groups()
            .iter()
            .filter_map(|g| g.group_id())
            .map(str::to_string)
            .collect(),
        dns_names: e
            .dns_entries()
            .iter()
            .filter_map(|d| d.dns_name())
            .map(str::to_string)
            .collect(),
        policy: e
            .policy_document()
            .and_then(|text| serde_json::from_str(text).ok())
            .map(PolicyDocument),
        tags: origin_tags(e.tags()),
    }
}

fn security_group(group: &aws_sdk_ec2::types::SecurityGroup) -> SecurityGroup {
    let rules = |permissions: &[aws_sdk_ec2::types::IpPermission]| {
        permissions
            .iter()
            .map(|p| SecurityGroupRule {
                protocol: p.ip_protocol().unwrap_or("-1").to_string(),
                ports: p
                    .from_port()
                    .zip(p.to_port())
                    .filter(|(from, _)| *from >= 0),
                cidrs: p
                    .ip_ranges()
                    .iter()
                    .filter_map(|r| r.cidr_ip())
                    .map(str::to_string)
                    .collect(),
                groups: p
                    .user_id_group_pairs()
                    .iter()
                    .filter_map(|g| g.group_id())
                    .map(str::to_string)
                    .collect(),
            })
            .collect()
    };
    SecurityGroup {
        id: group.group_id().unwrap_or_default().to_string(),
        name: group.group_name().unwrap_or_default().to_string(),
        ingress: rules(group.ip_permissions()),
        egress: rules(group.ip_permissions_egress()),
        tags: origin_tags(group.tags()),
    }
}

/// The tags that say where a resource is defined, for fixes in its IaC
/// language.
fn origin_tags(tags: &[aws_sdk_ec2::types::Tag]) -> BTreeMap<String, String> {
    Origin::tags_of(
        tags.iter()
            .filter_map(|tag| Some((tag.key()?, tag.value().unwrap_or_default()))),
    )
}
