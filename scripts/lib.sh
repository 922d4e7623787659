# Shared by the scripts in this folder: paths, pinned tool versions, and the
# steps that make a fresh machine ready. Sourced, never run.
# shellcheck shell=bash

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
SITE_DIR="$TARGET_DIR/site"

# Pinned tools. wasm-bindgen-cli must match the wasm-bindgen in Cargo.lock.
WASM_BINDGEN_VERSION="$(sed -n '/^name = "wasm-bindgen"$/{n;s/^version = "\(.*\)"$/\1/p;}' "$ROOT/Cargo.lock")"
SQLX_CLI_VERSION="0.8.6"
SCHEMATHESIS_VERSION="4.32.5"

export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$ROOT/end2end/node_modules/.bin:$PATH"

step() { printf '\n\033[1m==> %s\033[0m\n' "$*" >&2; }
say() { printf '    %s\n' "$*" >&2; }
die() { printf '\033[31merror:\033[0m %s\n' "$*" >&2; exit 1; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"
    elif command -v sudo >/dev/null 2>&1; then sudo "$@"
    else die "'$*' needs root; run it as root or install sudo"; fi
}

apt_install() {
    command -v apt-get >/dev/null 2>&1 || die "install $* with your package manager (no apt-get here)"
    if [ ! -f "$TARGET_DIR/.apt-updated" ]; then
        as_root apt-get update -qq
        mkdir -p "$TARGET_DIR" && touch "$TARGET_DIR/.apt-updated"
    fi
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

ensure_rust() {
    command -v cargo >/dev/null 2>&1 || die "Rust is missing: install it with rustup (https://rustup.rs) and run this again"
    if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
        step "Adding the wasm32-unknown-unknown target"
        rustup target add wasm32-unknown-unknown
    fi
    if ! cargo fmt --version >/dev/null 2>&1 || ! cargo clippy --version >/dev/null 2>&1; then
        rustup component add rustfmt clippy
    fi
}

ensure_wasm_bindgen() {
    if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $WASM_BINDGEN_VERSION" ]; then
        step "Installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (a few minutes, once)"
        # Not --locked: its lock file wants a crate the registry lacks.
        cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --quiet
    fi
}

ensure_sqlx_cli() {
    if [ "$(sqlx --version 2>/dev/null)" != "sqlx-cli $SQLX_CLI_VERSION" ]; then
        step "Installing sqlx-cli $SQLX_CLI_VERSION (a few minutes, once)"
        cargo install sqlx-cli --version "$SQLX_CLI_VERSION" --locked --quiet \
            --no-default-features --features postgres
    fi
}

# npm packages: Playwright for the browser tests and binaryen's wasm-opt
# (Debian's binaryen is too old: its output fails to hydrate).
ensure_node_packages() {
    command -v npm >/dev/null 2>&1 || apt_install nodejs npm
    if [ ! -x "$ROOT/end2end/node_modules/.bin/wasm-opt" ] ||
        [ "$ROOT/end2end/package-lock.json" -nt "$ROOT/end2end/node_modules/.package-lock.json" ]; then
        step "Installing npm packages (Playwright, binaryen)"
        (cd "$ROOT/end2end" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
    fi
}

ensure_chromium() {
    if [ ! -x /usr/bin/chromium ]; then
        step "Installing Debian's Chromium for the browser tests"
        apt_install chromium
    fi
}

# poppler-utils: the report tests read the PDF's text (pdftotext), count its
# pages (pdfinfo) and render the first ones to PNG (pdftoppm).
ensure_poppler() {
    if ! command -v pdftotext >/dev/null 2>&1 || ! command -v pdftoppm >/dev/null 2>&1; then
        step "Installing poppler-utils for the report tests"
        apt_install poppler-utils
    fi
}

# An empty Python virtual environment at $1 (made again if it was there).
new_venv() {
    command -v python3 >/dev/null 2>&1 || apt_install python3 python3-venv
    rm -rf "$1"
    python3 -m venv "$1" 2>/dev/null || {
        apt_install python3-venv
        python3 -m venv "$1"
    }
}

# schemathesis (from PyPI) in a virtual environment beside the build, for
# the API contract tests.
SCHEMATHESIS_VENV="$TARGET_DIR/schemathesis-venv"
ensure_schemathesis() {
    if [ "$("$SCHEMATHESIS_VENV/bin/st" --version 2>/dev/null)" = "st, version $SCHEMATHESIS_VERSION" ]; then
        return
    fi
    step "Installing schemathesis $SCHEMATHESIS_VERSION (PyPI) for the API contract tests"
    new_venv "$SCHEMATHESIS_VENV"
    "$SCHEMATHESIS_VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
}

# The deploy checks' tools, from PyPI, in their own virtual environment
# (checkov pins boto3 and packaging, so it lives apart from schemathesis),
# and the Compose Specification's JSON schema as the npm package dclint ships
# it (compose-spec's schema/compose-spec.json of 2025-07-21).
DEPLOY_VENV="$TARGET_DIR/deploy-venv"
DEPLOY_TOOLS="cfn-lint==1.58.0 checkov==3.3.30 parliament==1.6.4 jsonschema==4.26.0 PyYAML==6.0.3"
COMPOSE_SCHEMA="$TARGET_DIR/compose-spec.json"
COMPOSE_SCHEMA_PACKAGE="dclint@3.1.0"
COMPOSE_SCHEMA_SHA256="46b7d35f19dd93a05f8fea530291bf84d881c1791ec167ecf0e6fb94e639d496"
ensure_deploy_tools() {
    if [ "$(cat "$DEPLOY_VENV/.tools" 2>/dev/null)" != "$DEPLOY_TOOLS" ]; then
        step "Installing cfn-lint, checkov and parliament (PyPI) for the deploy checks"
        new_venv "$DEPLOY_VENV"
        # shellcheck disable=SC2086
        "$DEPLOY_VENV/bin/pip" install --quiet --disable-pip-version-check --only-binary=:all: $DEPLOY_TOOLS
        echo "$DEPLOY_TOOLS" >"$DEPLOY_VENV/.tools"
    fi
    if [ "$(sha256sum "$COMPOSE_SCHEMA" 2>/dev/null | cut -d' ' -f1)" != "$COMPOSE_SCHEMA_SHA256" ]; then
        local unpack
        unpack="$(mktemp -d)"
        (cd "$unpack" && npm pack "$COMPOSE_SCHEMA_PACKAGE" --silent >/dev/null &&
            tar -xzf ./*.tgz package/schemas/compose.schema.json)
        cp "$unpack/package/schemas/compose.schema.json" "$COMPOSE_SCHEMA"
        rm -rf "$unpack"
        [ "$(sha256sum "$COMPOSE_SCHEMA" | cut -d' ' -f1)" = "$COMPOSE_SCHEMA_SHA256" ] ||
            die "the Compose schema in $COMPOSE_SCHEMA_PACKAGE is not the one these checks were written against"
    fi
}

# A PostgreSQL to talk to. DATABASE_URL wins; otherwise the local server on
# 127.0.0.1:5432, started if stopped and installed if missing.
ensure_postgres() {
    if [ -n "${DATABASE_URL:-}" ]; then
        return
    fi
    command -v pg_isready >/dev/null 2>&1 || {
        step "Installing PostgreSQL (Debian's postgresql package)"
        apt_install postgresql
    }
    if pg_isready -q -h 127.0.0.1 -p 5432; then
        return
    fi
    step "Starting the local PostgreSQL"
    local version
    version="$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)"
    [ -n "$version" ] || die "PostgreSQL is installed but has no cluster; create one with pg_createcluster, or set DATABASE_URL"
    pg_lsclusters -h 2>/dev/null | grep -q "^$version main" || as_root pg_createcluster "$version" main >/dev/null
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start ||
        die "could not start PostgreSQL $version; start it yourself or set DATABASE_URL"
    for _ in $(seq 1 30); do
        pg_isready -q -h 127.0.0.1 -p 5432 && break
        sleep 1
    done
    pg_isready -q -h 127.0.0.1 -p 5432 || die "PostgreSQL did not come up on 127.0.0.1:5432; set DATABASE_URL to one that runs"
    # Local tools connect as postgres without a password (trust or peer auth
    # for 127.0.0.1 is Debian's default only for the socket): make TCP trust.
    if ! psql -h 127.0.0.1 -U postgres -d postgres -Atqc 'SELECT 1' >/dev/null 2>&1; then
        local hba
        hba="/etc/postgresql/$version/main/pg_hba.conf"
        as_root sed -i -E 's/^(host\s+all\s+all\s+(127\.0\.0\.1\/32|::1\/128)\s+)\S+/\1trust/' "$hba"
        as_root pg_ctlcluster --skip-systemctl-redirect "$version" main reload
    fi
}

# Creates the database named in a URL on its server, if it is missing.
ensure_database() {
    local url="$1" name base
    name="${url##*/}"
    name="${name%%\?*}"
    base="${url%/*}/postgres"
    if ! psql "$base" -Atqc "SELECT 1 FROM pg_database WHERE datname = '$name'" | grep -q 1; then
        say "creating database $name"
        psql "$base" -qc "CREATE DATABASE \"$name\"" >/dev/null
    fi
}

# The front end: WebAssembly (hydration), its JavaScript glue, the CSS and
# the public files, laid out in $SITE_DIR the way the server serves them.
# The same steps cargo-leptos takes, without its 18-minute install.
build_site() {
    local profile="$1" wasm
    step "Building the front end (wasm, profile $profile)"
    cargo build -p app --lib --target wasm32-unknown-unknown --features hydrate --profile "$profile"
    case "$profile" in dev) wasm="debug" ;; *) wasm="$profile" ;; esac
    wasm="$TARGET_DIR/wasm32-unknown-unknown/$wasm/app.wasm"
    local stamp="$SITE_DIR/.built-$profile"
    if [ -f "$stamp" ] && [ -z "$(find "$wasm" "$ROOT/style" "$ROOT/public" -newer "$stamp" -print -quit)" ]; then
        say "front end unchanged since the last build"
        return
    fi
    rm -rf "$SITE_DIR" && mkdir -p "$SITE_DIR/pkg"
    wasm-bindgen "$wasm" --target web --no-typescript --out-dir "$SITE_DIR/pkg" --out-name plinth
    if [ "$profile" != dev ]; then
        wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
            "$SITE_DIR/pkg/plinth_bg.wasm" -o "$SITE_DIR/pkg/plinth_bg.wasm"
    fi
    cp "$ROOT/style/main.css" "$SITE_DIR/pkg/plinth.css"
    cp -R "$ROOT/public/." "$SITE_DIR/"
    # Served precompressed by the server when the browser accepts gzip.
    find "$SITE_DIR" -type f \( -name '*.wasm' -o -name '*.js' -o -name '*.css' -o -name '*.svg' \) \
        -exec gzip -9 -k -f {} \;
    say "wasm: $(wc -c <"$SITE_DIR/pkg/plinth_bg.wasm") bytes, $(wc -c <"$SITE_DIR/pkg/plinth_bg.wasm.gz") gzipped"
    touch "$stamp"
}

# A new personal API token with this role for the user with this email, in
# the database at $1, stored the way Plinth stores one (only its SHA-256);
# prints the secret.
new_api_token() {
    local url="$1" email="$2" role="$3" token digest
    token="plinth_$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')"
    digest="$(printf '%s' "$token" | sha256sum | cut -d' ' -f1)"
    psql "$url" -q -v ON_ERROR_STOP=1 -c \
        "INSERT INTO api_tokens (user_id, name, secret_hash, prefix, role)
         SELECT id, 'scripts', decode('$digest', 'hex'), left('$token', 13), '$role'
         FROM users WHERE email = '$email'" >/dev/null
    printf '%s' "$token"
}
