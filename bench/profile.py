"""CPU time of one request, in one process: the figures of RESULTS.md "What each change bought".

    .venv/bin/python bench/profile.py                      # the benchmark's scenarios
    .venv/bin/python bench/profile.py /states/kosaria/     # any path
    PROFILE=1 .venv/bin/python bench/profile.py /states/kosaria/   # with a pyinstrument profile

It opens the 100,000-recognition SQLite archive that `make bench` built (bench/work/sqlite-100000-*,
or BENCH_DATABASE_URL), with DEBUG off and the response cache off, and asks each path through
Django's test client: the median process CPU time of five requests (SQLite runs in the process,
so its time counts), the number of queries and the size of the answer. Process CPU time is what
a loaded machine disturbs least; the requests/s of `make bench` are what the targets are judged on.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = [
    "/api/recognitions/?recognized=kosaria&page_size=50",
    "/recognitions/?recognized=kosaria",
    "/states/kosaria/",
    "/api/states/kosaria/recognition-status/?date=2000-01-01",
    "/search/?q=Kosaria",
    "/api/recognitions/?search=Kosaria",
    "/_bench/ceiling/",
]


def database_url() -> str:
    if url := os.environ.get("BENCH_DATABASE_URL"):
        return url
    builds = sorted((ROOT / "bench" / "work").glob("sqlite-100000-*/archive.sqlite3"))
    if not builds:
        sys.exit("profile: no benchmark archive; run `make bench` first or set BENCH_DATABASE_URL")
    return f"sqlite:///{builds[-1]}"


def setup_django() -> None:
    """Django in production settings (DEBUG off, the response cache off) on the benchmark archive."""
    os.environ.update(
        DATABASE_URL=database_url(),
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY="profile-" * 8,
        DJANGO_ALLOWED_HOSTS="testserver",
        DJANGO_RESPONSE_CACHE="false",
        DJANGO_STATIC_ROOT=str(ROOT / "bench" / "work" / "static"),
        DJANGO_THROTTLE_ANON="100000000/min",
        DJANGO_THROTTLE_USER="100000000/min",
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "archive.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def main(paths: list[str]) -> None:
    setup_django()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_X_FORWARDED_PROTO="https")
    for path in paths:
        times = []
        for _ in range(5):
            started = time.process_time()
            response = client.get(path, secure=True)
            times.append(time.process_time() - started)
            if response.status_code != 200:
                sys.exit(f"profile: {path} answered {response.status_code}")
        with CaptureQueriesContext(connection) as queries:
            client.get(path, secure=True)
        print(
            f"{statistics.median(times) * 1000:8.1f} ms  {len(queries.captured_queries):3d} queries  "
            f"{len(response.content):7d} bytes  {path}",
            flush=True,
        )
        if os.environ.get("PROFILE"):
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.0005)
            with profiler:
                for _ in range(3):
                    client.get(path, secure=True)
            print(profiler.output_text(unicode=True, color=False))


if __name__ == "__main__":
    main(sys.argv[1:] or SCENARIOS)
