import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { loadConfig } from '../config/load.js';
import { ConfigError } from '../config/schema.js';
import { cloudWatchAlarmReader } from '../functions/routing/alarm-states.js';
import { dynamoControlStore } from '../functions/routing/control-store.js';
import { applyOperatorAction, type OperatorAction } from '../functions/routing/operator.js';
import { quorumSettings } from '../functions/routing/quorum/settings.js';
import { failoverTriggers } from '../functions/routing/quorum/triggers.js';
import type { QuorumDeps } from '../functions/routing/quorum-service.js';
import { formatExplain } from '../functions/routing/status/explain.js';
import { formatStatus } from '../functions/routing/status/format.js';
import { statusJson } from '../functions/routing/status/json.js';
import { readStatus } from '../functions/routing/status/report.js';
import { route53StatusReader } from '../functions/routing/status/route53-status.js';
import {
  cloudWatchClient,
  dynamoDocClient,
  eventBridgeClient,
  eventBridgePublisher,
  route53Client,
} from '../functions/shared/clients.js';
import { alarmNames, busName, tableNames } from '../functions/shared/names.js';
import { memoryPublisher } from '../functions/shared/publisher.js';

const HELP = `cc-continuity: see and steer which regions take calls

Usage:
  npx cc-continuity status  --env <env> [--json]
  npx cc-continuity explain --env <env> [--json]
  npx cc-continuity drain  --env <env> --region <r> --reason "..." [--force]
  npx cc-continuity pin    --env <env> --region <r> --reason "..."
  npx cc-continuity resume --env <env> --region <r>
  npx cc-continuity directory set|get|list|import|export --env <env> ...
  npx cc-continuity cost   --env <env> [--calls-per-day N] [--json]

Commands:
  status   each region's rotation, the votes behind it, replication lag, overrides, the trigger alarms
           and their states, Route 53's health-check status next to the decision, a line for each
           region where DNS and the decision disagree, and the last change
  explain  why the last decision is what it is: the rule's sentence per region, the votes, lag and
           triggers behind it, the overrides and the safety rules that applied
  drain    take a region out of rotation (refused if it would leave fewer than minRegionsInRotation,
           unless --force)
  pin      keep a region in rotation whatever the probes say
  resume   remove the override: the quorum rule decides again
  cost     a monthly estimate of the environment's AWS bill from its config: total, the five biggest
           drivers and what each knob would save (npx cc-continuity cost --help)
  directory
           the queue directory: each logical queue's platform queue id and transfer address per
           region (npx cc-continuity directory --help)

Options:
  --env <env>              environment (config/<env>.json)                       required
  --region <r>             the active region to drain, pin or resume
  --reason "..."           why (stored with the override, shown in status)       drain/pin
  --by <name>              who (default: your OS user name)
  --force                  drain even below minRegionsInRotation
  --via <r>                region whose ControlState replica to use (default: the first active region;
                           use the other one if that region has lost quorum)
  --endpoint <url>         DynamoDB endpoint (local stand-ins, e.g. DynamoDB Local); also
                           CC_CONTINUITY_DYNAMODB_ENDPOINT. Without it: AWS, default credential chain
  --events-endpoint <url>  EventBridge endpoint; with --endpoint and without this, the change event
                           is printed instead of sent
  --route53-endpoint <url> Route 53 endpoint for status (also CC_CONTINUITY_ROUTE53_ENDPOINT); with
                           --endpoint and without this, Route 53 is not read (shown as unknown)
  --cloudwatch-endpoint <url>
                           CloudWatch endpoint for the trigger alarms (also
                           CC_CONTINUITY_CLOUDWATCH_ENDPOINT); with --endpoint and without this, the
                           alarms are not read (status shows them unknown; drain/pin/resume keep the
                           decision's firing triggers)
  --json                   status, explain: one JSON document instead of text
  -h, --help               this text

drain, pin and resume evaluate the quorum rule at once, reading the trigger alarms as the quorum function
does, and print the resulting decision; the change is announced on the ${busName('<env>')} bus like any
other (RegionRotationChanged). A Route 53 or CloudWatch read that fails never fails status: it shows
"unknown (<why>)".
`;

