#!/usr/bin/env bash
# The README's test command: set up a fresh machine, then run every check:
# formatting, clippy (server and browser builds), the .sqlx query data,
# unit and integration tests against PostgreSQL, and the browser tests.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
started=$SECONDS

ensure_rust
ensure_wasm_bindgen
ensure_sqlx_cli
ensure_node_packages
ensure_chromium
ensure_poppler
ensure_schemathesis
ensure_deploy_tools
ensure_postgres

PG_BASE="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
PG_BASE="${PG_BASE%/*}"
export DATABASE_URL="$PG_BASE/plinth_test"
ensure_database "$DATABASE_URL"

step "Formatting"
cargo fmt --all --check

step "Clippy, server build (ssr)"
cargo clippy --workspace --all-targets --locked -- -D warnings
step "Clippy, browser build (hydrate, wasm32)"
cargo clippy -p app --lib --target wasm32-unknown-unknown --features hydrate --locked -- -D warnings

step "Checked queries: .sqlx/ matches the queries and the migrated schema"
sqlx migrate run --source migrations
SQLX_OFFLINE=false cargo sqlx prepare --workspace --check -- --all-targets

step "Unit and integration tests (PostgreSQL: a fresh database per test)"
cargo test --workspace --locked 2>&1 | tee "$TARGET_DIR/cargo-test.log"

build_site wasm-release
step "Building the server for the browser tests"
cargo build -p server --locked

step "Browser tests (Chromium, JavaScript off and on)"
export PLINTH_BIN="$TARGET_DIR/debug/plinth"
export PLINTH_SITE__ROOT="$SITE_DIR"
export E2E_DATABASE_URL="$PG_BASE/plinth_e2e"
export E2E_EMPTY_DATABASE_URL="$PG_BASE/plinth_e2e_empty"
export E2E_DEMO_DATABASE_URL="$PG_BASE/plinth_e2e_demo"
for url in "$E2E_DATABASE_URL" "$E2E_EMPTY_DATABASE_URL" "$E2E_DEMO_DATABASE_URL"; do
    psql "$PG_BASE/postgres" -qc "DROP DATABASE IF EXISTS \"${url##*/}\" WITH (FORCE)" >/dev/null
    ensure_database "$url"
done
for url in "$E2E_DATABASE_URL" "$E2E_EMPTY_DATABASE_URL"; do
    DATABASE_URL="$url" "$PLINTH_BIN" migrate
done
psql "$E2E_DATABASE_URL" -q -v ON_ERROR_STOP=1 -f end2end/fixtures/workloads.sql >/dev/null
# Every server needs someone to sign in as (end2end/tests/accounts.ts).
e2e_password="$(sed -n "s/^export const E2E_PASSWORD = '\(.*\)';$/\1/p" end2end/tests/accounts.ts)"
for url in "$E2E_DATABASE_URL" "$E2E_EMPTY_DATABASE_URL" "$E2E_DEMO_DATABASE_URL"; do
    for role in admin viewer; do
        printf '%s\n' "$e2e_password" |
            DATABASE_URL="$url" RUST_LOG=warn "$PLINTH_BIN" user add --email "$role@e2e.test" --role "$role" >/dev/null
    done
done
(cd end2end && npx playwright test)

step "API contract tests (schemathesis against /api/v1/openapi.json, seeded database)"
API_DATABASE_URL="$PG_BASE/plinth_api"
psql "$PG_BASE/postgres" -qc "DROP DATABASE IF EXISTS \"${API_DATABASE_URL##*/}\" WITH (FORCE)" >/dev/null
ensure_database "$API_DATABASE_URL"
DATABASE_URL="$API_DATABASE_URL" RUST_LOG=warn "$PLINTH_BIN" demo >/dev/null
# A token for a new user of this role.
api_token_for() {
    printf '%s\n' "$e2e_password" | DATABASE_URL="$API_DATABASE_URL" RUST_LOG=warn \
        "$PLINTH_BIN" user add --email "api-$1@e2e.test" --role "$1" >/dev/null
    new_api_token "$API_DATABASE_URL" "api-$1@e2e.test" "$1"
}
viewer_token="$(api_token_for viewer)"
editor_token="$(api_token_for editor)"
api_addr="127.0.0.1:${API_PORT:-3190}"
# The contract run is a burst well past a token's usual limit.
DATABASE_URL="$API_DATABASE_URL" RUST_LOG=warn PLINTH_API__REQUESTS_PER_SECOND=1000 PLINTH_API__BURST=1000 \
    "$PLINTH_BIN" serve --addr "$api_addr" &
api_server=$!
trap 'kill "$api_server" 2>/dev/null || true' EXIT
for _ in $(seq 1 60); do
    curl -fs "http://$api_addr/readyz" >/dev/null 2>&1 && break
    sleep 1
done
# Ids that exist, so that half the generated paths and bodies reach past a
# 404: the demo's workloads, checklist items, rules and source, and an item the
# editor creates through the API. A 422 is a documented refusal of a field
# the schema cannot judge (a workload that is not there, a control's key).
api_list() { psql "$API_DATABASE_URL" -Atc "$1" | sed 's/.*/"&"/' | paste -sd, -; }
api_workload="$(psql "$API_DATABASE_URL" -Atc "SELECT id FROM workloads ORDER BY name LIMIT 1")"
api_item="$(curl -fsS -X POST -H "Authorization: Bearer $editor_token" -H 'Content-Type: application/json' \
    -d "{\"workload\": \"$api_workload\", \"source\": \"manual\", \"title\": \"Rotate the access keys\",
         \"pillar\": \"security\", \"priority\": \"high\"}" "http://$api_addr/api/v1/remediation" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["line"]["id"])')"
