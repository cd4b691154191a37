import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { eventBridgePublisher } from '../../../functions/shared/clients/eventbridge.js';
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
