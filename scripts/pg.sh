#!/usr/bin/env bash
# A throwaway PostgreSQL server for the test suite (no system service, no password).
#
#   scripts/pg.sh start          start a server on a free 127.0.0.1 port, create `volmify_test`
#                                and print its DATABASE_URL on stdout (everything else -> stderr)
#   scripts/pg.sh url [DB]       print the URL of database DB (default volmify_test) on that server
#   scripts/pg.sh createdb NAME  create an extra, empty database and print its URL
#   scripts/pg.sh stop           stop the server and delete its directory
#
# The server lives in a fresh `mktemp -d /tmp/volmify-pg.XXXXXX` directory (under /tmp, not
# $TMPDIR: user `postgres` must be able to traverse it). The state file ($PG_STATE, default
# /tmp/volmify-pg.state) holds that directory's path; the port and binary dir are kept inside it.
# As root, initdb/pg_ctl refuse to run, so they run as user `postgres` through runuser.
# Tests may also create databases themselves from Python via $VOLMIFY_PG_ADMIN_URL (the
# `postgres` maintenance database, exported by scripts/test.sh).
set -euo pipefail

PG_STATE=${PG_STATE:-/tmp/volmify-pg.state}
DBNAME=volmify_test

die() { echo "pg.sh: $*" >&2; exit 1; }

find_pgbin() {
    # The highest installed major version that has initdb and pg_ctl.
    local dir best=""
    while read -r dir; do
        [[ -x "$dir/initdb" && -x "$dir/pg_ctl" ]] && best=$dir
    done < <(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V)
    [[ -n "$best" ]] || die "no PostgreSQL binaries under /usr/lib/postgresql/*/bin (apt-get install postgresql)"
    echo "$best"
}

as_pg() {
    # Run a PostgreSQL binary as `postgres` when we are root, directly otherwise.
    if [[ $(id -u) -eq 0 ]]; then
        (cd / && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}

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
    [[ -f "$PG_STATE" ]] || die "no state file $PG_STATE (is the server started?)"
    DIR=$(head -n1 "$PG_STATE")
    [[ -n "$DIR" && -d "$DIR" ]] || die "state file $PG_STATE points at a missing directory '$DIR'"
    PORT=$(cat "$DIR/port")
    PGBIN=$(cat "$DIR/pgbin")
}

url_for() { echo "postgresql+psycopg://postgres@127.0.0.1:$PORT/$1"; }

cmd_start() {
    if [[ -f "$PG_STATE" ]]; then
        local old; old=$(head -n1 "$PG_STATE")
        if [[ -n "$old" && -d "$old" ]]; then
            die "state file $PG_STATE already points at a server in $old (run: PG_STATE=$PG_STATE $0 stop)"
        fi
    fi
    PGBIN=$(find_pgbin)
    DIR=$(mktemp -d /tmp/volmify-pg.XXXXXX)
    if [[ $(id -u) -eq 0 ]]; then
        id postgres >/dev/null 2>&1 || { rm -rf "$DIR"; die "running as root but there is no 'postgres' user"; }
        chown postgres:postgres "$DIR"
    fi
    chmod 700 "$DIR"
    echo "$PGBIN" >"$DIR/pgbin"

    if ! as_pg "$PGBIN/initdb" -D "$DIR/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
            --no-sync >"$DIR/initdb.log" 2>&1; then
        cat "$DIR/initdb.log" >&2
        rm -rf "$DIR"
        die "initdb failed"
    fi

    local attempt ok=""
    for attempt in 1 2 3 4 5; do
        PORT=$(free_port)
        if as_pg "$PGBIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 30 \
                -o "-c listen_addresses=127.0.0.1 -p $PORT -c unix_socket_directories=$DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
                start >/dev/null 2>&1; then
            ok=1
            break
        fi
        echo "pg.sh: start on port $PORT failed (attempt $attempt), retrying" >&2
    done
    if [[ -z "$ok" ]]; then
        cat "$DIR/server.log" >&2 || true
        rm -rf "$DIR"
        die "could not start PostgreSQL"
    fi
    echo "$PORT" >"$DIR/port"
    chmod 644 "$DIR/port"
    echo "$DIR" >"$PG_STATE"

    as_pg "$PGBIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres "$DBNAME" >&2 \
        || { cmd_stop; die "createdb $DBNAME failed"; }
    echo "pg.sh: PostgreSQL $("$PGBIN/pg_ctl" --version | awk '{print $3}') on 127.0.0.1:$PORT in $DIR" >&2
    url_for "$DBNAME"
}

cmd_stop() {
    [[ -f "$PG_STATE" ]] || { echo "pg.sh: nothing to stop ($PG_STATE missing)" >&2; return 0; }
    DIR=$(head -n1 "$PG_STATE")
    if [[ -n "$DIR" && -d "$DIR" ]]; then
        PGBIN=$(cat "$DIR/pgbin" 2>/dev/null || find_pgbin)
        if [[ -f "$DIR/data/postmaster.pid" ]]; then
            as_pg "$PGBIN/pg_ctl" -D "$DIR/data" -m fast -w -t 30 stop >/dev/null 2>&1 \
                || echo "pg.sh: pg_ctl stop failed; removing $DIR anyway" >&2
        fi
        case "$DIR" in
            /tmp/volmify-pg.*) rm -rf "$DIR" ;;
            *) echo "pg.sh: refusing to delete unexpected directory '$DIR'" >&2 ;;
        esac
    fi
    rm -f "$PG_STATE"
}

cmd_createdb() {
    local name=${1:?usage: pg.sh createdb NAME}
    [[ "$name" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || die "bad database name '$name'"
    load_state
    as_pg "$PGBIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres "$name" >&2
    url_for "$name"
}

case "${1:-}" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    url) load_state; url_for "${2:-$DBNAME}" ;;
    createdb) shift; cmd_createdb "$@" ;;
    *) echo "usage: $0 start|stop|url [DB]|createdb NAME" >&2; exit 2 ;;
esac
