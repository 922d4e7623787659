#!/usr/bin/env bash
# The last step of the README's run command, on its own so the browser tests
# run it too: with no workloads and no AWS source configured, load the demo
# organisation; then serve. PLINTH_BIN names the binary (default: release).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${PLINTH_BIN:-${CARGO_TARGET_DIR:-$ROOT/target}/release/plinth}"
"$BIN" demo --if-empty
exec "$BIN" serve "$@"
