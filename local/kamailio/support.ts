import { execFile } from 'node:child_process';
import dgram from 'node:dgram';
import { access, constants, readFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';

export const run = promisify(execFile);

/**
 * Finds an executable on PATH or in the sbin folders Debian installs Kamailio into (a non-root PATH
 * often lacks /usr/sbin). `envOverride` names an environment variable that wins when set.
 */
export async function findExecutable(name: string, envOverride: string): Promise<string> {
  const override = process.env[envOverride];
  if (override) return override;
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/sbin', '/usr/local/sbin', '/sbin'];
  for (const dir of dirs.filter((d) => d !== '')) {
    const candidate = path.join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not here; try the next folder.
    }
  }
  throw new Error(
    `${name} not found on PATH or in /usr/sbin; install it with "apt-get install -y kamailio" or set ${envOverride}`,
  );
}

function listenTcp(host: string, port: number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ host, port, exclusive: true }, () => resolve(server));
  });
}

function bindUdp(host: string, port: number): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
    socket.once('error', reject);
    socket.bind({ address: host, port, exclusive: true }, () => resolve(socket));
  });
}

/**
 * A port that is free on `host` for TCP and, when `alsoUdp`, for UDP too (SIP listens on both with one
 * number). Another process can still take it before Kamailio binds; the launcher retries on that.
 */
export async function freePort(host: string, alsoUdp: boolean): Promise<number> {
  for (let tries = 0; tries < 20; tries += 1) {
    const server = await listenTcp(host, 0);
    const { port } = server.address() as net.AddressInfo;
    try {
      if (!alsoUdp) return port;
      const socket = await bindUdp(host, port).catch(() => null);
      if (socket) {
        await new Promise<void>((resolve) => socket.close(() => resolve()));
        return port;
      }
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }
  throw new Error(`no port free for both TCP and UDP on ${host} after 20 tries`);
}

/** Resolves once a TCP connection to host:port is accepted, or rejects with the socket error. */
export function canConnect(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port }, () => {
      socket.destroy();
      resolve();
    });
    socket.once('error', (error) => {
      socket.destroy();
      reject(error);
    });
  });
}

/**
 * A self-signed certificate for `localhost` / 127.0.0.1 / ::1, made with the openssl CLI into `dir`.
 * Tests use it as the server certificate and as the only trusted CA.
 */
export async function createSelfSignedCertificate(
  dir: string,
): Promise<{ certificateFile: string; privateKeyFile: string; certificatePem: string }> {
  const openssl = await findExecutable('openssl', 'OPENSSL_BIN');
  const certificateFile = path.join(dir, 'cert.pem');
  const privateKeyFile = path.join(dir, 'key.pem');
  await run(openssl, [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    privateKeyFile,
    '-out',
    certificateFile,
    '-days',
    '2',
    '-subj',
    '/CN=localhost',
    '-addext',
    'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1',
  ]);
  return { certificateFile, privateKeyFile, certificatePem: await readFile(certificateFile, 'utf8') };
}
