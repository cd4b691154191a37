import { request } from 'node:https';
import type { Deployment } from './deployment.js';

/**
 * What the drill watches, from outside the functions: every event they put on a bus, the health
 * endpoints as Route 53 would GET them, the DNS answers, the context API as a flow calls it.
 */

export interface SeenEvent {
  readonly at: number;
  readonly region: string;
  readonly detailType: string;
  readonly detail: Record<string, unknown>;
}

export interface Observer {
  readonly events: readonly SeenEvent[];
  /** Events of `detailType` seen at or after `since`, matching `where`. */
  find(detailType: string, since: number, where?: (detail: Record<string, unknown>) => boolean): SeenEvent[];
}

export function observeEvents(deployment: Pick<Deployment, 'events'>): Observer {
  const events: SeenEvent[] = [];
  deployment.events.onPut(({ region, entry, at }) => {
    let detail: Record<string, unknown> = {};
    try {
      detail = JSON.parse(entry.Detail ?? '{}') as Record<string, unknown>;
    } catch {
      // Not JSON: the publisher's problem, and EventBridge would have refused it.
    }
    events.push({ at, region, detailType: String(entry.DetailType), detail });
  });
  return {
    events,
    find: (detailType, since, where) =>
      events.filter((e) => e.detailType === detailType && e.at >= since && (where?.(e.detail) ?? true)),
  };
}

/** GET of a health endpoint as a Route 53 checker makes it (certificate not validated); 0 = no answer. */
export function healthStatus(url: string, timeoutMs = 2000): Promise<number> {
  return new Promise((resolve) => {
    const req = request(url, { method: 'GET', rejectUnauthorized: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
    req.end();
  });
}

export interface ApiAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
  /** Response headers, lower-case names. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** A call to a region's context API with the deployment's API key (or `headers` instead). */
export async function callApi(
  baseUrl: string,
  method: 'GET' | 'POST',
  path: string,
  options: { body?: string; headers?: Record<string, string> } = {},
): Promise<ApiAnswer> {
  const response = await fetch(new URL(path.replace(/^\//, ''), baseUrl), {
    method,
    headers: options.headers,
    ...(options.body !== undefined ? { body: options.body } : {}),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = { raw: text };
  }
  // forEach, not iteration: a dependency's types pull in the DOM lib, whose Headers is not iterable here.
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  return { status: response.status, body, headers };
}
