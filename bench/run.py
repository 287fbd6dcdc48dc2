"""The benchmark harness behind `make bench` (and `make bench-ci`, `make bench-scale`).

It builds the synthetic archive into a SQLite file under bench/work/ (and into PostgreSQL when
DATABASE_URL names a PostgreSQL server), serves it with gunicorn in production settings and the
same SQLite file with Datasette, drives every scenario with wrk on loopback at a fixed
concurrency, checks every response's status, and writes bench/RESULTS.md.

    python bench/run.py                 # the full run: 100,000 recognitions, 10 s per scenario
    python bench/run.py --small         # the CI configuration: a few thousand rows, seconds per scenario
    python bench/run.py --scale 10      # status as of a day at 1,000,000 recognitions against 100,000

Builds are kept under bench/work/ and reused while the generator, the migrations and the size
are the same. Each scenario is one URL, warmed up, then measured; the ratios compare servers
measured in the same run on the same machine, the only comparison that noise does not spoil.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import hashlib
import json
import os
import platform
import re
import secrets
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
WORK = BENCH / "work"
PYTHON = sys.executable
BIN = Path(PYTHON).parent
WRK_SCRIPT = BENCH / "report.lua"
DATASETTE_METADATA = BENCH / "datasette-metadata.json"
RESULTS_BEGIN = "<!-- bench:begin -->"
RESULTS_END = "<!-- bench:end -->"

CONCURRENCY = 16
# The load average just before the first scenario ran (`run_scenarios`), for the report.
LOAD_BEFORE: list[float] = []
WRK_THREADS = 2
STATUS_DAY = "2000-01-01"
# Each server gets a port of its own; the small configuration uses another range, so that a CI
# run and a full run on the same machine never meet.
PORTS = {"sqlite": 8501, "sqlite-cached": 8502, "postgresql": 8503, "datasette": 8504, "postgresql-cached": 8505}
SMALL_PORT_OFFSET = 20


# The project's scenarios (`scenarios()` below), in the order they run.
PROJECT_SCENARIOS = (
    "filtered list, JSON",
    "filtered list, HTML",
    "state profile page",
    "status as of a day",
    "text search, HTML",
    "text search, API",
    "ceiling",
)


@dataclass(frozen=True)
class Config:
    """What one run measures, and how long."""

    states: int
    recognitions: int
    missions: int
    delegations: int
    seed: int
    duration: float
    warmup: float
    postgres_database: str
    results: Path
    # The project's scenarios measured again with the response cache on.
    cached_scenarios: tuple[str, ...]
    port_offset: int = 0

    @property
    def size_arguments(self) -> list[str]:
        return [
            f"--states={self.states}",
            f"--recognitions={self.recognitions}",
            f"--missions={self.missions}",
            f"--delegations={self.delegations}",
            f"--seed={self.seed}",
        ]

    def scaled(self, factor: int) -> Config:
        return Config(
            **{
                **asdict(self),
                "states": self.states * factor,
                "recognitions": self.recognitions * factor,
                "missions": self.missions * factor,
                "delegations": self.delegations * factor,
                # A database of its own: the scale run compares it with the 1× archive.
                "postgres_database": f"{self.postgres_database}_x{factor}",
            }
        )


FULL = Config(
    states=250,
    recognitions=100_000,
    missions=20_000,
    delegations=20_000,
    seed=1,
    duration=10,
    warmup=2,
    postgres_database="ra_perf_bench",
    results=BENCH / "RESULTS.md",
    # Every scenario of the project: the cache is on in the configuration the README recommends.
    cached_scenarios=PROJECT_SCENARIOS,
)
SMALL = Config(
    states=30,
    recognitions=3_000,
    missions=300,
    delegations=300,
    seed=1,
    duration=2,
    warmup=1,
    postgres_database="ra_perf",
    results=WORK / "RESULTS-small.md",
    cached_scenarios=("filtered list, JSON", "ceiling"),
    port_offset=SMALL_PORT_OFFSET,
)


def log(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


# --- building the archive -----------------------------------------------------------------------


def build_key(config: Config) -> str:
    """Changes whenever the data would: the generator, the migrations, the size or the seed."""
    digest = hashlib.sha256()
    sources = [ROOT / "events" / "synthetic.py", *sorted((ROOT / "events" / "migrations").glob("*.py"))]
    for path in sources:
        digest.update(path.name.encode() + path.read_bytes())
    digest.update(" ".join(config.size_arguments).encode())
    return digest.hexdigest()[:16]


def manage(*arguments: str, env: dict[str, str]) -> None:
    subprocess.run([PYTHON, "manage.py", *arguments], cwd=ROOT, env=env, check=True)


def django_env(database_url: str, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    env.update({"DATABASE_URL": database_url, "DJANGO_DEBUG": "true", **extra})
    return env


def build_sqlite(config: Config) -> Path:
    """The archive in bench/work/<key>/archive.sqlite3, with a full-text index for Datasette."""
    key = build_key(config)
    path = WORK / f"sqlite-{config.recognitions}-{key}" / "archive.sqlite3"
    done = path.with_suffix(".complete")
    if done.exists():
        log(f"reusing {path.relative_to(ROOT)}")
        return path
    # Builds of the same size from older code are stale: a million recognitions take a gigabyte.
    for stale in WORK.glob(f"sqlite-{config.recognitions}-*"):
        shutil.rmtree(stale, ignore_errors=True)
    path.parent.mkdir(parents=True)
    env = django_env(f"sqlite:///{path}")
    log(f"building {path.relative_to(ROOT)}")
    started = time.monotonic()
    manage("migrate", "--noinput", "--verbosity=0", env=env)
    manage("generate_synthetic_archive", *config.size_arguments, env=env)
    log(f"built in {time.monotonic() - started:.0f} s")
    with contextlib.closing(sqlite3.connect(path)) as db:
        # What a researcher publishing the table with Datasette would add (as `sqlite-utils
        # enable-fts` does): an FTS5 index over the recognitions' text, kept beside the table.
        db.executescript(
            """
            CREATE VIRTUAL TABLE events_recognition_fts USING fts5(
                instrument, notes, content='events_recognition', content_rowid='id'
            );
            INSERT INTO events_recognition_fts(events_recognition_fts) VALUES ('rebuild');
            ANALYZE;
            """
        )
    done.touch()
    return path


def postgres_url(base: str, database: str) -> str:
    parts = urllib.parse.urlsplit(base)
    return urllib.parse.urlunsplit(parts._replace(path=f"/{database}"))


def psql(base: str, database: str, sql: str) -> str:
    url = postgres_url(base, database)
    result = subprocess.run(["psql", url, "-XAtq", "-v", "ON_ERROR_STOP=1", "-c", sql], capture_output=True, text=True)
    if result.returncode:
        raise RuntimeError(f"psql: {result.stderr.strip()}")
    return result.stdout.strip()


def build_postgresql(config: Config, base: str) -> str:
    """The same archive in PostgreSQL database `config.postgres_database`, reused while its
    comment names the same build."""
    key = build_key(config)
    database = config.postgres_database
    exists = psql(base, "postgres", f"SELECT 1 FROM pg_database WHERE datname = '{database}'")
    if (
        exists
        and psql(
            base,
            "postgres",
            f"SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = '{database}'",
        )
        == key
    ):
        log(f"reusing PostgreSQL database {database}")
        return postgres_url(base, database)
    psql(base, "postgres", f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    psql(base, "postgres", f'CREATE DATABASE "{database}"')
    url = postgres_url(base, database)
    env = django_env(url)
    log(f"building PostgreSQL database {database}")
    started = time.monotonic()
    manage("migrate", "--noinput", "--verbosity=0", env=env)
    manage("generate_synthetic_archive", *config.size_arguments, env=env)
    psql(base, database, "VACUUM ANALYZE")
    psql(base, "postgres", f"COMMENT ON DATABASE \"{database}\" IS '{key}'")
    log(f"built in {time.monotonic() - started:.0f} s")
    return url


@dataclass(frozen=True)
class Subject:
    """The state every scenario asks about: the most-recognised published state."""

    id: int
    slug: str
    name: str
    acts: int


def most_recognised(path: Path) -> Subject:
    with contextlib.closing(sqlite3.connect(path)) as db:
        row = db.execute(
            """
            SELECT s.id, s.slug, s.name, count(*) FROM events_recognition r
            JOIN events_state s ON s.id = r.recognized_state_id
            WHERE s.publication_status = 'published'
            GROUP BY s.id ORDER BY count(*) DESC, s.id LIMIT 1
            """
        ).fetchone()
    return Subject(*row)


def data_size(path: Path) -> dict[str, int]:
    tables = ["state", "person", "source", "recognition", "recognitioncitation", "mission", "delegation", "participant"]
    with contextlib.closing(sqlite3.connect(path)) as db:
        counts = {table: db.execute(f"SELECT count(*) FROM events_{table}").fetchone()[0] for table in tables}
    counts["file_bytes"] = path.stat().st_size
    return counts


# --- servers --------------------------------------------------------------------------------------


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen
    log_path: Path
    ready_path: str

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def worker_pids(self) -> list[int]:
        """The gunicorn workers (children of the master), or Datasette's own process."""
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError, IndexError, ValueError):
                if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == self.process.pid:
                    children.append(int(stat.parent.name))
        return children or [self.process.pid]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def rss_mb(pid: int) -> float:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def wait_until_up(server: Server, path: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name} exited; see {server.log_path}")
        with contextlib.suppress(OSError, urllib.error.URLError):
            status, _, _ = fetch(server.base + path)
            if status == 200:
                return
        time.sleep(0.3)
    raise RuntimeError(f"{server.name} did not answer {path} within {timeout:.0f} s; see {server.log_path}")


