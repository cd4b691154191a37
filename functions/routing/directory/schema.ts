import { isDeepStrictEqual } from 'node:util';
import '../../shared/zod-messages.js';
import * as z from 'zod/mini';

/**
 * The queue directory (DESIGN.md section 7): a logical queue name such as `PRIMARY_SUPPORT_QUEUE` maps,
 * per active region, to the platform queue id and the transfer address of that region's entry point.
 * Flows name logical queues only; resolve picks the region.
 */

/** Where a logical queue lives in one region. */
export interface DirectoryTarget {
  /** The platform queue id (a UUID on Genesys Cloud). */
  readonly queueId: string;
  /** The region's entry point: `tel:+<E.164>` or `sip:<user>@<host>[:port]`. */
  readonly transferAddress: string;
}

export interface SkillRequirement {
  readonly name: string;
  /** Platform proficiency 0-5; 0 = the skill is enough at any level. */
  readonly minProficiency: number;
}

export interface DirectoryEntryInput {
  readonly name: string;
  /** Keys are active regions; at least one. */
  readonly regions: Readonly<Record<string, DirectoryTarget>>;
  readonly skills: readonly SkillRequirement[];
  /** Another logical queue, answered when this one has no region that qualifies. */
  readonly fallback?: string;
  /** The only region this queue may be answered in (one of `regions`). */
  readonly regionLock?: string;
}

export interface DirectoryEntry extends DirectoryEntryInput {
  /** 1 on first write, +1 per change. */
  readonly version: number;
  /** ISO timestamp of the last write. */
  readonly updatedAt: string;
  readonly updatedBy: string;
}

/** Problems beyond this many are summed up as "and N more": an operator fixes the first ones first. */
const MAX_PROBLEMS = 10;

