"""Seeds moto_server with one rotation scenario and prints what it made as JSON.

Usage: seed.py ENDPOINT SCENARIO

Moto runs rotations itself in ways AWS does not (it runs them synchronously, ignores their result and moves labels
itself), so
each scenario seeds the end state directly: labels through PutSecretValue and
UpdateSecretVersionStage, never by letting moto rotate.
"""

import io
import json
import sys
import time
import urllib.request
import zipfile

import boto3

ACCOUNT = "123456789012"  # moto's default account
OTHER_ACCOUNT = "444455556666"
CURRENT = "11111111-1111-4111-8111-111111111111"
ENABLE = "22222222-2222-4222-8222-222222222222"
PENDING = "33333333-3333-4333-8333-333333333333"
SAR = "arn:aws:serverlessrepo:us-east-1:297356227824:applications/"
# Values tests assert never reach rotdoctor's output, files or errors.
CANARY = "CANARY-7f3a9c"
POSTGRES = {"engine": "postgres", "host": "db.internal", "username": "app", "password": f"{CANARY}-pw!Xy7"}
SECRET_STRING = json.dumps(POSTGRES)


def clients(endpoint, region="us-east-1", **credentials):
    settings = dict(
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id=credentials.get("key", "testing"),
        aws_secret_access_key=credentials.get("secret", "testing"),
        aws_session_token=credentials.get("token"),
    )
    names = ("cloudformation", "ec2", "iam", "kms", "lambda", "logs", "rds", "secretsmanager")
    return {name: boto3.client(name, **settings) for name in names}


ROLE = "rotate-orders-db-role"
# The statements the Secrets Manager documentation gives a rotation role.
ON_SECRET = [
    "secretsmanager:DescribeSecret",
    "secretsmanager:GetSecretValue",
    "secretsmanager:PutSecretValue",
    "secretsmanager:UpdateSecretVersionStage",
]


def documented_policy(secret_arn, actions=ON_SECRET):
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "RotationAccess", "Effect": "Allow", "Action": actions, "Resource": secret_arn},
            {"Sid": "Passwords", "Effect": "Allow", "Action": "secretsmanager:GetRandomPassword", "Resource": "*"},
        ],
    }


def put_role_policy(aws, name, document):
    aws["iam"].put_role_policy(RoleName=ROLE, PolicyName=name, PolicyDocument=json.dumps(document))


def create_function(aws, name="rotate-orders-db", template=None, environment=None, boundary=None, vpc=None):
    """A rotation function; `template` tags it as deployed from that AWS template."""
    extra = {"PermissionsBoundary": boundary} if boundary else {}
    function_vpc = {"VpcConfig": {"SubnetIds": [vpc["function_subnet"]], "SecurityGroupIds": [vpc["function_group"]]}} if vpc else {}
    role = aws["iam"].create_role(
        RoleName=ROLE,
        **extra,
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
                ],
            }
        ),
    )["Role"]["Arn"]
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("lambda_function.py", "def lambda_handler(event, context):\n    pass\n")
    if vpc:
        # What AWSLambdaVPCAccessExecutionRole grants: Lambda makes the
        # function's network interfaces with its role.
        aws["iam"].put_role_policy(RoleName=ROLE, PolicyName="vpc-access", PolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Resource": "*", "Action": [
                "ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DeleteNetworkInterface"]}],
        }))
    return aws["lambda"].create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role,
        Handler="lambda_function.lambda_handler",
        Code={"ZipFile": archive.getvalue()},
        # What the AWS templates deploy with; Lambda's own default is 3 s.
        Timeout=30,
        Environment={"Variables": environment or {}},
        Tags={"serverlessrepo:applicationId": SAR + template} if template else {},
        **function_vpc,
    )["FunctionArn"]


def allow_invoke(aws, function_arn, account=ACCOUNT):
    aws["lambda"].add_permission(
        FunctionName=function_arn,
        StatementId="SecretsManagerAccess",
        Action="lambda:InvokeFunction",
        Principal="secretsmanager.amazonaws.com",
        SourceAccount=account,
    )


def create_secret(aws, name="prod/orders-db", secret_string=SECRET_STRING):
    return aws["secretsmanager"].create_secret(
        Name=name, SecretString=secret_string, ClientRequestToken=CURRENT
    )["ARN"]


def enable_rotation(aws, secret_arn, function_arn):
    """Turns rotation on, then removes the AWSPENDING version moto leaves
    behind, as a successful rotation would."""
    sm = aws["secretsmanager"]
    sm.rotate_secret(
        SecretId=secret_arn,
        RotationLambdaARN=function_arn,
        RotationRules={"AutomaticallyAfterDays": 30},
        RotateImmediately=False,
        ClientRequestToken=ENABLE,
    )
    sm.update_secret_version_stage(SecretId=secret_arn, VersionStage="AWSPENDING", RemoveFromVersionId=ENABLE)
    # moto "ran" the function to test the rotation and logged that it could
    # not: no real function writes that, so it goes.
    name = function_arn.rsplit(":", 1)[-1]
    try:
        aws["logs"].delete_log_group(logGroupName=f"/aws/lambda/{name}")
    except aws["logs"].exceptions.ResourceNotFoundException:
        pass


