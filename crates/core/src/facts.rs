//! What rotdoctor learned about a secret: built by `gather`, read by `checks`.
//!
//! Facts are our own serializable types (never AWS SDK types), so that
//! `--save-facts` and `--facts` round-trip, fixtures survive SDK upgrades, and
//! every check can be tested on data written by hand. Nothing in here may hold
//! a secret value: the gathering code reduces values to their shape first.

use std::collections::BTreeMap;
use std::fmt;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// Bump when a change to the facts file breaks files written by older versions.
pub const FACTS_SCHEMA_VERSION: u32 = 1;

/// A facts file: what `--save-facts` writes and `--facts` reads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FactsFile {
    pub schema_version: u32,
    pub secrets: Vec<Facts>,
}

/// Everything gathered about one secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Facts {
    /// The secret as the user named it (a name or an ARN).
    pub secret_id: String,
    /// The single notion of "now" for every time-based check.
    pub collected_at: Timestamp,
    /// `secretsmanager:DescribeSecret`.
    pub secret: Fact<SecretFacts>,
    /// `secretsmanager:GetSecretValue` of the current version, reduced to
    /// its shape while it was gathered.
    #[serde(default)]
    pub secret_value: Fact<SecretShape>,
    /// `lambda:GetFunction` on the secret's rotation function.
    #[serde(default)]
    pub rotation_function: Fact<FunctionFacts>,
    /// `lambda:GetPolicy` on the rotation function: its resource-based policy.
    #[serde(default)]
    pub function_policy: Fact<PolicyDocument>,
    /// The function's execution role and its policies (`iam:GetRole`,
    /// `iam:ListRolePolicies`, `iam:GetRolePolicy`,
    /// `iam:ListAttachedRolePolicies`, `iam:GetPolicy`, `iam:GetPolicyVersion`).
    #[serde(default)]
    pub rotation_role: Fact<RoleFacts>,
    /// `secretsmanager:GetResourcePolicy` on the secret.
    #[serde(default)]
    pub secret_policy: Fact<PolicyDocument>,
    /// The secret's KMS key when it is not the AWS managed
    /// `aws/secretsmanager` (`kms:DescribeKey`, `kms:GetKeyPolicy`).
    #[serde(default)]
    pub secret_key: Fact<KeyFacts>,
    /// The master secret named by the value's `masterarn`, for multi-user rotation.
    #[serde(default)]
    pub master_secret: Fact<MasterSecretFacts>,
    /// The function's VPC, when it runs in one (`ec2:Describe*`).
    #[serde(default)]
    pub network: Fact<NetworkFacts>,
    /// The database behind the value's `host` (`rds:DescribeDBInstances`,
    /// `rds:DescribeDBClusters`, `ec2:DescribeNetworkInterfaces`).
    #[serde(default)]
    pub database: Fact<DatabaseFacts>,
    /// The login parameters of that database's parameter group
    /// (`rds:DescribeDBParameters`, `rds:DescribeDBClusterParameters`).
    #[serde(default)]
    pub database_parameters: Fact<DatabaseParameters>,
    /// The start of the window the history facts cover (`--since`).
    #[serde(default)]
    pub lookback_start: Option<Timestamp>,
    /// CloudTrail's rotation events for this secret, oldest first
    /// (`cloudtrail:LookupEvents`).
    #[serde(default)]
    pub rotation_events: Fact<Vec<TrailEvent>>,
    /// Calls the rotation function's session was refused, oldest first
    /// (`cloudtrail:LookupEvents`).
    #[serde(default)]
    pub denied_calls: Fact<Vec<TrailEvent>>,
    /// The function's log events in the window (`logs:FilterLogEvents`).
    #[serde(default)]
    pub function_log: Fact<FunctionLog>,
    /// For each stack the resources' tags name: the CDK construct path
    /// (`aws:cdk:path`) its template gives each of their logical ids
    /// (`cloudformation:GetTemplate`). Nothing else of a template is kept.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub construct_paths: BTreeMap<String, Fact<BTreeMap<String, String>>>,
}

