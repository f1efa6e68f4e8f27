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
visitor, as with wrk.
"""

from __future__ import annotations

import argparse
import os
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


def _request(app, url: str, cookies: bool):
    htmx = url.startswith("htmx:")
    path = url.removeprefix("htmx:")
    headers = {"HX-Request": "true", "HX-Target": "results"} if htmx else {}
    return path, headers


def time_urls(app, urls, n: int, rounds: int, cookies: bool) -> list[tuple[str, float, float, int, int]]:
    """(url, median CPU ms per request, ratio to /ping, status, response bytes) per URL; /ping first."""
    clients = {url: app.test_client(use_cookies=cookies) for url in ("/ping", *urls)}
    requests = {url: _request(app, url, cookies) for url in clients}
    samples: dict[str, list[float]] = {url: [] for url in clients}
    last = {}
    for url, client in clients.items():  # warm up (first-use work: templates, prebuilt statements)
        path, headers = requests[url]
        for _ in range(3):
            last[url] = client.get(path, headers=headers)
    for _ in range(rounds):  # interleaved, so a busy moment on the machine hits every URL alike
        for url, client in clients.items():
            path, headers = requests[url]
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


def profile(app, url: str, n: int, tool: str, sort: str, limit: int, cookies: bool) -> None:
    client = app.test_client(use_cookies=cookies)
    path, headers = _request(app, url, cookies)
    for _ in range(3):
        client.get(path, headers=headers)
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
    if args.profile:
        profile(app, urls[0], args.profile_n, args.profile, args.sort, args.limit, args.cookies)
        return 0
    rows = time_urls(app, urls, args.n, args.rounds, args.cookies)
    print(f"cache={'off' if not args.cache else f'{args.cache}s'}, {args.rounds} rounds x {args.n} requests, "
          f"{'returning' if args.cookies else 'new'} visitors; db in {workdir}")
    print(f"{'url':<48} {'cpu ms':>8} {'vs /ping':>9} {'status':>6} {'bytes':>7}")
    for url, ms, ratio, status, size in rows:
        print(f"{url:<48} {ms:8.3f} {ratio:8.1%} {status:>6} {size:>7}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
