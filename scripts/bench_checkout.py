#!/usr/bin/env python3
"""Order placement end to end under load: add to cart, checkout, place, pay (issue 15, `make bench`).

    python scripts/bench_checkout.py --base http://127.0.0.1:PORT [--clients 8] [--duration 15]
        [--orders N] [--min-rate 50] [--database-url URL]

Each of ``--clients`` threads is a buyer in its own browser session, talking HTTP to the running
server the way a browser does (the session cookie, the CSRF token of the page it came from):

  sign-up (once, not timed)  open the product page, add the plan to the visitor's cart, open the
                             checkout (its account step) and create an account there
                             (``bench-<run>-<n>@example.test``); the cart moves along, and that
                             first order is placed and paid like the others, untimed
  then, until the time or the order budget is used up, one order after another:
    add        POST <store>/cart/items as htmx does (the offer's status line answers)
    checkout   GET  <store>/checkout (billing details prefilled, the cart fingerprint)
    place      POST <store>/checkout action=place: a redirect to the payment page
    pay page   GET  <store>/orders/<number>/pay (the manual provider's test payment page: the
               payment runs without the network, as in the demo; Stripe is not configured)
    pay        POST it with outcome=pay: the order is paid and fulfilled (access granted, revenue
               and ledger postings, the receipt email queued), a redirect to the receipt

Before the load, ``--alone`` orders by one client alone give each step's latency without
contention and, when the server runs with BENCH_SQL_TIMING=1, its SQL statements and SQL time
(header X-SQL-Time): the per-order cost on the server. Under load it reports orders/s, p50/p99
per step and errors (any is a failure). Afterwards it checks in the database (``--database-url``,
default DATABASE_URL) that the paid orders grew by exactly the number of orders completed and that
each of them is paid. A rate under the target (``MIN_CHECKOUT_ORDERS_PER_S`` in scripts/bench.py)
fails the run unless BENCH_ENFORCE=0. Results go to .bench/checkout.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path
from urllib.parse import urlencode, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import MIN_CHECKOUT_ORDERS_PER_S, enforcing  # noqa: E402  (scripts/ is not a package)
from bench_export import Browser  # noqa: E402

STORE = "/acme/us/en"
PRODUCT = f"{STORE}/products/python-for-data-analysis"
PLAN = "Premium"  # a course bought once per order: access granted, creator revenue attributed
STEPS = ("add", "checkout", "place", "pay page", "pay")
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
PAID = ("paid", "fulfilled")

_INPUT = re.compile(r"<input\b[^>]*>", re.I)
_ATTR = re.compile(r'([\w:-]+)="([^"]*)"')
_SELECTED = re.compile(r'<select\b[^>]*\bname="billing_country"[^>]*>.*?<option\b[^>]*\bselected\b[^>]*'
                       r'\bvalue="([^"]*)"', re.S)


class StepFailed(Exception):
    pass


def inputs(html: str) -> dict[str, str]:
    """``{name: value}`` of the page's <input>s (the last one wins)."""
    found = {}
    for tag in _INPUT.findall(html):
        attrs = dict(_ATTR.findall(tag))
        if "name" in attrs:
            found[attrs["name"]] = unescape(attrs.get("value", ""))
    return found


@dataclass
class Sample:
    ms: float
    sql_ms: float | None = None
    sql_count: int | None = None


@dataclass
class Tally:
    samples: dict[str, list[Sample]] = field(default_factory=lambda: {step: [] for step in STEPS})
    orders: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


