import { Logger } from '@aws-lambda-powertools/logger';
import type { LogLevel } from '@aws-lambda-powertools/logger/types';
import { Metrics } from '@aws-lambda-powertools/metrics';

export type { Logger } from '@aws-lambda-powertools/logger';
export type { Metrics } from '@aws-lambda-powertools/metrics';
export { MetricResolution, MetricUnit } from '@aws-lambda-powertools/metrics';

/** CloudWatch namespace of every metric the project emits (EMF). */
export const METRICS_NAMESPACE = 'CcContinuity';

/**
 * Log attribute names whose values are never written: tokens, secrets, signatures, credentials.
 * Matched at the end of the name, case-insensitively (`accessToken`, `clientSecret`, `x-signature`,
 * `authorization`), so `tokenExpiresAt` stays readable.
 */
const SECRET_NAME =
  /(secret|password|passphrase|token|authorization|api-?key|credentials?|signature|cookie)$/i;

export const REDACTED = '[redacted]';

/**
 * JSON replacer for the logger: replaces the value of any attribute whose name looks like it holds a
 * secret, at any depth. A second line of defence: code must still not log secrets on purpose.
 *
 * @example
 * JSON.stringify({ apiHost: 'api.x', accessToken: 'eyJ...' }, redactSecrets) // {"apiHost":"api.x","accessToken":"[redacted]"}
 */
export function redactSecrets(key: string, value: unknown): unknown {
  if (
    key !== '' &&
    SECRET_NAME.test(key) &&
    value !== null &&
    value !== undefined &&
    typeof value !== 'boolean'
  ) {
    return REDACTED;
  }
  return value;
}

export interface Observability {
  readonly logger: Logger;
  readonly metrics: Metrics;
}

export interface ObservabilityOptions {
  /** Attributes on every log line (for example `{ region }`). */
  readonly persistentKeys?: Readonly<Record<string, string>>;
  /** @default POWERTOOLS_LOG_LEVEL, else INFO */
  readonly logLevel?: LogLevel;
}

/**
 * The logger and metrics of one function. Call once at module scope and hand both to the middy chain
 * (middleware.ts) and to the core.
 *
 * @example
 * const { logger, metrics } = observability('quorum', { persistentKeys: { region: config.region } });
 * metrics.addMetric('RotationChanged', MetricUnit.Count, 1);
 */
export function observability(service: string, options: ObservabilityOptions = {}): Observability {
  const logger = new Logger({
    serviceName: service,
    jsonReplacerFn: redactSecrets,
    ...(options.logLevel ? { logLevel: options.logLevel } : {}),
    ...(options.persistentKeys ? { persistentKeys: { ...options.persistentKeys } } : {}),
  });
  const metrics = new Metrics({
    namespace: METRICS_NAMESPACE,
    serviceName: service,
    logger: metricsLogger(logger),
  });
  return { logger, metrics };
}

/**
 * Metrics' warnings go through our logger, except the one it writes on every invocation that happens
 * to add no metric (most health-endpoint calls): it would be a log line per request and says nothing.
 */
function metricsLogger(logger: Logger) {
  return {
    debug: (...args: unknown[]) => logger.debug(String(args[0]), ...rest(args)),
    info: (...args: unknown[]) => logger.info(String(args[0]), ...rest(args)),
    warn: (...args: unknown[]) => {
      if (String(args[0]).startsWith('No application metrics to publish')) return;
      logger.warn(String(args[0]), ...rest(args));
    },
    error: (...args: unknown[]) => logger.error(String(args[0]), ...rest(args)),
  };
}

function rest(args: unknown[]): [{ details: unknown[] }] | [] {
  return args.length > 1 ? [{ details: args.slice(1) }] : [];
}
