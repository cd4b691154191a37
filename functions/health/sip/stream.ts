import net from 'node:net';
import tls from 'node:tls';
import type { ProbeAttempt } from './attempt.js';
import { extractFrame } from './framing.js';
import { buildOptionsRequest } from './message.js';
import type { SipTarget, TlsProbeOptions } from './types.js';

function connect(target: SipTarget, tlsOptions: TlsProbeOptions | undefined): net.Socket {
  if (target.transport !== 'tls') return net.connect({ host: target.host, port: target.port });
  return tls.connect({
    host: target.host,
    port: target.port,
    rejectUnauthorized: tlsOptions?.rejectUnauthorized ?? true,
    ...(tlsOptions?.ca === undefined ? {} : { ca: tlsOptions.ca }),
    // Without an explicit name Node uses the host for SNI (names only) and for the certificate check.
    ...(tlsOptions?.servername === undefined ? {} : { servername: tlsOptions.servername }),
  });
}

/**
 * Sends the OPTIONS over a fresh TCP or TLS connection and reads responses framed by Content-Length.
 * One connection per probe: a probe must see the edge as a new caller would, including the handshake.
 */
export function sendStreamProbe(
  attempt: ProbeAttempt,
  target: SipTarget,
  tlsOptions: TlsProbeOptions | undefined,
  userAgent: string | undefined,
): void {
  const socket = connect(target, tlsOptions);
  attempt.onSettle(() => socket.destroy());
  socket.setNoDelay(true);
  socket.on('error', (error) => attempt.fail(error));
  socket.on('close', () => attempt.unparseableOr('ECLOSED'));
  socket.once(target.transport === 'tls' ? 'secureConnect' : 'connect', () => {
    const local = { address: socket.localAddress ?? '0.0.0.0', port: socket.localPort ?? 0 };
    const request = buildOptionsRequest({ target, local, ids: attempt.ids, userAgent });
    attempt.markSent();
    socket.write(request);
  });
  let buffered: Buffer = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
    for (;;) {
      const out = extractFrame(buffered);
      if (out.kind === 'incomplete') return;
      if (out.kind === 'invalid') {
        attempt.garbage(out.error, true);
        return;
      }
      buffered = out.rest;
      attempt.receive(out.frame, true);
      if (attempt.settled) return;
    }
  });
}