def rotating_secret(
    aws,
    invoke_account=ACCOUNT,
    value=POSTGRES,
    template=None,
    environment=None,
    grant=True,
    kms_key=None,
    boundary=None,
    vpc=None,
):
    function_arn = create_function(aws, template=template, environment=environment, boundary=boundary, vpc=vpc)
    if vpc and isinstance(value, dict):
        value = dict(value, host=vpc["database_host"])
    if invoke_account:
        allow_invoke(aws, function_arn, invoke_account)
    secret_string = value if isinstance(value, str) else json.dumps(value)
    extra = {"KmsKeyId": kms_key} if kms_key else {}
    secret_arn = aws["secretsmanager"].create_secret(
        Name="prod/orders-db", SecretString=secret_string, ClientRequestToken=CURRENT, **extra
    )["ARN"]
    if grant:
        put_role_policy(aws, "SecretsManagerRotation", documented_policy(secret_arn))
    enable_rotation(aws, secret_arn, function_arn)
    return {"secret_arn": secret_arn, "function_arn": function_arn}


def master_secret(aws, host=POSTGRES["host"]):
    return aws["secretsmanager"].create_secret(
        Name="prod/orders-db-master",
        SecretString=json.dumps(dict(POSTGRES, username="postgres", host=host)),
    )["ARN"]


