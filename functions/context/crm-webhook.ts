import type { ContextConfig } from '../../config/schema.js';
import {
  BadRequest,
  invalidInput,
  PayloadTooLarge,
  Unauthorized,
  UnsupportedMediaType,
} from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { parseCrmEvent } from './crm-event.js';
import type { AcceptResult, CrmEventStore } from './crm-event-store.js';
import {
  CRM_SIGNATURE_HEADER,
  verifyWebhookSignature,
  type WebhookSignatureFailure,
} from './webhook-signature.js';

/**
 * `POST /webhooks/crm` (DESIGN.md section 5). The checks run cheapest and most fundamental first, and
 * the signature is checked on the raw bytes before anything parses them:
 *   body present (400) -> size (413) -> media type (415) -> signature and replay window (401)
 *   -> JSON (400) -> event schema (400) -> idempotent durable write -> 202.
 * Nothing is stored unless every check passed.
 */

export interface WebhookRequest {
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: string | undefined;
  readonly isBase64Encoded: boolean;
}

export interface WebhookDeps {
  readonly settings: ContextConfig;
  /** Webhook secrets: current first, then the previous one during a rotation. */
  readonly secrets: () => Promise<readonly string[]>;
  readonly store: CrmEventStore;
  readonly logger: Pick<Logger, 'info'>;
}

export interface WebhookAnswer {
  readonly eventId: string;
  readonly status: AcceptResult;
}

const JSON_TYPE = /^application\/([a-z0-9.+-]+\+)?json\s*(;.*)?$/i;

function header(headers: WebhookRequest['headers'], name: string): string | undefined {
  const lower = name.toLowerCase();
  const key = Object.keys(headers).find((k) => k.toLowerCase() === lower);
  return key === undefined ? undefined : headers[key];
}

function signatureMessage(reason: WebhookSignatureFailure, windowSeconds: number): string {
  switch (reason) {
    case 'missing-header':
      return `the ${CRM_SIGNATURE_HEADER} header is missing`;
    case 'malformed-header':
      return `the ${CRM_SIGNATURE_HEADER} header must be t=<unix seconds>,v1=<hex HMAC-SHA256>`;
    case 'bad-signature':
      return `the ${CRM_SIGNATURE_HEADER} signature does not match the timestamp and body`;
    // Judged only after the signature matched, so saying which is safe and helps fix a clock.
    case 'stale-timestamp':
      return `the signed timestamp is older than the ${windowSeconds} s replay window; sign the request again`;
    case 'future-timestamp':
      return "the signed timestamp is ahead of this service's clock; check the sender's clock";
  }
}

export async function acceptWebhook(
  request: WebhookRequest,
  deps: WebhookDeps,
  nowMs: number,
): Promise<WebhookAnswer> {
  const { settings } = deps;
  if (typeof request.body !== 'string' || request.body.length === 0) {
    throw new BadRequest('the request body must be the JSON event', { code: 'missing_body' });
  }
  const raw = request.isBase64Encoded
    ? Buffer.from(request.body, 'base64')
    : Buffer.from(request.body, 'utf8');
  if (raw.length > settings.maxWebhookBytes) {
    throw new PayloadTooLarge(`the request body is over ${settings.maxWebhookBytes} bytes`);
  }
  if (!JSON_TYPE.test(header(request.headers, 'content-type') ?? '')) {
    throw new UnsupportedMediaType('the request body must be application/json');
  }
  const signature = verifyWebhookSignature(
    header(request.headers, CRM_SIGNATURE_HEADER),
    raw,
    await deps.secrets(),
    { nowSeconds: Math.floor(nowMs / 1000), replayWindowSeconds: settings.webhookReplayWindowSeconds },
  );
  if (!signature.ok) {
    deps.logger.info('webhook signature refused', { reason: signature.reason });
    throw new Unauthorized(signatureMessage(signature.reason, settings.webhookReplayWindowSeconds), {
      code: 'invalid_signature',
    });
  }
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new BadRequest('the request body is not valid JSON', { code: 'invalid_json' });
  }
  const parsed = parseCrmEvent(body);
  if (!parsed.ok) throw invalidInput(parsed.problems, 'invalid_event');
  const status = await deps.store.accept(parsed.event, { nowMs, ttlHours: settings.crmEventTtlHours });
  if (signature.secretIndex > 0) deps.logger.info('webhook signed with the previous secret');
  return { eventId: parsed.event.eventId, status };
}
