import { DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { CrmEvent } from '../../../functions/context/crm-event.js';
import { dynamoCrmEventStore } from '../../../functions/context/crm-event-store.js';

/**
 * The adapter's answer to a transaction DynamoDB cancels because two deliveries of one event raced.
 * DynamoDB Local does not produce `TransactionConflict` on demand, so the cancellation is mocked here;
 * the integration test (crm-webhook.test.ts) races real deliveries against DynamoDB Local.
 */

const doc = mockClient(DynamoDBDocumentClient);
const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const NOW = Date.parse('2026-06-15T12:00:00Z');
const event: CrmEvent = {
  eventId: 'evt-0001',
  conversationId: '3f0c9a52-6b1e-4c2d-9a8f-0e1d2c3b4a59',
  occurredAt: '2026-06-15T11:59:00.000Z',
  type: 'ivr.selection',
  data: { menu: 'main', choice: 'billing' },
};

function canceled(...codes: string[]): TransactionCanceledException {
  return new TransactionCanceledException({
    message: 'Transaction cancelled',
    $metadata: {},
    CancellationReasons: codes.map((Code) => ({ Code })),
  });
}

function store() {
  const pauses: number[] = [];
  const crm = dynamoCrmEventStore(client, 'crm', {
    sleep: async (ms) => {
      pauses.push(ms);
    },
    random: () => 0.5,
  });
  return { crm, pauses };
}

beforeEach(() => {
  doc.reset();
});

describe('dynamoCrmEventStore.accept under a transaction race', () => {
  it('retries a TransactionConflict and accepts when the retry goes through', async () => {
    doc.on(TransactWriteCommand).rejectsOnce(canceled('TransactionConflict', 'None')).resolves({});
    const { crm, pauses } = store();

    const result = await crm.accept(event, { nowMs: NOW, ttlHours: 24 });

    expect(result).toBe('accepted');
    expect(doc.commandCalls(TransactWriteCommand)).toHaveLength(2);
    expect(pauses).toEqual([25]);
  });

  it('answers duplicate when the retry finds the marker the winning delivery wrote', async () => {
    doc
      .on(TransactWriteCommand)
      .rejectsOnce(canceled('TransactionConflict', 'TransactionConflict'))
      .rejects(canceled('ConditionalCheckFailed', 'None'));
    const { crm } = store();

    await expect(crm.accept(event, { nowMs: NOW, ttlHours: 24 })).resolves.toBe('duplicate');
  });

  it('reads the marker after the last conflicting attempt and answers duplicate when it is stored', async () => {
    // Prepare: every attempt conflicts; the other delivery's marker is there
    doc.on(TransactWriteCommand).rejects(canceled('TransactionConflict', 'None'));
    doc.on(GetCommand).resolves({ Item: { pk: 'CRMEVT#evt-0001', sk: 'ID', expiresAt: NOW / 1000 + 3600 } });
    const { crm, pauses } = store();

    // Act
    const result = await crm.accept(event, { nowMs: NOW, ttlHours: 24 });

    // Assess: three attempts, growing jittered pauses, one consistent read of the marker
    expect(result).toBe('duplicate');
    expect(doc.commandCalls(TransactWriteCommand)).toHaveLength(3);
    expect(pauses).toEqual([25, 50]);
    const reads = doc.commandCalls(GetCommand);
    expect(reads).toHaveLength(1);
    expect(reads[0]?.args[0].input).toEqual({
      TableName: 'crm',
      Key: { pk: 'CRMEVT#evt-0001', sk: 'ID' },
      ConsistentRead: true,
    });
  });

  it('fails when the conflict persists and no marker (or only an expired one) is stored: the sender retries', async () => {
    doc.on(TransactWriteCommand).rejects(canceled('TransactionConflict', 'None'));
    doc
      .on(GetCommand)
      .resolvesOnce({})
      .resolves({ Item: { expiresAt: NOW / 1000 - 1 } });
    const { crm } = store();

    await expect(crm.accept(event, { nowMs: NOW, ttlHours: 24 })).rejects.toThrow('Transaction cancelled');
    await expect(crm.accept(event, { nowMs: NOW, ttlHours: 24 })).rejects.toThrow('Transaction cancelled');
  });

  it('does not retry other cancellations', async () => {
    doc.on(TransactWriteCommand).rejects(canceled('None', 'ValidationError'));
    const { crm, pauses } = store();

    await expect(crm.accept(event, { nowMs: NOW, ttlHours: 24 })).rejects.toThrow('Transaction cancelled');
    expect(doc.commandCalls(TransactWriteCommand)).toHaveLength(1);
    expect(pauses).toEqual([]);
  });
});