def network(aws, nat=True, database_in_other_vpc=False, database_admits_function=True):
    """A VPC whose private subnets hold the function and a PostgreSQL RDS
    instance that requires TLS (rds.force_ssl, as PostgreSQL 15 and later
    do by default); with `nat`, they reach the internet through a NAT
    gateway."""
    ec2 = aws["ec2"]
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsSupport={"Value": True})
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    public = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.0.0/24", AvailabilityZone="us-east-1a")["Subnet"]["SubnetId"]
    function_subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24", AvailabilityZone="us-east-1a")["Subnet"]["SubnetId"]
    private = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.associate_route_table(RouteTableId=private, SubnetId=function_subnet)
    if nat:
        gateway = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
        ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc)
        allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
        nat_id = ec2.create_nat_gateway(SubnetId=public, AllocationId=allocation)["NatGateway"]["NatGatewayId"]
        ec2.create_route(RouteTableId=private, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat_id)
    function_group = ec2.create_security_group(GroupName="rotation", Description="rotation function", VpcId=vpc)["GroupId"]

    database_vpc = vpc
    if database_in_other_vpc:
        database_vpc = ec2.create_vpc(CidrBlock="172.16.0.0/16")["Vpc"]["VpcId"]
    base = "172.16" if database_in_other_vpc else "10.0"
    database_subnets = [
        ec2.create_subnet(VpcId=database_vpc, CidrBlock=f"{base}.{n}.0/24", AvailabilityZone=zone)["Subnet"]["SubnetId"]
        for n, zone in ((2, "us-east-1a"), (3, "us-east-1b"))
    ]
    if not database_in_other_vpc:
        for subnet in database_subnets:
            ec2.associate_route_table(RouteTableId=private, SubnetId=subnet)
    database_group = ec2.create_security_group(GroupName="database", Description="database", VpcId=database_vpc)["GroupId"]
    if database_admits_function and not database_in_other_vpc:
        ec2.authorize_security_group_ingress(
            GroupId=database_group,
            IpPermissions=[{"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "UserIdGroupPairs": [{"GroupId": function_group}]}],
        )
    aws["rds"].create_db_subnet_group(
        DBSubnetGroupName="orders-db", DBSubnetGroupDescription="orders", SubnetIds=database_subnets
    )
    aws["rds"].create_db_parameter_group(
        DBParameterGroupName="orders-db-params", DBParameterGroupFamily="postgres16", Description="orders"
    )
    aws["rds"].modify_db_parameter_group(
        DBParameterGroupName="orders-db-params",
        Parameters=[{"ParameterName": "rds.force_ssl", "ParameterValue": "1", "ApplyMethod": "immediate"}],
    )
    instance = aws["rds"].create_db_instance(
        DBParameterGroupName="orders-db-params",
        DBInstanceIdentifier="orders-db",
        Engine="postgres",
        DBInstanceClass="db.t3.micro",
        MasterUsername="postgres",
        MasterUserPassword=f"{CANARY}-master",
        DBSubnetGroupName="orders-db",
        VpcSecurityGroupIds=[database_group],
        PubliclyAccessible=False,
    )["DBInstance"]
    return {
        "vpc": vpc,
        "function_subnet": function_subnet,
        "function_group": function_group,
        "database_group": database_group,
        "database_host": instance["Endpoint"]["Address"],
        "database_arn": instance["DBInstanceArn"],
        "database_subnets": database_subnets,
    }


def secretsmanager_endpoint(aws, made, private_dns=True, admits_function=True, subnet=None, policy=None):
    """An interface endpoint for Secrets Manager, in the function's subnet
    unless `subnet` says otherwise."""
    ec2 = aws["ec2"]
    group = ec2.create_security_group(GroupName="endpoint", Description="endpoint", VpcId=made["vpc"])["GroupId"]
    if admits_function:
        ec2.authorize_security_group_ingress(
            GroupId=group,
            IpPermissions=[{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "UserIdGroupPairs": [{"GroupId": made["function_group"]}]}],
        )
    return ec2.create_vpc_endpoint(
        VpcId=made["vpc"],
        VpcEndpointType="Interface",
        ServiceName="com.amazonaws.us-east-1.secretsmanager",
        SubnetIds=[subnet or made["function_subnet"]],
        SecurityGroupIds=[group],
        **({"PolicyDocument": json.dumps(policy)} if policy else {}),
        PrivateDnsEnabled=private_dns,
    )["VpcEndpoint"]["VpcEndpointId"]


def in_network(aws, **network_options):
    vpc = network(aws, **network_options)
    return dict(rotating_secret(aws, vpc=vpc), **vpc)


def healthy(aws, endpoint):
    """Rotation through a NAT gateway to a database in the same VPC."""
    return in_network(aws)


def database_ssl_off(aws, endpoint):
    """A secret whose `ssl` is false, for a database that requires TLS."""
    vpc = network(aws)
    value = dict(POSTGRES, host=vpc["database_host"], ssl=False)
    return dict(rotating_secret(aws, vpc=vpc, value=value), **vpc)


def database_proxy(aws, endpoint):
    """A secret whose host is an RDS Proxy in front of the database, whose
    authentication logs in with another secret only."""
    vpc = network(aws)
    rds = aws["rds"]
    other = aws["secretsmanager"].create_secret(Name="prod/orders-app", SecretString=json.dumps(POSTGRES))["ARN"]
    proxy = rds.create_db_proxy(
        DBProxyName="orders-db-proxy",
        EngineFamily="POSTGRESQL",
        Auth=[{"AuthScheme": "SECRETS", "SecretArn": other, "IAMAuth": "DISABLED"}],
        RoleArn=f"arn:aws:iam::{ACCOUNT}:role/orders-db-proxy",
        VpcSubnetIds=vpc["database_subnets"],
        VpcSecurityGroupIds=[vpc["database_group"]],
        RequireTLS=True,
    )["DBProxy"]
    rds.register_db_proxy_targets(DBProxyName="orders-db-proxy", DBInstanceIdentifiers=["orders-db"])
    value = dict(POSTGRES, host=proxy["Endpoint"])
    made = rotating_secret(aws, vpc=dict(vpc, database_host=proxy["Endpoint"]), value=value)
    return dict(made, proxy_host=proxy["Endpoint"], **vpc)


def two_regions(aws, endpoint):
    """A healthy rotating secret in us-east-1, and one without rotation in
    us-west-2."""
    made = rotating_secret(aws)
    west = clients(endpoint, region="us-west-2")
    west_arn = west["secretsmanager"].create_secret(Name="prod/reports-db", SecretString=SECRET_STRING)["ARN"]
    return dict(made, west_secret_arn=west_arn)


MEMBER_ACCOUNT = "111111111111"


def member_account(aws, endpoint):
    """A rotating secret in the caller's account, and one without rotation
    in MEMBER_ACCOUNT, made through its OrganizationAccountAccessRole (moto
    acts in the account of an assumed role)."""
    made = rotating_secret(aws)
    member = clients_in(endpoint, MEMBER_ACCOUNT)
    member_arn = member["secretsmanager"].create_secret(Name="prod/member-db", SecretString=SECRET_STRING)["ARN"]
    return dict(made, member_secret_arn=member_arn)


def clients_in(endpoint, account):
    """Clients acting in `account`, through its OrganizationAccountAccessRole."""
    sts = boto3.client(
        "sts", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    credentials = sts.assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole", RoleSessionName="seed"
    )["Credentials"]
    return clients(
        endpoint,
        key=credentials["AccessKeyId"],
        secret=credentials["SecretAccessKey"],
        token=credentials["SessionToken"],
    )


def organization(aws, endpoint):
    """An organization whose management account (the caller's) holds a
    rotating secret, and one member account a secret without rotation."""
    orgs = boto3.client(
        "organizations", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    orgs.create_organization(FeatureSet="ALL")
    member = orgs.create_account(AccountName="member", Email="member@example.com")["CreateAccountStatus"]["AccountId"]
    made = rotating_secret(aws)
    in_member = clients_in(endpoint, member)
    in_member["secretsmanager"].create_secret(Name="prod/member-db", SecretString=SECRET_STRING)
    return dict(made, member_account=member)


def stack_defined(aws, endpoint):
    """A function and role CloudFormation made (as their tags say), which
    Secrets Manager may not invoke."""
    made = rotating_secret(aws, invoke_account=None)
    stack = {"aws:cloudformation:stack-name": "orders-db"}
    aws["lambda"].tag_resource(
        Resource=made["function_arn"], Tags=dict(stack, **{"aws:cloudformation:logical-id": "RotationFunction"})
    )
    aws["iam"].tag_role(
        RoleName=ROLE,
        Tags=[{"Key": k, "Value": v} for k, v in dict(stack, **{"aws:cloudformation:logical-id": "RotationRole"}).items()],
    )
    return made


def cdk_defined(aws, endpoint):
    """A rotation role a CDK app made, lacking the write actions: its tags
    name the stack and logical id, and the stack's template (synthesized
    JSON, as CDK deploys it) has the construct path in the metadata."""
    made = permissions_missing_actions(aws, endpoint)
    logical_id = "RotationRoleA1B2C3D4"
    template = {
        "Resources": {
            logical_id: {
                "Type": "AWS::IAM::Role",
                # A literal a template may hold, which rotdoctor must not keep.
                "Properties": {
                    "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": []},
                    "Description": f"{CANARY}-in-template",
                },
                "Metadata": {"aws:cdk:path": "orders-db/RotationRole/Resource"},
            }
        }
    }
    aws["cloudformation"].create_stack(StackName="orders-db", TemplateBody=json.dumps(template))
    tags = {"aws:cloudformation:stack-name": "orders-db", "aws:cloudformation:logical-id": logical_id}
    aws["iam"].tag_role(RoleName=ROLE, Tags=[{"Key": k, "Value": v} for k, v in tags.items()])
    return dict(made, canary=f"{CANARY}-in-template")


def on_failure(aws, endpoint):
    """A secret whose function Secrets Manager may not invoke, and the SNS
    topic the on-failure function reports to, with an SQS queue subscribed
    so that a test reads what a subscriber gets."""
    made = rotating_secret(aws, invoke_account=None)
    settings = dict(endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")
    sns, sqs = boto3.client("sns", **settings), boto3.client("sqs", **settings)
    topic = sns.create_topic(Name="rotdoctor-findings")["TopicArn"]
    queue = sqs.create_queue(QueueName="rotdoctor-findings")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    return dict(made, topic_arn=topic, queue_url=queue)


def read_queue(aws, endpoint):
    """The messages waiting in ROTDOCTOR_QUEUE_URL (not a scenario: a reader)."""
    import os

    sqs = boto3.client("sqs", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")
    answer = sqs.receive_message(QueueUrl=os.environ["ROTDOCTOR_QUEUE_URL"], MaxNumberOfMessages=10)
    return [json.loads(m["Body"]) for m in answer.get("Messages", [])]


def outside_vpc(aws, endpoint):
    return rotating_secret(aws)


def network_no_path(aws, endpoint):
    """No NAT and no endpoint in the function's VPC; a neighbouring VPC has a
    Secrets Manager endpoint, which does the function no good."""
    made = in_network(aws, nat=False)
    ec2 = aws["ec2"]
    neighbour = ec2.create_vpc(CidrBlock="192.168.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=neighbour, CidrBlock="192.168.0.0/24", AvailabilityZone="us-east-1a")["Subnet"]["SubnetId"]
    ec2.create_vpc_endpoint(
        VpcId=neighbour,
        VpcEndpointType="Interface",
        ServiceName="com.amazonaws.us-east-1.secretsmanager",
        SubnetIds=[subnet],
        PrivateDnsEnabled=True,
    )
    return made


def network_endpoint_healthy(aws, endpoint):
    made = in_network(aws, nat=False)
    return dict(made, endpoint_id=secretsmanager_endpoint(aws, made))


def network_endpoint_private_dns_off(aws, endpoint):
    made = in_network(aws, nat=False)
    return dict(made, endpoint_id=secretsmanager_endpoint(aws, made, private_dns=False))


def network_endpoint_admits_nothing(aws, endpoint):
    made = in_network(aws, nat=False)
    return dict(made, endpoint_id=secretsmanager_endpoint(aws, made, admits_function=False))


def network_endpoint_subnet_acl_blocks(aws, endpoint):
    """The endpoint in a subnet of its own, whose new network ACL has only
    the default deny rules."""
    made = in_network(aws, nat=False)
    ec2 = aws["ec2"]
    subnet = ec2.create_subnet(VpcId=made["vpc"], CidrBlock="10.0.4.0/24", AvailabilityZone="us-east-1b")["Subnet"]["SubnetId"]
    acl = ec2.create_network_acl(VpcId=made["vpc"])["NetworkAcl"]["NetworkAclId"]
    current = ec2.describe_network_acls(Filters=[{"Name": "association.subnet-id", "Values": [subnet]}])["NetworkAcls"][0]
    association = next(a for a in current["Associations"] if a["SubnetId"] == subnet)["NetworkAclAssociationId"]
    ec2.replace_network_acl_association(AssociationId=association, NetworkAclId=acl)
    return dict(made, endpoint_id=secretsmanager_endpoint(aws, made, subnet=subnet), endpoint_acl=acl)


def network_endpoint_policy_refuses_role(aws, endpoint):
    """An endpoint whose policy lets only the application's role through."""
    made = in_network(aws, nat=False)
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/orders-app"},
                "Action": "secretsmanager:GetSecretValue",
                "Resource": "*",
            }
        ],
    }
    return dict(made, endpoint_id=secretsmanager_endpoint(aws, made, policy=policy))


def database_other_vpc(aws, endpoint):
    return in_network(aws, database_in_other_vpc=True)


def database_group_without_function(aws, endpoint):
    return in_network(aws, database_admits_function=False)


def network_stack_defined(aws, endpoint):
    """The database's security group, which does not admit the function, is
    one a CloudFormation stack made (as its tags say); so is its VPC."""
    made = in_network(aws, database_admits_function=False)
    stack = {"aws:cloudformation:stack-name": "orders-network"}
    for resource, logical_id in ((made["database_group"], "DatabaseGroup"), (made["vpc"], "Vpc")):
        tags = dict(stack, **{"aws:cloudformation:logical-id": logical_id})
        aws["ec2"].create_tags(Resources=[resource], Tags=[{"Key": k, "Value": v} for k, v in tags.items()])
    return made


def no_invoke_permission(aws, endpoint):
    return rotating_secret(aws, invoke_account=None)


def invoke_permission_other_account(aws, endpoint):
    return rotating_secret(aws, invoke_account=OTHER_ACCOUNT)


def function_deleted(aws, endpoint):
    made = rotating_secret(aws)
    aws["lambda"].delete_function(FunctionName=made["function_arn"])
    return made


def function_throttled(aws, endpoint):
    """A function that may run one instance at a time. (moto reports no
    reserved concurrency of 0, which would fail instead of warn.)"""
    made = rotating_secret(aws)
    aws["lambda"].put_function_concurrency(FunctionName=made["function_arn"], ReservedConcurrentExecutions=1)
    return made


# What a createSecret that GetRandomPassword refused logs: one event, the
# error and its traceback.
CREATE_SECRET_REFUSED = (
    "[ERROR] InvalidParameterException: An error occurred (InvalidParameterException) when calling the "
    "GetRandomPassword operation: Value at 'passwordLength' failed to satisfy constraint\n"
    "Traceback (most recent call last):\n"
    '  File "/var/task/lambda_function.py", line 119, in create_secret\n'
    "    current_dict['password'] = get_random_password(service_client)\n"
)


def strand_pending(aws, made):
    """A pending version left behind by a createSecret that then failed."""
    aws["secretsmanager"].put_secret_value(
        SecretId=made["secret_arn"],
        SecretString=SECRET_STRING,
        VersionStages=["AWSPENDING"],
        ClientRequestToken=PENDING,
    )
    put_log_lines(aws, [CREATE_SECRET_REFUSED])
    return dict(made, pending_version=PENDING)


def stranded_pending(aws, endpoint):
    """A rotation that failed in createSecret, after the pending version was
    put: the function's log says which step failed."""
    return strand_pending(aws, rotating_secret(aws))


def stuck_rotation(aws, endpoint):
    """A rotation stuck on its own settings: PASSWORD_LENGTH is beyond what
    GetRandomPassword generates, so createSecret failed after a pending
    version was left behind (as a function that puts it early would)."""
    made = rotating_secret(
        aws,
        template="SecretsManagerRDSPostgreSQLRotationSingleUser",
        environment={"PASSWORD_LENGTH": "5000", "EXCLUDE_CHARACTERS": ":/@\"'\\"},
    )
    return strand_pending(aws, made)


def rotation_never_enabled(aws, endpoint):
    return {"secret_arn": create_secret(aws)}


def secret_stack_defined(aws, endpoint):
    """A secret a CloudFormation stack made (as its tags say), whose
    rotation was never turned on."""
    made = rotation_never_enabled(aws, endpoint)
    tags = {"aws:cloudformation:stack-name": "orders-db", "aws:cloudformation:logical-id": "OrdersSecret"}
    aws["secretsmanager"].tag_resource(
        SecretId=made["secret_arn"], Tags=[{"Key": k, "Value": v} for k, v in tags.items()]
    )
    return made


def reader_without_lambda_access(aws, endpoint):
    """A healthy secret, read by a user who may call DescribeSecret and
    nothing in Lambda. Moto enforces IAM only once /moto-api/reset-auth is
    called, so that comes last."""
    made = rotating_secret(aws)
    iam = aws["iam"]
    iam.create_user(UserName="auditor")
    iam.put_user_policy(
        UserName="auditor",
        PolicyName="describe-only",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": ["secretsmanager:DescribeSecret"],
                        "Resource": "*",
                    }
                ],
            }
        ),
    )
    key = iam.create_access_key(UserName="auditor")["AccessKey"]
    request = urllib.request.Request(
        f"{endpoint}/moto-api/reset-auth", data=b"0", headers={"Content-Type": "text/plain"}, method="POST"
    )
    urllib.request.urlopen(request).read()
    return dict(made, access_key_id=key["AccessKeyId"], secret_access_key=key["SecretAccessKey"])


