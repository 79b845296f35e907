//! The IAM actions rotdoctor reads AWS with or reasons about, one constant
//! each, by service: the only place their names are spelt.

pub mod cloudformation {
    pub const GET_TEMPLATE: &str = "cloudformation:GetTemplate";
}

pub mod cloudtrail {
    pub const LOOKUP_EVENTS: &str = "cloudtrail:LookupEvents";
}

pub mod ec2 {
    pub const DESCRIBE_NAT_GATEWAYS: &str = "ec2:DescribeNatGateways";
    pub const DESCRIBE_NETWORK_ACLS: &str = "ec2:DescribeNetworkAcls";
    pub const DESCRIBE_NETWORK_INTERFACES: &str = "ec2:DescribeNetworkInterfaces";
    pub const DESCRIBE_REGIONS: &str = "ec2:DescribeRegions";
    pub const DESCRIBE_ROUTE_TABLES: &str = "ec2:DescribeRouteTables";
    pub const DESCRIBE_SECURITY_GROUPS: &str = "ec2:DescribeSecurityGroups";
    pub const DESCRIBE_SUBNETS: &str = "ec2:DescribeSubnets";
    pub const DESCRIBE_VPC_ATTRIBUTE: &str = "ec2:DescribeVpcAttribute";
    pub const DESCRIBE_VPC_ENDPOINTS: &str = "ec2:DescribeVpcEndpoints";
    pub const DESCRIBE_VPCS: &str = "ec2:DescribeVpcs";
}

pub mod iam {
    pub const GET_POLICY: &str = "iam:GetPolicy";
    pub const GET_POLICY_VERSION: &str = "iam:GetPolicyVersion";
    pub const GET_ROLE: &str = "iam:GetRole";
    pub const GET_ROLE_POLICY: &str = "iam:GetRolePolicy";
    pub const LIST_ATTACHED_ROLE_POLICIES: &str = "iam:ListAttachedRolePolicies";
    pub const LIST_ROLE_POLICIES: &str = "iam:ListRolePolicies";
}

pub mod kms {
    pub const DESCRIBE_KEY: &str = "kms:DescribeKey";
    pub const GET_KEY_POLICY: &str = "kms:GetKeyPolicy";
}

pub mod lambda {
    pub const GET_FUNCTION: &str = "lambda:GetFunction";
    pub const GET_POLICY: &str = "lambda:GetPolicy";
    pub const INVOKE_FUNCTION: &str = "lambda:InvokeFunction";
}

pub mod logs {
    pub const FILTER_LOG_EVENTS: &str = "logs:FilterLogEvents";
}

pub mod organizations {
    pub const LIST_ACCOUNTS: &str = "organizations:ListAccounts";
}

pub mod rds {
    pub const DESCRIBE_DB_CLUSTERS: &str = "rds:DescribeDBClusters";
    pub const DESCRIBE_DB_CLUSTER_PARAMETERS: &str = "rds:DescribeDBClusterParameters";
    pub const DESCRIBE_DB_INSTANCES: &str = "rds:DescribeDBInstances";
    pub const DESCRIBE_DB_PARAMETERS: &str = "rds:DescribeDBParameters";
    pub const DESCRIBE_DB_PROXIES: &str = "rds:DescribeDBProxies";
    pub const DESCRIBE_DB_PROXY_ENDPOINTS: &str = "rds:DescribeDBProxyEndpoints";
    pub const DESCRIBE_DB_PROXY_TARGETS: &str = "rds:DescribeDBProxyTargets";
    pub const DESCRIBE_DB_SUBNET_GROUPS: &str = "rds:DescribeDBSubnetGroups";
}

pub mod redshift {
    pub const DESCRIBE_CLUSTERS: &str = "redshift:DescribeClusters";
}

pub mod redshift_serverless {
    pub const LIST_NAMESPACES: &str = "redshift-serverless:ListNamespaces";
    pub const LIST_WORKGROUPS: &str = "redshift-serverless:ListWorkgroups";
}

pub mod secretsmanager {
    pub const BATCH_GET_SECRET_VALUE: &str = "secretsmanager:BatchGetSecretValue";
    pub const DESCRIBE_SECRET: &str = "secretsmanager:DescribeSecret";
    pub const GET_RANDOM_PASSWORD: &str = "secretsmanager:GetRandomPassword";
    pub const GET_RESOURCE_POLICY: &str = "secretsmanager:GetResourcePolicy";
    pub const GET_SECRET_VALUE: &str = "secretsmanager:GetSecretValue";
    pub const LIST_SECRETS: &str = "secretsmanager:ListSecrets";
}

/// `check --security-hub`'s one write (and the on-failure function's).
pub mod securityhub {
    pub const BATCH_IMPORT_FINDINGS: &str = "securityhub:BatchImportFindings";
}

pub mod sts {
    pub const ASSUME_ROLE: &str = "sts:AssumeRole";
}