/// One CloudTrail event, reduced to what the history checks read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrailEvent {
    pub time: Timestamp,
    /// `RotationFailed`, `GetSecretValue`, ...
    pub name: String,
    /// `secretsmanager.amazonaws.com`, ...
    pub source: String,
    #[serde(default)]
    pub error_code: Option<String>,
    #[serde(default)]
    pub error_message: Option<String>,
    /// `additionalEventData.SecretId` of rotation events; the secret or key
    /// a denied call was about.
    #[serde(default)]
    pub resource: Option<String>,
    /// The caller: an assumed-role session ARN, or the service.
    #[serde(default)]
    pub caller: Option<String>,
}

/// The rotation function's log, bounded in events and bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FunctionLog {
    pub group: String,
    pub events: Vec<LogEvent>,
    /// The window held more than rotdoctor reads; the newest are kept.
    #[serde(default)]
    pub truncated: bool,
    /// When truncated: events before this time were not read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_read_before: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogEvent {
    pub time: Timestamp,
    pub stream: String,
    /// The line as logged, with anything that looks like a password masked.
    pub message: String,
}

/// Where a function runs in a VPC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VpcAttachment {
    pub subnet_ids: Vec<String>,
    pub security_group_ids: Vec<String>,
}

/// The rotation function's VPC, as far as the paths out of it go.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkFacts {
    /// Taken from the function's subnets.
    pub vpc_id: String,
    pub vpc_cidrs: Vec<String>,
    pub dns_support: bool,
    pub dns_hostnames: bool,
    /// The VPC's tags that say where it is defined ([`crate::iac::Origin::tags_of`]).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub vpc_tags: BTreeMap<String, String>,
    /// The function's subnets, the database's when it shares the VPC, and
    /// those of the endpoints.
    pub subnets: Vec<Subnet>,
    pub nat_gateways: Vec<NatGateway>,
    /// The VPC's Secrets Manager and RDS interface endpoints.
    pub endpoints: Vec<VpcEndpoint>,
    /// The function's, the endpoints' and the database's security groups.
    pub security_groups: Vec<SecurityGroup>,
}

