#!/usr/bin/env python3
"""`make soak`: the production processes under sustained mixed traffic, on loopback only.

Starts a throwaway PostgreSQL (scripts/pg.sh) and Redis (scripts/redis.sh), loads the demo, then
gunicorn with 4 workers (gunicorn.conf.py) and a Celery worker, all on 127.0.0.1, and a local mail
server the worker delivers to. Virtual users then browse (catalog, product pages, an htmx filter
fragment), sign up, add to the cart, check out and pay (the manual provider), open the lessons of
what they bought, read their order list, and an admin reads the dashboard lists, at a sustained
rate (SOAK_RATE actions per second, SOAK_USERS users) for SOAK_SECONDS (default 600).

Reports the requests, the errors (any 5xx, unexpected 4xx or failed connection: must be 0), the
latency percentiles (p50, p95, p99), then checks the outcome: the email outbox drained by the
worker, `flask ledger check`, and the database's orders (rows, status, items) matching the orders
the users placed and paid. Exits non-zero if anything is off. Everything is stopped and deleted
at the end (SOAK_KEEP=1 keeps the directory with the logs).

    SOAK_SECONDS=60 make soak      # a shorter try
"""

from __future__ import annotations

import os
import random
import re
import secrets
import shutil
import signal
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import requests

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
SECONDS = int(os.environ.get("SOAK_SECONDS", "600"))
RATE = float(os.environ.get("SOAK_RATE", "4"))  # actions per second, each 1-6 requests
USERS = int(os.environ.get("SOAK_USERS", "8"))
WORKERS = int(os.environ.get("SOAK_WEB_WORKERS", "4"))
ADMIN = ("admin@acme.test", "volmify-demo")
STORES = ("/acme/us/en", "/acme/eu/de", "/acme/eu/en")
BUY_STORE = "/acme/us/en"
MAX_SECONDS = 3600


def log(message: str) -> None:
    print(f"soak: {message}", flush=True)


# ---- HTML forms ----------------------------------------------------------------------------------

