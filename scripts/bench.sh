#!/usr/bin/env bash
# `make bench`: two stages, each against gunicorn (2 workers) on a throwaway database.
#
#   sqlite    the demo data on SQLite: scripts/bench.py measures each page's requests/sec against
#             /ping with wrk (or a Python fallback), with the storefront cache on and again with it
#             off (STOREFRONT_CACHE_SECONDS=0); with it on, scripts/bench_export.py downloads the CSV
#             export of a dashboard list of BENCH_EXPORT_ROWS (100,000) rows, reporting its speed and
#             how much the worker's peak memory grew (the export is streamed: it must not grow).
#   postgres  a throwaway PostgreSQL (scripts/pg.sh): migrate, seed the demo, generate the dataset at
#             scale in bulk SQL (scripts/bench_dataset.py), then scripts/bench.py with the storefront
#             cache on and again with it off (STOREFRONT_CACHE_SECONDS=0), with BENCH_SQL_TIMING=1 so
#             each page's SQL time is reported; then scripts/bench_giftcards.py issues 10,000 gift
#             cards in one request and checks the CSV, and scripts/bench_checkout.py places and pays
#             orders end to end with 8 clients (add to cart, checkout, place, pay: orders/s).
#
# Environment: BENCH_STAGES (default "sqlite,postgres": the stages to run, in order), BENCH_ENFORCE
# (default 1; 0 prints missed targets without failing), BENCH_ENV (default production: VOLMIFY_ENV
# for the server), BENCH_EXPORT_ROWS (default 100000; 0 skips the export), BENCH_GIFTCARDS (default
# 10000; 0 skips), BENCH_CHECKOUT (default 1; 0 skips the checkout run), KEEP_BENCH=1 keeps the temporary directory (databases, gunicorn logs; the
# PostgreSQL server is stopped either way). Extra arguments go to bench.py (e.g. --duration 10).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
BIN=$ROOT/.venv/bin
[[ -x "$BIN/gunicorn" ]] || { echo "bench.sh: $BIN/gunicorn missing; run 'make install'" >&2; exit 2; }

