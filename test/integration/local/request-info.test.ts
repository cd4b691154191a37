import { describe, expect, it } from 'vitest';
import { describeRequest } from '../../../local/dynamo/request-info.js';
import { tableSpecsFromTemplate } from '../../../local/dynamo/table-specs.js';

// Plain-data tests of what the region proxy routes and fences on.
const T = (op: string) => `DynamoDB_20120810.${op}`;

describe('describeRequest', () => {
  it.each([
    ['GetItem', { TableName: 'c' }, { tables: ['c'], writes: false, stronglyConsistentRead: false }],
    [
      'GetItem',
      { TableName: 'c', ConsistentRead: true },
      { tables: ['c'], writes: false, stronglyConsistentRead: true },
    ],
    [
      'Query',
      { TableName: 'c', ConsistentRead: true },
      { tables: ['c'], writes: false, stronglyConsistentRead: true },
    ],
    ['PutItem', { TableName: 'c' }, { tables: ['c'], writes: true, stronglyConsistentRead: false }],
    ['UpdateItem', { TableName: 'c' }, { tables: ['c'], writes: true, stronglyConsistentRead: false }],
    ['DeleteItem', { TableName: 'c' }, { tables: ['c'], writes: true, stronglyConsistentRead: false }],
    [
      'BatchGetItem',
      { RequestItems: { c: { Keys: [], ConsistentRead: true }, d: { Keys: [] } } },
      { tables: ['c', 'd'], writes: false, stronglyConsistentRead: true },
    ],
    [
      'BatchWriteItem',
      { RequestItems: { c: [] } },
      { tables: ['c'], writes: true, stronglyConsistentRead: false },
    ],
    [
      'ExecuteStatement',
      { Statement: 'SELECT * FROM "c" WHERE pk = ?', ConsistentRead: true },
      { tables: ['c'], writes: false, stronglyConsistentRead: true },
    ],
    [
      'ExecuteStatement',
      { Statement: "UPDATE c SET v = 1 WHERE pk = 'x'" },
      { tables: ['c'], writes: true, stronglyConsistentRead: false },
    ],
    ['DescribeTable', { TableName: 'c' }, { tables: ['c'], writes: false, stronglyConsistentRead: false }],
    ['ListTables', {}, { tables: [], writes: false, stronglyConsistentRead: false }],
  ])('reads %s %j as %j', (op, body, expected) => {
    expect(describeRequest(T(op), body)).toMatchObject(expected);
  });

  it('collects every table of a transaction and flags it as one', () => {
    // Act
    const info = describeRequest(T('TransactWriteItems'), {
      TransactItems: [{ Put: { TableName: 'c' } }, { ConditionCheck: { TableName: 'd' } }],
    });
    // Assess
    expect(info).toMatchObject({ tables: ['c', 'd'], writes: true, transaction: true });
  });

  it('reads a body that is not JSON as touching no table', () => {
    expect(describeRequest(undefined, 'garbage').tables).toEqual([]);
  });
});

describe('tableSpecsFromTemplate', () => {
  const table = (props: Record<string, unknown>) => ({
    Resources: { T1: { Type: 'AWS::DynamoDB::GlobalTable', Properties: props } },
  });
  const base = {
    TableName: 't',
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
  };

  it.each([
    [{ ...base, Replicas: [{ Region: 'us-west-2' }, { Region: 'us-east-1' }] }, 'MREC'],
    [
      {
        ...base,
        Replicas: [{ Region: 'us-west-2' }, { Region: 'us-east-1' }],
        MultiRegionConsistency: 'STRONG',
      },
      'MRSC',
    ],
    [{ ...base, Replicas: [{ Region: 'us-east-2' }] }, 'REGIONAL'],
  ])('classifies %j as %s', (props, mode) => {
    expect(tableSpecsFromTemplate(table(props), 'us-east-1')[0]?.mode).toBe(mode);
  });

  it('rejects a table name that is not a literal, naming the resource', () => {
    // Prepare
    const template = table({ ...base, TableName: { Ref: 'Name' }, Replicas: [{ Region: 'us-east-1' }] });
    // Act / Assess
    expect(() => tableSpecsFromTemplate(template, 'us-east-1')).toThrow(/GlobalTable T1\.TableName/);
  });

  it('keeps the TTL attribute only when TTL is enabled', () => {
    // Prepare
    const on = table({
      ...base,
      Replicas: [{ Region: 'us-east-1' }],
      TimeToLiveSpecification: { AttributeName: 'e', Enabled: true },
    });
    const off = table({
      ...base,
      Replicas: [{ Region: 'us-east-1' }],
      TimeToLiveSpecification: { AttributeName: 'e', Enabled: false },
    });
    // Act / Assess
    expect(tableSpecsFromTemplate(on, 'us-east-1')[0]?.ttlAttribute).toBe('e');
    expect(tableSpecsFromTemplate(off, 'us-east-1')[0]?.ttlAttribute).toBeUndefined();
  });
});
