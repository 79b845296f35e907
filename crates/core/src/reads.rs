//! The read-only IAM actions behind each fact, grouped as the checks use
//! them: a check's `reads` lists the groups of the facts it stands on, and
//! gathering fetches a fact only when the selected checks' actions include
//! its group. Gathering reads this table, never the checks.

use crate::actions::{
    cloudformation, cloudtrail, ec2, iam, kms, lambda, logs, organizations, rds, secretsmanager,
};

pub const SECRET: &[&str] = &[secretsmanager::DESCRIBE_SECRET];
/// What `check --all` lists the secrets with.
/// `check --all`: listing the secrets, for `--regions all` the account's
/// enabled Regions, for `--org` the organization's accounts.
pub const FLEET: &[&str] = &[
    secretsmanager::LIST_SECRETS,
    ec2::DESCRIBE_REGIONS,
    organizations::LIST_ACCOUNTS,
];
/// `check --all` reads the values of listed secrets 20 at a time, where
/// the checks read values at all (each still needs `GetSecretValue`).
pub const FLEET_VALUES: &[&str] = &[secretsmanager::BATCH_GET_SECRET_VALUE];
pub const SECRET_VALUE: &[&str] = &[secretsmanager::GET_SECRET_VALUE];
pub const SECRET_POLICY: &[&str] = &[secretsmanager::GET_RESOURCE_POLICY];
pub const FUNCTION: &[&str] = &[lambda::GET_FUNCTION];
pub const FUNCTION_POLICY: &[&str] = &[lambda::GET_POLICY];
pub const ROLE: &[&str] = &[
    iam::GET_ROLE,
    iam::LIST_ROLE_POLICIES,
    iam::GET_ROLE_POLICY,
    iam::LIST_ATTACHED_ROLE_POLICIES,
    iam::GET_POLICY,
    iam::GET_POLICY_VERSION,
];
pub const KEY: &[&str] = &[kms::DESCRIBE_KEY, kms::GET_KEY_POLICY];
pub const NETWORK: &[&str] = &[
    ec2::DESCRIBE_SUBNETS,
    ec2::DESCRIBE_VPCS,
    ec2::DESCRIBE_VPC_ATTRIBUTE,
    ec2::DESCRIBE_ROUTE_TABLES,
    ec2::DESCRIBE_NAT_GATEWAYS,
    ec2::DESCRIBE_VPC_ENDPOINTS,
    ec2::DESCRIBE_NETWORK_ACLS,
    ec2::DESCRIBE_SECURITY_GROUPS,
];
pub const DATABASE: &[&str] = &[
    rds::DESCRIBE_DB_INSTANCES,
    rds::DESCRIBE_DB_CLUSTERS,
    rds::DESCRIBE_DB_SUBNET_GROUPS,
    rds::DESCRIBE_DB_PROXIES,
    rds::DESCRIBE_DB_PROXY_ENDPOINTS,
    rds::DESCRIBE_DB_PROXY_TARGETS,
    ec2::DESCRIBE_NETWORK_INTERFACES,
];
/// How the database requires a login to be made.
pub const DATABASE_PARAMETERS: &[&str] = &[
    rds::DESCRIBE_DB_PARAMETERS,
    rds::DESCRIBE_DB_CLUSTER_PARAMETERS,
];
pub const TRAIL: &[&str] = &[cloudtrail::LOOKUP_EVENTS];
/// Where the stacks the resources' tags name say CDK made them (their
/// templates' `aws:cdk:path`), for a fix in the CDK app.
pub const ORIGIN: &[&str] = &[cloudformation::GET_TEMPLATE];
pub const LOGS: &[&str] = &[logs::FILTER_LOG_EVENTS];

/// Every group, for a run that reads everything.
pub const ALL: &[&[&str]] = &[
    SECRET,
    FLEET,
    FLEET_VALUES,
    SECRET_VALUE,
    SECRET_POLICY,
    FUNCTION,
    FUNCTION_POLICY,
    ROLE,
    KEY,
    NETWORK,
    DATABASE,
    DATABASE_PARAMETERS,
    TRAIL,
    LOGS,
    ORIGIN,
];

/// Every action of every group, sorted, each once.
pub fn every_action() -> Vec<&'static str> {
    let mut actions = ALL
        .iter()
        .flat_map(|group| group.iter().copied())
        .collect::<Vec<_>>();
    actions.sort();
    actions.dedup();
    actions
}
