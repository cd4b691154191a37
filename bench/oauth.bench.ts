import { memoryTokenStore } from '../functions/oauth/token-store.js';
import { OBSERVATIONS_PATH } from '../local/platform/server.js';
import { A, EAST, startHarness } from '../test/functions/oauth/harness.js';
import { median, report } from './harness.js';

/**
 * `npm run bench oauth`: the time from a platform call answered 401 (the token was revoked) to the same
 * call's successful retry (emit PlatformTokenRejected, one refresh by client credentials, retry), against
 * the loopback platform stand-in, side by side with a call that needs no refresh. Loopback removes the
 * network: the figure is this code's share; add two round trips to the org's login and API hosts.
 */

const RUNS = Number(process.env.BENCH_OAUTH_RUNS ?? 200);
const QUERY = {
  filter: { type: 'and', predicates: [{ dimension: 'queueId', value: 'q-1' }] },
  metrics: ['oOnQueueUsers'],
};

export async function run(): Promise<string> {
  const h = await startHarness({ store: memoryTokenStore() });
  const plain: number[] = [];
  const healed: number[] = [];
  try {
    const client = h.client(EAST, A);
    const call = async () => {
      const r = await client.request('POST', OBSERVATIONS_PATH, QUERY);
      if (r.status !== 200) throw new Error(`platform call answered ${r.status}`);
    };
    await call();
    for (let i = 0; i < RUNS; i++) {
      let t0 = performance.now();
      await call();
      plain.push(performance.now() - t0);
      h.platform.revokeTokens('east');
      h.clock.t += 1000;
      t0 = performance.now();
      await call();
      healed.push(performance.now() - t0);
    }
    if (h.leaks().length > 0) throw new Error('a token or secret reached a log line or an event');
  } finally {
    await h.stop();
  }
  return [
    report('Platform call after a 401: reject, refresh once, retry (loopback platform, interleaved)', [
      { name: 'call with a valid token', unit: 'ms', values: plain },
      { name: 'call answered 401, healed and retried', unit: 'ms', values: healed },
    ]),
    '',
    `From a 401 to the successful retried call: **${median(healed).toFixed(2)} ms** median ` +
      `(${(median(healed) - median(plain)).toFixed(2)} ms more than a call that needs no refresh).`,
  ].join('\n');
}
