//! Fixes in the language the infrastructure is written in.
//!
//! A fix that changes a resource carries the change as data ([`Change`]);
//! this module writes it as CloudFormation, Terraform or CDK with the real
//! names and values, and finds where each resource was defined from the
//! tags rotdoctor already reads ([`Origin`]). A CLI fix applied by hand to a
//! resource a stack defines is drift: the next deploy reverts it.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::Serialize;
use serde_json::{Value, json};

use crate::arn;
use crate::facts::Fact;

/// One change a fix makes, in a form every language can express.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// A new inline policy on a role.
    RolePolicy {
        role_name: String,
        policy_name: String,
        statements: Vec<Value>,
    },
    /// Secrets Manager may invoke the function, for this account's secrets.
    InvokePermission {
        function_arn: String,
        source_account: String,
    },
    /// Settings of the rotation function.
    FunctionSettings {
        function_arn: String,
        timeout: Option<i32>,
        reserved_concurrency: Option<i32>,
    },
    /// One environment variable of the rotation function, set to `value`
    /// and the others kept.
    FunctionVariable {
        /// The secret the function rotates: a function a RotationSchedule's
        /// HostedRotationLambda made takes its exclusions from there.
        secret_arn: String,
        function_arn: String,
        name: String,
        value: String,
    },
    /// The rotation function attached to these subnets and security groups
    /// (moved into another VPC).
    FunctionVpc {
        function_arn: String,
        subnet_ids: Vec<String>,
        security_group_ids: Vec<String>,
    },
    /// An interface endpoint with private DNS in the function's subnets,
    /// and its security group admitting HTTPS from itself.
    InterfaceEndpoint {
        vpc_id: String,
        /// `com.amazonaws.<region>.<service>`.
        service_name: String,
        subnet_ids: Vec<String>,
        security_group_id: String,
    },
    /// Private DNS turned on for an existing interface endpoint.
    EndpointPrivateDns {
        endpoint_id: String,
        vpc_id: String,
        /// `com.amazonaws.<region>.<service>`.
        service_name: String,
    },
    /// An interface endpoint's whole policy: what it held, and the
    /// statements the fix adds.
    EndpointPolicy {
        endpoint_id: String,
        vpc_id: String,
        /// `com.amazonaws.<region>.<service>`.
        service_name: String,
        policy: Value,
    },
    /// A VPC's DNS resolution and DNS hostnames turned on, which an
    /// endpoint's private DNS needs; its primary CIDR as it is.
    VpcDns {
        vpc_id: String,
        cidr_block: Option<String>,
    },
    /// A security-group rule for TCP.
    GroupRule(GroupRule),
    /// A network ACL entry allowing TCP.
    AclRule(AclRule),
    /// The secret's rotation turned on with a function on a schedule.
    Rotation {
        secret_arn: String,
        secret_name: String,
        /// `None`: a function only the user can name.
        function_arn: Option<String>,
        schedule: Schedule,
    },
    /// A disabled KMS key enabled again.
    KeyEnabled { key_arn: String },
    /// A policy written back whole, as the fix leaves it: without the
    /// statements that deny, or a boundary with those it must allow.
    Policy { home: PolicyHome, document: Value },
}

/// Where a policy a fix writes back lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyHome {
    RoleInline {
        role_name: String,
        policy_name: String,
    },
    /// A customer managed policy, changed for every role it is attached to.
    Managed {
        policy_arn: String,
    },
    SecretResource {
        secret_arn: String,
    },
    Key {
        key_arn: String,
    },
}

/// When rotation runs, as a `RotationSchedule` gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Schedule {
    AfterDays(i64),
    Expression {
        expression: String,
        duration: Option<String>,
    },
}

impl Schedule {
    /// The secret's own rules; without usable ones, 30 days: the interval
    /// the Secrets Manager console proposes.
    pub fn keeping(rules: Option<&crate::facts::RotationRules>) -> Schedule {
        match rules {
            Some(crate::facts::RotationRules {
                schedule_expression: Some(expression),
                duration,
                ..
            }) => Schedule::Expression {
                expression: expression.clone(),
                duration: duration.clone(),
            },
            Some(crate::facts::RotationRules {
                automatically_after_days: Some(days),
                ..
            }) if *days > 0 => Schedule::AfterDays(*days),
            _ => Schedule::AfterDays(30),
        }
    }

    /// As `rotate-secret --rotation-rules` takes it.
    pub fn rules_json(&self) -> String {
        match self {
            Schedule::AfterDays(days) => json!({"AutomaticallyAfterDays": days}),
            Schedule::Expression {
                expression,
                duration: Some(duration),
            } => json!({"ScheduleExpression": expression, "Duration": duration}),
            Schedule::Expression { expression, .. } => json!({"ScheduleExpression": expression}),
        }
        .to_string()
    }
}

/// The function a fix cannot name: one the user deploys or chooses.
pub const NEW_FUNCTION: &str = "<ARN of the rotation function>";

/// A security-group rule letting TCP `ports` into `group_id` from `peer`,
/// or out of it to `peer` when `egress`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupRule {
    pub group_id: String,
    pub egress: bool,
    pub ports: (u16, u16),
    pub peer: RulePeer,
}

/// The other side of a security-group rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RulePeer {
    /// The members of a security group.
    Group(String),
    /// An IPv4 block.
    Cidr(String),
}

/// A network ACL entry allowing TCP `ports` in from `cidr`, or out to it
/// when `egress`, at `rule_number`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AclRule {
    pub acl_id: String,
    pub egress: bool,
    pub rule_number: i32,
    pub ports: (u16, u16),
    pub cidr: String,
}

/// The languages a change is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    Cloudformation,
    Terraform,
    Cdk,
}

impl Language {
    pub const ALL: [Language; 3] = [Language::Cloudformation, Language::Terraform, Language::Cdk];
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Language::Cloudformation => "CloudFormation",
            Language::Terraform => "Terraform",
            Language::Cdk => "CDK",
        })
    }
}

/// A change written in one language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Snippet {
    pub language: Language,
    /// The logical id, address or construct the snippet adds or changes.
    pub resource: String,
    pub snippet: String,
}

/// Where a resource was defined, as its tags tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Stack {
        name: String,
        logical_id: Option<String>,
        construct: Construct,
    },
    Terraform {
        /// yor's `git_file`, when the resource carries it.
        file: Option<String>,
    },
    /// Deployed by a RotationSchedule's `HostedRotationLambda`: a
    /// Serverless Application Repository application in a stack nested in
    /// the one that holds the schedule, which sets its parameters.
    HostedRotation {
        nested_stack: String,
        /// `HostedRotationLambda.RotationType`, from the application's name.
        rotation_type: Option<String>,
    },
}

/// `ManagedBy`, `managed_by`, `managed-by`, in any case.
fn is_managed_by(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    key == "managedby" || key == "managed_by" || key == "managed-by"
}

/// What a stack's template says of the construct that made a resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Construct {
    /// No CDK path: the template has none for the resource, or was not read.
    None,
    /// Its `aws:cdk:path`: CDK made the resource, in this construct.
    Cdk(String),
    /// The template could not be read, for this reason: whether CDK made
    /// the resource is not known.
    Unknown(String),
}

/// The stacks the tags of a secret's resources name, each with the logical
/// ids of those resources: the templates that may say CDK made them.
pub fn stacks_named(facts: &crate::facts::Facts) -> BTreeMap<String, BTreeSet<String>> {
    let network = facts.network.found();
    let tagged = [
        facts.secret.found().map(|s| &s.tags),
        facts.rotation_function.found().map(|f| &f.template_tags),
        facts.rotation_role.found().map(|r| &r.tags),
        network.map(|n| &n.vpc_tags),
    ]
    .into_iter()
    .flatten()
    .chain(network.into_iter().flat_map(|n| {
        n.endpoints
            .iter()
            .map(|e| &e.tags)
            .chain(n.security_groups.iter().map(|g| &g.tags))
            .chain(n.subnets.iter().map(|s| &s.network_acl_tags))
    }));
    let mut stacks: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for tags in tagged {
        if let Some(Origin::Stack {
            name,
            logical_id: Some(id),
            ..
        }) = Origin::from_tags(tags)
        {
            stacks.entry(name).or_default().insert(id);
        }
    }
    stacks
}

impl Origin {
    /// The tags [`Origin::from_tags`] reads, out of all of a resource's:
    /// what the facts keep of them.
    pub fn tags_of<'a>(
        tags: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> BTreeMap<String, String> {
        const KEYS: [&str; 4] = [
            "aws:cloudformation:stack-name",
            "aws:cloudformation:logical-id",
            "yor_trace",
            "git_file",
        ];
        tags.into_iter()
            .filter(|(key, _)| KEYS.contains(key) || is_managed_by(key))
            .map(|(key, value)| (key.to_string(), value.to_string()))
            .collect()
    }

    /// From a resource's tags: CloudFormation's own, or Terraform's common
    /// tagging (yor's `yor_trace` and `git_file`, a `ManagedBy` tag).
    pub fn from_tags(tags: &BTreeMap<String, String>) -> Option<Origin> {
        let stack = tags.get("aws:cloudformation:stack-name");
        if let (Some(stack), Some(application)) = (stack, tags.get("serverlessrepo:applicationId"))
            && stack.contains("HostedRotationLambda")
        {
            return Some(Origin::HostedRotation {
                nested_stack: stack.clone(),
                rotation_type: hosted_rotation_type(application),
            });
        }
        if let Some(name) = stack {
            return Some(Origin::Stack {
                name: name.clone(),
                logical_id: tags.get("aws:cloudformation:logical-id").cloned(),
                construct: Construct::None,
            });
        }
        let terraform = tags.contains_key("yor_trace")
            || tags
                .iter()
                .any(|(key, value)| is_managed_by(key) && value.eq_ignore_ascii_case("terraform"));
        terraform.then(|| Origin::Terraform {
            file: tags.get("git_file").cloned(),
        })
    }

