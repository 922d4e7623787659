#!/usr/bin/env bash
# Page and API latency on a large demo organisation, with wrk against a
# release build:
#   bash scripts/bench-pages.sh
#   SCALE=findings=10000000,accounts=5000,workloads=1000 \
#     BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/plinth_bench_10m bash scripts/bench-pages.sh
# Loads the organisation (SCALE, default 1,000,000 findings, 500 accounts,
# 200 workloads) into $BENCH_DATABASE_URL (default plinth_bench_pages) once;
# later runs reuse it. Prints p50/p95/p99 and requests/s per page and per
# findings API call (pages of 100, with a viewer's token), the server's
# peak RSS over the run, and the query plans of the findings page.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

ensure_rust
ensure_postgres
if ! command -v wrk >/dev/null; then
    step "Installing wrk (Debian's package)"
    apt_install wrk
fi

PG_BASE="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
PG_BASE="${PG_BASE%/*}"
export DATABASE_URL="${BENCH_DATABASE_URL:-$PG_BASE/plinth_bench_pages}"
ensure_database "$DATABASE_URL"
DURATION="${DURATION:-20s}"
CONNECTIONS="${CONNECTIONS:-4}"
PORT="${PORT:-3199}"

step "Building the release server"
cargo build --release -p server --locked
BIN="$TARGET_DIR/release/plinth"
build_site wasm-release

"$BIN" migrate
SCALE="${SCALE:-findings=1000000,accounts=500,workloads=200}"
wanted="$(sed -E 's/.*findings=([0-9]+).*/\1/' <<<"$SCALE")"
findings="$(psql "$DATABASE_URL" -Atc "SELECT count(*) FROM findings")"
if [ "$findings" -lt "$((wanted * 9 / 10))" ]; then
    step "Loading the large demo organisation ($SCALE; once)"
    /usr/bin/time -f "    demo load: %e s, %M KiB peak" "$BIN" demo --reset --scale "$SCALE"
fi
say "findings: $(psql "$DATABASE_URL" -Atc "SELECT count(*) FROM findings")," \
    "accounts: $(psql "$DATABASE_URL" -Atc "SELECT count(DISTINCT account_id) FROM sync_slices")"

# A viewer's API token: pages and the API need someone to serve.
printf 'bench-password-1\n' | RUST_LOG=warn "$BIN" user add --email bench@example.com --role viewer >/dev/null 2>&1 || true
api_token="$(new_api_token "$DATABASE_URL" bench@example.com viewer)"

step "An incremental sync of the loaded organisation: nothing changed since"
/usr/bin/time -f "    incremental sync: %e s, %M KiB peak" "$BIN" demo --scale "$SCALE" --incremental

step "Serving on port $PORT"
# wrk calls far faster than a token's usual limit.
PLINTH_API__REQUESTS_PER_SECOND=1000000 PLINTH_API__BURST=1000000 \
    PLINTH_SITE__ROOT="$SITE_DIR" RUST_LOG=warn "$BIN" serve --addr "127.0.0.1:$PORT" &
server=$!
trap 'kill $server 2>/dev/null' EXIT
for _ in $(seq 1 100); do
    curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null && break
    sleep 0.1
done
# The server's resident memory, sampled every half second while wrk runs.
rss_log="$(mktemp)"
( while kill -0 "$server" 2>/dev/null; do ps -o rss= -p "$server" >>"$rss_log"; sleep 0.5; done ) &

account="$(psql "$DATABASE_URL" -Atc "SELECT account_id FROM sync_slices ORDER BY account_id LIMIT 1 OFFSET 250")"
finding="$(psql "$DATABASE_URL" -Atc "SELECT id FROM findings WHERE account_id = '$account' LIMIT 1")"
workload="$(psql "$DATABASE_URL" -Atc "SELECT id FROM workloads ORDER BY name LIMIT 1")"
finding_q="$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$finding")"
pages=(
    "overview|/"
    "findings, severity and account|/findings?severity=HIGH&account=$account"
    "findings, severity and compliance|/findings?severity=CRITICAL&compliance=FAILED"
    "finding|/finding?id=$finding_q"
    "workload|/workloads/$workload"
    "sync, the accounts table|/sync"
    "sync, failing accounts|/sync?accounts=failing"
)
# The findings API, 100 a page: the first page, filtered pages, and the
# eleventh page, reached by following the cursor.
api="/api/v1/findings?limit=100"
after=""
for _ in $(seq 1 10); do
    after="$(curl -fs -H "Authorization: Bearer $api_token" "http://127.0.0.1:$PORT$api${after:+&after=$after}" |
        python3 -c 'import json, sys, urllib.parse; print(urllib.parse.quote(json.load(sys.stdin)["next"], safe=""))')"
done
pages+=(
    "API findings, first page of 100|$api"
    "API findings, severity and account|$api&severity=HIGH&account=$account"
    "API findings, failed, recent first|$api&compliance=FAILED&sort=updated"
    "API findings, workload and pillar|$api&workload=$workload&pillar=security"
    "API findings, 11th page by cursor|$api&after=$after"
    "API accounts, first page of 100|/api/v1/accounts"
    "API accounts, never synced|/api/v1/accounts?status=never"
)

step "wrk, $CONNECTIONS connections for $DURATION per page (after a warm-up)"
for entry in "${pages[@]}"; do
    name="${entry%%|*}"
    path="${entry#*|}"
    status="$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $api_token" "http://127.0.0.1:$PORT$path")"
    [ "$status" = 200 ] || die "$name answered $status: $path"
    wrk -t2 -c"$CONNECTIONS" -d5s -H "Authorization: Bearer $api_token" "http://127.0.0.1:$PORT$path" >/dev/null
    printf '%-36s %s\n' "$name" "$(wrk -t2 -c"$CONNECTIONS" -d"$DURATION" -s scripts/bench/latency.lua \
        -H "Authorization: Bearer $api_token" "http://127.0.0.1:$PORT$path" | tail -n 1)"
done

say "server peak RSS while serving: $(sort -n "$rss_log" | tail -n 1) KiB"

step "Query plans of the findings page (severity and account)"
psql "$DATABASE_URL" -c "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
    SELECT id, severity_rank, sort_time FROM findings
    WHERE severity_rank = 3 AND account_id = '$account' AND record_state = 'ACTIVE'
    ORDER BY severity_rank DESC, sort_time DESC, id DESC LIMIT 51"
psql "$DATABASE_URL" -c "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
    SELECT id, severity_rank, sort_time FROM findings
    WHERE severity_rank = 4 AND compliance_status = 'FAILED' AND record_state = 'ACTIVE'
    ORDER BY severity_rank DESC, sort_time DESC, id DESC LIMIT 51"
psql "$DATABASE_URL" -c "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
    SELECT count(*) FROM (SELECT 1 FROM findings
    WHERE severity_rank = 4 AND compliance_status = 'FAILED' AND record_state = 'ACTIVE' LIMIT 10000) c"
