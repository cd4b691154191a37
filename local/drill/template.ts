import { join } from 'node:path';
import { rulesOfTemplate, type SynthesizedRule } from '../bus/rules.js';

/**
 * Reads the wiring of a local deployment from synthesized CloudFormation templates: functions (their
 * bundle, handler, environment, timeout), event rules, HTTP API routes, function URLs, stack outputs
 * and secrets. Nothing here is a second, hand-written list: a rule, route, variable or schedule
 * missing from a template is missing from the local deployment too.
 */

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly Metadata?: Record<string, unknown>;
}

export interface CfnTemplate {
  readonly Resources: Record<string, CfnResource>;
  readonly Outputs?: Record<string, { readonly Value: unknown }>;
}

/** One synthesized stack: its name, region and template. */
export interface StackTemplate {
  readonly stackName: string;
  readonly region: string;
  readonly template: CfnTemplate;
}

export interface FunctionSpec {
  /** `<stack>/<logicalId>`, unique across the app. */
  readonly key: string;
  readonly stackName: string;
  readonly logicalId: string;
  /** Construct path without `/Resource`, e.g. `Continuity-dev-Region-us-east-1/Quorum/Function`. */
  readonly path: string;
  readonly region: string;
  /** The bundle's entry module (`<asset>/index.mjs`) and the export Lambda calls. */
  readonly file: string;
  readonly exportName: string;
  readonly environment: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  readonly memoryMb: number;
  readonly reservedConcurrency?: number;
  /** Lambda's retries of a failed asynchronous invocation (EventInvokeConfig; default 2). */
  readonly asyncRetries: number;
}

export interface RouteSpec {
  readonly region: string;
  readonly apiLogicalId: string;
  /** e.g. `GET /contexts/{token}` */
  readonly routeKey: string;
  readonly functionKey: string;
  readonly payloadFormatVersion: string;
}

export interface FunctionUrlSpec {
  readonly region: string;
  readonly logicalId: string;
  readonly functionKey: string;
  readonly authType: string;
}

export interface SecretSpec {
  readonly name: string;
  /** Regions that hold it: the stack's and its replicas. */
  readonly regions: readonly string[];
  /** What CloudFormation would generate: the template object with one random key. */
  readonly generate?: { readonly templateJson: string; readonly key: string; readonly length: number };
  /** The value the template gives it (`SecretString`, e.g. a placeholder an operator replaces). */
  readonly value?: string;
}

/** A stack output: its stack and the resource attribute it publishes. */
export interface OutputSpec {
  readonly stackName: string;
  readonly region: string;
  readonly outputName: string;
  readonly logicalId: string;
  readonly attribute: string;
}

export interface DeploymentSpec {
  readonly functions: readonly FunctionSpec[];
  readonly rules: readonly SynthesizedRule[];
  readonly routes: readonly RouteSpec[];
  readonly functionUrls: readonly FunctionUrlSpec[];
  readonly outputs: readonly OutputSpec[];
  readonly secrets: readonly SecretSpec[];
}

export class TemplateError extends Error {
  constructor(message: string) {
    super(`synthesized template: ${message}`);
    this.name = 'TemplateError';
  }
}

const DEFAULT_TIMEOUT_S = 3;
const DEFAULT_MEMORY_MB = 128;
const DEFAULT_ASYNC_RETRIES = 2;

/**
 * The deployment described by `stacks`, whose bundles live under `assemblyDir` (the cloud assembly
 * the stacks were synthesized into).
 *
 * @example
 * const spec = readDeployment(stacks, '/tmp/drill/cdk.out');
 * spec.functions.find((f) => f.path.endsWith('/Quorum/Function'));
 */
