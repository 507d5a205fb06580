#!/usr/bin/env bash
# Hold many idle live event streams (GET /api/v1/events) and report the server's resident
# memory and thread count before and after (default 10,000 streams).
#
#   bench/sse_idle.sh [streams]
#   P2S_TEST_DB=postgres P2S_TEST_PG_ADMIN_URL=... bench/sse_idle.sh [streams]
#
# Raises the open-file limit to the hard limit (the server and this client each hold one
# descriptor per stream), then runs bench/sse_idle.mjs.
set -euo pipefail
cd "$(dirname "$0")/.."
need=$(( ${1:-10000} + 512 ))
hard=$(ulimit -Hn)
if [ "$hard" != unlimited ] && [ "$hard" -lt "$need" ]; then
    echo "sse_idle: the hard open-file limit ($hard) is below $need; raise it (limits.conf, or run as root)" >&2
    exit 1
fi
ulimit -n "$hard"
exec node bench/sse_idle.mjs "$@"