impl NetworkFacts {
    /// The VPC's available interface endpoint for `service` (`secretsmanager`, `rds`).
    pub fn endpoint_for(&self, service: &str) -> Option<&VpcEndpoint> {
        let suffix = format!(".{service}");
        self.endpoints
            .iter()
            .find(|e| e.state == "available" && e.service_name.ends_with(&suffix))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Subnet {
    pub id: String,
    pub vpc_id: String,
    pub cidr: String,
    /// Its explicitly associated route table, else the VPC's main one.
    pub route_table_id: String,
    pub routes: Vec<Route>,
    pub network_acl_id: String,
    pub acl_entries: Vec<AclEntry>,
    /// The network ACL's tags that say where it is defined.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub network_acl_tags: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Route {
    pub destination: String,
    /// `local`, `igw-...`, `nat-...`, `pcx-...`, `tgw-...`, ...
    pub target: String,
    /// `active` or `blackhole`.
    pub state: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AclEntry {
    pub rule_number: i32,
    pub egress: bool,
    /// `-1` (all), `6` (TCP), ...
    pub protocol: String,
    pub allow: bool,
    pub cidr: String,
    #[serde(default)]
    pub ports: Option<(i32, i32)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NatGateway {
    pub id: String,
    pub state: String,
    pub subnet_id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VpcEndpoint {
    pub id: String,
    pub service_name: String,
    pub state: String,
    pub private_dns: bool,
    pub subnet_ids: Vec<String>,
    pub security_group_ids: Vec<String>,
    pub dns_names: Vec<String>,
    /// The endpoint policy, which every call through the endpoint must pass.
    #[serde(default)]
    pub policy: Option<PolicyDocument>,
    /// Its tags that say where it is defined.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecurityGroup {
    pub id: String,
    pub name: String,
    pub ingress: Vec<SecurityGroupRule>,
    pub egress: Vec<SecurityGroupRule>,
    /// Its tags that say where it is defined.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecurityGroupRule {
    /// `-1` (all), `tcp`, `udp`, ...
    pub protocol: String,
    #[serde(default)]
    pub ports: Option<(i32, i32)>,
    #[serde(default)]
    pub cidrs: Vec<String>,
    /// Security groups the rule admits or reaches.
    #[serde(default)]
    pub groups: Vec<String>,
}

/// The AWS resource that answers at the secret's `host`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseFacts {
    pub host: String,
    pub kind: DatabaseKind,
    /// Its identifier or ARN.
    pub id: String,
    #[serde(default)]
    pub vpc_id: Option<String>,
    #[serde(default)]
    pub subnet_ids: Vec<String>,
    #[serde(default)]
    pub security_group_ids: Vec<String>,
    #[serde(default)]
    pub publicly_accessible: bool,
    #[serde(default)]
    pub port: Option<i32>,
    /// For an RDS read replica: the identifier of the instance it copies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replica_of: Option<String>,
    /// For an instance of an Aurora cluster: the cluster's identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
    /// For a cluster: the host is its reader endpoint, which is read-only.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub reader_endpoint: bool,
    /// For a cluster: its writer endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub writer_endpoint: Option<String>,
    /// For a cluster: the host is one of its custom endpoints, which may
    /// route to a reader.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub custom_endpoint: bool,
    /// The parameter group whose values decide how a login must be made
    /// (for an Aurora instance, its cluster's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameter_group: Option<ParameterGroup>,
    /// For an RDS Proxy: what it lets through, and the database behind it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proxy: Option<ProxyFacts>,
}

/// A DB parameter group, or an Aurora cluster's parameter group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParameterGroup {
    pub name: String,
    /// A cluster parameter group (`rds:DescribeDBClusterParameters`), else
    /// an instance's (`rds:DescribeDBParameters`).
    #[serde(default)]
    pub cluster: bool,
}

impl ParameterGroup {
    /// The call that reads its values: the evidence's source.
    pub fn read_by(&self) -> &'static str {
        if self.cluster {
            crate::actions::rds::DESCRIBE_DB_CLUSTER_PARAMETERS
        } else {
            crate::actions::rds::DESCRIBE_DB_PARAMETERS
        }
    }
}

/// An RDS Proxy at the secret's host (`rds:DescribeDBProxies`,
/// `rds:DescribeDBProxyTargets`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProxyFacts {
    pub name: String,
    /// `RequireTLS`: the proxy refuses connections without TLS.
    #[serde(default)]
    pub require_tls: bool,
    /// The secrets its `Auth` entries log in with.
    #[serde(default)]
    pub auth_secrets: Vec<String>,
    /// The endpoint of the database it forwards to (the writer), when known.
    #[serde(default)]
    pub target_endpoint: Option<String>,
}

/// The values of a database's parameters that decide how a login must be
/// made, from its parameter group. Only the names in [`LOGIN_PARAMETERS`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseParameters {
    pub group: ParameterGroup,
    #[serde(default)]
    pub values: BTreeMap<String, String>,
}

/// The parameters kept from a parameter group: TLS required (PostgreSQL;
/// MySQL and MariaDB) and how PostgreSQL stores passwords.
pub const LOGIN_PARAMETERS: &[&str] = &[
    "rds.force_ssl",
    "require_secure_transport",
    "password_encryption",
];

/// What answers at a host. Facts files spell it as it reads in evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DatabaseKind {
    #[serde(rename = "RDS instance")]
    Instance,
    #[serde(rename = "RDS cluster")]
    Cluster,
    /// An ENI with the host's address: a database rotdoctor sees only as that.
    #[serde(rename = "network interface")]
    NetworkInterface,
    /// An RDS Proxy endpoint: it forwards to a database, see [`ProxyFacts`].
    #[serde(rename = "RDS Proxy")]
    Proxy,
}

