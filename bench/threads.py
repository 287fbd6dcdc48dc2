"""CPU per request with one thread against four in one process: why gunicorn runs one thread.

    .venv/bin/python bench/threads.py /states/kosaria/ 40

Opens the benchmark's archive as bench/profile.py does (DEBUG off, response cache off) and asks
the path N times, first from one thread, then from four at once, twice over, printing the wall
and process CPU time per request. Four threads in one process contend for the GIL, which
SQLite's driver releases at every row it reads; the CPU each request costs is what shows it.
"""

from __future__ import annotations

import sys
import threading
import time
from profile import setup_django  # bench/profile.py: this folder comes first on sys.path


def main(path: str, count: int) -> None:
    setup_django()
    from django.test import Client

    def work(requests: int) -> None:
        client = Client()
        for _ in range(requests):
            response = client.get(path, secure=True)
            if response.status_code != 200:
                sys.exit(f"threads: {path} answered {response.status_code}")

    work(3)
    for threads in (1, 4, 1, 4):
        wall, cpu = time.perf_counter(), time.process_time()
        workers = [threading.Thread(target=work, args=(count // threads,)) for _ in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        print(f"{threads} thread(s): {wall / count * 1000:6.1f} ms wall, {cpu / count * 1000:6.1f} ms CPU per request")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/states/kosaria/", int(sys.argv[2]) if len(sys.argv) > 2 else 40)
