"""`make soak`: the archive under steady load while PostgreSQL restarts, then an audit of every write.

It creates a database of its own, starts gunicorn with the production settings on loopback,
drives a fixed number of clients through a mix of page views, API reads, searches and token-
authenticated API writes (single rows and delegations with nested participants and citations),
stops PostgreSQL in the middle and starts it again, and stops by itself after --duration
seconds. It then reports requests and errors by kind and status, the errors after the database
answered again, and checks that every write acknowledged with 2xx is in the database, whole,
and that no failed write left part of itself behind. Results go to bench/SOAK.md (--report).
The exit status is 1 when any of the targets is missed.

The server to restart is configuration: --pgdata DIR (a cluster started with pg_ctl, restarted
through pg_ctl) or --cluster VERSION/NAME (a Debian cluster, through pg_ctlcluster). Never point
it at a server others are using: their connections break too.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import secrets
import shlex
import shutil
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

import psycopg2

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / "work"
# The newest installed PostgreSQL's tools (Debian installs them per version).
PGBIN = max(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda path: int(path.parent.name), default=Path("/usr/bin"))
GRACE_SECONDS = 1.0  # errors are forgiven for this long after PostgreSQL answers again
PAGES = ["/", "/states/", "/states/south-ossetia/", "/recognitions/", "/missions/", "/delegations/", "/timeline/"]
API_READS = ["/api/states/", "/api/recognitions/", "/api/delegations/?page=1", "/api/states/dpr/", "/api/missions/"]
SEARCHES = [
    f"/search/?q={quote('Осетия')}",
    "/search/?q=Kofman",
    "/api/recognitions/?search=decree",
    f"/states/?search={quote('народн')}",
]
# How often each kind of request is chosen, out of 100.
MIX = {"page": 35, "api_read": 30, "search": 15, "write_source": 10, "write_delegation": 10}
WRITE_KINDS = ("write_source", "write_delegation")


@dataclass
class Outcome:
    kind: str
    started: float
    finished: float
    status: str  # an HTTP status code, or the name of the exception when there was no answer
    write_id: str = ""

    @property
    def ok(self) -> bool:
        return self.status.isdigit() and 200 <= int(self.status) < 300


@dataclass
class Restart:
    stop_requested: float = 0.0
    started_again: float = 0.0
    answering: float = 0.0  # first successful connection after the start command


@dataclass
class Run:
    outcomes: list[Outcome] = field(default_factory=list)
    restart: Restart = field(default_factory=Restart)
    restart_error: BaseException | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


def log(message: str) -> None:
    print(f"soak: {message}", flush=True)


# --- PostgreSQL --------------------------------------------------------------------------------


class Server:
    """Stops and starts the PostgreSQL server the soak uses."""

    def __init__(self, pgdata: str | None, cluster: str | None) -> None:
        if bool(pgdata) == bool(cluster):
            raise SystemExit("soak: name the server to restart: --pgdata DIR or --cluster VERSION/NAME")
        self.pgdata = pgdata
        self.cluster = cluster.split("/") if cluster else None

    def describe(self) -> str:
        return (
            f"the Debian cluster {'/'.join(self.cluster)}" if self.cluster else f"the cluster in {self.pgdata} (pg_ctl)"
        )

    def _as_postgres(self, command: list[str]) -> list[str]:
        return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command

    def stop(self) -> None:
        if self.cluster:
            command = ["pg_ctlcluster", "--skip-systemctl-redirect", *self.cluster, "stop"]  # fast by default
        else:
            command = self._as_postgres([str(PGBIN / "pg_ctl"), "-D", self.pgdata, "-m", "fast", "-w", "stop"])
        subprocess.run(command, check=True, capture_output=True)

    def start(self) -> None:
        if self.cluster:
            command = ["pg_ctlcluster", "--skip-systemctl-redirect", *self.cluster, "start"]
        else:
            command = self._as_postgres(
                [str(PGBIN / "pg_ctl"), "-D", self.pgdata, "-w", "-o", self._options(), "-l", self._log(), "start"]
            )
        subprocess.run(command, check=True, capture_output=True)

    def _options(self) -> str:
        """The options the server was last started with (pg_ctl keeps them in postmaster.opts)."""
        words = shlex.split((Path(self.pgdata) / "postmaster.opts").read_text())[1:]
        kept = []
        skip = False
        for word in words:
            if skip:
                skip = False
            elif word == "-D":
                skip = True
            else:
                kept.append(shlex.quote(word))
        return " ".join(kept)

    def _log(self) -> str:
        return str(Path(self.pgdata) / "soak-restart.log")

    def ensure_running(self, url: str) -> None:
        if not answers(url):
            self.start()


def maintenance_url(url: str) -> str:
    return urlsplit(url)._replace(path="/postgres").geturl()


def cluster_on(url: str) -> str:
    """The Debian cluster (VERSION/NAME) listening on the database URL's port, from pg_lsclusters."""
    port = str(urlsplit(url).port or 5432)
    listing = subprocess.run(["pg_lsclusters", "--no-header"], capture_output=True, text=True, check=True).stdout
    for line in listing.splitlines():
        version, name, cluster_port, *_ = line.split()
        if cluster_port == port:
            return f"{version}/{name}"
    raise SystemExit(f"soak: no Debian cluster listens on port {port}; name the server with --pgdata")