impl fmt::Display for DatabaseKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DatabaseKind::Instance => "RDS instance",
            DatabaseKind::Cluster => "RDS cluster",
            DatabaseKind::NetworkInterface => "network interface",
            DatabaseKind::Proxy => "RDS Proxy",
        })
    }
}

impl DatabaseFacts {
    /// A database of `kind` known by `id` at `host`, before what its kind
    /// adds: no network placement, no replica, endpoint or proxy facts.
    pub fn new(host: &str, kind: DatabaseKind, id: impl Into<String>) -> Self {
        DatabaseFacts {
            host: host.to_string(),
            kind,
            id: id.into(),
            vpc_id: None,
            subnet_ids: Vec::new(),
            security_group_ids: Vec::new(),
            publicly_accessible: false,
            port: None,
            replica_of: None,
            cluster: None,
            reader_endpoint: false,
            writer_endpoint: None,
            custom_endpoint: false,
            parameter_group: None,
            proxy: None,
        }
    }

    /// The call that found the database at its host: the evidence's source.
    pub fn found_by(&self) -> &'static str {
        match self.kind {
            DatabaseKind::Cluster => "rds:DescribeDBClusters",
            DatabaseKind::NetworkInterface => "ec2:DescribeNetworkInterfaces",
            DatabaseKind::Instance => "rds:DescribeDBInstances",
            DatabaseKind::Proxy => "rds:DescribeDBProxies",
        }
    }
}

/// An IAM role and every policy that decides what it may do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleFacts {
    pub arn: String,
    pub name: String,
    /// Inline and attached managed policies.
    pub policies: Vec<NamedPolicy>,
    #[serde(default)]
    pub permissions_boundary: Option<NamedPolicy>,
    /// Its tags, for the `aws:PrincipalTag/...` conditions of policies.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
}

/// A policy document and what to call it in evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NamedPolicy {
    /// `inline policy <name>` or `managed policy <name>`.
    pub name: String,
    /// The managed policy's ARN; none for an inline policy.
    #[serde(default)]
    pub arn: Option<String>,
    pub document: serde_json::Value,
}

/// A KMS key: whether it can be used, and who may use it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyFacts {
    pub arn: String,
    /// `AWS` or `CUSTOMER`.
    pub manager: String,
    /// `Enabled`, `Disabled`, `PendingDeletion`, ...
    pub state: String,
    /// The `default` key policy.
    pub policy: Fact<PolicyDocument>,
}

/// The master secret of a multi-user rotation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MasterSecretFacts {
    /// The `masterarn` as the secret's value gives it.
    pub masterarn: String,
    /// `DescribeSecret` on it.
    pub secret: Fact<SecretFacts>,
    /// `GetResourcePolicy` on it.
    pub policy: Fact<PolicyDocument>,
    /// Its KMS key, when not the AWS managed one.
    pub key: Fact<KeyFacts>,
    /// `GetSecretValue` on it, reduced to its shape like the secret's own,
    /// without its user name or the shape of its password: only where it
    /// logs in matters.
    #[serde(default)]
    pub value: Fact<SecretShape>,
    /// For a master secret RDS made, holding only its credentials: the
    /// database its tag names, which the templates log in to instead.
    #[serde(default)]
    pub database: Fact<DatabaseFacts>,
}

impl MasterSecretFacts {
    /// See [`rds_managed_database`].
    pub fn rds_database_arn(&self) -> Option<&str> {
        rds_managed_database(&self.secret, &self.value)
    }
}

