"""Quality gates over every page the browser tests visit: the W3C Nu HTML checker and axe-core.

While the browser tests run, every browser context they open (pytest-playwright's `page`,
`context` and `new_context`, or `browser.new_context()` / `new_page()`) records the document it shows:
once when it is parsed (DOMContentLoaded) and again after every htmx swap or history restore, as
the browser serializes it (what `page.content()` returns). Contexts without JavaScript record
the document on each load from Python. Identical snapshots are kept once.

At the end of the session tests/browser/test_quality_gates.py checks them all:

- one run of the Nu checker (`vnu.jar --errors-only`, a single JVM) over every snapshot, in the
  background while axe-core runs: any error fails with its URL, line and message;
- axe-core on every distinct snapshot, replayed in a fresh page (the same URL, the server's
  stylesheets, no page scripts) at each viewport width it was shown at (a page a test opened at
  390 px is checked at 390 px too): any violation of any impact fails with its rule and elements.
  On two cores the documents are split between the session's Chromium and a second one in a child
  process (every other document), so the check takes about half as long.

Both tools come from npm at pinned versions, installed by scripts/test.sh into a cache outside
the repository, which exports their paths:

    VOLMIFY_VNU_JAR   path of vnu.jar (npm package vnu-jar)
    VOLMIFY_AXE_JS    path of axe.min.js (npm package axe-core)
    VOLMIFY_JAVA      the java executable (default: java on PATH)

Without them the gates skip, except under CI=true, where they fail. A new page is checked as soon
as a browser test visits it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

BINDING = "__volmifyQualitySnapshot"

# Runs in every document before the page's own scripts. Serializes the document the way
# Playwright's page.content() does, when it is parsed and after each htmx swap (debounced to one
# snapshot per swap: out-of-band swaps settle in the same task).
SNAPSHOT_SCRIPT = """
(() => {
  if (window.top !== window || typeof window.__BINDING__ !== "function") return;
  const send = (event) => {
    if (document.contentType !== "text/html" || !document.documentElement) return;
    let html = document.doctype ? new XMLSerializer().serializeToString(document.doctype) : "";
    html += document.documentElement.outerHTML;
    window.__BINDING__({url: location.href, event: event, html: html}).catch(() => {});
  };
  let pending = null;
  const afterSwap = (event) => {
    if (pending) return;
    pending = event;
    queueMicrotask(() => { const e = pending; pending = null; send(e); });
  };
  document.addEventListener("DOMContentLoaded", () => send("load"));
  document.addEventListener("htmx:afterSettle", () => afterSwap("htmx swap"));
  document.addEventListener("htmx:historyRestore", () => afterSwap("history restore"));
})();
""".replace("__BINDING__", BINDING)

# Values that differ between otherwise identical pages (per-session CSRF tokens).
_VOLATILE = [
    (re.compile(r'(<meta name="csrf-token" content=")[^"]*'), r"\1"),
    (re.compile(r'(<input[^>]*name="csrf_token"[^>]*value=")[^"]*'), r"\1"),
]


def is_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("true", "1")


@dataclass
class Snapshot:
    """One distinct document, and every (test, URL, moment) that showed it."""

    url: str
    html: str
    visits: list[tuple[str, str, str]] = field(default_factory=list)  # (test, url, event)
    widths: set[int] = field(default_factory=set)  # the viewport widths it was shown at

    @property
    def path(self) -> str:
        """The URL without scheme and port (the host stays: a market domain is its own site)."""
        parts = urlsplit(self.url)
        host = parts.hostname or ""
        return f"{'' if host == '127.0.0.1' else host}{parts.path}{'?' + parts.query if parts.query else ''}"

    @property
    def route(self) -> str:
        """The page this document is an instance of: the path with ids, tokens and numbers generalized."""
        path = re.sub(r"/[0-9a-f]{32}(?=/|$)", "/<id>", self.path)
        path = re.sub(r"/account/(reset|verify)/[^/?]+", r"/account/\1/<token>", path)
        path = re.sub(r"/orders/[A-Z]+-\d+", "/orders/<number>", path)
        return re.sub(r"/submissions/[^/?]+", "/submissions/<id>", path)

    def describe(self) -> str:
        test, _url, event = self.visits[0]
        more = f" (+{len(self.visits) - 1} more visits)" if len(self.visits) > 1 else ""
        widths = "" if self.widths <= {DEFAULT_WIDTH} else " at " + ", ".join(f"{w} px" for w in sorted(self.widths))
        return f"{self.path}{widths} [{event}, {test}{more}]"


DEFAULT_WIDTH = 1280  # pytest-playwright's default viewport is 1280 × 720


def viewport_width(page) -> int | None:
    """The width of ``page``'s viewport (None when unknown)."""
    size = page.viewport_size if page is not None else None
    return size["width"] if size else None


