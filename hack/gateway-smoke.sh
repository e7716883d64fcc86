#!/usr/bin/env bash
# Drives every row of the gateway's /v1 API with curl, from outside Go:
# starts stax-apiserver (embedded etcd, local runtime) and stax-gateway from
# the built binaries, checks the served OpenAPI document with
# web/openapi-check.mjs, then status codes, envelopes and objects. Ends
# with the explorer page in headless Chromium (web/explorer-check.mjs),
# whose screenshot lands in _output/explorer.png.
set -o errexit -o nounset -o pipefail
cd "$(dirname "$0")/.."
root=$PWD
bin=$root/_output/bin
export PATH=$bin:$PATH
go build -o "$bin/" ./cmd/...

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; echo "--- gateway log" >&2; tail -20 "$work/gateway.log" >&2; exit 1; }
freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

api_port=$(freeport)
stax-apiserver --data-dir "$work/data" --bind-address 127.0.0.1 --secure-port "$api_port" >"$work/apiserver.log" 2>&1 &
pids+=($!)
export KUBECONFIG=$work/data/admin.kubeconfig
for _ in $(seq 600); do
  [ -f "$KUBECONFIG" ] && [ "$(kubectl get --raw /readyz 2>/dev/null)" = ok ] && break
  sleep 0.2
done
[ "$(kubectl get --raw /readyz)" = ok ] || fail "apiserver not ready"

kubectl create -f - >/dev/null <<EOF2
apiVersion: stax.microstax.ai/v1alpha1
kind: Organization
metadata: {name: acme}
spec: {displayName: Acme, tier: standard}
EOF2
ORG=acme
TOKEN=$(stax-apiserver mint-token --data-dir "$work/data" --organization acme --subject alice)

gw_port=$(freeport)
GW=http://127.0.0.1:$gw_port
stax-gateway --listen "127.0.0.1:$gw_port" --kubeconfig "$KUBECONFIG" >"$work/gateway.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do curl -sf "$GW/v1/openapi.json" >/dev/null && break; sleep 0.1; done

# The OpenAPI document, as served, with validators independent of the Go
# that writes it: swagger-parser (OpenAPI 3.1) and ajv (every example
# against its schema). test/integration sends the same examples to the
# server.
[ -d web/node_modules/@apidevtools/swagger-parser ] && [ -d web/node_modules/playwright-core ] || (cd web && npm ci --no-audit --no-fund)
curl -sf "$GW/v1/openapi.json" >"$work/openapi.json" || fail "GET /v1/openapi.json"
node web/openapi-check.mjs "$work/openapi.json" || fail "the OpenAPI document does not validate"

# req METHOD PATH STATUS [curl args]: the answer's body is in $work/body,
# its headers in $work/headers; every JSON answer must be an envelope.
req() {
  local method=$1 path=$2 want=$3; shift 3
  local got creds=()
  [ -n "$TOKEN" ] && creds+=(-H "Authorization: Bearer $TOKEN")
  [ -n "$ORG" ] && creds+=(-H "X-Organization-ID: $ORG")
  got=$(curl -s -o "$work/body" -D "$work/headers" -w '%{http_code}' -X "$method" "${creds[@]}" "$@" "$GW$path")
  [ "$got" = "$want" ] || fail "$method $path: status $got, want $want: $(cat "$work/body")"
  jq -e '.meta.requestId | startswith("stx_")' "$work/body" >/dev/null || fail "$method $path: no envelope: $(cat "$work/body")"
  jq -e '.meta.timestamp | fromdateiso8601' "$work/body" >/dev/null || fail "$method $path: bad timestamp"
  echo "ok  $method $path -> $got"
}
check() { jq -e "$1" "$work/body" >/dev/null || fail "$1 does not hold for $(cat "$work/body")"; }
header() { grep -i "^$1:" "$work/headers" | cut -d' ' -f2- | tr -d '\r'; }

# Credentials are checked before anything is called.
TOKEN='' req GET /v1/organization 401
check '.error.reason == "Unauthorized"'
ORG='' req GET /v1/organization 400
check '.error.reason == "BadRequest"'
ORG=globex req GET /v1/organization 403
check '.error.reason == "Forbidden"'

