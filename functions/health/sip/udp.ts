import dgram from 'node:dgram';
import { lookup } from 'node:dns/promises';
import type { ProbeAttempt } from './attempt.js';
import { buildOptionsRequest } from './message.js';
import type { SipTarget } from './types.js';

/**
 * Sends the OPTIONS over a connected UDP socket. Connecting lets the kernel drop datagrams from any
 * other source and report ICMP port unreachable as ECONNREFUSED, which RFC 3261 18.4 treats as a
 * transport failure (so a stopped proxy on a reachable host is `refused` at once, not a timeout).
 */
export async function sendUdpProbe(
  attempt: ProbeAttempt,
  target: SipTarget,
  userAgent: string | undefined,
): Promise<void> {
  const { address, family } = await lookup(target.host);
  if (attempt.settled) return;
  const socket = dgram.createSocket(family === 6 ? 'udp6' : 'udp4');
  attempt.onSettle(() => {
    try {
      socket.close();
    } catch {
      // Already closed by an error path; nothing left to release.
    }
  });
  socket.on('error', (error) => attempt.fail(error));
  // Unparseable datagrams are remembered, not final: a genuine answer may still follow.
  socket.on('message', (message) => attempt.receive(message, false));
  socket.connect(target.port, address, () => {
    if (attempt.settled) return;
    const local = socket.address();
    const request = buildOptionsRequest({ target, local, ids: attempt.ids, userAgent });
    attempt.markSent();
    socket.send(request, (error) => {
      if (error) attempt.fail(error);
    });
  });
}