def answers(url: str) -> bool:
    """Whether the server accepts connections (to its maintenance database)."""
    try:
        psycopg2.connect(maintenance_url(url), connect_timeout=1).close()
    except psycopg2.OperationalError:
        return False
    return True


def recreate_database(url: str) -> None:
    name = urlsplit(url).path.lstrip("/")
    connection = psycopg2.connect(maintenance_url(url))
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()


def drop_database(url: str) -> None:
    connection = psycopg2.connect(maintenance_url(url))
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{urlsplit(url).path.lstrip("/")}" WITH (FORCE)')
    connection.close()


# --- The application ---------------------------------------------------------------------------


def app_environment(url: str, port: int, workers: int, threads: int) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    env.update(
        DJANGO_SETTINGS_MODULE="archive.settings",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_STATIC_ROOT=str(WORK / "soak-static"),
        # The soak's clients all come from 127.0.0.1: rate limits are not what it measures.
        DJANGO_THROTTLE_ANON="1000000/min",
        DJANGO_THROTTLE_USER="1000000/min",
        DATABASE_URL=url,
        HOST="127.0.0.1",
        PORT=str(port),
        WEB_CONCURRENCY=str(workers),
        GUNICORN_THREADS=str(threads),
        GUNICORN_LOG_LEVEL="warning",
    )
    return env


def prepare(env: dict[str, str]) -> dict:
    """Migrate, load the demo data, collect static files, create an editor with a token."""
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command
    from django.db import connections

    from events.demo import load_demo_data
    from events.models import Person, Source

    call_command("migrate", verbosity=0, interactive=False)
    load_demo_data()
    # The API documentation's bundles are not requested by the soak; skipping them saves a minute.
    shutil.rmtree(WORK / "soak-static", ignore_errors=True)
    call_command(
        "collectstatic",
        interactive=False,
        verbosity=0,
        ignore_patterns=["drf_spectacular_sidecar", "rest_framework"],
    )
    password = secrets.token_urlsafe(16)
    editor = User.objects.create_user("soak-editor", password=password, is_staff=True)
    editor.groups.add(Group.objects.get(name="Editors"))
    fixtures = {
        "persons": list(Person.objects.order_by("pk").values_list("slug", flat=True)[:2]),
        "source": Source.objects.order_by("pk").values_list("pk", flat=True).first(),
        "username": "soak-editor",
        "password": password,
    }
    connections.close_all()
    return fixtures


def start_gunicorn(env: dict[str, str], port: int) -> subprocess.Popen:
    WORK.mkdir(parents=True, exist_ok=True)
    output = (WORK / "soak-gunicorn.log").open("w")
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "--config",
            "archive/gunicorn.conf.py",
            "--access-logfile",
            "/dev/null",
        ],
        cwd=ROOT,
        env=env,
        stdout=output,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"soak: gunicorn exited; see {WORK / 'soak-gunicorn.log'}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/api/", headers=HEADERS)
            if connection.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.2)
    raise SystemExit("soak: gunicorn did not answer within a minute")


HEADERS = {"Host": "127.0.0.1", "X-Forwarded-Proto": "https", "Accept": "application/json, text/html"}


def obtain_token(port: int, username: str, password: str) -> str:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    body = json.dumps({"username": username, "password": password})
    connection.request("POST", "/api/auth/token/", body, {**HEADERS, "Content-Type": "application/json"})
    response = connection.getresponse()
    payload = response.read()
    if response.status != 200:
        raise SystemExit(f"soak: the token endpoint answered {response.status}: {payload[:200]!r}")
    return json.loads(payload)["token"]


# --- The load ----------------------------------------------------------------------------------


