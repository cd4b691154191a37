import { randomUUID } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { CRM_SIGNATURE_HEADER, signWebhook } from '../../functions/context/webhook-signature.js';
import { contextCacheKeys } from '../../functions/shared/keys.js';
import type { Deployment } from './deployment.js';
import { type ApiAnswer, callApi } from './observe.js';

/** What a contact-center flow and a CRM do against the context API, as the drill plays them. */

export interface Saved extends ApiAnswer {
  readonly label: string;
  readonly conversationId: string;
  readonly token?: string;
}

const bearer = (d: Deployment) => ({
  authorization: `Bearer ${d.apiKey}`,
  'content-type': 'application/json',
});

/** POST /contexts in `region`, as a flow saves an interaction at transfer. */
export async function saveContext(
  d: Deployment,
  region: string,
  label: string,
  conversationId = randomUUID(),
): Promise<Saved> {
  const body = JSON.stringify({
    conversationId,
    ivrSelections: [{ menu: 'main', choice: 'billing' }],
    crm: { contact: { id: `c-${label}`, tier: 'gold' } },
    queuePosition: { queue: 'PRIMARY_SUPPORT_QUEUE', position: 3 },
    attributes: { language: 'en', drill: label },
  });
  const answer = await callApi(d.region(region).api.url, 'POST', '/contexts', { body, headers: bearer(d) });
  const token = typeof answer.body.token === 'string' ? answer.body.token : undefined;
  return { ...answer, label, conversationId, ...(token ? { token } : {}) };
}

/** GET /contexts/{token} in `region`. */
export function fetchContext(d: Deployment, region: string, token: string): Promise<ApiAnswer> {
  return callApi(d.region(region).api.url, 'GET', `/contexts/${encodeURIComponent(token)}`, {
    headers: bearer(d),
  });
}

/** A signed CRM webhook to `region`, as the CRM sends it. */
export function sendCrmEvent(
  d: Deployment,
  region: string,
  event: Record<string, unknown>,
): Promise<ApiAnswer> {
  const body = JSON.stringify(event);
  return callApi(d.region(region).api.url, 'POST', '/webhooks/crm', {
    body,
    headers: {
      'content-type': 'application/json',
      [CRM_SIGNATURE_HEADER]: signWebhook(body, d.webhookSecret, Math.floor(Date.now() / 1000)),
    },
  });
}

/** Whether `region`'s ContextCache replica holds the conversation's context item (expired or not). */
export async function hasContextItem(
  d: Deployment,
  region: string,
  conversationId: string,
): Promise<boolean> {
  const out = await d.world.region(region).doc.send(
    new GetCommand({
      TableName: d.world.tables.contextCache,
      Key: contextCacheKeys.context(conversationId),
    }),
  );
  return out.Item !== undefined;
}
