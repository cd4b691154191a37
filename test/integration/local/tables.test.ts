import {
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataStack } from '../../../lib/stacks/data-stack.js';
import { synthesizeTableSpecs } from '../../../local/dynamo/synth.js';
import { type LocalWorld, startLocalWorld } from '../../../local/dynamo/world.js';

const A = 'us-east-1';
const B = 'us-west-2';

interface CfnTableProps {
  TableName: string;
  KeySchema: unknown[];
  AttributeDefinitions: unknown[];
  TimeToLiveSpecification?: { AttributeName: string; Enabled: boolean };
  MultiRegionConsistency?: string;
}

describe('local tables made from the synthesized stacks', () => {
  let world: LocalWorld;
  let declared: Map<string, CfnTableProps>;
  beforeAll(async () => {
    world = await startLocalWorld({ env: 'dev' });
    // An independent synthesis, read here without the local reader, to compare against.
    const template = Template.fromStack(new DataStack(new App(), 'Data', { config: world.config }));
    declared = new Map(
      Object.values(template.findResources('AWS::DynamoDB::GlobalTable')).map((r) => {
        const props = r.Properties as CfnTableProps;
        return [props.TableName, props];
      }),
    );
  });
  afterAll(async () => {
    await world?.stop();
  });

  const describeIn = async (client: DynamoDBClient, TableName: string) => {
    const [table, ttl] = await Promise.all([
      client.send(new DescribeTableCommand({ TableName })),
      client.send(new DescribeTimeToLiveCommand({ TableName })),
    ]);
    return { table: table.Table, ttl: ttl.TimeToLiveDescription };
  };

  it('reads the three global tables and the witness table from the templates', () => {
    // Act
    const modes = Object.fromEntries(
      world.specs.map((s) => [s.tableName, `${s.mode} ${s.regions.join(',')}`]),
    );
    // Assess
    expect(modes).toEqual({
      [world.tables.contextCache]: `MREC ${A},${B}`,
      [world.tables.crmEvents]: `MREC ${A},${B}`,
      [world.tables.controlState]: `MRSC ${A},${B}`,
      [world.tables.witnessState]: `REGIONAL ${world.witness}`,
    });
  });

  it('made them from what a fresh synthesis gives (the on-disk synthesis cache is not stale)', async () => {
    // Act
    const fresh = await synthesizeTableSpecs(world.config, { cache: false });
    // Assess
    expect(world.specs).toEqual(fresh);
  });

  it.each([
    ['contextCache', A],
    ['contextCache', B],
    ['crmEvents', A],
    ['crmEvents', B],
  ] as const)(
    'gives %s in %s the declared keys, TTL attribute and a replication stream',
    async (table, region) => {
      // Prepare
      const name = world.tables[table];
      const cfn = declared.get(name);
      // Act
      const local = await describeIn(world.region(region).client, name);
      // Assess
      expect(local.table?.KeySchema).toEqual(cfn?.KeySchema);
      expect(local.table?.AttributeDefinitions).toEqual(
        expect.arrayContaining(cfn?.AttributeDefinitions ?? [null]),
      );
      expect(local.ttl).toEqual({
        AttributeName: cfn?.TimeToLiveSpecification?.AttributeName,
        TimeToLiveStatus: 'ENABLED',
      });
      expect(cfn?.TimeToLiveSpecification?.AttributeName).toBe('expiresAt');
      expect(local.table?.StreamSpecification?.StreamViewType).toBe('NEW_AND_OLD_IMAGES');
    },
  );

  it.each([A, B])(
    'serves ControlState in %s from the one control store, with the declared keys and no TTL',
    async (region) => {
      // Prepare
      const cfn = declared.get(world.tables.controlState);
      // Act
      const local = await describeIn(world.region(region).client, world.tables.controlState);
      const direct = await describeIn(world.control.client, world.tables.controlState);
      // Assess
      expect(cfn?.MultiRegionConsistency).toBe('STRONG');
      expect(local.table?.KeySchema).toEqual(cfn?.KeySchema);
      expect(local.table?.TableArn).toBe(direct.table?.TableArn);
      expect(local.table?.CreationDateTime).toEqual(direct.table?.CreationDateTime);
      expect(local.ttl?.TimeToLiveStatus).toBe('DISABLED');
    },
  );

  it('keeps the witness table in the witness region only', async () => {
    // Act
    const inWitness = await describeIn(world.region(world.witness).client, world.tables.witnessState);
    const inActive = world
      .region(A)
      .client.send(new DescribeTableCommand({ TableName: world.tables.witnessState }));
    // Assess
    expect(inWitness.table?.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    await expect(inActive).rejects.toBeInstanceOf(ResourceNotFoundException);
  });
});