class _Forms(HTMLParser):
    """Every <form> of a page: action, and the values of its named inputs/selects/textareas."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"id": a.get("id"), "action": a.get("action") or "", "fields": {}})
        elif not self.forms:
            return
        elif tag == "input" and a.get("name") and a.get("type") not in ("submit", "button", "checkbox", "radio"):
            self.forms[-1]["fields"][a["name"]] = a.get("value") or ""
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
            self.forms[-1]["fields"].setdefault(a["name"], "")
        elif tag == "option" and self._select:
            fields = self.forms[-1]["fields"]
            if "selected" in a or not fields[self._select]:
                fields[self._select] = a.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def forms(html: str) -> list[dict]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


def form_with(html: str, field_name: str) -> dict:
    for form in forms(html):
        if field_name in form["fields"]:
            return form
    raise LookupError(f"no form with a {field_name!r} field")


def csrf(html: str) -> str:
    return form_with(html, "csrf_token")["fields"]["csrf_token"]


# ---- a local mail server for the worker ------------------------------------------------------------

class _SMTP(socketserver.StreamRequestHandler):
    def handle(self):
        self.wfile.write(b"220 soak ESMTP\r\n")
        while line := self.rfile.readline():
            verb = line[:4].upper()
            if verb == b"DATA":
                self.wfile.write(b"354 go on\r\n")
                while (chunk := self.rfile.readline()) and chunk != b".\r\n":
                    pass
                self.server.count += 1
                self.wfile.write(b"250 queued\r\n")
            elif verb == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 OK\r\n")


class MailServer(socketserver.ThreadingTCPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _SMTP)
        self.count = 0


# ---- statistics -----------------------------------------------------------------------------------

@dataclass
class Stats:
    latencies: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    actions: Counter = field(default_factory=Counter)
    placed: set[str] = field(default_factory=set)  # order numbers placed
    paid: set[str] = field(default_factory=set)
    paid_on_payment_page: int = 0  # the others were free: no payment row
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, response, *_args, **_kwargs):
        with self.lock:
            self.latencies.append(response.elapsed.total_seconds())
            self.statuses[response.status_code] += 1
            if response.status_code >= 400:
                self.errors.append(f"{response.status_code} {response.request.method} {urlsplit(response.url).path}")
        return response

    def error(self, text: str) -> None:
        with self.lock:
            self.errors.append(text)


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


# ---- virtual users -----------------------------------------------------------------------------------

class Pace:
    """A shared clock handing out action slots at RATE per second."""

    def __init__(self, rate: float) -> None:
        self.interval, self.next, self.lock = 1.0 / rate, time.monotonic(), threading.Lock()

    def wait(self) -> None:
        with self.lock:
            slot = self.next = max(self.next + self.interval, time.monotonic() - 1.0)
        delay = slot - time.monotonic()
        if delay > 0:
            time.sleep(delay)


class User:
    def __init__(self, base: str, stats: Stats, catalog: dict[str, list[str]], courses: list[str],
                 dashboard: list[str], number: int) -> None:
        self.base, self.stats, self.catalog, self.courses, self.dashboard = base, stats, catalog, courses, dashboard
        self.products = catalog[BUY_STORE]
        self.number, self.accounts = number, 0
        self.http = self.admin = None
        self.bought: list[str] = []

    def session(self) -> requests.Session:
        http = requests.Session()
        http.hooks["response"].append(self.stats.record)
        return http

    def get(self, http, path: str, **kwargs):
        return http.get(urljoin(self.base, path), timeout=30, **kwargs)

    def post(self, http, path: str, data: dict, **kwargs):
        return http.post(urljoin(self.base, path), data=data, timeout=30, **kwargs)

    def sign_up(self) -> None:
        """A new buyer: sign up (the worker sends the confirmation email), then log in."""
        self.http, self.bought = self.session(), []
        self.accounts += 1
        email = f"soak-{self.number}-{self.accounts}-{secrets.token_hex(3)}@example.com"
        password = "Qz7-" + secrets.token_hex(12)  # nothing of the name or address in it
        page = self.get(self.http, "/account/register")
        self.post(self.http, "/account/register", {"csrf_token": csrf(page.text), "display_name": f"Soak {self.number}",
                                                   "email": email, "password": password, "confirm": password})
        self.log_in(self.http, email, password)

    def log_in(self, http, email: str, password: str) -> None:
        page = self.get(http, "/account/login")
        response = self.post(http, "/account/login", {"csrf_token": csrf(page.text), "email": email,
                                                      "password": password, "next": ""})
        if "/account/login" in urlsplit(response.url).path:
            raise RuntimeError(f"could not log in as {email}")

    # actions
    def browse(self) -> None:
        store = random.choice(STORES)
        self.get(self.http, f"{store}/")
        self.get(self.http, f"{store}/products/{random.choice(self.catalog[store])}")
        if random.random() < 0.3:  # the htmx filter fragment
            self.get(self.http, f"{store}/?type=course&sort=price_asc", headers={"HX-Request": "true"})

    def buy(self) -> None:
        left = [slug for slug in self.products if slug not in self.bought]
        if not left:
            self.sign_up()
            left = list(self.products)
        slug = random.choice(left)
        self.bought.append(slug)
        page = self.get(self.http, f"{BUY_STORE}/products/{slug}")
        offers = [f for f in forms(page.text) if (f["id"] or "").startswith("buy-")]
        if not offers:
            return  # nothing to buy on this page (e.g. not sold in this market)
        offer = random.choice(offers)
        self.post(self.http, offer["action"], {**offer["fields"], "quantity": "1"})
        checkout = self.get(self.http, f"{BUY_STORE}/checkout")
        form = form_with(checkout.text, "submission")
        fields = {**form["fields"], "address_line1": "1 Loopback Road", "postal_code": "10001", "city": "Localhost",
                  "action": "place"}
        placed = self.post(self.http, form["action"] or f"{BUY_STORE}/checkout", fields)
        free = re.search(r"/orders/([^/]+)$", urlsplit(placed.url).path)
        if placed.ok and free:  # nothing to pay (a free plan): placed and paid at once
            with self.stats.lock:
                self.stats.placed.add(free.group(1))
                self.stats.paid.add(free.group(1))
            return
        match = re.search(r"/orders/([^/]+)/pay$", urlsplit(placed.url).path)
        if not match:
            self.stats.error(f"checkout of {slug} did not lead to the payment page ({placed.status_code} {placed.url})")
            return
        with self.stats.lock:
            self.stats.placed.add(match.group(1))
        pay_form = form_with(placed.text, "csrf_token")
        paid = self.post(self.http, urlsplit(placed.url).path, {**pay_form["fields"], "outcome": "pay"})
        if paid.ok and urlsplit(paid.url).path.endswith(f"/orders/{match.group(1)}"):
            with self.stats.lock:
                self.stats.paid.add(match.group(1))
                self.stats.paid_on_payment_page += 1
        else:
            self.stats.error(f"paying order {match.group(1)} ended at {paid.status_code} {paid.url}")

    def learn(self) -> None:
        courses = [slug for slug in self.bought if slug in self.courses] or self.courses[:1]
        page = self.get(self.http, f"{BUY_STORE}/learn/{random.choice(courses)}/")
        lessons = sorted(set(re.findall(r'href="(/acme/us/en/learn/[^/"]+/[^/"?#]+)"', page.text)))
        if lessons:
            self.get(self.http, random.choice(lessons))

    def account(self) -> None:
        self.get(self.http, random.choice((f"{BUY_STORE}/account/orders/", f"{BUY_STORE}/account/downloads",
                                           f"{BUY_STORE}/account/subscriptions")))

    def dashboard_list(self) -> None:
        if self.admin is None:
            self.admin = self.session()
            self.log_in(self.admin, *ADMIN)
        self.get(self.admin, random.choice(self.dashboard))

    ACTIONS = (("browse", 40), ("buy", 20), ("learn", 15), ("account", 10), ("dashboard_list", 15))

    def run(self, pace: Pace, until: float) -> None:
        names, weights = zip(*self.ACTIONS, strict=True)
        try:
            self.sign_up()
        except Exception as exc:  # noqa: BLE001  (counted and reported)
            self.stats.error(f"user {self.number} could not sign up: {exc!r}")
            return
        while time.monotonic() < until:
            pace.wait()
            action = random.choices(names, weights)[0]
            try:
                getattr(self, action)()
            except Exception as exc:  # noqa: BLE001  (counted and reported)
                self.stats.error(f"{action}: {exc!r}")
            with self.stats.lock:
                self.stats.actions[action] += 1


# ---- processes ---------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Stack:
    def __init__(self, tmp: Path) -> None:
        self.tmp, self.processes, self.env = tmp, [], dict(os.environ)
        self.env.update(PG_STATE=str(tmp / "pg.state"), REDIS_STATE=str(tmp / "redis.state"))
        self.pg = self.redis = False

    def script(self, name: str, *args: str) -> str:
        return subprocess.run(["bash", str(ROOT / "scripts" / name), *args], env=self.env, check=True,
                              capture_output=True, text=True).stdout.strip()

    def start(self, mail_port: int) -> str:
        self.pg = True
        database = self.script("pg.sh", "start")
        self.redis = True
        redis_url = self.script("redis.sh", "start")
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        self.env.update({
            "DATABASE_URL": database, "REDIS_URL": redis_url, "VOLMIFY_ENV": "development",
            "SECRET_KEY": secrets.token_hex(16), "VOLMIFY_INSTANCE_DIR": str(self.tmp), "PUBLIC_URL": base,
            "UPLOAD_FOLDER": str(self.tmp / "uploads"), "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(mail_port),
            "MAIL_USE_TLS": "0", "DEV_PAGES": "0",
            # One client address (127.0.0.1) plays every user: the per-address limits would refuse them.
            "LOGIN_RATE_LIMIT": "100000 per minute", "REGISTER_RATE_LIMIT": "100000 per hour",
        })
        self.env.pop("CELERY_BROKER_URL", None)
        log(f"PostgreSQL {database.rsplit('@', 1)[-1]}, Redis {redis_url}")
        for command in (["db", "upgrade"], ["seed", "demo"]):
            subprocess.run([str(BIN / "flask"), "--app", "wsgi", *command], cwd=ROOT, env=self.env, check=True,
                           stdout=subprocess.DEVNULL)
        log("demo data loaded")
        self.spawn("gunicorn", [str(BIN / "gunicorn"), "-w", str(WORKERS), "-b", f"127.0.0.1:{port}", "wsgi:app"])
        self.spawn("celery", [str(BIN / "celery"), "-A", "app.celery_app", "worker", "--concurrency=2",
                              "--loglevel=INFO", "--without-gossip", "--without-mingle"])
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{base}/ping", timeout=5).ok:
                    return base
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer /ping within 120 s (see gunicorn.log)")

    def spawn(self, name: str, command: list[str]) -> None:
        out = (self.tmp / f"{name}.log").open("w")
        self.processes.append((name, subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=out,
                                                      stderr=subprocess.STDOUT, start_new_session=True)))

    def stop(self) -> None:
        for _name, process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for _name, process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        if self.redis:
            subprocess.run(["bash", str(ROOT / "scripts" / "redis.sh"), "stop"], env=self.env, capture_output=True)
        if self.pg:
            subprocess.run(["bash", str(ROOT / "scripts" / "pg.sh"), "stop"], env=self.env, capture_output=True)


def _slugs(base: str, store: str, query: str = "") -> list[str]:
    page = requests.get(f"{base}{store}/{query}", timeout=60).text
    return sorted(set(re.findall(rf'href="{store}/products/([a-z0-9-]+)"', page)))


def discover(base: str) -> tuple[dict[str, list[str]], list[str], list[str]]:
    """Product slugs per store, the courses of the buying store, and the admin's dashboard lists
    (from its navigation)."""
    catalog = {store: _slugs(base, store) for store in STORES}
    courses = _slugs(base, BUY_STORE, "?type=course")
    admin = requests.Session()
    page = admin.get(f"{base}/account/login", timeout=60)
    admin.post(f"{base}/account/login", data={"csrf_token": csrf(page.text), "email": ADMIN[0],
                                              "password": ADMIN[1], "next": ""}, timeout=60)
    index = admin.get(f"{base}/dashboard/acme/", timeout=60).text
    lists = sorted(set(re.findall(r'href="(/dashboard/acme/[a-z_-]+)"', index)))
    if not all(catalog.values()) or not courses or not lists:
        raise RuntimeError(f"nothing to visit: products {catalog}, courses {courses}, dashboard lists {lists}")
    return catalog, courses, lists


# ---- after the traffic: the outcome -------------------------------------------------------------------

def check_outcome(stack: Stack, stats: Stats) -> list[str]:
    """The outbox drained by the worker, the ledger, and the orders in the database."""
    os.environ.update(stack.env)
    sys.path.insert(0, str(ROOT))
    import sqlalchemy as sa

    from app import create_app
    from app.extensions import db
    from app.orders.models import OrgMemberOrder, OrgMemberOrderItem, OrgMemberOrderPayment
    from app.platform.email import send_queued_emails
    from app.platform.models import EmailOutbox
    from app.platform.tasks import enqueue

    problems: list[str] = []
    app = create_app()
    with app.app_context():
        enqueue(send_queued_emails, 100000)  # through Redis to the worker
        deadline = time.monotonic() + 120
        while True:
            statuses = dict(db.session.execute(
                sa.select(EmailOutbox.status, sa.func.count()).group_by(EmailOutbox.status)).tuples().all())
            db.session.rollback()
            if not statuses.get("queued") and not statuses.get("sending") or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        log(f"email outbox: {statuses}")
        if statuses.get("queued") or statuses.get("sending") or statuses.get("failed"):
            problems.append(f"the worker did not deliver every email: {statuses}")

        soak = OrgMemberOrder.billing_email.like("soak-%")
        rows = dict(db.session.execute(
            sa.select(OrgMemberOrder.status, sa.func.count()).where(soak).group_by(OrgMemberOrder.status)
        ).tuples().all())
        numbers = set(db.session.scalars(sa.select(OrgMemberOrder.order_number).where(soak)))
        without_items = db.session.scalar(
            sa.select(sa.func.count()).select_from(OrgMemberOrder).where(
                soak, ~sa.exists().where(OrgMemberOrderItem.order_id == OrgMemberOrder.id)))
        payments = db.session.scalar(
            sa.select(sa.func.count()).select_from(OrgMemberOrderPayment)
            .join(OrgMemberOrder, OrgMemberOrder.id == OrgMemberOrderPayment.order_id)
            .where(soak, OrgMemberOrderPayment.status == "succeeded"))
        log(f"succeeded payments: {payments}")
        if payments != stats.paid_on_payment_page:
            problems.append(f"{payments} succeeded payments for {stats.paid_on_payment_page} orders paid on the "
                            "payment page")
        log(f"orders in the database: {sum(rows.values())} {rows}; placed by the users: {len(stats.placed)}, "
            f"paid: {len(stats.paid)}")
        if numbers != stats.placed:
            problems.append(f"orders placed ({len(stats.placed)}) and rows ({len(numbers)}) differ: "
                            f"{sorted(numbers ^ stats.placed)[:10]}")
        paid_rows = rows.get("paid", 0) + rows.get("fulfilled", 0)  # a download is fulfilled once paid
        if paid_rows != len(stats.paid) or sum(rows.values()) != paid_rows:
            problems.append(f"paid orders: {len(stats.paid)} by the users, rows by status {rows}")
        if without_items:
            problems.append(f"{without_items} orders without items")
        db.session.remove()
    ledger = subprocess.run([str(BIN / "flask"), "--app", "wsgi", "ledger", "check"], cwd=ROOT, env=stack.env,
                            capture_output=True, text=True)
    log(f"flask ledger check: {(ledger.stdout + ledger.stderr).strip()}")
    if ledger.returncode != 0:
        problems.append("flask ledger check failed")
    return problems


def main() -> int:
    if not 1 <= SECONDS <= MAX_SECONDS:
        log(f"SOAK_SECONDS must be 1..{MAX_SECONDS}")
        return 2
    tmp = Path(tempfile.mkdtemp(prefix="volmify-soak."))
    mail = MailServer()
    threading.Thread(target=mail.serve_forever, daemon=True).start()
    stack = Stack(tmp)
    try:
        base = stack.start(mail.server_address[1])
        catalog, courses, dashboard = discover(base)
        log(f"{WORKERS} gunicorn workers and a Celery worker at {base}; {len(catalog[BUY_STORE])} products, "
            f"{len(dashboard)} dashboard lists; {USERS} users at {RATE:g} actions/s for {SECONDS} s")
        stats = Stats()
        pace, until = Pace(RATE), time.monotonic() + SECONDS
        started = time.monotonic()
        users = [User(base, stats, catalog, courses, dashboard, n) for n in range(USERS)]
        threads = [threading.Thread(target=user.run, args=(pace, until)) for user in users]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        requests_made = sum(stats.statuses.values())
        log(f"{requests_made} requests in {elapsed:.0f} s ({requests_made / elapsed:.1f}/s), "
            f"{sum(stats.actions.values())} actions {dict(stats.actions)}")
        log(f"statuses {dict(sorted(stats.statuses.items()))}; errors: {len(stats.errors)}")
        log(f"latency p50 {percentile(stats.latencies, 50) * 1000:.0f} ms, p95 "
            f"{percentile(stats.latencies, 95) * 1000:.0f} ms, p99 {percentile(stats.latencies, 99) * 1000:.0f} ms, "
            f"max {max(stats.latencies, default=0) * 1000:.0f} ms")
        for error in stats.errors[:20]:
            log(f"  error: {error}")
        problems = check_outcome(stack, stats)
        log(f"the mail server received {mail.count} emails")
        if stats.errors:
            problems.insert(0, f"{len(stats.errors)} errors")
        if not stats.paid:
            problems.append("no order was paid")
        for problem in problems:
            log(f"FAILED: {problem}")
        if not problems:
            log("OK: no errors; outbox delivered, ledger balanced, orders match")
        return 1 if problems else 0
    finally:
        stack.stop()
        mail.shutdown()
        if os.environ.get("SOAK_KEEP"):
            log(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
