/**
 * The settings every AWS SDK client of the project is made with. Each client has its own module under
 * clients/ (a function's cold start loads only the SDK packages it imports); clients.ts gathers them all
 * for the CLI, local runs and tests.
 */

export interface ClientTuning {
  /** Time to open a connection (TCP + TLS). @default 1000 */
  readonly connectionTimeoutMs?: number;
  /**
   * Time for one attempt, request to response; over it the attempt fails with `TimeoutError` (and may
   * be retried). @default 3000
   */
  readonly requestTimeoutMs?: number;
  /**
   * Attempts including the first (the SDK's standard retry with backoff). Use 1 where the caller has a
   * budget of its own (quorum's control budget, the context origin read). @default 3
   */
  readonly maxAttempts?: number;
}

export const DEFAULT_CLIENT_TUNING: Required<ClientTuning> = {
  connectionTimeoutMs: 1000,
  requestTimeoutMs: 3000,
  maxAttempts: 3,
};

/** The constructor settings of a client for `region`: the tuning checked, the endpoint if one is set. */
export function clientConfig(region: string, endpoint: string | undefined, tuning: ClientTuning = {}) {
  const t = { ...DEFAULT_CLIENT_TUNING, ...tuning };
  for (const [name, value] of Object.entries(t)) {
    if (!Number.isSafeInteger(value) || value < 1)
      throw new RangeError(`${name} must be a whole number above 0`);
  }
  return {
    region,
    ...(endpoint ? { endpoint } : {}),
    maxAttempts: t.maxAttempts,
    requestHandler: {
      connectionTimeout: t.connectionTimeoutMs,
      requestTimeout: t.requestTimeoutMs,
      // Without this the SDK only logs a warning when requestTimeout passes and keeps waiting.
      throwOnRequestTimeout: true,
    },
  };
}