class Client(threading.Thread):
    """One user of the archive: a keep-alive connection, requests one after another."""

    def __init__(self, number: int, port: int, token: str, fixtures: dict, deadline: float, run: Run) -> None:
        super().__init__(daemon=True)
        self.random = random.Random(number)
        self.port = port
        self.token = token
        self.fixtures = fixtures
        self.deadline = deadline
        self.run_ = run
        self.connection: http.client.HTTPConnection | None = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.work()
        except BaseException as error:
            self.error = error
            raise

    def work(self) -> None:
        kinds = list(MIX)
        weights = list(MIX.values())
        while time.monotonic() < self.deadline:
            kind = self.random.choices(kinds, weights)[0]
            method, path, body, write_id = self.request_for(kind)
            started = time.monotonic()
            status = self.send(method, path, body)
            outcome = Outcome(kind, started, time.monotonic(), status, write_id)
            with self.run_.lock:
                self.run_.outcomes.append(outcome)
        if self.connection is not None:
            self.connection.close()

    def request_for(self, kind: str) -> tuple[str, str, dict | None, str]:
        if kind == "page":
            return "GET", self.random.choice(PAGES), None, ""
        if kind == "api_read":
            return "GET", self.random.choice(API_READS), None, ""
        if kind == "search":
            return "GET", self.random.choice(SEARCHES), None, ""
        write_id = f"soak {uuid.uuid4()}"
        if kind == "write_source":
            return "POST", "/api/sources/", {"title": write_id, "outlet": "soak test", "language": "en"}, write_id
        first, second = self.fixtures["persons"]
        source = self.fixtures["source"]
        delegation = {
            "sending_state": "dpr",
            "host_state": "south-ossetia",
            "date": "2015-04-28",
            "occasion": write_id,
            "participants": [
                {"person": first, "side": "delegation", "role": "head", "position": "soak"},
                {"person": second, "side": "host", "role": "member", "position": "soak"},
            ],
            "citations": [
                {"source": source, "quotation": "first", "locator": "p. 1"},
                {"source": source, "quotation": "second", "locator": "p. 2"},
            ],
        }
        return "POST", "/api/delegations/", delegation, write_id

    def send(self, method: str, path: str, body: dict | None) -> str:
        headers = dict(HEADERS)
        payload = None
        if body is not None:
            headers.update({"Authorization": f"Token {self.token}", "Content-Type": "application/json"})
            payload = json.dumps(body).encode()
        try:
            if self.connection is None:
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            self.connection.request(method, path, payload, headers)
            response = self.connection.getresponse()
            response.read()
            if response.getheader("Connection", "").lower() == "close":
                self.connection.close()
                self.connection = None
            return str(response.status)
        except (OSError, http.client.HTTPException) as error:
            if self.connection is not None:
                self.connection.close()
            self.connection = None
            return type(error).__name__


def restart_database(server: Server, url: str, at: float, outage: float, run: Run) -> None:
    """At `at`, stop PostgreSQL, keep it down for `outage` seconds, start it, note when it answers."""
    time.sleep(max(0.0, at - time.monotonic()))
    run.restart.stop_requested = time.monotonic()
    log("stopping PostgreSQL")
    try:
        server.stop()
        time.sleep(outage)
        server.start()
    except (OSError, subprocess.CalledProcessError) as error:
        run.restart_error = error
        return
    run.restart.started_again = time.monotonic()
    while not answers(url):
        time.sleep(0.05)
    run.restart.answering = time.monotonic()
    log(f"PostgreSQL answers again, {run.restart.answering - run.restart.stop_requested:.1f} s after the stop")


# --- The audit and the report ------------------------------------------------------------------


