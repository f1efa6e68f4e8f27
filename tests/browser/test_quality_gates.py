"""Quality gates: every page the other browser tests visited (recorded by tests/browser/quality.py)
has 0 errors in the W3C Nu HTML checker and 0 axe-core violations of any impact.

These tests run last in the session (conftest.py orders them). A known-bad canary page goes
through the same single checker run, so a checker that silently stops reporting fails too.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.quality import GATES_MODULE, NuRun, Snapshot, axe_check, tools

CANARY = "canary"
# A page with the mistakes the gates exist for: an hx- attribute, a skipped heading level,
# an empty table header.
CANARY_HTML = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Canary</title></head>
<body><main>
<h1>Canary</h1>
<h3 hx-get="/somewhere">A skipped heading level</h3>
<table><tr><th></th><td>1</td></tr></table>
</main></body></html>
"""


@pytest.fixture(scope="module")
def visited(page_recorder, request) -> list[Snapshot]:
    """The distinct documents the session's other browser tests showed."""
    page_recorder.unhook()  # the checks' own pages are not part of the record
    others = [item for item in request.session.items if Path(str(item.path)).name != GATES_MODULE]
    snapshots = list(page_recorder.snapshots.values())
    if not snapshots:
        if others:
            pytest.fail(f"{len(others)} browser tests ran but no page was recorded: the recorder is broken")
        pytest.skip("no other browser test ran in this session: no visited pages to check")
    _summarize(request.config, snapshots)
    return snapshots


def _summarize(config, snapshots: list[Snapshot]) -> None:
    """One line on what the gates check (with -v, every page and how many snapshots it has)."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    capture = config.pluginmanager.get_plugin("capturemanager")
    if reporter is None or capture is None:
        return
    pages: dict[str, int] = {}
    for snapshot in snapshots:
        pages[snapshot.route] = pages.get(snapshot.route, 0) + 1
    tests = {test for snapshot in snapshots for test, _url, _event in snapshot.visits}
    with capture.global_and_fixture_disabled():
        reporter.write_line(f"\nquality gates: {len(snapshots)} distinct documents of {len(pages)} pages "
                            f"({sum(len(s.visits) for s in snapshots)} loads and htmx swaps in {len(tests)} tests)")
        if config.getoption("verbose") > 0:
            for route, count in sorted(pages.items()):
                reporter.write_line(f"  {count:3d}  {route}")


@pytest.fixture(scope="module")
def checker_tools():
    return tools()


@pytest.fixture(scope="module")
def nu_run(visited, checker_tools, tmp_path_factory):
    """One Nu checker run (one JVM) over the canary and every visited document, started in the
    background: the axe tests (first in this module) run meanwhile."""
    documents = {CANARY: CANARY_HTML, **{str(i): s.html for i, s in enumerate(visited)}}
    run = NuRun(checker_tools.java, checker_tools.vnu_jar, documents, tmp_path_factory.mktemp("nu"))
    yield run
    run.stop()


@pytest.fixture(scope="module")
def nu_errors(nu_run):
    """The Nu checker's errors per document (waits for the run)."""
    return nu_run.errors()


@pytest.fixture(scope="module")
def axe_violations(visited, checker_tools, browser, live_server, nu_run):
    """axe-core over the canary and every distinct visited document (the Nu checker runs meanwhile)."""
    documents = {CANARY: (f"{live_server}/quality-gate-canary", CANARY_HTML),
                 **{str(i): (s.url, s.html) for i, s in enumerate(visited)}}
    # each page at every width a test showed it at: the phone tests' pages at 390 px as well
    return axe_check(browser, checker_tools.axe_js, documents, {str(i): s.widths for i, s in enumerate(visited)})


def _fail_with_report(visited: list[Snapshot], found: dict, what: str) -> None:
    """Fail with one readable block per failing page (no traceback: the report is the message)."""
    failing = [(visited[int(name)], problems) for name, problems in found.items() if name != CANARY and problems]
    if not failing:
        return
    total = sum(len(problems) for _, problems in failing)
    lines = [f"{what}: {total} on {len(failing)} of {len(visited)} visited pages"]
    for snapshot, problems in sorted(failing, key=lambda pair: pair[0].path):
        saved = getattr(problems[0], "file", None)
        lines.append(f"\n{snapshot.describe()}" + (f"\n  checked as {saved} (KEEP_TMP=1 keeps it)" if saved else ""))
        lines.extend(str(problem) for problem in problems)
    pytest.fail("\n".join(lines), pytrace=False)


def test_axe_reports_skipped_headings_and_empty_table_headers(axe_violations):
    rules = {violation.rule for violation in axe_violations[CANARY]}
    assert {"heading-order", "empty-table-header"} <= rules, rules


def test_pages_shown_on_a_phone_are_checked_at_the_phones_width(visited):
    phone = [s for s in visited if any("test_phone_layout.py" in test for test, _url, _event in s.visits)]
    if not phone:
        pytest.skip("the phone layout test did not run in this session")
    assert all(390 in s.widths for s in phone), [(s.path, s.widths) for s in phone]


def test_every_visited_page_has_no_axe_violations(visited, axe_violations):
    _fail_with_report(visited, axe_violations, "axe-core violations")


def test_nu_checker_reports_hx_attributes_and_skipped_headings(nu_errors):
    messages = [error.message for error in nu_errors[CANARY]]
    assert any("“hx-get” not allowed" in message for message in messages), messages
    assert any("skipping 1 heading level" in message for message in messages), messages


def test_every_visited_page_passes_the_nu_html_checker(visited, nu_errors):
    _fail_with_report(visited, nu_errors, "Nu HTML checker errors")
