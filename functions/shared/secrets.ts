import {
  GetSecretValueCommand,
  type GetSecretValueCommandOutput,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import * as z from 'zod/mini';
import './zod-messages.js';
import { type Logger, type Metrics, MetricUnit } from './logger.js';

/**
 * Secrets Manager reads with a short in-memory cache and a last good value per secret.
 *
 * - A warm function must not call Secrets Manager on every request (latency, cost, throttling), yet a
 *   rotated key must reach every container within a minute or so: both hold with a TTL of a minute.
 * - A secret is replicated to both active regions, so a bad rotation (a token key too short, a JSON
 *   typo in the API keys) would fail every request in both regions at once. Each secret is therefore
 *   read through a parser, and the last value that parsed is kept: when a new value does not parse,
 *   or Secrets Manager cannot be read (or does not answer within `refreshWaitMs`), the function keeps
 *   serving with the last good value and reports it (`onFallback`: a warning and the
 *   {@link SECRET_FALLBACK_METRIC} metric, alarmed). A container that never had a good value uses the
 *   version the rotation replaced (`AWSPREVIOUS`); only when that is unusable too does it fail.
 * - Values never appear in errors or logs: errors name the secret and what is wrong with its shape.
 *
 * Why not Powertools Parameters (`SecretsProvider` with `maxAge` and `transform: 'json'`): it gives the
 * TTL and does not cache a failed read, but not the other two guarantees above
 * (its reference: docs.aws.amazon.com/powertools/typescript/2.27.0/api/functions/_aws-lambda-powertools_parameters.secrets.getSecret.html;
 * the behaviour below is `BaseProvider.get` and `transformValue` in packages/parameters/src/base of
 * github.com/aws-powertools/powertools-lambda-typescript):
 * - no last good value: once `maxAge` has passed, `get` fetches again and any failure throws
 *   `GetParameterError`; the expired value is not served. A value that fetches but is unusable (a key too
 *   short, a typo in a scope) is cached and returned like any other: there is no parser whose refusal
 *   keeps the previous value, no bounded wait, and no `AWSPREVIOUS` stand-in for a fresh container.
 * - values can reach errors: with `transform: 'json'` a value that is not JSON throws
 *   `TransformParameterError` carrying `JSON.parse`'s message, and Node's quotes the text it failed on
 *   (`Unexpected token 's', "s3cr3t..." is not valid JSON`).
 * Wrapping it to add both would leave only our TTL map replaced, for one more package in every bundle.
 */

/** @default TTL of a cached secret value. */
export const DEFAULT_SECRET_TTL_MS = 60_000;
/** @default How long a request waits for a refresh when a last good value could serve instead. */
export const DEFAULT_REFRESH_WAIT_MS = 500;
/** EMF metric (Count) emitted each time a request is served with a last good value instead of the current one. */
export const SECRET_FALLBACK_METRIC = 'SecretFallback';

export class SecretUnavailableError extends Error {
  constructor(
    readonly secretName: string,
    problem: string,
    options?: { cause?: unknown },
  ) {
    super(`secret ${secretName}: ${problem}`, options);
    this.name = 'SecretUnavailableError';
  }
}

/**
 * Turns a secret's text into what the function uses, or throws an Error whose message says what is
 * wrong with the shape (never the value). Make parsers once at module scope: the last good value is
 * kept per secret and parser.
 */
export type SecretParser<T> = (text: string) => T;

/** Why a request was served with a last good value. `problem` never contains the value. */
export interface SecretFallback {
  readonly secretName: string;
  readonly problem: string;
}

/**
 * The one way a function reports a fallback: a warning naming the secret and the problem (never the
 * value) and one {@link SECRET_FALLBACK_METRIC}, which the stacks alarm on per function.
 *
 * The metric is flushed at once in a document of its own: a request's metrics share the dimensions the
 * handler adds later (`source` on GET /contexts, `reason` on resolve), and a fallback counted among
 * them would land under those dimensions, where the alarm on `service` alone never sees it.
 */
export function reportFallbacks(
  logger: Pick<Logger, 'warn'>,
  metrics: Pick<Metrics, 'singleMetric'>,
): (fallback: SecretFallback) => void {
  return ({ secretName, problem }) => {
    logger.warn('serving with the last good value of a secret', { secretName, problem });
    metrics.singleMetric().addMetric(SECRET_FALLBACK_METRIC, MetricUnit.Count, 1);
  };
}

export interface SecretsReaderOptions {
  /** @default 60 s */
  readonly ttlMs?: number;
  /** @default 500 ms - the longest a request waits for Secrets Manager when a last good value exists */
  readonly refreshWaitMs?: number;
  /** @default Date.now - injectable so tests step the clock */
  readonly now?: () => number;
  /** Called each time a last good value is served instead of the current one. */
  readonly onFallback?: (fallback: SecretFallback) => void;
}

export interface SecretsReader {
  /** The secret parsed by `parse`: the current value, or the last good one when the current one is unusable. */
  parsed<T>(name: string, parse: SecretParser<T>): Promise<T>;
  /** The secret as a key list (see {@link parseKeyList}): current first. */
  keys(name: string): Promise<readonly string[]>;
}

/**
 * The rotatable secrets (API keys, token keys, webhook secret) hold a list of keys, the one to sign
 * with first and every key still accepted after it:
 *
 *   {"keys": ["<current>", "<next or previous>"]}
 *
 * The form CloudFormation generates at first deployment, `{"current": "<random>"}` (optionally with
 * `"next"` / `"previous"`), is read as the same list, so a fresh stack works before anyone rotates.
 */
const keyText = z.string().check(z.minLength(1), z.maxLength(4096));
const keyListSchema = z.union([
  z.pipe(
    z.object({ keys: z.array(keyText).check(z.minLength(1), z.maxLength(4)) }),
    z.transform((s: { keys: string[] }) => s.keys),
  ),
  z.pipe(
    z.object({ current: keyText, next: z.optional(keyText), previous: z.optional(keyText) }),
    z.transform((s: { current: string; next?: string | undefined; previous?: string | undefined }) => [
      s.current,
      ...(s.next ? [s.next] : []),
      ...(s.previous ? [s.previous] : []),
    ]),
  ),
]);

/** The key list in a secret's text, or null when the text is not one of the two forms. */
export function parseKeyList(text: string): readonly string[] | null {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return null;
  }
  const parsed = keyListSchema.safeParse(raw);
  return parsed.success ? parsed.data : null;
}