def audit_writes(outcomes: list[Outcome], fixtures: dict) -> dict[str, int]:
    """Every acknowledged write present and whole; no failed write present in part."""
    from django.db import connections
    from django.db.models import Count

    from events.models import Delegation, Source

    connections.close_all()  # the connections from before the restart are gone
    sources = set(Source.objects.filter(outlet="soak test").values_list("title", flat=True))
    delegations = {
        occasion: (participants, citations)
        for occasion, participants, citations in Delegation.objects.filter(occasion__startswith="soak ")
        .annotate(participants_=Count("participants", distinct=True), citations_=Count("citations", distinct=True))
        .values_list("occasion", "participants_", "citations_")
    }
    result = Counter()
    for outcome in outcomes:
        if outcome.kind not in WRITE_KINDS:
            continue
        if outcome.kind == "write_source":
            present, whole = outcome.write_id in sources, outcome.write_id in sources
        else:
            counts = delegations.get(outcome.write_id)
            present, whole = counts is not None, counts == (2, 2)
        if outcome.ok:
            result["acknowledged"] += 1
            result["acknowledged, missing"] += not present
            result["acknowledged, incomplete"] += present and not whole
        else:
            result["failed"] += 1
            result["failed, half-written"] += present and not whole
            # The answer was lost after the commit: whole, and visible to a client who looks.
            result["failed, yet written whole"] += present and whole
    acknowledged_ids = {o.write_id for o in outcomes if o.kind in WRITE_KINDS}
    result["written, never requested"] = len((sources | set(delegations)) - acknowledged_ids)
    return result


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def summarise(run: Run, started: float, finished: float) -> dict:
    restart = run.restart
    back = restart.answering + GRACE_SECONDS
    phases = {"before the stop": [], "while down and the first second back": [], "after the database was back": []}
    for outcome in run.outcomes:
        if outcome.finished < restart.stop_requested:
            phases["before the stop"].append(outcome)
        elif outcome.started < back:
            phases["while down and the first second back"].append(outcome)
        else:
            phases["after the database was back"].append(outcome)
    first_ok_after = min(
        (o.finished for o in run.outcomes if o.ok and o.started >= restart.answering), default=float("nan")
    )
    by_kind = defaultdict(list)
    for outcome in run.outcomes:
        by_kind[outcome.kind].append(outcome)
    return {
        "seconds": finished - started,
        "requests": len(run.outcomes),
        "phases": {
            name: {"requests": len(items), "errors": Counter(o.status for o in items if not o.ok)}
            for name, items in phases.items()
        },
        "kinds": {
            kind: {
                "requests": len(items),
                "ok": sum(o.ok for o in items),
                "statuses": Counter(o.status for o in items),
                "p50": statistics.median([o.finished - o.started for o in items if o.ok] or [0]),
                "p95": percentile([o.finished - o.started for o in items if o.ok], 0.95),
            }
            for kind, items in sorted(by_kind.items())
        },
        "down_seconds": restart.answering - restart.stop_requested,
        "stop_at": restart.stop_requested - started,
        "first_ok_after_back": first_ok_after - restart.answering,
    }


def verdicts(summary: dict, audit: dict[str, int]) -> list[tuple[str, bool]]:
    phases = summary["phases"]
    return [
        ("no error before the restart", not phases["before the stop"]["errors"]),
        (
            f"no error once PostgreSQL answered again (after a {GRACE_SECONDS:.0f} s grace)",
            not phases["after the database was back"]["errors"],
        ),
        ("requests kept coming after the restart", phases["after the database was back"]["requests"] > 0),
        ("every acknowledged write is in the database", audit["acknowledged, missing"] == 0),
        ("every acknowledged write is whole", audit["acknowledged, incomplete"] == 0),
        ("no failed write is half-written", audit["failed, half-written"] == 0),
        ("nothing written that no client asked for", audit["written, never requested"] == 0),
    ]