STAGES=${BENCH_STAGES:-sqlite,postgres}
for stage in ${STAGES//,/ }; do
    [[ "$stage" == sqlite || "$stage" == postgres ]] \
        || { echo "bench.sh: unknown stage '$stage' in BENCH_STAGES (sqlite, postgres)" >&2; exit 2; }
done

install_if_missing() {  # install_if_missing <command> <apt package> <what happens without it>
    command -v "$1" >/dev/null && return 0
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
        echo "bench.sh: installing $2" >&2
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2"; } >&2 && return 0
    fi
    echo "bench.sh: $1 not installed; $3" >&2
    return 1
}
install_if_missing wrk wrk "using the Python load generator" || true
if [[ ",$STAGES," == *,postgres,* ]] && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    install_if_missing /usr/lib/postgresql/15/bin/initdb postgresql "the postgres stage cannot run" || exit 2
fi

BENCH_DIR=$(mktemp -d /tmp/volmify-bench.XXXXXX)
GUNICORN_PID=""
export PG_STATE=$BENCH_DIR/pg.state
stop_gunicorn() {
    if [[ -n "$GUNICORN_PID" ]] && kill -0 "$GUNICORN_PID" 2>/dev/null; then
        kill -TERM "$GUNICORN_PID" 2>/dev/null || true
        wait "$GUNICORN_PID" 2>/dev/null || true
    fi
    GUNICORN_PID=""
}
cleanup() {
    local rc=$?
    stop_gunicorn
    [[ -f "$PG_STATE" ]] && bash scripts/pg.sh stop || true
    if [[ -n "${KEEP_BENCH:-}" ]]; then echo "bench.sh: kept $BENCH_DIR" >&2; else rm -rf "$BENCH_DIR"; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

export VOLMIFY_ENV=${BENCH_ENV:-production}
export EMAIL_TEST_DOMAINS=1  # the demo accounts use the reserved .test domain
export VOLMIFY_INSTANCE_DIR=$BENCH_DIR/instance
export SECRET_KEY=${SECRET_KEY:-bench-$(python3 -c 'import secrets; print(secrets.token_hex(16))')}
export LOGIN_RATE_LIMIT="1000 per minute"  # the bench signs in several demo accounts, twice
export REGISTER_RATE_LIMIT="1000 per minute"  # the checkout bench signs its buyers up in the checkout
unset TEST_DATABASE_URL REDIS_URL
mkdir -p "$VOLMIFY_INSTANCE_DIR"

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE=http://127.0.0.1:$PORT
export PUBLIC_URL=${PUBLIC_URL:-$BASE}  # required in production; its host is trusted
EXPORT_ROWS=${BENCH_EXPORT_ROWS:-100000}
GIFTCARDS=${BENCH_GIFTCARDS:-10000}
CHECKOUT=${BENCH_CHECKOUT:-1}

seed() {  # seed <log>: migrate DATABASE_URL and load the demo
    "$BIN/flask" --app wsgi db upgrade >"$1" 2>&1 \
        || { cat "$1" >&2; echo "bench.sh: flask db upgrade failed" >&2; exit 1; }
    "$BIN/flask" --app wsgi seed demo >>"$1" 2>&1 \
        || { cat "$1" >&2; echo "bench.sh: flask seed demo failed" >&2; exit 1; }
}

start_gunicorn() {  # start_gunicorn <log>; the caller's exported settings apply (no access log: it costs)
    # The export bench measures the streamed response, so no list goes to the background exporter.
    CSV_INLINE_ROWS=0 "$BIN/gunicorn" -w 2 -b "127.0.0.1:$PORT" --error-logfile - wsgi:app >"$1" 2>&1 &
    GUNICORN_PID=$!
    local _
    for _ in $(seq 1 150); do
        if python3 -c "import urllib.request,sys; urllib.request.urlopen(sys.argv[1], timeout=1)" "$BASE/ping" 2>/dev/null; then
            echo "bench.sh: gunicorn -w 2 on $BASE (VOLMIFY_ENV=$VOLMIFY_ENV, STOREFRONT_CACHE_SECONDS=${STOREFRONT_CACHE_SECONDS:-30})" >&2
            return 0
        fi
        kill -0 "$GUNICORN_PID" 2>/dev/null || break
        sleep 0.2
    done
    tail -n 50 "$1" >&2
    echo "bench.sh: gunicorn did not answer $BASE/ping (the app must serve /ping)" >&2
    exit 1
}

rc=0
record() { [[ $1 -eq 0 ]] || rc=$1; }  # remember the first failure, keep measuring

# The runs that follow a stage's pages with the cache on (the server is still up).
after_pages_sqlite() {
    if [[ "$EXPORT_ROWS" -gt 0 ]]; then
        "$BIN/python" scripts/bench_export.py measure --base "$BASE" --server-pid "$GUNICORN_PID" --rows "$EXPORT_ROWS"
        record $?
    fi
}
after_pages_postgres() {
    if [[ "$GIFTCARDS" -gt 0 ]]; then
        "$BIN/python" scripts/bench_giftcards.py --base "$BASE" --count "$GIFTCARDS"; record $?
    fi
    if [[ "$CHECKOUT" != 0 ]]; then
        "$BIN/python" scripts/bench_checkout.py --base "$BASE"; record $?
    fi
}

measure() {  # measure <stage> [bench.py args]: the stage's pages with the cache on, then off, each on a fresh gunicorn
    local stage=$1 cache
    shift
    for cache in on off; do
        if [[ $cache == on ]]; then export STOREFRONT_CACHE_SECONDS=30; else export STOREFRONT_CACHE_SECONDS=0; fi
        start_gunicorn "$BENCH_DIR/gunicorn-$stage-$cache.log"
        set +e
        "$BIN/python" scripts/bench.py --base "$BASE" --stage "$stage" --cache "$cache" "$@"; record $?
        [[ $cache == off ]] || "after_pages_$stage"
        set -e
        [[ $rc -eq 0 ]] || tail -n 30 "$BENCH_DIR/gunicorn-$stage-$cache.log" >&2
        stop_gunicorn
    done
    unset STOREFRONT_CACHE_SECONDS
}

stage_sqlite() {
    echo "bench.sh: == sqlite stage ==" >&2
    export DATABASE_URL=sqlite:///$BENCH_DIR/bench.sqlite3
    echo "bench.sh: seeding $DATABASE_URL" >&2
    seed "$BENCH_DIR/seed-sqlite.log"
    if [[ "$EXPORT_ROWS" -gt 0 ]]; then
        "$BIN/python" scripts/bench_export.py seed --rows "$EXPORT_ROWS" >>"$BENCH_DIR/seed-sqlite.log" 2>&1 \
            || { cat "$BENCH_DIR/seed-sqlite.log" >&2; echo "bench.sh: seeding the export rows failed" >&2; exit 1; }
    fi
    measure sqlite "$@"
}

stage_postgres() {
    echo "bench.sh: == postgres stage ==" >&2
    DATABASE_URL=$(bash scripts/pg.sh start)
    export DATABASE_URL
    echo "bench.sh: seeding $DATABASE_URL" >&2
    seed "$BENCH_DIR/seed-postgres.log"
    local started=$SECONDS
    "$BIN/python" scripts/bench_dataset.py || { echo "bench.sh: generating the dataset failed" >&2; exit 1; }
    # Rows loaded with plain SQL skip the catalog's read models: build the price summary and the
    # search documents once (app/catalog/listing.py).
    "$BIN/flask" --app wsgi catalog reindex >&2 || { echo "bench.sh: flask catalog reindex failed" >&2; exit 1; }
    echo "bench.sh: dataset generated and indexed in $((SECONDS - started))s" >&2
    export BENCH_SQL_TIMING=1
    measure postgres "$@"
    unset BENCH_SQL_TIMING
    bash scripts/pg.sh stop
}

for stage in ${STAGES//,/ }; do
    "stage_$stage" "$@"
done
if [[ $rc -ne 0 ]]; then
    echo "bench.sh: FAILED (see above)" >&2
fi
exit "$rc"
