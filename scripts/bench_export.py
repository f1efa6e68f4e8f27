#!/usr/bin/env python3
"""The streamed CSV export of a dashboard list under `make bench` (scripts/bench.sh).

    python scripts/bench_export.py seed --rows 100000
        before the server starts: add ROWS assignment submissions to the demo's Acme academy in
        the database of DATABASE_URL (fast bulk inserts, no services: this is load, not data)
    python scripts/bench_export.py measure --base http://127.0.0.1:PORT --server-pid PID --rows 100000
        sign in as the demo admin, download /dashboard/acme/submissions?format=csv&status=all
        from the running gunicorn and report rows, size, time to the first byte, rows/s and how
        much the serving worker's peak memory (VmHWM, reset before the download) grew

The export is streamed (app/web/tables.py: yield_per batches written by a generator), so the
worker's peak memory must not grow with the number of rows: the run fails when it grows by more
than --max-growth-mb (default 64 MB; loading 100,000 rows at once takes several hundred) or when
the file does not hold every row. Results go to .bench/export.json.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import sys
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ORG = "acme"
ADMIN = "admin@acme.test"
EXPORT_PATH = f"/dashboard/{ORG}/submissions?format=csv&status=all"
PAGE_PATH = f"/dashboard/{ORG}/submissions?status=all"


# ---- seed (in-process, before the server starts) ----------------------------------------------------

def seed(rows: int) -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import sqlalchemy as sa

    from app import create_app
    from app.courses.models import OrgLesson, OrgProductCourseModuleSectionLesson
    from app.db import new_id, utcnow
    from app.extensions import db
    from app.learn.models import OrgMemberAssignmentSubmission
    from app.orgs.models import Org, OrgMember

    app = create_app()
    with app.app_context():
        org = db.session.scalar(sa.select(Org).where(Org.slug == ORG))
        if org is None:
            print("bench_export: the demo org is missing (run `flask seed demo` first)", file=sys.stderr)
            return 1
        placement = db.session.execute(
            sa.select(OrgProductCourseModuleSectionLesson.id, OrgLesson.id)
            .join(OrgLesson, OrgLesson.id == OrgProductCourseModuleSectionLesson.lesson_id)
            .where(OrgLesson.org_id == org.id, OrgLesson.type == "assignment").limit(1)).first()
        members = db.session.scalars(sa.select(OrgMember.id).where(OrgMember.org_id == org.id)).all()
        if placement is None or not members:
            print("bench_export: the demo has no assignment lesson or no member", file=sys.stderr)
            return 1
        placement_id, lesson_id = placement
        start = utcnow() - timedelta(days=200)
        filler = "A realistic answer, with a few sentences of text, commas, \"quotes\" and a line break.\nIt ends here."
        chunk = 5000
        started = time.perf_counter()
        for offset in range(0, rows, chunk):
            batch = []
            for i in range(offset, min(offset + chunk, rows)):
                at = start + timedelta(seconds=i * 60)
                batch.append({
                    "id": new_id(), "org_id": org.id, "member_id": members[i % len(members)], "lesson_id": lesson_id,
                    "placement_id": placement_id, "body": f"{i}: {filler}", "status": "submitted",
                    "created_at": at, "updated_at": at,
                })
            db.session.execute(sa.insert(OrgMemberAssignmentSubmission), batch)
        db.session.commit()
        print(f"bench_export: added {rows} submissions in {time.perf_counter() - started:.1f}s", file=sys.stderr)
    return 0


# ---- measure (over HTTP, against the running server) ---------------------------------------------------

class Browser:
    """Just enough of a browser: one connection, cookies kept by hand (the session cookie is
    `Secure` in production, and the benchmark talks plain HTTP to 127.0.0.1)."""

    def __init__(self, base: str) -> None:
        parts = urlsplit(base)
        self.host, self.port = parts.hostname, parts.port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        conn = http.client.HTTPConnection(self.host, self.port, timeout=600)
        all_headers = dict(headers or {})
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        conn.request(method, path, body=body, headers=all_headers)
        response = conn.getresponse()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        return conn, response

    def get_text(self, path: str) -> tuple[int, str]:
        conn, response = self.request("GET", path)
        try:
            return response.status, response.read().decode("utf-8", "replace")
        finally:
            conn.close()


def log_in(browser: Browser, password: str, email: str = ADMIN) -> None:
    status, page = browser.get_text("/account/login")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    if status != 200 or not token:
        raise SystemExit(f"bench_export: no login form (HTTP {status})")
    body = urlencode({"csrf_token": token.group(1), "email": email, "password": password}).encode()
    conn, response = browser.request("POST", "/account/login", body,
                                     {"Content-Type": "application/x-www-form-urlencoded"})
    response.read()
    conn.close()
    if response.status not in (302, 303):
        raise SystemExit(f"bench_export: logging in as {email} failed (HTTP {response.status})")
    # Follow the redirect as a browser does: the page shows (and so clears) the flashed "You are
    # logged in.", and the browser keeps the session cookie without it. The benchmark replays the
    # cookie it holds on every request: the login's own would make each of them show the message
    # again and set a new cookie (a write of the session that no real browser causes twice).
    location = urlsplit(response.getheader("Location") or "/")
    browser.get_text(location.path + (f"?{location.query}" if location.query else ""))


def workers(server_pid: int) -> list[int]:
    """The gunicorn workers: the children of the master process."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == server_pid:
                found.append(int(entry.name))
    return found


