import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { loadConfig } from '../../config/load.js';
import type { ContinuityConfig } from '../../config/schema.js';
import { type TableNames, tableNames } from '../../functions/shared/names.js';
import {
  type RegionFaults,
  type RegionProxy,
  type StoreIdentity,
  startRegionProxy,
} from './control-proxy.js';
import { type DynamoLocal, LOCAL_CREDENTIALS, startDynamoLocal } from './launcher.js';
import { freePort } from './ports.js';
import { type ReplicationControls, type Replicator, startReplicator } from './replicator.js';
import { synthesizeTableSpecs } from './synth.js';
import type { LocalTableSpec } from './table-specs.js';
import { createLocalTables, placeTables } from './tables.js';

export interface LocalWorldOptions {
  /** @default 'dev' - the environment whose config/<env>.json and stacks define the tables */
  readonly env?: string;
  /** @default loadConfig(env) */
  readonly config?: ContinuityConfig;
  /** @default config.regions.active - must be the config's active regions */
  readonly regions?: readonly string[];
  /** @default config.regions.witness - must be the config's witness */
  readonly witness?: string;
  /** @default 15 - stream poll interval of the replicator (see ReplicatorOptions) */
  readonly pollIntervalMs?: number;
  /** @default true - reuse a cached synthesis of identical stack sources (see synth.ts) */
  readonly synthCache?: boolean;
}

/** One region as its functions see it. */
export interface RegionView {
  readonly region: string;
  /** The region's DynamoDB endpoint (its proxy): pass it to any client made for this region. */
  readonly endpoint: string;
  /** Ready-made clients for the region (SDK defaults otherwise, including retries). */
  readonly client: DynamoDBClient;
  readonly doc: DynamoDBDocumentClient;
  /** Injected latency / throttling on every request of this region. */
  setFaults(faults: RegionFaults): void;
  /** Requests of one operation on one table this region's endpoint received (see RegionProxy). */
  received(operation: string, table: string): number;
}

/** Two active regions and a witness on one machine. */
export interface LocalWorld {
  readonly config: ContinuityConfig;
  readonly tables: TableNames;
  /** The tables as synthesized from the Data and Witness stacks. */
  readonly specs: readonly LocalTableSpec[];
  readonly regions: readonly string[];
  readonly witness: string;
  /** The DynamoDB Local JVM behind everything. */
  readonly dynamo: Pick<DynamoLocal, 'endpoint' | 'pid'>;
  /** How long startLocalWorld took, in ms. */
  readonly startupMs: number;
  region(name: string): RegionView;
  /** MREC replication between the active regions (ContextCache, CrmEvents). */
  readonly replication: ReplicationControls;
  /** `region` loses its MRSC quorum: ControlState writes and strong reads there fail. */
  partition(region: string): void;
  heal(region: string): void;
  isPartitioned(region: string): boolean;
  /** The control store directly, bypassing every region's proxy and partition (test set-up). */
  readonly control: { readonly client: DynamoDBClient; readonly doc: DynamoDBDocumentClient };
  /** Stops replication, the proxies and the JVM; always tries every step. */
  stop(): Promise<void>;
}

/**
 * Starts the local AWS stand-in for the data layer: one DynamoDB Local JVM holding each
 * active region's replicas, the shared MRSC control store and the witness region's table,
 * all created from the synthesized stacks; a replicator for the MREC tables; one endpoint
 * (proxy) per region. Stop it with `await world.stop()` in an `afterAll`.
 *
 * @example
 * const world = await startLocalWorld({ env: 'dev' });
 * await world.region('us-east-1').doc.send(new PutCommand({ TableName: world.tables.contextCache, Item }));
 * world.replication.cut('us-east-1', 'us-west-2');
 * world.partition('us-west-2');
 */
