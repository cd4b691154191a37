import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { eventBridgePublisher } from '../../../functions/shared/clients/eventbridge.js';
import { lazyEventBridgePublisher } from '../../../functions/shared/clients/eventbridge-lazy.js';
import { PublishError } from '../../../functions/shared/publisher.js';

const eb = mockClient(EventBridgeClient);
const entry = (n: number) => ({
  Source: 'cc.continuity',
  DetailType: 'T',
  Detail: `{"n":${n}}`,
  EventBusName: 'b',
});

describe('eventBridgePublisher', () => {
  beforeEach(() => eb.reset());

  it('sends entries in batches of ten', async () => {
    eb.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [] });
    await eventBridgePublisher(new EventBridgeClient({})).publish(
      Array.from({ length: 23 }, (_, i) => entry(i)),
    );
    const sizes = eb.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries?.length);
    expect(sizes).toEqual([10, 10, 3]);
  });

  it('re-sends only the entries EventBridge reported as failed', async () => {
    eb.on(PutEventsCommand)
      .resolvesOnce({
        FailedEntryCount: 1,
        Entries: [{ EventId: 'a' }, { ErrorCode: 'ThrottlingException' }],
      })
      .resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'b' }] });
    await eventBridgePublisher(new EventBridgeClient({})).publish([entry(1), entry(2)]);
    const calls = eb.commandCalls(PutEventsCommand);
    expect(calls).toHaveLength(2);
    expect(calls[1]?.args[0].input.Entries).toEqual([entry(2)]);
  });

  it('fails with PublishError naming the codes when entries keep failing', async () => {
    eb.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure' }] });
    const publishing = eventBridgePublisher(new EventBridgeClient({}), 2).publish([entry(1)]);
    await expect(publishing).rejects.toBeInstanceOf(PublishError);
    await expect(publishing).rejects.toThrow('InternalFailure');
    expect(eb.commandCalls(PutEventsCommand)).toHaveLength(2);
  });
});

const LAZY_CONFIG = { region: 'us-east-1', endpoints: { dynamodb: {} } };

describe('lazyEventBridgePublisher', () => {
  beforeEach(() => eb.reset());

  it('publishes under the same rules as the eager publisher: batches of ten, failed entries re-sent', async () => {
    // Prepare
    eb.on(PutEventsCommand)
      .resolvesOnce({
        FailedEntryCount: 1,
        Entries: [{ EventId: 'a' }, { ErrorCode: 'ThrottlingException' }],
      })
      .resolves({ FailedEntryCount: 0, Entries: [] });
    const publisher = lazyEventBridgePublisher(LAZY_CONFIG);

    // Act
    await publisher.publish(Array.from({ length: 12 }, (_, i) => entry(i)));

    // Assess
    const sent = eb.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries?.map((e) => e.Detail));
    expect(sent).toEqual([
      Array.from({ length: 10 }, (_, i) => `{"n":${i}}`),
      ['{"n":1}'],
      ['{"n":10}', '{"n":11}'],
    ]);
  });

  it('fails a publish whose entries keep failing, and publishes again afterwards', async () => {
    eb.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure' }] });
    const publisher = lazyEventBridgePublisher(LAZY_CONFIG);

    await expect(publisher.publish([entry(1)])).rejects.toBeInstanceOf(PublishError);
    eb.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'x' }] });
    await expect(publisher.publish([entry(2)])).resolves.toBeUndefined();
  });
});
