#!/usr/bin/env bash
# Sends one CRM event to POST /webhooks/crm, signed as the webhook checks it:
#   X-CRM-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
# Usage: CRM_WEBHOOK_SECRET='<secret>' ./send-crm-event.sh event.json https://api.<zone>/webhooks/crm
set -euo pipefail

body_file="${1:?usage: send-crm-event.sh <event.json> <webhook URL>}"
url="${2:?usage: send-crm-event.sh <event.json> <webhook URL>}"
secret="${CRM_WEBHOOK_SECRET:?set CRM_WEBHOOK_SECRET to the secret the CRM signs with}"

t="$(date +%s)"
# The MAC covers the timestamp, a dot and the file's exact bytes, which --data-binary sends unchanged.
v1="$({ printf '%s.' "$t"; cat -- "$body_file"; } | openssl dgst -sha256 -hmac "$secret" | awk '{print $NF}')"

curl --silent --show-error --fail-with-body \
  --request POST "$url" \
  --header 'Content-Type: application/json' \
  --header "X-CRM-Signature: t=${t},v1=${v1}" \
  --data-binary "@${body_file}"
echo
