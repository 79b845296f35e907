//! Fix commands: complete AWS CLI command lines, every value shell-quoted.

use crate::facts::{Subnet, VpcAttachment};
use crate::iac::{AclRule, Change, GroupRule, RulePeer};
use crate::network::{AclDecision, Cidr, Direction};

/// Joins `words` into one command line a POSIX shell runs as given.
///
/// Every word is quoted only when it needs to be, so commands stay readable
/// (`aws lambda add-permission --function-name 'arn:...'` only where needed).
pub fn shell_command<S: AsRef<str>>(words: &[S]) -> String {
    words
        .iter()
        .map(|word| quote(word.as_ref()))
        .collect::<Vec<_>>()
        .join(" ")
}

fn quote(word: &str) -> String {
    // shlex refuses only words with a NUL byte, which no AWS identifier has;
    // such a word is shown without it rather than dropped.
    match shlex::try_quote(word) {
        Ok(quoted) => quoted.into_owned(),
        Err(_) => quote(&word.replace('\0', "")),
    }
}

/// The network ACL entry that lets TCP `ports` to or from `peer` through
/// `subnet`, numbered to come before the entry that denies it, with the
/// entry as a change: `None` when no number is free.
pub fn allow_acl_entry(
    subnet: &Subnet,
    direction: Direction,
    ports: (u16, u16),
    peer: &Cidr,
    decision: &AclDecision,
    region: Option<&str>,
) -> Option<(String, Change)> {
    let rule = AclRule {
        acl_id: subnet.network_acl_id.clone(),
        egress: direction == Direction::Egress,
        rule_number: decision.free_rule_number?,
        ports,
        cidr: peer.to_string(),
    };
    let rule_number = rule.rule_number.to_string();
    let port_range = format!("From={},To={}", ports.0, ports.1);
    let command = aws(
        "ec2",
        "create-network-acl-entry",
        &[
            "--network-acl-id",
            &rule.acl_id,
            if rule.egress { "--egress" } else { "--ingress" },
            "--rule-number",
            &rule_number,
            "--protocol",
            "tcp",
            "--port-range",
            &port_range,
            "--cidr-block",
            &rule.cidr,
            "--rule-action",
            "allow",
        ],
        region,
    );
    Some((command, Change::AclRule(rule)))
}

/// Turns private DNS on for the interface endpoint `endpoint_id` (for
/// `service_name` in `vpc_id`), with the change.
pub fn enable_private_dns(
    endpoint_id: &str,
    vpc_id: &str,
    service_name: &str,
    region: &str,
) -> (String, Change) {
    let command = aws(
        "ec2",
        "modify-vpc-endpoint",
        &["--vpc-endpoint-id", endpoint_id, "--private-dns-enabled"],
        Some(region),
    );
    let change = Change::EndpointPrivateDns {
        endpoint_id: endpoint_id.to_string(),
        vpc_id: vpc_id.to_string(),
        service_name: service_name.to_string(),
    };
    (command, change)
}

/// Turns on a VPC's DNS resolution and DNS hostnames (one attribute per
/// call), with both as one change; `cidr_block` is the VPC's primary CIDR,
/// which its definition keeps.
pub fn enable_vpc_dns(
    vpc_id: &str,
    cidr_block: Option<&str>,
    region: &str,
) -> (Vec<String>, Change) {
    let commands = ["--enable-dns-support", "--enable-dns-hostnames"]
        .into_iter()
        .map(|attribute| {
            aws(
                "ec2",
                "modify-vpc-attribute",
                &["--vpc-id", vpc_id, attribute, "{\"Value\":true}"],
                Some(region),
            )
        })
        .collect();
    let change = Change::VpcDns {
        vpc_id: vpc_id.to_string(),
        cidr_block: cidr_block.map(str::to_string),
    };
    (commands, change)
}