class PageRecorder:
    """Collects the distinct documents the browser tests' contexts show."""

    def __init__(self) -> None:
        self.snapshots: dict[str, Snapshot] = {}
        self.current_test = "(session setup)"
        self.visits = 0

    def record(self, url: str, event: str, html: str, width: int | None = None) -> None:
        if not url.startswith("http"):
            return
        normalized = html
        for pattern, replacement in _VOLATILE:
            normalized = pattern.sub(replacement, normalized)
        key = hashlib.sha256(f"{urlsplit(url).path}\n{normalized}".encode()).hexdigest()
        snapshot = self.snapshots.setdefault(key, Snapshot(url=url, html=html))
        snapshot.visits.append((self.current_test, url, event))
        snapshot.widths.add(width or DEFAULT_WIDTH)
        self.visits += 1

    def watch(self, context, *, javascript: bool = True) -> None:
        """Record every document shown in ``context`` (a Playwright BrowserContext)."""
        if javascript:
            context.expose_binding(BINDING, lambda source, data: self.record(
                data["url"], data["event"], data["html"], viewport_width(source.get("page"))))
            context.add_init_script(script=SNAPSHOT_SCRIPT)
            return
        # No scripts run in the page: ask for the document from Python after each load.
        def on_page(page) -> None:
            def on_load(loaded_page) -> None:
                try:
                    self.record(loaded_page.url, "load (no JavaScript)", loaded_page.content(),
                                viewport_width(loaded_page))
                except Exception:  # noqa: BLE001 - closed or navigated away meanwhile: nothing to record
                    pass

            page.on("domcontentloaded", on_load)

        context.on("page", on_page)

    def hook(self, browser) -> None:
        """Make ``browser.new_context()`` and ``browser.new_page()`` watch their context, until ``unhook()``."""
        originals = {"new_context": browser.new_context, "new_page": browser.new_page}

        def new_context(*args, **kwargs):
            context = originals["new_context"](*args, **kwargs)
            self.watch(context, javascript=kwargs.get("java_script_enabled", True) is not False)
            return context

        def new_page(*args, **kwargs):  # a page in a context of its own; nothing loaded in it yet
            page = originals["new_page"](*args, **kwargs)
            self.watch(page.context, javascript=kwargs.get("java_script_enabled", True) is not False)
            return page

        browser.new_context = new_context
        browser.new_page = new_page

        def unhook() -> None:
            for name, original in originals.items():
                setattr(browser, name, original)

        self._unhook = unhook

    def unhook(self) -> None:
        getattr(self, "_unhook", lambda: None)()


@pytest.fixture(scope="session")
def page_recorder(browser):
    """The session's PageRecorder, watching every context opened on the session's browser."""
    recorder = PageRecorder()
    recorder.hook(browser)
    yield recorder
    recorder.unhook()


@pytest.fixture(autouse=True)
def _record_visited_pages(page_recorder, request):
    """Autouse in tests/browser (imported by its conftest): name the test that visits a page."""
    page_recorder.current_test = request.node.nodeid
    yield
    page_recorder.current_test = "(between tests)"