def memory_kb(pid: int, field: str) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def reset_peak(pid: int) -> bool:
    """Set the process's peak RSS (VmHWM) to its current RSS (Linux: clear_refs 5)."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def measure(base: str, server_pid: int, rows: int, max_growth_mb: float, out: Path) -> int:
    password = os.environ.get("DEMO_PASSWORD", "volmify-demo")
    browser = Browser(base)
    log_in(browser, password)
    for _ in range(2):  # warm up: imports, templates, the first queries
        status, _page = browser.get_text(PAGE_PATH)
        if status != 200:
            print(f"bench_export: {PAGE_PATH} answers HTTP {status}", file=sys.stderr)
            return 1
    pids = workers(server_pid)
    before = {pid: memory_kb(pid, "VmRSS") for pid in pids}
    peaks_reset = all(reset_peak(pid) for pid in pids) if pids else False

    started = time.perf_counter()
    conn, response = browser.request("GET", EXPORT_PATH)
    first_byte = None
    size = lines = 0
    previous = b""
    while True:
        chunk = response.read(65536)
        if not chunk:
            break
        if first_byte is None:
            first_byte = time.perf_counter() - started
        size += len(chunk)
        lines += chunk.count(b"\r\n") + (previous.endswith(b"\r") and chunk.startswith(b"\n"))
        previous = chunk
    elapsed = time.perf_counter() - started
    conn.close()
    status = response.status

    growth_kb = None
    if pids and peaks_reset:
        growth_kb = max((memory_kb(pid, "VmHWM") or 0) - (before[pid] or 0) for pid in pids)
    result = {
        "path": EXPORT_PATH, "status": status, "expected_rows": rows, "csv_records": lines - 1,
        "bytes": size, "seconds": round(elapsed, 2), "first_byte_seconds": round(first_byte or 0, 3),
        "rows_per_second": round((lines - 1) / elapsed, 1) if elapsed else None,
        "peak_rss_growth_mb": round(growth_kb / 1024, 1) if growth_kb is not None else None,
        "max_growth_mb": max_growth_mb,
    }
    failures = []
    if status != 200:
        failures.append(f"HTTP {status}")
    # Every submission of the org is exported (the seeded ones and any the demo had); CSV records
    # end with CRLF, the answers' own line breaks are LF.
    if lines - 1 < rows:
        failures.append(f"{lines - 1} records, expected at least {rows}")
    if growth_kb is not None and growth_kb / 1024 > max_growth_mb:
        failures.append(f"the worker's peak memory grew by {growth_kb / 1024:.0f} MB (limit {max_growth_mb:.0f} MB)")
    result["verdict"] = "FAIL (" + "; ".join(failures) + ")" if failures else "ok"

    print(f"\nCSV export of {lines - 1} rows ({size / 1e6:.1f} MB): {elapsed:.1f}s, first byte after "
          f"{(first_byte or 0) * 1000:.0f} ms, {result['rows_per_second']} rows/s; worker peak memory "
          + (f"+{growth_kb / 1024:.1f} MB" if growth_kb is not None else "not measured (no /proc)")
          + f": {result['verdict']}")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    return 1 if failures else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("seed")
    s.add_argument("--rows", type=int, default=100_000)
    m = sub.add_parser("measure")
    m.add_argument("--base", required=True)
    m.add_argument("--server-pid", type=int, required=True)
    m.add_argument("--rows", type=int, default=100_000)
    m.add_argument("--max-growth-mb", type=float, default=64.0)
    m.add_argument("--out", default=".bench/export.json")
    args = parser.parse_args(argv)
    if args.command == "seed":
        return seed(args.rows)
    return measure(args.base, args.server_pid, args.rows, args.max_growth_mb, Path(args.out))


if __name__ == "__main__":
    sys.exit(main())