/// Lets TCP `port` out of `group` to `peer` (the members of a group, or an
/// IPv4 block), with the rule as a change.
pub fn allow_egress(
    group: &str,
    port: u16,
    peer: RulePeer,
    region: Option<&str>,
) -> (String, Change) {
    let destination = match &peer {
        RulePeer::Group(id) => format!("UserIdGroupPairs=[{{GroupId={id}}}]"),
        RulePeer::Cidr(cidr) => format!("IpRanges=[{{CidrIp={cidr}}}]"),
    };
    let permission = format!("IpProtocol=tcp,FromPort={port},ToPort={port},{destination}");
    let command = aws(
        "ec2",
        "authorize-security-group-egress",
        &["--group-id", group, "--ip-permissions", &permission],
        region,
    );
    let rule = GroupRule {
        group_id: group.to_string(),
        egress: true,
        ports: (port, port),
        peer,
    };
    (command, Change::GroupRule(rule))
}

/// An interface endpoint for `service` (`secretsmanager`, `rds`) in the
/// function's subnets, with private DNS, and the function's first security
/// group admitting HTTPS from itself, which the endpoint uses too.
pub fn create_interface_endpoint(
    vpc_id: &str,
    service: &str,
    function: &VpcAttachment,
    region: &str,
) -> Vec<String> {
    let Some(group) = function.security_group_ids.first() else {
        return Vec::new();
    };
    let service = format!("com.amazonaws.{region}.{service}");
    let mut args = vec![
        "--vpc-id",
        vpc_id,
        "--vpc-endpoint-type",
        "Interface",
        "--service-name",
        service.as_str(),
        "--private-dns-enabled",
        "--security-group-ids",
        group.as_str(),
        "--subnet-ids",
    ];
    args.extend(function.subnet_ids.iter().map(String::as_str));
    vec![
        aws("ec2", "create-vpc-endpoint", &args, Some(region)),
        allow_ingress_from_group(group, 443, group, Some(region)).0,
    ]
}

/// The change [`create_interface_endpoint`] makes, for the IaC snippets;
/// none when the function has no security group to use.
pub fn interface_endpoint_change(
    vpc_id: &str,
    service: &str,
    function: &VpcAttachment,
    region: &str,
) -> Option<crate::iac::Change> {
    Some(crate::iac::Change::InterfaceEndpoint {
        vpc_id: vpc_id.to_string(),
        service_name: format!("com.amazonaws.{region}.{service}"),
        subnet_ids: function.subnet_ids.clone(),
        security_group_id: function.security_group_ids.first()?.clone(),
    })
}

/// Lets TCP `port` into `group` from the members of `source_group`, with
/// the rule as a change.
pub fn allow_ingress_from_group(
    group: &str,
    port: u16,
    source_group: &str,
    region: Option<&str>,
) -> (String, Change) {
    let rule = GroupRule {
        group_id: group.to_string(),
        egress: false,
        ports: (port, port),
        peer: RulePeer::Group(source_group.to_string()),
    };
    let port = port.to_string();
    let command = aws(
        "ec2",
        "authorize-security-group-ingress",
        &[
            "--group-id",
            group,
            "--protocol",
            "tcp",
            "--port",
            &port,
            "--source-group",
            source_group,
        ],
        region,
    );
    (command, Change::GroupRule(rule))
}

/// `aws <service> <operation> <args>... --region <region>`, quoted for a shell.
///
/// The region is the resource's own (from its ARN), so the command acts on
/// the right resource whatever the user's default region is.
pub fn aws(service: &str, operation: &str, args: &[&str], region: Option<&str>) -> String {
    let mut words = vec!["aws", service, operation];
    words.extend_from_slice(args);
    if let Some(region) = region {
        words.extend_from_slice(&["--region", region]);
    }
    shell_command(&words)
}

