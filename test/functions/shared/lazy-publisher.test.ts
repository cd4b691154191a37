import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { build } from 'esbuild';
import { beforeEach, describe, expect, it } from 'vitest';
import { lazyEventBridgePublisher } from '../../../functions/shared/clients/eventbridge-lazy.js';
import { PublishError } from '../../../functions/shared/publisher.js';

const eb = mockClient(EventBridgeClient);
const config = { region: 'us-east-1', endpoints: { dynamodb: {} } };
const entry = (n: number) => ({
  Source: 'cc.continuity',
  DetailType: 'T',
  Detail: `{"n":${n}}`,
  EventBusName: 'b',
});

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
    const publisher = lazyEventBridgePublisher(config);

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
    const publisher = lazyEventBridgePublisher(config);

    await expect(publisher.publish([entry(1)])).rejects.toBeInstanceOf(PublishError);
    eb.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'x' }] });
    await expect(publisher.publish([entry(2)])).resolves.toBeUndefined();
  });
});

describe('the bundles of the functions that rarely publish', () => {
  /** A function bundled as ContinuityFunction does (ESM, the AWS SDK external), unminified for reading. */
  async function bundle(entry: string): Promise<string> {
    const out = await build({
      entryPoints: [entry],
      bundle: true,
      write: false,
      platform: 'node',
      format: 'esm',
      external: ['@aws-sdk/*'],
      logLevel: 'silent',
    });
    return out.outputFiles[0]?.text ?? '';
  }
  const STATIC = /^import\s[^;]*from\s*"@aws-sdk\/client-eventbridge"/m;
  const DYNAMIC = /import\(\s*"@aws-sdk\/client-eventbridge"\s*\)/;

  it.each([
    ['functions/context/handlers/get-context.ts', DYNAMIC],
    ['functions/context/handlers/create-context.ts', DYNAMIC],
    ['functions/context/handlers/crm-webhook.ts', null],
    ['functions/oauth/handler.ts', DYNAMIC],
    ['functions/routing/capacity/reconcile-handler.ts', DYNAMIC],
  ])('%s loads the EventBridge SDK only when it publishes (if ever)', async (entry, lazy) => {
    const text = await bundle(entry);
    expect(text).not.toMatch(STATIC);
    if (lazy) expect(text).toMatch(lazy);
    else expect(text).not.toContain('@aws-sdk/client-eventbridge');
  });

  it('keeps the static import where publishing is the job (the monitor), so the check can see one', async () => {
    expect(await bundle('functions/health/handler.ts')).toMatch(STATIC);
  });
});
