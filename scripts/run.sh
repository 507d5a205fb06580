#!/usr/bin/env bash
# Start Post2Share in the foreground with the embedded setup (SQLite in ./data,
# media in ./data/media, a generated key in ./data/secret.key) unless P2S_*
# settings say otherwise.  Ctrl-C stops it cleanly.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=build/post2share
[ -x "$bin" ] || { echo "run: $bin is missing; run make first" >&2; exit 1; }
"$bin" migrate >/dev/null
echo "Starting Post2Share (settings: see README.md, or $bin help)"
exec "$bin" serve "$@"