/** An entry or import file is invalid; each problem names its field (`regions.us-east-1.queueId: ...`). */
export class DirectoryValidationError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    const shown =
      problems.length > MAX_PROBLEMS
        ? [...problems.slice(0, MAX_PROBLEMS), `and ${problems.length - MAX_PROBLEMS} more`]
        : [...problems];
    super(`invalid queue directory input:\n${shown.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'DirectoryValidationError';
    this.problems = shown;
  }
}

export const QUEUE_NAME = /^[A-Z][A-Z0-9_]{0,63}$/;
const QUEUE_NAME_MESSAGE =
  'must be an upper-case logical queue name (A-Z, 0-9, _; 1-64 characters, a letter first) such as PRIMARY_SUPPORT_QUEUE';
const QUEUE_ID = /^[A-Za-z0-9-]{1,128}$/;
const QUEUE_ID_MESSAGE = 'must be the platform queue id: 1-128 characters of A-Z, a-z, 0-9 and -';
const TEL = /^tel:\+[0-9]{7,15}$/;
const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
// user: RFC 3261 unreserved and user-unreserved characters and escapes; no parameters or headers.
const SIP = new RegExp(
  `^sip:[A-Za-z0-9\\-_.!~*'()&=+$,%]+@(?:${LABEL}(?:\\.${LABEL})*|\\[[0-9A-Fa-f:.]+\\])(?::([0-9]{1,5}))?$`,
);
const TRANSFER_MESSAGE = 'must be tel:+<E.164 digits> or sip:<user>@<host>[:port], e.g. tel:+15551230000';
const SKILL_MESSAGE = 'must be a skill name of 1-200 characters';
const PROFICIENCY_MESSAGE = 'must be a whole number from 0 to 5 (platform proficiency)';

function isTransferAddress(value: string): boolean {
  if (TEL.test(value)) return true;
  const port = SIP.exec(value)?.[1];
  return SIP.test(value) && (port === undefined || (Number(port) >= 1 && Number(port) <= 65535));
}

const targetSchema = z.strictObject(
  {
    queueId: z.string({ error: QUEUE_ID_MESSAGE }).check(z.regex(QUEUE_ID, QUEUE_ID_MESSAGE)),
    transferAddress: z
      .string({ error: TRANSFER_MESSAGE })
      .check(z.refine(isTransferAddress, TRANSFER_MESSAGE)),
  },
  { error: 'must be an object { "queueId", "transferAddress" }' },
);

const skillSchema = z.strictObject(
  {
    name: z
      .string({ error: SKILL_MESSAGE })
      .check(z.refine((s) => s.trim().length > 0 && s.length <= 200, SKILL_MESSAGE)),
    minProficiency: z._default(
      z
        .int({ error: PROFICIENCY_MESSAGE })
        .check(z.minimum(0, PROFICIENCY_MESSAGE), z.maximum(5, PROFICIENCY_MESSAGE)),
      0,
    ),
  },
  { error: 'must be an object { "name", "minProficiency" }' },
);

const entrySchema = z.strictObject(
  {
    name: z.string({ error: QUEUE_NAME_MESSAGE }).check(z.regex(QUEUE_NAME, QUEUE_NAME_MESSAGE)),
    regions: z.record(z.string(), targetSchema, {
      error: 'must be an object of active region to { "queueId", "transferAddress" }',
    }),
    skills: z._default(z.array(skillSchema, { error: 'must be a list of { "name", "minProficiency" }' }), []),
    fallback: z.optional(
      z.string({ error: QUEUE_NAME_MESSAGE }).check(z.regex(QUEUE_NAME, QUEUE_NAME_MESSAGE)),
    ),
    regionLock: z.optional(z.string({ error: 'must be an active region name' })),
  },
  { error: 'must be an object { "name", "regions", "skills", "fallback", "regionLock" }' },
);

const fileSchema = z.strictObject(
  { queues: z.array(z.unknown(), { error: 'must be a list of queue entries' }) },
  { error: 'must be an object { "queues": [ ... ] }' },
);

/** `queues[2].regions.us-east-1.queueId` */
function fieldOf(at: string | undefined, path: readonly PropertyKey[]): string {
  let field = at ?? '';
  for (const key of path) {
    field += typeof key === 'number' ? `[${key}]` : field === '' ? String(key) : `.${String(key)}`;
  }
  return field === '' ? '(root)' : field;
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = raw;
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

function problemsOf(error: z.core.$ZodError, raw: unknown, at: string | undefined): string[] {
  return error.issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => `${fieldOf(at, [...issue.path, key])}: unknown field`);
    }
    const missing = issue.code === 'invalid_type' && valueAt(raw, issue.path) === undefined;
    return [`${fieldOf(at, issue.path)}: ${missing ? `is required and ${issue.message}` : issue.message}`];
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The entry and every problem found, so a file's entries can all be reported at once. */
function checkEntry(
  raw: unknown,
  activeRegions: readonly string[],
  at: string | undefined,
): { entry?: DirectoryEntryInput; problems: string[] } {
  const parsed = entrySchema.safeParse(raw);
  const problems = parsed.success ? [] : problemsOf(parsed.error, raw, at);
  // The rules between fields are checked on whatever parsed, so one run lists everything.
  const obj = isObject(raw) ? raw : {};
  const regions = isObject(obj.regions) ? Object.keys(obj.regions) : [];
  const active = activeRegions.join(', ');
  for (const region of regions) {
    if (!activeRegions.includes(region))
      problems.push(`${fieldOf(at, ['regions', region])}: not an active region (${active})`);
  }
  if (isObject(obj.regions) && regions.length === 0)
    problems.push(`${fieldOf(at, ['regions'])}: needs at least one active region (${active})`);
  if (typeof obj.fallback === 'string' && obj.fallback === obj.name)
    problems.push(`${fieldOf(at, ['fallback'])}: must name another logical queue, not the entry itself`);
  // Without any region the lock has nothing to be checked against; the regions problem says enough.
  if (typeof obj.regionLock === 'string' && regions.length > 0 && !regions.includes(obj.regionLock)) {
    const allowed = regions.filter((r) => activeRegions.includes(r));
    problems.push(
      `${fieldOf(at, ['regionLock'])}: must be one of the entry's active regions (${allowed.join(', ') || 'none'})`,
    );
  }
  const skills = Array.isArray(obj.skills)
    ? obj.skills.map((s) => (s as { name?: unknown } | null)?.name)
    : [];
  skills.forEach((skill, i) => {
    if (typeof skill === 'string' && skills.indexOf(skill) < i)
      problems.push(`${fieldOf(at, ['skills', i, 'name'])}: skill ${skill} is listed twice`);
  });
  if (!parsed.success || problems.length > 0) return { problems };
  return { entry: canonical(parsed.data, activeRegions), problems };
}

/** Regions in config order, skills by name, absent optionals omitted: equal entries compare equal. */
function canonical(entry: DirectoryEntryInput, activeRegions: readonly string[]): DirectoryEntryInput {
  const regions: Record<string, DirectoryTarget> = {};
  for (const region of activeRegions) {
    const target = entry.regions[region];
    if (target) regions[region] = { queueId: target.queueId, transferAddress: target.transferAddress };
  }
  return {
    name: entry.name,
    regions,
    skills: [...entry.skills]
      .map(({ name, minProficiency }) => ({ name, minProficiency }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    ...(entry.fallback === undefined ? {} : { fallback: entry.fallback }),
    ...(entry.regionLock === undefined ? {} : { regionLock: entry.regionLock }),
  };
}

/**
 * Validates one entry against the active regions and returns it in canonical form (regions in config
 * order, skills sorted by name, `minProficiency` defaulted to 0).
 *
 * @throws DirectoryValidationError listing every problem, each naming its field
 * @example
 * parseDirectoryEntry(JSON.parse(text), config.regions.active);
 */
export function parseDirectoryEntry(
  raw: unknown,
  activeRegions: readonly string[],
  at?: string,
): DirectoryEntryInput {
  const { entry, problems } = checkEntry(raw, activeRegions, at);
  if (entry === undefined) throw new DirectoryValidationError(problems);
  return entry;
}

/**
 * Validates an import file `{ "queues": [ ... ] }`: every entry, unique names, and every fallback
 * naming an entry of the file or one of `knownNames` (the entries already stored).
 *
 * @throws DirectoryValidationError listing every problem of every entry
 * @example
 * const entries = parseDirectoryFile(JSON.parse(text), config.regions.active, stored.map((e) => e.name));
 */
export function parseDirectoryFile(
  raw: unknown,
  activeRegions: readonly string[],
  knownNames: readonly string[] = [],
): DirectoryEntryInput[] {
  const file = fileSchema.safeParse(raw);
  if (!file.success) throw new DirectoryValidationError(problemsOf(file.error, raw, undefined));
  const checked = file.data.queues.map((item, i) => checkEntry(item, activeRegions, `queues[${i}]`));
  const problems = checked.flatMap((c) => c.problems);
  const names = file.data.queues.map((item) =>
    typeof item === 'object' && item !== null ? (item as { name?: unknown }).name : undefined,
  );
  names.forEach((name, i) => {
    const first = names.indexOf(name);
    if (typeof name === 'string' && first < i)
      problems.push(`queues[${i}].name: ${name} is already the name of queues[${first}]`);
  });
  checked.forEach(({ entry }, i) => {
    const fallback = entry?.fallback;
    if (fallback !== undefined && !names.includes(fallback) && !knownNames.includes(fallback))
      problems.push(`queues[${i}].fallback: no queue ${fallback} in the file or the directory`);
  });
  if (problems.length > 0) throw new DirectoryValidationError(problems);
  return checked.map((c) => c.entry as DirectoryEntryInput);
}

/** The input part of a stored entry (what `export` writes and `import` reads back). */
export function toEntryInput(entry: DirectoryEntryInput): DirectoryEntryInput {
  const { name, regions, skills, fallback, regionLock } = entry;
  return {
    name,
    regions,
    skills,
    ...(fallback === undefined ? {} : { fallback }),
    ...(regionLock === undefined ? {} : { regionLock }),
  };
}

/** Whether two entries say the same thing (version and who wrote it aside). */
export function sameDirectoryEntry(a: DirectoryEntryInput, b: DirectoryEntryInput): boolean {
  const regions = [...new Set([...Object.keys(a.regions), ...Object.keys(b.regions)])].sort();
  return isDeepStrictEqual(canonical(a, regions), canonical(b, regions));
}