req GET /v1/organization 200
check '.data.metadata.name == "acme" and .meta.signatureVerified == true'
[ "$(header RateLimit-Limit)" = 100 ] || fail "RateLimit-Limit $(header RateLimit-Limit)"
request_id=$(jq -r .meta.requestId "$work/body")

req GET '/v1/organization/usage?window=7d&aggregate=label:team&step=1d' 200
check '.data.aggregate == "label:team" and .data.pricing.currency == "USD" and (.data.series | length) == 7'
req GET '/v1/organization/usage?window=soon' 422
check '.error.reason == "Invalid"'
# The compliance report (docs/compliance.md): this smoke's requests were made with hybrid tokens.
req GET '/v1/organization/compliance-report?window=1d' 200
check '([.data.controls[] | select(.name == "DualSignature")][0] | .result == "Pass" and .figure == "100.00") and (.data.controls | length) == 7'
req GET '/v1/organization/compliance-report?window=40d' 422
check '.error.reason == "Invalid"'
# The drift policy: written by the organization's admins only (docs/drift.md).
req PATCH /v1/organization/drift-policy 403 -H 'Content-Type: application/json' -d '{"mode":"detect"}'
check '.error.reason == "Forbidden"'
ADMIN_TOKEN=$(stax-apiserver mint-token --data-dir "$work/data" --organization acme --subject ada --groups stax:org-admin)
TOKEN=$ADMIN_TOKEN req PATCH /v1/organization/drift-policy 200 -H 'Content-Type: application/json' -d '{"mode":"detect","gracePeriod":"30s"}'
check '.data.mode == "detect" and .data.gracePeriod == "30s"'

req GET /v1/identity/verify 200
check '.data.authenticated and .data.signatures.classical and .data.signatures.postQuantum and .data.organization == "acme"'

req POST /v1/auth/federation/token 201 -H 'Content-Type: application/json' -d '{"audience":"https://other.example","expirationSeconds":120}'
check '(.data.token | length) > 100'
req POST /v1/auth/federation/token 422 -H 'Content-Type: application/json' -d '{"audience":"https://other.example","expirationSeconds":3600}'
check '.error.reason == "Invalid"'

# A stub from a YAML document in the body; a body that is no OpenAPI document is 422.
req POST '/v1/stubs/generate?name=petstore' 201 -H 'Content-Type: application/yaml' --data-binary @pkg/stub/testdata/petstore-3.0.yaml
check '.data.status.phase == "Ready" and .data.status.operationCount == 20'
req POST /v1/stubs/generate 422 -H 'Content-Type: application/json' -d '{"info":{}}'
check '.error.reason == "Invalid"'

blueprint="
name: smoke
displayName: Smoke
blueprint:
  services:
    - name: web
      command: [stax-demo-service]
      args: [-name, web, -tick, 200ms]
      ports: [{name: http, port: 8080}]
      health: {http: {path: /healthz, port: http}, periodSeconds: 1}
"
req POST /v1/environments/validate 200 -H "Content-Type: application/yaml" --data-binary "$blueprint"
check '.data.valid'
req POST /v1/environments/validate 422 -H 'Content-Type: application/json' -d '{"blueprint":{"services":[{"name":"web","command":["x"],"ports":[{"name":"http","port":0}]}]}}'
check '.error.reason == "Invalid" and any(.error.details.causes[]; .field == "spec.blueprint.services[0].ports[0].port")'

req POST /v1/environments 202 -H "Content-Type: application/yaml" --data-binary "$blueprint"
check '.data.metadata.name == "smoke" and .data.metadata.namespace == "acme"'
[ "$(header Location)" = /v1/environments/smoke ] || fail "Location: $(header Location)"
req POST /v1/environments 409 -H "Content-Type: application/yaml" --data-binary "$blueprint"
check '.error.reason == "AlreadyExists"'
req POST /v1/environments/validate 200 -H "Content-Type: application/yaml" --data-binary "$blueprint"
check '.data.valid and .data.nameInUse and .data.environment.metadata.name == "smoke"'
req PUT /v1/environments/smoke 405 -H 'Content-Type: application/json' -d '{}'
[ "$(header Allow)" = "GET, PATCH, DELETE" ] || fail "Allow: $(header Allow)"

