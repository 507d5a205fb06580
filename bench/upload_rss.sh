#!/usr/bin/env bash
# Peak resident memory of the server while one large file uploads (default 1 GiB).
#
#   bench/upload_rss.sh [MiB]
#
# Starts build/post2share on a free port with a throwaway data directory, signs up,
# creates a workspace, streams MiB mebibytes of random bytes to the media upload route
# (the server refuses them at the end as not a media file: the upload path is what is
# measured), samples the server's VmRSS every 50 ms, and prints the baseline and peak.
set -euo pipefail
cd "$(dirname "$0")/.."
mib=${1:-1024}
dir=$(mktemp -d /tmp/p2s-bench-XXXXXX)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT
P2S_SIGNUP_LIMIT=100 build/post2share serve --listen 127.0.0.1:0 --data-dir "$dir" \
    --media-max-mb $((mib + 16)) --media-quota-mb $((mib + 64)) >"$dir/out" 2>"$dir/err" &
pid=$!
for _ in $(seq 100); do grep -q 'running at' "$dir/out" 2>/dev/null && break; sleep 0.1; done
url=$(sed -n 's#.*\(http://[^/]*\)/.*#\1#p' "$dir/out")
jar="$dir/jar"
csrf=$(curl -s -c "$jar" -H 'Content-Type: application/json' \
    -d '{"name":"Bench","email":"bench@example.com","password":"correct horse battery staple","confirm_age":true}' \
    "$url/api/v1/auth/register" | sed -n 's/.*"csrf_token":"\([^"]*\)".*/\1/p')
ws=$(curl -s -b "$jar" -H 'Content-Type: application/json' -H "X-CSRF-Token: $csrf" \
    -d '{"name":"Bench"}' "$url/api/v1/workspaces" | sed -n 's/.*"workspace":{"id":\([0-9]*\).*/\1/p')
rss() { awk '/VmRSS/ {print $2}' "/proc/$pid/status"; }
base=$(rss)
peak=$base
(
    head -c "$((mib * 1024 * 1024))" /dev/urandom |
        curl -s -o "$dir/answer" -b "$jar" -H "X-CSRF-Token: $csrf" -H 'Content-Type: video/mp4' \
            -H 'Expect:' -X POST -T - "$url/api/v1/workspaces/$ws/media?name=big.mp4"
) &
up=$!
start=$(date +%s.%N)
while kill -0 "$up" 2>/dev/null; do
    r=$(rss)
    [ "$r" -gt "$peak" ] && peak=$r
    sleep 0.05
done
end=$(date +%s.%N)
wait "$up" || true
secs=$(echo "$end - $start" | bc)
echo "uploaded ${mib} MiB in ${secs} s; answer: $(head -c 120 "$dir/answer")"
echo "server RSS: baseline ${base} KiB, peak ${peak} KiB, growth $((peak - base)) KiB"