def multi_user(aws, master_resource=None, master_host=POSTGRES["host"]):
    """A multi-user secret; the role may read the master secret by
    `master_resource` (its full ARN, a partial one), or not at all (None)."""
    master = master_secret(aws, master_host)
    made = rotating_secret(aws, value=dict(POSTGRES, masterarn=master), template="SecretsManagerRDSPostgreSQLRotationMultiUser")
    if master_resource:
        resource = master if master_resource == "full" else master.rsplit("-", 1)[0]
        statement = {"Sid": "MasterSecret", "Effect": "Allow", "Action": ON_SECRET[:2], "Resource": resource}
        put_role_policy(aws, "MasterSecret", {"Version": "2012-10-17", "Statement": [statement]})
    return dict(made, master_arn=master)


def multi_user_healthy(aws, endpoint):
    return multi_user(aws, master_resource="full")


def master_secret_no_access(aws, endpoint):
    return multi_user(aws)


def master_secret_partial_arn(aws, endpoint):
    return multi_user(aws, master_resource="partial")


def master_secret_rds_managed(aws, endpoint):
    """A multi-user secret whose master secret RDS manages (a username and a
    password, tagged with its database), in a VPC with a Secrets Manager
    endpoint but no path to the RDS API, and a role that may not call it."""
    vpc = network(aws, nat=False)
    master = aws["secretsmanager"].create_secret(
        Name="prod/orders-db-master",
        SecretString=json.dumps({"username": "postgres", "password": POSTGRES["password"]}),
        Tags=[{"Key": "aws:rds:primaryDBInstanceArn", "Value": vpc["database_arn"]}],
    )["ARN"]
    made = rotating_secret(
        aws, vpc=vpc, value=dict(POSTGRES, masterarn=master), template="SecretsManagerRDSPostgreSQLRotationMultiUser"
    )
    statement = {"Sid": "MasterSecret", "Effect": "Allow", "Action": ON_SECRET[:2], "Resource": master}
    put_role_policy(aws, "MasterSecret", {"Version": "2012-10-17", "Statement": [statement]})
    made = dict(made, master_arn=master, **vpc)
    return dict(made, endpoint_id=secretsmanager_endpoint(aws, made))


