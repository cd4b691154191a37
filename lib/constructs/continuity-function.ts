import { dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { type BundlingOptions, LogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { METRICS_NAMESPACE } from '../../functions/shared/logger.js';

/** The one runtime every function of this project runs on (cdk-nag L1 wants the latest). */
export const FUNCTION_RUNTIME = lambda.Runtime.NODEJS_24_X;

/** Metrics namespace shared by every function (functions/shared/logger.ts owns it). */
export { METRICS_NAMESPACE };

/**
 * esbuild's ESM output has no `require`; bundled CommonJS dependencies that call
 * `require('node:...')` need one, so the bundle starts by creating it.
 */
const ESM_REQUIRE_BANNER =
  "import { createRequire as __ccCreateRequire } from 'node:module'; const require = __ccCreateRequire(import.meta.url);";

/** Found from this file, not the working directory, so synth works from any folder. */
const LOCK_FILE = fileURLToPath(new URL('../../package-lock.json', import.meta.url));
const PROJECT_ROOT = dirname(LOCK_FILE);

/**
 * How every function is bundled: locally by esbuild (no Docker) into minified ESM with a source map,
 * the AWS SDK left to the runtime (NodejsFunction's default externals). `npm run bench bundles` builds
 * each entry with these same options to report sizes, contributors and cold starts.
 */
export const FUNCTION_BUNDLING = {
  forceDockerBundling: false,
  format: OutputFormat.ESM,
  mainFields: ['module', 'main'],
  banner: ESM_REQUIRE_BANNER,
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  // Keeps `cdk synth` quiet: esbuild still prints warnings and errors.
  logLevel: LogLevel.WARNING,
} as const satisfies BundlingOptions;

/** Actions that X-Ray only grants on `*`: active tracing adds exactly these. */
const XRAY_WILDCARD_ACTIONS = new Set(['xray:PutTraceSegments', 'xray:PutTelemetryRecords']);

export type FunctionLogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

export interface ContinuityFunctionProps {
  /** The TypeScript entry file: absolute, or relative to the repository root, e.g. `functions/health/handler.ts`. */
  readonly entry: string;
  /**
   * Name of the exported handler in `entry`.
   * @default - 'handler'
   */
  readonly handler?: string;
  /**
   * Powertools service name (logs and metrics dimension).
   * @default - the construct id
   */
  readonly serviceName?: string;
  /** What the function does, shown in the console. @default - no description */
  readonly description?: string;
  /**
   * Extra environment variables; they are merged over the base environment
   * (POWERTOOLS_SERVICE_NAME, POWERTOOLS_METRICS_NAMESPACE, POWERTOOLS_LOG_LEVEL, NODE_OPTIONS).
   * @default - only the base environment
   */
  readonly environment?: Readonly<Record<string, string>>;
  /** @default - 256 MiB */
  readonly memorySize?: number;
  /** @default - 10 seconds */
  readonly timeout?: Duration;
  /** @default - 'INFO' */
  readonly logLevel?: FunctionLogLevel;
  /** How long the function's own log group keeps logs. @default - one month */
  readonly logRetention?: logs.RetentionDays;
  /** @default - no reserved concurrency (shares the account pool) */
  readonly reservedConcurrentExecutions?: number;
}

/**
 * A Node.js Lambda function with the project's defaults: nodejs24.x on ARM64,
 * bundled locally by esbuild (no Docker) into minified ESM with source maps,
 * active X-Ray tracing, its own log group with a retention, and a role that can
 * only write to that log group (no AWS managed policy).
 *
 * The log group and the role are siblings of the function, with ids `<id>LogGroup` and
 * `<id>ServiceRole` (they must exist before the function); `fn.logGroup` and `fn.role` return them.
 *
 * @example
 * const fn = new ContinuityFunction(this, 'Monitor', {
 *   entry: 'functions/health/handler.ts',
 *   environment: { TABLE_NAME: tableNames(env).controlState },
 * });
 * table.grantReadWriteData(fn);
 */
export class ContinuityFunction extends NodejsFunction {
  /** The Powertools service name: the `service` dimension of its metrics and its key in EVENT_EMITTERS. */
  public readonly serviceName: string;
  /** The absolute path of the TypeScript entry file the function is bundled from. */
  public readonly entry: string;

  constructor(scope: Construct, id: string, props: ContinuityFunctionProps) {
    const logGroup = new logs.LogGroup(scope, `${id}LogGroup`, {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
    });
    // Our own role instead of the default one with AWSLambdaBasicExecutionRole:
    // the managed policy would let the function write to every log group.
    const role = new iam.Role(scope, `${id}ServiceRole`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${id}`,
    });
    logGroup.grantWrite(role);
    const logLevel = props.logLevel ?? 'INFO';
    const entry = isAbsolute(props.entry) ? props.entry : join(PROJECT_ROOT, props.entry);

    super(scope, id, {
      entry,
      handler: props.handler ?? 'handler',
      description: props.description,
      runtime: FUNCTION_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.seconds(10),
      tracing: lambda.Tracing.ACTIVE,
      logGroup,
      role,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      depsLockFilePath: LOCK_FILE,
      environment: {
        POWERTOOLS_SERVICE_NAME: props.serviceName ?? id,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        POWERTOOLS_LOG_LEVEL: logLevel,
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      bundling: { ...FUNCTION_BUNDLING, mainFields: [...FUNCTION_BUNDLING.mainFields] },
    });
    this.serviceName = props.serviceName ?? id;
    this.entry = entry;
    const policy = role.node.tryFindChild('DefaultPolicy');
    if (policy) {
      Validations.of(policy).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'Active X-Ray tracing needs xray:PutTraceSegments and xray:PutTelemetryRecords, which support no resource-level ' +
          'permissions. A synth-time check on this policy rejects any other action on "*", so the acknowledgement covers only these two.',
      });
    }
    this.node.addValidation({ validate: () => wildcardActionsBeyondXray(role) });
  }
}

/**
 * The IAM5 acknowledgement above is per policy, not per action; this keeps it honest by
 * failing synth when anything but the X-Ray actions is granted on `*` in the default policy.
 */
function wildcardActionsBeyondXray(role: iam.Role): string[] {
  const policy = role.node.tryFindChild('DefaultPolicy');
  if (!(policy instanceof iam.Policy)) return [];
  const doc = Stack.of(role).resolve(policy.document.toJSON()) as { Statement?: Statement[] } | undefined;
  const problems: string[] = [];
  for (const statement of doc?.Statement ?? []) {
    if (!asList(statement.Resource).includes('*')) continue;
    for (const action of asList(statement.Action)) {
      if (!XRAY_WILDCARD_ACTIONS.has(action)) {
        problems.push(
          `${action} is granted on resource "*" to ${role.node.path}; scope it to the resources the function uses`,
        );
      }
    }
  }
  return problems;
}

interface Statement {
  readonly Action?: string | string[];
  readonly Resource?: string | string[];
}

function asList(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}
