import {
  type DirectoryEntry,
  type DirectoryEntryInput,
  DirectoryValidationError,
  parseDirectoryEntry,
  parseDirectoryFile,
  sameDirectoryEntry,
  toEntryInput,
} from './schema.js';
import { type DirectoryStore, DirectoryVersionConflict } from './store.js';

/**
 * What `cc-continuity directory ...` does, apart from arguments and files (bin/cli-directory.ts): the
 * writes with their outcome, the import and export documents and the text printed.
 */

export type WriteOutcome = 'created' | 'updated' | 'unchanged';

export interface WriteResult {
  readonly name: string;
  readonly outcome: WriteOutcome;
  /** The version stored after the command. */
  readonly version: number;
}

export interface WriteOptions {
  readonly by: string;
  readonly now: number;
  /** As DirectoryStore.put; also checked when the entry is unchanged. */
  readonly expectedVersion?: number | null;
}

/**
 * The entry of `directory set <NAME>`: the entry may omit `name` (NAME is used) and may be what `get`
 * printed, whose `version` then becomes the expected version (an edit of a stale read conflicts).
 *
 * @throws DirectoryValidationError naming each bad field
 */
export function entryForSet(
  raw: unknown,
  name: string,
  activeRegions: readonly string[],
): { entry: DirectoryEntryInput; expectedVersion?: number } {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new DirectoryValidationError(['(entry): must be a JSON object { "regions", "skills", ... }']);
  }
  const { version, updatedAt: _at, updatedBy: _by, ...rest } = raw as Record<string, unknown>;
  const problems: string[] = [];
  if (rest.name !== undefined && rest.name !== name)
    problems.push(`name: ${JSON.stringify(rest.name)} does not match the NAME argument ${name}`);
  if (version !== undefined && !(Number.isSafeInteger(version) && (version as number) >= 1))
    problems.push('version: must be the whole number `get` printed (or leave it out)');
  let entry: DirectoryEntryInput | undefined;
  try {
    entry = parseDirectoryEntry({ ...rest, name }, activeRegions);
  } catch (error) {
    if (!(error instanceof DirectoryValidationError)) throw error;
    problems.push(...error.problems);
  }
  if (entry === undefined || problems.length > 0) throw new DirectoryValidationError(problems);
  return { entry, ...(version === undefined ? {} : { expectedVersion: version as number }) };
}

/**
 * Stores `entry` unless the stored one already says the same (then nothing is written and the version
 * stays). With `expectedVersion` the stored version must match, changed or not.
 *
 * @throws DirectoryVersionConflict when the expectation does not hold
 */
export async function writeEntry(
  store: DirectoryStore,
  entry: DirectoryEntryInput,
  options: WriteOptions,
): Promise<WriteResult> {
  const current = await store.get(entry.name);
  const actual = current?.version ?? null;
  const { expectedVersion } = options;
  if (expectedVersion !== undefined && expectedVersion !== actual)
    throw new DirectoryVersionConflict(entry.name, expectedVersion, actual);
  if (current !== null && sameDirectoryEntry(current, entry))
    return { name: entry.name, outcome: 'unchanged', version: current.version };
  const written = await store.put(entry, options);
  return { name: entry.name, outcome: current === null ? 'created' : 'updated', version: written.version };
}

/**
 * Validates the whole import file against the active regions and the stored names, then writes its
 * entries in file order (nothing is written when any entry is invalid). `onResult` sees each outcome
 * as it happens, so a failure part-way still shows what was written.
 */
export async function importDirectory(
  store: DirectoryStore,
  raw: unknown,
  activeRegions: readonly string[],
  options: Omit<WriteOptions, 'expectedVersion'> & { readonly onResult?: (result: WriteResult) => void },
): Promise<WriteResult[]> {
  const stored = await store.list();
  const entries = parseDirectoryFile(
    raw,
    activeRegions,
    stored.map((e) => e.name),
  );
  const results: WriteResult[] = [];
  for (const entry of entries) {
    const result = await writeEntry(store, entry, { by: options.by, now: options.now });
    results.push(result);
    options.onResult?.(result);
  }
  return results;
}

/**
 * `{ "queues": [...] }` without versions or authors: what `import` accepts again. Regions come in
 * config order, so two exports of the same directory are the same text.
 */
export function exportDocument(
  entries: readonly DirectoryEntryInput[],
  activeRegions: readonly string[],
): { queues: DirectoryEntryInput[] } {
  return {
    queues: entries.map((entry) => {
      const input = toEntryInput(entry);
      const regions = Object.fromEntries(
        regionOrder(Object.keys(input.regions), activeRegions).flatMap((r) => {
          const target = input.regions[r];
          return target ? [[r, target] as const] : [];
        }),
      );
      return { ...input, regions };
    }),
  };
}

/** Active regions in config order, then any others (an entry written under an older config). */
function regionOrder(regions: readonly string[], activeRegions: readonly string[]): string[] {
  return [
    ...activeRegions.filter((r) => regions.includes(r)),
    ...regions.filter((r) => !activeRegions.includes(r)),
  ];
}

export function formatResult(result: WriteResult): string {
  return `${result.outcome.padEnd(9)} ${result.name} (version ${result.version})`;
}

export function formatImportSummary(results: readonly WriteResult[]): string {
  const count = (o: WriteOutcome) => results.filter((r) => r.outcome === o).length;
  return `imported ${results.length} queue${results.length === 1 ? '' : 's'}: ${count('created')} created, ${count('updated')} updated, ${count('unchanged')} unchanged`;
}

/**
 * One entry as `list` shows it:
 *
 * PRIMARY_SUPPORT_QUEUE  version 3, updated 2026-01-10T12:00:00.000Z by ana
 *   us-east-1  queue q-east-1  transfer sip:support@use1.example.com
 *   skills     billing >= 2, english
 *   fallback   SECONDARY_SUPPORT_QUEUE
 */
export function formatEntry(entry: DirectoryEntry, activeRegions: readonly string[]): string {
  const regions = regionOrder(Object.keys(entry.regions), activeRegions);
  const width = Math.max(9, ...regions.map((r) => r.length));
  const row = (label: string, text: string) => `  ${label.padEnd(width)}  ${text}`;
  const lines = [`${entry.name}  version ${entry.version}, updated ${entry.updatedAt} by ${entry.updatedBy}`];
  for (const region of regions) {
    const target = entry.regions[region];
    if (target) lines.push(row(region, `queue ${target.queueId}  transfer ${target.transferAddress}`));
  }
  const skills = entry.skills.map((s) =>
    s.minProficiency > 0 ? `${s.name} >= ${s.minProficiency}` : s.name,
  );
  lines.push(row('skills', skills.length > 0 ? skills.join(', ') : 'none'));
  if (entry.fallback !== undefined) lines.push(row('fallback', entry.fallback));
  if (entry.regionLock !== undefined) lines.push(row('locked to', entry.regionLock));
  return lines.join('\n');
}

export function formatList(entries: readonly DirectoryEntry[], activeRegions: readonly string[]): string {
  if (entries.length === 0) return 'the directory is empty';
  return entries.map((e) => formatEntry(e, activeRegions)).join('\n\n');
}

/**
 * The warning when the configured fallback queue (`routing.fallbackQueue`) has no entry: resolve
 * answers it when nothing qualifies, and there would be nowhere to send the call.
 */
export function missingFallbackWarning(names: readonly string[], fallbackQueue: string): string | undefined {
  if (names.includes(fallbackQueue)) return undefined;
  return `warning: the fallback queue ${fallbackQueue} (routing.fallbackQueue) has no directory entry; resolve answers it when no queue qualifies`;
}