    /// With what the stack's template, when read, says of the construct.
    fn in_template(self, paths: &BTreeMap<String, Fact<BTreeMap<String, String>>>) -> Origin {
        let Origin::Stack {
            name,
            logical_id: Some(logical_id),
            ..
        } = self
        else {
            return self;
        };
        let construct = match paths.get(&name) {
            Some(Fact::Found(paths)) => paths
                .get(&logical_id)
                .map_or(Construct::None, |path| Construct::Cdk(path.clone())),
            Some(Fact::Unavailable(error)) => {
                Construct::Unknown(format!("{} answered {}", error.action, error.code))
            }
            _ => Construct::None,
        };
        Origin::Stack {
            name,
            logical_id: Some(logical_id),
            construct,
        }
    }

    /// The CDK construct that made the resource, when the template says.
    fn construct_path(&self) -> Option<&str> {
        match self {
            Origin::Stack {
                construct: Construct::Cdk(path),
                ..
            } => Some(path),
            _ => None,
        }
    }

    /// Whether a template the user keeps can make `change` last. A hosted
    /// rotation function belongs to the nested stack its schedule sets up:
    /// of the function's own properties only the exclusions come from the
    /// schedule, while a resource of its own (a role policy, a permission)
    /// can stand in any template.
    fn has_form(&self, change: &Change) -> bool {
        let Origin::HostedRotation { rotation_type, .. } = self else {
            return true;
        };
        match change {
            Change::FunctionVariable { name, .. } => {
                name == "EXCLUDE_CHARACTERS" && rotation_type.is_some()
            }
            Change::FunctionSettings { .. } | Change::FunctionVpc { .. } => false,
            _ => true,
        }
    }

    /// Where to change `change`'s resource for a deploy to keep it, as the
    /// fix's summary opens: none for Terraform, which reverts nothing by
    /// itself.
    fn where_to_change(&self, change: &Change) -> Option<String> {
        const REVERTS: &str = "since the stack's next update reverts a change made by hand";
        let target = change.target();
        match self {
            Origin::Stack {
                name,
                construct: Construct::Cdk(path),
                ..
            } => Some(format!(
                "The CDK construct {path} in the stack {name} defines {target}: change it in the CDK app as below, {REVERTS}."
            )),
            Origin::Stack { name, .. } => Some(format!(
                "The CloudFormation stack {name} defines {target}: change its template as below, {REVERTS}."
            )),
            Origin::HostedRotation { nested_stack, .. } if !self.has_form(change) => Some(format!(
                "A RotationSchedule's HostedRotationLambda deployed {target} (the nested stack {nested_stack}), whose next update reverts a change made by hand: the schedule has no property for this change, so no template form is given."
            )),
            Origin::HostedRotation { nested_stack, .. } => Some(format!(
                "A RotationSchedule's HostedRotationLambda deployed {target} (the nested stack {nested_stack}): make the change in the stack that holds the schedule as below, {REVERTS}."
            )),
            Origin::Terraform { .. } => None,
        }
    }

    pub fn language(&self) -> Language {
        match self {
            Origin::Stack {
                construct: Construct::Cdk(_),
                ..
            } => Language::Cdk,
            Origin::Stack { .. } | Origin::HostedRotation { .. } => Language::Cloudformation,
            Origin::Terraform { .. } => Language::Terraform,
        }
    }

    /// The evidence line: where the resource is defined.
    pub fn describe(&self, resource: &str) -> String {
        match self {
            Origin::Stack {
                name,
                logical_id: Some(id),
                construct: Construct::Cdk(path),
            } => format!(
                "{resource} is defined by the CDK construct {path}, in the stack {name} (logical id {id})"
            ),
            Origin::Stack {
                name,
                logical_id: Some(id),
                construct: Construct::Unknown(why),
            } => format!(
                "{resource} is defined in the CloudFormation stack {name}, logical id {id}; its template could not be read ({why}), so whether CDK made it is not known"
            ),
            Origin::Stack {
                name,
                logical_id: Some(id),
                ..
            } => {
                format!("{resource} is defined in the CloudFormation stack {name}, logical id {id}")
            }
            Origin::Stack { name, .. } => {
                format!("{resource} is defined in the CloudFormation stack {name}")
            }
            Origin::Terraform { file: Some(file) } => {
                format!("{resource} is managed by Terraform, in {file}")
            }
            Origin::Terraform { file: None } => format!("{resource} is managed by Terraform"),
            Origin::HostedRotation { nested_stack, .. } => format!(
                "{resource} was deployed by a RotationSchedule's HostedRotationLambda, as the stack {nested_stack} nested in the stack that holds the schedule"
            ),
        }
    }
}

impl Change {
    /// The resource the change is made to, as evidence names it.
    pub fn target(&self) -> String {
        match self {
            Change::RolePolicy { role_name, .. } => format!("the role {role_name}"),
            Change::InvokePermission { function_arn, .. }
            | Change::FunctionSettings { function_arn, .. }
            | Change::FunctionVariable { function_arn, .. }
            | Change::FunctionVpc { function_arn, .. } => {
                format!("the function {}", function_name(function_arn))
            }
            Change::InterfaceEndpoint { vpc_id, .. } => format!("the VPC {vpc_id}"),
            Change::EndpointPrivateDns { endpoint_id, .. } => format!("the endpoint {endpoint_id}"),
            Change::EndpointPolicy { endpoint_id, .. } => format!("the endpoint {endpoint_id}"),
            Change::VpcDns { vpc_id, .. } => format!("the VPC {vpc_id}"),
            Change::GroupRule(rule) => format!("the security group {}", rule.group_id),
            Change::AclRule(rule) => format!("the network ACL {}", rule.acl_id),
            Change::Rotation { secret_name, .. } => format!("the secret {secret_name}"),
            Change::KeyEnabled { key_arn } => format!("the KMS key {key_arn}"),
            Change::Policy { home, .. } => match home {
                PolicyHome::RoleInline { role_name, .. } => format!("the role {role_name}"),
                PolicyHome::Managed { policy_arn } => format!("the managed policy {policy_arn}"),
                PolicyHome::SecretResource { secret_arn } => {
                    format!("the secret {}", secret_name_of(secret_arn))
                }
                PolicyHome::Key { key_arn } => format!("the KMS key {key_arn}"),
            },
        }
    }

    /// The change in `language`; `origin` names the resource it extends
    /// where the tags tell it.
    pub fn write(&self, language: Language, origin: Option<&Origin>) -> Snippet {
        let logical = match origin {
            Some(Origin::Stack {
                logical_id: Some(id),
                ..
            }) => Some(id.as_str()),
            _ => None,
        };
        match self {
            Change::RolePolicy {
                role_name,
                policy_name,
                statements,
            } => match language {
                Language::Cloudformation => {
                    role_policy_cfn(role_name, policy_name, statements, logical)
                }
                Language::Terraform => role_policy_terraform(role_name, policy_name, statements),
                Language::Cdk => role_policy_cdk(role_name, statements),
            },
            Change::InvokePermission {
                function_arn,
                source_account,
            } => match language {
                Language::Cloudformation => permission_cfn(function_arn, source_account, logical),
                Language::Terraform => permission_terraform(function_arn, source_account),
                Language::Cdk => permission_cdk(function_arn, source_account),
            },
            Change::FunctionSettings {
                function_arn,
                timeout,
                reserved_concurrency,
            } => settings(
                language,
                function_arn,
                *timeout,
                *reserved_concurrency,
                logical,
            ),
            Change::InterfaceEndpoint {
                vpc_id,
                service_name,
                subnet_ids,
                security_group_id,
            } => endpoint(
                language,
                vpc_id,
                service_name,
                subnet_ids,
                security_group_id,
                logical,
            ),
            Change::FunctionVariable {
                secret_arn,
                function_arn,
                name,
                value,
            } => match (language, origin, name.as_str()) {
                (
                    Language::Cloudformation,
                    Some(Origin::HostedRotation {
                        rotation_type: Some(rotation_type),
                        ..
                    }),
                    "EXCLUDE_CHARACTERS",
                ) => hosted_exclusions(secret_arn, rotation_type, value),
                _ => variable(language, function_arn, name, value, logical),
            },
            Change::FunctionVpc {
                function_arn,
                subnet_ids,
                security_group_ids,
            } => function_vpc(
                language,
                function_arn,
                subnet_ids,
                security_group_ids,
                logical,
            ),
            Change::EndpointPrivateDns {
                endpoint_id,
                vpc_id,
                service_name,
            } => private_dns(language, endpoint_id, vpc_id, service_name, logical),
            Change::EndpointPolicy {
                endpoint_id,
                vpc_id,
                service_name,
                policy,
            } => endpoint_policy(language, endpoint_id, vpc_id, service_name, policy, logical),
            Change::VpcDns { vpc_id, cidr_block } => {
                vpc_dns(language, vpc_id, cidr_block.as_deref(), logical)
            }
            Change::GroupRule(rule) => group_rule(language, rule, logical),
            Change::AclRule(rule) => acl_rule(language, rule, logical),
            Change::Rotation {
                secret_arn,
                secret_name,
                function_arn,
                schedule,
            } => rotation(
                language,
                (secret_arn, secret_name),
                function_arn.as_deref().unwrap_or(NEW_FUNCTION),
                schedule,
                logical,
            ),
            Change::KeyEnabled { key_arn } => key_enabled(language, key_arn, logical),
            Change::Policy { home, document } => policy(language, home, document, logical),
        }
    }
}

