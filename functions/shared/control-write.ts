/**
 * How strongly consistent ControlState calls fail, and the one retry loop for compare-and-set
 * writes on it (DESIGN.md section 2: a write racing a write in another region fails with
 * `ReplicatedWriteConflictException`; retry after re-reading).
 */

/** The condition of a conditional write did not hold: someone else wrote first. */
export function isConditionFailed(error: unknown): boolean {
  return errorName(error) === 'ConditionalCheckFailedException';
}

/** A concurrent write to the same item in another MRSC region won; re-read and retry. */
export function isWriteConflict(error: unknown): boolean {
  const name = errorName(error);
  return name === 'ReplicatedWriteConflictException' || name === 'TransactionConflictException';
}

/** Throttling: retry with backoff. */
export function isThrottled(error: unknown): boolean {
  const name = errorName(error);
  return (
    name === 'ProvisionedThroughputExceededException' ||
    name === 'ThrottlingException' ||
    name === 'RequestLimitExceeded'
  );
}

function errorName(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const name = (error as { name?: unknown }).name;
  return typeof name === 'string' ? name : undefined;
}

export interface CompareAndSetOptions {
  /** Attempts lost to a concurrent writer, the first included. @default 5 */
  readonly attempts?: number;
  /** Backoff before attempt n is `baseDelayMs * 2^(n-2)` with full jitter. @default 20 */
  readonly baseDelayMs?: number;
  /**
   * How long throttling may go on before giving up, from the first throttled attempt. Throttling is
   * not a race (re-reading sooner does not help) and DynamoDB's lasts seconds, not milliseconds, so
   * throttled attempts do not count against `attempts`; they back off up to `maxThrottleDelayMs`
   * until this much time has passed. @default 10000
   */
  readonly throttleBudgetMs?: number;
  /** @default 1000 */
  readonly maxThrottleDelayMs?: number;
  /** @default setTimeout - injectable so tests run without waiting */
  readonly sleep?: (ms: number) => Promise<void>;
  /** @default Math.random */
  readonly random?: () => number;
  /** @default Date.now */
  readonly now?: () => number;
}

/** A compare-and-set attempt: `write` lost to a concurrent writer, or stayed throttled, every time it tried. */
export class CompareAndSetExhausted extends Error {
  constructor(
    readonly attempts: number,
    readonly throttled = false,
  ) {
    super(
      throttled
        ? `compare-and-set throttled on all of ${attempts} attempts`
        : `compare-and-set lost to concurrent writers ${attempts} times`,
    );
    this.name = 'CompareAndSetExhausted';
  }
}

/**
 * Read, decide, write with a condition; on a lost race (condition failed, replicated write conflict)
 * read again and decide again, up to `attempts`; while throttled, back off and retry for up to
 * `throttleBudgetMs`. `attempt` returns the value to keep; it may return without
 * writing (nothing to change). Other errors (a region without quorum, a timeout) go straight to the
 * caller: those are the caller's fencing signal, not a race.
 *
 * @example
 * const decision = await compareAndSet(async () => {
 *   const current = await store.readDecision();
 *   const next = decide(current, now);
 *   if (next.epoch !== current.epoch) await store.writeDecision(next, current.epoch); // conditional
 *   return next;
 * });
 */
export async function compareAndSet<T>(
  attempt: () => Promise<T>,
  opts: CompareAndSetOptions = {},
): Promise<T> {
  const { attempts, baseDelayMs, throttleBudgetMs, maxThrottleDelayMs, sleep, random, now } = {
    attempts: 5,
    baseDelayMs: 20,
    throttleBudgetMs: 10_000,
    maxThrottleDelayMs: 1000,
    sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
    random: Math.random,
    now: Date.now,
    ...opts,
  };
  let races = 0;
  let throttles = 0;
  let throttledSince: number | undefined;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (isThrottled(error)) {
        throttles++;
        throttledSince ??= now();
        if (now() - throttledSince >= throttleBudgetMs) {
          throw new CompareAndSetExhausted(races + throttles, true);
        }
        const ceiling = Math.min(maxThrottleDelayMs, baseDelayMs * 2 ** (throttles - 1));
        await sleep(Math.floor(random() * ceiling));
        continue;
      }
      if (!isConditionFailed(error) && !isWriteConflict(error)) throw error;
      races++;
      if (races >= attempts) throw new CompareAndSetExhausted(races + throttles);
      await sleep(Math.floor(random() * baseDelayMs * 2 ** (races - 1)));
    }
  }
}