/// The database of a master secret RDS manages: when its value holds
/// exactly a username and a password, the templates look up where to log in
/// with the RDS API, by the ARN its `aws:rds:primaryDB*Arn` tag names.
pub fn rds_managed_database<'a>(
    secret: &'a Fact<SecretFacts>,
    value: &Fact<SecretShape>,
) -> Option<&'a str> {
    let Some(SecretShape::Object(object)) = value.found() else {
        return None;
    };
    let credentials_only = object.keys.len() == 2
        && object.keys.contains_key("username")
        && object.keys.contains_key("password");
    if !credentials_only {
        return None;
    }
    secret.found()?.rds_database_arn.as_deref()
}

/// How the lookup of one fact went.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", content = "value", rename_all = "snake_case")]
pub enum Fact<T> {
    /// rotdoctor looked and found it.
    Found(T),
    /// rotdoctor looked and AWS says it does not exist (a function with no
    /// resource policy, a deleted function). This is evidence about the secret.
    Absent,
    /// Nobody looked: no selected check needs it, or what it hangs off is missing.
    #[default]
    NotCollected,
    /// rotdoctor could not look: it was denied or the call failed. This is
    /// rotdoctor's own problem, never evidence that something is broken.
    Unavailable(LookupError),
}

impl<T> Fact<T> {
    /// rotdoctor asked and AWS refused its credentials (not: the thing does
    /// not exist).
    pub fn denied(&self) -> bool {
        matches!(self, Fact::Unavailable(error) if error.kind() == FailureKind::Denied)
    }

    /// The value, when it was found.
    pub fn found(&self) -> Option<&T> {
        match self {
            Fact::Found(value) => Some(value),
            _ => None,
        }
    }
}

/// Why a lookup could not be made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LookupError {
    /// The IAM action of the call that failed, for example `lambda:GetPolicy`.
    pub action: String,
    /// The AWS error code (`AccessDeniedException`), or the kind of failure
    /// when AWS gave none (`Timeout`, `Dispatch`, `Response`).
    pub code: String,
    pub message: String,
}

/// Why a call rotdoctor made failed, as far as it changes what to do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// AWS refused rotdoctor's own credentials.
    Denied,
    /// AWS slowed rotdoctor down, and retries ran out.
    Throttled,
    /// No answer came within `--timeout`.
    TimedOut,
    /// An answer came that rotdoctor could not read, or that lacked what
    /// AWS always sends.
    Malformed,
    Other,
}

/// The codes AWS services use for throttling, across their wire formats.
const THROTTLING_CODES: [&str; 7] = [
    "throttlingexception",
    "throttling",
    "toomanyrequestsexception",
    "requestlimitexceeded",
    "requestthrottled",
    "requestthrottledexception",
    "slowdown",
];

impl LookupError {
    pub fn kind(&self) -> FailureKind {
        let code = self.code.to_ascii_lowercase();
        if code.contains("accessdenied")
            || code.contains("unauthorized")
            || code == "http 401"
            || code == "http 403"
        {
            FailureKind::Denied
        } else if THROTTLING_CODES.contains(&code.as_str()) {
            FailureKind::Throttled
        } else if code == "timeout" {
            FailureKind::TimedOut
        } else if code == "response" || code == "incompleteanswer" {
            FailureKind::Malformed
        } else {
            FailureKind::Other
        }
    }

    /// Whether AWS refused rotdoctor's own credentials, as opposed to a call
    /// that failed for another reason.
    pub fn is_access_denied(&self) -> bool {
        self.kind() == FailureKind::Denied
    }
}

impl fmt::Display for LookupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.action, self.code, self.message)
    }
}