/// The endpoint's logical id: its stack's, else one named after its service.
fn endpoint_logical_id(service: &str, logical_id: Option<&str>) -> String {
    logical_id.map_or_else(
        || format!("{}Endpoint", capitalized(service)),
        str::to_string,
    )
}

fn private_dns(
    language: Language,
    endpoint_id: &str,
    vpc_id: &str,
    service_name: &str,
    endpoint_logical: Option<&str>,
) -> Snippet {
    let service = service_name.rsplit('.').next().unwrap_or(service_name);
    let (resource, snippet) = match language {
        Language::Cloudformation => {
            let id = endpoint_logical_id(service, endpoint_logical);
            let snippet = format!(
                "# Set on the AWS::EC2::VPCEndpoint {endpoint_id} (its VPC and service as they are):\n{id}:\n  Type: AWS::EC2::VPCEndpoint\n  Properties:\n    VpcId: {}\n    ServiceName: {}\n    VpcEndpointType: Interface\n    PrivateDnsEnabled: true\n",
                yaml_string(vpc_id),
                yaml_string(service_name)
            );
            (id, snippet)
        }
        Language::Terraform => {
            let name = terraform_name(service);
            let snippet = format!(
                "# Set on the aws_vpc_endpoint {endpoint_id} (its VPC and service as they are):\nresource \"aws_vpc_endpoint\" \"{name}\" {{\n  vpc_id              = {}\n  service_name        = {}\n  vpc_endpoint_type   = \"Interface\"\n  private_dns_enabled = true\n}}\n",
                hcl_string(vpc_id),
                hcl_string(service_name)
            );
            (format!("aws_vpc_endpoint.{name}"), snippet)
        }
        Language::Cdk => (
            "ec2.CfnVPCEndpoint props".to_string(),
            format!(
                "// Merge into the props of the endpoint {endpoint_id} (ec2.CfnVPCEndpoint):\nconst endpointSettings: Partial<ec2.CfnVPCEndpointProps> = {{\n  privateDnsEnabled: true,\n}};\n"
            ),
        ),
    };
    Snippet {
        language,
        resource,
        snippet,
    }
}

fn function_vpc(
    language: Language,
    function_arn: &str,
    subnet_ids: &[String],
    security_group_ids: &[String],
    function_logical_id: Option<&str>,
) -> Snippet {
    let name = function_name(function_arn);
    let subnets = json!(subnet_ids);
    let groups = json!(security_group_ids);
    let (resource, snippet) = match language {
        Language::Cloudformation => {
            let id = function_logical_id.unwrap_or("RotationFunction");
            (
                id.to_string(),
                format!(
                    "# Set on the AWS::Lambda::Function {name} (its other properties as they are):\n{id}:\n  Type: AWS::Lambda::Function\n  Properties:\n    VpcConfig:\n      SubnetIds: {subnets}\n      SecurityGroupIds: {groups}\n"
                ),
            )
        }
        Language::Terraform => (
            "aws_lambda_function.rotation".to_string(),
            format!(
                "# Set on the aws_lambda_function of {name} (its other arguments as they are):\nresource \"aws_lambda_function\" \"rotation\" {{\n  vpc_config {{\n    subnet_ids         = {}\n    security_group_ids = {}\n  }}\n}}\n",
                hcl_value(&subnets, 4),
                hcl_value(&groups, 4)
            ),
        ),
        Language::Cdk => {
            let subnets = subnet_ids
                .iter()
                .enumerate()
                .map(|(i, id)| {
                    format!(
                        "ec2.Subnet.fromSubnetId(this, 'DatabaseSubnet{i}', {})",
                        ts_string(id)
                    )
                })
                .collect::<Vec<_>>()
                .join(", ");
            let groups = security_group_ids
                .iter()
                .enumerate()
                .map(|(i, id)| {
                    format!(
                        "ec2.SecurityGroup.fromSecurityGroupId(this, 'DatabaseGroup{i}', {})",
                        ts_string(id)
                    )
                })
                .collect::<Vec<_>>()
                .join(", ");
            (
                "lambda.Function props".to_string(),
                format!(
                    "// Merge into the props of the lambda.Function {name}, whose vpc becomes the database's:\nconst rotationPlacement: Partial<lambda.FunctionProps> = {{\n  vpcSubnets: {{ subnets: [{subnets}] }},\n  securityGroups: [{groups}],\n}};\n"
                ),
            )
        }
    };
    Snippet {
        language,
        resource,
        snippet,
    }
}

fn endpoint_policy(
    language: Language,
    endpoint_id: &str,
    vpc_id: &str,
    service_name: &str,
    policy: &Value,
    endpoint_logical: Option<&str>,
) -> Snippet {
    let service = service_name.rsplit('.').next().unwrap_or(service_name);
    let (resource, snippet) = match language {
        Language::Cloudformation => {
            let id = endpoint_logical_id(service, endpoint_logical);
            let snippet = format!(
                "# Set on the AWS::EC2::VPCEndpoint {endpoint_id} (its other properties as they are):\n{id}:\n  Type: AWS::EC2::VPCEndpoint\n  Properties:\n    VpcId: {}\n    ServiceName: {}\n    VpcEndpointType: Interface\n    PolicyDocument: {policy}\n",
                yaml_string(vpc_id),
                yaml_string(service_name)
            );
            (id, snippet)
        }
        Language::Terraform => {
            let name = terraform_name(endpoint_id);
            let snippet = format!(
                "# The whole policy of the endpoint {endpoint_id}:\nresource \"aws_vpc_endpoint_policy\" \"{name}\" {{\n  vpc_endpoint_id = {}\n  policy          = jsonencode({})\n}}\n",
                hcl_string(endpoint_id),
                hcl_value(policy, 2)
            );
            (format!("aws_vpc_endpoint_policy.{name}"), snippet)
        }
        Language::Cdk => (
            "ec2.CfnVPCEndpoint props".to_string(),
            format!(
                "// Merge into the props of the endpoint {endpoint_id} (ec2.CfnVPCEndpoint):\nconst endpointPolicy: Partial<ec2.CfnVPCEndpointProps> = {{\n  policyDocument: {policy},\n}};\n"
            ),
        ),
    };
    Snippet {
        language,
        resource,
        snippet,
    }
}

fn vpc_dns(
    language: Language,
    vpc_id: &str,
    cidr_block: Option<&str>,
    vpc_logical: Option<&str>,
) -> Snippet {
    let (resource, snippet) = match language {
        Language::Cloudformation => {
            let cidr = cidr_block.map_or(String::new(), |cidr| {
                format!("    CidrBlock: {}\n", yaml_string(cidr))
            });
            let id = vpc_logical.unwrap_or("Vpc");
            (
                id.to_string(),
                format!(
                    "# Set on the AWS::EC2::VPC {vpc_id} (its other properties as they are):\n{id}:\n  Type: AWS::EC2::VPC\n  Properties:\n{cidr}    EnableDnsSupport: true\n    EnableDnsHostnames: true\n"
                ),
            )
        }
        Language::Terraform => {
            let name = terraform_name(vpc_id);
            let cidr = cidr_block.map_or(String::new(), |cidr| {
                format!("  cidr_block           = {}\n", hcl_string(cidr))
            });
            let snippet = format!(
                "# Set on the aws_vpc {vpc_id} (its other arguments as they are):\nresource \"aws_vpc\" \"{name}\" {{\n{cidr}  enable_dns_support   = true\n  enable_dns_hostnames = true\n}}\n"
            );
            (format!("aws_vpc.{name}"), snippet)
        }
        Language::Cdk => (
            "ec2.Vpc props".to_string(),
            format!(
                "// Merge into the props of the VPC {vpc_id} (ec2.Vpc):\nconst vpcSettings: Partial<ec2.VpcProps> = {{\n  enableDnsSupport: true,\n  enableDnsHostnames: true,\n}};\n"
            ),
        ),
    };
    Snippet {
        language,
        resource,
        snippet,
    }
}

/// `443` or `1024To65535`, for names.
fn ports_name((from, to): (u16, u16)) -> String {
    if from == to {
        from.to_string()
    } else {
        format!("{from}To{to}")
    }
}

