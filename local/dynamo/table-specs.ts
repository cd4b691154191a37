import type {
  AttributeDefinition,
  CreateTableCommandInput,
  GlobalSecondaryIndex,
  KeySchemaElement,
  LocalSecondaryIndex,
  StreamViewType,
} from '@aws-sdk/client-dynamodb';

/**
 * How a table of the synthesized templates is laid out across regions:
 * - `MREC`: a global table with eventual consistency, one replica per listed region;
 * - `MRSC`: a global table with strong consistency: locally ONE store all regions reach;
 * - `REGIONAL`: a table in one region only (e.g. the witness region's own table).
 */
export type TableMode = 'MREC' | 'MRSC' | 'REGIONAL';

/** A table as the template declares it, reduced to what DynamoDB Local needs. */
export interface LocalTableSpec {
  readonly logicalId: string;
  readonly tableName: string;
  readonly mode: TableMode;
  /** Replica regions (global tables) or the one region of a regional table. */
  readonly regions: readonly string[];
  readonly keySchema: readonly KeySchemaElement[];
  readonly attributeDefinitions: readonly AttributeDefinition[];
  readonly globalSecondaryIndexes: readonly GlobalSecondaryIndex[];
  readonly localSecondaryIndexes: readonly LocalSecondaryIndex[];
  readonly streamViewType: StreamViewType | undefined;
  /** The TTL attribute when TTL is enabled. */
  readonly ttlAttribute: string | undefined;
}

/** The part of a CloudFormation template this reader looks at. */
export interface CfnTemplate {
  readonly Resources?: Record<
    string,
    { readonly Type?: string; readonly Properties?: Record<string, unknown> }
  >;
}

const TABLE_TYPES = new Set(['AWS::DynamoDB::GlobalTable', 'AWS::DynamoDB::Table']);

/**
 * Reads the DynamoDB tables of a synthesized template (`AWS::DynamoDB::GlobalTable` and
 * `AWS::DynamoDB::Table`). `stackRegion` is where an `AWS::DynamoDB::Table` lives.
 * Fails, naming the resource, when a value the local tables need is not a literal.
 *
 * @example
 * const specs = tableSpecsFromTemplate(Template.fromStack(dataStack).toJSON(), 'us-east-1');
 */
export function tableSpecsFromTemplate(template: CfnTemplate, stackRegion: string): LocalTableSpec[] {
  const specs: LocalTableSpec[] = [];
  for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
    if (resource.Type === undefined || !TABLE_TYPES.has(resource.Type)) continue;
    const p = resource.Properties ?? {};
    const where = `${resource.Type} ${logicalId}`;
    const tableName = literal(p.TableName, `${where}.TableName`);
    const global = resource.Type === 'AWS::DynamoDB::GlobalTable';
    const replicaRegions = global
      ? list<{ Region?: unknown }>(p.Replicas, `${where}.Replicas`).map((r, i) =>
          literal(r.Region, `${where}.Replicas[${i}].Region`),
        )
      : [stackRegion];
    const mode: TableMode =
      p.MultiRegionConsistency === 'STRONG'
        ? 'MRSC'
        : global && replicaRegions.length > 1
          ? 'MREC'
          : 'REGIONAL';
    const ttl = p.TimeToLiveSpecification as { AttributeName?: unknown; Enabled?: unknown } | undefined;
    const stream = p.StreamSpecification as { StreamViewType?: unknown } | undefined;
    specs.push({
      logicalId,
      tableName,
      mode,
      regions: [...replicaRegions].sort(),
      keySchema: list<KeySchemaElement>(p.KeySchema, `${where}.KeySchema`),
      attributeDefinitions: list<AttributeDefinition>(
        p.AttributeDefinitions,
        `${where}.AttributeDefinitions`,
      ),
      globalSecondaryIndexes: optionalList<Record<string, unknown>>(p.GlobalSecondaryIndexes).map((gsi) => ({
        IndexName: gsi.IndexName as string,
        KeySchema: gsi.KeySchema as KeySchemaElement[],
        Projection: gsi.Projection as GlobalSecondaryIndex['Projection'],
      })),
      localSecondaryIndexes: optionalList<Record<string, unknown>>(p.LocalSecondaryIndexes).map((lsi) => ({
        IndexName: lsi.IndexName as string,
        KeySchema: lsi.KeySchema as KeySchemaElement[],
        Projection: lsi.Projection as LocalSecondaryIndex['Projection'],
      })),
      streamViewType: stream?.StreamViewType as StreamViewType | undefined,
      ttlAttribute:
        ttl !== undefined && ttl.Enabled !== false && ttl.AttributeName !== undefined
          ? literal(ttl.AttributeName, `${where}.TimeToLiveSpecification.AttributeName`)
          : undefined,
    });
  }
  return specs;
}

/**
 * The CreateTable input for one local copy of `spec` (on-demand; DynamoDB Local ignores
 * capacity). MREC replicas always get a NEW_AND_OLD_IMAGES stream: the local replicator
 * reads it, as the real service does internally.
 */
export function createTableInput(spec: LocalTableSpec): CreateTableCommandInput {
  const streamViewType = spec.mode === 'MREC' ? 'NEW_AND_OLD_IMAGES' : spec.streamViewType;
  return {
    TableName: spec.tableName,
    BillingMode: 'PAY_PER_REQUEST',
    KeySchema: [...spec.keySchema],
    AttributeDefinitions: [...spec.attributeDefinitions],
    ...(spec.globalSecondaryIndexes.length > 0
      ? { GlobalSecondaryIndexes: [...spec.globalSecondaryIndexes] }
      : {}),
    ...(spec.localSecondaryIndexes.length > 0
      ? { LocalSecondaryIndexes: [...spec.localSecondaryIndexes] }
      : {}),
    ...(streamViewType !== undefined
      ? { StreamSpecification: { StreamEnabled: true, StreamViewType: streamViewType } }
      : {}),
  };
}

function literal(value: unknown, where: string): string {
  if (typeof value !== 'string') {
    throw new Error(
      `${where} = ${JSON.stringify(value)}: the local tables need a literal string here; give the construct a fixed value`,
    );
  }
  return value;
}

function list<T>(value: unknown, where: string): T[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new Error(`${where} = ${JSON.stringify(value)}: expected a non-empty literal list`);
  }
  return value as T[];
}

function optionalList<T>(value: unknown): T[] {
  return Array.isArray(value) ? (value as T[]) : [];
}