GATES_MODULE = "test_quality_gates.py"


def run_gates_last(items) -> None:
    """Move the quality gate tests to the end of the session (they check what the others visited)."""
    items.sort(key=lambda item: Path(str(item.path)).name == GATES_MODULE)


# ---- the tools ----------------------------------------------------------------------------------

@dataclass
class Tools:
    java: str
    vnu_jar: Path
    axe_js: Path


def tools() -> Tools:
    """The checker paths from the environment, or skip (fail under CI) when one is missing."""
    java = shutil.which(os.environ.get("VOLMIFY_JAVA", "java"))
    vnu = os.environ.get("VOLMIFY_VNU_JAR", "")
    axe = os.environ.get("VOLMIFY_AXE_JS", "")
    missing = []
    if not java:
        missing.append("java (VOLMIFY_JAVA or java on PATH)")
    if not vnu or not Path(vnu).is_file():
        missing.append(f"vnu.jar (VOLMIFY_VNU_JAR={vnu!r})")
    if not axe or not Path(axe).is_file():
        missing.append(f"axe.min.js (VOLMIFY_AXE_JS={axe!r})")
    if missing:
        reason = "quality gate tools missing: " + ", ".join(missing) + " (scripts/test.sh browser installs them)"
        if is_ci():
            pytest.fail(reason)
        pytest.skip(reason)
    return Tools(java=java, vnu_jar=Path(vnu), axe_js=Path(axe))


# ---- Nu HTML checker ----------------------------------------------------------------------------

@dataclass
class NuError:
    file: str
    line: int
    column: int
    message: str
    extract: str

    def __str__(self) -> str:
        extract = " ".join(self.extract.split())
        return f"  line {self.line}, column {self.column}: {self.message}\n      {extract}"