/// The secret's metadata, from `DescribeSecret`. No value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretFacts {
    pub arn: String,
    pub name: String,
    /// Absent when the secret uses the AWS managed key `aws/secretsmanager`.
    #[serde(default)]
    pub kms_key_id: Option<String>,
    /// `RotationEnabled`; AWS omits it for a secret never configured for rotation.
    pub rotation_enabled: bool,
    #[serde(default)]
    pub rotation_lambda_arn: Option<String>,
    /// Also present after rotation was turned off: the previous schedule.
    #[serde(default)]
    pub rotation_rules: Option<RotationRules>,
    /// The service that manages the secret (`rds`, ...), for managed rotation.
    #[serde(default)]
    pub owning_service: Option<String>,
    #[serde(default)]
    pub created: Option<Timestamp>,
    #[serde(default)]
    pub last_changed: Option<Timestamp>,
    #[serde(default)]
    pub last_rotated: Option<Timestamp>,
    #[serde(default)]
    pub next_rotation: Option<Timestamp>,
    /// Set when the secret is scheduled for deletion.
    #[serde(default)]
    pub deleted: Option<Timestamp>,
    /// `VersionIdsToStages`, sorted by version id.
    #[serde(default)]
    pub versions: Vec<SecretVersion>,
    /// The `aws:rds:primaryDBInstanceArn` or `aws:rds:primaryDBClusterArn`
    /// tag of a secret RDS made: the database it belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rds_database_arn: Option<String>,
    /// Its tags, for the `aws:ResourceTag/...` conditions of policies.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    /// `PrimaryRegion`, for a secret replicated from (or to) other Regions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_region: Option<String>,
}

impl SecretFacts {
    /// The account that owns the secret, from its ARN.
    pub fn account(&self) -> Option<&str> {
        crate::arn::account(&self.arn)
    }

    /// The secret's region, from its ARN.
    pub fn region(&self) -> Option<&str> {
        crate::arn::region(&self.arn)
    }

    /// The secret's KMS key when it is a customer managed one: DescribeSecret
    /// leaves `KmsKeyId` out for the AWS managed `aws/secretsmanager`.
    pub fn customer_key(&self) -> Option<&str> {
        self.kms_key_id
            .as_deref()
            .filter(|id| !id.ends_with("alias/aws/secretsmanager"))
    }

    /// Managed rotation: a service owns the secret and rotates it without a
    /// Lambda function of the user's.
    /// The primary's Region when this secret is a replica: rotation runs
    /// there, and is refused here ("Operation not permitted on a replica
    /// secret. Call must be made in primary secret's region.").
    pub fn replica_of(&self) -> Option<&str> {
        self.primary_region
            .as_deref()
            .filter(|primary| Some(*primary) != self.region())
    }

    pub fn managed_by(&self) -> Option<&str> {
        match (&self.owning_service, &self.rotation_lambda_arn) {
            (Some(service), None) => Some(service),
            _ => None,
        }
    }
}

/// `RotationRules` as DescribeSecret returns them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RotationRules {
    #[serde(default)]
    pub automatically_after_days: Option<i64>,
    #[serde(default)]
    pub schedule_expression: Option<String>,
    #[serde(default)]
    pub duration: Option<String>,
}

/// One version of the secret and its staging labels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretVersion {
    pub id: String,
    pub stages: Vec<String>,
}

impl SecretVersion {
    pub fn has_stage(&self, stage: &str) -> bool {
        self.stages.iter().any(|s| s == stage)
    }
}

