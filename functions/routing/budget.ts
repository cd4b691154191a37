import { isConditionFailed, isThrottled, isWriteConflict } from '../shared/control-write.js';

/**
 * A strongly consistent ControlState call failed or ran over its budget: this region cannot reach a
 * majority of the MRSC set and has lost quorum (DESIGN.md section 4, self-fencing). Callers stop
 * claiming health; they never retry it as a race.
 */
export class ControlUnavailable extends Error {
  constructor(
    readonly operation: string,
    readonly overBudget: boolean,
    options?: { cause?: unknown },
  ) {
    super(
      overBudget
        ? `ControlState ${operation} ran over its budget: quorum lost`
        : `ControlState ${operation} failed: quorum lost`,
      options,
    );
    this.name = 'ControlUnavailable';
  }
}

export function isControlUnavailable(error: unknown): error is ControlUnavailable {
  return error instanceof ControlUnavailable;
}

/**
 * Runs one ControlState call under `budgetMs`. The signal aborts the SDK request at the budget and the
 * race answers at the budget even if a request handler ignores the abort, so a caller (the health
 * endpoint above all) never waits longer than it promised Route 53. Lost races (condition failed,
 * replicated write conflict, throttling) pass through unchanged for compareAndSet to retry; anything
 * else becomes {@link ControlUnavailable}.
 */
export async function withinBudget<T>(
  budgetMs: number,
  operation: string,
  call: (abortSignal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const overBudget = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new ControlUnavailable(operation, true));
    }, budgetMs);
  });
  try {
    return await Promise.race([call(controller.signal), overBudget]);
  } catch (error) {
    if (error instanceof ControlUnavailable) throw error;
    if (isConditionFailed(error) || isWriteConflict(error) || isThrottled(error)) throw error;
    throw new ControlUnavailable(operation, controller.signal.aborted, { cause: error });
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `run(operation, command)`: one document-client call on ControlState under `budgetMs`
 * ({@link withinBudget}). The one helper every ControlState store sends through.
 *
 * @example
 * const run = budgetedSend(doc, 1000);
 * const out = await run<{ Item?: Record<string, unknown> }>('read decision', new GetCommand({ ... }));
 */
export function budgetedSend(
  doc: { send(command: never, options: { abortSignal: AbortSignal }): Promise<unknown> },
  budgetMs: number,
) {
  // The document client's Command type rejects concrete commands (GetCommand etc.) through its
  // middleware-stack variance, so a single helper for every command type has to take `any`.
  // biome-ignore lint/suspicious/noExplicitAny: see above; each call site names the output it reads
  return <T>(operation: string, command: any): Promise<T> =>
    withinBudget(
      budgetMs,
      operation,
      (abortSignal) => doc.send(command as never, { abortSignal }) as Promise<T>,
    );
}
