/**
 * CloudWatch Embedded Metric Format, read back from the log lines the functions write through Powertools
 * Metrics, so the local alarms see the very datapoints CloudWatch Logs would extract.
 *
 * Spec: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 * - a log event is EMF only when the whole message is one JSON object (no text before or after it) with
 *   `_aws.CloudWatchMetrics`: anything else is an ordinary log line;
 * - every dimension key and every metric name a directive lists is a member of the root object; each
 *   dimension set of a directive makes a separate metric;
 * - a metric member may be an array of values, each one a sample of that metric.
 */

/** One value of one metric (namespace, name and full dimension set), as CloudWatch stores it. */
export interface MetricDatapoint {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;
  /** Epoch ms (`_aws.Timestamp`). */
  readonly timestamp: number;
  readonly value: number;
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The datapoints of one EMF log line; `[]` for a line that is not EMF (plain text, other JSON, a
 * malformed directive). Members a directive names but the line lacks are skipped, as CloudWatch drops them.
 *
 * @example
 * for (const line of stdout.split('\n')) alarms.ingest(parseEmf(line));
 */
export function parseEmf(line: string): MetricDatapoint[] {
  const root = parseObject(line);
  const meta = root?._aws;
  if (!root || !isObject(meta) || !Array.isArray(meta.CloudWatchMetrics)) return [];
  const timestamp = meta.Timestamp;
  if (typeof timestamp !== 'number' || !Number.isFinite(timestamp)) return [];
  const datapoints: MetricDatapoint[] = [];
  for (const directive of meta.CloudWatchMetrics) {
    if (!isObject(directive) || typeof directive.Namespace !== 'string') continue;
    const metrics = Array.isArray(directive.Metrics) ? directive.Metrics : [];
    for (const dimensions of dimensionSets(root, directive.Dimensions)) {
      for (const metric of metrics) {
        if (!isObject(metric) || typeof metric.Name !== 'string') continue;
        for (const value of valuesOf(root[metric.Name])) {
          datapoints.push({
            namespace: directive.Namespace,
            metricName: metric.Name,
            dimensions,
            timestamp,
            value,
          });
        }
      }
    }
  }
  return datapoints;
}

function parseObject(line: string): Json | undefined {
  const text = line.trim();
  // Cheap filter: most log lines are not EMF, and JSON.parse of every one would be wasted.
  if (!text.startsWith('{') || !text.includes('"_aws"')) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return isObject(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** Resolved dimension sets; none listed means one metric without dimensions. */
function dimensionSets(root: Json, sets: unknown): Record<string, string>[] {
  if (!Array.isArray(sets) || sets.length === 0) return [{}];
  const resolved: Record<string, string>[] = [];
  for (const keys of sets) {
    if (!Array.isArray(keys)) continue;
    const dims: Record<string, string> = {};
    const complete = keys.every((key) => {
      const value = typeof key === 'string' ? root[key] : undefined;
      if (typeof value !== 'string' || typeof key !== 'string') return false;
      dims[key] = value;
      return true;
    });
    if (complete) resolved.push(dims);
  }
  return resolved;
}

function valuesOf(member: unknown): number[] {
  const all = Array.isArray(member) ? member : [member];
  return all.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
}
