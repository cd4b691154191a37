import { interpretMessage } from './match.js';
import { newProbeIds } from './message.js';
import type { ProbeIds, ProbeResult } from './types.js';

export const DEFAULT_PROBE_TIMEOUT_MS = 500;

/** The result for a transport error: ECONNREFUSED is `refused`, anything else `error`; only the code is kept. */
export function resultFromError(error: unknown): ProbeResult {
  const code = (error as { code?: unknown } | null)?.code;
  const detail = typeof code === 'string' ? code : error instanceof Error ? error.name : 'unknown';
  return {
    up: false,
    status: null,
    reason: detail === 'ECONNREFUSED' ? 'refused' : 'error',
    rttMs: null,
    detail,
  };
}

/**
 * The transport-independent half of one probe: its identifiers, its deadline, reading what comes back,
 * and settling exactly once. Whoever settles it first wins; every later event is ignored, and every
 * registered cleanup (closing sockets, clearing the timer) runs on settle.
 */
export class ProbeAttempt {
  readonly ids: ProbeIds = newProbeIds();
  readonly result: Promise<ProbeResult>;
  private resolve: (result: ProbeResult) => void = () => undefined;
  private readonly cleanups: (() => void)[] = [];
  private sentAt: number | null = null;
  private unparseable: string | null = null;
  private done = false;

  constructor(
    timeoutMs: number,
    private readonly extraUpStatusCodes: readonly number[],
  ) {
    this.result = new Promise((resolve) => {
      this.resolve = resolve;
    });
    const timer = setTimeout(() => this.expire(), timeoutMs);
    this.onSettle(() => clearTimeout(timer));
  }

  get settled(): boolean {
    return this.done;
  }

  /** Runs `cleanup` when the attempt settles (at once if it already has). Cleanups must not throw. */
  onSettle(cleanup: () => void): void {
    if (this.done) cleanup();
    else this.cleanups.push(cleanup);
  }

  /** Call just before the request is written: the round trip is measured from here. */
  markSent(): void {
    this.sentAt = performance.now();
  }

  /**
   * Handles one received message. A matching final response settles the attempt; provisional and
   * foreign responses keep it waiting. Garbage settles it at once when `garbageIsFinal` (a stream cannot
   * resynchronise), else it is remembered and reported if nothing better arrives before the deadline.
   */
  receive(raw: Buffer, garbageIsFinal: boolean): void {
    if (this.done) return;
    const seen = interpretMessage(raw, this.ids, this.extraUpStatusCodes);
    if (seen.kind === 'unparseable') {
      this.garbage(seen.error, garbageIsFinal);
      return;
    }
    if (seen.kind !== 'final') return;
    const rttMs = this.sentAt === null ? null : Math.round((performance.now() - this.sentAt) * 1000) / 1000;
    this.settle({ up: seen.up, status: seen.status, reason: seen.up ? 'ok' : 'status', rttMs });
  }

  /** Records bytes that are not SIP; settles as `unparseable` at once when `final`, else at the deadline. */
  garbage(error: string, final: boolean): void {
    if (this.done) return;
    this.unparseable = error;
    if (final) this.expire();
  }

  /** Settles with the unparseable verdict when one was seen, else with `detail` as a transport error. */
  unparseableOr(detail: string): void {
    if (this.unparseable !== null) this.expire();
    else this.fail({ code: detail });
  }

  fail(error: unknown): void {
    this.settle(resultFromError(error));
  }

  private expire(): void {
    this.settle(
      this.unparseable === null
        ? { up: false, status: null, reason: 'timeout', rttMs: null }
        : { up: false, status: null, reason: 'unparseable', rttMs: null, detail: this.unparseable },
    );
  }

  private settle(result: ProbeResult): void {
    if (this.done) return;
    this.done = true;
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    this.resolve(result);
  }
}