req GET /v1/environments 200
check '[.data.items[] | "\(.state):\(.name)"] == ["active:smoke"]'
req GET "/v1/environments?limit=1" 200
check '(.data.items | length) == 1'
req GET /v1/environments/smoke 200
check '.data.spec.displayName == "Smoke"'
req GET /v1/environments/nope 404
check '.error.reason == "NotFound"'

req PATCH /v1/environments/smoke 200 -H 'Content-Type: application/json' -d '{"displayName":"Smoke v2","autoShutdown":{"idleTimeout":"1h"}}'
check '.data.spec.displayName == "Smoke v2" and .data.spec.autoShutdown.idleTimeout == "1h0m0s"'
req PATCH /v1/environments/smoke 422 -H 'Content-Type: application/json' -d '{"blueprint":{"services":[]}}'
check '.error.details.causes[0].field == "blueprint"'

for _ in $(seq 300); do
  req GET /v1/environments/smoke/status 200 >/dev/null
  jq -e '.data.status.phase == "Ready"' "$work/body" >/dev/null && break
  sleep 0.2
done
req GET /v1/environments/smoke/status 200
check '.data.status.phase == "Ready" and .data.status.services[0].readyReplicas == 1'

# Promote the Ready environment; its blueprint is frozen in the baseline.
req POST /v1/baselines 201 -H 'Content-Type: application/json' -d '{"name":"smoke-stable","environment":"smoke"}'
check '.data.spec.environmentRef.name == "smoke" and (.data.status.blueprint.services | length) == 1'
[ "$(header Location)" = /v1/baselines/smoke-stable ] || fail "Location: $(header Location)"
req POST /v1/baselines 409 -H 'Content-Type: application/json' -d '{"name":"smoke-stable","environment":"smoke"}'
req POST /v1/baselines 422 -H 'Content-Type: application/json' -d '{"name":"nothing","environment":"nope"}'
req GET /v1/baselines 200
check 'any(.data.items[]; .metadata.name == "smoke-stable")'
req GET /v1/baselines/smoke-stable 200
check '.data.status.phase == "Ready"'
req GET /v1/baselines/nope 404

# Branch an overlay from it: an Environment of its own changed services.
req POST /v1/baselines/smoke-stable/overlays 202 -H 'Content-Type: application/json' \
  -d '{"name":"smoke-feature","services":[{"name":"web","env":[{"name":"FEATURE","value":"on"}]}]}'
check '.data.spec.baselineRef.name == "smoke-stable" and (.data.spec.blueprint.services | length) == 1'
[ "$(header Location)" = /v1/environments/smoke-feature ] || fail "Location: $(header Location)"
req POST /v1/baselines/smoke-stable/overlays 409 -H 'Content-Type: application/json' -d '{"name":"smoke-feature","services":[{"name":"web","replicas":2}]}'
req POST /v1/baselines/smoke-stable/overlays 422 -H 'Content-Type: application/json' -d '{"name":"x","services":[]}'
check '.error.details.causes[0].field == "spec.services"'
req POST /v1/baselines/nope/overlays 404 -H 'Content-Type: application/json' -d '{"name":"x","services":[{"name":"web","replicas":2}]}'
# Shadow traffic to the overlay, and its diffs (empty until a front compares).
req PATCH /v1/environments/smoke-feature/shadow 200 -H 'Content-Type: application/json' -d '{"enabled":true,"percent":25}'
check '.data.percent == 25 and .data.methods == ["GET","HEAD","OPTIONS"] and (.data.since | fromdateiso8601)'
req PATCH /v1/environments/smoke-feature/shadow 422 -H 'Content-Type: application/json' -d '{"methods":["POST"]}'
check '.error.details.causes[0].field == "spec.shadow.methods[0]"'
req PATCH /v1/environments/smoke/shadow 422 -H 'Content-Type: application/json' -d '{"enabled":true}'
check '.error.details.causes[0].field == "spec.shadow"'
req GET '/v1/environments/smoke-feature/diffs?since=15m&limit=5' 200
check '.data.metadata.name == "smoke-feature" and (.data.report.endpoints // [] | length) == 0'
req GET /v1/environments/smoke/diffs 400
# The baseline's environment is stopped further on: the overlay goes first.
req DELETE /v1/environments/smoke-feature 202
for _ in $(seq 150); do
  code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" -H "X-Organization-ID: acme" "$GW/v1/environments/smoke-feature")
  [ "$code" = 404 ] && break
  sleep 0.2
