"""scripts/bench.py's verdict on a page measured on a machine whose speed varies (issue 15): a page
below its ratio in one run is measured twice more and the median run counts."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

_SCRIPTS = Path(__file__).resolve().parent.parent / "scripts"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("volmify_bench", _SCRIPTS / "bench.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # (dataclasses look their module up)
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.modules.pop(spec.name, None)


def _verdict(bench, page_runs, ping_runs):
    """The catalog page's result on the PostgreSQL stage, cache off (target 12%): its first run
    ``page_runs[0]`` bracketed by /ping ``ping_runs[0:2]``, further runs as the bench asks."""
    load = lambda rps: bench.Load(rps=rps, requests=int(rps * 5), bad=0, errors=0, p50_ms=1.0, p99_ms=2.0)  # noqa: E731
    pages, pings = iter(page_runs[1:]), iter(ping_runs[2:])
    result = bench.Result("/acme/us/en/", "storefront", "catalog", None, rps=page_runs[0])
    result.baseline_rps = bench.bracketing(ping_runs[0], ping_runs[1])
    if bench.below_target(result, "postgres", "off"):
        bench.confirm(result, load(page_runs[0]), ping_runs[1], lambda: load(next(pages)), lambda: next(pings))
    bench.check_targets(result, "postgres", "off", 5000.0)
    return result


def test_one_slow_run_is_measured_again_and_the_median_run_counts(bench):
    result = _verdict(bench, [500.0, 700.0, 720.0], [5000.0] * 4)
    assert result.rounds == pytest.approx([0.10, 0.14, 0.144])
    assert result.rps == 700.0 and result.ratio == pytest.approx(0.14) and not result.missed


def test_a_page_below_its_target_in_most_runs_misses(bench):
    result = _verdict(bench, [500.0, 550.0, 700.0], [5000.0] * 4)
    assert result.ratio == pytest.approx(0.11) and result.missed == ["ratio 11.0% < 12%"]


def test_a_page_that_meets_its_target_runs_once(bench):
    result = _verdict(bench, [700.0], [5000.0, 5000.0])
    assert result.rounds == [] and result.ratio == pytest.approx(0.14) and not result.missed