class Buyer:
    """One browser session: signs up in the checkout, then places and pays orders."""

    def __init__(self, base: str, plan_id: str, email: str) -> None:
        self.browser = Browser(base)
        self.plan_id = plan_id
        self.email = email
        self.token = ""

    def _send(self, tally: Tally | None, step: str, method: str, path: str, data: dict | None = None,
              headers: dict | None = None, expect: tuple[int, ...] = (200,)) -> tuple[int, str, str]:
        body = urlencode(data).encode() if data is not None else None
        all_headers = {**(FORM if data is not None else {}), **(headers or {})}
        started = time.perf_counter()
        conn, response = self.browser.request(method, path, body, all_headers)
        try:
            text = response.read().decode("utf-8", "replace")
        finally:
            conn.close()
        took = (time.perf_counter() - started) * 1000
        if response.status not in expect:
            raise StepFailed(f"{step}: {method} {path} answered HTTP {response.status}")
        if tally is not None:
            sample = Sample(took)
            header = response.headers.get("X-SQL-Time")
            if header:
                ms, _sep, count = header.partition("; count=")
                sample.sql_ms, sample.sql_count = float(ms), int(count or 0)
            tally.samples[step].append(sample)
        token = inputs(text).get("csrf_token") if "csrf_token" in text else None
        if token:
            self.token = token
        return response.status, text, response.headers.get("Location") or ""

    def sign_up(self) -> str:
        """A visitor's first order: the cart, then the account created in the checkout; returns the
        order number (placed and paid untimed)."""
        _status, page, _loc = self._send(None, "product", "GET", PRODUCT)
        if not self.token:
            raise StepFailed("the product page has no add-to-cart form")
        self._send(None, "add", "POST", f"{STORE}/cart/items", {"csrf_token": self.token, "plan_id": self.plan_id},
                   {"HX-Request": "true"})
        _status, step, _loc = self._send(None, "account step", "GET", f"{STORE}/checkout")
        fields = inputs(step)
        if "new-email" not in fields:
            raise StepFailed("the checkout of a visitor does not offer to create an account")
        self._send(None, "sign up", "POST", f"{STORE}/checkout/account", {
            "new-csrf_token": fields.get("new-csrf_token", self.token), "csrf_token": self.token,
            "new-display_name": "Load Tester", "new-email": self.email,
            "new-password": "correct horse battery staple",
        }, expect=(302, 303))
        return self._order(None, add=False)

    def _order(self, tally: Tally | None, *, add: bool = True) -> str:
        if add:
            _status, text, _loc = self._send(tally, "add", "POST", f"{STORE}/cart/items",
                                             {"csrf_token": self.token, "plan_id": self.plan_id},
                                             {"HX-Request": "true"})
            if "to your cart" not in text:
                raise StepFailed(f"add: the plan was not added ({text[:200]!r})")
        _status, page, _loc = self._send(tally, "checkout", "GET", f"{STORE}/checkout")
        fields = inputs(page)
        country = _SELECTED.search(page)
        if not fields.get("cart_fingerprint") or not fields.get("submission") or country is None:
            raise StepFailed("checkout: the page has no billing form (is the cart empty?)")
        _status, _text, location = self._send(tally, "place", "POST", f"{STORE}/checkout", {
            "csrf_token": self.token, "submission": fields["submission"],
            "cart_fingerprint": fields["cart_fingerprint"], "billing_name": fields.get("billing_name", "Bench"),
            "billing_email": fields.get("billing_email", self.email), "billing_country": country.group(1),
            "discount_code": "", "gift_card_codes": "", "action": "place",
        }, expect=(302, 303))
        pay = urlsplit(location).path
        match = re.search(r"/orders/([^/]+)/pay$", pay)
        if not match:
            raise StepFailed(f"place: redirected to {location!r}, not to the payment page")
        self._send(tally, "pay page", "GET", pay)
        _status, _text, receipt = self._send(tally, "pay", "POST", pay, {"csrf_token": self.token, "outcome": "pay"},
                                             expect=(302, 303))
        if not urlsplit(receipt).path.endswith(f"/orders/{match.group(1)}"):
            raise StepFailed(f"pay: redirected to {receipt!r}, not to the receipt")
        return match.group(1)

    def run(self, tally: Tally, deadline: float, budget: _Budget) -> None:
        while time.perf_counter() < deadline and budget.take():
            try:
                tally.orders.append(self._order(tally))
            except (StepFailed, OSError) as exc:
                tally.errors.append(str(exc))


class _Budget:
    """At most ``limit`` orders started in all (None: no limit), shared by the clients."""

    def __init__(self, limit: int | None) -> None:
        self.left, self.lock = limit, threading.Lock()

    def take(self) -> bool:
        if self.left is None:
            return True
        with self.lock:
            if self.left <= 0:
                return False
            self.left -= 1
            return True


def find_plan(base: str, name: str) -> str:
    status, page = Browser(base).get_text(PRODUCT)
    for plan_id, title in re.findall(r'data-plan="([^"]+)"[^>]*>\s*<h3>([^<]+)</h3>', page):
        if title.strip() == name:
            return plan_id
    raise SystemExit(f"bench_checkout: no plan {name!r} on {PRODUCT} (HTTP {status})")


def paid_orders(url: str) -> int:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text("SELECT count(*) FROM org_member_order WHERE status IN ('paid', 'fulfilled')")
                                ).scalar_one()
    finally:
        engine.dispose()


def paid_among(url: str, numbers: list[str]) -> int:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            found = 0
            for start in range(0, len(numbers), 1000):
                found += conn.execute(sa.text(
                    "SELECT count(*) FROM org_member_order WHERE status IN ('paid', 'fulfilled') "
                    "AND order_number IN :numbers").bindparams(sa.bindparam("numbers", expanding=True)),
                    {"numbers": numbers[start:start + 1000]}).scalar_one()
            return found
    finally:
        engine.dispose()


def pct(values: list[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))]


