"""Where does a page's time go? In-process timing and profiling of storefront pages (a developer tool).

Creates the app on a throwaway SQLite database with the demo data (migrated and seeded as
`make bench` does, production-like configuration), then times N requests per URL with Flask's test
client, interleaved with ``/ping`` so the ratio (as `make bench` reports it: the page's req/s over
/ping's) is measured in one run on a shared machine. Optionally profiles one URL with cProfile
(always available) or pyinstrument (when installed)::

    .venv/bin/python scripts/profile_page.py                       # the default URLs, cache off
    .venv/bin/python scripts/profile_page.py --cache 30            # cache on (30 s)
    .venv/bin/python scripts/profile_page.py /acme/us/en/ --profile cprofile --sort tottime
    .venv/bin/python scripts/profile_page.py --htmx '/acme/us/en/?type=course'
    .venv/bin/python scripts/profile_page.py --database-url postgresql+psycopg://... --no-seed

A URL prefixed with ``htmx:`` is requested as an htmx fragment (HX-Request). ``--cookies`` keeps
the client's cookies between requests (a returning visitor); by default every request is a new
visitor, as with wrk. ``--user EMAIL`` signs in once per URL as that demo account (password: the
DEMO_PASSWORD setting) and keeps its cookies; ``--follow`` times where a URL redirects to (e.g. a
course's lesson). ``--sql`` prints the statements one request of each URL issues, ``--calls`` the
Python function calls per request (deterministic, unlike time)::

    .venv/bin/python scripts/profile_page.py --user learner@acme.test --follow --sql /acme/us/en/learn/python-for-data-analysis/
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# This process's CPU time, not wall time: on a shared machine other processes' load barely moves it.
CLOCK = time.process_time
DEFAULT_URLS = (
    "/acme/us/en/",
    "/acme/us/en/?q=python",
    "/acme/us/en/?type=course&sort=price_asc",
    "htmx:/acme/us/en/?type=course",
)


def _environment(args) -> str:
    workdir = tempfile.mkdtemp(prefix="volmify-profile-")
    os.environ.setdefault("VOLMIFY_ENV", "production")
    os.environ.setdefault("SECRET_KEY", "profile-page-secret")
    os.environ.setdefault("PUBLIC_URL", "http://localhost")
    os.environ.setdefault("SESSION_COOKIE_SECURE", "0")  # the test client speaks http
    os.environ["EMAIL_TEST_DOMAINS"] = "1"
    os.environ["VOLMIFY_INSTANCE_DIR"] = os.path.join(workdir, "instance")
    os.environ["STOREFRONT_CACHE_SECONDS"] = str(args.cache)
    os.environ.pop("REDIS_URL", None)
    os.environ.pop("BENCH_SQL_TIMING", None)
    os.environ["DATABASE_URL"] = args.database_url or f"sqlite:///{workdir}/profile.sqlite3"
    return workdir


def _make_app(args):
    from app import create_app

    app = create_app()
    if not args.no_seed:
        from flask_migrate import upgrade

        from app.demo import database_is_empty, load_demo
        from app.extensions import db

        with app.app_context():
            upgrade()
            if database_is_empty():
                load_demo()
                db.session.commit()
            db.session.remove()
    return app


def sign_in(client, email: str, password: str) -> None:
    page = client.get("/account/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    data = {"email": email, "password": password, **({"csrf_token": token.group(1)} if token else {})}
    response = client.post("/account/login", data=data, headers={"Referer": "https://localhost/account/login"})
    if response.status_code not in (302, 303):
        raise SystemExit(f"signing in as {email} failed: HTTP {response.status_code}")


def _client(app, url: str, args):
    """A test client for one URL (signed in as --user, except for /ping) and the path and headers to request."""
    user = args.user if url != "/ping" else None
    client = app.test_client(use_cookies=args.cookies or bool(user))
    if user:
        sign_in(client, user, app.config["DEMO_PASSWORD"])
    htmx = url.startswith("htmx:")
    path = url.removeprefix("htmx:")
    headers = {"HX-Request": "true", "HX-Target": "results"} if htmx else {}
    if args.follow:
        response = client.get(path, headers=headers)
        if response.status_code in (301, 302, 303, 307, 308):
            location = response.headers["Location"].removeprefix("http://localhost")
            print(f"{url} -> {location}")
            path = location
    return client, path, headers


def _warm(clients) -> dict:
    """Three requests per URL (first-use work: templates, prebuilt statements); the last responses."""
    last = {}
    for url, (client, path, headers) in clients.items():
        for _ in range(3):
            last[url] = client.get(path, headers=headers)
    return last


def time_urls(clients, n: int, rounds: int) -> list[tuple[str, float, float, int, int]]:
    """(url, median CPU ms per request, ratio to /ping, status, response bytes) per URL; /ping first."""
    samples: dict[str, list[float]] = {url: [] for url in clients}
    last = _warm(clients)
    for _ in range(rounds):  # interleaved, so a busy moment on the machine hits every URL alike
        for url, (client, path, headers) in clients.items():
            started = CLOCK()
            for _ in range(n):
                client.get(path, headers=headers)
            samples[url].append((CLOCK() - started) * 1000 / n)
    ping = statistics.median(samples["/ping"])
    rows = []
    for url in clients:
        ms = statistics.median(samples[url])
        rows.append((url, ms, ping / ms, last[url].status_code, len(last[url].data)))
    return rows


def print_sql(app, clients) -> None:
    """The statements one request of each URL issues, with their count."""
    import sqlalchemy as sa

    from app.extensions import db

    _warm(clients)
    with app.app_context():
        engine = db.engine
    for url, (client, path, headers) in clients.items():
        seen: list[str] = []

        def listener(_conn, _cursor, statement, *_rest, seen=seen):
            seen.append(" ".join(statement.split())[:160])

        sa.event.listen(engine, "before_cursor_execute", listener)
        try:
            status = client.get(path, headers=headers).status_code
        finally:
            sa.event.remove(engine, "before_cursor_execute", listener)
        print(f"--- {url} ({status}): {len(seen)} statements")
        for statement in seen:
            print("   ", statement)


def print_calls(clients, n: int) -> None:
    """Python function calls per request (cProfile's count: deterministic, unlike CPU time)."""
    import cProfile
    import pstats

    _warm(clients)
    for url, (client, path, headers) in clients.items():
        prof = cProfile.Profile()
        prof.enable()
        for _ in range(n):
            client.get(path, headers=headers)
        prof.disable()
        print(f"{url:<48} {pstats.Stats(prof).total_calls / n:9.0f} calls/request")


def profile(clients, url: str, n: int, tool: str, sort: str, limit: int) -> None:
    client, path, headers = clients[url]
    _warm({url: clients[url]})
    if tool == "pyinstrument":
        try:
            from pyinstrument import Profiler
        except ImportError:
            print("pyinstrument is not installed; using cProfile", file=sys.stderr)
            tool = "cprofile"
        else:
            profiler = Profiler(interval=0.0005)
            profiler.start()
            for _ in range(n):
                client.get(path, headers=headers)
            profiler.stop()
            print(profiler.output_text(unicode=True, color=False, show_all=False))
            return
    import cProfile
    import pstats

    prof = cProfile.Profile()
    prof.enable()
    for _ in range(n):
        client.get(path, headers=headers)
    prof.disable()
    stats = pstats.Stats(prof)
    stats.strip_dirs().sort_stats(sort).print_stats(limit)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("urls", nargs="*", help="paths to time (prefix htmx: for a fragment request)")
    parser.add_argument("--htmx", action="append", default=[], help="a path requested as an htmx fragment")
    parser.add_argument("-n", type=int, default=20, help="requests per URL per round")
    parser.add_argument("--rounds", type=int, default=5, help="rounds (the median round counts)")
    parser.add_argument("--cache", type=int, default=0, help="STOREFRONT_CACHE_SECONDS (0: off)")
    parser.add_argument("--cookies", action="store_true", help="keep cookies between requests")
    parser.add_argument("--user", metavar="EMAIL", help="sign in as this demo account (keeps its cookies)")
    parser.add_argument("--follow", action="store_true", help="time where a URL redirects to (one hop)")
    parser.add_argument("--sql", action="store_true", help="print the statements of one request per URL")
    parser.add_argument("--calls", action="store_true", help="print Python function calls per request (n each)")
    parser.add_argument("--database-url", help="use this database instead of a new SQLite one")
    parser.add_argument("--no-seed", action="store_true", help="do not migrate or seed (--database-url is ready)")
    parser.add_argument("--profile", choices=("cprofile", "pyinstrument"), help="profile the first URL")
    parser.add_argument("--profile-n", type=int, default=200, help="requests while profiling")
    parser.add_argument("--sort", default="cumulative", help="cProfile sort key (cumulative, tottime, ...)")
    parser.add_argument("--limit", type=int, default=40, help="cProfile rows printed")
    args = parser.parse_args(argv)
    urls = [*args.urls, *(f"htmx:{url}" for url in args.htmx)] or list(DEFAULT_URLS)

    workdir = _environment(args)
    app = _make_app(args)
    clients = {url: _client(app, url, args) for url in ("/ping", *urls)}
    if args.profile:
        profile(clients, urls[0], args.profile_n, args.profile, args.sort, args.limit)
        return 0
    if args.sql or args.calls:
        if args.sql:
            print_sql(app, clients)
        if args.calls:
            print_calls(clients, args.n)
        return 0
    rows = time_urls(clients, args.n, args.rounds)
    who = f"signed in as {args.user}" if args.user else ("returning" if args.cookies else "new") + " visitors"
    print(f"cache={'off' if not args.cache else f'{args.cache}s'}, {args.rounds} rounds x {args.n} requests, "
          f"{who}; db in {workdir}")
    print(f"{'url':<48} {'cpu ms':>8} {'vs /ping':>9} {'status':>6} {'bytes':>7}")
    for url, ms, ratio, status, size in rows:
        print(f"{url:<48} {ms:8.3f} {ratio:8.1%} {status:>6} {size:>7}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