fn group_rule(language: Language, rule: &GroupRule, group_logical: Option<&str>) -> Snippet {
    let (from, to) = rule.ports;
    let direction = if rule.egress { "Egress" } else { "Ingress" };
    let id = format!("{direction}Tcp{}", ports_name(rule.ports));
    match language {
        Language::Cloudformation => {
            let peer = match (&rule.peer, rule.egress) {
                (RulePeer::Group(group), false) => {
                    format!("SourceSecurityGroupId: {}", yaml_string(group))
                }
                (RulePeer::Group(group), true) => {
                    format!("DestinationSecurityGroupId: {}", yaml_string(group))
                }
                (RulePeer::Cidr(cidr), _) => format!("CidrIp: {}", yaml_string(cidr)),
            };
            Snippet {
                language,
                resource: id.clone(),
                snippet: format!(
                    "{id}:\n  Type: AWS::EC2::SecurityGroup{direction}\n  Properties:\n    GroupId: {}\n    IpProtocol: tcp\n    FromPort: {from}\n    ToPort: {to}\n    {peer}\n",
                    group_logical.map_or_else(
                        || yaml_string(&rule.group_id),
                        |id| format!("!GetAtt {id}.GroupId")
                    )
                ),
            }
        }
        Language::Terraform => {
            let kind = if rule.egress { "egress" } else { "ingress" };
            let name = format!("{kind}_tcp_{}", ports_name(rule.ports).to_lowercase());
            let peer = match &rule.peer {
                RulePeer::Group(group) => {
                    format!("referenced_security_group_id = {}", hcl_string(group))
                }
                RulePeer::Cidr(cidr) => {
                    format!("cidr_ipv4                    = {}", hcl_string(cidr))
                }
            };
            Snippet {
                language,
                resource: format!("aws_vpc_security_group_{kind}_rule.{name}"),
                snippet: format!(
                    "resource \"aws_vpc_security_group_{kind}_rule\" \"{name}\" {{\n  security_group_id            = {}\n  ip_protocol                  = \"tcp\"\n  from_port                    = {from}\n  to_port                      = {to}\n  {peer}\n}}\n",
                    hcl_string(&rule.group_id)
                ),
            }
        }
        Language::Cdk => {
            let peer = match &rule.peer {
                RulePeer::Group(group) => format!("ec2.Peer.securityGroupId({})", ts_string(group)),
                RulePeer::Cidr(cidr) => format!("ec2.Peer.ipv4({})", ts_string(cidr)),
            };
            let port = if from == to {
                format!("ec2.Port.tcp({from})")
            } else {
                format!("ec2.Port.tcpRange({from}, {to})")
            };
            // An imported group lets everything out unless told otherwise,
            // and then ignores egress rules added to it.
            let options = if rule.egress {
                ", { allowAllOutbound: false }"
            } else {
                ""
            };
            let add = if rule.egress {
                "addEgressRule"
            } else {
                "addIngressRule"
            };
            Snippet {
                language,
                resource: format!("ec2.SecurityGroup {}", rule.group_id),
                snippet: format!(
                    "ec2.SecurityGroup.fromSecurityGroupId(this, '{id}Group', {}{options}).{add}({peer}, {port});\n",
                    ts_string(&rule.group_id)
                ),
            }
        }
    }
}

fn acl_rule(language: Language, rule: &AclRule, acl_logical: Option<&str>) -> Snippet {
    let (from, to) = rule.ports;
    let direction = if rule.egress { "Egress" } else { "Ingress" };
    let id = format!("Acl{direction}{}", rule.rule_number);
    match language {
        Language::Cloudformation => Snippet {
            language,
            resource: id.clone(),
            snippet: format!(
                "{id}:\n  Type: AWS::EC2::NetworkAclEntry\n  Properties:\n    NetworkAclId: {}\n    RuleNumber: {}\n    Egress: {}\n    Protocol: 6\n    RuleAction: allow\n    CidrBlock: {}\n    PortRange:\n      From: {from}\n      To: {to}\n",
                acl_logical.map_or_else(|| yaml_string(&rule.acl_id), |id| format!("!Ref {id}")),
                rule.rule_number,
                rule.egress,
                yaml_string(&rule.cidr)
            ),
        },
        Language::Terraform => {
            let name = format!("{}_{}", direction.to_lowercase(), rule.rule_number);
            Snippet {
                language,
                resource: format!("aws_network_acl_rule.{name}"),
                snippet: format!(
                    "resource \"aws_network_acl_rule\" \"{name}\" {{\n  network_acl_id = {}\n  rule_number    = {}\n  egress         = {}\n  protocol       = \"tcp\"\n  rule_action    = \"allow\"\n  cidr_block     = {}\n  from_port      = {from}\n  to_port        = {to}\n}}\n",
                    hcl_string(&rule.acl_id),
                    rule.rule_number,
                    rule.egress,
                    hcl_string(&rule.cidr)
                ),
            }
        }
        Language::Cdk => Snippet {
            language,
            resource: format!("ec2.CfnNetworkAclEntry {id}"),
            snippet: format!(
                "new ec2.CfnNetworkAclEntry(this, '{id}', {{\n  networkAclId: {},\n  ruleNumber: {},\n  egress: {},\n  protocol: 6,\n  ruleAction: 'allow',\n  cidrBlock: {},\n  portRange: {{ from: {from}, to: {to} }},\n}});\n",
                ts_string(&rule.acl_id),
                rule.rule_number,
                rule.egress,
                ts_string(&rule.cidr)
            ),
        },
    }
}

fn rotation(
    language: Language,
    (secret_arn, secret): (&str, &str),
    function_arn: &str,
    schedule: &Schedule,
    secret_logical: Option<&str>,
) -> Snippet {
    let (resource, snippet) = match language {
        Language::Cloudformation => {
            let rules = match schedule {
                Schedule::AfterDays(days) => format!("      AutomaticallyAfterDays: {days}\n"),
                Schedule::Expression {
                    expression,
                    duration,
                } => format!(
                    "      ScheduleExpression: {}\n{}",
                    yaml_string(expression),
                    duration.as_deref().map_or(String::new(), |d| format!(
                        "      Duration: {}\n",
                        yaml_string(d)
                    ))
                ),
            };
            let secret_id =
                secret_logical.map_or_else(|| yaml_string(secret_arn), |id| format!("!Ref {id}"));
            (
                "RotationSchedule".to_string(),
                format!(
                    "# The secret {secret}'s AWS::SecretsManager::RotationSchedule (set these properties on the one it has, if any):\nRotationSchedule:\n  Type: AWS::SecretsManager::RotationSchedule\n  Properties:\n    SecretId: {secret_id}\n    RotationLambdaARN: {}\n    RotationRules:\n{rules}",
                    yaml_string(function_arn)
                ),
            )
        }
        Language::Terraform => {
            let name = terraform_name(secret);
            let rules = match schedule {
                Schedule::AfterDays(days) => format!("    automatically_after_days = {days}\n"),
                Schedule::Expression {
                    expression,
                    duration,
                } => format!(
                    "    schedule_expression = {}\n{}",
                    hcl_string(expression),
                    duration.as_deref().map_or(String::new(), |d| format!(
                        "    duration            = {}\n",
                        hcl_string(d)
                    ))
                ),
            };
            (
                format!("aws_secretsmanager_secret_rotation.{name}"),
                format!(
                    "# The secret {secret}'s aws_secretsmanager_secret_rotation (set these arguments on the one it has, if any):\nresource \"aws_secretsmanager_secret_rotation\" \"{name}\" {{\n  secret_id           = {}\n  rotation_lambda_arn = {}\n\n  rotation_rules {{\n{rules}  }}\n}}\n",
                    hcl_string(secret_arn),
                    hcl_string(function_arn)
                ),
            )
        }
        Language::Cdk => {
            let rules = match schedule {
                Schedule::AfterDays(days) => format!("automaticallyAfterDays: {days}"),
                Schedule::Expression {
                    expression,
                    duration,
                } => format!(
                    "scheduleExpression: {}{}",
                    ts_string(expression),
                    duration
                        .as_deref()
                        .map_or(String::new(), |d| format!(", duration: {}", ts_string(d)))
                ),
            };
            (
                "secretsmanager.CfnRotationSchedule RotationSchedule".to_string(),
                format!(
                    "// The secret {secret}'s rotation schedule (set these props on the one it has, if any):\nnew secretsmanager.CfnRotationSchedule(this, 'RotationSchedule', {{\n  secretId: {},\n  rotationLambdaArn: {},\n  rotationRules: {{ {rules} }},\n}});\n",
                    ts_string(secret_arn),
                    ts_string(function_arn)
                ),
            )
        }
    };
    Snippet {
        language,
        resource,
        snippet,
    }
}

/// A secret's name from its ARN: the six characters Secrets Manager
/// appends after a hyphen dropped.
fn secret_name_of(secret_arn: &str) -> &str {
    let name = secret_arn.splitn(7, ':').nth(6).unwrap_or(secret_arn);
    match name.rsplit_once('-') {
        Some((stem, suffix)) if suffix.len() == 6 => stem,
        _ => name,
    }
}

