/**
 * What a local SIP edge answers OPTIONS with:
 * - a status code (100-699): answered at once with that code;
 * - `'silent'`: requests are dropped unanswered, as by a hung or black-holed edge;
 * - `{ status, delayMs }`: answered with `status` after `delayMs`, as by an overloaded edge.
 */
export type EdgeReply = number | 'silent' | { readonly status: number; readonly delayMs: number };

/** setTimeout's ceiling; a longer delay would fire at once. */
const MAX_DELAY_MS = 2 ** 31 - 1;

/** RFC 3261 section 21 reason phrases of the codes the local edges are asked for. */
export const REASON_PHRASES: ReadonlyMap<number, string> = new Map([
  [100, 'Trying'],
  [180, 'Ringing'],
  [200, 'OK'],
  [202, 'Accepted'],
  [400, 'Bad Request'],
  [403, 'Forbidden'],
  [404, 'Not Found'],
  [405, 'Method Not Allowed'],
  [408, 'Request Timeout'],
  [480, 'Temporarily Unavailable'],
  [486, 'Busy Here'],
  [500, 'Server Internal Error'],
  [501, 'Not Implemented'],
  [503, 'Service Unavailable'],
  [504, 'Server Time-out'],
  [600, 'Busy Everywhere'],
  [603, 'Decline'],
]);

/** The RFC 3261 21 reason phrase of `status`, or a neutral one for codes it does not name. */
export function reasonPhrase(status: number): string {
  return REASON_PHRASES.get(status) ?? 'Probe Reply';
}

function isStatusCode(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 100 && value <= 699;
}

function describeReply(mode: unknown): string {
  if (typeof mode === 'object' && mode !== null) {
    try {
      return JSON.stringify(mode);
    } catch {
      return String(mode);
    }
  }
  return typeof mode === 'string' ? `'${mode}'` : String(mode);
}

/**
 * Throws a RangeError naming `mode` unless it is a valid {@link EdgeReply}. Takes `unknown` because the
 * drill reads modes from the command line and scenario files, where the type system does not reach.
 *
 * @example
 * checkEdgeReply({ status: 200, delayMs: 800 }); // fine
 * checkEdgeReply(700); // RangeError: reply 700 is not a SIP status code (100-699), 'silent' or ...
 */
export function checkEdgeReply(mode: unknown): asserts mode is EdgeReply {
  if (mode === 'silent' || isStatusCode(mode)) return;
  if (typeof mode === 'object' && mode !== null) {
    const { status, delayMs } = mode as { status?: unknown; delayMs?: unknown };
    const delayOk = typeof delayMs === 'number' && Number.isFinite(delayMs) && delayMs >= 0;
    if (isStatusCode(status) && delayOk && delayMs <= MAX_DELAY_MS) return;
  }
  throw new RangeError(
    `reply ${describeReply(mode)} is not a SIP status code (100-699), 'silent' or ` +
      `{ status: 100-699, delayMs: 0-${MAX_DELAY_MS} }`,
  );
}

/** The status a mode answers with, or 'silent'; and how long it waits before answering. */
export function replyPlan(mode: EdgeReply): { readonly reply: number | 'silent'; readonly delayMs: number } {
  if (typeof mode === 'object') return { reply: mode.status, delayMs: mode.delayMs };
  return { reply: mode, delayMs: 0 };
}