class UsageError extends Error {}

async function main(argv: readonly string[]): Promise<number> {
  if (argv[0] === 'directory') {
    // Its own options and help; loaded only when used.
    const { directoryCommand } = await import('./cli-directory.js');
    return directoryCommand(argv.slice(1));
  }
  if (argv[0] === 'cost') return (await import('./cli-cost.js')).costCommand(argv.slice(1));
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      env: { type: 'string' },
      region: { type: 'string' },
      reason: { type: 'string' },
      by: { type: 'string' },
      force: { type: 'boolean', default: false },
      via: { type: 'string' },
      endpoint: { type: 'string' },
      'events-endpoint': { type: 'string' },
      'route53-endpoint': { type: 'string' },
      'cloudwatch-endpoint': { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const command = positionals[0];
  if (values.help || command === undefined || command === 'help') {
    process.stdout.write(HELP);
    return command === undefined && !values.help ? 2 : 0;
  }
  if (!['status', 'explain', 'drain', 'pin', 'resume'].includes(command))
    throw new UsageError(`unknown command ${command}`);
  if (!values.env) throw new UsageError('--env is required');
  const config = loadConfig(values.env);
  const settings = quorumSettings(config);
  const via = values.via ?? config.regions.active[0];
  if (!config.regions.active.includes(via)) throw new UsageError(`--via ${via} is not an active region`);
  const endpoint = values.endpoint ?? process.env.CC_CONTINUITY_DYNAMODB_ENDPOINT;
  const route53Endpoint = values['route53-endpoint'] ?? process.env.CC_CONTINUITY_ROUTE53_ENDPOINT;
  const cloudWatchEndpoint = values['cloudwatch-endpoint'] ?? process.env.CC_CONTINUITY_CLOUDWATCH_ENDPOINT;
  if ((endpoint || route53Endpoint || cloudWatchEndpoint) && !process.env.AWS_ACCESS_KEY_ID) {
    // The local stand-ins accept any credentials but the SDK still wants some.
    process.env.AWS_ACCESS_KEY_ID = 'local';
    process.env.AWS_SECRET_ACCESS_KEY = 'local';
  }
  // An operator waits longer than Route 53 does, but not forever: a hang means lost quorum in `via`.
  const budgetMs = config.quorum.controlBudgetMs * 5;
  const store = dynamoControlStore({
    doc: dynamoDocClient(via, endpoint, { requestTimeoutMs: budgetMs, maxAttempts: 2 }),
    tableName: tableNames(config.env).controlState,
    budgetMs,
  });
  const now = Date.now();

  if (command === 'explain') {
    const [stored, overrides] = await Promise.all([
      store.readDecision(),
      store.readOverrides(settings.activeRegions),
    ]);
    process.stdout.write(
      values.json
        ? `${JSON.stringify({ env: config.env, decision: stored?.decision ?? null, explanation: stored?.explanation ?? null, overrides }, null, 2)}\n`
        : `${formatExplain(stored, overrides, settings, Date.now())}\n`,
    );
    return 0;
  }

  // A local run (--endpoint) reads CloudWatch and Route 53 only through their stand-ins, never AWS.
  const local = endpoint !== undefined;
  const specs = failoverTriggers(config.env, config.regions.active, config.failover);
  const alarmErrors = new Map<string, string>();
  const cloudWatch = new Map<string, CloudWatchClient>();
  const alarmReader =
    local && cloudWatchEndpoint === undefined
      ? undefined
      : cloudWatchAlarmReader({
          clientFor: (r) => {
            const client =
              cloudWatch.get(r) ??
              cloudWatchClient(r, cloudWatchEndpoint, { requestTimeoutMs: budgetMs, maxAttempts: 2 });
            cloudWatch.set(r, client);
            return client;
          },
          budgetMs,
          onError: (r, error) => alarmErrors.set(r, `${error.name}: ${error.message}`),
        });

  if (command !== 'status') {
    if (!values.region) throw new UsageError(`${command} needs --region`);
    const action: OperatorAction =
      command === 'resume'
        ? { kind: 'resume', region: values.region }
        : {
            kind: command as 'drain' | 'pin',
            region: values.region,
            by: values.by ?? userInfo().username,
            reason: values.reason ?? '',
            force: values.force,
          };
    if (action.kind !== 'resume' && action.reason.trim() === '')
      throw new UsageError(`${command} needs --reason "..."`);
    const eventsLocal = local && values['events-endpoint'] === undefined;
    const publisher = eventsLocal
      ? memoryPublisher()
      : eventBridgePublisher(eventBridgeClient(via, values['events-endpoint']));
    const deps: QuorumDeps = {
      store,
      publisher,
      settings,
      region: via,
      eventBusName: busName(config.env),
      announceGraceMs: 10 * config.quorum.controlBudgetMs,
      // As the quorum function counts lag: a crossing event stands for one sample per probe interval.
      lagSampleIntervalMs: config.health.probeIntervalMs,
      alarmNames: config.regions.active.map((r) => alarmNames(config.env).sipHealth(r)),
      // The same alarms the quorum function reads; without a reader the decision's firing ones are kept.
      ...(alarmReader ? { triggers: { specs, reader: alarmReader } } : {}),
    };
    const { outcome, announced } = await applyOperatorAction(deps, action, now);
    process.stdout.write(`${command} ${values.region}: done\n`);
    for (const c of outcome.conditions) process.stdout.write(`condition ${c.type}: ${c.message}\n`);
    if (announced.length > 0) {
      process.stdout.write(
        `rotation changed (epoch ${announced.join(', ')})${eventsLocal ? ' [local: event not sent]' : ''}\n`,
      );
    } else {
      process.stdout.write('rotation unchanged\n');
    }
    process.stdout.write('\n');
  }
  const skipped = (flag: string) => `not read: --endpoint is local and no ${flag} was given`;
  const report = await readStatus({
    store,
    settings,
    env: config.env,
    ...(local && route53Endpoint === undefined
      ? { dnsSkipped: skipped('--route53-endpoint') }
      : {
          dns: route53StatusReader({
            client: route53Client(route53Endpoint, { requestTimeoutMs: budgetMs, maxAttempts: 3 }),
            budgetMs: 4 * budgetMs,
          }),
        }),
    triggers: { specs, reader: alarmReader, unreadable: (r) => alarmErrors.get(r) },
    triggersSkipped: skipped('--cloudwatch-endpoint'),
    now: Date.now(),
  });
  process.stdout.write(
    values.json
      ? `${JSON.stringify(statusJson(report, settings, Date.now()), null, 2)}\n`
      : `${formatStatus(report, settings, Date.now())}\n`,
  );
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (
      error instanceof UsageError ||
      (error instanceof Error && error.name === 'TypeError' && 'code' in error)
    ) {
      process.stderr.write(`${error.message}\n\nRun with --help for usage.\n`);
      process.exitCode = 2;
    } else if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`cc-continuity: ${describeFailure(error)}\n`);
      process.exitCode = 1;
    }
  },
);

/**
 * The error and what caused it: from an operator's seat "quorum lost" may equally be a wrong
 * --endpoint, missing credentials or no network, and the cause tells which.
 */
function describeFailure(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? error.cause : undefined;
  if (cause === undefined) return error.message;
  const code = (cause as { code?: unknown }).code;
  const detail = [cause.name, typeof code === 'string' ? code : undefined, cause.message]
    .filter((part, i, all) => part && all.indexOf(part) === i)
    .join(': ');
  return `${error.message} (cause: ${detail || 'unknown'})`;
}