export function readDeployment(stacks: readonly StackTemplate[], assemblyDir: string): DeploymentSpec {
  const functions: FunctionSpec[] = [];
  const routes: RouteSpec[] = [];
  const functionUrls: FunctionUrlSpec[] = [];
  const outputs: OutputSpec[] = [];
  const secrets: SecretSpec[] = [];
  const rules: SynthesizedRule[] = [];
  for (const stack of stacks) {
    const resources = stack.template.Resources;
    const keyOf = (logicalId: string) => `${stack.stackName}/${logicalId}`;
    const retries = asyncRetriesOf(resources);
    for (const [logicalId, resource] of Object.entries(resources)) {
      const p = resource.Properties ?? {};
      const where = `${stack.stackName}/${logicalId}`;
      if (resource.Type === 'AWS::Lambda::Function') {
        functions.push(functionOf(stack, logicalId, resource, assemblyDir, retries.get(logicalId)));
      } else if (resource.Type === 'AWS::ApiGatewayV2::Route') {
        const integrationId = refIn(p.Target, where);
        const integration = resources[integrationId];
        if (integration?.Type !== 'AWS::ApiGatewayV2::Integration')
          throw new TemplateError(`${where}: target ${integrationId} is not an integration`);
        const ip = integration.Properties ?? {};
        routes.push({
          region: stack.region,
          apiLogicalId: refIn(p.ApiId, where),
          routeKey: stringProp(p.RouteKey, `${where} RouteKey`),
          functionKey: keyOf(getAttOf(ip.IntegrationUri, 'Arn', `${stack.stackName}/${integrationId}`)),
          payloadFormatVersion: String(ip.PayloadFormatVersion ?? '1.0'),
        });
      } else if (resource.Type === 'AWS::Lambda::Url') {
        functionUrls.push({
          region: stack.region,
          logicalId,
          functionKey: keyOf(getAttOf(p.TargetFunctionArn, 'Arn', where)),
          authType: stringProp(p.AuthType, `${where} AuthType`),
        });
      } else if (resource.Type === 'AWS::SecretsManager::Secret') {
        secrets.push(secretOf(p, stack.region, where));
      }
    }
    for (const [outputName, output] of Object.entries(stack.template.Outputs ?? {})) {
      const att = (output.Value as { 'Fn::GetAtt'?: unknown })?.['Fn::GetAtt'];
      if (!Array.isArray(att) || att.length !== 2) continue;
      outputs.push({
        stackName: stack.stackName,
        region: stack.region,
        outputName,
        logicalId: String(att[0]),
        attribute: String(att[1]),
      });
    }
    rules.push(...rulesOfTemplate(resources, stack.region));
  }
  checkWiring(functions, rules, routes, functionUrls);
  return { functions, rules, routes, functionUrls, outputs, secrets };
}

/**
 * What a deployment could not run with: a rule that neither matches events nor runs on a schedule, a
 * route or rule target that is no function, and a function nothing invokes (no rule, route or URL),
 * which in this app is always a wiring mistake (a deleted schedule, a route pointing elsewhere).
 */
function checkWiring(
  functions: readonly FunctionSpec[],
  rules: readonly SynthesizedRule[],
  routes: readonly RouteSpec[],
  urls: readonly FunctionUrlSpec[],
): void {
  const problems: string[] = [];
  const byKey = new Map(functions.map((f) => [f.key, f]));
  const byPath = new Set(functions.map((f) => f.path));
  const invoked = new Set<string>();
  for (const rule of rules) {
    if (rule.pattern === undefined && rule.schedule === undefined)
      problems.push(`rule ${rule.path} has neither an EventPattern nor a ScheduleExpression`);
    for (const target of rule.targets) {
      if (target.kind !== 'function') continue;
      if (!byPath.has(target.path))
        problems.push(`rule ${rule.path} targets ${target.path}, which is no function`);
      invoked.add(target.path);
    }
  }
  for (const route of routes) {
    const fn = byKey.get(route.functionKey);
    if (fn === undefined)
      problems.push(
        `route ${route.routeKey} (${route.region}) targets ${route.functionKey}, which is no function`,
      );
    else invoked.add(fn.path);
  }
  for (const url of urls) {
    const fn = byKey.get(url.functionKey);
    if (fn === undefined)
      problems.push(`function URL ${url.logicalId} targets ${url.functionKey}, which is no function`);
    else invoked.add(fn.path);
  }
  for (const fn of functions) {
    if (!invoked.has(fn.path))
      problems.push(`function ${fn.path} is invoked by no rule, schedule, route or URL`);
  }
  if (problems.length > 0) throw new TemplateError(problems.join('; '));
}

