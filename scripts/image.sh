#!/usr/bin/env bash
# `make image`: Plinth's container image. The release site and `plinth`
# binary are built here, laid out as the image's whole filesystem, and put
# in an image whose only stage is FROM scratch: /plinth, the shared
# libraries it loads (and nothing else of the system), /site, a CA bundle
# and an /etc/passwd with the user it runs as. No shell, no package manager.
#
#   scripts/image.sh build [amd64|arm64]   build the image (default: amd64)
#   scripts/image.sh check [amd64]         build it, then run it from its
#                                          exported filesystem (the tests)
#
# glibc with its libraries copied, not a static musl build: measured on the
# same data, musl's allocator made a review PDF 1.23x and a demo load 1.20x
# slower, at twice the CPU, for a 5% smaller image (docs/deploying.md).
#
# Podman cannot run containers on the machines this is tested on, so the
# check exports the image's filesystem and runs /plinth from it in a chroot.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

IMAGE_NAME="${PLINTH_IMAGE:-localhost/plinth}"
VERSION="$(sed -n '/^\[workspace.package\]/,/^\[/s/^version = "\(.*\)"$/\1/p' Cargo.toml)"
REVISION="$(git rev-parse HEAD 2>/dev/null || echo unknown)"
# Where the source lives: PLINTH_SOURCE_URL, else the clone's origin.
SOURCE_URL="${PLINTH_SOURCE_URL:-$(git remote get-url origin 2>/dev/null || echo unknown)}"
# The user the image runs as: not root, and no file in the image is its.
IMAGE_UID=10001

# arm64 is cross-built: Rust's aarch64 target, Debian's cross linker and
# libraries, and qemu to run the result once.
target_triple() { case "$1" in amd64) echo x86_64-unknown-linux-gnu ;; arm64) echo aarch64-unknown-linux-gnu ;; *) die "no such architecture: $1 (amd64 or arm64)" ;; esac; }

ensure_image_tools() {
    local arch="$1"
    command -v podman >/dev/null 2>&1 || { step "Installing Podman (Debian's podman)"; apt_install podman; }
    [ -f /etc/ssl/certs/ca-certificates.crt ] || apt_install ca-certificates
    if [ "$arch" = arm64 ]; then
        rustup target list --installed | grep -qx aarch64-unknown-linux-gnu || rustup target add aarch64-unknown-linux-gnu
        command -v aarch64-linux-gnu-gcc >/dev/null 2>&1 || apt_install gcc-aarch64-linux-gnu libc6-dev-arm64-cross
        command -v qemu-aarch64-static >/dev/null 2>&1 || apt_install qemu-user-static
    fi
}

# Builds the release binary for the architecture; prints its path.
build_binary() {
    local arch="$1" triple
    triple="$(target_triple "$arch")"
    if [ "$arch" = amd64 ]; then
        step "Building the server (release)"
        cargo build -p server --release --locked >&2
        echo "$TARGET_DIR/release/plinth"
    else
        step "Cross-building the server for $triple (release)"
        CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc \
            CC_aarch64_unknown_linux_gnu=aarch64-linux-gnu-gcc \
            cargo build -p server --release --locked --target "$triple" >&2
        echo "$TARGET_DIR/$triple/release/plinth"
    fi
}

