//! The read-only IAM actions behind each fact, grouped as the checks use
//! them: a check's `reads` lists the groups of the facts it stands on, and
//! gathering fetches a fact only when the selected checks' actions include
//! its group. Gathering reads this table, never the checks.

pub const SECRET: &[&str] = &["secretsmanager:DescribeSecret"];
/// What `check --all` lists the secrets with.
pub const FLEET: &[&str] = &["secretsmanager:ListSecrets"];
pub const SECRET_VALUE: &[&str] = &["secretsmanager:GetSecretValue"];
pub const SECRET_POLICY: &[&str] = &["secretsmanager:GetResourcePolicy"];
pub const FUNCTION: &[&str] = &["lambda:GetFunction"];
pub const FUNCTION_POLICY: &[&str] = &["lambda:GetPolicy"];
pub const ROLE: &[&str] = &[
    "iam:GetRole",
    "iam:ListRolePolicies",
    "iam:GetRolePolicy",
    "iam:ListAttachedRolePolicies",
    "iam:GetPolicy",
    "iam:GetPolicyVersion",
];
pub const KEY: &[&str] = &["kms:DescribeKey", "kms:GetKeyPolicy"];
pub const NETWORK: &[&str] = &[
    "ec2:DescribeSubnets",
    "ec2:DescribeVpcs",
    "ec2:DescribeVpcAttribute",
    "ec2:DescribeRouteTables",
    "ec2:DescribeNatGateways",
    "ec2:DescribeVpcEndpoints",
    "ec2:DescribeNetworkAcls",
    "ec2:DescribeSecurityGroups",
];
pub const DATABASE: &[&str] = &[
    "rds:DescribeDBInstances",
    "rds:DescribeDBClusters",
    "rds:DescribeDBSubnetGroups",
    "ec2:DescribeNetworkInterfaces",
];
pub const TRAIL: &[&str] = &["cloudtrail:LookupEvents"];
pub const LOGS: &[&str] = &["logs:FilterLogEvents"];

/// Every group, for a run that reads everything.
pub const ALL: &[&[&str]] = &[
    SECRET,
    FLEET,
    SECRET_VALUE,
    SECRET_POLICY,
    FUNCTION,
    FUNCTION_POLICY,
    ROLE,
    KEY,
    NETWORK,
    DATABASE,
    TRAIL,
    LOGS,
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