cat >"$TARGET_DIR/schemathesis.toml" <<TOML
[checks.positive_data_acceptance]
expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "422", "429", "5xx"]

[dictionaries.ids]
values = [$(api_list "SELECT id FROM workloads UNION ALL SELECT id FROM sources")]
[dictionaries.workloads]
values = [$(api_list "SELECT id FROM workloads")]
[dictionaries.packs]
values = [$(api_list "SELECT DISTINCT pack_id FROM checklist_items")]
[dictionaries.items]
values = [$(api_list "SELECT item_id FROM checklist_items WHERE pack_id = 'aws-security-baseline'")]
[dictionaries.remediation]
values = ["$api_item"]
[dictionaries.rules]
values = [$(api_list "SELECT DISTINCT rule_name FROM config_rules ORDER BY rule_name LIMIT 20")]

[parameters]
"path.id" = { dictionary = "ids", probability = 0.5 }
"path.pack" = { dictionary = "packs", probability = 0.5 }
"path.item" = { dictionary = "items", probability = 0.5 }
"path.name" = { dictionary = "rules", probability = 0.5 }
"query.workload" = { dictionary = "workloads", probability = 0.5 }
"body.workload" = { dictionary = "workloads", probability = 0.5 }

[[operations]]
include-path-regex = "^/api/v1/remediation/"
parameters = { "path.id" = { dictionary = "remediation", probability = 0.5 } }
TOML
# Every operation as a viewer (writes answer 403), then the writes as an
# editor, whose changes go through (an admin's sync start stays 403). One
# worker: with two, hypothesis parses sources in two threads at once, and
# CPython 3.11's parser can fail doing that ("SystemError: AST constructor
# recursion depth mismatch"), which failed a run at random.
schemathesis() {
    local log="$1"
    shift
    "$SCHEMATHESIS_VENV/bin/st" --config-file "$TARGET_DIR/schemathesis.toml" \
        run "http://$api_addr/api/v1/openapi.json" "$@" \
        --checks all --max-examples 30 --workers 1 --seed 20261202 --request-timeout 60 \
        --no-color 2>&1 | tee "$TARGET_DIR/$log"
}
schemathesis schemathesis-viewer.log --header "Authorization: Bearer $viewer_token"
schemathesis schemathesis-editor.log --header "Authorization: Bearer $editor_token" \
    --include-method POST --include-method PUT --include-method PATCH
kill "$api_server" 2>/dev/null || true
api_cases=0
for log in schemathesis-viewer.log schemathesis-editor.log; do
    cases="$(grep -oE '[0-9]+ generated' "$TARGET_DIR/$log" | tail -n 1 | cut -d' ' -f1)"
    api_cases=$((api_cases + ${cases:-0}))
done

step "Deploy files: cfn-lint, checkov and parliament on deploy/aws, the compose file, the systemd unit"
"$DEPLOY_VENV/bin/cfn-lint" --non-zero-exit-code warning --format parseable deploy/aws/*.yaml
say "cfn-lint: $(ls deploy/aws/*.yaml | wc -l) templates, no error or warning"
"$DEPLOY_VENV/bin/checkov" -d deploy/aws --framework cloudformation --compact --quiet --skip-download \
    -o json >"$TARGET_DIR/checkov.json" || {
    "$DEPLOY_VENV/bin/checkov" -d deploy/aws --framework cloudformation --compact --quiet --skip-download
    die "checkov failed checks in deploy/aws"
}
say "checkov: $(python3 -c 'import json, sys; s = json.load(open(sys.argv[1]))["summary"]; print(s["passed"], "passed,", s["failed"], "failed,", s["skipped"], "skipped with a written reason")' "$TARGET_DIR/checkov.json")"
for policy in deploy/aws/*.json; do
    "$DEPLOY_VENV/bin/parliament" <"$policy" || die "parliament found the above in $policy"
done
say "parliament: $(ls deploy/aws/*.json | wc -l) policy files, no findings"
"$DEPLOY_VENV/bin/python" scripts/check_deploy.py "$COMPOSE_SCHEMA"
command -v systemd-analyze >/dev/null 2>&1 || apt_install systemd
unit="$(mktemp --suffix=.service)"
sed 's|^ExecStart=/opt/plinth/plinth|ExecStart=/bin/true|' deploy/systemd/plinth.service >"$unit"
systemd-analyze verify "$unit"
exposure="$(systemd-analyze security --offline=yes --threshold=20 "$unit" 2>&1 | tail -n 1)" ||
    die "the systemd unit is too exposed: $exposure"
say "systemd unit: verified; ${exposure#→ }"
rm -f "$unit"

step "Container image: built with Podman, run from its exported filesystem"
bash scripts/image.sh check

# One closing line for every test that ran, Rust and browser together.
read -r rust_passed rust_failed rust_ignored < <(
    grep -oE 'test result: [a-zA-Z]+\. [0-9]+ passed; [0-9]+ failed; [0-9]+ ignored' "$TARGET_DIR/cargo-test.log" |
        awk '{p += $4; f += $6; i += $8} END {print p + 0, f + 0, i + 0}'
)
read -r e2e_passed e2e_failed e2e_skipped < <(
    node -e 'const s = require("./end2end/playwright-report/results.json").stats;
             console.log(s.expected + s.flaky, s.unexpected, s.skipped)'
)
step "All checks passed in $((SECONDS - started)) s"
echo "cargo test: $rust_passed passed, browser tests: $e2e_passed passed"
echo "report pages rendered for review: $TARGET_DIR/artifacts/report/"
echo "schemathesis: $api_cases API test cases (viewer and editor), no server error, no response outside the schema"
echo "plinth: $((rust_passed + e2e_passed)) passed, $((rust_failed + e2e_failed)) failed, $((rust_ignored + e2e_skipped)) skipped"