/// The rotation function's configuration and tags, from `GetFunction`.
///
/// Of its environment, only the variables the rotation templates read are
/// kept with their values (configuration, see [`TEMPLATE_VARIABLES`]); any
/// other variable may hold a credential, so only its name is kept.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FunctionFacts {
    pub arn: String,
    pub name: String,
    #[serde(default)]
    pub role: Option<String>,
    #[serde(default)]
    pub runtime: Option<String>,
    /// How many seconds one invocation may run.
    #[serde(default)]
    pub timeout: Option<i32>,
    /// `ReservedConcurrentExecutions`, when the function has a limit.
    #[serde(default)]
    pub reserved_concurrency: Option<i32>,
    /// `Pending`, `Active`, `Inactive` or `Failed`.
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub state_reason: Option<String>,
    /// `Successful`, `Failed` or `InProgress`.
    #[serde(default)]
    pub last_update_status: Option<String>,
    #[serde(default)]
    pub last_update_status_reason: Option<String>,
    /// The template variables that are set, with their values.
    #[serde(default)]
    pub environment: BTreeMap<String, String>,
    /// The names of the other environment variables.
    #[serde(default)]
    pub other_environment_names: Vec<String>,
    /// The tags that say which rotation template the function runs, and
    /// where it is defined (CloudFormation's, Terraform's yor and
    /// `ManagedBy`).
    #[serde(default)]
    pub template_tags: BTreeMap<String, String>,
    /// None when the function runs outside any VPC.
    #[serde(default)]
    pub vpc: Option<VpcAttachment>,
    /// `LastModified`: when the code or configuration last changed, so the
    /// code is no newer than this (RFC 3339 as Lambda gives it).
    #[serde(default)]
    pub last_modified: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    /// `LoggingConfig.LogGroup`; by default Lambda logs to `/aws/lambda/<name>`.
    #[serde(default)]
    pub log_group: Option<String>,
}

impl FunctionFacts {
    pub fn log_group(&self) -> String {
        self.log_group
            .clone()
            .unwrap_or_else(|| format!("/aws/lambda/{}", self.name))
    }
}

/// Environment variables the rotation templates read: settings, never
/// credentials (the templates' `lambda_function.py`).
pub const TEMPLATE_VARIABLES: &[&str] = &[
    "SECRETS_MANAGER_ENDPOINT",
    "EXCLUDE_CHARACTERS",
    "PASSWORD_LENGTH",
    "EXCLUDE_NUMBERS",
    "EXCLUDE_PUNCTUATION",
    "EXCLUDE_UPPERCASE",
    "EXCLUDE_LOWERCASE",
    "REQUIRE_EACH_INCLUDED_TYPE",
    "USERNAME_CHARACTER_LIMIT",
];

/// Function tags that name the rotation template it was deployed from. The
/// facts keep these and the tags that say where the function is defined
/// ([`crate::iac::Origin::tags_of`]).
pub const TEMPLATE_TAGS: &[&str] = &[
    "serverlessrepo:applicationId",
    "serverlessrepo:semanticVersion",
];

/// The current secret value, reduced to its shape. Never the value.
// One shape per secret and run: boxing the object would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum SecretShape {
    /// A `SecretBinary` instead of a `SecretString`.
    Binary { length: usize },
    /// A `SecretString` that is not JSON.
    Text { length: usize },
    /// JSON, but not an object.
    JsonValue { json_type: JsonType },
    /// A JSON object, as the rotation templates expect.
    Object(ObjectShape),
}

/// A JSON object secret: its keys, and the values that are configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObjectShape {
    /// Every key, with the JSON type of its value.
    pub keys: BTreeMap<String, JsonType>,
    /// Kept when a string: the engine the templates check.
    #[serde(default)]
    pub engine: Option<String>,
    #[serde(default)]
    pub host: Option<String>,
    /// Kept when a string or a number, as its JSON text (`5432` or `"5432"`).
    #[serde(default)]
    pub port: Option<String>,
    #[serde(default)]
    pub dbname: Option<String>,
    #[serde(default)]
    pub masterarn: Option<String>,
    /// Kept for the multi-user `_clone` length check.
    #[serde(default)]
    pub username: Option<String>,
    /// The ElastiCache user the ElastiCache template rotates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_arn: Option<String>,
    /// Kept when a boolean or a string, as its JSON text (`false`,
    /// `"true"`): whether the templates use TLS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssl: Option<String>,
    /// The password's length and character classes.
    #[serde(default)]
    pub password: Option<PasswordShape>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JsonType {
    Null,
    Bool,
    Number,
    String,
    Array,
    Object,
}

