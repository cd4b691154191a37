import * as z from 'zod/mini';
import { conversationIdSchema } from '../shared/identifiers.js';
import '../shared/zod-messages.js';

/** Same rule as the `env` of config/schema.ts. */
export const ENV_PATTERN = /^[a-z][a-z0-9-]{1,20}$/;
export const envSchema = z
  .string()
  .check(z.regex(ENV_PATTERN, 'must be lower-case letters, digits and dashes'));

/** Nesting allowed inside free-form CRM objects: deep enough for real records, bounded for safe recursion. */
export const MAX_JSON_DEPTH = 8;

export type JsonObject = Record<string, unknown>;

/**
 * The first problem that makes `value` something other than plain JSON nested at most `maxDepth` levels,
 * or null. Iterative, so a hostile, deeply nested body cannot exhaust the stack before it is rejected.
 */
export function jsonProblem(
  value: unknown,
  maxDepth: number,
): { path: PropertyKey[]; message: string } | null {
  const stack: { node: unknown; path: PropertyKey[] }[] = [{ node: value, path: [] }];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const { node, path } = item;
    if (node === null || typeof node === 'string' || typeof node === 'boolean') continue;
    if (typeof node === 'number') {
      if (!Number.isFinite(node)) return { path, message: 'must be a finite number' };
      continue;
    }
    const isArray = Array.isArray(node);
    if (!isArray && (typeof node !== 'object' || !isPlainPrototype(Object.getPrototypeOf(node)))) {
      return { path, message: 'must be a JSON value' };
    }
    if (path.length >= maxDepth) return { path, message: `must not nest deeper than ${maxDepth} levels` };
    const entries = isArray ? (node as unknown[]).map((v, i) => [i, v] as const) : Object.entries(node);
    for (const [k, v] of entries) stack.push({ node: v, path: [...path, k] });
  }
  return null;
}

function isPlainPrototype(proto: unknown): boolean {
  return proto === Object.prototype || proto === null;
}

const fieldName = z
  .string()
  .check(
    z.minLength(1, 'field names must not be empty'),
    z.maxLength(128, 'field names must be at most 128 characters'),
  );

/** A free-form JSON object (CRM contact or case fields), bounded in depth. */
export const jsonObjectSchema = z.record(fieldName, z.unknown()).check(
  z.superRefine((obj, ctx) => {
    const problem = jsonProblem(obj, MAX_JSON_DEPTH);
    if (problem) ctx.addIssue({ code: 'custom', path: problem.path, message: problem.message });
  }),
);

export const ivrSelectionSchema = z.strictObject({
  menu: z.string().check(z.minLength(1), z.maxLength(128)),
  choice: z.string().check(z.minLength(1), z.maxLength(256)),
  /** When the caller chose (ISO-8601); reconstruction fills it from the event. */
  at: z.optional(z.iso.datetime({ offset: true })),
});

export const queuePositionSchema = z.strictObject({
  queue: z.string().check(z.minLength(1), z.maxLength(256)),
  position: z.int().check(z.minimum(0)),
  estimatedWaitSeconds: z.optional(z.number().check(z.minimum(0))),
});

/** Participant-data style attributes: flat scalars, as the platform's flows can read them. */
export const attributeValueSchema = z.union([z.string().check(z.maxLength(4096)), z.number(), z.boolean()]);

export const crmDataSchema = z.strictObject({
  contact: z.optional(jsonObjectSchema),
  case: z.optional(jsonObjectSchema),
});

/**
 * The interaction context saved at transfer (`POST /contexts`) and rebuilt from CRM events: the same
 * shape either way, so a receiving agent cannot tell (except by `source`) where it came from.
 */
export const interactionContextSchema = z.strictObject({
  conversationId: conversationIdSchema,
  ivrSelections: z._default(z.array(ivrSelectionSchema).check(z.maxLength(200)), []),
  crm: z._default(crmDataSchema, {}),
  queuePosition: z._default(z.nullable(queuePositionSchema), null),
  attributes: z._default(z.record(fieldName, attributeValueSchema), {}),
});

export type InteractionContext = z.output<typeof interactionContextSchema>;
export type InteractionContextInput = z.input<typeof interactionContextSchema>;
export type IvrSelection = z.output<typeof ivrSelectionSchema>;
export type QueuePosition = z.output<typeof queuePositionSchema>;
export type AttributeValue = z.output<typeof attributeValueSchema>;

export type SizeCheck = { ok: true; bytes: number } | { ok: false; bytes: number; maxBytes: number };

/**
 * Size of a context as stored (UTF-8 JSON). The handler answers 413 when it is over the configured
 * cap (`context.maxContextBytes`), which stays well below DynamoDB's 400 KB item limit.
 *
 * @example
 * const size = checkContextSize(context, config.context.maxContextBytes);
 * if (!size.ok) throw new PayloadTooLarge(`context is ${size.bytes} bytes; the limit is ${size.maxBytes}`);
 */
export function checkContextSize(context: InteractionContext, maxBytes: number): SizeCheck {
  const bytes = Buffer.byteLength(JSON.stringify(context), 'utf8');
  return bytes <= maxBytes ? { ok: true, bytes } : { ok: false, bytes, maxBytes };
}

/** `data.address.city`, `ivrSelections[2]`, `data[""]`: readable, and bounded when a key is hostile. */
function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (typeof segment === 'string' && /^[A-Za-z_$][\w$-]{0,63}$/.test(segment))
      out += out ? `.${segment}` : segment;
    else out += `[${JSON.stringify(String(segment).slice(0, 64))}]`;
  }
  return out || '(body)';
}

/**
 * One line per zod issue, each naming the field (`data.position: Too small ...`), for 400 answers.
 * Only paths and zod's own messages appear: never the offending values.
 */
export function describeIssues(error: z.core.$ZodError): string[] {
  return error.issues.map((issue) => {
    // A bad record key: zod nests the key schema's own message, which says what is wrong with it.
    const message =
      issue.code === 'invalid_key' ? (issue.issues[0]?.message ?? issue.message) : issue.message;
    return `${formatPath(issue.path)}: ${message}`;
  });
}
