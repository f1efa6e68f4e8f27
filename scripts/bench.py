#!/usr/bin/env python3
"""Throughput of key pages relative to a trivial route of the same app (`make bench`).

Usage: python scripts/bench.py --base http://127.0.0.1:PORT [--duration 5] [--tool auto|wrk|python]
(scripts/bench.sh starts gunicorn on a seeded throwaway database and calls this.)

Absolute requests/sec depend on the machine and the load generator shares its cores, so the
figure that matters is each page's ratio to `/ping` (no database work) measured in the same
run. A target with `enforce=True` whose kind is storefront/product/lesson fails the run when
its ratio is below MIN_RATIO. Any target answering with errors or non-2xx/3xx fails the run.

Results are also written to .bench/results.json.
"""

from __future__ import annotations

import argparse
import http.client
import json
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlsplit

BASELINE = "/ping"
MIN_RATIO = 0.25
ENFORCED_KINDS = {"storefront", "product", "lesson"}


@dataclass(frozen=True)
class Target:
    path: str
    kind: str  # storefront | product | lesson | other
    enforce: bool = False  # fail the run when ratio < MIN_RATIO (storefront/product/lesson only)
    follow_redirect: bool = False  # measure where the path redirects to (e.g. a lesson with a generated id)


# Add demo storefront, product and lesson URLs here as the pages land (paths from `flask seed info`).
TARGETS: list[Target] = [
    Target("/", "other"),  # platform home page
    Target("/healthz", "other"),
    Target("/acme/us/en/", "storefront", enforce=True),
    Target("/acme/eu/de/", "storefront", enforce=True),
    Target("/acme/us/en/?type=course&sort=price_asc", "storefront", enforce=True),
    Target("/acme/eu/de/products/python-for-data-analysis", "product", enforce=True),
    # The course URL redirects a visitor to the showcase course's first lesson (a free preview).
    Target("/acme/us/en/learn/python-for-data-analysis/", "lesson", enforce=True, follow_redirect=True),
]


@dataclass
class Result:
    path: str
    kind: str
    enforce: bool
    rps: float
    requests: int
    bad_responses: int
    errors: int
    tool: str
    ratio: float | None = None
    verdict: str = ""


# ---- load generators --------------------------------------------------------------------

_RPS = re.compile(r"Requests/sec:\s*([\d.]+)")
_TOTAL = re.compile(r"(\d+) requests in")
_NON2XX = re.compile(r"Non-2xx or 3xx responses:\s*(\d+)")
_SOCKET = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")


def run_wrk(url: str, duration: int, connections: int, threads: int) -> tuple[float, int, int, int]:
    out = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency", url],
        capture_output=True, text=True, check=True,
    ).stdout
    rps = float(_RPS.search(out).group(1))
    total = int(_TOTAL.search(out).group(1)) if _TOTAL.search(out) else 0
    bad = int(_NON2XX.search(out).group(1)) if _NON2XX.search(out) else 0
    errors = sum(int(n) for n in _SOCKET.search(out).groups()) if _SOCKET.search(out) else 0
    return rps, total, bad, errors


def run_python(url: str, duration: int, connections: int, _threads: int) -> tuple[float, int, int, int]:
    """Keep-alive HTTP/1.1 clients in threads: slower than wrk (the GIL), same for every URL."""
    parts = urlsplit(url)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    lock = threading.Lock()
    totals = {"ok": 0, "bad": 0, "errors": 0}
    deadline = time.perf_counter() + duration

    def worker():
        ok = bad = errors = 0
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        while time.perf_counter() < deadline:
            try:
                conn.request("GET", path)
                response = conn.getresponse()
                response.read()
                if 200 <= response.status < 400:
                    ok += 1
                else:
                    bad += 1
                if response.will_close:
                    conn.close()
            except (OSError, http.client.HTTPException):
                errors += 1
                conn.close()
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        conn.close()
        with lock:
            totals["ok"] += ok
            totals["bad"] += bad
            totals["errors"] += errors

    started = time.perf_counter()
    workers = [threading.Thread(target=worker, daemon=True) for _ in range(connections)]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    elapsed = time.perf_counter() - started
    done = totals["ok"] + totals["bad"]
    return done / elapsed, done, totals["bad"], totals["errors"]