/** {@link parseKeyList} as a {@link SecretParser}: throws naming the expected shape. */
export const keyListParser: SecretParser<readonly string[]> = (text) => {
  const keys = parseKeyList(text);
  if (!keys) {
    throw new Error(
      'must be JSON {"keys":["<current>","<other>"]} or {"current":"<key>"} with non-empty keys',
    );
  }
  return keys;
};

type Parsed = { text: string; ok: true; value: unknown } | { text: string; ok: false; problem: string };

interface SecretState {
  /** The last text read, and when. */
  fetched?: { text: string; at: number };
  /** The read in progress (one per secret, shared by concurrent requests). */
  refresh?: { promise: Promise<string>; startedAt: number };
  /** Per parser: the last text it parsed (good or bad) and the last good value. */
  readonly parses: Map<SecretParser<unknown>, { latest: Parsed; good?: unknown; hasGood: boolean }>;
}

const TIMED_OUT = Symbol('timed out');

function describe(e: unknown): string {
  return e instanceof Error ? e.message : 'is not valid';
}

/**
 * A cached reader. Make one at module scope next to the client. Concurrent reads of a name share one
 * request; a failed read is not cached, so a later request tries again.
 *
 * @example
 * const secrets = secretsReader(secretsManagerClientFor(config), { onFallback: (f) => logger.warn(...) });
 * const apiKeys = await secrets.keys(secretNames(config.env).apiKeys);
 */
