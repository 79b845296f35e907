// Parses rotdoctor's CDK snippets with the TypeScript compiler and checks
// that every aws-cdk-lib name they use is one the library has.
// Usage: node parse.mjs SNIPPETS_JSON; prints one line per problem, exits 1 on any.
import { readFileSync } from "node:fs";
import ts from "typescript";

// aws-cdk-lib's API reference (docs.aws.amazon.com/cdk/api/v2): the names
// the snippets may use.
const KNOWN = new Set([
  "iam.Role.fromRoleName",
  "iam.PolicyStatement",
  "iam.ServicePrincipal",
  "lambda.Function.fromFunctionArn",
  "lambda.FunctionProps",
  "Duration.seconds",
  "addToPrincipalPolicy",
  "addPermission",
  "ec2.SecurityGroup.fromSecurityGroupId",
  "ec2.Peer.securityGroupId",
  "ec2.Port.tcp",
  "ec2.CfnVPCEndpoint",
  "ec2.CfnVPCEndpointProps",
  "ec2.Peer.ipv4",
  "ec2.Port.tcpRange",
  "ec2.CfnNetworkAclEntry",
  "ec2.VpcProps",
  "ec2.Subnet.fromSubnetId",
  "secretsmanager.CfnRotationSchedule",
  "kms.KeyProps",
  "iam.RoleProps",
  "iam.ManagedPolicyProps",
  "iam.PolicyDocument.fromJson",
  "secretsmanager.CfnResourcePolicy",
  "addIngressRule",
  "addEgressRule",
]);

const snippets = JSON.parse(readFileSync(process.argv[2], "utf8")).filter((s) => s.language === "cdk");
let problems = 0;
for (const snippet of snippets) {
  const source = [
    "import * as iam from 'aws-cdk-lib/aws-iam';",
    "import * as lambda from 'aws-cdk-lib/aws-lambda';",
    "import * as ec2 from 'aws-cdk-lib/aws-ec2';",
    "import * as kms from 'aws-cdk-lib/aws-kms';",
    "import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';",
    "import { Duration, Stack } from 'aws-cdk-lib';",
    "class Fix extends Stack {",
    "  build() {",
    snippet.snippet,
    "  }",
    "}",
  ].join("\n");
  const output = ts.transpileModule(source, { reportDiagnostics: true, compilerOptions: { strict: true } });
  for (const diagnostic of output.diagnostics ?? []) {
    problems += 1;
    console.log(`cdk ${snippet.resource}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n")}\n${snippet.snippet}`);
  }
  const code = snippet.snippet.replace(/\/\/.*$/gm, "");
  const names = [
    ...code.matchAll(/\b(?:iam|lambda|ec2|kms|secretsmanager)\.[A-Z]\w*(?:\.[a-z]\w*)?|\bDuration\.\w+/g),
    ...code.matchAll(/\.(add\w+)\(/g),
  ].map((m) => m[1] ?? m[0]);
  for (const name of names) {
    if (!KNOWN.has(name)) {
      problems += 1;
      console.log(`cdk ${snippet.resource}: ${name} is not a name aws-cdk-lib has\n${snippet.snippet}`);
    }
  }
}
process.exit(problems ? 1 : 0);
