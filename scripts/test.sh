#!/usr/bin/env bash
# The test runner behind `make test*`.
#
#   scripts/test.sh all|sqlite|postgres|browser
#
#   sqlite    pytest -m "not browser" tests   on in-memory SQLite (DATABASE_URL/TEST_DATABASE_URL unset)
#   postgres  the same selection against a throwaway PostgreSQL (scripts/pg.sh), with
#             TEST_DATABASE_URL and VOLMIFY_PG_ADMIN_URL (its `postgres` maintenance db) exported
#   browser   pytest -m browser tests/browser   in headless Debian Chromium (CHROMIUM_PATH), ending
#             with the Nu HTML checker and axe-core over every visited page (ensure_quality_tools)
#
# With `all`, the postgres stage runs in the background beside sqlite and browser (TEST_SERIAL=1
# runs them one after another); its output is printed when it ends. The SQLite run of tests/staff,
# tests/learn, tests/web and tests/checkout then follows it in that background lane (summary line
# "sqlite-more"), so the two lanes take about
# the same time on two cores.
#
# The sqlite and postgres stages share one throwaway redis-server (scripts/redis.sh), exported as
# TEST_REDIS_URL for the `redis`-marked tests; without redis-server those tests fail under CI=true
# and are skipped (loudly) otherwise.
#
# As root, missing system packages (PostgreSQL, Chromium, Redis) are installed with apt-get. If a
# stage's packages are still missing, the stage fails under CI=true and is reported as SKIPPED
# (loudly) otherwise. Any other non-zero pytest exit, including 5 (no tests collected), fails
# the stage. Prints one summary line per stage and a final "N passed, M failed" line.
set -uo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
MODE=${1:-all}
case "$MODE" in
    all) STAGES=(sqlite postgres browser) ;;
    sqlite|postgres|browser) STAGES=("$MODE") ;;
    *) echo "usage: $0 all|sqlite|postgres|browser" >&2; exit 2 ;;
esac

CI=${CI:-}
is_ci() { [[ "${CI,,}" == "true" || "$CI" == "1" ]]; }

PYTEST="$ROOT/.venv/bin/pytest"
PYTHON="$ROOT/.venv/bin/python"
CHROMIUM=${CHROMIUM_PATH:-/usr/bin/chromium}
[[ -x "$PYTEST" ]] || { echo "test.sh: $PYTEST missing; run 'make install' first" >&2; exit 2; }

# A fresh TMPDIR per run: failed Chromium launches leave /tmp/playwright-* behind.
RUN_TMP=$(mktemp -d /tmp/volmify-test.XXXXXX)
export TMPDIR=$RUN_TMP
export PG_STATE=$RUN_TMP/pg.state
PG_STARTED=""
export REDIS_STATE=$RUN_TMP/redis.state
REDIS_STARTED=""
# The suite never touches a developer's own database: each stage sets what it needs.
unset DATABASE_URL TEST_DATABASE_URL VOLMIFY_PG_ADMIN_URL TEST_REDIS_URL REDIS_URL

