import { createServer } from 'node:net';

/** Loopback address every local stand-in binds to or is reached on. */
export const LOOPBACK = '127.0.0.1';

/**
 * Asks the OS for a free TCP port on the loopback interface.
 *
 * The port is free when this resolves; another process could take it before the
 * caller binds it, so callers that spawn a server retry on "address in use".
 *
 * @example
 * const port = await freePort();
 */
export function freePort(host = LOOPBACK): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host, port: 0, exclusive: true }, () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error(`freePort: unexpected server address ${String(address)}`));
        return;
      }
      server.close((err) => (err ? reject(err) : resolve(address.port)));
    });
  });
}
