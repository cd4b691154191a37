import { readFileSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/load.js';
import type { ContinuityConfig } from '../config/schema.js';
import {
  entryForSet,
  exportDocument,
  formatImportSummary,
  formatList,
  formatResult,
  importDirectory,
  missingFallbackWarning,
  writeEntry,
} from '../functions/routing/directory/commands.js';
import { DirectoryValidationError } from '../functions/routing/directory/schema.js';
import {
  type DirectoryStore,
  DirectoryVersionConflict,
  dynamoDirectoryStore,
} from '../functions/routing/directory/store.js';
import { dynamoDocClient } from '../functions/shared/clients.js';
import { tableNames } from '../functions/shared/names.js';

const HELP = `cc-continuity directory: the logical queues flows name, and where each lives per region

Usage:
  npx cc-continuity directory set <NAME> --env <env> (--file <entry.json> | --json '<entry>') [--expect-version <n>]
  npx cc-continuity directory get <NAME> --env <env>
  npx cc-continuity directory list       --env <env>
  npx cc-continuity directory import <file> --env <env>
  npx cc-continuity directory export     --env <env> [--out <file>]

Commands:
  set      store one entry (version +1); an entry equal to the stored one is left as it is
  get      print one entry as JSON, version included: edit it and give it back to set, and set fails
           if someone changed the entry meanwhile
  list     every entry, by name
  import   validate the whole file { "queues": [ ... ] } first, then write each entry: created,
           updated or unchanged
  export   print (or write to --out) { "queues": [ ... ] } as import reads it

An entry:
  { "name": "PRIMARY_SUPPORT_QUEUE",
    "regions": { "us-east-1": { "queueId": "<platform queue id>", "transferAddress": "sip:support@use1.example.com" },
                 "us-west-2": { "queueId": "<platform queue id>", "transferAddress": "tel:+15551230000" } },
    "skills": [ { "name": "billing", "minProficiency": 2 } ],   optional, proficiency 0-5
    "fallback": "SECONDARY_SUPPORT_QUEUE",                      optional, another logical queue
    "regionLock": "us-east-1" }                                 optional, answer only in this region

Options:
  --env <env>              environment (config/<env>.json)                            required
  --file <entry.json>      set: the entry from a file
  --json '<entry>'         set: the entry inline
  --expect-version <n>     set: write only if the stored entry is at version n (0: only if there is none)
  --out <file>             export: write the file instead of printing it
  --by <name>              who (default: your OS user name)
  --via <r>                region whose ControlState replica to use (default: the first active region)
  --endpoint <url>         DynamoDB endpoint (e.g. DynamoDB Local); also CC_CONTINUITY_DYNAMODB_ENDPOINT
  -h, --help               this text

Exit codes: 0 done, 1 failed (ControlState unreachable, or changed meanwhile), 2 bad input.
`;

class DirectoryUsageError extends Error {}

/** Options that belong to one command: given to another, they would be silently ignored. */
const OPTION_OWNERS = { file: 'set', json: 'set', 'expect-version': 'set', out: 'export' } as const;

/** `cc-continuity directory ...`; returns the exit code. Errors it does not own go to bin/cli.ts. */
export async function directoryCommand(argv: readonly string[]): Promise<number> {
  try {
    return await run(argv);
  } catch (error) {
    if (error instanceof DirectoryUsageError) {
      process.stderr.write(`${error.message}\n\nRun cc-continuity directory --help for usage.\n`);
      return 2;
    }
    if (error instanceof DirectoryValidationError) {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    if (error instanceof DirectoryVersionConflict) {
      process.stderr.write(`conflict: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

async function run(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      env: { type: 'string' },
      file: { type: 'string' },
      json: { type: 'string' },
      'expect-version': { type: 'string' },
      out: { type: 'string' },
      by: { type: 'string' },
      via: { type: 'string' },
      endpoint: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command, argument, ...extra] = positionals;
  if (values.help || command === undefined) {
    process.stdout.write(HELP);
    return values.help ? 0 : 2;
  }
  const takesArgument = command === 'set' || command === 'get' || command === 'import';
  if (!['set', 'get', 'list', 'import', 'export'].includes(command))
    throw new DirectoryUsageError(`unknown directory command ${command}`);
  if (takesArgument && argument === undefined)
    throw new DirectoryUsageError(`directory ${command} needs ${command === 'import' ? '<file>' : '<NAME>'}`);
  const unexpected = takesArgument ? extra : [argument, ...extra].filter((a) => a !== undefined);
  if (unexpected.length > 0) throw new DirectoryUsageError(`unexpected argument ${unexpected[0]}`);
  for (const [option, owner] of Object.entries(OPTION_OWNERS)) {
    if (values[option as keyof typeof values] !== undefined && command !== owner)
      throw new DirectoryUsageError(`--${option} is an option of directory ${owner} only`);
  }
  if (!values.env) throw new DirectoryUsageError('--env is required');
  const config = loadConfig(values.env);
  const active = config.regions.active;
  const store = storeFor(config, values.via, values.endpoint);
  const by = values.by ?? userInfo().username;
  const now = Date.now();
  const name = argument ?? '';

  switch (command) {
    case 'set': {
      const flag = expectedVersionFlag(values['expect-version']);
      const raw = entrySource(values.file, values.json);
      const { entry, expectedVersion: fromEntry } = entryForSet(raw, name, active);
      if (flag !== undefined && fromEntry !== undefined && flag !== fromEntry)
        throw new DirectoryUsageError(
          `--expect-version ${values['expect-version']} contradicts "version": ${fromEntry} in the entry`,
        );
      const expectedVersion = flag !== undefined ? flag : fromEntry;
      const result = await writeEntry(store, entry, { by, now, expectedVersion });
      process.stdout.write(`${formatResult(result)}\n`);
      if (entry.fallback !== undefined && (await store.get(entry.fallback)) === null)
        process.stderr.write(`warning: fallback ${entry.fallback} has no directory entry yet\n`);
      return 0;
    }
    case 'get': {
      const entry = await store.get(name);
      if (entry === null) {
        process.stderr.write(`no directory entry ${name}\n`);
        return 1;
      }
      // Regions in config order; the metadata last, where an editor of the output finds it easily.
      const [input] = exportDocument([entry], active).queues;
      const { version, updatedAt, updatedBy } = entry;
      process.stdout.write(`${JSON.stringify({ ...input, version, updatedAt, updatedBy }, null, 2)}\n`);
      return 0;
    }
    case 'list': {
      const entries = await store.list();
      process.stdout.write(`${formatList(entries, active)}\n`);
      warnWithoutFallbackQueue(
        entries.map((e) => e.name),
        config,
      );
      return 0;
    }
    case 'import': {
      const raw = readJson(name);
      const results = await importDirectory(store, raw, active, {
        by,
        now,
        onResult: (r) => process.stdout.write(`${formatResult(r)}\n`),
      });
      process.stdout.write(`${formatImportSummary(results)}\n`);
      warnWithoutFallbackQueue(
        (await store.list()).map((e) => e.name),
        config,
      );
      return 0;
    }
    default: {
      const text = `${JSON.stringify(exportDocument(await store.list(), active), null, 2)}\n`;
      if (values.out === undefined) {
        process.stdout.write(text);
      } else {
        writeFileSync(values.out, text);
        process.stdout.write(`exported to ${values.out}\n`);
      }
      return 0;
    }
  }
}

/** The store as bin/cli.ts makes its ControlStore: the `via` replica, five control budgets, two attempts. */
function storeFor(config: ContinuityConfig, viaFlag?: string, endpointFlag?: string): DirectoryStore {
  const via = viaFlag ?? config.regions.active[0];
  if (via === undefined || !config.regions.active.includes(via))
    throw new DirectoryUsageError(`--via ${via} is not an active region`);
  const endpoint = endpointFlag ?? process.env.CC_CONTINUITY_DYNAMODB_ENDPOINT;
  if (endpoint && !process.env.AWS_ACCESS_KEY_ID) {
    // DynamoDB Local accepts any credentials but the SDK still wants some.
    process.env.AWS_ACCESS_KEY_ID = 'local';
    process.env.AWS_SECRET_ACCESS_KEY = 'local';
  }
  const budgetMs = config.quorum.controlBudgetMs * 5;
  return dynamoDirectoryStore({
    doc: dynamoDocClient(via, endpoint, { requestTimeoutMs: budgetMs, maxAttempts: 2 }),
    tableName: tableNames(config.env).controlState,
    budgetMs,
  });
}

function entrySource(file: string | undefined, json: string | undefined): unknown {
  if ((file === undefined) === (json === undefined))
    throw new DirectoryUsageError('directory set needs one of --file <entry.json> or --json <entry>');
  if (file !== undefined) return readJson(file);
  return parseJson(json ?? '', '--json');
}

/** `--expect-version 0` means "must not exist yet" (the store's null). */
function expectedVersionFlag(flag: string | undefined): number | null | undefined {
  if (flag === undefined) return undefined;
  if (!/^\d{1,15}$/.test(flag))
    throw new DirectoryUsageError(`--expect-version ${flag}: must be a whole number (0: no entry yet)`);
  const version = Number(flag);
  return version === 0 ? null : version;
}

function readJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new DirectoryUsageError(`cannot read ${file}: ${(error as Error).message}`);
  }
  return parseJson(text, file);
}

function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new DirectoryValidationError([`${source}: not valid JSON (${(error as Error).message})`]);
  }
}

function warnWithoutFallbackQueue(names: readonly string[], config: ContinuityConfig): void {
  const warning = missingFallbackWarning(names, config.routing.fallbackQueue);
  if (warning !== undefined) process.stderr.write(`${warning}\n`);
}