cleanup() {
    local rc=$?
    if [[ -n "${TOOLS_PID:-}" ]] && kill -0 "$TOOLS_PID" 2>/dev/null; then
        pkill -TERM -P "$TOOLS_PID" 2>/dev/null; kill "$TOOLS_PID" 2>/dev/null
        wait "$TOOLS_PID" 2>/dev/null
    fi
    if [[ -n "${BACKGROUND_PID:-}" ]] && kill -0 "$BACKGROUND_PID" 2>/dev/null; then
        pkill -TERM -P "$BACKGROUND_PID" 2>/dev/null; kill "$BACKGROUND_PID" 2>/dev/null
        wait "$BACKGROUND_PID" 2>/dev/null
    fi
    if [[ -n "$PG_STARTED" || -f "$PG_STATE" ]]; then  # also a background stage's server
        bash "$ROOT/scripts/pg.sh" stop >/dev/null 2>&1 || true
    fi
    declare -F stop_redis >/dev/null && stop_redis
    if [[ -n "${KEEP_TMP:-}" ]]; then
        echo "test.sh: kept $RUN_TMP" >&2
    else
        rm -rf "$RUN_TMP"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

banner() { printf '\n==================== %s ====================\n' "$*"; }
loud_skip() {
    printf '\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n' >&2
    printf '!!! SKIPPED: %s\n' "$*" >&2
    printf '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n\n' >&2
}

have_postgres() { compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; }
have_chromium() { [[ -x "$CHROMIUM" ]]; }
have_redis() { command -v redis-server >/dev/null; }

wants() { local s; for s in "${STAGES[@]}"; do [[ "$s" == "$1" ]] && return 0; done; return 1; }

# ---- system packages ----------------------------------------------------------------------
# One apt-get run for everything the wanted stages lack, the browser stage's Java and npm (the
# quality gate tools, below) included: one `apt-get update`, not one per stage.
ensure_packages() {
    local missing=() extra=()
    if wants postgres && ! have_postgres; then missing+=(postgresql); fi
    if wants browser && ! have_chromium; then missing+=(chromium); fi
    if wants_redis && ! have_redis; then missing+=(redis-server); fi
    if wants browser; then
        command -v java >/dev/null || extra+=(default-jre-headless)
        have_quality_tools || command -v npm >/dev/null || extra+=(npm)
    fi
    [[ ${#missing[@]} -eq 0 && ${#extra[@]} -eq 0 ]] && return 0
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
        echo "test.sh: missing ${missing[*]} ${extra[*]}; installing system packages with apt-get" >&2
        apt-get update -qq >&2 || echo "test.sh: apt-get update failed" >&2
        local packages=("${extra[@]}")
        [[ ${#missing[@]} -gt 0 ]] && packages+=(postgresql chromium chromium-driver redis-server)
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" >&2 \
            || echo "test.sh: apt-get install failed" >&2
    else
        echo "test.sh: missing ${missing[*]} ${extra[*]} and not root: cannot install system packages" >&2
    fi
}

# ---- quality gate tools: the W3C Nu HTML checker and axe-core (browser stage) ---------------
# tests/browser/test_quality_gates.py checks every page the browser tests visit with both. The npm
# packages are pinned here and installed once into a cache outside the repository
# (VOLMIFY_TOOLS_CACHE, default ~/.cache/volmify/quality-tools); Java comes from Debian
# (default-jre-headless, installed with apt-get when root, by ensure_packages). The npm install
# runs in the background while the SQLite stage runs (start_quality_tools_install);
# ensure_quality_tools waits for it, then exports the paths as VOLMIFY_VNU_JAR, VOLMIFY_AXE_JS
# and VOLMIFY_JAVA. Missing tools fail the gates under CI=true and skip them (loudly) otherwise.
VNU_JAR_VERSION=26.9.27
AXE_CORE_VERSION=4.14.1
TOOLS_CACHE=${VOLMIFY_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/volmify/quality-tools}
TOOLS_DIR="$TOOLS_CACHE/vnu-jar-$VNU_JAR_VERSION-axe-core-$AXE_CORE_VERSION"
TOOLS_JAR="$TOOLS_DIR/node_modules/vnu-jar/build/dist/vnu.jar"
TOOLS_AXE="$TOOLS_DIR/node_modules/axe-core/axe.min.js"
TOOLS_PID=""

have_quality_tools() { [[ -f "$TOOLS_JAR" && -f "$TOOLS_AXE" ]]; }

install_quality_tools() {  # npm install into the cache (apt-get for Java and npm if still missing)
    local dir=$TOOLS_DIR apt=()
    command -v java >/dev/null || apt+=(default-jre-headless)
    have_quality_tools || command -v npm >/dev/null || apt+=(npm)
    if [[ ${#apt[@]} -gt 0 && $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
        echo "test.sh: missing ${apt[*]}; installing with apt-get" >&2
        apt-get update -qq >&2 || echo "test.sh: apt-get update failed" >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${apt[@]}" >&2 || echo "test.sh: apt-get install failed" >&2
    fi
    if ! have_quality_tools && command -v npm >/dev/null; then
        # Into a fresh directory, then renamed: a run in another worktree never sees half an install.
        local tmp
        mkdir -p "$TOOLS_CACHE" && tmp=$(mktemp -d "$TOOLS_CACHE/.install.XXXXXX") || return 0
        echo "test.sh: installing vnu-jar@$VNU_JAR_VERSION axe-core@$AXE_CORE_VERSION into $dir" >&2
        chmod 755 "$tmp"
        if npm install --prefix "$tmp" --ignore-scripts --no-audit --no-fund --loglevel=error \
                "vnu-jar@$VNU_JAR_VERSION" "axe-core@$AXE_CORE_VERSION" >&2; then
            [[ -f "$TOOLS_JAR" ]] || rm -rf "$dir"  # a partial copy
            mv -T "$tmp" "$dir" 2>/dev/null || rm -rf "$tmp"  # another run got there first
        else
            echo "test.sh: npm install of the quality gate tools failed" >&2
            rm -rf "$tmp"
        fi
    fi
    return 0
}

# Start the npm install in the background (only when the browser stage runs and the tools are not
# cached yet); its output is printed when the browser stage waits for it.
start_quality_tools_install() {
    wants browser || return 0
    have_quality_tools && command -v java >/dev/null && return 0
    ( trap - EXIT; install_quality_tools ) > "$RUN_TMP/log-quality-tools" 2>&1 &
    TOOLS_PID=$!
}

ensure_quality_tools() {
    if [[ -n "$TOOLS_PID" ]]; then
        wait "$TOOLS_PID" 2>/dev/null
        TOOLS_PID=""
        cat "$RUN_TMP/log-quality-tools" >&2
    else
        install_quality_tools
    fi
    local missing=()
    command -v java >/dev/null && export VOLMIFY_JAVA=${VOLMIFY_JAVA:-$(command -v java)} || missing+=(java)
    [[ -f "$TOOLS_JAR" ]] && export VOLMIFY_VNU_JAR=$TOOLS_JAR || missing+=("vnu.jar ($TOOLS_JAR)")
    [[ -f "$TOOLS_AXE" ]] && export VOLMIFY_AXE_JS=$TOOLS_AXE || missing+=("axe.min.js ($TOOLS_AXE)")
    if [[ ${#missing[@]} -gt 0 ]]; then
        if is_ci; then
            echo "test.sh: quality gate tools missing under CI (the gates will fail): ${missing[*]}" >&2
        else
            loud_skip "Nu HTML checker and axe gates: missing ${missing[*]}"
        fi
    fi
    return 0
}

declare -A RESULT      # stage -> summary text
declare -A PASSED FAILED
STAGE_FAILED=0

# Parse a junit xml into "passed failed skipped" (errors count as failed).
junit_counts() {
    "$PYTHON" - "$1" <<'PY'
import sys
import xml.etree.ElementTree as ET

try:
    root = ET.parse(sys.argv[1]).getroot()
except (OSError, ET.ParseError):
    print("-1 -1 -1")
    sys.exit(0)
suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
tests = failures = errors = skipped = 0
for s in suites:
    tests += int(s.get("tests", 0))
    failures += int(s.get("failures", 0))
    errors += int(s.get("errors", 0))
    skipped += int(s.get("skipped", 0))
print(tests - failures - errors - skipped, failures + errors, skipped)
PY
}

run_pytest() {  # stage, then pytest args
    local stage=$1; shift
    local xml="$RUN_TMP/junit-$stage.xml" rc
    banner "$stage"
    "$PYTEST" -p no:cacheprovider -rfEs --junitxml="$xml" "$@"
    rc=$?
    read -r p f s < <(junit_counts "$xml")
    if [[ "$p" == "-1" ]]; then
        PASSED[$stage]=0; FAILED[$stage]=1
        RESULT[$stage]="FAILED: pytest exit $rc, no junit report"
        STAGE_FAILED=1
        return
    fi
    PASSED[$stage]=$p; FAILED[$stage]=$f
    local text="$p passed, $f failed"
    [[ "$s" != "0" ]] && text+=", $s skipped"
    if [[ $rc -ne 0 ]]; then
        # A stage that failed without a failed test (no tests collected, internal error)
        # still counts one failure, so the final line never reads "0 failed" on a failed run.
        [[ "$f" == "0" ]] && FAILED[$stage]=1
        [[ $rc -eq 5 ]] && text+=" (no tests collected)"
        text="FAILED: $text (pytest exit $rc)"
        STAGE_FAILED=1
    fi
    RESULT[$stage]=$text
}

skip_or_fail() {  # stage, reason
    if is_ci; then
        echo "test.sh: $1 stage cannot run under CI: $2" >&2
        RESULT[$1]="FAILED: $2"
        PASSED[$1]=0; FAILED[$1]=1
        STAGE_FAILED=1
    else
        loud_skip "$1 stage: $2"
        RESULT[$1]="SKIPPED ($2)"
    fi
}

# With the PostgreSQL stage in the background, part of the SQLite stage (about 3.5 min of its 6) runs
# after it in the background lane ("sqlite-more"), so both lanes end at about the same time (the
# other: the rest of SQLite, then the browser stage).
SPLIT_SQLITE=""
SQLITE_LATER=(tests/staff tests/learn tests/web tests/checkout)

stage_sqlite() {
    if [[ -n "$SPLIT_SQLITE" ]]; then
        run_pytest sqlite -m "not browser" tests "${SQLITE_LATER[@]/#/--ignore=}"
    else
        run_pytest sqlite -m "not browser" tests
    fi
}

stage_sqlite_more() {
    run_pytest sqlite-more -m "not browser" "${SQLITE_LATER[@]}"
}

stage_postgres() {
    if ! have_postgres; then
        skip_or_fail postgres "PostgreSQL is not installed (/usr/lib/postgresql/*/bin/initdb)"
        return 0
    fi
    local url
    PG_STARTED=1  # before start: an interrupt during start-up must still stop the server
    if ! url=$(bash "$ROOT/scripts/pg.sh" start); then
        RESULT[postgres]="FAILED: could not start PostgreSQL"
        PASSED[postgres]=0; FAILED[postgres]=1; STAGE_FAILED=1
        return 0
    fi
    export TEST_DATABASE_URL=$url
    export VOLMIFY_PG_ADMIN_URL=${url%/*}/postgres
    run_pytest postgres -m "not browser" tests
    unset TEST_DATABASE_URL VOLMIFY_PG_ADMIN_URL
    bash "$ROOT/scripts/pg.sh" stop || true
    PG_STARTED=""
    return 0
}

stage_browser() {
    if ! have_chromium; then
        skip_or_fail browser "Chromium is not installed ($CHROMIUM)"
        return 0
    fi
    export CHROMIUM_PATH=$CHROMIUM
    ensure_quality_tools
    run_pytest browser -m browser tests/browser
}

# ---- redis (for the `redis`-marked tests of the sqlite and postgres stages) -----------------
wants_redis() { wants sqlite || wants postgres; }

start_redis() {
    wants_redis || return 0
    if ! have_redis; then
        if is_ci; then
            echo "test.sh: redis-server is not installed: the redis tests fail under CI" >&2
        else
            loud_skip "redis tests: redis-server is not installed (apt-get install redis-server)"
        fi
        return 0
    fi
    local url
    REDIS_STARTED=1
    if url=$(bash "$ROOT/scripts/redis.sh" start); then
        export TEST_REDIS_URL=$url
    else
        echo "test.sh: could not start redis-server" >&2
    fi
}

stop_redis() {
    if [[ -n "$REDIS_STARTED" ]]; then
        bash "$ROOT/scripts/redis.sh" stop || true
        REDIS_STARTED=""
    fi
}

# Run a stage in the background (its output to a log printed when it ends); its results come
# back through a file of assignments, since a subshell cannot set this shell's variables.
run_in_background() {  # stage, then the stages run after it in the same lane
    local stage=$1
    (
        trap - EXIT
        local s
        for s in "$@"; do
            "stage_${s//-/_}"
        done
        for s in "$@"; do
            printf 'RESULT[%s]=%q; PASSED[%s]=%q; FAILED[%s]=%q\n' \
                "$s" "${RESULT[$s]:-}" "$s" "${PASSED[$s]:-0}" "$s" "${FAILED[$s]:-0}"
        done > "$RUN_TMP/result-$stage"
        printf '(( STAGE_FAILED |= %d )) || true\n' "$STAGE_FAILED" >> "$RUN_TMP/result-$stage"
    ) > "$RUN_TMP/log-$stage" 2>&1 &
    BACKGROUND_PID=$!
    echo "test.sh: the $stage stage runs in the background; its output follows when it ends"
}

ensure_packages
start_quality_tools_install
start_redis
# The PostgreSQL stage runs beside the others (2 cores: SQLite then the browser on one, PostgreSQL
# on the other), unless TEST_SERIAL=1. Its redis tests use database 1 of the shared server.
BACKGROUND_PID=""
if wants postgres && [[ ${#STAGES[@]} -gt 1 && -z "${TEST_SERIAL:-}" ]]; then
    LANE=(postgres)
    if wants sqlite; then SPLIT_SQLITE=1; LANE+=(sqlite-more); fi
    if [[ -n "${TEST_REDIS_URL:-}" ]]; then
        TEST_REDIS_URL=${TEST_REDIS_URL%/*}/1 run_in_background "${LANE[@]}"
    else
        run_in_background "${LANE[@]}"
    fi
fi
for stage in "${STAGES[@]}"; do
    [[ -n "$BACKGROUND_PID" && "$stage" == postgres ]] && continue
    "stage_$stage"
done
if [[ -n "$BACKGROUND_PID" ]]; then
    wait "$BACKGROUND_PID"
    cat "$RUN_TMP/log-postgres"
    if [[ -f "$RUN_TMP/result-postgres" ]]; then
        source "$RUN_TMP/result-postgres"
    else
        RESULT[postgres]="FAILED: the stage ended without a result"
        PASSED[postgres]=0; FAILED[postgres]=1; STAGE_FAILED=1
        [[ -n "$SPLIT_SQLITE" ]] && { RESULT[sqlite-more]="FAILED: the stage ended without a result"; FAILED[sqlite-more]=1; }
    fi
fi

banner summary
total_p=0 total_f=0
SUMMARY=("${STAGES[@]}")
[[ -n "$SPLIT_SQLITE" ]] && SUMMARY+=(sqlite-more)
for stage in "${SUMMARY[@]}"; do
    echo "$stage: ${RESULT[$stage]}"
    total_p=$((total_p + ${PASSED[$stage]:-0}))
    total_f=$((total_f + ${FAILED[$stage]:-0}))
done
echo "$total_p passed, $total_f failed"
exit "$STAGE_FAILED"