def report(summary: dict, audit: dict[str, int], options: argparse.Namespace, server: Server, path: Path) -> bool:
    checks = verdicts(summary, audit)
    lines = [
        "# Soak test: load while PostgreSQL restarts",
        "",
        "Written by `make soak` (bench/soak.py); the numbers below are from the last run.",
        "",
        f"- run: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {summary['seconds']:.0f} s, "
        f"{options.concurrency} clients, gunicorn {options.workers} workers × {options.threads} threads, "
        f"PostgreSQL 15 on loopback, {os.cpu_count()} cores shared with other work",
        f"- mix: {', '.join(f'{kind} {share}%' for kind, share in MIX.items())}",
        f"- server restarted: {server.describe()}",
        f"- PostgreSQL stopped at {summary['stop_at']:.1f} s (fast shutdown), kept down {options.outage:.1f} s, "
        f"answering again {summary['down_seconds']:.1f} s after the stop",
        f"- first successful request after it answered: {summary['first_ok_after_back']:.2f} s later",
        f"- requests: {summary['requests']} ({summary['requests'] / summary['seconds']:.0f}/s)",
        "",
        "| phase | requests | errors |",
        "| --- | ---: | --- |",
    ]
    for name, phase in summary["phases"].items():
        errors = ", ".join(f"{count} × {status}" for status, count in phase["errors"].most_common()) or "none"
        lines.append(f"| {name} | {phase['requests']} | {errors} |")
    lines += [
        "",
        "| kind | requests | 2xx | statuses | median | 95th percentile |",
        "| --- | ---: | ---: | --- | ---: | ---: |",
    ]
    for kind, data in summary["kinds"].items():
        statuses = ", ".join(f"{status}: {count}" for status, count in sorted(data["statuses"].items()))
        lines.append(
            f"| {kind} | {data['requests']} | {data['ok']} | {statuses} | "
            f"{data['p50'] * 1000:.0f} ms | {data['p95'] * 1000:.0f} ms |"
        )
    lines += ["", "Writes, checked in the database after the run:", ""]
    lines += [f"- {name}: {count}" for name, count in sorted(audit.items())]
    lines += ["", "Targets:", ""]
    lines += [f"- [{'x' if passed else ' '}] {name}" for name, passed in checks]
    lines += [
        "",
        "Method: each client keeps one HTTP connection and sends requests back to back; writes carry",
        "an editor's token and a unique title or occasion; a delegation is written with two",
        "participants and two citations in one request. A request counts as before the stop if it",
        "ended before PostgreSQL was told to stop; as during the outage if it was in flight then, or",
        "started while the server was down or within the grace second after it answered; and as",
        "after, where the target is no error, if it started later. The audit compares every write",
        "with the database: acknowledged ones must be there whole; failed ones may be absent, or",
        "whole when the answer was lost after the commit, but never partly there.",
        "",
    ]
    text = "\n".join(lines)
    path.write_text(text)
    print(text)
    return all(passed for _, passed in checks)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url", default=os.environ.get("SOAK_DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/ra_soak"
    )
    parser.add_argument("--pgdata", default=os.environ.get("SOAK_PGDATA") or None)
    parser.add_argument("--cluster", default=os.environ.get("SOAK_CLUSTER") or None)
    parser.add_argument("--duration", type=float, default=float(os.environ.get("SOAK_DURATION", 120)))
    parser.add_argument("--concurrency", type=int, default=int(os.environ.get("SOAK_CONCURRENCY", 8)))
    parser.add_argument("--outage", type=float, default=2.0, help="seconds PostgreSQL stays down")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--port", type=int, default=int(os.environ.get("SOAK_PORT", 8450)))
    parser.add_argument("--report", type=Path, default=Path(os.environ.get("SOAK_REPORT", ROOT / "bench" / "SOAK.md")))
    parser.add_argument("--keep-database", action="store_true")
    options = parser.parse_args()
    if options.duration > 600:
        parser.error("--duration: at most 600 seconds")
    server = Server(options.pgdata, options.cluster or (None if options.pgdata else cluster_on(options.database_url)))
    server.ensure_running(options.database_url)

    log(f"preparing {options.database_url}")
    recreate_database(options.database_url)
    env = app_environment(options.database_url, options.port, options.workers, options.threads)
    fixtures = prepare(env)
    gunicorn = start_gunicorn(env, options.port)
    try:
        token = obtain_token(options.port, fixtures["username"], fixtures["password"])
        run = Run()
        started = time.monotonic()
        deadline = started + options.duration
        restarter = threading.Thread(
            target=restart_database,
            args=(server, options.database_url, started + options.duration * 0.4, options.outage, run),
            daemon=True,
        )
        clients = [Client(n, options.port, token, fixtures, deadline, run) for n in range(options.concurrency)]
        log(
            f"{options.concurrency} clients for {options.duration:.0f} s; PostgreSQL stops at {options.duration * 0.4:.0f} s"
        )
        restarter.start()
        for client in clients:
            client.start()
        for client in clients:
            client.join()
        restarter.join()
        finished = time.monotonic()
    finally:
        gunicorn.terminate()
        gunicorn.wait(timeout=60)
        server.ensure_running(options.database_url)
    broken = [client.error for client in clients if client.error is not None]
    if broken:
        raise SystemExit(f"soak: {len(broken)} clients stopped early, the first with {broken[0]!r}")
    if run.restart_error is not None:
        stderr = getattr(run.restart_error, "stderr", b"") or b""
        raise SystemExit(f"soak: could not restart PostgreSQL: {run.restart_error} {stderr.decode(errors='replace')}")
    summary = summarise(run, started, finished)
    audit = audit_writes(run.outcomes, fixtures)
    passed = report(summary, audit, options, server, options.report)
    if not options.keep_database:
        from django.db import connections

        connections.close_all()
        drop_database(options.database_url)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