fn policy(
    language: Language,
    home: &PolicyHome,
    document: &Value,
    logical: Option<&str>,
) -> Snippet {
    let (resource, snippet) = match (language, home) {
        (
            Language::Cloudformation,
            PolicyHome::RoleInline {
                role_name,
                policy_name,
            },
        ) => {
            let id = logical_id(policy_name);
            let role = logical.map_or_else(|| yaml_string(role_name), |id| format!("!Ref {id}"));
            (
                id.clone(),
                format!(
                    "# The inline policy {policy_name} of the role {role_name} as it must read (in the role's Policies, or as its own AWS::IAM::RolePolicy):\n{id}:\n  Type: AWS::IAM::RolePolicy\n  Properties:\n    RoleName: {role}\n    PolicyName: {}\n    PolicyDocument: {document}\n",
                    yaml_string(policy_name)
                ),
            )
        }
        (Language::Cloudformation, PolicyHome::Managed { policy_arn }) => {
            let id = logical.map_or_else(|| logical_id(managed_name(policy_arn)), str::to_string);
            (
                id.clone(),
                format!(
                    "# Set on the AWS::IAM::ManagedPolicy {policy_arn} (its other properties as they are):\n{id}:\n  Type: AWS::IAM::ManagedPolicy\n  Properties:\n    PolicyDocument: {document}\n"
                ),
            )
        }
        (Language::Cloudformation, PolicyHome::SecretResource { secret_arn }) => {
            let secret = logical.map_or_else(|| yaml_string(secret_arn), |id| format!("!Ref {id}"));
            (
                "SecretPolicy".to_string(),
                format!(
                    "# The secret {}'s AWS::SecretsManager::ResourcePolicy as it must read:\nSecretPolicy:\n  Type: AWS::SecretsManager::ResourcePolicy\n  Properties:\n    SecretId: {secret}\n    ResourcePolicy: {document}\n",
                    secret_name_of(secret_arn)
                ),
            )
        }
        (Language::Cloudformation, PolicyHome::Key { key_arn }) => {
            let id = logical.unwrap_or("SecretKey");
            (
                id.to_string(),
                format!(
                    "# Set on the AWS::KMS::Key {key_arn} (its other properties as they are):\n{id}:\n  Type: AWS::KMS::Key\n  Properties:\n    KeyPolicy: {document}\n"
                ),
            )
        }
        (
            Language::Terraform,
            PolicyHome::RoleInline {
                role_name,
                policy_name,
            },
        ) => {
            let name = terraform_name(policy_name);
            (
                format!("aws_iam_role_policy.{name}"),
                format!(
                    "# The inline policy {policy_name} of the role {role_name} as it must read:\nresource \"aws_iam_role_policy\" \"{name}\" {{\n  name   = {}\n  role   = {}\n  policy = jsonencode({})\n}}\n",
                    hcl_string(policy_name),
                    hcl_string(role_name),
                    hcl_value(document, 2)
                ),
            )
        }
        (Language::Terraform, PolicyHome::Managed { policy_arn }) => {
            let name = terraform_name(managed_name(policy_arn));
            (
                format!("aws_iam_policy.{name}"),
                format!(
                    "# Set on the aws_iam_policy {policy_arn} (its other arguments as they are):\nresource \"aws_iam_policy\" \"{name}\" {{\n  policy = jsonencode({})\n}}\n",
                    hcl_value(document, 2)
                ),
            )
        }
        (Language::Terraform, PolicyHome::SecretResource { secret_arn }) => {
            let name = terraform_name(secret_name_of(secret_arn));
            (
                format!("aws_secretsmanager_secret_policy.{name}"),
                format!(
                    "# The secret's whole resource policy:\nresource \"aws_secretsmanager_secret_policy\" \"{name}\" {{\n  secret_arn = {}\n  policy     = jsonencode({})\n}}\n",
                    hcl_string(secret_arn),
                    hcl_value(document, 2)
                ),
            )
        }
        (Language::Terraform, PolicyHome::Key { key_arn }) => (
            "aws_kms_key.secret".to_string(),
            format!(
                "# Set on the aws_kms_key {key_arn} (its other arguments as they are):\nresource \"aws_kms_key\" \"secret\" {{\n  policy = jsonencode({})\n}}\n",
                hcl_value(document, 2)
            ),
        ),
        (
            Language::Cdk,
            PolicyHome::RoleInline {
                role_name,
                policy_name,
            },
        ) => (
            "iam.Role props".to_string(),
            format!(
                "// Merge into the props of the iam.Role {role_name}: its inline policy {policy_name} as it must read.\nconst rolePolicies: Partial<iam.RoleProps> = {{\n  inlinePolicies: {{ {}: iam.PolicyDocument.fromJson({document}) }},\n}};\n",
                ts_string(policy_name)
            ),
        ),
        (Language::Cdk, PolicyHome::Managed { policy_arn }) => (
            "iam.ManagedPolicy props".to_string(),
            format!(
                "// Merge into the props of the iam.ManagedPolicy {policy_arn}:\nconst policySettings: Partial<iam.ManagedPolicyProps> = {{\n  document: iam.PolicyDocument.fromJson({document}),\n}};\n"
            ),
        ),
        (Language::Cdk, PolicyHome::SecretResource { secret_arn }) => (
            "secretsmanager.CfnResourcePolicy SecretPolicy".to_string(),
            format!(
                "// The secret's whole resource policy:\nnew secretsmanager.CfnResourcePolicy(this, 'SecretPolicy', {{\n  secretId: {},\n  resourcePolicy: {document},\n}});\n",
                ts_string(secret_arn)
            ),
        ),
        (Language::Cdk, PolicyHome::Key { key_arn }) => (
            "kms.Key props".to_string(),
            format!(
                "// Merge into the props of the kms.Key {key_arn}:\nconst keyPolicy: Partial<kms.KeyProps> = {{\n  policy: iam.PolicyDocument.fromJson({document}),\n}};\n"
            ),
        ),
    };
    Snippet {
        language,
        resource,
        snippet,
    }
}

/// A managed policy's name, from its ARN (after any path).
fn managed_name(policy_arn: &str) -> &str {
    policy_arn.rsplit('/').next().unwrap_or(policy_arn)
}

fn key_enabled(language: Language, key_arn: &str, key_logical: Option<&str>) -> Snippet {
    let (resource, snippet) = match language {
        Language::Cloudformation => {
            let id = key_logical.unwrap_or("SecretKey");
            (
                id.to_string(),
                format!(
                    "# Set on the AWS::KMS::Key {key_arn} (its other properties as they are):\n{id}:\n  Type: AWS::KMS::Key\n  Properties:\n    Enabled: true\n"
                ),
            )
        }
        Language::Terraform => (
            "aws_kms_key.secret".to_string(),
            format!(
                "# Set on the aws_kms_key {key_arn} (its other arguments as they are):\nresource \"aws_kms_key\" \"secret\" {{\n  is_enabled = true\n}}\n"
            ),
        ),
        Language::Cdk => (
            "kms.Key props".to_string(),
            format!(
                "// Merge into the props of the kms.Key {key_arn}:\nconst keySettings: Partial<kms.KeyProps> = {{\n  enabled: true,\n}};\n"
            ),
        ),
    };
    Snippet {
        language,
        resource,
        snippet,
    }
}

fn role_policy_cfn(
    role_name: &str,
    policy_name: &str,
    statements: &[Value],
    role_logical_id: Option<&str>,
) -> Snippet {
    let id = logical_id(policy_name);
    let role = match role_logical_id {
        Some(logical) => format!("!Ref {logical}"),
        None => yaml_string(role_name),
    };
    let document = json!({"Version": "2012-10-17", "Statement": statements});
    let snippet = format!(
        "{id}:\n  Type: AWS::IAM::RolePolicy\n  Properties:\n    RoleName: {role}\n    PolicyName: {}\n    PolicyDocument: {}\n",
        yaml_string(policy_name),
        document
    );
    Snippet {
        language: Language::Cloudformation,
        resource: id,
        snippet,
    }
}

fn role_policy_terraform(role_name: &str, policy_name: &str, statements: &[Value]) -> Snippet {
    let name = terraform_name(policy_name);
    let document = json!({"Version": "2012-10-17", "Statement": statements});
    let snippet = format!(
        "resource \"aws_iam_role_policy\" \"{name}\" {{\n  name   = {}\n  role   = {}\n  policy = jsonencode({})\n}}\n",
        hcl_string(policy_name),
        hcl_string(role_name),
        hcl_value(&document, 2)
    );
    Snippet {
        language: Language::Terraform,
        resource: format!("aws_iam_role_policy.{name}"),
        snippet,
    }
}

fn role_policy_cdk(role_name: &str, statements: &[Value]) -> Snippet {
    let mut snippet = format!(
        "const role = iam.Role.fromRoleName(this, 'RotationRole', {});\n",
        ts_string(role_name)
    );
    for statement in statements {
        snippet.push_str(&format!(
                "role.addToPrincipalPolicy(new iam.PolicyStatement({{\n  actions: {},\n  resources: {},\n}}));\n",
                ts_list(&statement["Action"]),
                ts_list(&statement["Resource"])
            ));
    }
    Snippet {
        language: Language::Cdk,
        resource: "iam.Role RotationRole".to_string(),
        snippet,
    }
}

fn permission_cfn(
    function_arn: &str,
    source_account: &str,
    function_logical_id: Option<&str>,
) -> Snippet {
    let function = match function_logical_id {
        Some(logical) => format!("!GetAtt {logical}.Arn"),
        None => yaml_string(function_arn),
    };
    let id = "SecretsManagerRotationPermission".to_string();
    let snippet = format!(
        "# Add `DependsOn: {id}` to the AWS::SecretsManager::RotationSchedule, so that\n# the permission exists before rotation is turned on.\n{id}:\n  Type: AWS::Lambda::Permission\n  Properties:\n    FunctionName: {function}\n    Action: lambda:InvokeFunction\n    Principal: secretsmanager.amazonaws.com\n    SourceAccount: {}\n",
        yaml_string(source_account)
    );
    Snippet {
        language: Language::Cloudformation,
        resource: id,
        snippet,
    }
}

fn permission_terraform(function_arn: &str, source_account: &str) -> Snippet {
    let snippet = format!(
        "# Add `depends_on = [aws_lambda_permission.secrets_manager]` to the\n# aws_secretsmanager_secret_rotation.\nresource \"aws_lambda_permission\" \"secrets_manager\" {{\n  function_name  = {}\n  statement_id   = \"SecretsManagerAccess\"\n  action         = \"lambda:InvokeFunction\"\n  principal      = \"secretsmanager.amazonaws.com\"\n  source_account = {}\n}}\n",
        hcl_string(function_arn),
        hcl_string(source_account)
    );
    Snippet {
        language: Language::Terraform,
        resource: "aws_lambda_permission.secrets_manager".to_string(),
        snippet,
    }
}

fn permission_cdk(function_arn: &str, source_account: &str) -> Snippet {
    let snippet = format!(
        "const rotationFunction = lambda.Function.fromFunctionArn(this, 'RotationFunction', {});\nrotationFunction.addPermission('SecretsManagerAccess', {{\n  principal: new iam.ServicePrincipal('secretsmanager.amazonaws.com'),\n  action: 'lambda:InvokeFunction',\n  sourceAccount: {},\n}});\n",
        ts_string(function_arn),
        ts_string(source_account)
    );
    Snippet {
        language: Language::Cdk,
        resource: "lambda.Function RotationFunction".to_string(),
        snippet,
    }
}