def start(name: str, command: list[str], port: int, env: dict[str, str], ready_path: str) -> Server:
    logs = WORK / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    log_path = logs / f"{name}.log"
    with log_path.open("w") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
    server = Server(name, port, process, log_path, ready_path)
    try:
        wait_until_up(server, ready_path)
    except Exception:
        server.stop()
        raise
    return server


def production_env(database_url: str, port: int, *, cache: bool) -> dict[str, str]:
    """The deployment the README describes: DEBUG off, a fresh secret key, the gunicorn config."""
    return django_env(
        database_url,
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_RESPONSE_CACHE="true" if cache else "false",
        DJANGO_STATIC_ROOT=str(WORK / "static"),
        # wrk sends everything from 127.0.0.1: the API's rate limits are not what is measured.
        DJANGO_THROTTLE_ANON="100000000/min",
        DJANGO_THROTTLE_USER="100000000/min",
        HOST="127.0.0.1",
        PORT=str(port),
    )


def start_gunicorn(name: str, database_url: str, port: int, *, cache: bool) -> Server:
    command = [str(BIN / "gunicorn"), "--config", "archive/gunicorn.conf.py"]
    return start(name, command, port, production_env(database_url, port, cache=cache), CEILING)


def start_datasette(path: Path, port: int) -> Server:
    command = [
        str(BIN / "datasette"),
        "serve",
        "--immutable",
        str(path),
        "--metadata",
        str(DATASETTE_METADATA),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    return start("datasette", command, port, dict(os.environ), "/archive.json")


# Static files no benchmarked page loads; compressing them would take minutes of each run.
STATIC_IGNORED = ("drf_spectacular_sidecar", "rest_framework", "admin", "import_export", "*.map", "world-atlas")


def collectstatic() -> None:
    """Hashed, compressed static files in bench/work/static, as production serves them."""
    env = production_env(f"sqlite:///{WORK / 'collectstatic.sqlite3'}", 0, cache=False)
    ignored = [f"--ignore={pattern}" for pattern in STATIC_IGNORED]
    command = [PYTHON, "manage.py", "collectstatic", "--noinput", "--verbosity=0", *ignored]
    subprocess.run(command, cwd=ROOT, env=env, check=True)


# --- scenarios --------------------------------------------------------------------------------------

CEILING = "/_bench/ceiling/"


def fetch(url: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers={"X-Forwarded-Proto": "https"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@dataclass
class Scenario:
    """One URL on one server, and what its answer must hold for the numbers to mean anything."""

    name: str
    server: str
    path: str
    check: Callable[[bytes], str | None]
    # The peer scenario this one is compared with, measured right after it (`side_by_side`).
    peer_of: str = ""


def expect_rows(
    subject: Subject, *, key: str, rows: int, label: Callable[[dict], str]
) -> Callable[[bytes], str | None]:
    def check(body: bytes) -> str | None:
        data = json.loads(body)
        found = data.get(key) if isinstance(data, dict) else None
        if not isinstance(found, list) or len(found) != min(rows, subject.acts):
            return f"expected {rows} rows under {key!r}"
        if subject.name not in json.dumps([label(row) for row in found], ensure_ascii=False):
            return f"the rows do not name {subject.name}"
        return None

    return check


def expect_text(*needles: str) -> Callable[[bytes], str | None]:
    def check(body: bytes) -> str | None:
        text = body.decode("utf-8", "replace")
        missing = [needle for needle in needles if needle not in text]
        return f"missing {missing}" if missing else None

    return check


def expect_json(body: bytes) -> str | None:
    json.loads(body)
    return None


def scenarios(subject: Subject) -> list[Scenario]:
    slug, name = subject.slug, urllib.parse.quote(subject.name)
    datasette_filter = f"recognized_state_id={subject.id}&_labels=on&_size=50&_sort=date_start"
    return [
        Scenario(
            "filtered list, JSON",
            "project",
            f"/api/recognitions/?recognized={slug}&page_size=50",
            expect_rows(subject, key="results", rows=50, label=lambda row: row),
            peer_of="datasette: filtered list, JSON",
        ),
        Scenario(
            "filtered list, HTML",
            "project",
            f"/recognitions/?recognized={slug}",
            expect_text("<table", subject.name),
            peer_of="datasette: filtered list, HTML",
        ),
        Scenario("state profile page", "project", f"/states/{slug}/", expect_text(subject.name)),
        Scenario(
            "status as of a day", "project", f"/api/states/{slug}/recognition-status/?date={STATUS_DAY}", expect_json
        ),
        Scenario("text search, HTML", "project", f"/search/?q={name}", expect_text(subject.name)),
        Scenario(
            "text search, API",
            "project",
            f"/api/recognitions/?search={name}",
            expect_text(subject.name),
            peer_of="datasette: text search, JSON",
        ),
        Scenario("ceiling", "project", CEILING, expect_json),
        Scenario(
            "datasette: filtered list, JSON",
            "datasette",
            f"/archive/events_recognition.json?{datasette_filter}&_shape=objects",
            expect_rows(subject, key="rows", rows=50, label=lambda row: row["recognized_state_id"]),
        ),
        Scenario(
            "datasette: filtered list, HTML",
            "datasette",
            f"/archive/events_recognition?{datasette_filter}",
            expect_text("<table", subject.name),
        ),
        Scenario(
            "datasette: text search, JSON",
            "datasette",
            f"/archive/events_recognition.json?_search={name}&_labels=on&_size=50&_shape=objects",
            expect_text(subject.name),
        ),
    ]


POSTGRESQL_SCENARIOS = PROJECT_SCENARIOS


@dataclass
class Measurement:
    scenario: str
    server: str
    url: str
    requests_per_second: float = 0.0
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    p99_ms: float = 0.0
    mean_ms: float = 0.0
    requests: int = 0
    errors: int = 0
    response_bytes: int = 0
    worker_rss_mb: float = 0.0
    problem: str = ""
    # Set when the server answered the check but no request of the load finished in time: too
    # slow (a missed target), not wrong (an error).
    unfinished: str = ""


class RssSampler:
    """The largest resident set of any worker of the server, sampled while wrk runs."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.peak = 0.0
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        while not self.stopping.is_set():
            self.peak = max([self.peak, *(rss_mb(pid) for pid in self.server.worker_pids())])
            self.stopping.wait(0.5)

    def __enter__(self) -> RssSampler:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopping.set()
        self.thread.join()


def wrk(url: str, seconds: float) -> dict:
    command = [
        "wrk",
        f"-t{WRK_THREADS}",
        f"-c{CONCURRENCY}",
        f"-d{max(1, round(seconds))}s",
        "--timeout=10s",
        "--latency",
        "-s",
        str(WRK_SCRIPT),
        url,
    ]
    output = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, check=True).stdout
    match = re.search(r"^WRK_JSON (.*)$", output, re.MULTILINE)
    if match is None:
        raise RuntimeError(f"wrk printed no report:\n{output}")
    return json.loads(match.group(1))


def measure(scenario: Scenario, server: Server, config: Config, label: str) -> Measurement:
    url = server.base + scenario.path
    result = Measurement(scenario.name, label, scenario.path)
    try:
        status, _, body = fetch(url)
    except OSError as error:
        result.problem = f"no answer before the load: {error}"
        log(f"{label}: {scenario.name}: {result.problem}")
        return result
    result.response_bytes = len(body)
    if status != 200:
        result.problem = f"HTTP {status}"
        log(f"{label}: {scenario.name}: {result.problem}, not measured")
        return result
    problem = scenario.check(body)
    if problem:
        result.problem = problem
        log(f"{label}: {scenario.name}: {problem}, not measured")
        return result
    wrk(url, config.warmup)
    with RssSampler(server) as sampler:
        report = wrk(url, config.duration)
    # Requests wrk left queued are still being served: let them finish before the next scenario.
    wait_until_up(server, server.ready_path, timeout=300)
    seconds = report["duration_us"] / 1e6
    result.requests = report["requests"]
    result.requests_per_second = report["requests"] / seconds
    result.p50_ms, result.p95_ms, result.p99_ms = (report[f"p{p}_us"] / 1000 for p in (50, 95, 99))
    result.mean_ms = report["mean_us"] / 1000
    result.errors = sum(report[key] for key in ("not_200", "connect_errors", "read_errors", "write_errors", "timeouts"))
    result.worker_rss_mb = sampler.peak
    if not result.requests:
        result.unfinished = f"no response completed within {config.duration:g} s"
    log(
        f"{label}: {scenario.name}: {result.requests_per_second:.0f} req/s, p50 {result.p50_ms:.1f} ms, "
        f"p95 {result.p95_ms:.1f} ms, p99 {result.p99_ms:.1f} ms, {result.errors} errors, RSS {result.worker_rss_mb:.0f} MB"
    )
    return result


def side_by_side(project: list[Scenario], peers: list[Scenario]) -> list[Scenario]:
    """The order of measuring: the ceiling first, then each scenario of the project followed by
    the peer it is compared with (`peer_of`), unless that peer was measured already (the state
    page follows the HTML table it is compared with, measured after the HTML list); any peer
    left over at the end."""
    by_name = {scenario.name: scenario for scenario in peers}
    ordered = sorted(project, key=lambda scenario: scenario.path != CEILING)
    sequence: list[Scenario] = []
    for scenario in ordered:
        sequence.append(scenario)
        peer = by_name.pop(scenario.peer_of, None)
        if peer is not None:
            sequence.append(peer)
    return sequence + list(by_name.values())


@contextlib.contextmanager
def serving(server_factory: Callable[[], Server]) -> Iterator[Server]:
    server = server_factory()
    try:
        yield server
    finally:
        server.stop()


def run_scenarios(
    config: Config, subject: Subject, sqlite_path: Path, postgres: str | None, *, only: set[str] | None
) -> list[Measurement]:
    # The machine's own load, before our servers and wrk add theirs (the builds are over by now).
    LOAD_BEFORE[:] = os.getloadavg()
    ports = {name: port + config.port_offset for name, port in PORTS.items()}
    chosen = [scenario for scenario in scenarios(subject) if only is None or scenario.name in only]
    results = []
    sqlite_url = f"sqlite:///{sqlite_path}"

    project = [scenario for scenario in chosen if scenario.server == "project"]
    peers = [scenario for scenario in chosen if scenario.server == "datasette"]
    # Both servers up at once, each ratio's two sides measured one after the other: minutes
    # apart, the shared host's noise moved a ratio by a third between runs.
    with contextlib.ExitStack() as stack:
        servers = {}
        if project:
            servers["project"] = stack.enter_context(
                serving(lambda: start_gunicorn("gunicorn-sqlite", sqlite_url, ports["sqlite"], cache=False))
            )
        if peers:
            servers["datasette"] = stack.enter_context(
                serving(lambda: start_datasette(sqlite_path, ports["datasette"]))
            )
        labels = {"project": "sqlite", "datasette": "datasette"}
        measured = {
            scenario.name: measure(scenario, servers[scenario.server], config, labels[scenario.server])
            for scenario in side_by_side(project, peers)
        }
    results += [measured[scenario.name] for scenario in project + peers]
    cached = [scenario for scenario in project if scenario.name in config.cached_scenarios]
    if cached:
        with serving(
            lambda: start_gunicorn("gunicorn-sqlite-cached", sqlite_url, ports["sqlite-cached"], cache=True)
        ) as server:
            results += [measure(scenario, server, config, "sqlite, cached") for scenario in cached]
    on_postgres = [scenario for scenario in project if scenario.name in POSTGRESQL_SCENARIOS]
    if postgres and on_postgres:
        with serving(
            lambda: start_gunicorn("gunicorn-postgresql", postgres, ports["postgresql"], cache=False)
        ) as server:
            results += [measure(scenario, server, config, "postgresql") for scenario in on_postgres]
        cached_on_postgres = [scenario for scenario in on_postgres if scenario.name in config.cached_scenarios]
        if cached_on_postgres:
            with serving(
                lambda: start_gunicorn("gunicorn-postgresql-cached", postgres, ports["postgresql-cached"], cache=True)
            ) as server:
                results += [measure(scenario, server, config, "postgresql, cached") for scenario in cached_on_postgres]
    return results


# --- the report --------------------------------------------------------------------------------------


def find(results: list[Measurement], scenario: str, server: str) -> Measurement | None:
    return next((m for m in results if m.scenario == scenario and m.server == server and m.requests), None)


def ratio(numerator: Measurement | None, denominator: Measurement | None) -> float | None:
    if numerator is None or denominator is None or not denominator.requests_per_second:
        return None
    return numerator.requests_per_second / denominator.requests_per_second


@dataclass
class Target:
    name: str
    measured: str
    met: bool | None


def targets(results: list[Measurement]) -> list[Target]:
    """The issue's targets, each with the number that decides it (None: not measured this run)."""
    checks = []

    def add_ratio(name: str, value: float | None, at_least: float) -> None:
        checks.append(
            Target(
                name, "not measured" if value is None else f"{value:.2f}×", None if value is None else value >= at_least
            )
        )

    json_list = find(results, "filtered list, JSON", "sqlite")
    datasette_json = find(results, "datasette: filtered list, JSON", "datasette")
    datasette_html = find(results, "datasette: filtered list, HTML", "datasette")
    ceiling = find(results, "ceiling", "sqlite")
    add_ratio("filtered list JSON ≥ 5× Datasette's JSON", ratio(json_list, datasette_json), 5)
    add_ratio("filtered list JSON ≥ 0.25× the ceiling", ratio(json_list, ceiling), 0.25)
    add_ratio(
        "filtered list HTML ≥ 5× Datasette's HTML table",
        ratio(find(results, "filtered list, HTML", "sqlite"), datasette_html),
        5,
    )
    add_ratio(
        "state profile page ≥ 5× Datasette's HTML table",
        ratio(find(results, "state profile page", "sqlite"), datasette_html),
        5,
    )
    cached_json = find(results, "filtered list, JSON", "sqlite, cached")
    add_ratio("cached: filtered list JSON ≥ 5× Datasette's JSON", ratio(cached_json, datasette_json), 5)
    cached_html = find(results, "filtered list, HTML", "sqlite, cached")
    add_ratio("cached: filtered list HTML ≥ 5× Datasette's HTML table", ratio(cached_html, datasette_html), 5)
    cached_profile = find(results, "state profile page", "sqlite, cached")
    add_ratio("cached: state profile page ≥ 5× Datasette's HTML table", ratio(cached_profile, datasette_html), 5)
    add_ratio(
        "cached filtered list JSON ≥ 0.7× the ceiling",
        ratio(find(results, "filtered list, JSON", "sqlite, cached"), find(results, "ceiling", "sqlite, cached")),
        0.7,
    )
    # As deployed (the response cache on, README "Deploying"), and with the cache off, which
    # is what a first read of each page costs.
    for name, servers in (
        ("p95 < 100 ms in every scenario, as deployed (response cache on)", ("sqlite, cached", "postgresql, cached")),
        ("p95 < 100 ms in every scenario, response cache off", ("sqlite", "postgresql")),
    ):
        project = [m for m in results if m.requests and m.server in servers]
        slow = [f"{m.scenario} ({m.server}) {m.p95_ms:.0f} ms" for m in project if m.p95_ms >= 100]
        slow += [f"{m.scenario} ({m.server}): {m.unfinished}" for m in results if m.unfinished and m.server in servers]
        said = "; ".join(slow) or ("all under 100 ms" if project else "not measured")
        checks.append(Target(name, said, not slow if project or slow else None))
    failing = [f"{m.scenario} ({m.server}): {m.errors or m.problem}" for m in results if m.errors or m.problem]
    checks.append(Target("no errors", "; ".join(failing) or "none", not failing))
    rss = [m.worker_rss_mb for m in results if m.requests and m.server != "datasette"]
    checks.append(
        Target(
            "gunicorn worker RSS < 200 MB",
            f"{max(rss):.0f} MB at most" if rss else "not measured",
            max(rss) < 200 if rss else None,
        )
    )
    return checks


def machine() -> dict[str, str]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = next(
        line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
    )
    return {
        "CPU": f"{cpu}, {os.cpu_count()} cores",
        "memory": f"{int(memory) / 1024 / 1024:.0f} GiB",
        "system": f"{platform.system()} {platform.release()}",
        "load average before the first scenario (1, 5, 15 min)": " ".join(f"{value:.2f}" for value in LOAD_BEFORE),
    }


def versions(postgres: str | None) -> dict[str, str]:
    def package(name: str) -> str:
        from importlib.metadata import version

        return version(name)

    found = {
        "Python": platform.python_version(),
        "Django": package("Django"),
        "Django REST framework": package("djangorestframework"),
        "gunicorn": package("gunicorn"),
        "Datasette": package("datasette"),
        "SQLite": sqlite3.sqlite_version,
        "wrk": subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split("\n")[0].strip(),
    }
    if postgres:
        found["PostgreSQL"] = psql(postgres, "postgres", "SHOW server_version")
    return found


def gunicorn_shape() -> str:
    env = production_env("sqlite://", 0, cache=False)
    code = "import runpy; c = runpy.run_path('archive/gunicorn.conf.py'); print(c['workers'], c['threads'], c['worker_class'])"
    workers, threads, worker_class = subprocess.run(
        [PYTHON, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    return f"archive/gunicorn.conf.py: {workers} workers × {threads} threads ({worker_class})"


def render(
    config: Config,
    subject: Subject,
    size: dict[str, int],
    results: list[Measurement],
    postgres: str | None,
    extra: str = "",
) -> str:
    lines = [
        RESULTS_BEGIN,
        f"Written by `bench/run.py` on {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC.",
        "",
        "### Machine",
        "",
        *(f"- {key}: {value}" for key, value in machine().items()),
        "",
        "### Versions",
        "",
        *(f"- {key}: {value}" for key, value in versions(postgres).items()),
        f"- gunicorn configuration: {gunicorn_shape()}",
        "",
        "### Data",
        "",
        f"Synthetic archive, seed {config.seed}: {size['state']:,} states, {size['recognition']:,} recognitions "
        f"({size['recognitioncitation']:,} citations), {size['mission']:,} missions, {size['delegation']:,} delegations "
        f"({size['participant']:,} participants), {size['person']:,} people; SQLite file {size['file_bytes'] / 2**20:.0f} MiB"
        + (", and the same in PostgreSQL." if postgres else "."),
        f"Every scenario asks about the most-recognised state, {subject.name} (`{subject.slug}`, {subject.acts:,} acts).",
        "",
        "### Method",
        "",
        f"wrk, {WRK_THREADS} threads, {CONCURRENCY} connections, {config.warmup:g} s warm-up then {config.duration:g} s per "
        "scenario, on loopback; every request carries `X-Forwarded-Proto: https`; every response's status is counted "
        "(anything but 200 is an error). Before the load, one response per scenario is checked for what it must hold "
        "(rows, the state's name). RSS is the largest resident set of any worker while the scenario ran.",
        "",
        "| scenario | server | req/s | p50 ms | p95 ms | p99 ms | errors | worker RSS MB | bytes |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for m in results:
        if m.problem or m.unfinished:
            lines.append(f"| {m.scenario} | {m.server} | {m.problem or m.unfinished} | | | | | | {m.response_bytes} |")
        else:
            lines.append(
                f"| {m.scenario} | {m.server} | {m.requests_per_second:.0f} | {m.p50_ms:.1f} | {m.p95_ms:.1f} | "
                f"{m.p99_ms:.1f} | {m.errors} | {m.worker_rss_mb:.0f} | {m.response_bytes} |"
            )
    lines += ["", "URLs:", ""]
    seen = set()
    for m in results:
        if (m.scenario, m.url) not in seen:
            seen.add((m.scenario, m.url))
            lines.append(f"- {m.scenario}: `{m.url}`")
    lines += ["", "### Targets", "", "| target | measured | met |", "| --- | --- | --- |"]
    for target in targets(results):
        met = "—" if target.met is None else ("yes" if target.met else "**no**")
        lines.append(f"| {target.name} | {target.measured} | {met} |")
    if extra:
        lines += ["", extra]
    lines.append(RESULTS_END)
    return "\n".join(lines) + "\n"


def write_results(path: Path, generated: str) -> None:
    """Replace the generated part of the results file and keep what was written by hand around it."""
    text = path.read_text() if path.exists() else ""
    if RESULTS_BEGIN in text and RESULTS_END in text:
        head, rest = text.split(RESULTS_BEGIN, 1)
        tail = rest.split(RESULTS_END, 1)[1].lstrip("\n")
        text = head + generated + tail
    else:
        text = "# Benchmark results\n\n" + generated
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def save_json(config: Config, subject: Subject, results: list[Measurement], name: str) -> Path:
    path = WORK / "history" / f"{datetime.datetime.now():%Y%m%d-%H%M%S}-{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(
            {
                "config": {**asdict(config), "results": str(config.results)},
                "subject": asdict(subject),
                "results": [asdict(m) for m in results],
            },
            indent=1,
        )
    )
    return path


# --- the runs ---------------------------------------------------------------------------------------------


def preflight() -> None:
    if shutil.which("wrk") is None:
        raise SystemExit("bench: wrk is not installed (apt-get install wrk)")
    WORK.mkdir(parents=True, exist_ok=True)


def postgres_base() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else None


def run(config: Config, *, only: set[str] | None) -> list[Measurement]:
    preflight()
    sqlite_path = build_sqlite(config)
    base = postgres_base()
    postgres = build_postgresql(config, base) if base else None
    collectstatic()
    subject = most_recognised(sqlite_path)
    log(f"subject: {subject.name} ({subject.slug}, {subject.acts} acts)")
    results = run_scenarios(config, subject, sqlite_path, postgres, only=only)
    write_results(config.results, render(config, subject, data_size(sqlite_path), results, postgres))
    history = save_json(config, subject, results, "run")
    log(f"wrote {config.results} and {history}")
    for target in targets(results):
        met = "—" if target.met is None else ("met" if target.met else "MISSED")
        log(f"target: {target.name}: {target.measured} [{met}]")
    return results


def run_scale(config: Config, factor: int) -> list[Measurement]:
    """Status as of a day for the same state at 1× and factor× the archive: the larger archive
    begins with the smaller one (events/synthetic.py), so the state and its acts are the same."""
    preflight()
    small_path = build_sqlite(config)
    large_path = build_sqlite(config.scaled(factor))
    base = postgres_base()
    collectstatic()
    subject = most_recognised(small_path)
    status = next(scenario for scenario in scenarios(subject) if scenario.name == "status as of a day")
    ports = {name: port + config.port_offset for name, port in PORTS.items()}
    results = []
    databases = [("sqlite", f"sqlite:///{small_path}", f"sqlite:///{large_path}")]
    if base:
        databases.append(("postgresql", build_postgresql(config, base), build_postgresql(config.scaled(factor), base)))
    LOAD_BEFORE[:] = os.getloadavg()
    # Each size is measured in several rounds, alternating, and judged by its best round: on a
    # shared virtual machine the same request cost 5 ms or 8 ms a minute apart, and one round
    # of each measured minutes apart compares the moments more than the sizes.
    rounds = 3
    best: dict[tuple[str, int], Measurement] = {}
    for label, small_url, large_url in databases:
        for _ in range(rounds):
            for scale, url in ((1, small_url), (factor, large_url)):
                name = f"gunicorn-{label}-{scale}x"
                with serving(
                    lambda name=name, url=url: start_gunicorn(name, url, ports["sqlite"], cache=False)
                ) as server:
                    measured = measure(status, server, config, f"{label}, {config.recognitions * scale:,} recognitions")
                results.append(measured)
                kept = best.get((label, scale))
                if measured.requests and (kept is None or measured.mean_ms < kept.mean_ms):
                    best[(label, scale)] = measured
    lines = [
        "### Status as of a day at scale",
        "",
        f"Each size measured in {rounds} alternating rounds; the best round of each (lowest mean latency) is compared.",
        "",
        f"| database | at 1× | at {factor}× | time ratio |",
        "| --- | ---: | ---: | ---: |",
    ]
    for label, _, _ in databases:
        small, large = best.get((label, 1)), best.get((label, factor))
        if small and large:
            lines.append(
                f"| {label} | {small.mean_ms:.1f} ms mean, {small.requests_per_second:.0f} req/s | "
                f"{large.mean_ms:.1f} ms mean, {large.requests_per_second:.0f} req/s | {large.mean_ms / small.mean_ms:.2f}× |"
            )
    path = config.results.with_name("RESULTS-scale.md")
    write_results(
        path,
        render(config.scaled(factor), subject, data_size(large_path), results, base, extra="\n".join(lines)),
    )
    save_json(config, subject, results, f"scale-{factor}")
    log(f"wrote {path}")
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", action="store_true", help="the CI configuration: a few thousand rows, short runs")
    parser.add_argument(
        "--scale", type=int, default=0, help="compare status as of a day at this many times the archive"
    )
    parser.add_argument("--duration", type=float, help="seconds measured per scenario")
    parser.add_argument("--only", action="append", help="run only this scenario (repeatable)")
    parser.add_argument("--results", type=Path, help="where to write the results (default bench/RESULTS.md)")
    arguments = parser.parse_args()
    config = SMALL if arguments.small else FULL
    overrides = {}
    if arguments.duration:
        overrides["duration"] = arguments.duration
    if arguments.results:
        overrides["results"] = arguments.results.resolve()
    config = Config(**{**asdict(config), **overrides})
    if arguments.scale:
        results = run_scale(config, arguments.scale)
    else:
        results = run(config, only=set(arguments.only) if arguments.only else None)
    failed = [m for m in results if m.errors or m.problem]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
