import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The partner-event fixtures of test/fixtures/genesys (documented shapes only, see its README) and
 * helpers that change their times and ids, never their fields.
 */

const DIR = fileURLToPath(new URL('../../../fixtures/genesys/', import.meta.url));

export const FIXTURE_USER = '22222222-2222-2222-2222-222222222222';
export const FIXTURE_QUEUE = '44444444-4444-4444-4444-444444444444';

export type FixtureName =
  | 'queue-user-joined'
  | 'queue-user-left'
  | 'routing-status-idle'
  | 'routing-status-interacting'
  | 'presence-on-queue'
  | 'presence-break'
  | 'user-activity';

export interface PartnerEventJson {
  version: string;
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: {
    topicName: string;
    version: string;
    eventBody: Record<string, unknown>;
    metadata: { CorrelationId: string };
    timestamp: string;
  };
}

/** A fresh copy of a fixture (tests may change it). */
export function fixture(name: FixtureName): PartnerEventJson {
  return JSON.parse(readFileSync(`${DIR}${name}.json`, 'utf8')) as PartnerEventJson;
}

/**
 * The event sent at `iso` (`detail.timestamp`, EventBridge `time`); a routing-status event's status
 * starts 500 ms before it (`routingStatus.startTime`, the field that orders routing statuses).
 */
export function at(event: PartnerEventJson, iso: string): PartnerEventJson {
  const copy = structuredClone(event);
  copy.detail.timestamp = iso;
  copy.time = iso.replace(/\.\d{3}Z$/, 'Z');
  const routingStatus = copy.detail.eventBody.routingStatus as { startTime?: string } | undefined;
  if (routingStatus?.startTime !== undefined) {
    routingStatus.startTime = new Date(Date.parse(iso) - 500).toISOString();
  }
  return copy;
}

/** The same event about another user and (for membership) another queue: every id in topic and body. */
export function about(event: PartnerEventJson, ids: { user?: string; queue?: string }): PartnerEventJson {
  let text = JSON.stringify(event);
  if (ids.user !== undefined) text = text.replaceAll(FIXTURE_USER, ids.user);
  if (ids.queue !== undefined) text = text.replaceAll(FIXTURE_QUEUE, ids.queue);
  return JSON.parse(text) as PartnerEventJson;
}
