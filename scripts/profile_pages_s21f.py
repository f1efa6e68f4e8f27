#!/usr/bin/env python3
"""In-process cost of the product page and the lesson pages (visitor, signed-in learner) with the
storefront cache off, against /ping, in one run (ratios comparable on a shared machine).

Usage: .venv/bin/python scripts/profile_pages_s21f.py [-n 200] [--profile product|visitor|learner]
       [--sql]  (print the statements of one request of each page)
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TMP = tempfile.mkdtemp(prefix="s21f-profile-")
os.environ.update({
    "VOLMIFY_ENV": "production", "VOLMIFY_INSTANCE_DIR": TMP, "DATABASE_URL": f"sqlite:///{TMP}/p.sqlite3",
    "STOREFRONT_CACHE_SECONDS": "0", "EMAIL_TEST_DOMAINS": "1", "SECRET_KEY": "profile", "PUBLIC_URL": "http://localhost",
    "SESSION_COOKIE_SECURE": "0", "LOGIN_RATE_LIMIT": "1000 per minute", "HSTS": "0",
})
os.environ.pop("REDIS_URL", None)

import sqlalchemy as sa  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402

PRODUCT = "/acme/eu/de/products/python-for-data-analysis"
COURSE = "/acme/us/en/learn/python-for-data-analysis/"


def setup():
    app = create_app()
    with app.app_context():
        db.create_all()
        from app.demo import load_demo
        load_demo()
        db.session.commit()
        db.session.remove()
    return app


def client_for(app, email=None):
    client = app.test_client()
    if email:
        page = client.get("/account/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        data = {"email": email, "password": "volmify-demo"}
        if token:
            data["csrf_token"] = token.group(1)
        response = client.post("/account/login", data=data, headers={"Referer": "https://localhost/account/login"})
        assert response.status_code in (302, 303), (response.status_code, response.get_data(as_text=True)[:3000])
    return client


def split(app, pages, n):
    """Accumulated CPU time per wrapped function, per page."""
    import importlib
    totals: dict[str, float] = {}

    def wrap(owner, attr, label):
        original = getattr(owner, attr)

        def timed(*args, **kwargs):
            started = time.process_time()
            try:
                return original(*args, **kwargs)
            finally:
                totals[label] = totals.get(label, 0.0) + time.process_time() - started
        setattr(owner, attr, timed)

    targets = [
        ("app.catalog.pages", "product_page", "product data"),
        ("app.catalog.views", "render", "render (page)"),
        ("app.learn.views", "load_player", "load_player"),
        ("app.learn.views", "render", "render (page)"),
        ("app.learn.views", "write_transaction", "write_transaction (enter)"),
        ("app.learn.progress", "record_visit", "record_visit"),
        ("app.learn.progress", "visit_of", "visit_of"),
        ("app.learn.player", "_course_product", "  _course_product"),
        ("app.learn.player", "member_of", "  member_of"),
        ("app.learn.player", "member_access_tier", "  member_access_tier"),
        ("app.learn.player", "member_progress", "  member_progress"),
        ("app.learn.certificates", "existing", "  certificates.existing"),
        ("app.learn.player", "can_preview", "  can_preview"),
        ("app.learn.player", "course_syllabus", "  course_syllabus"),
        ("app.learn.player", "_current_placement", "  _current_placement"),
        ("app.catalog.queries", "published_product", "  published_product"),
        ("app.catalog.queries", "offers_in_market", "  offers_in_market"),
        ("app.catalog.pages", "load_syllabus", "  load_syllabus"),
    ]
    for module, attr, label in targets:
        wrap(importlib.import_module(module), attr, label)
    original_include = app.jinja_env.globals["cached_include"]
    from jinja2 import pass_context

    @pass_context
    def include(context, *a, **k):
        started = time.process_time()
        try:
            return original_include(context, *a, **k)
        finally:
            totals["cached_include"] = totals.get("cached_include", 0.0) + time.process_time() - started
    app.jinja_env.globals["cached_include"] = include
    for name, (client, path) in pages.items():
        totals.clear()
        client.get(path)
        totals.clear()
        started = time.process_time()
        for _ in range(n):
            client.get(path)
        total = (time.process_time() - started) * 1000 / n
        parts = ", ".join(f"{k} {v * 1000 / n:.2f}" for k, v in sorted(totals.items(), key=lambda kv: -kv[1]))
        print(f"{name:8s} {total:6.2f} ms: {parts}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=200)
    parser.add_argument("--profile", default="")
    parser.add_argument("--sql", action="store_true")
    parser.add_argument("--calls", action="store_true", help="Python function calls per request (deterministic)")
    parser.add_argument("--dump", default="", help="write each page's HTML (ids and tokens masked) to this folder")
    parser.add_argument("--split", action="store_true", help="time the parts of each page (data, body, page)")
    args = parser.parse_args()
    app = setup()
    import gc
    gc.collect()
    gc.freeze()  # as wsgi.py does after start-up
    visitor = client_for(app)
    learner = client_for(app, "learner@acme.test")
    lesson = visitor.get(COURSE).headers["Location"]
    learner_lesson = learner.get(COURSE).headers["Location"]
    pages = {
        "ping": (visitor, "/ping"),
        "product": (visitor, PRODUCT),
        "visitor": (visitor, lesson),
        "learner": (learner, learner_lesson),
    }
    for name, (client, path) in pages.items():
        response = client.get(path)
        assert response.status_code == 200, (name, path, response.status_code)
    if args.sql:
        with app.app_context():
            engine = db.engine
        for name, (client, path) in pages.items():
            seen: list[str] = []

            def listener(*a, seen=seen):
                seen.append(" ".join(a[2].split())[:160])
            sa.event.listen(engine, "before_cursor_execute", listener)
            client.get(path)
            sa.event.remove(engine, "before_cursor_execute", listener)
            print(f"--- {name} {path}: {len(seen)} statements")
            for s in seen:
                print("   ", s)
    if args.dump:
        Path(args.dump).mkdir(parents=True, exist_ok=True)
        for name, (client, path) in pages.items():
            html = client.get(path).get_data(as_text=True)
            html = re.sub(r"[0-9a-f]{32}", "ID", html)
            html = re.sub(r'(csrf[-_]token"? (?:content|value)=")[^"]+', r"\1TOKEN", html)
            html = re.sub(r'(name="csrf_token" value=")[^"]+', r"\1TOKEN", html)
            Path(args.dump, name + ".html").write_text(html)
        return
    if args.calls:
        for name, (client, path) in pages.items():
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(20):
                client.get(path)
            profiler.disable()
            calls = pstats.Stats(profiler).total_calls / 20
            print(f"{name:8s} {calls:8.0f} calls/request")
        return
    if args.split:
        split(app, pages, args.n)
        return
    if args.profile:
        client, path = pages[args.profile]
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.n):
            client.get(path)
        profiler.disable()
        stats = pstats.Stats(profiler).sort_stats("cumulative")
        stats.print_stats(60)
        stats.sort_stats("tottime").print_stats(30)
        return
    results = {}
    for _round in range(5):
        for name, (client, path) in pages.items():
            started = time.process_time()
            for _ in range(args.n):
                client.get(path)
            ms = (time.process_time() - started) * 1000 / args.n
            results[name] = min(results.get(name, 1e9), ms)
    ping = results["ping"]
    for name, ms in results.items():
        print(f"{name:8s} {ms:7.2f} ms/request  ratio to /ping {ping / ms * 100:5.1f}%")


if __name__ == "__main__":
    main()
