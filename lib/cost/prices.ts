import { readFileSync } from 'node:fs';

/** One unit price: `usd` for every `per` units of `unit`. */
export interface UnitPrice {
  readonly usd: number;
  readonly per: number;
  readonly unit: string;
  /** Key into {@link PriceFile.sources}. */
  readonly source: string;
  /** False: the best-known public figure, not found in the stored pricing material (see the file's note). */
  readonly verified: boolean;
}

export const PRICE_KEYS = [
  'lambda.gbSecond.arm64',
  'lambda.gbSecond.x86_64',
  'lambda.requests',
  'dynamodb.wru',
  'dynamodb.rwru',
  'dynamodb.rru',
  'dataTransfer.interRegion',
  'route53.check.awsEndpoint',
  'route53.check.nonAwsEndpoint',
  'route53.check.optionAws',
  'route53.check.optionNonAws',
  'route53.check.calculated',
  'route53.check.metric',
  'route53.queries.latency',
  'cloudwatch.metric',
  'cloudwatch.alarm.standard',
  'cloudwatch.alarm.highResolution',
  'cloudwatch.dashboard',
  'cloudwatch.logs.ingestion',
  'xray.traces',
  'eventbridge.customEvents',
  'secretsManager.secret',
  'secretsManager.apiCalls',
  'apiGateway.httpRequests',
  'kms.key',
] as const;

export type PriceKey = (typeof PRICE_KEYS)[number];

export interface PriceFile {
  readonly title: string;
  readonly currency: 'USD';
  readonly regions: string;
  /** When the figures were read (ISO date). */
  readonly date: string;
  readonly sources: Readonly<Record<string, string>>;
  readonly note: string;
  readonly prices: Readonly<Record<PriceKey, UnitPrice>>;
}

export const PRICE_FILE = new URL('./prices.json', import.meta.url);

/**
 * Reads and checks a price file: every key the model uses present, each a non-negative price per a
 * positive quantity, each naming one of the file's sources.
 *
 * @example
 * const prices = loadPrices(); // lib/cost/prices.json
 */
export function loadPrices(file: URL | string = PRICE_FILE): PriceFile {
  return checkPrices(JSON.parse(readFileSync(file, 'utf8')) as PriceFile, String(file));
}

export function checkPrices(raw: PriceFile, origin = 'price file'): PriceFile {
  const problems: string[] = [];
  if (typeof raw.date !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(raw.date))
    problems.push('date: must be YYYY-MM-DD');
  for (const key of PRICE_KEYS) {
    const p = raw.prices?.[key];
    if (p === undefined) {
      problems.push(`${key}: missing`);
      continue;
    }
    if (!(p.usd >= 0) || !(p.per > 0)) problems.push(`${key}: usd must be >= 0 and per > 0`);
    if (raw.sources?.[p.source] === undefined) problems.push(`${key}: source ${p.source} is not in sources`);
  }
  if (problems.length > 0) throw new Error(`${origin}:\n  ${problems.join('\n  ')}`);
  return raw;
}

/** The same prices with one changed (for what-if runs and tests). */
export function withPrice(file: PriceFile, key: PriceKey, usd: number): PriceFile {
  const current = file.prices[key];
  return { ...file, prices: { ...file.prices, [key]: { ...current, usd } } };
}
