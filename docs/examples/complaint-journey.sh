#!/usr/bin/env bash
# A complaint's whole internal life over REST: the walk-through of README.md, runnable.
#
#   make run                                # in one terminal
#   docs/examples/complaint-journey.sh      # in another, from the repository root
#
# API (default http://127.0.0.1:8001) and KEY (default: the key `make run` wrote to
# var/dev-api-key) point it elsewhere; the key's role must decide appeals (supervisor or
# admin). It stops at the first refusal and prints its problem document. Needs bash, curl
# (7.76 or newer) and python3.
set -euo pipefail
API=${API:-http://127.0.0.1:8001}
KEY=${KEY:-$(cat var/dev-api-key)}

# --- README.md shows what follows, line for line ---
H=(-H "Authorization: Bearer $KEY" -H "Content-Type: application/json")
post() {  # a refusal ends the script here, with its problem document
  local answer
  answer=$(curl -sS --fail-with-body "${H[@]}" "$@") || { echo "$answer" >&2; return 1; }
  echo "$answer"
}
field() { python3 -c "import json, sys; text = sys.stdin.read(); text and print(json.loads(text)$1)"; }
created() {  # like post, but prints the id its Location ends with: the offer (appeal, ...) made
  local answer
  answer=$(curl -sS --fail-with-body -w '\n%header{location}' "${H[@]}" "$@") \
    || { echo "$answer" >&2; return 1; }
  echo "${answer##*/}"
}
hours_ago() { python3 -c "import datetime as d; print((d.datetime.now(d.timezone.utc) - d.timedelta(hours=$1)).isoformat())"; }

# 1. open a complaint; the CRM's Idempotency-Key makes a retried POST safe (the same key
#    and body answer with the first response again, and open nothing new)
ID=$(post -H "Idempotency-Key: crm-ticket-$RANDOM$RANDOM" "$API/v1/complaints" -d '{
  "customer": {"id": "C-1001", "name": "Ada Lovelace", "email": "ada@example.com"},
  "channel": "email", "category": "billing",
  "description": "I was charged twice for my March subscription.",
  "amount_in_dispute": {"amount": "42.50", "currency": "GBP"},
  "desired_remedy": "Refund of the duplicate charge",
  "regime": "uk-fca-disp", "external_ref": "CRM-123"}' | field '["id"]')
C=$API/v1/complaints/$ID
echo "opened $C"

# 2. record what happens: a call two hours ago (occurred_at says when it happened, at most
#    REDRESS_BACKDATE_WINDOW_DAYS = 30 days back and never in the future, else 422), a note
post "$C/interactions" -d '{"kind": "call", "direction": "inbound",
  "summary": "Customer rang, upset", "occurred_at": "'"$(hours_ago 2)"'"}' | field '["version"]'
post "$C/interactions" -d '{"kind": "note", "direction": "internal",
  "summary": "Duplicate charge visible in billing"}' | field '["status"]'

# 3. escalate, make an offer, record the customer's answer
post "$C/escalations" -d '{"reason": "Asked for a supervisor"}' | field '["tier"]'
OFFER_ID=$(created "$C/offers" -d '{"description": "Refund of the duplicate charge",
  "amount": {"amount": "42.50", "currency": "GBP"}}')
post "$C/offers/$OFFER_ID/response" -d '{"decision": "accepted"}' | field '["offers"][-1]["status"]'

# 4. resolve, then issue the final response (under uk-fca-disp it must carry the
#    regulator's required elements, or it is refused with a 422 naming the missing ones)
post "$C/resolution" -d '{"outcome": "upheld", "summary": "Duplicate charge confirmed",
  "remedy": "Refund"}' | field '["status"]'
post "$C/final-response" -d '{"letter": "Dear Ms Lovelace, ...",
  "elements": {"decision": "accepted_with_redress", "ombudsman_leaflet_enclosed": true,
               "ombudsman_website": "https://www.financial-ombudsman.org.uk",
               "may_refer_now_and_within_6_months": true, "time_limit_waiver_stated": true}}' \
  | field '["status"]'

# 5. an appeal, decided at a tier above the one that decided (supervisors and admins only)
APPEAL_ID=$(created "$C/appeals" -d '{"grounds": "The refund came without interest"}')
post "$C/appeals/$APPEAL_ID/decision" -d '{"outcome": "dismissed", "decided_at_tier": "manager",
  "reasons": "Interest is not due on a refund made within 8 weeks"}' | field '["status"]'

# 6. close, and reopen when new evidence arrives
post "$C/closure" -d '{"reason": "Resolved"}' | field '["status"]'
post "$C/reopen" -d '{"reason": "New evidence"}' | field '["status"]'

# 7. read it (its ETag: the version, then a digest of its deadlines; send it back as
#    If-Match to write only on top of that version),
#    its history, and the list (filters, cursor pagination, newest first)
curl -sS -i "${H[@]}" "$C" | grep -i '^etag'
curl -sS "${H[@]}" "$C/history" | field '["items"][-1]["type"]'
curl -sS "${H[@]}" "$API/v1/complaints?category=billing&customer_id=C-1001&limit=20" \
  | field '["items"][0]["status"]'
