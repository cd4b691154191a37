import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Template } from 'aws-cdk-lib/assertions';
import { mockClient } from 'aws-sdk-client-mock';
import { vi } from 'vitest';
import { type MetricDatapoint, parseEmf } from '../../local/cloudwatch/emf.js';
import { resourcesOf } from '../lib/helpers.js';

/**
 * The two sides of the metric contract: what the functions write as EMF, and what the stacks' alarms
 * and dashboards read. test/lib/metric-contract.test.ts checks that the second is a subset of the first.
 */

/** One metric as CloudWatch keys it: namespace, name and the names of its dimensions (values aside). */
export interface EmittedMetric {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;
}

/**
 * Runs `act` and returns every EMF datapoint written to stdout meanwhile (Powertools Metrics writes
 * there), parsed as CloudWatch Logs would extract it (local/cloudwatch/emf.ts). Other output is dropped.
 *
 * @example
 * const points = await captureEmf(() => handler(event, lambdaContext()));
 */
export async function captureEmf(act: () => Promise<unknown> | unknown): Promise<MetricDatapoint[]> {
  const written: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  });
  try {
    await act();
  } finally {
    spy.mockRestore();
  }
  return written
    .join('')
    .split('\n')
    .flatMap((line) => parseEmf(line));
}

/** A metric a template reads, with where it is read (for the failure message). */
export interface MetricReference {
  /** `stack/alarm logicalId` or `stack/dashboard logicalId: widget title`. */
  readonly where: string;
  readonly kind: 'alarm' | 'widget';
  readonly namespace: string;
  readonly metricName: string;
  /** Dimension name to literal value; null where the value is a token or a SEARCH leaves it open. */
  readonly dimensions: Readonly<Record<string, string | null>>;
}

/** Every metric the alarms of a template read (single-metric alarms and metric-math alarms). */
export function alarmReferences(stack: string, template: Template): MetricReference[] {
  const refs: MetricReference[] = [];
  for (const [id, alarm] of Object.entries(resourcesOf(template, 'AWS::CloudWatch::Alarm'))) {
    const p = alarm.Properties ?? {};
    const stats = [
      p,
      ...((p.Metrics as { MetricStat?: { Metric?: Record<string, unknown> } }[] | undefined) ?? []).map(
        (m) => m.MetricStat?.Metric ?? {},
      ),
    ];
    for (const m of stats) {
      if (typeof m.MetricName !== 'string') continue;
      const dims = (m.Dimensions ?? []) as { Name: string; Value: unknown }[];
      refs.push({
        where: `${stack}/${id}`,
        kind: 'alarm',
        namespace: String(m.Namespace),
        metricName: m.MetricName,
        dimensions: Object.fromEntries(
          dims.map((d) => [d.Name, typeof d.Value === 'string' ? d.Value : null]),
        ),
      });
    }
  }
  return refs;
}

/** Every metric the graph widgets of a template's dashboards read, SEARCH expressions included. */
export function dashboardReferences(stack: string, template: Template): MetricReference[] {
  const refs: MetricReference[] = [];
  for (const [id, dashboard] of Object.entries(resourcesOf(template, 'AWS::CloudWatch::Dashboard'))) {
    const body = JSON.parse(resolveText(dashboard.Properties?.DashboardBody)) as {
      widgets: { type: string; properties: { title?: string; metrics?: unknown[][] } }[];
    };
    for (const widget of body.widgets) {
      if (widget.type !== 'metric') continue;
      const where = `${stack}/${id}: ${widget.properties.title ?? '(untitled)'}`;
      let previous: unknown[] = [];
      for (const row of widget.properties.metrics ?? []) {
        const parsed = metricRow(row, previous);
        previous = parsed.fields;
        refs.push(...parsed.refs.map((r) => ({ ...r, where, kind: 'widget' as const })));
      }
    }
  }
  return refs;
}

/** A DashboardBody string or Fn::Join, with every token (Ref AWS::Region and the like) as a placeholder. */
function resolveText(value: unknown): string {
  if (typeof value === 'string') return value;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] } | undefined)?.['Fn::Join'];
  if (!join) throw new Error(`DashboardBody is neither a string nor an Fn::Join: ${JSON.stringify(value)}`);
  return join[1].map((part) => (typeof part === 'string' ? part : '{token}')).join(join[0]);
}

type RowRef = Omit<MetricReference, 'where' | 'kind'>;

