"""The benchmark harness runs end to end in its small configuration, so that `make bench` cannot
rot: it builds a small synthetic archive, serves it with gunicorn and Datasette, drives every
scenario with wrk and writes the results. Speed is not judged here, only that every scenario
answered every request with 200 and was measured."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

pytestmark = pytest.mark.skipif(
    shutil.which("wrk") is None and not IN_CI, reason="needs wrk (apt-get install wrk); CI installs it"
)

SCENARIOS = [
    ("filtered list, JSON", "sqlite"),
    ("filtered list, HTML", "sqlite"),
    ("state profile page", "sqlite"),
    ("status as of a day", "sqlite"),
    ("text search, HTML", "sqlite"),
    ("text search, API", "sqlite"),
    ("ceiling", "sqlite"),
    ("datasette: filtered list, JSON", "datasette"),
    ("datasette: filtered list, HTML", "datasette"),
    ("datasette: text search, JSON", "datasette"),
    ("filtered list, JSON", "sqlite, cached"),
    ("ceiling", "sqlite, cached"),
]
ROW = re.compile(
    r"^\| (?P<scenario>[^|]+) \| (?P<server>[^|]+) \| (?P<rps>\d+) \| (?P<p50>[\d.]+) \| (?P<p95>[\d.]+) \| "
    r"(?P<p99>[\d.]+) \| (?P<errors>\d+) \| (?P<rss>\d+) \| (?P<bytes>\d+) \|$",
    re.MULTILINE,
)


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    results = tmp_path_factory.mktemp("bench") / "RESULTS.md"
    env = dict(os.environ)
    if not env.get("DATABASE_URL", "").startswith("postgres"):
        env.pop("DATABASE_URL", None)
    run = subprocess.run(
        [sys.executable, "bench/run.py", "--small", f"--results={results}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return run, results


def test_the_small_run_succeeds_and_writes_its_results(small_run):
    run, results = small_run
    assert run.returncode == 0, run.stderr[-3000:]
    text = results.read_text()
    assert "### Machine" in text
    assert "Datasette: 0.65" in text
    assert "| no errors | none | yes |" in text


@pytest.mark.parametrize(("scenario", "server"), SCENARIOS)
def test_every_scenario_is_measured_without_errors(small_run, scenario, server):
    _, results = small_run
    rows = {(row["scenario"], row["server"]): row for row in ROW.finditer(results.read_text())}
    row = rows.get((scenario, server))
    assert row is not None, f"{scenario} on {server} was not measured"
    assert int(row["rps"]) > 0
    assert int(row["errors"]) == 0
    assert float(row["p50"]) <= float(row["p95"]) <= float(row["p99"])
    assert int(row["rss"]) > 0


def test_postgresql_is_measured_when_database_url_names_it(small_run):
    _, results = small_run
    on_postgresql = "| ceiling | postgresql |" in results.read_text()
    assert on_postgresql == os.environ.get("DATABASE_URL", "").startswith("postgres")