export async function startLocalWorld(options: LocalWorldOptions = {}): Promise<LocalWorld> {
  const startedAt = performance.now();
  const config = options.config ?? loadConfig(options.env ?? 'dev');
  const regions = checkRegions(options.regions, config.regions.active, 'regions');
  const witness = checkRegions(
    options.witness ? [options.witness] : undefined,
    [config.regions.witness],
    'witness',
  )[0];
  if (witness === undefined) throw new Error('startLocalWorld: no witness region');
  const control: StoreIdentity = { accessKeyId: 'mrsccontrol', region: regions[0] as string };

  // Spawn first, then synthesize while the JVM boots (a synthesis blocks the event loop).
  const booting = startDynamoLocal({ port: await freePort() });
  let specs: LocalTableSpec[];
  try {
    specs = await synthesizeTableSpecs(config, { cache: options.synthCache });
  } catch (e) {
    await booting.then((d) => d.stop()).catch(() => undefined);
    throw e;
  }
  const dynamo = await booting;
  const proxies = new Map<string, RegionProxy>();
  const clients: DynamoDBClient[] = [];
  let replicator: Replicator | undefined;

  const stop = async (): Promise<void> => {
    const steps = [
      () => replicator?.stop(),
      ...[...proxies.values()].map((p) => () => p.close()),
      () => {
        for (const c of clients) c.destroy();
      },
    ];
    const failures: unknown[] = [];
    for (const step of steps)
      await Promise.resolve()
        .then(step)
        .catch((e) => failures.push(e));
    await dynamo.stop();
    if (failures.length > 0) throw new AggregateError(failures, 'local world: some parts failed to stop');
  };

  try {
    await createLocalTables(dynamo.endpoint, placeTables(specs, control));
    const mrec = specs.filter((s) => s.mode === 'MREC').map((s) => s.tableName);
    const mrsc = specs.filter((s) => s.mode === 'MRSC').map((s) => s.tableName);
    replicator = await startReplicator({
      endpoint: dynamo.endpoint,
      regions,
      tables: mrec,
      pollIntervalMs: options.pollIntervalMs,
    });
    for (const region of regions) {
      proxies.set(
        region,
        await startRegionProxy({
          region,
          upstream: dynamo.endpoint,
          controlTables: mrsc,
          controlIdentity: control,
        }),
      );
    }
    // The witness holds no MRSC replica: its endpoint reaches only its own regional table.
    proxies.set(witness, await startRegionProxy({ region: witness, upstream: dynamo.endpoint }));
  } catch (e) {
    await stop().catch(() => undefined);
    throw e;
  }

  const makeClient = (
    region: string,
    endpoint: string,
    credentials: { accessKeyId: string; secretAccessKey: string } = LOCAL_CREDENTIALS,
  ) => {
    const client = new DynamoDBClient({ region, endpoint, credentials });
    clients.push(client);
    return client;
  };
  const views = new Map<string, RegionView>();
  for (const [region, proxy] of proxies) {
    const client = makeClient(region, proxy.endpoint);
    views.set(region, {
      region,
      endpoint: proxy.endpoint,
      client,
      doc: DynamoDBDocumentClient.from(client),
      setFaults: (faults) => proxy.setFaults(faults),
      received: (operation, table) => proxy.received(operation, table),
    });
  }
  const controlClient = makeClient(control.region, dynamo.endpoint, {
    accessKeyId: control.accessKeyId,
    secretAccessKey: LOCAL_CREDENTIALS.secretAccessKey,
  });
  const activeProxy = (region: string): RegionProxy => {
    const proxy = regions.includes(region) ? proxies.get(region) : undefined;
    if (proxy === undefined) {
      throw new Error(
        `${region} is not an active region (${regions.join(', ')}); only those hold ControlState`,
      );
    }
    return proxy;
  };
  const running = replicator;

  return {
    config,
    tables: tableNames(config.env),
    specs,
    regions,
    witness,
    dynamo: { endpoint: dynamo.endpoint, pid: dynamo.pid },
    startupMs: performance.now() - startedAt,
    region(name) {
      const view = views.get(name);
      if (view === undefined)
        throw new Error(`no region ${name} in this world (${[...views.keys()].join(', ')})`);
      return view;
    },
    replication: running,
    partition: (region) => activeProxy(region).partition(),
    heal: (region) => activeProxy(region).heal(),
    isPartitioned: (region) => activeProxy(region).partitioned,
    control: { client: controlClient, doc: DynamoDBDocumentClient.from(controlClient) },
    stop,
  };
}

function checkRegions(
  given: readonly string[] | undefined,
  configured: readonly string[],
  what: string,
): string[] {
  if (given === undefined) return [...configured];
  const same = given.length === configured.length && given.every((r) => configured.includes(r));
  if (!same) {
    throw new Error(
      `startLocalWorld: ${what} ${JSON.stringify(given)} differ from the config (${JSON.stringify(configured)}); ` +
        'the tables come from the stacks of that config, so pass the same regions or omit them',
    );
  }
  return [...given];
}