def master_secret_other_host(aws, endpoint):
    return multi_user(aws, master_resource="full", master_host="billing.internal")


def permissions_missing_actions(aws, endpoint):
    made = rotating_secret(aws, grant=False)
    put_role_policy(aws, "SecretsManagerRotation", documented_policy(made["secret_arn"], ON_SECRET[:2]))
    return made


def permissions_explicit_deny(aws, endpoint):
    """The documented grant, and a customer managed policy that denies writes."""
    made = rotating_secret(aws)
    deny = {"Version": "2012-10-17", "Statement": [
        {"Sid": "NoWrites", "Effect": "Deny", "Action": "secretsmanager:PutSecretValue", "Resource": "*"}]}
    arn = aws["iam"].create_policy(PolicyName="guardrail", PolicyDocument=json.dumps(deny))["Policy"]["Arn"]
    aws["iam"].attach_role_policy(RoleName=ROLE, PolicyArn=arn)
    return made


def permissions_secret_policy_deny(aws, endpoint):
    made = rotating_secret(aws)
    deny = {"Version": "2012-10-17", "Statement": [{"Sid": "ReadOnly", "Effect": "Deny",
        "Principal": {"AWS": "*"}, "Action": "secretsmanager:PutSecretValue", "Resource": "*"}]}
    aws["secretsmanager"].put_resource_policy(SecretId=made["secret_arn"], ResourcePolicy=json.dumps(deny))
    return made


