"""The collector's share of a request under Python's default thresholds and under the workers' own
(archive/gunicorn.conf.py GC_THRESHOLDS): why the workers collect less often.

    .venv/bin/python bench/gc_threshold.py                 # the benchmark's scenarios
    .venv/bin/python bench/gc_threshold.py /states/kosaria/

Opens the benchmark's archive as bench/profile.py does (DEBUG off, response cache off), freezes
what exists after a first request of each path as the gunicorn master does (`gc.freeze()`), then
asks each path ten times under one setting and ten times under the other, six rounds alternated
in the same process, and prints per request the median process CPU time, the time spent in
collections (timed by `gc.callbacks`) and the number of collections of the first generation.
"""

from __future__ import annotations

import gc
import runpy
import statistics
import sys
import time
from pathlib import Path
from profile import SCENARIOS, setup_django  # bench/profile.py: this folder comes first on sys.path

ROOT = Path(__file__).resolve().parent.parent
ROUNDS, REQUESTS = 6, 10


def main(paths: list[str]) -> None:
    setup_django()
    from django.test import Client

    settings = {
        "Python's default": gc.get_threshold(),
        "the workers'": runpy.run_path(str(ROOT / "archive" / "gunicorn.conf.py"))["GC_THRESHOLDS"],
    }
    client = Client(HTTP_X_FORWARDED_PROTO="https")
    for path in paths:
        if client.get(path, secure=True).status_code != 200:
            sys.exit(f"gc_threshold: {path} answered 200 only after an error")
    gc.collect()
    gc.freeze()

    started = [0.0]
    spent = [0.0]

    def timer(phase: str, info: dict) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            spent[0] += time.perf_counter() - started[0]

    gc.callbacks.append(timer)
    found: dict[tuple[str, str], list[tuple[float, float, int]]] = {}
    for _ in range(ROUNDS):
        for name, thresholds in settings.items():
            gc.set_threshold(*thresholds)
            for path in paths:
                spent[0] = 0.0
                collections = gc.get_stats()[0]["collections"]
                cpu = time.process_time()
                for _ in range(REQUESTS):
                    client.get(path, secure=True)
                cpu = time.process_time() - cpu
                collections = gc.get_stats()[0]["collections"] - collections
                found.setdefault((path, name), []).append((cpu / REQUESTS, spent[0] / REQUESTS, collections / REQUESTS))
    gc.callbacks.remove(timer)
    for path in paths:
        print(path)
        for name, thresholds in settings.items():
            runs = found[(path, name)]
            cpu = statistics.median(run[0] for run in runs) * 1000
            collecting = statistics.median(run[1] for run in runs) * 1000
            collections = statistics.median(run[2] for run in runs)
            print(
                f"  {name:>16} {thresholds}: {cpu:6.2f} ms CPU, {collecting:5.2f} ms collecting, "
                f"{collections:5.1f} first-generation collections per request"
            )


if __name__ == "__main__":
    main(sys.argv[1:] or SCENARIOS)