def median(values: list) -> float | None:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(value, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", required=True)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--duration", type=float, default=15.0, help="seconds of load")
    parser.add_argument("--orders", type=int, default=None, help="stop after this many orders (all clients)")
    parser.add_argument("--alone", type=int, default=10, help="orders by one client alone, before the load")
    parser.add_argument("--min-rate", type=float, default=MIN_CHECKOUT_ORDERS_PER_S, help="orders/s to reach")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"),
                        help="to check the paid orders afterwards (default DATABASE_URL)")
    parser.add_argument("--out", default=".bench/checkout.json")
    args = parser.parse_args(argv)
    base = args.base.rstrip("/")

    run = uuid.uuid4().hex[:8]
    plan_id = find_plan(base, PLAN)
    before = paid_orders(args.database_url) if args.database_url else None
    buyers = [Buyer(base, plan_id, f"bench-{run}-{n}@example.test") for n in range(args.clients)]
    signed_up: list[str] = []
    problems: list[str] = []
    for buyer in buyers:  # one after another: each account's password hash is deliberately slow
        try:
            signed_up.append(buyer.sign_up())
        except (StepFailed, OSError) as exc:
            problems.append(f"sign-up of {buyer.email}: {exc}")
    if problems:
        for problem in problems:
            print(f"bench_checkout: {problem}", file=sys.stderr)
        return 1

    alone = Tally()
    for _ in range(args.alone):
        try:
            alone.orders.append(buyers[0]._order(alone))
        except (StepFailed, OSError) as exc:
            alone.errors.append(str(exc))

    load = Tally()
    budget = _Budget(args.orders)
    deadline = time.perf_counter() + args.duration
    threads = [threading.Thread(target=b.run, args=(load, deadline, budget), daemon=True) for b in buyers]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    rate = len(load.orders) / elapsed if elapsed else 0.0

    completed = [*signed_up, *alone.orders, *load.orders]
    failures: list[str] = []
    errors = alone.errors + load.errors
    if errors:
        failures.append(f"{len(errors)} errors (first: {errors[0]})")
    grew = None
    if args.database_url:
        grew = paid_orders(args.database_url) - before
        if grew != len(completed):
            failures.append(f"the paid orders grew by {grew}, but {len(completed)} orders were completed")
        among = paid_among(args.database_url, completed)
        if among != len(completed):
            failures.append(f"only {among} of the {len(completed)} completed orders are paid")
    else:
        print("bench_checkout: no --database-url / DATABASE_URL: the paid orders are not checked", file=sys.stderr)
    missed = [f"{rate:.1f} orders/s < {args.min_rate:.0f}"] if rate < args.min_rate else []

    print(f"\n== checkout: {args.clients} clients, {elapsed:.1f}s, {PLAN} of {PRODUCT} ==")
    print(f"{'step':<10} {'p50 ms':>8} {'p99 ms':>8} {'alone ms':>9} {'SQL ms':>7} {'stmts':>5}")
    per_order = {"ms": 0.0, "sql_ms": 0.0, "stmts": 0}
    for step in STEPS:
        took = [s.ms for s in load.samples[step]]
        alone_ms = median([s.ms for s in alone.samples[step]])
        sql_ms = median([s.sql_ms for s in alone.samples[step]])
        stmts = median([s.sql_count for s in alone.samples[step]])
        per_order["ms"] += alone_ms or 0
        per_order["sql_ms"] += sql_ms or 0
        per_order["stmts"] += int(stmts or 0)
        print(f"{step:<10} {fmt(pct(took, 50), '.1f'):>8} {fmt(pct(took, 99), '.1f'):>8} {fmt(alone_ms, '.1f'):>9} "
              f"{fmt(sql_ms, '.1f'):>7} {fmt(stmts and int(stmts), 'd'):>5}")
    print(f"{'per order':<10} {'':>8} {'':>8} {per_order['ms']:>9.1f} {per_order['sql_ms']:>7.1f} "
          f"{per_order['stmts']:>5}")
    verdict = ("FAIL (" + "; ".join(failures) + ")" if failures
               else "MISSED " + "; ".join(missed) if missed else "ok")
    print(f"{len(load.orders)} orders in {elapsed:.1f}s: {rate:.1f} orders/s (target {args.min_rate:.0f}), "
          f"{len(errors)} errors; paid orders grew by {fmt(grew, 'd')} for {len(completed)} completed "
          f"(incl. {len(signed_up)} sign-up and {len(alone.orders)} alone orders): {verdict}")
    if missed and not failures:
        print("Target missed (" + ("enforced: the run fails" if enforcing() else "BENCH_ENFORCE=0: reported only") + ")")

    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({
        "clients": args.clients, "seconds": round(elapsed, 2), "orders": len(load.orders),
        "orders_per_second": round(rate, 1), "min_rate": args.min_rate, "errors": errors[:20],
        "paid_orders_grew": grew, "completed": len(completed), "per_order_alone": per_order,
        "steps": {step: {"p50_ms": pct([s.ms for s in load.samples[step]], 50),
                         "p99_ms": pct([s.ms for s in load.samples[step]], 99),
                         "alone_ms": median([s.ms for s in alone.samples[step]]),
                         "sql_ms": median([s.sql_ms for s in alone.samples[step]]),
                         "statements": median([s.sql_count for s in alone.samples[step]])} for step in STEPS},
        "verdict": verdict,
    }, indent=2))
    return 1 if failures or (missed and enforcing()) else 0


if __name__ == "__main__":
    sys.exit(main())