def permissions_managed_wildcard(aws, endpoint):
    """Granted only through an attached managed policy with wildcards."""
    made = rotating_secret(aws, grant=False)
    grant = {"Version": "2012-10-17", "Statement": [
        {"Sid": "AllProdSecrets", "Effect": "Allow", "Action": "secretsmanager:*",
         "Resource": f"arn:aws:secretsmanager:*:{ACCOUNT}:secret:prod/*"},
        {"Sid": "Passwords", "Effect": "Allow", "Action": "secretsmanager:GetRandom*", "Resource": "*"}]}
    arn = aws["iam"].create_policy(PolicyName="prod-secrets", PolicyDocument=json.dumps(grant))["Policy"]["Arn"]
    aws["iam"].attach_role_policy(RoleName=ROLE, PolicyArn=arn)
    return made


def permissions_boundary(aws, endpoint):
    """The documented grant, under a permissions boundary that allows only logs."""
    logs = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "logs:*", "Resource": "*"}]}
    arn = aws["iam"].create_policy(PolicyName="logs-only", PolicyDocument=json.dumps(logs))["Policy"]["Arn"]
    return rotating_secret(aws, boundary=arn)


def customer_key(aws):
    """A customer managed key with the default key policy (it delegates to IAM)."""
    return aws["kms"].create_key(Description="orders-db secret key")["KeyMetadata"]["Arn"]


def kms_without_decrypt(aws, endpoint):
    key = customer_key(aws)
    return dict(rotating_secret(aws, kms_key=key), key_arn=key)


def kms_healthy(aws, endpoint):
    key = customer_key(aws)
    made = rotating_secret(aws, kms_key=key)
    statement = {"Sid": "SecretKey", "Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": key}
    put_role_policy(aws, "SecretKey", {"Version": "2012-10-17", "Statement": [statement]})
    return dict(made, key_arn=key)


def kms_disabled(aws, endpoint):
    made = kms_healthy(aws, endpoint)
    aws["kms"].disable_key(KeyId=made["key_arn"].rsplit("/", 1)[-1])
    return made


def multi_user_missing_masterarn(aws, endpoint):
    """The master secret exists, and the role may read it, but the secret
    does not name it."""
    made = rotating_secret(aws, template="SecretsManagerRDSPostgreSQLRotationMultiUser")
    master = master_secret(aws)
    put_role_policy(aws, "master", {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"], "Resource": master}
    ]})
    return dict(made, master_arn=master)


def secret_missing_host(aws, endpoint):
    value = {key: v for key, v in POSTGRES.items() if key != "host"}
    return rotating_secret(aws, value=value, template="SecretsManagerRDSPostgreSQLRotationSingleUser")


def secret_not_json(aws, endpoint):
    return rotating_secret(aws, value=f"{CANARY}-not-json", template="SecretsManagerRDSPostgreSQLRotationSingleUser")


def secret_engine_mismatch(aws, endpoint):
    value = dict(POSTGRES, engine="mysql")
    return rotating_secret(aws, value=value, template="SecretsManagerRDSPostgreSQLRotationSingleUser")


def mysql_allows_slash(aws, endpoint):
    value = dict(POSTGRES, engine="mysql")
    environment = {"EXCLUDE_CHARACTERS": "@\"'\\", "DB_PROXY_PASSWORD": f"{CANARY}-env"}
    return rotating_secret(
        aws, value=value, template="SecretsManagerRDSMySQLRotationSingleUser", environment=environment
    )


