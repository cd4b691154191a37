import { CreateTableCommand, DynamoDBClient, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import type { StoreIdentity } from './control-proxy.js';
import { LOCAL_CREDENTIALS } from './launcher.js';
import { createTableInput, type LocalTableSpec } from './table-specs.js';

/** One local copy of a table: which table, in which DynamoDB Local database. */
export interface TablePlacement {
  readonly spec: LocalTableSpec;
  /** The SigV4 access key + region that selects the database in DynamoDB Local. */
  readonly store: StoreIdentity;
}

/**
 * Where each table lives locally: an MREC table gets one copy per replica region, the MRSC
 * table one copy in the shared control store, a regional table one copy in its region.
 */
export function placeTables(specs: readonly LocalTableSpec[], control: StoreIdentity): TablePlacement[] {
  return specs.flatMap((spec): TablePlacement[] => {
    if (spec.mode === 'MRSC') return [{ spec, store: control }];
    return spec.regions.map((region) => ({
      spec,
      store: { accessKeyId: LOCAL_CREDENTIALS.accessKeyId, region },
    }));
  });
}

/**
 * Creates every placed table (CreateTable, then UpdateTimeToLive when the template enables
 * TTL) in DynamoDB Local at `endpoint`. DynamoDB Local makes tables ACTIVE at once.
 */
export async function createLocalTables(
  endpoint: string,
  placements: readonly TablePlacement[],
): Promise<void> {
  const clients = new Map<string, DynamoDBClient>();
  const clientFor = (store: StoreIdentity): DynamoDBClient => {
    const id = `${store.accessKeyId}/${store.region}`;
    let client = clients.get(id);
    if (client === undefined) {
      client = new DynamoDBClient({
        endpoint,
        region: store.region,
        credentials: { accessKeyId: store.accessKeyId, secretAccessKey: LOCAL_CREDENTIALS.secretAccessKey },
      });
      clients.set(id, client);
    }
    return client;
  };
  try {
    await Promise.all(
      placements.map(async ({ spec, store }) => {
        const client = clientFor(store);
        await client.send(new CreateTableCommand(createTableInput(spec)));
        if (spec.ttlAttribute !== undefined) {
          await client.send(
            new UpdateTimeToLiveCommand({
              TableName: spec.tableName,
              TimeToLiveSpecification: { AttributeName: spec.ttlAttribute, Enabled: true },
            }),
          );
        }
      }),
    );
  } finally {
    for (const client of clients.values()) client.destroy();
  }
}
