import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhookRouteDeps } from '../../../functions/context/deps.js';
import { crmWebhookRoute } from '../../../functions/context/routes.js';
import { CRM_SIGNATURE_HEADER, signWebhook } from '../../../functions/context/webhook-signature.js';
import { type HttpFront, startHttpFront } from '../../../local/aws/http-front.js';
import { type LocalWorld, startLocalWorld } from '../../../local/dynamo/world.js';
import { lambdaContext } from '../../functions/shared/lambda-fixtures.js';
import { contextRuntimeConfig, mutableSecretsManager } from '../../integration/context/harness.js';

/**
 * The CRM signing examples of integrations/genesys-cloud/crm/, run as a CRM engineer would run them
 * (bash + openssl + curl, and node) against the real `POST /webhooks/crm` handler behind the local
 * HTTP API front, on DynamoDB Local, with the secret read through the functions' own secrets reader
 * from a Secrets Manager value shaped as the Data stack generates it. A proxy between the example and
 * the API changes one byte in transit to show that the signature catches it.
 */

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const CRM_DIR = 'integrations/genesys-cloud/crm';
// What the Data stack generates: 64 characters without punctuation, used as the HMAC key as it is.
const SECRET = randomBytes(48)
  .toString('base64')
  .replace(/[^A-Za-z0-9]/g, 'x')
  .slice(0, 64);

interface Example {
  readonly name: string;
  readonly file: string;
  readonly fence: string;
  readonly command: (script: string) => string;
}

const EXAMPLES: readonly Example[] = [
  { name: 'shell (curl + openssl)', file: 'send-crm-event.sh', fence: 'sh', command: () => 'bash' },
  { name: 'Node', file: 'send-crm-event.mjs', fence: 'js', command: () => process.execPath },
];

/** What the proxy does to a request on its way to the API. */
type Mode = 'pass' | 'body' | 'signature';

interface Seen {
  readonly signature: string;
  readonly body: Buffer;
}

let world: LocalWorld;
let front: HttpFront;
let proxy: Server;
let proxyUrl: string;
let workDir: string;
const seen: Seen[] = [];

/** Flips the case of one letter inside the event's data: still valid JSON and a valid event. */
function changeOneBodyByte(body: Buffer): Buffer {
  const copy = Buffer.from(body);
  const at = copy.indexOf('Grace');
  if (at < 0) throw new Error('test event has no "Grace" to change');
  copy[at] = (copy[at] ?? 0) ^ 0x20;
  return copy;
}

/** Changes the last hex digit of the `v1` signature: still well-formed, no longer the MAC. */
function changeOneSignatureDigit(header: string): string {
  const last = header.at(-1) ?? '0';
  return header.slice(0, -1) + (last === '0' ? '1' : '0');
}

