#!/usr/bin/env bash
# Install every Debian and npm package Post2Share needs, and nothing when all are there.
#
#   scripts/deps.sh run    what building and running the server needs
#   scripts/deps.sh test   that, plus what the tests need (PostgreSQL, cmocka, chromium, ...)
#
# Runs as root (apt-get), or through sudo when it is available.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-test}

run_pkgs=(build-essential pkg-config gzip ca-certificates tzdata
          libmicrohttpd-dev libjansson-dev libsodium-dev libsqlite3-dev libpq-dev
          libcurl4-gnutls-dev zlib1g-dev libutf8proc-dev
          libvips-dev libavformat-dev libavcodec-dev libavutil-dev libswscale-dev libmagic-dev libcsv-dev)
test_pkgs=(libcmocka-dev postgresql sqlite3 chromium curl procps python3-aiosmtpd)

pkgs=("${run_pkgs[@]}")
[ "$mode" = test ] && pkgs+=("${test_pkgs[@]}")

# Node.js 20 or newer (Vite 8 needs it): Debian's own nodejs only if there is none at all.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    pkgs+=(nodejs npm)
fi

missing=()
for p in "${pkgs[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$p")
    fi
done

if [ ${#missing[@]} -gt 0 ]; then
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null 2>&1 || { echo "deps: need root to install: ${missing[*]}" >&2; exit 1; }
        sudo=sudo
    fi
    echo "deps: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then
    echo "deps: Node.js $(node --version) is too old; the web build needs Node.js 20 or newer" >&2
    exit 1
fi

# npm packages, from the committed lock files, when node_modules is missing or older than the lock.
npm_dirs=(web)
[ "$mode" = test ] && npm_dirs+=(tests)
for d in "${npm_dirs[@]}"; do
    if [ ! -f "$d/node_modules/.package-lock.json" ] || [ "$d/package-lock.json" -nt "$d/node_modules/.package-lock.json" ]; then
        echo "deps: npm ci in $d/"
        (cd "$d" && npm ci --no-audit --no-fund --loglevel=error)
    fi
done