fn settings(
    language: Language,
    function_arn: &str,
    timeout: Option<i32>,
    reserved_concurrency: Option<i32>,
    function_logical_id: Option<&str>,
) -> Snippet {
    let name = function_name(function_arn);
    // Each language's lines for the settings that change, in one order.
    let lines = |timeout_line: fn(i32) -> String, reserved_line: fn(i32) -> String| {
        timeout
            .map(timeout_line)
            .into_iter()
            .chain(reserved_concurrency.map(reserved_line))
            .collect::<String>()
    };
    let (resource, snippet) = match language {
        Language::Cloudformation => {
            let id = function_logical_id.unwrap_or("RotationFunction");
            let properties = lines(
                |t| format!("    Timeout: {t}\n"),
                |r| format!("    ReservedConcurrentExecutions: {r}\n"),
            );
            (
                id.to_string(),
                format!(
                    "# Set on the AWS::Lambda::Function {name} (only the properties that change):\n{id}:\n  Type: AWS::Lambda::Function\n  Properties:\n{properties}"
                ),
            )
        }
        Language::Terraform => {
            let arguments = lines(
                |t| format!("  timeout = {t}\n"),
                |r| format!("  reserved_concurrent_executions = {r}\n"),
            );
            (
                "aws_lambda_function.rotation".to_string(),
                format!(
                    "# Set on the aws_lambda_function of {name} (only the arguments that change):\nresource \"aws_lambda_function\" \"rotation\" {{\n{arguments}}}\n"
                ),
            )
        }
        Language::Cdk => {
            let props = lines(
                |t| format!("  timeout: Duration.seconds({t}),\n"),
                |r| format!("  reservedConcurrentExecutions: {r},\n"),
            );
            (
                "lambda.Function props".to_string(),
                format!(
                    "// Merge into the props of the lambda.Function {name}:\nconst rotationSettings: Partial<lambda.FunctionProps> = {{\n{props}}};\n"
                ),
            )
        }
    };
    Snippet {
        language,
        resource,
        snippet,
    }
}

/// `HostedRotationLambda.RotationType` for a rotation template's
/// application (`.../applications/SecretsManagerRDSPostgreSQLRotationSingleUser`
/// is `PostgreSQLSingleUser`); none for the templates it cannot deploy.
fn hosted_rotation_type(application_id: &str) -> Option<String> {
    let name = application_id.rsplit('/').next()?;
    let engine_and_users = name
        .strip_prefix("SecretsManager")?
        .trim_start_matches("RDS")
        .replacen("Rotation", "", 1);
    const ENGINES: [&str; 8] = [
        "MySQL",
        "MariaDB",
        "PostgreSQL",
        "Oracle",
        "SQLServer",
        "Db2",
        "Redshift",
        "MongoDB",
    ];
    let hosted = ENGINES.iter().any(|engine| {
        engine_and_users == format!("{engine}SingleUser")
            || engine_and_users == format!("{engine}MultiUser")
    });
    hosted.then_some(engine_and_users)
}

/// The exclusions of a function a HostedRotationLambda made: the schedule's
/// `ExcludeCharacters`, which the nested application passes on.
fn hosted_exclusions(secret_arn: &str, rotation_type: &str, value: &str) -> Snippet {
    Snippet {
        language: Language::Cloudformation,
        resource: "RotationSchedule".to_string(),
        snippet: format!(
            "# Set on the AWS::SecretsManager::RotationSchedule of {} that holds HostedRotationLambda (its other properties as they are):\nRotationSchedule:\n  Type: AWS::SecretsManager::RotationSchedule\n  Properties:\n    SecretId: {}\n    HostedRotationLambda:\n      RotationType: {rotation_type}\n      ExcludeCharacters: {}\n",
            secret_name_of(secret_arn),
            yaml_string(secret_arn),
            yaml_string(value)
        ),
    }
}

fn variable(
    language: Language,
    function_arn: &str,
    variable: &str,
    value: &str,
    function_logical_id: Option<&str>,
) -> Snippet {
    let name = function_name(function_arn);
    let (resource, snippet) = match language {
        Language::Cloudformation => {
            let id = function_logical_id.unwrap_or("RotationFunction");
            (
                id.to_string(),
                format!(
                    "# Add to the Environment.Variables of the AWS::Lambda::Function {name}:\n{id}:\n  Type: AWS::Lambda::Function\n  Properties:\n    Environment:\n      Variables:\n        {variable}: {}\n",
                    yaml_string(value)
                ),
            )
        }
        Language::Terraform => (
            "aws_lambda_function.rotation".to_string(),
            format!(
                "# Add to the environment variables of the aws_lambda_function of {name}:\nresource \"aws_lambda_function\" \"rotation\" {{\n  environment {{\n    variables = {{\n      {variable} = {}\n    }}\n  }}\n}}\n",
                hcl_string(value)
            ),
        ),
        Language::Cdk => (
            "lambda.Function props".to_string(),
            format!(
                "// Add to the environment of the lambda.Function {name}:\nconst rotationEnvironment: Partial<lambda.FunctionProps> = {{\n  environment: {{ {variable}: {} }},\n}};\n",
                ts_string(value)
            ),
        ),
    };
    Snippet {
        language,
        resource,
        snippet,
    }
}