def postgres_allows_colon(aws, endpoint):
    environment = {"EXCLUDE_CHARACTERS": "/@\"'\\"}
    return rotating_secret(
        aws, template="SecretsManagerRDSPostgreSQLRotationSingleUser", environment=environment
    )


def canary(aws, endpoint):
    """Every place a secret value could hide: the password, unknown keys,
    nested values, the master secret's password, and a function variable
    that is not a template setting."""
    value = dict(
        POSTGRES,
        api_token=f"{CANARY}-token",
        nested={"inner": f"{CANARY}-nested"},
        masterarn=master_secret(aws),
    )
    made = rotating_secret(
        aws,
        value=value,
        template="SecretsManagerRDSPostgreSQLRotationMultiUser",
        environment={"DB_PASSWORD": f"{CANARY}-env"},
    )
    aws["secretsmanager"].create_secret(Name="canary/binary", SecretBinary=f"{CANARY}-binary".encode())
    aws["secretsmanager"].create_secret(Name="canary/text", SecretString=f"{CANARY}-text")
    # A custom function that logs credentials in every form rotdoctor masks.
    put_log_lines(aws, CANARY_LOG_LINES)
    return dict(made, canary=CANARY)


# The canary after a password-like key, in each form a function might log
# it, with the delimiters that used to end masking early inside the value.
CANARY_LOG_LINES = [
    "[ERROR]\t{t}\t{r}\tsetSecret: " + line
    for line in (
        f'login failed for {{"username": "app", "password": "ab,{CANARY};x}}y&z"}}',
        f"login failed for {{'user': 'app', 'pwd': 'ab,{CANARY}'}}",
        f"connecting with password=ab;{CANARY}&x host=db",
        f"connecting with passwd: ab,{CANARY}",
        f"retrying with password ab{CANARY}",
        f"dsn postgres://app:ab/{CANARY}@x@db.internal:5432/orders",
        f"GET /connect?user=app&token=ab&{CANARY}&next=1 HTTP/1.1",
        f'{{"SecretString": "{{\\"password\\":\\"ab {CANARY}\\"}}"}}',
        f"Credentials: {{\"secret\": \"ab, {CANARY}\"}}",
    )
]


def put_log_lines(aws, lines, group="/aws/lambda/rotate-orders-db", stream="2026/11/25/[$LATEST]abc"):
    """One invocation of `lines` in the function's log group."""
    logs = aws["logs"]
    try:
        logs.create_log_group(logGroupName=group)
    except logs.exceptions.ResourceAlreadyExistsException:
        pass
    try:
        logs.create_log_stream(logGroupName=group, logStreamName=stream)
    except logs.exceptions.ResourceAlreadyExistsException:
        pass
    now = int(time.time() * 1000) - 60_000
    lines = [f"START RequestId: {REQUEST} Version: $LATEST"] + lines + [f"END RequestId: {REQUEST}"]
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now / 1000))
    events = [{"timestamp": now + i, "message": line.replace("{t}", stamp).replace("{r}", REQUEST)} for i, line in enumerate(lines)]
    logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=events)


def logs_huge(aws, endpoint):
    """More events than rotdoctor reads: 6,000 over the last three hours,
    the oldest an error, the newest a completed rotation."""
    made = rotating_secret(aws)
    group, stream = "/aws/lambda/rotate-orders-db", "2026/11/25/[$LATEST]big"
    logs = aws["logs"]
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName=stream)
    now = int(time.time() * 1000)
    count = 6000
    step = (3 * 3600 * 1000) // count
    events = [
        {"timestamp": now - (count - i) * step, "message": f"[INFO]\t-\t{REQUEST}\tline {i}"} for i in range(count)
    ]
    events[0]["message"] = f"[ERROR]\t-\t{REQUEST}\tsetSecret: oldest line"
    events[-1]["message"] = f"[INFO]\t-\t{REQUEST}\tfinishSecret: Successfully set AWSCURRENT stage to version v for secret x."
    logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=events)
    return made


def canary_raw_log(aws, endpoint):
    """The function logs the secret's password with no key before it: only
    masking the values rotdoctor read in the run catches it."""
    put_log_lines(aws, ["[ERROR]\t{t}\t{r}\tsetSecret: tried " + POSTGRES["password"] + " for app"], stream="raw")
    return {}


REQUEST = "8f2e6a4c-1b3d-4e5f-9a7b-0c1d2e3f4a5b"

# Real template log lines, one invocation each.
LOGS = {
    "logs-success": [
        "[INFO]\t{t}\t{r}\tFound credentials in environment variables.",
        "[INFO]\t{t}\t{r}\tfinishSecret: Successfully set AWSCURRENT stage to version v2 for secret prod/orders-db.",
    ],
    "logs-timeout-after-credentials": [
        "[INFO]\t{t}\t{r}\tFound credentials in environment variables.",
        "{t} {r} Task timed out after 30.03 seconds",
    ],
    "logs-login-failure": [
        "[INFO]\t{t}\t{r}\tFound credentials in environment variables.",
        "[ERROR]\t{t}\t{r}\tsetSecret: Unable to log into database with previous, current, or pending secret of secret prod/orders-db",
    ],
    "logs-missing-key": [
        "[ERROR] KeyError: 'host key is missing from secret JSON'\nTraceback (most recent call last):",
    ],
    "logs-kms-denied": [
        "[ERROR] ClientError: An error occurred (AccessDeniedException) when calling the GetSecretValue operation: Access to KMS is not allowed",
    ],
    "logs-import-error": [
        "[ERROR] Runtime.ImportModuleError: Unable to import module 'lambda_function': No module named '_pg'",
    ],
}


