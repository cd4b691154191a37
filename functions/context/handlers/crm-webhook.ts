import { runtimeConfig } from '../../shared/runtime-config.js';
import { webhookRouteDeps } from '../deps.js';
import { crmWebhookRoute } from '../routes.js';

/** Lambda entry of `POST /webhooks/crm`: clients, secrets cache and config live for the container. */
export const handler = crmWebhookRoute(webhookRouteDeps(runtimeConfig(), 'crm-webhook'));