function functionOf(
  stack: StackTemplate,
  logicalId: string,
  resource: CfnResource,
  assemblyDir: string,
  asyncRetries: number | undefined,
): FunctionSpec {
  const p = resource.Properties ?? {};
  const where = `${stack.stackName}/${logicalId}`;
  const asset = resource.Metadata?.['aws:asset:path'];
  if (typeof asset !== 'string')
    throw new TemplateError(`${where} has no bundled asset (aws:asset:path); synthesize with bundling`);
  const handler = stringProp(p.Handler, `${where} Handler`);
  const dot = handler.lastIndexOf('.');
  if (dot <= 0) throw new TemplateError(`${where} Handler ${handler} is not <file>.<export>`);
  const variables = ((p.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ??
    {}) as Record<string, unknown>;
  const environment: Record<string, string> = {};
  for (const [name, value] of Object.entries(variables)) {
    if (typeof value !== 'string')
      throw new TemplateError(
        `${where} environment ${name} is not a plain string (${JSON.stringify(value)})`,
      );
    environment[name] = value;
  }
  const path = String(resource.Metadata?.['aws:cdk:path'] ?? where).replace(/\/Resource$/, '');
  return {
    key: where,
    stackName: stack.stackName,
    logicalId,
    path,
    region: stack.region,
    file: join(assemblyDir, asset, `${handler.slice(0, dot)}.mjs`),
    exportName: handler.slice(dot + 1),
    environment,
    timeoutMs: Number(p.Timeout ?? DEFAULT_TIMEOUT_S) * 1000,
    memoryMb: Number(p.MemorySize ?? DEFAULT_MEMORY_MB),
    ...(typeof p.ReservedConcurrentExecutions === 'number'
      ? { reservedConcurrency: p.ReservedConcurrentExecutions }
      : {}),
    asyncRetries: asyncRetries ?? DEFAULT_ASYNC_RETRIES,
  };
}

function asyncRetriesOf(resources: Record<string, CfnResource>): Map<string, number> {
  const retries = new Map<string, number>();
  for (const [logicalId, r] of Object.entries(resources)) {
    if (r.Type !== 'AWS::Lambda::EventInvokeConfig') continue;
    const p = r.Properties ?? {};
    const fn = refIn(p.FunctionName, logicalId);
    retries.set(fn, Number(p.MaximumRetryAttempts ?? DEFAULT_ASYNC_RETRIES));
  }
  return retries;
}

function secretOf(p: Record<string, unknown>, region: string, where: string): SecretSpec {
  const replicas = ((p.ReplicaRegions ?? []) as { Region?: unknown }[]).map((r) => String(r.Region));
  const g = p.GenerateSecretString as
    | { SecretStringTemplate?: string; GenerateStringKey?: string; PasswordLength?: number }
    | undefined;
  if (p.SecretString !== undefined && typeof p.SecretString !== 'string')
    throw new TemplateError(
      `${where} SecretString is not a plain string (${JSON.stringify(p.SecretString)})`,
    );
  return {
    name: stringProp(p.Name, `${where} Name`),
    regions: [region, ...replicas],
    ...(typeof p.SecretString === 'string' ? { value: p.SecretString } : {}),
    ...(g?.GenerateStringKey
      ? {
          generate: {
            templateJson: g.SecretStringTemplate ?? '{}',
            key: g.GenerateStringKey,
            length: g.PasswordLength ?? 32,
          },
        }
      : {}),
  };
}

function stringProp(value: unknown, what: string): string {
  if (typeof value !== 'string' || value === '') throw new TemplateError(`${what} is missing`);
  return value;
}

/** `{Ref: X}` or `integrations/{Ref: X}` (Fn::Join) -> X. */
function refIn(value: unknown, where: string): string {
  const text = JSON.stringify(value ?? null);
  const ref = /"Ref":"([^"]+)"/.exec(text);
  if (ref?.[1]) return ref[1];
  throw new TemplateError(`${where}: expected a Ref, found ${text}`);
}

function getAttOf(value: unknown, attribute: string, where: string): string {
  const att = (value as { 'Fn::GetAtt'?: unknown } | undefined)?.['Fn::GetAtt'];
  if (Array.isArray(att) && att[1] === attribute && typeof att[0] === 'string') return att[0];
  throw new TemplateError(
    `${where}: expected Fn::GetAtt [<resource>, ${attribute}], found ${JSON.stringify(value)}`,
  );
}
