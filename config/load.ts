import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, type ContinuityConfig, parseConfig } from './schema.js';

export const CONFIG_DIR = dirname(fileURLToPath(import.meta.url));

/** Environments that have a file under config/. */
export function listEnvironments(dir = CONFIG_DIR): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

/**
 * Reads and validates `config/<env>.json`. Fails with a {@link ConfigError} that
 * names the file, each bad field, its value and the fix.
 *
 * @example
 * const config = loadConfig('dev');
 */
export function loadConfig(env: string, dir = CONFIG_DIR): ContinuityConfig {
  const file = join(dir, `${env}.json`);
  const source = `config/${env}.json`;
  if (!/^[a-z][a-z0-9-]{1,20}$/.test(env) || !existsSync(file)) {
    throw new ConfigError(source, [
      `env = ${JSON.stringify(env)}: no such environment; pass -c env=<name> with one of: ${listEnvironments(dir).join(', ')}`,
    ]);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ConfigError(source, [`(file): not valid JSON (${(e as Error).message}); fix the syntax`]);
  }
  const config = parseConfig(raw, source);
  if (config.env !== env) {
    throw new ConfigError(source, [
      `env = ${JSON.stringify(config.env)}: does not match the file name; set "env": "${env}"`,
    ]);
  }
  return config;
}
