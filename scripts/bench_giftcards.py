#!/usr/bin/env python3
"""Issuing 10,000 gift cards in one request, as an admin does it (issue 13's acceptance, `make bench`).

    python scripts/bench_giftcards.py --base http://127.0.0.1:PORT [--count 10000] [--max-seconds 30]

Signs in as the demo admin (the login form's CSRF token, then the session cookie), opens the
dashboard's issue form for its CSRF token, POSTs count, amount and currency to
/dashboard/acme/giftcards/new, and times that request (it must finish within the request timeout,
gunicorn's default 30 s). Then downloads the batch's CSV (/dashboard/acme/giftcards/issued.csv, in
the same session) and checks it holds ``count`` distinct codes. Results go to .bench/giftcards.json.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import re
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_export import Browser, log_in  # noqa: E402  (scripts/ is not a package)

ORG = "acme"
ADMIN = "admin@acme.test"
FORM = f"/dashboard/{ORG}/giftcards/new"
CSV = f"/dashboard/{ORG}/giftcards/issued.csv"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", required=True)
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--amount", default="25.00")
    parser.add_argument("--currency", default="USD")
    parser.add_argument("--max-seconds", type=float, default=30.0, help="the request timeout to stay within")
    parser.add_argument("--out", default=".bench/giftcards.json")
    args = parser.parse_args(argv)

    browser = Browser(args.base)
    log_in(browser, os.environ.get("DEMO_PASSWORD", "volmify-demo"), email=ADMIN)
    status, page = browser.get_text(FORM)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    if status != 200 or not token:
        print(f"bench_giftcards: no issue form at {FORM} (HTTP {status})", file=sys.stderr)
        return 1
    body = urlencode({"csrf_token": token.group(1), "count": args.count, "amount": args.amount,
                      "currency_code": args.currency, "note": "make bench"}).encode()
    started = time.perf_counter()
    conn, response = browser.request("POST", FORM, body, {"Content-Type": "application/x-www-form-urlencoded"})
    response.read()
    conn.close()
    issue_seconds = time.perf_counter() - started

    failures = []
    if response.status not in (302, 303):
        failures.append(f"issuing answered HTTP {response.status}, not a redirect to the codes")
    started = time.perf_counter()
    status, text = browser.get_text(CSV)
    csv_seconds = time.perf_counter() - started
    rows = list(csv.reader(io.StringIO(text)))[1:] if status == 200 else []
    codes = {row[0] for row in rows if row}
    if status != 200:
        failures.append(f"the CSV answered HTTP {status}")
    elif len(rows) != args.count or len(codes) != args.count:
        failures.append(f"the CSV holds {len(rows)} rows and {len(codes)} distinct codes, expected {args.count}")
    if issue_seconds > args.max_seconds:
        failures.append(f"issuing took {issue_seconds:.1f}s > {args.max_seconds:.0f}s")
    verdict = "FAIL (" + "; ".join(failures) + ")" if failures else "ok"
    print(f"\nGift cards: {args.count} issued in one request in {issue_seconds:.2f}s (limit {args.max_seconds:.0f}s); "
          f"CSV of {len(codes)} distinct codes in {csv_seconds:.2f}s: {verdict}")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"count": args.count, "issue_seconds": round(issue_seconds, 2),
                               "csv_seconds": round(csv_seconds, 2), "distinct_codes": len(codes),
                               "max_seconds": args.max_seconds, "verdict": verdict}, indent=2))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