class NuRun:
    """One run of the Nu checker (one JVM) over ``documents`` (name -> HTML), started at once in the
    background: the gates check the pages with axe-core meanwhile. ``errors()`` waits for it."""

    def __init__(self, java: str, vnu_jar: Path, documents: dict[str, str], workdir: Path) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        self.documents = documents
        self.files: dict[str, str] = {}  # the checker's URL of each file -> name
        paths = []
        for index, (name, html) in enumerate(documents.items()):
            path = (workdir / f"page-{index:04d}.html").resolve()
            path.write_text(html, encoding="utf-8")
            self.files[f"file:{path}"] = name
            paths.append(str(path))
        # Output to files, not pipes: a report larger than a pipe's buffer must not stall the JVM.
        self._stdout = open(workdir / "vnu.stdout", "w+", encoding="utf-8")  # noqa: SIM115
        self._stderr = open(workdir / "vnu.stderr", "w+", encoding="utf-8")  # noqa: SIM115
        self.process = subprocess.Popen([java, "-jar", str(vnu_jar), "--errors-only", "--format", "json", *paths],
                                        stdout=self._stdout, stderr=self._stderr, text=True)
        self._errors: dict[str, list[NuError]] | None = None

    def errors(self) -> dict[str, list[NuError]]:
        """The errors per name (waits for the checker; parsed once)."""
        if self._errors is None:
            self._errors = self._collect()
        return self._errors

    def _collect(self) -> dict[str, list[NuError]]:
        try:
            returncode = self.process.wait(timeout=600)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise
        outputs = []
        for handle in (self._stdout, self._stderr):
            handle.seek(0)
            outputs.append(handle.read())
            handle.close()
        stdout, stderr = outputs
        output = stderr or stdout
        try:  # the JSON report, after anything the JVM printed first (e.g. "Picked up JAVA_TOOL_OPTIONS")
            report = json.loads(output[output.index('{"'):])
        except ValueError as exc:  # no report, or not JSON
            raise AssertionError(f"the Nu checker did not answer with JSON (exit {returncode}):\n"
                                 f"{stdout[-2000:]}\n{stderr[-2000:]}") from exc
        errors: dict[str, list[NuError]] = {name: [] for name in self.documents}
        for message in report.get("messages", []):
            if message.get("type") not in ("error", "non-document-error"):
                continue
            name = self.files.get(message.get("url", ""))
            if name is None:
                raise AssertionError(f"the Nu checker failed: {message}")
            errors[name].append(NuError(file=message["url"].removeprefix("file:"), line=message.get("lastLine", 0), column=message.get("firstColumn", 0),
                                        message=message.get("message", ""), extract=message.get("extract", "")))
        return errors

    def stop(self) -> None:
        """End the checker if it still runs (a session that ended early)."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        for handle in (self._stdout, self._stderr):
            if not handle.closed:
                handle.close()


def nu_check(java: str, vnu_jar: Path, documents: dict[str, str], workdir: Path) -> dict[str, list[NuError]]:
    """Validate ``documents`` (name -> HTML) with one run of the Nu checker; errors per name."""
    run = NuRun(java, vnu_jar, documents, workdir)
    try:
        return run.errors()
    finally:
        run.stop()


# ---- axe-core -----------------------------------------------------------------------------------

@dataclass
class AxeViolation:
    rule: str
    impact: str
    help: str
    targets: list[str]
    width: int = DEFAULT_WIDTH  # the viewport width it was found at

    def __str__(self) -> str:
        shown = ", ".join(self.targets[:5]) + (f" (+{len(self.targets) - 5} more)" if len(self.targets) > 5 else "")
        at = "" if self.width == DEFAULT_WIDTH else f" at {self.width} px"
        return f"  {self.rule} ({self.impact}){at}: {self.help}\n      {shown}"


def axe_check(browser, axe_js: Path, documents: dict[str, tuple[str, str]],
              widths: dict[str, set[int]] | None = None) -> dict[str, list[AxeViolation]]:
    """Run axe-core on each document (name -> (URL, HTML)), replayed at its URL in a fresh page, once
    at each of its viewport ``widths`` (name -> widths; default: 1280 px only).

    The page gets the server's stylesheets and images (colour contrast, visibility) but runs no
    page scripts: the snapshot already is the state the scripts left.
    """
    context = browser.new_context()
    context.add_init_script(path=str(axe_js))
    page = context.new_page()
    current: dict[str, str] = {}

    def serve(route) -> None:
        request = route.request
        if request.is_navigation_request() and request.url == current.get("url"):
            route.fulfill(status=200, body=current["html"],
                          headers={"content-type": "text/html; charset=utf-8",
                                   "content-security-policy": "script-src 'none'"})
        elif request.resource_type in ("stylesheet", "image", "font", "media"):
            route.fallback()
        else:
            route.abort()

    page.route("**/*", serve)
    results: dict[str, list[AxeViolation]] = {}
    try:
        for name, (url, html) in documents.items():
            url = url.split("#")[0]  # a fragment alone would not load the document again
            current.update(url=url, html=html)
            results[name] = []
            for width in sorted((widths or {}).get(name) or {DEFAULT_WIDTH}):
                # the width the page was shown at (with a phone's height at phone widths)
                page.set_viewport_size({"width": width, "height": 844 if width < 600 else 720})
                page.goto(url, wait_until="load")
                # Embedded third-party frames (videos) are not ours to check, and load nothing here.
                found = page.evaluate(
                    "async () => (await axe.run(document, {resultTypes: ['violations'], iframes: false})).violations")
                results[name].extend(
                    AxeViolation(rule=v["id"], impact=v.get("impact") or "?", help=v.get("help", ""),
                                 targets=[" ".join(map(str, node.get("target", []))) for node in v.get("nodes", [])],
                                 width=width)
                    for v in found
                )
    finally:
        context.close()
    return results