export function secretsReader(
  client: Pick<SecretsManagerClient, 'send'>,
  options: SecretsReaderOptions = {},
): SecretsReader {
  const ttlMs = options.ttlMs ?? DEFAULT_SECRET_TTL_MS;
  const refreshWaitMs = options.refreshWaitMs ?? DEFAULT_REFRESH_WAIT_MS;
  const now = options.now ?? Date.now;
  const states = new Map<string, SecretState>();

  const stateOf = (name: string): SecretState => {
    let state = states.get(name);
    if (!state) {
      state = { parses: new Map() };
      states.set(name, state);
    }
    return state;
  };

  const startRefresh = (name: string, state: SecretState): Promise<string> => {
    if (state.refresh) return state.refresh.promise;
    const promise = fetchText(client, name).then(
      (text) => {
        state.fetched = { text, at: now() };
        state.refresh = undefined;
        return text;
      },
      (e: unknown) => {
        state.refresh = undefined;
        throw e;
      },
    );
    // A fallback request may stop waiting; the read still settles (and is handled) in the background.
    promise.catch(() => undefined);
    state.refresh = { promise, startedAt: now() };
    return promise;
  };

  /** The text to parse, or a fallback problem when a last good value exists and the read failed or is slow. */
  const currentText = async (
    name: string,
    state: SecretState,
    canFallBack: boolean,
  ): Promise<{ text: string } | { problem: string }> => {
    const fetched = state.fetched;
    if (fetched && now() - fetched.at < ttlMs) return { text: fetched.text };
    const refresh = startRefresh(name, state);
    if (!canFallBack) return { text: await refresh };
    const waitMs = refreshWaitMs - (now() - (state.refresh?.startedAt ?? now()));
    let timer: NodeJS.Timeout | undefined;
    try {
      const text = await Promise.race([
        refresh,
        new Promise<typeof TIMED_OUT>((resolve) => {
          timer = setTimeout(() => resolve(TIMED_OUT), Math.max(0, waitMs));
        }),
      ]);
      if (text === TIMED_OUT) return { problem: `Secrets Manager did not answer within ${refreshWaitMs} ms` };
      return { text };
    } catch (e) {
      const cause =
        e instanceof SecretUnavailableError ? e.message.replace(`secret ${name}: `, '') : 'read failed';
      return { problem: cause };
    } finally {
      clearTimeout(timer);
    }
  };

  const parsed = async <T>(name: string, parse: SecretParser<T>): Promise<T> => {
    const state = stateOf(name);
    const key = parse as SecretParser<unknown>;
    let slot = state.parses.get(key);
    const current = await currentText(name, state, slot?.hasGood === true);
    if ('problem' in current) {
      options.onFallback?.({ secretName: name, problem: current.problem });
      return slot?.good as T;
    }
    if (slot?.latest.text !== current.text) {
      let latest: Parsed;
      try {
        latest = { text: current.text, ok: true, value: parse(current.text) };
      } catch (e) {
        latest = { text: current.text, ok: false, problem: describe(e) };
      }
      slot = latest.ok
        ? { latest, good: latest.value, hasGood: true }
        : { latest, good: slot?.good, hasGood: slot?.hasGood === true };
      state.parses.set(key, slot);
    }
    const latest = slot.latest;
    if (latest.ok) return latest.value as T;
    if (!slot.hasGood) {
      // A container that starts during a bad rotation has no last good value of its own: the version
      // the rotation replaced (Secrets Manager moves AWSPREVIOUS to it on PutSecretValue) stands in.
      const previous = await previousValue(name, parse);
      if (previous === undefined) throw new SecretUnavailableError(name, latest.problem);
      slot = { latest, good: previous.value, hasGood: true };
      state.parses.set(key, slot);
    }
    options.onFallback?.({ secretName: name, problem: latest.problem });
    return slot.good as T;
  };

  const previousValue = async <T>(
    name: string,
    parse: SecretParser<T>,
  ): Promise<{ value: T } | undefined> => {
    try {
      return { value: parse(await fetchText(client, name, 'AWSPREVIOUS')) };
    } catch {
      return undefined;
    }
  };

  return {
    parsed,
    keys: (name) => parsed(name, keyListParser),
  };
}

async function fetchText(
  client: Pick<SecretsManagerClient, 'send'>,
  name: string,
  stage?: 'AWSPREVIOUS',
): Promise<string> {
  let out: GetSecretValueCommandOutput;
  try {
    out = await client.send(
      new GetSecretValueCommand({ SecretId: name, ...(stage ? { VersionStage: stage } : {}) }),
    );
  } catch (e) {
    // The SDK error carries no secret value; keep it as the cause for the log.
    throw new SecretUnavailableError(name, 'could not be read', { cause: e });
  }
  const value = out.SecretString;
  if (typeof value !== 'string' || value.length === 0) {
    throw new SecretUnavailableError(name, 'has no string value');
  }
  return value;
}

/** A reader over fixed values (no previous versions), for tests and local runs without Secrets Manager: the same rules. */
export function staticSecrets(values: Readonly<Record<string, string>>): SecretsReader {
  return secretsReader({
    send: async (command: GetSecretValueCommand) => {
      const name = command.input.SecretId ?? '';
      if (values[name] === undefined || command.input.VersionStage !== undefined) throw new Error('not set');
      return { SecretString: values[name], $metadata: {} };
    },
  } as Pick<SecretsManagerClient, 'send'>);
}
