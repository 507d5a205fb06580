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

# Point every platform at the simulator, unless the caller configured real apps.
sim_url="http://$sim_listen"
if [ -z "${P2S_X_CLIENT_ID:-}${P2S_FACEBOOK_CLIENT_ID:-}${P2S_LINKEDIN_CLIENT_ID:-}${P2S_GOOGLE_CLIENT_ID:-}${P2S_INSTAGRAM_CLIENT_ID:-}" ]; then
    for p in facebook instagram linkedin google x; do
        P=$(echo "$p" | tr a-z A-Z)
        export "P2S_${P}_CLIENT_ID=p2s-sim-$p" "P2S_${P}_CLIENT_SECRET=p2s-sim-$p-secret"
    done
    export P2S_FACEBOOK_AUTH_URL="$sim_url/facebook/www" P2S_FACEBOOK_TOKEN_URL="$sim_url/facebook/graph" \
        P2S_FACEBOOK_API_URL="$sim_url/facebook/graph" P2S_FACEBOOK_UPLOAD_URL="$sim_url/facebook/rupload" \
        P2S_INSTAGRAM_AUTH_URL="$sim_url/instagram/www" P2S_INSTAGRAM_TOKEN_URL="$sim_url/instagram/api" \
        P2S_INSTAGRAM_API_URL="$sim_url/instagram/graph" \
        P2S_LINKEDIN_AUTH_URL="$sim_url/linkedin/www" P2S_LINKEDIN_TOKEN_URL="$sim_url/linkedin/www" \
        P2S_LINKEDIN_API_URL="$sim_url/linkedin/api" P2S_LINKEDIN_UPLOAD_URL="$sim_url/linkedin/www" \
        P2S_GOOGLE_AUTH_URL="$sim_url/google/accounts" P2S_GOOGLE_TOKEN_URL="$sim_url/google/oauth2" \
        P2S_GOOGLE_API_URL="$sim_url/google/api" P2S_GOOGLE_UPLOAD_URL="$sim_url/google/upload" \
        P2S_X_AUTH_URL="$sim_url/x/www" P2S_X_TOKEN_URL="$sim_url/x/api" P2S_X_API_URL="$sim_url/x/api" \
        P2S_X_UPLOAD_URL="$sim_url/x/api"
    echo "Platforms point at the simulator (set P2S_<PLATFORM>_CLIENT_ID and friends to use real apps)"
fi

"$bin" migrate >/dev/null
echo "Starting Post2Share (settings: see README.md, or $bin help)"
"$bin" serve "$@" &
srv_pid=$!
trap 'kill "$srv_pid" "$sim_pid" 2>/dev/null || true; wait 2>/dev/null || true' EXIT
trap 'kill -TERM "$srv_pid" 2>/dev/null || true' INT TERM
wait "$srv_pid"
