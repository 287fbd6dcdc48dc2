"""Gunicorn settings for `make serve` and production: `gunicorn -c archive/gunicorn.conf.py`.

Every value comes from the environment with a default that suits one small server; README.md
("Deploying") lists them. The app keeps no state in the process, so workers and servers can be
added freely: the database is the only thing they share.
"""

import gc
import os


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


wsgi_app = "archive.wsgi:application"
bind = f"{os.environ.get('HOST', '127.0.0.1')}:{env_int('PORT', 8000)}"

# Processes × threads is the number of requests served at once. One thread per process by
# default: a request here is CPU-bound Python (a local database answers in well under a
# millisecond), and threads of one process then fight over the GIL. SQLite's driver releases
# it at every row it steps, so a state page reading 2,200 acts hands the GIL over thousands of
# times: with 4 threads busy, the page cost twice the CPU of the same requests one at a time
# (49 against 26 ms) and 2 workers × 4 threads served it at 18 req/s against 56 for 2 × 1
# (README "Performance"). Spare processes (2 × cores + 1) cover the waits instead. Raise
# GUNICORN_THREADS when the database is far away and requests mostly wait on it.
workers = env_int("WEB_CONCURRENCY", 2 * (os.cpu_count() or 1) + 1)
threads = env_int("GUNICORN_THREADS", 1)
worker_class = "gthread"
timeout = env_int("GUNICORN_TIMEOUT", 30)
graceful_timeout = 20
keepalive = 5
# The application is imported once, in the master: a worker (re)starts as a fork, in
# milliseconds, and the workers share the imported code's memory.
preload_app = True
# Workers are not recycled unless GUNICORN_MAX_REQUESTS says after how many requests. Their
# memory stays flat under load (bench/RESULTS.md, "worker RSS"), and each recycling stalls the
# requests waiting on that worker: the benchmark's trivial view had p99 0.5-1.3 s with recycling
# every 2,000 requests, 27-66 ms without (bench/RESULTS.md, "What each change bought").
max_requests = env_int("GUNICORN_MAX_REQUESTS", 0)
max_requests_jitter = max_requests // 10

# The proxy in front terminates TLS; Django trusts its X-Forwarded-Proto (SECURE_PROXY_SSL_HEADER).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Logs go to the standard streams, where the service manager or container runtime collects them.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")

# Several gunicorns may run on one host (app servers, the soak test): no shared control socket.
control_socket_disable = True


def when_ready(server) -> None:
    """The app is imported (preload_app): its objects, about 120,000, go to the collector's
    permanent generation, inherited by every worker forked from here. A full collection then
    walks only what requests made: 3-13 ms instead of about 80 ms, and the collector's share of
    a worker's CPU fell from 8.3% to 5.8% over the benchmark's pages (README "Performance").
    The workers also stop writing to those objects' pages, so they stay shared.

    The workers inherit a first-generation threshold of 50,000 rather than 700. Reference
    counting frees almost everything a page makes; the collections its allocations still set
    off (about two per state page, the older generations' among them) found next to nothing,
    yet took 2.1 ms of a state's page and 0.3-0.7 ms of a list or a search (bench/gc_threshold.py).
    Cyclic garbage now waits for 50,000 objects: some MB, freed at the next collection."""
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


# Collections: the first generation after 50,000 net allocations; the older ones as before, in
# the same proportion of collections of the younger (Python's defaults: 700, 10, 10).
GC_THRESHOLDS = (50_000, 10, 10)