/**
 * One `metrics` row of a widget: `[namespace, name, dim, value, ..., {options}]` (a "." repeats the
 * previous row's field, as CloudWatch allows), or `[{expression}]` whose SEARCH names its schema.
 */
function metricRow(row: unknown[], previous: unknown[]): { fields: unknown[]; refs: RowRef[] } {
  const fields = row
    .filter((f) => typeof f === 'string')
    .map((f, i) => (f === '.' ? previous[i] : f)) as string[];
  const options = row.find((f) => typeof f === 'object' && f !== null) as { expression?: string } | undefined;
  if (fields.length === 0) {
    return { fields, refs: options?.expression ? searchReferences(options.expression) : [] };
  }
  const [namespace, metricName, ...pairs] = fields;
  const dimensions: Record<string, string | null> = {};
  for (let i = 0; i + 1 < pairs.length; i += 2) dimensions[pairs[i] as string] = pairs[i + 1] as string;
  return { fields, refs: [{ namespace: String(namespace), metricName: String(metricName), dimensions }] };
}

/**
 * The metrics a `SEARCH('{Namespace,dim1,dim2} MetricName="X" dim1="v"', ...)` can find: the schema
 * fixes the namespace and the exact dimension names; values a term pins are literal, the rest open.
 * A math expression without SEARCH reads no metric of its own.
 */
function searchReferences(expression: string): RowRef[] {
  const search = /SEARCH\('\{([^}]*)\}([^']*)'/.exec(expression);
  if (!search) return [];
  const [namespace, ...names] = (search[1] ?? '').split(',').map((s) => s.trim());
  const terms = new Map(
    [...(search[2] ?? '').matchAll(/([A-Za-z0-9_]+)="([^"]*)"/g)].map((m) => [m[1] ?? '', m[2] ?? '']),
  );
  const metricName = terms.get('MetricName');
  if (!namespace || !metricName) {
    throw new Error(`SEARCH without a schema namespace and MetricName="...": ${expression}`);
  }
  return [
    {
      namespace,
      metricName,
      dimensions: Object.fromEntries(names.map((n) => [n, terms.get(n) ?? null])),
    },
  ];
}

type Item = Record<string, unknown>;

/**
 * DynamoDB as far as the handlers need it, in memory, on every DocumentClient: items keyed by `pk`/`sk`
 * per table (every table of the project has that key schema), conditions not checked. `fail()` makes
 * every call throw, as a region cut off from ControlState sees it.
 */
export function memoryDynamo() {
  const tables = new Map<string, Map<string, Item>>();
  const mock = mockClient(DynamoDBDocumentClient);
  let failing = false;
  const table = (name: unknown) => {
    const key = String(name);
    let t = tables.get(key);
    if (!t) {
      t = new Map();
      tables.set(key, t);
    }
    return t;
  };
  const id = (key: Item) => `${String(key.pk)}|${String(key.sk)}`;
  const guard = () => {
    if (failing) throw Object.assign(new Error('connect ECONNREFUSED'), { name: 'TimeoutError' });
  };
  mock.on(PutCommand).callsFake((input: { TableName: string; Item: Item }) => {
    guard();
    table(input.TableName).set(id(input.Item), structuredClone(input.Item));
    return {};
  });
  mock.on(GetCommand).callsFake((input: { TableName: string; Key: Item }) => {
    guard();
    const item = table(input.TableName).get(id(input.Key));
    return item ? { Item: structuredClone(item) } : {};
  });
  mock.on(DeleteCommand).callsFake((input: { TableName: string; Key: Item }) => {
    guard();
    table(input.TableName).delete(id(input.Key));
    return {};
  });
  mock.on(UpdateCommand).callsFake(() => {
    guard();
    return {};
  });
  mock.on(QueryCommand).callsFake((input: { TableName: string; ExpressionAttributeValues?: Item }) => {
    guard();
    const values = input.ExpressionAttributeValues ?? {};
    const prefix = typeof values[':p'] === 'string' ? values[':p'] : '';
    const items = [...table(input.TableName).values()].filter(
      (i) => i.pk === values[':pk'] && String(i.sk).startsWith(prefix),
    );
    return { Items: structuredClone(items) };
  });
  mock.on(ScanCommand).callsFake((input: { TableName: string }) => {
    guard();
    return { Items: structuredClone([...table(input.TableName).values()]) };
  });
  return {
    fail: (on: boolean) => {
      failing = on;
    },
    restore: () => mock.restore(),
  };
}