/// `<write> <flag> "$(<read> | <jq>)"`: a value read, changed by jq and
/// written back at run time, so nothing of it is printed here.
fn read_change_write(write: String, flag: &str, read: String, jq: &[&str]) -> String {
    let change = shell_command(&[&["jq"][..], jq].concat());
    format!("{write} {flag} \"$({read} | {change})\"")
}

/// Sets one environment variable of a function and keeps the others:
/// `update-function-configuration --environment` replaces them all, so it
/// gets them all back.
pub fn set_function_variable(
    secret_arn: &str,
    function_arn: &str,
    name: &str,
    value: &str,
) -> (String, Change) {
    let region = crate::arn::region(function_arn);
    let change = Change::FunctionVariable {
        secret_arn: secret_arn.to_string(),
        function_arn: function_arn.to_string(),
        name: name.to_string(),
        value: value.to_string(),
    };
    let command = read_change_write(
        aws(
            "lambda",
            "update-function-configuration",
            &["--function-name", function_arn],
            region,
        ),
        "--environment",
        aws(
            "lambda",
            "get-function-configuration",
            &[
                "--function-name",
                function_arn,
                "--query",
                "{Variables: Environment.Variables}",
                "--output",
                "json",
            ],
            region,
        ),
        &[
            "--arg",
            "value",
            value,
            &format!(".Variables = ((.Variables // {{}}) + {{{name}: $value}})"),
        ],
    );
    (command, change)
}

/// A new version of a secret made by `jq` from its current value, which
/// goes from `get-secret-value` into `put-secret-value` and is never printed.
pub fn rewrite_secret_value(secret_arn: &str, jq: &[&str]) -> String {
    let region = crate::arn::region(secret_arn);
    read_change_write(
        aws(
            "secretsmanager",
            "put-secret-value",
            &["--secret-id", secret_arn],
            region,
        ),
        "--secret-string",
        aws(
            "secretsmanager",
            "get-secret-value",
            &[
                "--secret-id",
                secret_arn,
                "--query",
                "SecretString",
                "--output",
                "text",
            ],
            region,
        ),
        jq,
    )
}

/// The current value with `keys` added or replaced. A value rotdoctor
/// cannot know is a `<placeholder>` the user fills in before running it.
pub fn merge_secret_keys(
    secret_arn: &str,
    keys: &serde_json::Map<String, serde_json::Value>,
) -> String {
    let keys = serde_json::Value::Object(keys.clone()).to_string();
    rewrite_secret_value(secret_arn, &["-c", "--argjson", "keys", &keys, ". + $keys"])
}

/// `rotate-secret` with the secret's own function named: it rotates at once
/// (and, with a version stranded at AWSPENDING, reattempts that rotation).
pub fn rotate_secret_now(secret: &crate::facts::SecretFacts) -> String {
    let mut args = vec!["--secret-id", secret.arn.as_str()];
    if let Some(function) = secret.rotation_lambda_arn.as_deref() {
        args.extend_from_slice(&["--rotation-lambda-arn", function]);
    }
    aws("secretsmanager", "rotate-secret", &args, secret.region())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_words_stay_plain() {
        assert_eq!(
            shell_command(&[
                "aws",
                "lambda",
                "get-policy",
                "--function-name",
                "rotate-db"
            ]),
            "aws lambda get-policy --function-name rotate-db"
        );
    }

    #[test]
    fn arns_and_json_are_quoted() {
        let command = shell_command(&[
            "aws",
            "secretsmanager",
            "rotate-secret",
            "--secret-id",
            "arn:aws:secretsmanager:us-east-1:111122223333:secret:it's-AbCdEf",
            "--rotation-rules",
            r#"{"AutomaticallyAfterDays": 30}"#,
        ]);
        let words = shlex::split(&command).unwrap();
        assert_eq!(
            words[4],
            "arn:aws:secretsmanager:us-east-1:111122223333:secret:it's-AbCdEf"
        );
        assert_eq!(words[6], r#"{"AutomaticallyAfterDays": 30}"#);
    }
}
