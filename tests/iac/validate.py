"""Validates rotdoctor's CloudFormation and Terraform snippets with real tools.

Usage: validate.py SNIPPETS_JSON

SNIPPETS_JSON is a list of {"language", "resource", "snippet"}. CloudFormation
snippets are wrapped in a minimal template (with a stub for each resource they
refer to, and the properties a partial AWS::Lambda::Function leaves out) and
linted by cfn-lint; Terraform snippets are parsed by python-hcl2 and their
resource types and arguments checked against the AWS provider's documentation.
Prints one line per problem and exits 1 if there is any.
"""

import json
import re
import sys

import hcl2
from cfnlint.api import ManualArgs, lint

# From the AWS provider's resource documentation (registry.terraform.io,
# hashicorp/aws): required arguments, and every argument a snippet may set.
TERRAFORM = {
    "aws_iam_role_policy": {"required": {"role", "policy"}, "known": {"name", "name_prefix", "role", "policy"}},
    "aws_lambda_permission": {
        "required": {"action", "function_name", "principal"},
        "known": {"action", "function_name", "principal", "source_account", "source_arn", "statement_id", "qualifier"},
    },
    "aws_vpc_endpoint": {
        "required": {"vpc_id", "service_name"},
        "known": {"vpc_id", "service_name", "vpc_endpoint_type", "private_dns_enabled", "subnet_ids", "security_group_ids", "policy"},
    },
    "aws_vpc_endpoint_policy": {"required": {"vpc_endpoint_id"}, "known": {"vpc_endpoint_id", "policy"}},
    "aws_vpc_security_group_ingress_rule": {
        "required": {"security_group_id", "ip_protocol"},
        "known": {"security_group_id", "ip_protocol", "from_port", "to_port", "referenced_security_group_id", "cidr_ipv4", "description"},
    },
    "aws_vpc_security_group_egress_rule": {
        "required": {"security_group_id", "ip_protocol"},
        "known": {"security_group_id", "ip_protocol", "from_port", "to_port", "referenced_security_group_id", "cidr_ipv4", "description"},
    },
    "aws_network_acl_rule": {
        "required": {"network_acl_id", "rule_number", "protocol", "rule_action"},
        "known": {
            "network_acl_id", "rule_number", "egress", "protocol", "rule_action", "cidr_block",
            "ipv6_cidr_block", "from_port", "to_port", "icmp_type", "icmp_code",
        },
    },
    "aws_secretsmanager_secret_rotation": {
        "required": {"secret_id", "rotation_rules"},
        "known": {"secret_id", "rotation_lambda_arn", "rotation_rules", "rotate_immediately"},
    },
    "aws_secretsmanager_secret_policy": {
        "required": {"secret_arn", "policy"},
        "known": {"secret_arn", "policy", "block_public_policy"},
    },
    # A snippet sets only the arguments that change on an existing key or
    # managed policy.
    "aws_kms_key": {"required": set(), "known": {"is_enabled", "policy"}},
    "aws_iam_policy": {"required": set(), "known": {"policy"}},
    # A snippet sets only the arguments that change on an existing VPC.
    "aws_vpc": {"required": set(), "known": {"cidr_block", "enable_dns_support", "enable_dns_hostnames"}},
    # A snippet sets only the arguments that change on an existing function.
    "aws_lambda_function": {"required": set(), "known": {"timeout", "reserved_concurrent_executions", "environment", "vpc_config"}},
}

PARTIAL_FUNCTION = """    Role: arn:aws:iam::111122223333:role/stub
    Handler: lambda_function.lambda_handler
    Runtime: python3.12
    Code:
      ZipFile: print(1)
"""


STUB_ROLE = """  Type: AWS::IAM::Role
  Properties:
    AssumeRolePolicyDocument: {"Version": "2012-10-17", "Statement": []}
"""
STUB_VPC = """  Type: AWS::EC2::VPC
  Properties:
    CidrBlock: 10.0.0.0/16
"""
# The resource a snippet refers to, by the property that refers to it.
STUBS = {
    "RoleName": STUB_ROLE,
    "FunctionName": "  Type: AWS::Lambda::Function\n  Properties:\n" + PARTIAL_FUNCTION,
    "VpcId": STUB_VPC,
    "GroupId": "  Type: AWS::EC2::SecurityGroup\n  Properties:\n    GroupDescription: stub\n    VpcId: vpc-0123456789abcdef0\n",
    "SecretId": "  Type: AWS::SecretsManager::Secret\n  Properties:\n    GenerateSecretString: {}\n",
    "NetworkAclId": "  Type: AWS::EC2::NetworkAcl\n  Properties:\n    VpcId: vpc-0123456789abcdef0\n",
}


# HostedRotationLambda's RotationType values, from the CloudFormation
# template reference (AWS::SecretsManager::RotationSchedule
# HostedRotationLambda), which cfn-lint does not check.
ROTATION_TYPES = {
    f"{engine}{users}"
    for engine in ("MySQL", "MariaDB", "PostgreSQL", "Oracle", "SQLServer", "Db2", "Redshift", "MongoDB")
    for users in ("SingleUser", "MultiUser")
}


def cloudformation(snippet):
    body = snippet["snippet"]
    if "Type: AWS::Lambda::Function" in body:
        body = body.rstrip("\n") + "\n" + PARTIAL_FUNCTION
    defined = set(re.findall(r"^([A-Za-z0-9]+):\s*$", body, re.M))
    stubs = ""
    # A stub of the type each reference needs, so cfn-lint checks the
    # reference's type as well as its syntax.
    for prop, ref in set(re.findall(r"(\w+): !(?:Ref|GetAtt) (\w+)", body)):
        if ref in defined:
            continue
        defined.add(ref)
        stubs += f"{ref}:\n" + STUBS[prop]
    resources = "".join("  " + line + "\n" for line in (body + stubs).splitlines())
    template = "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n" + resources
    matches = lint(template, config=ManualArgs(regions=["us-east-1"]))
    problems = [f"{m.rule.id} {m.message}" for m in matches if m.rule.id.startswith("E")]
    for rotation_type in re.findall(r"RotationType: (\S+)", body):
        if rotation_type not in ROTATION_TYPES:
            problems.append(f"HostedRotationLambda has no RotationType {rotation_type}")
    return problems


def terraform(snippet):
    problems = []
    parsed = hcl2.loads(snippet["snippet"])
    for block in parsed.get("resource", []):
        for kind, named in block.items():
            kind = kind.strip('"')
            rules = TERRAFORM.get(kind)
            if rules is None:
                problems.append(f"unknown resource type {kind}")
                continue
            for arguments in named.values():
                names = {name for name in arguments if not name.startswith("__")}
                for missing in sorted(rules["required"] - names):
                    problems.append(f"{kind} lacks the required argument {missing}")
                for unknown in sorted(names - rules["known"]):
                    problems.append(f"{kind} has no argument {unknown}")
    if not parsed.get("resource"):
        problems.append("no resource block")
    return problems


def main():
    snippets = json.load(open(sys.argv[1]))
    failed = 0
    for snippet in snippets:
        check = {"cloudformation": cloudformation, "terraform": terraform}.get(snippet["language"])
        if check is None:
            continue
        for problem in check(snippet):
            failed += 1
            print(f"{snippet['language']} {snippet['resource']}: {problem}\n{snippet['snippet']}")
    sys.exit(1 if failed else 0)


main()