# The shared libraries the binary loads: lines of "where it is here" and
# "where it goes in the image". ldd cannot run a foreign binary, so for arm64
# they are read from its ELF header and taken from Debian's cross libraries,
# and put where an arm64 Debian keeps them.
shared_libraries() {
    local arch="$1" bin="$2"
    if [ "$arch" = amd64 ]; then
        ldd "$bin" | awk '/=> \// {print $3, $3} /^[ \t]*\/[^ ]+ \(/ {print $1, $1}'
    else
        local cross=/usr/aarch64-linux-gnu/lib name interpreter
        interpreter="$(readelf -l "$bin" | sed -n 's/.*program interpreter: \(.*\)]$/\1/p')"
        echo "$cross/$(basename "$interpreter") $interpreter"
        for name in $(readelf -d "$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
            echo "$cross/$name /lib/aarch64-linux-gnu/$name"
        done
    fi
}

# Lays out the image's filesystem in $1.
stage_rootfs() {
    local arch="$1" bin="$2" rootfs="$3" strip=strip
    [ "$arch" = arm64 ] && strip=aarch64-linux-gnu-strip
    rm -rf "$rootfs" && mkdir -p "$rootfs/etc/ssl/certs"
    "$strip" -o "$rootfs/plinth" "$bin"
    cp -R "$SITE_DIR" "$rootfs/site" && rm -f "$rootfs"/site/.built-*
    cp /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/"
    printf 'root:x:0:0:root:/:/nonexistent\nplinth:x:%s:%s:Plinth:/:/nonexistent\n' "$IMAGE_UID" "$IMAGE_UID" \
        >"$rootfs/etc/passwd"
    printf 'root:x:0:\nplinth:x:%s:\n' "$IMAGE_UID" >"$rootfs/etc/group"
    local libraries here there
    # Read first, so that a failing ldd or readelf stops the build.
    libraries="$(shared_libraries "$arch" "$bin")"
    while read -r here there; do
        [ -f "$here" ] || die "$bin needs $here, which is not on this machine"
        mkdir -p "$rootfs$(dirname "$there")"
        cp -L "$here" "$rootfs$there"
    done <<<"$libraries"
    # The loader's path for amd64 binaries is /lib64/..., a symlink on
    # Debian: keep the link as a file the loader finds.
    if [ "$arch" = amd64 ] && [ ! -e "$rootfs/lib64/ld-linux-x86-64.so.2" ]; then
        mkdir -p "$rootfs/lib64" && cp -L /lib64/ld-linux-x86-64.so.2 "$rootfs/lib64/"
    fi
    chmod -R a+rX,go-w "$rootfs"
}

build_image() {
    local arch="${1:-amd64}" bin rootfs context tag
    ensure_image_tools "$arch"
    build_site wasm-release
    bin="$(build_binary "$arch")"
    context="$TARGET_DIR/image/$arch"
    rootfs="$context/rootfs"
    step "Laying out the image's filesystem ($arch)"
    stage_rootfs "$arch" "$bin" "$rootfs"
    cp "$ROOT/Containerfile" "$context/Containerfile"
    tag="$IMAGE_NAME:$VERSION-$arch"
    step "Building $tag with Podman"
    podman build --quiet --platform "linux/$arch" \
        --build-arg "VERSION=$VERSION" --build-arg "REVISION=$REVISION" --build-arg "SOURCE=$SOURCE_URL" \
        --tag "$tag" --file "$context/Containerfile" "$context" >/dev/null
    say "image: $tag, $(podman image inspect --format '{{.Size}}' "$tag") bytes uncompressed"
    say "layer: $(tar -C "$rootfs" -c . | gzip -6 | wc -c) bytes gzipped"
    say "binary: $(wc -c <"$rootfs/plinth") bytes (stripped)"
    echo "$tag" >"$context/tag"
    [ "$arch" = arm64 ] && smoke_arm64 "$rootfs"
    return 0
}

# Runs the arm64 /plinth once under qemu (user mode, with the image's own
# libraries): it serves the sign-in page and the site's files.
smoke_arm64() {
    local rootfs="$1" addr db pid
    step "Running the arm64 /plinth under qemu-aarch64-static"
    say "$(qemu-aarch64-static -L "$rootfs" "$rootfs/plinth" --version)"
    db="${DATABASE_URL%/*}/plinth_image_arm64"
    psql "${db%/*}/postgres" -qc "DROP DATABASE IF EXISTS plinth_image_arm64 WITH (FORCE)" >/dev/null
    ensure_database "$db"
    printf 'image-check-password\n' | DATABASE_URL="$db" RUST_LOG=warn \
        qemu-aarch64-static -L "$rootfs" "$rootfs/plinth" user add --email admin@image.test --role admin >/dev/null
    addr="127.0.0.1:${IMAGE_PORT:-3196}"
    # From the image's root: the default site.root (target/site) is not
    # there, so /plinth must find the image's own /site beside it.
    (cd "$rootfs" && DATABASE_URL="$db" PLINTH_HTTP__ADDR="$addr" RUST_LOG=warn \
        exec qemu-aarch64-static -L "$rootfs" "$rootfs/plinth" serve) &
    pid=$!
    for _ in $(seq 1 600); do
        curl -fs "http://$addr/readyz" >/dev/null 2>&1 && break
        sleep 0.1
    done
    curl -fsS -o /dev/null "http://$addr/login" && curl -fsS -o /dev/null "http://$addr/pkg/plinth.css" ||
        { kill "$pid"; die "the arm64 /plinth did not serve the sign-in page and its styles"; }
    kill -TERM "$pid" && wait "$pid" || die "the arm64 /plinth did not stop cleanly"
    say "arm64: /readyz, /login and /pkg/plinth.css 200 under qemu; stopped cleanly on SIGTERM"
}

# Runs /plinth from the image's exported filesystem against the test
# database and asks for what a browser needs first. A file missing from the
# image fails here.
check_image() {
    # dir and pid stay global: the EXIT trap still needs them.
    local arch=amd64 tag container addr db started ms chroot
    chroot="$(command -v chroot)" || die "chroot is missing (coreutils)"
    build_image "$arch"
    tag="$(cat "$TARGET_DIR/image/$arch/tag")"
    step "Running /plinth from the exported image ($tag)"
    dir="$(mktemp -d)"
    trap 'kill "${pid:-}" 2>/dev/null || true; rm -rf "${dir:?}" "$dir.log"' EXIT
    container="$(podman create "$tag")"
    podman export "$container" | tar -x -C "$dir"
    chmod 755 "$dir" # the image's root, as a runtime makes it (mktemp made it 0700)
    podman rm "$container" >/dev/null

    [ ! -e "$dir/bin/sh" ] && [ ! -e "$dir/usr/bin" ] || die "the image has a shell or system binaries"
    [ "$(podman image inspect --format '{{.Config.User}}' "$tag")" = "$IMAGE_UID:$IMAGE_UID" ] || die "the image does not run as $IMAGE_UID"
    [ "$(podman image inspect --format '{{index .Config.Labels "org.opencontainers.image.revision"}}' "$tag")" = "$REVISION" ] ||
        die "the image's revision label is not $REVISION"
    say "files in the image: $(find "$dir" -type f | wc -l) ($(find "$dir" -type f -not -path "$dir/site/*" | sed "s|^$dir||" | sort | paste -sd' '))"

    db="${DATABASE_URL%/*}/plinth_image"
    psql "${DATABASE_URL%/*}/postgres" -qc "DROP DATABASE IF EXISTS plinth_image WITH (FORCE)" >/dev/null
    ensure_database "$db"
    addr="127.0.0.1:${IMAGE_PORT:-3195}"
    ! curl -s -o /dev/null "http://$addr/" || die "something already listens on $addr; set IMAGE_PORT"
    # The first admin, added with the image's own binary (without a user,
    # every page but the one saying how to add one answers 503).
    printf 'image-check-password\n' | env -i DATABASE_URL="$db" RUST_LOG=warn \
        "$chroot" --userspec="$IMAGE_UID:$IMAGE_UID" "$dir" /plinth user add --email admin@image.test --role admin ||
        die "/plinth user add failed inside the image"
    started="$(date +%s%N)"
    # As the image runs it: its user, its working directory, no settings
    # but the database (the image itself listens on 0.0.0.0:3000).
    env -i DATABASE_URL="$db" PLINTH_HTTP__ADDR="$addr" RUST_LOG=warn \
        "$chroot" --userspec="$IMAGE_UID:$IMAGE_UID" "$dir" /plinth serve >"$dir.log" 2>&1 &
    pid=$!
    for _ in $(seq 1 300); do
        curl -fs "http://$addr/readyz" >/dev/null 2>&1 && break
        kill -0 "$pid" 2>/dev/null || { cat "$dir.log" >&2; die "/plinth stopped before it was ready"; }
        sleep 0.1
    done
    ms=$((($(date +%s%N) - started) / 1000000))
    curl -fsS -o /dev/null "http://$addr/readyz" || { cat "$dir.log" >&2; die "/readyz did not answer 200"; }
    say "/readyz 200 after $ms ms"
    curl -fsS -o /dev/null "http://$addr/login" || die "the sign-in page did not answer 200"
    say "/login 200"
    local asset
    for asset in /pkg/plinth.css /pkg/plinth.js /pkg/plinth_bg.wasm /favicon.svg; do
        curl -fsS -o /dev/null "http://$addr$asset" || die "$asset is missing from the image"
    done
    say "/pkg/plinth.css, /pkg/plinth.js, /pkg/plinth_bg.wasm and /favicon.svg 200"
    env -i PLINTH_HTTP__ADDR="$addr" "$chroot" --userspec="$IMAGE_UID:$IMAGE_UID" "$dir" /plinth health --ready >/dev/null ||
        die "/plinth health --ready failed inside the image"
    say "/plinth health --ready: 0"
    kill -TERM "$pid"
    wait "$pid" || die "/plinth did not stop cleanly on SIGTERM"
    say "SIGTERM: stopped with status 0"
}

# A database for the checks: DATABASE_URL's server, or the local one.
if [ "${1:-build}" = check ] || [ "${2:-}" = arm64 ]; then
    ensure_postgres
    export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
fi

case "${1:-build}" in
    build) build_image "${2:-amd64}" ;;
    check) check_image ;;
    *) die "usage: scripts/image.sh build [amd64|arm64] | check" ;;
esac