function startProxy(target: string): Promise<Server> {
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      const [, mode, ...rest] = (request.url ?? '/').split('/');
      const body = Buffer.concat(chunks);
      const signature = String(request.headers[CRM_SIGNATURE_HEADER.toLowerCase()] ?? '');
      seen.push({ signature, body });
      const sent = {
        body: mode === 'body' ? changeOneBodyByte(body) : body,
        signature: mode === 'signature' ? changeOneSignatureDigit(signature) : signature,
      };
      void fetch(new URL(rest.join('/'), target), {
        method: request.method ?? 'POST',
        headers: {
          'content-type': String(request.headers['content-type'] ?? ''),
          [CRM_SIGNATURE_HEADER]: sent.signature,
        },
        body: new Uint8Array(sent.body),
      }).then(
        async (answer) => {
          response.writeHead(answer.status, { 'content-type': 'application/json' });
          response.end(Buffer.from(await answer.arrayBuffer()));
        },
        (error: Error) => {
          response.writeHead(599);
          response.end(error.message);
        },
      );
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

beforeAll(async () => {
  world = await startLocalWorld({ env: 'dev' });
  const region = world.regions[0] ?? '';
  const config = contextRuntimeConfig(world, region);
  const secretsManager = mutableSecretsManager(config.env);
  secretsManager.values[secretsManager.names.crmWebhook] = JSON.stringify({ current: SECRET });
  const handler = crmWebhookRoute(
    webhookRouteDeps(config, 'crm-webhook-test', {
      secretsClient: secretsManager.client,
      logLevel: 'SILENT',
    }),
  );
  front = await startHttpFront(
    [
      {
        routeKey: 'POST /webhooks/crm',
        invoke: async (event) => {
          try {
            return { ok: true, value: await handler(event as never, lambdaContext()) };
          } catch (e) {
            return { ok: false, errorType: (e as Error).name, errorMessage: (e as Error).message };
          }
        },
      },
    ],
    { host: '127.0.0.1', domainName: `api.${world.config.dns.zoneName}` },
  );
  proxy = await startProxy(front.url);
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  workDir = mkdtempSync(join(tmpdir(), 'cc-continuity-crm-'));
});

afterAll(async () => {
  await new Promise((resolve) => (proxy ? proxy.close(resolve) : resolve(undefined)));
  await front?.close();
  await world?.stop();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function run(example: Example, eventFile: string, url: string): Promise<Run> {
  const script = join(ROOT, CRM_DIR, example.file);
  return new Promise((resolve, reject) => {
    const child = spawn(example.command(script), [script, eventFile, url], {
      cwd: workDir,
      env: { ...process.env, CRM_WEBHOOK_SECRET: SECRET },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A fresh event file, written as a CRM would (pretty-printed, trailing newline: bytes the MAC covers). */
function eventFile(): { path: string; eventId: string } {
  const eventId = `crm-${randomUUID()}`;
  const event = {
    eventId,
    conversationId: randomUUID(),
    occurredAt: new Date().toISOString(),
    type: 'contact.updated',
    data: { name: 'Grace Hopper', city: 'Zürich' },
  };
  const path = join(workDir, `${eventId}.json`);
  writeFileSync(path, `${JSON.stringify(event, null, 2)}\n`);
  return { path, eventId };
}

async function stored(eventId: string): Promise<Record<string, unknown>[]> {
  const out = await world.region(world.regions[0] ?? '').doc.send(
    new ScanCommand({
      TableName: world.tables.crmEvents,
      FilterExpression: 'eventId = :id',
      ExpressionAttributeValues: { ':id': eventId },
    }),
  );
  return out.Items ?? [];
}

/** The answer the example printed: the JSON object in its output. */
function answerOf(out: string): Record<string, unknown> {
  const json = out.slice(out.indexOf('{'), out.lastIndexOf('}') + 1);
  return JSON.parse(json) as Record<string, unknown>;
}

describe.each(EXAMPLES)('the $name signing example', (example) => {
  it('is accepted by the webhook handler (202) and its event is stored once', async () => {
    // Prepare
    const { path, eventId } = eventFile();
    seen.length = 0;

    // Act
    const result = await run(example, path, `${proxyUrl}/pass/webhooks/crm`);

    // Assess
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    if (example.file.endsWith('.mjs')) expect(result.stdout).toMatch(/^202 /);
    expect(answerOf(result.stdout)).toEqual({ eventId, status: 'accepted' });
    expect(await stored(eventId)).toEqual([expect.objectContaining({ eventId, type: 'contact.updated' })]);
  });

  it('sends the header as documented, equal to the handler side reference signer', async () => {
    // Prepare
    const { path } = eventFile();
    seen.length = 0;

    // Act
    await run(example, path, `${proxyUrl}/pass/webhooks/crm`);

    // Assess: the exact bytes of the file, and t=<unix seconds>,v1=<64 lower-case hex>
    const [request] = seen;
    expect(request?.body.equals(readFileSync(path))).toBe(true);
    const match = /^t=(\d+),v1=[0-9a-f]{64}$/.exec(request?.signature ?? '');
    expect(match).not.toBeNull();
    const t = Number(match?.[1]);
    expect(Math.abs(t - Date.now() / 1000)).toBeLessThan(30);
    expect(request?.signature).toBe(signWebhook(request?.body ?? '', SECRET, t));
  });

  it.each([
    ['one byte of the body', 'body'],
    ['one digit of the signature', 'signature'],
  ] as const)(
    'is refused (401, nothing stored, non-zero exit) when %s changes in transit',
    async (_, mode: Mode) => {
      // Prepare
      const { path, eventId } = eventFile();

      // Act
      const result = await run(example, path, `${proxyUrl}/${mode}/webhooks/crm`);

      // Assess
      expect(result.code).not.toBe(0);
      if (example.file.endsWith('.mjs')) expect(result.stdout).toMatch(/^401 /);
      expect(answerOf(result.stdout)).toEqual({
        error: {
          code: 'invalid_signature',
          message: `the ${CRM_SIGNATURE_HEADER} signature does not match the timestamp and body`,
        },
      });
      expect(await stored(eventId)).toEqual([]);
    },
  );
});

describe('the CRM folder', () => {
  it('ships an example event that the handler accepts as it is', async () => {
    // Prepare: the example event, with its id made unique so that a second run is not a duplicate
    const shipped = JSON.parse(readFileSync(join(ROOT, CRM_DIR, 'event.example.json'), 'utf8')) as {
      eventId: string;
    };
    const eventId = `${shipped.eventId}-${randomUUID()}`;
    const path = join(workDir, 'shipped.json');
    writeFileSync(path, JSON.stringify({ ...shipped, eventId }));

    // Act
    const result = await run(EXAMPLES[0] as Example, path, `${front.url}webhooks/crm`);

    // Assess
    expect(result.code).toBe(0);
    expect(answerOf(result.stdout)).toEqual({ eventId, status: 'accepted' });
  });
});

/** The fenced block right after `<!-- verbatim: <path> -->`, or undefined. */
function verbatimBlock(markdown: string, path: string, fence: string): string | undefined {
  const marker = `<!-- verbatim: ${path} -->\n`;
  const at = markdown.indexOf(marker);
  if (at < 0) return undefined;
  const open = `\`\`\`${fence}\n`;
  const start = at + marker.length;
  if (!markdown.startsWith(open, start)) return undefined;
  const end = markdown.indexOf('\n```\n', start + open.length);
  return end < 0 ? undefined : markdown.slice(start + open.length, end + 1);
}

describe.each([
  ['README.md', 'Wiring Genesys Cloud'],
  [`${CRM_DIR}/README.md`, ''],
])('%s', (readme, section) => {
  const markdown = readFileSync(join(ROOT, readme), 'utf8');

  it.each(EXAMPLES)('shows the $name example verbatim (the file this test runs)', (example) => {
    // Prepare
    const path = `${CRM_DIR}/${example.file}`;
    const text = section ? markdown.slice(markdown.indexOf(`## ${section}`)) : markdown;

    // Act
    const block = verbatimBlock(
      section ? text.slice(0, text.indexOf('\n## ', 3)) : text,
      path,
      example.fence,
    );

    // Assess
    expect(section === '' || markdown.includes(`## ${section}\n`)).toBe(true);
    expect(block).toBe(readFileSync(join(ROOT, path), 'utf8'));
  });
});
