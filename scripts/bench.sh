#!/usr/bin/env bash
# `make bench`: gunicorn (2 workers) on a throwaway, demo-seeded SQLite database, then
# scripts/bench.py measures each page's requests/sec against /ping with wrk (or a Python
# fallback), and scripts/bench_export.py downloads the CSV export of a dashboard list of
# BENCH_EXPORT_ROWS (100,000) rows, reporting its speed and how much the worker's peak memory
# grew (the export is streamed: it must not grow with the rows). Extra arguments go to bench.py
# (e.g. --duration 10 --path /some/page).
#
# Environment: BENCH_ENV (default production: VOLMIFY_ENV for the server), BENCH_EXPORT_ROWS
# (default 100000; 0 skips the export), KEEP_BENCH=1 keeps the temporary directory (database,
# gunicorn log).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
BIN=$ROOT/.venv/bin
[[ -x "$BIN/gunicorn" ]] || { echo "bench.sh: $BIN/gunicorn missing; run 'make install'" >&2; exit 2; }

if ! command -v wrk >/dev/null; then
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
        echo "bench.sh: installing wrk" >&2
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; } >&2 \
            || echo "bench.sh: could not install wrk; using the Python load generator" >&2
    else
        echo "bench.sh: wrk not installed; using the Python load generator" >&2
    fi
fi

BENCH_DIR=$(mktemp -d /tmp/volmify-bench.XXXXXX)
GUNICORN_PID=""
cleanup() {
    local rc=$?
    if [[ -n "$GUNICORN_PID" ]] && kill -0 "$GUNICORN_PID" 2>/dev/null; then
        kill -TERM "$GUNICORN_PID" 2>/dev/null || true
        wait "$GUNICORN_PID" 2>/dev/null || true
    fi
    if [[ -n "${KEEP_BENCH:-}" ]]; then echo "bench.sh: kept $BENCH_DIR" >&2; else rm -rf "$BENCH_DIR"; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

export VOLMIFY_ENV=${BENCH_ENV:-production}
export EMAIL_TEST_DOMAINS=1  # the demo accounts use the reserved .test domain
export VOLMIFY_INSTANCE_DIR=$BENCH_DIR/instance
export DATABASE_URL=sqlite:///$BENCH_DIR/bench.sqlite3
export SECRET_KEY=${SECRET_KEY:-bench-$(python3 -c 'import secrets; print(secrets.token_hex(16))')}
unset TEST_DATABASE_URL REDIS_URL
mkdir -p "$VOLMIFY_INSTANCE_DIR"

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE=http://127.0.0.1:$PORT
export PUBLIC_URL=${PUBLIC_URL:-$BASE}  # required in production; its host is trusted
EXPORT_ROWS=${BENCH_EXPORT_ROWS:-100000}

echo "bench.sh: seeding $DATABASE_URL" >&2
"$BIN/flask" --app wsgi db upgrade >"$BENCH_DIR/seed.log" 2>&1 \
    || { cat "$BENCH_DIR/seed.log" >&2; echo "bench.sh: flask db upgrade failed" >&2; exit 1; }
"$BIN/flask" --app wsgi seed demo >>"$BENCH_DIR/seed.log" 2>&1 \
    || { cat "$BENCH_DIR/seed.log" >&2; echo "bench.sh: flask seed demo failed" >&2; exit 1; }

if [[ "$EXPORT_ROWS" -gt 0 ]]; then
    "$BIN/python" scripts/bench_export.py seed --rows "$EXPORT_ROWS" >>"$BENCH_DIR/seed.log" 2>&1 \
        || { cat "$BENCH_DIR/seed.log" >&2; echo "bench.sh: seeding the export rows failed" >&2; exit 1; }
fi

# No access log: writing one would cost throughput. The export bench measures the streamed
# response, so no list goes to the background exporter (CSV_INLINE_ROWS=0).
CSV_INLINE_ROWS=0 "$BIN/gunicorn" -w 2 -b "127.0.0.1:$PORT" --error-logfile - wsgi:app >"$BENCH_DIR/gunicorn.log" 2>&1 &
GUNICORN_PID=$!

up=""
for _ in $(seq 1 150); do
    if python3 -c "import urllib.request,sys; urllib.request.urlopen(sys.argv[1], timeout=1)" "$BASE/ping" 2>/dev/null; then
        up=1; break
    fi
    kill -0 "$GUNICORN_PID" 2>/dev/null || break
    sleep 0.2
done
if [[ -z "$up" ]]; then
    tail -n 50 "$BENCH_DIR/gunicorn.log" >&2
    echo "bench.sh: gunicorn did not answer $BASE/ping (the app must serve /ping)" >&2
    exit 1
fi

echo "bench.sh: gunicorn -w 2 on $BASE (VOLMIFY_ENV=$VOLMIFY_ENV)" >&2
set +e
"$BIN/python" scripts/bench.py --base "$BASE" "$@"
rc=$?
if [[ "$EXPORT_ROWS" -gt 0 ]]; then
    "$BIN/python" scripts/bench_export.py measure --base "$BASE" --server-pid "$GUNICORN_PID" --rows "$EXPORT_ROWS"
    export_rc=$?
    [[ $rc -ne 0 ]] || rc=$export_rc
fi
set -e
if [[ $rc -ne 0 ]]; then
    echo "bench.sh: FAILED (see above); gunicorn log tail:" >&2
    tail -n 30 "$BENCH_DIR/gunicorn.log" >&2
fi
exit "$rc"
