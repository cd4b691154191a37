import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback HTTP server speaking the AWS JSON protocol (1.1 for EventBridge and Secrets Manager, 1.0
 * for CloudWatch): `POST /`, operation in `X-Amz-Target: <prefix>.<Operation>`, JSON in and out, errors
 * as `{"__type", "message"}` with status 400. The caller's region comes from the SigV4 credential
 * scope, so one server stands in for the service in every region.
 */

export class AwsServiceError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = type;
  }
}

export type Operation = (input: Record<string, unknown>, region: string) => Promise<unknown> | unknown;

export interface JsonService {
  readonly endpoint: string;
  close(): Promise<void>;
}

export interface JsonServiceOptions {
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** The protocol version the service answers with (`Content-Type: application/x-amz-json-<version>`). @default '1.1' */
  readonly jsonVersion?: '1.0' | '1.1';
}

/** The region of a SigV4-signed request: `Credential=<key>/<date>/<region>/<service>/aws4_request`. */
export function regionOfRequest(request: Pick<IncomingMessage, 'headers'>): string | undefined {
  const auth = String(request.headers.authorization ?? '');
  return /Credential=[^/]+\/\d{8}\/([a-z0-9-]+)\/[a-z0-9-]+\/aws4_request/.exec(auth)?.[1];
}

/**
 * @example
 * const events = await startJsonService('AWSEvents', { PutEvents: (input, region) => ({ Entries: [] }) });
 * new EventBridgeClient({ region: 'us-east-1', endpoint: events.endpoint });
 */
export async function startJsonService(
  targetPrefix: string,
  operations: Readonly<Record<string, Operation>>,
  options: JsonServiceOptions = {},
): Promise<JsonService> {
  const host = options.host ?? '127.0.0.1';
  const contentType = `application/x-amz-json-${options.jsonVersion ?? '1.1'}`;
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      const reply = (status: number, body: unknown) => {
        const text = JSON.stringify(body);
        response.writeHead(status, {
          'content-type': contentType,
          'content-length': Buffer.byteLength(text),
          'x-amzn-requestid': `local-${Date.now()}`,
        });
        response.end(text);
      };
      void (async () => {
        const target = String(request.headers['x-amz-target'] ?? '');
        const [prefix, name] = target.split('.');
        const operation = prefix === targetPrefix && name ? operations[name] : undefined;
        const region = regionOfRequest(request);
        if (operation === undefined)
          throw new AwsServiceError('UnknownOperationException', `${target} is not served`);
        if (region === undefined)
          throw new AwsServiceError('MissingAuthenticationTokenException', 'unsigned request');
        let input: Record<string, unknown>;
        try {
          input = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
        } catch {
          throw new AwsServiceError('SerializationException', 'the request body is not JSON');
        }
        reply(200, (await operation(input, region)) ?? {});
      })().catch((e: unknown) => {
        const error =
          e instanceof AwsServiceError
            ? e
            : new AwsServiceError('InternalException', (e as Error).message, 500);
        reply(error.status, { __type: error.type, message: error.message });
      });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://${host}:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
