#!/usr/bin/env bash
# Start Post2Share with the embedded setup (SQLite in ./data, media in ./data/media, a
# generated key in ./data/secret.key) unless P2S_* settings say otherwise, and the
# platform simulator next to it (SIM_LISTEN, default 127.0.0.1:9090), so everything
# can be tried offline.  Ctrl-C stops both cleanly.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=build/post2share
sim=build/platform-sim
[ -x "$bin" ] && [ -x "$sim" ] || { echo "run: build first (make)" >&2; exit 1; }

sim_listen=${SIM_LISTEN:-127.0.0.1:9090}
mkdir -p data
"$sim" --listen "$sim_listen" --data-dir data/platform-sim >data/platform-sim.log 2>&1 &
sim_pid=$!
trap 'kill "$sim_pid" 2>/dev/null || true; wait "$sim_pid" 2>/dev/null || true' EXIT
for _ in $(seq 50); do
    grep -q 'listening on' data/platform-sim.log 2>/dev/null && break
    kill -0 "$sim_pid" 2>/dev/null || { cat data/platform-sim.log >&2; exit 1; }
    sleep 0.1
done
echo "Platform simulator: http://$sim_listen/_sim/ (what the platforms received)"

"$bin" migrate >/dev/null
echo "Starting Post2Share (settings: see README.md, or $bin help)"
"$bin" serve "$@" &
srv_pid=$!
trap 'kill "$srv_pid" "$sim_pid" 2>/dev/null || true; wait 2>/dev/null || true' EXIT
trap 'kill -TERM "$srv_pid" 2>/dev/null || true' INT TERM
wait "$srv_pid"
