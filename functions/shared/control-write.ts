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
  /** Attempts in all, the first included. @default 5 */
  readonly attempts?: number;
  /** Backoff before attempt n is `baseDelayMs * 2^(n-2)` with full jitter. @default 20 */
  readonly baseDelayMs?: number;
  /** @default setTimeout - injectable so tests run without waiting */
  readonly sleep?: (ms: number) => Promise<void>;
  /** @default Math.random */
  readonly random?: () => number;
}

/** A compare-and-set attempt: `write` lost to a concurrent writer every time it tried. */
export class CompareAndSetExhausted extends Error {
  constructor(readonly attempts: number) {
    super(`compare-and-set lost to concurrent writers ${attempts} times`);
    this.name = 'CompareAndSetExhausted';
  }
}

/**
 * Read, decide, write with a condition; on a lost race (condition failed, replicated write conflict,
 * throttling) read again and decide again. `attempt` returns the value to keep; it may return without
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
  const { attempts, baseDelayMs, sleep, random } = {
    attempts: 5,
    baseDelayMs: 20,
    sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
    random: Math.random,
    ...opts,
  };
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (error) {
      const raced = isConditionFailed(error) || isWriteConflict(error) || isThrottled(error);
      if (!raced) throw error;
      if (n >= attempts) throw new CompareAndSetExhausted(n);
      await sleep(Math.floor(random() * baseDelayMs * 2 ** (n - 1)));
    }
  }
}