# ---- main -------------------------------------------------------------------------------

def check_status(url: str) -> str | None:
    """One GET before the load: a problem description, or None when the page answers 2xx."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(url, timeout=15) as response:
            response.read()
            return None
    except urllib.error.HTTPError as exc:
        if 300 <= exc.code < 400:
            return f"redirects ({exc.code} -> {exc.headers.get('Location')}); benchmark the target instead"
        return f"answers HTTP {exc.code}"
    except OSError as exc:
        return f"unreachable: {exc}"


def redirect_target(url: str) -> str | None:
    """The Location a path redirects to (one GET, not followed), or None."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    try:
        with urllib.request.build_opener(NoRedirect).open(url, timeout=15):
            return None
    except urllib.error.HTTPError as exc:
        return exc.headers.get("Location") if 300 <= exc.code < 400 else None
    except OSError:
        return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", required=True, help="e.g. http://127.0.0.1:8000")
    parser.add_argument("--duration", type=int, default=5, help="seconds per URL")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--tool", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument("--path", action="append", default=[],
                        help="extra path to measure (kind 'other', not enforced); repeatable")
    parser.add_argument("--out", default=".bench/results.json")
    args = parser.parse_args(argv)

    tool = args.tool
    if tool == "auto":
        tool = "wrk" if shutil.which("wrk") else "python"
    if tool == "wrk" and not shutil.which("wrk"):
        print("bench: wrk not found", file=sys.stderr)
        return 2
    if tool == "python":
        why = "wrk not available, " if args.tool == "auto" else ""
        print(f"bench: {why}using the Python load generator (lower absolute numbers)")
    load = run_wrk if tool == "wrk" else run_python
    base = args.base.rstrip("/")

    targets = [Target(BASELINE, "baseline"), *TARGETS, *(Target(p, "other") for p in args.path)]
    results: list[Result] = []
    failed = False
    for target in targets:
        url = base + target.path
        if target.follow_redirect:
            location = redirect_target(url)
            if location:
                target = Target(urlsplit(location).path, target.kind, target.enforce)
                url = base + target.path
        problem = check_status(url)
        if problem:
            print(f"bench: {target.path} {problem}", file=sys.stderr)
            results.append(Result(target.path, target.kind, target.enforce, 0.0, 0, 0, 0, tool,
                                  verdict=f"FAIL ({problem})"))
            failed = True
            continue
        rps, total, bad, errors = load(url, args.duration, args.connections, args.threads)
        results.append(Result(target.path, target.kind, target.enforce, rps, total, bad, errors, tool))

    baseline = results[0]
    if baseline.rps <= 0:
        print(f"bench: the baseline {BASELINE} could not be measured", file=sys.stderr)
        failed = True
    for result in results:
        if result.verdict:
            continue
        if baseline.rps > 0:
            result.ratio = result.rps / baseline.rps
        if result.bad_responses or result.errors:
            result.verdict = f"FAIL ({result.bad_responses} non-2xx/3xx, {result.errors} socket errors)"
            failed = True
        elif result.enforce and result.kind in ENFORCED_KINDS and result.ratio is not None:
            if result.ratio < MIN_RATIO:
                result.verdict = f"FAIL (ratio < {MIN_RATIO})"
                failed = True
            else:
                result.verdict = "ok"
        else:
            result.verdict = "ok (not enforced)" if result.path != BASELINE else "baseline"

    print(f"\n{'path':<48} {'kind':<11} {'req/s':>10} {'vs /ping':>9}  verdict")
    for r in results:
        ratio = f"{r.ratio:.2f}" if r.ratio is not None else "-"
        print(f"{r.path:<48} {r.kind:<11} {r.rps:>10.1f} {ratio:>9}  {r.verdict}")
    print(f"\n{args.duration}s per URL, {args.connections} connections, tool: {tool}; "
          f"enforced minimum ratio {MIN_RATIO} for {'/'.join(sorted(ENFORCED_KINDS))} pages marked enforce")

    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"base": base, "duration": args.duration, "tool": tool,
                               "min_ratio": MIN_RATIO, "results": [asdict(r) for r in results]}, indent=2))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
