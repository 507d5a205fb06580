#!/usr/bin/env bash
# Run every test and end with one line: "N passed, N failed".
#
#   C unit tests (cmocka)            build/tests/test_*
#   API and browser tests            tests/api, tests/ui (node --test), on SQLite and on PostgreSQL
#   fault tests                      tests/fault (kill -9 and SIGTERM of workers mid-burst), on both
#   simulator tests                  tests/sim (no database), once
#   the same under ASan+UBSan        build/asan/ (unit tests, API and simulator tests on SQLite)
#
# Called by `make test` after the builds.  P2S_TEST_ONLY=asan runs only the sanitizer pass.
# A throwaway PostgreSQL cluster is started for the run and removed at the end.
set -uo pipefail
cd "$(dirname "$0")/.."
out=tests/.out
rm -rf "$out"
mkdir -p "$out"
passed=0
failed=0
skipped=0
only=${P2S_TEST_ONLY:-all}

pgdir=/tmp/p2s-test-pg-$$
pgport=$((20000 + $$ % 20000))
pg_started=0
cleanup() { [ $pg_started = 1 ] && scripts/pg.sh stop "$pgdir"; }
trap cleanup EXIT

# Count "ok"/"not ok" lines of a TAP file into the totals.
count_tap() {
    local file=$1 p f s
    # cmocka marks a skipped test "not ok N # SKIP".
    p=$(grep -E '^ok [0-9]+' "$file" | grep -vcE '# (SKIP|skip)' | tr -d ' ')
    s=$(grep -cE '^(not )?ok [0-9]+.*# (SKIP|skip)' "$file" | tr -d ' ')
    f=$(grep -E '^not ok [0-9]+' "$file" | grep -vcE '# (SKIP|skip)' | tr -d ' ')
    passed=$((passed + p))
    skipped=$((skipped + s))
    failed=$((failed + f))
}

# C unit tests: each binary prints TAP; the subtest lines of cmocka are at column 0.
run_unit() {
    local dir=$1 label=$2
    for t in "$dir"/tests/test_*; do
        [ -x "$t" ] || continue
        local name tap
        name=$(basename "$t")
        tap="$out/unit-$label-$name.tap"
        CMOCKA_MESSAGE_OUTPUT=TAP "$t" >"$tap" 2>&1
        local rc=$?
        count_tap "$tap"
        if [ $rc -ne 0 ] && [ "$(grep -E '^not ok' "$tap" | grep -vcE '# SKIP')" = 0 ]; then
            echo "not ok - $name crashed (exit $rc)" >>"$tap"
            failed=$((failed + 1))
        fi
        printf '%-8s %-28s %s\n' "$label" "$name" "$(grep -cE '^ok' "$tap") ok, $(grep -E '^not ok' "$tap" | grep -vcE '# SKIP') not ok"
        grep -E '^not ok|ERROR|error:|Assert|runtime error|AddressSanitizer' "$tap" | head -n 20
    done
}

# Node suites: spec output to the console, TAP to a file for counting.
run_node() {
    local label=$1
    shift
    local tap="$out/node-$label.tap"
    echo "== $label: $*"
    node --test --test-concurrency=2 --test-timeout=120000 \
        --test-reporter=spec --test-reporter-destination=stdout \
        --test-reporter=tap --test-reporter-destination="$tap" "$@" 2>&1 |
        grep -vE '^\s*$' | grep -E '✖|✔ .*\([0-9.]+ms\)$|failing tests|Error|error' | grep -vE '^\s+✔' | head -n 80
    # node's TAP nests subtests; count the leaf test lines at any depth.
    local p f s
    p=$(grep -E '^\s*ok [0-9]+' "$tap" | grep -vcE '# (SKIP|skip)' | tr -d ' ')
    s=$(grep -cE '^\s*ok [0-9]+.*# (SKIP|skip)' "$tap" | tr -d ' ')
    f=$(grep -cE '^\s*not ok [0-9]+' "$tap" | tr -d ' ')
    # Suites are counted as ok/not ok lines too: subtract them using the summary.
    local tp tf
    tp=$(sed -nE 's/^# pass ([0-9]+)$/\1/p' "$tap" | tail -n 1)
    tf=$(sed -nE 's/^# fail ([0-9]+)$/\1/p' "$tap" | tail -n 1)
    ts=$(sed -nE 's/^# skipped ([0-9]+)$/\1/p' "$tap" | tail -n 1)
    [ -n "$tp" ] && p=$tp
    [ -n "$tf" ] && f=$tf
    [ -n "$ts" ] && s=$ts
    if [ -z "$tp" ]; then
        echo "$label: the test runner ended without a summary"
        f=$((f + 1))
    fi
    echo "   $label: $p passed, $f failed, $s skipped"
    passed=$((passed + p))
    failed=$((failed + f))
    skipped=$((skipped + s))
}

start_pg() {
    if url=$(scripts/pg.sh start "$pgdir" "$pgport"); then
        pg_started=1
        export P2S_TEST_PG_ADMIN_URL=$url
        return 0
    fi
    echo "could not start PostgreSQL"
    failed=$((failed + 1))
    return 1
}

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:halt_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

scratch=
if [ "$only" = all ]; then
    start_pg
    [ $pg_started = 1 ] && scratch=$(psql -X -qtA "$P2S_TEST_PG_ADMIN_URL" -c 'CREATE DATABASE p2s_unit' >/dev/null && echo "${P2S_TEST_PG_ADMIN_URL%/*}/p2s_unit")
    P2S_TEST_PG_URL=${scratch:-} run_unit build unit
    P2S_TEST_DB=sqlite run_node sqlite tests/api tests/ui tests/sim tests/fault
    if [ $pg_started = 1 ]; then
        P2S_TEST_DB=postgres run_node postgres tests/api tests/ui tests/fault
    fi
fi
# The sanitizer pass: unit tests and the API suite on SQLite with the ASan+UBSan binary.
if [ -x build/asan/post2share ]; then
    P2S_TEST_PG_URL=${scratch:-} run_unit build/asan asan
    P2S_BIN=build/asan/post2share P2S_SIM_BIN=build/asan/platform-sim P2S_TEST_DB=sqlite \
        run_node asan-sqlite tests/api tests/sim
else
    echo "build/asan/post2share is missing: run make asan"
    failed=$((failed + 1))
fi

echo
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