impl JsonType {
    pub fn of(value: &serde_json::Value) -> JsonType {
        match value {
            serde_json::Value::Null => JsonType::Null,
            serde_json::Value::Bool(_) => JsonType::Bool,
            serde_json::Value::Number(_) => JsonType::Number,
            serde_json::Value::String(_) => JsonType::String,
            serde_json::Value::Array(_) => JsonType::Array,
            serde_json::Value::Object(_) => JsonType::Object,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            JsonType::Null => "null",
            JsonType::Bool => "a boolean",
            JsonType::Number => "a number",
            JsonType::String => "a string",
            JsonType::Array => "an array",
            JsonType::Object => "an object",
        }
    }
}

/// A password's length, and how many of its characters fall in each class.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordShape {
    pub length: usize,
    pub classes: BTreeMap<CharClass, usize>,
}

impl PasswordShape {
    pub fn of(password: &str) -> PasswordShape {
        let mut classes = BTreeMap::new();
        for c in password.chars() {
            *classes.entry(CharClass::of(c)).or_insert(0) += 1;
        }
        PasswordShape {
            length: password.chars().count(),
            classes,
        }
    }

    pub fn count(&self, class: CharClass) -> usize {
        self.classes.get(&class).copied().unwrap_or(0)
    }
}

/// Character classes of a password. The characters some engine rejects or
/// mishandles each have a class of their own; the rest are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CharClass {
    Lowercase,
    Uppercase,
    Digit,
    Space,
    Slash,
    Backslash,
    At,
    DoubleQuote,
    SingleQuote,
    Colon,
    Semicolon,
    Ampersand,
    Comma,
    /// Other printable ASCII punctuation.
    Punctuation,
    /// Control characters and anything outside ASCII.
    NonPrintable,
}

impl CharClass {
    pub fn of(c: char) -> CharClass {
        match c {
            'a'..='z' => CharClass::Lowercase,
            'A'..='Z' => CharClass::Uppercase,
            '0'..='9' => CharClass::Digit,
            ' ' => CharClass::Space,
            '/' => CharClass::Slash,
            '\\' => CharClass::Backslash,
            '@' => CharClass::At,
            '"' => CharClass::DoubleQuote,
            '\'' => CharClass::SingleQuote,
            ':' => CharClass::Colon,
            ';' => CharClass::Semicolon,
            '&' => CharClass::Ampersand,
            ',' => CharClass::Comma,
            c if c.is_ascii_punctuation() => CharClass::Punctuation,
            _ => CharClass::NonPrintable,
        }
    }

    /// How the class reads in a sentence: "2 slashes (/)".
    pub fn describe(self, count: usize) -> String {
        let (one, many, shown) = match self {
            CharClass::Lowercase => ("lowercase letter", "lowercase letters", ""),
            CharClass::Uppercase => ("uppercase letter", "uppercase letters", ""),
            CharClass::Digit => ("digit", "digits", ""),
            CharClass::Space => ("space", "spaces", ""),
            CharClass::Slash => ("slash", "slashes", " (/)"),
            CharClass::Backslash => ("backslash", "backslashes", " (\\)"),
            CharClass::At => ("at sign", "at signs", " (@)"),
            CharClass::DoubleQuote => ("double quote", "double quotes", " (\")"),
            CharClass::SingleQuote => ("single quote", "single quotes", " (')"),
            CharClass::Colon => ("colon", "colons", " (:)"),
            CharClass::Semicolon => ("semicolon", "semicolons", " (;)"),
            CharClass::Ampersand => ("ampersand", "ampersands", " (&)"),
            CharClass::Comma => ("comma", "commas", " (,)"),
            CharClass::Punctuation => ("other punctuation mark", "other punctuation marks", ""),
            CharClass::NonPrintable => (
                "non-printable or non-ASCII character",
                "non-printable or non-ASCII characters",
                "",
            ),
        };
        format!("{count} {}{shown}", if count == 1 { one } else { many })
    }
}

/// A resource-based policy as AWS returned it, parsed from its JSON string.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PolicyDocument(pub serde_json::Value);