done
req GET /v1/environments/smoke-feature 404

sleep 1 # a few lines of output
req GET "/v1/environments/smoke/logs?tail=3&service=web" 200
check '(.data.lines | length) >= 1 and (.data.lines | length) <= 3'
req GET "/v1/environments/smoke/logs?tail=-1" 400

# WebSockets: the handshake (101) with the token as a subprotocol, as a browser sends it.
for stream in logstream progress; do
  proto="base64url.bearer.authorization.k8s.io.$(printf %s "$TOKEN" | base64 -w0 | tr '+/' '-_' | tr -d '='), stax.v1"
  got=$(curl -s -o /dev/null -D "$work/headers" -w '%{http_code}' --max-time 2 -H "Connection: Upgrade" -H "Upgrade: websocket" \
    -H "Sec-WebSocket-Version: 13" -H "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==" -H "Sec-WebSocket-Protocol: $proto" \
    "$GW/v1/environments/smoke/$stream?organization=acme" || true)
  [ "$got" = 101 ] || fail "WS $stream: $got"
  [ "$(header Sec-WebSocket-Protocol)" = stax.v1 ] || fail "WS $stream protocol $(header Sec-WebSocket-Protocol)"
  echo "ok  WS /v1/environments/smoke/$stream -> 101"
done

req POST /v1/environments/smoke/resume 409
check '.error.reason == "Conflict"'
# Straight to the aggregated API: a dry-run stop answers with the paused
# environment and changes nothing.
echo '{}' | kubectl create --raw "/apis/stax.microstax.ai/v1alpha1/namespaces/acme/environments/smoke/stop?dryRun=All" -f - \
  | jq -e '.spec.paused == true' >/dev/null || fail "dry-run stop: no paused environment in the answer"
[ "$(kubectl get environment -n acme smoke -o jsonpath='{.spec.paused}')" != true ] || fail "a dry-run stop paused smoke"
echo "ok  create environments/stop?dryRun=All changed nothing"
req POST /v1/environments/smoke/stop 202
for _ in $(seq 150); do
  req GET /v1/environments/smoke/status 200 >/dev/null
  jq -e '.data.status.phase == "Stopped"' "$work/body" >/dev/null && break
  sleep 0.2
done
check '.data.status.phase == "Stopped"'
req POST /v1/environments/smoke/resume 202

# The explorer page, in headless Chromium (before the environment goes).
command -v chromium >/dev/null || (apt-get update && apt-get install -y chromium)
mkdir -p _output
node web/explorer-check.mjs "$GW" "$TOKEN" acme _output/explorer.png || fail "explorer page"

req DELETE /v1/environments/smoke 202
check '.data.metadata.deletionTimestamp != null'
for _ in $(seq 150); do
  code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" -H "X-Organization-ID: acme" "$GW/v1/environments/smoke")
  [ "$code" = 404 ] && break
  sleep 0.2
done
req GET /v1/environments/smoke 404
req GET /v1/environments 200
check 'any(.data.items[]; .state == "historical" and .name == "smoke") and all(.data.items[]; .state == "historical")'

# The request id reached the apiserver's audit log as its auditID.
grep -q "\"auditID\":\"$request_id\"" "$work/data/audit.log" || fail "request id $request_id not in the audit log"
echo "ok  requestId $request_id is the apiserver's auditID"
echo "gateway smoke: all rows pass"