def with_log(scenario):
    """A rotating secret whose function logged one invocation of `scenario`."""

    def seed(aws, endpoint):
        made = rotating_secret(aws)
        group = "/aws/lambda/rotate-orders-db"
        logs = aws["logs"]
        logs.create_log_group(logGroupName=group)
        logs.create_log_stream(logGroupName=group, logStreamName="2026/11/25/[$LATEST]abc")
        now = int(time.time() * 1000) - 60_000
        lines = [f"START RequestId: {REQUEST} Version: $LATEST"] + LOGS[scenario] + [f"END RequestId: {REQUEST}"]
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now / 1000))
        events = [
            {"timestamp": now + i, "message": line.format(t=stamp, r=REQUEST)} for i, line in enumerate(lines)
        ]
        logs.put_log_events(logGroupName=group, logStreamName="2026/11/25/[$LATEST]abc", logEvents=events)
        return made

    return seed


def fleet(aws, endpoint):
    """Two secrets rotated by one shared function, naming one master secret,
    and one never rotated."""
    function_arn = create_function(aws)
    allow_invoke(aws, function_arn)
    sm = aws["secretsmanager"]
    shared = json.dumps(dict(POSTGRES, masterarn=master_secret(aws)))
    arns = {}
    for name, tags in (("prod/orders-db", [{"Key": "team", "Value": "orders"}]), ("prod/billing-db", [])):
        arn = sm.create_secret(Name=name, SecretString=shared, Tags=tags)["ARN"]
        put_role_policy(aws, name.replace("/", "-"), documented_policy(arn))
        sm.rotate_secret(SecretId=arn, RotationLambdaARN=function_arn, RotationRules={"AutomaticallyAfterDays": 30}, RotateImmediately=False)
        pending = [v for v, stages in sm.describe_secret(SecretId=arn)["VersionIdsToStages"].items() if stages == ["AWSPENDING"]]
        for version in pending:
            sm.update_secret_version_stage(SecretId=arn, VersionStage="AWSPENDING", RemoveFromVersionId=version)
        arns[name] = arn
    arns["dev/scratch"] = sm.create_secret(Name="dev/scratch", SecretString=SECRET_STRING)["ARN"]
    return arns


SCENARIOS = {
    "fleet": fleet,
    "healthy": healthy,
    "outside-vpc": outside_vpc,
    "network-no-path": network_no_path,
    "network-endpoint-healthy": network_endpoint_healthy,
    "network-endpoint-private-dns-off": network_endpoint_private_dns_off,
    "network-endpoint-admits-nothing": network_endpoint_admits_nothing,
    "network-endpoint-subnet-acl-blocks": network_endpoint_subnet_acl_blocks,
    "network-endpoint-policy-refuses-role": network_endpoint_policy_refuses_role,
    "database-other-vpc": database_other_vpc,
    "database-group-without-function": database_group_without_function,
    "network-stack-defined": network_stack_defined,
    "no-invoke-permission": no_invoke_permission,
    "invoke-permission-other-account": invoke_permission_other_account,
    "function-deleted": function_deleted,
    "stranded-pending": stranded_pending,
    "stuck-rotation": stuck_rotation,
    "function-throttled": function_throttled,
    "rotation-never-enabled": rotation_never_enabled,
    "secret-stack-defined": secret_stack_defined,
    "reader-without-lambda-access": reader_without_lambda_access,
    "database-ssl-off": database_ssl_off,
    "database-proxy": database_proxy,
    "two-regions": two_regions,
    "member-account": member_account,
    "organization": organization,
    "on-failure": on_failure,
    "stack-defined": stack_defined,
    "cdk-defined": cdk_defined,
    "read-queue": read_queue,
    "multi-user-healthy": multi_user_healthy,
    "master-secret-no-access": master_secret_no_access,
    "master-secret-partial-arn": master_secret_partial_arn,
    "master-secret-other-host": master_secret_other_host,
    "master-secret-rds-managed": master_secret_rds_managed,
    "permissions-missing-actions": permissions_missing_actions,
    "permissions-explicit-deny": permissions_explicit_deny,
    "permissions-secret-policy-deny": permissions_secret_policy_deny,
    "permissions-managed-wildcard": permissions_managed_wildcard,
    "permissions-boundary": permissions_boundary,
    "kms-without-decrypt": kms_without_decrypt,
    "kms-healthy": kms_healthy,
    "kms-disabled": kms_disabled,
    "multi-user-missing-masterarn": multi_user_missing_masterarn,
    "secret-missing-host": secret_missing_host,
    "secret-not-json": secret_not_json,
    "secret-engine-mismatch": secret_engine_mismatch,
    "mysql-allows-slash": mysql_allows_slash,
    "postgres-allows-colon": postgres_allows_colon,
    "canary": canary,
    "canary-raw-log": canary_raw_log,
    "logs-huge": logs_huge,
    **{name: with_log(name) for name in LOGS},
}


if __name__ == "__main__":
    endpoint, scenario = sys.argv[1], sys.argv[2]
    print(json.dumps(SCENARIOS[scenario](clients(endpoint), endpoint)))
