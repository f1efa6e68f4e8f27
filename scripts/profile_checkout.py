#!/usr/bin/env python3
"""Where does an order's server time go? In-process timing of the checkout steps (a developer tool).

    .venv/bin/python scripts/profile_checkout.py [--orders 30] [--sql] [--calls] [--profile STEP] [--sort tottime]

Runs the steps of scripts/bench_checkout.py (add, checkout, place, pay page, pay) with Flask's test
client against DATABASE_URL (already migrated and seeded with the demo, e.g. the bench dataset on
PostgreSQL), as one buyer who signs up in the checkout first. For each step it prints the median
CPU ms of this process (process_time: other processes' load barely moves it), the median SQL wall
ms and the statements. ``--sql`` prints one order's statements per step; ``--calls`` the Python
function calls per order of each step (cProfile's count, deterministic unlike time; the first
orders include one-time work such as compiling statements, so compare runs of the same
``--orders``); ``--profile STEP`` runs cProfile over that step ("all" for every step) for all
orders and prints the top functions.
The environment is the one the server would get (VOLMIFY_ENV, SECRET_KEY, PUBLIC_URL, ...).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import re
import statistics
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from bench_checkout import _SELECTED, PLAN, PRODUCT, STEPS, STORE, inputs  # noqa: E402

CLOCK = time.process_time


class Recorder:
    def __init__(self) -> None:
        self.statements: list[str] = []
        self.sql_s = 0.0
        self._started: float | None = None

    def before(self, _conn, _cursor, statement, *_rest) -> None:
        self.statements.append(statement)
        self._started = time.perf_counter()

    def after(self, *_args) -> None:
        if self._started is not None:
            self.sql_s += time.perf_counter() - self._started
            self._started = None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=30)
    parser.add_argument("--sql", action="store_true")
    parser.add_argument("--calls", action="store_true", help="Python function calls per order of each step")
    parser.add_argument("--profile", default=None, help="a step name, or 'all'")
    parser.add_argument("--profiler", choices=("cprofile", "pyinstrument"), default="cprofile",
                        help="pyinstrument (when installed) prints a call tree of the step")
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--limit", type=int, default=40)
    parser.add_argument("--only", default=None, help="cProfile: only functions whose file matches (e.g. app/)")
    parser.add_argument("--callers", default=None, help="cProfile: who calls the functions matching this")
    args = parser.parse_args(argv)
    os.environ.setdefault("SESSION_COOKIE_SECURE", "0")  # the test client speaks http
    os.environ.pop("BENCH_SQL_TIMING", None)

    import sqlalchemy as sa

    from app import create_app
    from app.extensions import db

    app = create_app()
    base = os.environ.get("PUBLIC_URL", "http://localhost").rstrip("/")
    host = urlsplit(base).netloc
    client = app.test_client()
    with app.app_context():
        engine = db.engine
    recorder = Recorder()
    sa.event.listen(engine, "before_cursor_execute", recorder.before)
    sa.event.listen(engine, "after_cursor_execute", recorder.after)
    token = ""

    def send(method, path, data=None, headers=None, expect=(200,)):
        nonlocal token
        headers = {"Host": host, **(headers or {})}
        response = client.open(path, method=method, data=data, headers=headers, base_url=base)
        if response.status_code not in expect:
            raise SystemExit(f"{method} {path}: HTTP {response.status_code}")
        text = response.get_data(as_text=True)
        found = inputs(text).get("csrf_token") if "csrf_token" in text else None
        if found:
            token = found
        return text, response.headers.get("Location") or ""

    page, _loc = send("GET", PRODUCT)
    plan_id = next(pid for pid, title in re.findall(r'data-plan="([^"]+)"[^>]*>\s*<h3>([^<]+)</h3>', page)
                   if title.strip() == PLAN)
    send("POST", f"{STORE}/cart/items", {"csrf_token": token, "plan_id": plan_id}, {"HX-Request": "true"})
    step_page, _loc = send("GET", f"{STORE}/checkout")
    fields = inputs(step_page)
    email = f"profile-{uuid.uuid4().hex[:8]}@example.test"
    send("POST", f"{STORE}/checkout/account", {
        "new-csrf_token": fields.get("new-csrf_token", token), "csrf_token": token,
        "new-display_name": "Profiler", "new-email": email, "new-password": "correct horse battery staple",
    }, expect=(302, 303))

    results: dict[str, list[tuple[float, float, int]]] = {step: [] for step in STEPS}
    profiler = None
    if args.profile and args.profiler == "pyinstrument":
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0002, async_mode="disabled")
        profiler.enable, profiler.disable = profiler.start, profiler.stop  # the sessions add up
    elif args.profile:
        profiler = cProfile.Profile(CLOCK)  # CPU time, as the table

    counters = {step: cProfile.Profile() for step in STEPS} if args.calls and profiler is None else {}

    def timed(step, order_index, method, path, data=None, headers=None, expect=(200,)):
        recorder.statements, recorder.sql_s = [], 0.0
        profiling = profiler is not None and args.profile in (step, "all")
        counter = counters.get(step) if order_index > 0 else None
        started = CLOCK()
        if profiling:
            profiler.enable()
        if counter is not None:
            counter.enable()
        out = send(method, path, data, headers, expect)
        if counter is not None:
            counter.disable()
        if profiling:
            profiler.disable()
        results[step].append(((CLOCK() - started) * 1000, recorder.sql_s * 1000, len(recorder.statements)))
        if args.sql and order_index == 1:
            print(f"\n-- {step}: {len(recorder.statements)} statements")
            for statement in recorder.statements:
                print("   ", " ".join(statement.split())[:220])
        return out

    def one_order(n: int, add: bool = True) -> None:
        if add:
            timed("add", n, "POST", f"{STORE}/cart/items", {"csrf_token": token, "plan_id": plan_id},
                  {"HX-Request": "true"})
        page, _loc = timed("checkout", n, "GET", f"{STORE}/checkout")
        fields = inputs(page)
        country = _SELECTED.search(page)
        _text, location = timed("place", n, "POST", f"{STORE}/checkout", {
            "csrf_token": token, "submission": fields["submission"], "cart_fingerprint": fields["cart_fingerprint"],
            "billing_name": fields.get("billing_name", "Bench"), "billing_email": fields.get("billing_email", email),
            "billing_country": country.group(1), "discount_code": "", "gift_card_codes": "", "action": "place",
        }, expect=(302, 303))
        pay = urlsplit(location).path
        timed("pay page", n, "GET", pay)
        timed("pay", n, "POST", pay, {"csrf_token": token, "outcome": "pay"}, expect=(302, 303))

    one_order(0, add=False)  # the sign-up's cart
    for step in STEPS:
        results[step].clear()
    for n in range(1, args.orders + 1):
        one_order(n)

    print(f"\n{'step':<10} {'CPU ms':>7} {'SQL ms':>7} {'stmts':>5}   (medians of {args.orders} orders)")
    totals = [0.0, 0.0, 0]
    for step in STEPS:
        cpu = statistics.median(r[0] for r in results[step])
        sql = statistics.median(r[1] for r in results[step])
        stmts = int(statistics.median(r[2] for r in results[step]))
        totals[0] += cpu
        totals[1] += sql
        totals[2] += stmts
        print(f"{step:<10} {cpu:7.1f} {sql:7.1f} {stmts:5d}")
    print(f"{'per order':<10} {totals[0]:7.1f} {totals[1]:7.1f} {totals[2]:5d}")
    if counters:
        calls = {step: pstats.Stats(counter).total_calls / args.orders for step, counter in counters.items()}
        print(f"\n{'step':<10} {'calls':>7}   (Python function calls per order, {args.orders} orders)")
        for step in STEPS:
            print(f"{step:<10} {calls[step]:7.0f}")
        print(f"{'per order':<10} {sum(calls.values()):7.0f}")
    elif args.calls:
        print("(--calls is not counted with --profile)")
    if isinstance(profiler, cProfile.Profile):
        stats = pstats.Stats(profiler).sort_stats(args.sort)
        if args.callers:
            stats.print_callers(args.callers)
        elif args.only:
            stats.print_stats(args.only, args.limit)
        else:
            stats.strip_dirs().sort_stats(args.sort).print_stats(args.limit)  # strip_dirs drops the order
    elif profiler is not None:
        print(profiler.output_text(unicode=True, color=False, show_all=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
