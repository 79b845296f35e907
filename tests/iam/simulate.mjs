// Decides IAM requests with @cloud-copilot/iam-simulate, for
// tests/iam_differential.rs: reads a JSON array of cases on stdin, prints a
// JSON array of decisions ("Allowed", "ImplicitlyDenied", "ExplicitlyDenied",
// or "error: ...") in the same order.
import { runSimulation } from '@cloud-copilot/iam-simulate';

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const cases = JSON.parse(Buffer.concat(chunks).toString('utf8'));

const decisions = [];
for (const c of cases) {
  const simulation = {
    request: {
      principal: c.principal,
      action: c.action,
      resource: { resource: c.resource, accountId: c.accountId },
      contextVariables: c.context,
    },
    identityPolicies: c.identity.map((policy, i) => ({ name: `identity-${i}`, policy })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
  };
  if (c.boundary) simulation.permissionBoundaryPolicies = [{ name: 'boundary', policy: c.boundary }];
  if (c.resourcePolicy) simulation.resourcePolicy = c.resourcePolicy;
  const result = await runSimulation(simulation, { simulationMode: 'Strict' });
  decisions.push(
    result.resultType === 'error' ? `error: ${result.errors.message}` : result.overallResult,
  );
}
process.stdout.write(JSON.stringify(decisions));
