#!/usr/bin/env bash
# The README's run command: set up a fresh machine, build, migrate and serve.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

ensure_rust
ensure_wasm_bindgen
ensure_node_packages
ensure_postgres
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/plinth}"
ensure_database "$DATABASE_URL"

build_site wasm-release
step "Building the server (release)"
cargo build -p server --release

export PLINTH_SITE__ROOT="$SITE_DIR"
export PLINTH_BIN="$TARGET_DIR/release/plinth"
addr="${PLINTH_HTTP__ADDR:-127.0.0.1:3000}"
step "Serving Plinth at http://$addr (Ctrl-C stops it)"
exec "$ROOT/scripts/start.sh" --addr "$addr"