fn endpoint(
    language: Language,
    vpc_id: &str,
    service_name: &str,
    subnet_ids: &[String],
    group: &str,
    vpc_logical: Option<&str>,
) -> Snippet {
    let service = service_name.rsplit('.').next().unwrap_or(service_name);
    let quoted = |items: &[String], quote: fn(&str) -> String| {
        items
            .iter()
            .map(|i| quote(i))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match language {
        Language::Cloudformation => {
            let id = format!("{}Endpoint", capitalized(service));
            let snippet = format!(
                "{id}:\n  Type: AWS::EC2::VPCEndpoint\n  Properties:\n    VpcId: {}\n    ServiceName: {}\n    VpcEndpointType: Interface\n    PrivateDnsEnabled: true\n    SubnetIds: [{}]\n    SecurityGroupIds: [{}]\n{id}Https:\n  Type: AWS::EC2::SecurityGroupIngress\n  Properties:\n    GroupId: {}\n    IpProtocol: tcp\n    FromPort: 443\n    ToPort: 443\n    SourceSecurityGroupId: {}\n",
                vpc_logical.map_or_else(|| yaml_string(vpc_id), |id| format!("!Ref {id}")),
                yaml_string(service_name),
                quoted(subnet_ids, yaml_string),
                yaml_string(group),
                yaml_string(group),
                yaml_string(group),
            );
            Snippet {
                language,
                resource: id,
                snippet,
            }
        }
        Language::Terraform => {
            let name = terraform_name(service);
            let snippet = format!(
                "resource \"aws_vpc_endpoint\" \"{name}\" {{\n  vpc_id              = {}\n  service_name        = {}\n  vpc_endpoint_type   = \"Interface\"\n  private_dns_enabled = true\n  subnet_ids          = [{}]\n  security_group_ids  = [{}]\n}}\n\nresource \"aws_vpc_security_group_ingress_rule\" \"{name}_https\" {{\n  security_group_id            = {}\n  ip_protocol                  = \"tcp\"\n  from_port                    = 443\n  to_port                      = 443\n  referenced_security_group_id = {}\n}}\n",
                hcl_string(vpc_id),
                hcl_string(service_name),
                quoted(subnet_ids, hcl_string),
                hcl_string(group),
                hcl_string(group),
                hcl_string(group),
            );
            Snippet {
                language,
                resource: format!("aws_vpc_endpoint.{name}"),
                snippet,
            }
        }
        Language::Cdk => {
            let id = format!("{}Endpoint", capitalized(service));
            let snippet = format!(
                "const endpointGroup = ec2.SecurityGroup.fromSecurityGroupId(this, 'EndpointGroup', {});\nendpointGroup.addIngressRule(ec2.Peer.securityGroupId({}), ec2.Port.tcp(443));\nnew ec2.CfnVPCEndpoint(this, '{id}', {{\n  vpcId: {},\n  serviceName: {},\n  vpcEndpointType: 'Interface',\n  privateDnsEnabled: true,\n  subnetIds: [{}],\n  securityGroupIds: [{}],\n}});\n",
                ts_string(group),
                ts_string(group),
                ts_string(vpc_id),
                ts_string(service_name),
                quoted(subnet_ids, ts_string),
                ts_string(group),
            );
            Snippet {
                language,
                resource: format!("ec2.CfnVPCEndpoint {id}"),
                snippet,
            }
        }
    }
}

/// `secretsmanager` as `Secretsmanager`, for a logical id.
fn capitalized(word: &str) -> String {
    let mut chars = word.chars().filter(char::is_ascii_alphanumeric);
    match chars.next() {
        Some(first) => first.to_ascii_uppercase().to_string() + &chars.collect::<String>(),
        None => String::new(),
    }
}

fn function_name(function_arn: &str) -> &str {
    if arn::account(function_arn).is_some() {
        function_arn.rsplit(':').next().unwrap_or(function_arn)
    } else {
        function_arn
    }
}

/// A CloudFormation logical id: letters and digits only.
fn logical_id(name: &str) -> String {
    name.chars().filter(char::is_ascii_alphanumeric).collect()
}

/// A Terraform resource name: letters, digits, underscores.
fn terraform_name(name: &str) -> String {
    let mut out = String::new();
    for (index, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() && index > 0 {
            out.push('_');
        }
        out.push(if c.is_ascii_alphanumeric() {
            c.to_ascii_lowercase()
        } else {
            '_'
        });
    }
    // An identifier starts with a letter or an underscore.
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    out
}

/// A YAML scalar: JSON strings are YAML.
fn yaml_string(text: &str) -> String {
    Value::String(text.to_string()).to_string()
}

/// An HCL string: JSON escapes, and `${` and `%{` escaped as HCL needs.
fn hcl_string(text: &str) -> String {
    Value::String(text.to_string())
        .to_string()
        .replace("${", "$${")
        .replace("%{", "%%{")
}

/// A JSON value as an HCL expression for jsonencode.
fn hcl_value(value: &Value, indent: usize) -> String {
    let pad = " ".repeat(indent);
    let inner = " ".repeat(indent + 2);
    match value {
        Value::Object(map) => {
            let fields = map
                .iter()
                .map(|(key, value)| {
                    format!(
                        "{inner}{} = {}",
                        hcl_string(key),
                        hcl_value(value, indent + 2)
                    )
                })
                .collect::<Vec<_>>();
            format!("{{\n{}\n{pad}}}", fields.join("\n"))
        }
        Value::Array(items) => {
            let items = items
                .iter()
                .map(|item| format!("{inner}{}", hcl_value(item, indent + 2)))
                .collect::<Vec<_>>();
            format!("[\n{}\n{pad}]", items.join(",\n"))
        }
        Value::String(text) => hcl_string(text),
        other => other.to_string(),
    }
}

/// A TypeScript string literal.
fn ts_string(text: &str) -> String {
    format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// A policy's `Action` or `Resource` (a string or a list) as a TS array.
fn ts_list(value: &Value) -> String {
    let items = match value {
        Value::Array(items) => items.iter().filter_map(Value::as_str).collect::<Vec<_>>(),
        Value::String(one) => vec![one.as_str()],
        _ => Vec::new(),
    };
    format!(
        "[{}]",
        items
            .iter()
            .map(|item| ts_string(item))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// Which languages a run writes its fixes in (`--iac`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Choice {
    /// The language the resource's tags show; none when they show none (a
    /// resource made by hand takes the CLI fix).
    #[default]
    Detected,
    Only(Language),
    All,
    None,
}

/// Writes each fix's changes in the chosen languages, and adds to the
/// evidence where each changed resource is defined. A CLI fix to a
/// resource a CloudFormation stack defines is drift the next update
/// reverts: its summary says so and names the stack.
pub fn annotate(
    findings: &mut [crate::finding::Finding],
    facts: &crate::facts::Facts,
    choice: Choice,
) {
    for finding in findings {
        let Some(fix) = &mut finding.fix else {
            continue;
        };
        let mut evidence = Vec::new();
        for change in fix.changes.clone() {
            let (origin, source) = origin_of(&change, facts);
            let origin = origin.map(|origin| origin.in_template(&facts.construct_paths));
            let construct = origin.as_ref().and_then(Origin::construct_path);
            if let Some(origin) = &origin {
                evidence.push(crate::finding::Evidence {
                    source: construct
                        .map_or(source, |_| crate::actions::cloudformation::GET_TEMPLATE)
                        .to_string(),
                    observed: origin.describe(&change.target()),
                });
                if let Some(change_it) = origin.where_to_change(&change) {
                    fix.summary = format!("{change_it} {}", fix.summary);
                }
            }
            let languages = match (choice, &origin) {
                (Choice::None, _) | (Choice::Detected, None) => Vec::new(),
                (_, Some(origin)) if !origin.has_form(&change) => Vec::new(),
                (Choice::Only(language), _) => vec![language],
                (Choice::All, _) => Language::ALL.to_vec(),
                (Choice::Detected, Some(origin)) => vec![origin.language()],
            };
            fix.iac.extend(languages.into_iter().map(|language| {
                let snippet = change.write(language, origin.as_ref());
                match construct {
                    Some(path) if language == Language::Cdk => Snippet {
                        resource: path.to_string(),
                        snippet: format!("// In the construct {path}:\n{}", snippet.snippet),
                        ..snippet
                    },
                    _ => snippet,
                }
            }));
        }
        finding.evidence.extend(evidence);
    }
}

/// Where the resource a change is made to was defined, and the call whose
/// answer showed its tags.
fn origin_of(change: &Change, facts: &crate::facts::Facts) -> (Option<Origin>, &'static str) {
    use crate::actions::{ec2, iam, kms, lambda, secretsmanager};
    let network = facts.network.found();
    let endpoint_tags = |endpoint_id: &str| {
        network
            .and_then(|n| n.endpoints.iter().find(|e| e.id == endpoint_id))
            .map(|e| &e.tags)
    };
    let (tags, source) = match change {
        Change::RolePolicy { .. } => (facts.rotation_role.found().map(|r| &r.tags), iam::GET_ROLE),
        Change::InvokePermission { .. }
        | Change::FunctionSettings { .. }
        | Change::FunctionVariable { .. }
        | Change::FunctionVpc { .. } => (
            facts.rotation_function.found().map(|f| &f.template_tags),
            lambda::GET_FUNCTION,
        ),
        // A new endpoint belongs where its VPC is defined.
        Change::InterfaceEndpoint { .. } | Change::VpcDns { .. } => {
            (network.map(|n| &n.vpc_tags), ec2::DESCRIBE_VPCS)
        }
        Change::EndpointPrivateDns { endpoint_id, .. }
        | Change::EndpointPolicy { endpoint_id, .. } => {
            (endpoint_tags(endpoint_id), ec2::DESCRIBE_VPC_ENDPOINTS)
        }
        Change::GroupRule(rule) => (
            network
                .and_then(|n| n.security_groups.iter().find(|g| g.id == rule.group_id))
                .map(|g| &g.tags),
            ec2::DESCRIBE_SECURITY_GROUPS,
        ),
        Change::AclRule(rule) => (
            network
                .and_then(|n| n.subnets.iter().find(|s| s.network_acl_id == rule.acl_id))
                .map(|s| &s.network_acl_tags),
            ec2::DESCRIBE_NETWORK_ACLS,
        ),
        // The schedule belongs where the secret is defined.
        Change::Rotation { .. } => (
            facts.secret.found().map(|s| &s.tags),
            secretsmanager::DESCRIBE_SECRET,
        ),
        // DescribeKey does not show a key's tags.
        Change::KeyEnabled { .. } => (None, kms::DESCRIBE_KEY),
        Change::Policy { home, .. } => match home {
            PolicyHome::RoleInline { .. } => {
                (facts.rotation_role.found().map(|r| &r.tags), iam::GET_ROLE)
            }
            PolicyHome::SecretResource { secret_arn } => (
                facts
                    .secret
                    .found()
                    .filter(|s| &s.arn == secret_arn)
                    .map(|s| &s.tags),
                secretsmanager::DESCRIBE_SECRET,
            ),
            // Neither GetPolicy's answer nor DescribeKey's is read for tags.
            PolicyHome::Managed { .. } => (None, iam::GET_POLICY),
            PolicyHome::Key { .. } => (None, kms::GET_KEY_POLICY),
        },
    };
    (tags.and_then(Origin::from_tags), source)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn role_policy() -> Change {
        Change::RolePolicy {
            role_name: "rotate-prod-db".to_string(),
            policy_name: "SecretsManagerRotation".to_string(),
            statements: vec![
                json!({"Effect": "Allow", "Action": ["secretsmanager:GetSecretValue"], "Resource": "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbCdEf"}),
            ],
        }
    }

    #[test]
    fn a_stack_tag_names_the_stack_and_its_logical_id() {
        let tags = BTreeMap::from([
            (
                "aws:cloudformation:stack-name".to_string(),
                "orders-db".to_string(),
            ),
            (
                "aws:cloudformation:logical-id".to_string(),
                "RotationRole".to_string(),
            ),
        ]);
        let origin = Origin::from_tags(&tags).unwrap();
        assert_eq!(origin.language(), Language::Cloudformation);
        assert_eq!(
            origin.describe("the role r"),
            "the role r is defined in the CloudFormation stack orders-db, logical id RotationRole"
        );
        let snippet = role_policy().write(Language::Cloudformation, Some(&origin));
        assert!(
            snippet.snippet.contains("RoleName: !Ref RotationRole"),
            "{}",
            snippet.snippet
        );
    }

    #[test]
    fn terraform_is_known_by_its_common_tags() {
        let yor = BTreeMap::from([
            ("yor_trace".to_string(), "abc".to_string()),
            ("git_file".to_string(), "infra/rotation.tf".to_string()),
        ]);
        assert_eq!(
            Origin::from_tags(&yor),
            Some(Origin::Terraform {
                file: Some("infra/rotation.tf".to_string())
            })
        );
        let managed = BTreeMap::from([("ManagedBy".to_string(), "Terraform".to_string())]);
        assert_eq!(
            Origin::from_tags(&managed).unwrap().language(),
            Language::Terraform
        );
        assert_eq!(Origin::from_tags(&BTreeMap::new()), None);
    }

    #[test]
    fn each_language_holds_the_real_values() {
        for language in Language::ALL {
            let snippet = role_policy().write(language, None);
            assert!(
                snippet.snippet.contains("rotate-prod-db"),
                "{language}: {}",
                snippet.snippet
            );
            assert!(
                snippet.snippet.contains("secretsmanager:GetSecretValue"),
                "{language}"
            );
        }
        let terraform = role_policy().write(Language::Terraform, None);
        assert_eq!(
            terraform.resource,
            "aws_iam_role_policy.secrets_manager_rotation"
        );
    }

    #[test]
    fn an_egress_rule_on_an_imported_group_is_one_cdk_keeps() {
        let rule = Change::GroupRule(GroupRule {
            group_id: "sg-fn".to_string(),
            egress: true,
            ports: (443, 443),
            peer: RulePeer::Group("sg-endpoint".to_string()),
        });
        let cdk = rule.write(Language::Cdk, None).snippet;
        // An imported group that may send anywhere drops added egress rules.
        assert!(cdk.contains("{ allowAllOutbound: false }"), "{cdk}");
        assert!(
            cdk.contains(
                ".addEgressRule(ec2.Peer.securityGroupId('sg-endpoint'), ec2.Port.tcp(443))"
            ),
            "{cdk}"
        );
        let cfn = rule.write(Language::Cloudformation, None).snippet;
        assert!(cfn.contains("Type: AWS::EC2::SecurityGroupEgress"), "{cfn}");
        assert!(
            cfn.contains("DestinationSecurityGroupId: \"sg-endpoint\""),
            "{cfn}"
        );
    }

    #[test]
    fn an_acl_entry_keeps_its_number_direction_and_ports() {
        let rule = Change::AclRule(AclRule {
            acl_id: "acl-01".to_string(),
            egress: false,
            rule_number: 32766,
            ports: (1024, 65535),
            cidr: "0.0.0.0/0".to_string(),
        });
        let terraform = rule.write(Language::Terraform, None);
        assert_eq!(terraform.resource, "aws_network_acl_rule.ingress_32766");
        for line in [
            "rule_number    = 32766",
            "egress         = false",
            "from_port      = 1024",
            "to_port        = 65535",
        ] {
            assert!(terraform.snippet.contains(line), "{}", terraform.snippet);
        }
    }

    /// A security group's tags, read from DescribeSecurityGroups, name the
    /// stack; the rule then refers to the group by its logical id.
    #[test]
    fn a_stack_defined_group_gets_its_rule_in_the_stack() {
        use crate::checks::testing::{in_vpc, network_mut};
        let mut facts = in_vpc();
        network_mut(&mut facts)
            .security_groups
            .iter_mut()
            .find(|g| g.id == "sg-db")
            .unwrap()
            .tags = BTreeMap::from([
            (
                "aws:cloudformation:stack-name".to_string(),
                "orders-network".to_string(),
            ),
            (
                "aws:cloudformation:logical-id".to_string(),
                "DatabaseGroup".to_string(),
            ),
        ]);
        let rule = Change::GroupRule(GroupRule {
            group_id: "sg-db".to_string(),
            egress: false,
            ports: (5432, 5432),
            peer: RulePeer::Group("sg-fn".to_string()),
        });
        let (origin, source) = origin_of(&rule, &facts);
        assert_eq!(source, crate::actions::ec2::DESCRIBE_SECURITY_GROUPS);
        let origin = origin.unwrap();
        assert_eq!(
            origin.describe(&rule.target()),
            "the security group sg-db is defined in the CloudFormation stack orders-network, logical id DatabaseGroup"
        );
        let cfn = rule.write(Language::Cloudformation, Some(&origin)).snippet;
        assert!(
            cfn.contains("GroupId: !GetAtt DatabaseGroup.GroupId"),
            "{cfn}"
        );
        // The group the rule admits keeps its id: its origin is not read.
        assert!(cfn.contains("SourceSecurityGroupId: \"sg-fn\""), "{cfn}");
    }

    #[test]
    fn untagged_network_resources_have_no_origin() {
        let facts = crate::checks::testing::in_vpc();
        let dns = Change::VpcDns {
            vpc_id: "vpc-01".to_string(),
            cidr_block: None,
        };
        assert_eq!(
            origin_of(&dns, &facts),
            (None, crate::actions::ec2::DESCRIBE_VPCS)
        );
    }

    #[test]
    fn a_schedule_keeps_the_previous_rules() {
        let rules = crate::facts::RotationRules {
            automatically_after_days: Some(14),
            schedule_expression: Some("cron(0 16 1,15 * ? *)".to_string()),
            duration: Some("2h".to_string()),
        };
        let schedule = Schedule::keeping(Some(&rules));
        assert_eq!(
            schedule.rules_json(),
            r#"{"Duration":"2h","ScheduleExpression":"cron(0 16 1,15 * ? *)"}"#
        );
        let rotation = Change::Rotation {
            secret_arn: "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbCdEf"
                .to_string(),
            secret_name: "prod/db".to_string(),
            function_arn: None,
            schedule,
        };
        let terraform = rotation.write(Language::Terraform, None);
        assert_eq!(
            terraform.resource,
            "aws_secretsmanager_secret_rotation.prod_db"
        );
        assert!(
            terraform
                .snippet
                .contains("schedule_expression = \"cron(0 16 1,15 * ? *)\""),
            "{}",
            terraform.snippet
        );
        assert!(
            terraform.snippet.contains(NEW_FUNCTION),
            "{}",
            terraform.snippet
        );
        assert_eq!(
            Schedule::keeping(None).rules_json(),
            r#"{"AutomaticallyAfterDays":30}"#
        );
    }

    /// A template rotdoctor could not read leaves the language
    /// CloudFormation's, and says so rather than guessing.
    #[test]
    fn an_unread_template_leaves_cdk_unknown() {
        let tags = BTreeMap::from([
            (
                "aws:cloudformation:stack-name".to_string(),
                "orders-db".to_string(),
            ),
            (
                "aws:cloudformation:logical-id".to_string(),
                "RotationRoleA1B2".to_string(),
            ),
        ]);
        let refused = BTreeMap::from([(
            "orders-db".to_string(),
            Fact::Unavailable(crate::facts::LookupError {
                action: "cloudformation:GetTemplate".to_string(),
                code: "AccessDenied".to_string(),
                message: "not authorized".to_string(),
            }),
        )]);
        let origin = Origin::from_tags(&tags).unwrap().in_template(&refused);
        assert_eq!(origin.language(), Language::Cloudformation);
        assert!(
            origin
                .describe("the role r")
                .ends_with("its template could not be read (cloudformation:GetTemplate answered AccessDenied), so whether CDK made it is not known"),
            "{}",
            origin.describe("the role r")
        );
        let made = BTreeMap::from([(
            "orders-db".to_string(),
            Fact::Found(BTreeMap::from([(
                "RotationRoleA1B2".to_string(),
                "orders-db/RotationRole/Resource".to_string(),
            )])),
        )]);
        let origin = Origin::from_tags(&tags).unwrap().in_template(&made);
        assert_eq!(origin.language(), Language::Cdk);
    }

    #[test]
    fn a_hosted_rotation_function_takes_its_exclusions_from_the_schedule() {
        let tags = BTreeMap::from([
            (
                "aws:cloudformation:stack-name".to_string(),
                "orders-db-SecretRotationScheduleHostedRotationLambda-1X2Y3Z".to_string(),
            ),
            (
                "serverlessrepo:applicationId".to_string(),
                "arn:aws:serverlessrepo:us-east-1:297356227824:applications/SecretsManagerRDSPostgreSQLRotationSingleUser".to_string(),
            ),
        ]);
        let origin = Origin::from_tags(&tags).unwrap();
        assert_eq!(
            origin,
            Origin::HostedRotation {
                nested_stack: "orders-db-SecretRotationScheduleHostedRotationLambda-1X2Y3Z"
                    .to_string(),
                rotation_type: Some("PostgreSQLSingleUser".to_string()),
            }
        );
        let exclusions = Change::FunctionVariable {
            secret_arn: "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbCdEf"
                .to_string(),
            function_arn: "arn:aws:lambda:us-east-1:111122223333:function:rotate".to_string(),
            name: "EXCLUDE_CHARACTERS".to_string(),
            value: "/@:".to_string(),
        };
        let cfn = exclusions.write(Language::Cloudformation, Some(&origin));
        assert!(
            cfn.snippet
                .contains("RotationType: PostgreSQLSingleUser\n      ExcludeCharacters: \"/@:\""),
            "{}",
            cfn.snippet
        );
        assert_eq!(
            hosted_rotation_type("arn:aws:serverlessrepo:us-east-1:297356227824:applications/SecretsManagerMongoDBRotationMultiUser").as_deref(),
            Some("MongoDBMultiUser")
        );
        assert_eq!(
            hosted_rotation_type(
                "arn:aws:serverlessrepo:us-east-1:297356227824:applications/SecretsManagerElasticacheUserRotation"
            ),
            None
        );
    }

    #[test]
    fn a_hosted_rotation_function_has_a_template_form_only_for_what_its_schedule_sets() {
        let origin = Origin::HostedRotation {
            nested_stack: "orders-db-SecretRotationScheduleHostedRotationLambda-1X2Y3Z".to_string(),
            rotation_type: Some("PostgreSQLSingleUser".to_string()),
        };
        let function_arn = "arn:aws:lambda:us-east-1:111122223333:function:rotate".to_string();
        let timeout = Change::FunctionSettings {
            function_arn: function_arn.clone(),
            timeout: Some(30),
            reserved_concurrency: None,
        };
        assert!(!origin.has_form(&timeout));
        let summary = origin.where_to_change(&timeout).unwrap();
        assert!(summary.contains("no template form is given"), "{summary}");
        let exclusions = Change::FunctionVariable {
            secret_arn: "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbCdEf"
                .to_string(),
            function_arn: function_arn.clone(),
            name: "EXCLUDE_CHARACTERS".to_string(),
            value: "/@:".to_string(),
        };
        assert!(origin.has_form(&exclusions));
        let summary = origin.where_to_change(&exclusions).unwrap();
        assert!(
            summary.contains("in the stack that holds the schedule"),
            "{summary}"
        );
        let permission = Change::InvokePermission {
            function_arn,
            source_account: "111122223333".to_string(),
        };
        assert!(origin.has_form(&permission));
    }

    #[test]
    fn a_secrets_name_drops_the_suffix_secrets_manager_adds() {
        assert_eq!(
            secret_name_of(
                "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/orders-db-AbCdEf"
            ),
            "prod/orders-db"
        );
        // A partial ARN has no suffix to drop.
        assert_eq!(
            secret_name_of("arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/orders-db"),
            "prod/orders-db"
        );
    }

    #[test]
    fn hcl_strings_escape_interpolation() {
        assert_eq!(hcl_string("a${b}"), r#""a$${b}""#);
    }
}
