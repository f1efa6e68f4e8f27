#!/usr/bin/env bash
# A throwaway Redis server for the test suite (no system service, nothing stored on disk).
#
#   scripts/redis.sh start   start redis-server on a free 127.0.0.1 port and print its URL
#                            (redis://127.0.0.1:PORT/0) on stdout (everything else -> stderr)
#   scripts/redis.sh url     print that URL again
#   scripts/redis.sh stop    stop the server and delete its directory
#
# The server lives in a fresh `mktemp -d /tmp/volmify-redis.XXXXXX` directory; the state file
# ($REDIS_STATE, default /tmp/volmify-redis.state) holds that directory's path, and the port and
# pid file are kept inside it. redis-server runs as the calling user (root is fine).
set -euo pipefail

REDIS_STATE=${REDIS_STATE:-/tmp/volmify-redis.state}

die() { echo "redis.sh: $*" >&2; exit 1; }

free_port() {
    python3 - <<'PY'
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
PY
}

load_state() {
    [[ -f "$REDIS_STATE" ]] || die "no state file $REDIS_STATE (is the server started?)"
    DIR=$(head -n1 "$REDIS_STATE")
    [[ -n "$DIR" && -d "$DIR" ]] || die "state file $REDIS_STATE points at a missing directory '$DIR'"
    PORT=$(cat "$DIR/port")
}

url() { echo "redis://127.0.0.1:$PORT/0"; }

cmd_start() {
    command -v redis-server >/dev/null || die "redis-server not found (apt-get install redis-server)"
    if [[ -f "$REDIS_STATE" ]]; then
        local old; old=$(head -n1 "$REDIS_STATE")
        if [[ -n "$old" && -d "$old" ]]; then
            die "state file $REDIS_STATE already points at a server in $old (run: REDIS_STATE=$REDIS_STATE $0 stop)"
        fi
    fi
    DIR=$(mktemp -d /tmp/volmify-redis.XXXXXX)
    local attempt ok=""
    for attempt in 1 2 3 4 5; do
        PORT=$(free_port)
        if redis-server --port "$PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$DIR" \
                --daemonize yes --pidfile "$DIR/redis.pid" --logfile "$DIR/redis.log" >/dev/null 2>&1; then
            local wait
            for wait in $(seq 1 50); do
                if redis-cli -p "$PORT" ping 2>/dev/null | grep -q PONG; then ok=1; break; fi
                sleep 0.1
            done
            [[ -n "$ok" ]] && break
            [[ -f "$DIR/redis.pid" ]] && kill "$(cat "$DIR/redis.pid")" 2>/dev/null || true
        fi
        echo "redis.sh: start on port $PORT failed (attempt $attempt), retrying" >&2
    done
    if [[ -z "$ok" ]]; then
        cat "$DIR/redis.log" >&2 2>/dev/null || true
        rm -rf "$DIR"
        die "could not start redis-server"
    fi
    echo "$PORT" >"$DIR/port"
    echo "$DIR" >"$REDIS_STATE"
    echo "redis.sh: $(redis-server --version | awk '{print $1, $2, $3}') on 127.0.0.1:$PORT in $DIR" >&2
    url
}

cmd_stop() {
    [[ -f "$REDIS_STATE" ]] || { echo "redis.sh: nothing to stop ($REDIS_STATE missing)" >&2; return 0; }
    DIR=$(head -n1 "$REDIS_STATE")
    if [[ -n "$DIR" && -d "$DIR" ]]; then
        if [[ -f "$DIR/redis.pid" ]]; then
            local pid; pid=$(cat "$DIR/redis.pid")
            kill "$pid" 2>/dev/null || true
            local wait
            for wait in $(seq 1 50); do
                kill -0 "$pid" 2>/dev/null || break
                sleep 0.1
            done
        fi
        case "$DIR" in
            /tmp/volmify-redis.*) rm -rf "$DIR" ;;
            *) echo "redis.sh: refusing to delete unexpected directory '$DIR'" >&2 ;;
        esac
    fi
    rm -f "$REDIS_STATE"
}

case "${1:-}" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    url) load_state; url ;;
    *) echo "usage: $0 start|stop|url" >&2; exit 2 ;;
esac
