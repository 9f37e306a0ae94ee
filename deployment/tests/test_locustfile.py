"""testing/load/locustfile.py, driven without a network through locust_dry_run.py: the scenario
covers the platform's user journey under readable names, and reports what goes wrong."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
LOCUSTFILE = HERE.parents[1] / "testing" / "load" / "locustfile.py"

JOURNEY = {
    ("POST", "/api/v1/auth/register"),
    ("POST", "/api/v1/auth/login"),
    ("POST", "/api/v1/auth/refresh"),
    ("POST", "/api/v1/datasets [upload]"),
    ("POST", "/api/v1/analyses [start]"),
    ("GET", "/api/v1/analyses/[id] [poll]"),
    ("ANALYSIS", "submit -> succeeded"),
    ("GET", "/api/v1/analyses/[id]"),
    ("GET", "/api/v1/analyses/[id]/plots/[kind].png"),
    ("GET", "/api/v1/analyses/[id]/plots/[kind].svg"),
    ("GET", "/api/v1/analyses [history]"),
}


@pytest.fixture(scope="module")
def runs() -> dict[str, dict]:
    """The dry run on a healthy platform and on a faulty one, side by side."""
    # Looked up, not imported: importing locust would monkey-patch this test session.
    if importlib.util.find_spec("locust") is None:
        pytest.skip("locust is not installed (pip install -r requirements.txt provides it)")
    modes = {"healthy": [], "faulty": ["--faults"]}
    started = {
        mode: subprocess.Popen(
            [sys.executable, str(HERE / "locust_dry_run.py"), str(LOCUSTFILE), *flags],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for mode, flags in modes.items()
    }
    results = {}
    for mode, process in started.items():
        stdout, stderr = process.communicate(timeout=60)
        assert process.returncode == 0, stderr
        results[mode] = json.loads(stdout)
    return results


def by_request(run: dict) -> dict[tuple[str, str], dict]:
    return {(row["method"], row["name"]): row for row in run["requests"]}


def test_the_journey_is_covered(runs):
    assert set(by_request(runs["healthy"])) >= JOURNEY


def test_a_healthy_platform_gives_no_failure(runs):
    assert runs["healthy"]["errors"] == []
    assert all(row["failures"] == 0 for row in runs["healthy"]["requests"])


def test_a_waited_out_rate_limit_is_counted_apart_not_as_a_failure(runs):
    row = by_request(runs["healthy"])[("POST", "/api/v1/auth/register [429, waited]")]
    assert (row["count"], row["failures"]) == (1, 0)


def test_each_user_registers_and_logs_in_once(runs):
    requests = by_request(runs["healthy"])
    assert requests[("POST", "/api/v1/auth/register")]["count"] == 1
    assert requests[("POST", "/api/v1/auth/login")]["count"] == 1


def test_names_group_requests_instead_of_listing_ids(runs):
    for method, name in by_request(runs["healthy"]):
        assert not re.search(r"/\d+(/|$|\s)", name), f"{method} {name}"


def test_reads_dominate(runs):
    weights = runs["healthy"]["weights"]
    writes = weights.pop("upload_and_analyse")
    assert sum(weights.values()) >= 10 * writes


def test_server_errors_and_stuck_analyses_are_failures(runs):
    requests = by_request(runs["faulty"])
    for fmt in ("png", "svg"):
        row = requests[("GET", f"/api/v1/analyses/[id]/plots/[kind].{fmt}")]
        assert row["failures"] == row["count"] > 0
    analyses = requests[("ANALYSIS", "submit -> succeeded")]
    assert analyses["failures"] == analyses["count"] - 1, "all but the first never finish"
    assert "ANALYSIS submit -> succeeded: not finished after 0.5 s" in runs["faulty"]["errors"]
