#!/usr/bin/env node
// Sends one CRM event to POST /webhooks/crm, signed as the webhook checks it:
//   X-CRM-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
// Usage: CRM_WEBHOOK_SECRET='<secret>' node send-crm-event.mjs event.json https://api.<zone>/webhooks/crm
// Node 18 or later; no dependencies.
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';

const [file, url] = process.argv.slice(2);
const secret = process.env.CRM_WEBHOOK_SECRET;
if (!file || !url || !secret) {
  console.error("usage: CRM_WEBHOOK_SECRET='<secret>' node send-crm-event.mjs <event.json> <webhook URL>");
  process.exit(2);
}

// Sign the exact bytes that are sent; never a re-serialized object (JSON.stringify may differ).
const body = readFileSync(file);
const t = Math.floor(Date.now() / 1000);
const v1 = createHmac('sha256', secret).update(`${t}.`).update(body).digest('hex');

const response = await fetch(url, {
  method: 'POST',
  headers: { 'Content-Type': 'application/json', 'X-CRM-Signature': `t=${t},v1=${v1}` },
  body,
});
console.log(response.status, await response.text());
process.exitCode = response.ok ? 0 : 1;
