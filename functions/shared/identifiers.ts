import { createHash } from 'node:crypto';
import * as z from 'zod/mini';
import './zod-messages.js';

/**
 * Value rules shared by events, table keys and the runtime config, so that a region name or a
 * conversation id accepted in one place is accepted everywhere.
 */

/** An AWS region name (same rule as config/schema.ts). */
export const regionSchema = z
  .string()
  .check(
    z.maxLength(25, 'must be at most 25 characters'),
    z.regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region name such as us-east-1'),
  );

/**
 * Conversation ids become parts of table keys and travel in SIP headers: a conservative ASCII set
 * (platform conversation ids are UUIDs). Same rule as functions/context/context-schema.ts.
 */
export const conversationIdSchema = z
  .string()
  .check(z.regex(/^[A-Za-z0-9._:-]{1,64}$/, 'must be 1-64 characters of A-Z a-z 0-9 . _ : -'));

/** An ISO-8601 timestamp with a zone (`Z` or an offset), as `Date.prototype.toISOString` writes it. */
export const isoTimestampSchema = z.iso.datetime({ offset: true });

/** Our own event id: a UUID (random v4, or v8 from {@link stableEventId}). */
export const eventIdSchema = z.uuid();

/**
 * A UUID derived from the parts that identify one fact, so that a retried publish of the same fact
 * carries the same `eventId` and consumers drop it as a duplicate. It is an RFC 9562 version 8 UUID
 * built from the first 122 bits of SHA-256 over the parts.
 *
 * @example
 * stableEventId('vote', observer, targetRegion, incarnation, seq) // same inputs, same id, every time
 */
export function stableEventId(...parts: readonly (string | number)[]): string {
  if (parts.length === 0) throw new RangeError('stableEventId needs at least one part');
  // Length-prefix each part so that ('ab', 'c') and ('a', 'bc') cannot collide.
  const hash = createHash('sha256');
  for (const part of parts) {
    const text = String(part);
    hash.update(`${Buffer.byteLength(text, 'utf8')}:${text};`);
  }
  const bytes = hash.digest().subarray(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x80; // version 8
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80; // RFC 9562 variant
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * One line per zod issue: `path: message`, the path relative to `root` (for example `detail.seq` or
 * `CONTINUITY_SETTINGS.health.probeIntervalMs`). Only paths and zod's messages appear, never the values,
 * so the text is safe for logs and response bodies.
 */
export function describeZodIssues(error: z.core.$ZodError, root = ''): string[] {
  return error.issues.map((issue) => {
    const path = [root, ...issue.path.map(String)].filter((p) => p !== '').join('.') || '(root)';
    return `${path}: ${issue.message.replace(/^Invalid input: /, '')}`;
  });
}
