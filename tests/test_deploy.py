"""Production settings and serving, exercised the way an operator starts them: in subprocesses
with a production environment, never with the test settings of this process."""

import gzip
import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
# Ports of the reliability work (8400-8499); the deploy test takes the first free one of these.
PORTS = range(8400, 8420)


def production_env(**overrides: str) -> dict[str, str]:
    """The environment of a production server: DEBUG off, a strong secret, named hosts."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "DATABASE_URL"))}
    env.update(
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DJANGO_ALLOWED_HOSTS="archive.example.org,127.0.0.1",
    )
    env.update(overrides)
    return env


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180, check=False
    )


def test_check_deploy_reports_nothing_in_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_fails_on_a_short_secret():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env(DJANGO_SECRET_KEY="x" * 20))
    assert result.returncode != 0
    assert "security.W009" in result.stdout + result.stderr


@pytest.mark.parametrize(
    "command",
    [
        [PYTHON, "manage.py", "check"],
        [PYTHON, "manage.py", "migrate", "--plan"],
        [GUNICORN, "--config", "archive/gunicorn.conf.py", "--check-config"],
    ],
    ids=["check", "migrate", "gunicorn"],
)
def test_nothing_starts_without_a_secret_when_debug_is_off(command):
    env = production_env()
    del env["DJANGO_SECRET_KEY"]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def free_port() -> int:
    for port in PORTS:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    pytest.fail(f"no free port in {PORTS}")


def fetch(url: str, headers: dict[str, str] | None = None):
    """GET without following redirects: (status, headers, body)."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(url, headers={"Host": "127.0.0.1", **(headers or {})})
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


@pytest.fixture(scope="module")
def production_server(tmp_path_factory):
    """gunicorn with archive/gunicorn.conf.py on a fresh SQLite file, as `make serve` runs it.

    collectstatic skips every vendor/ directory and the API-documentation bundles, whose
    compression alone takes a minute; the admin's own files go through the same storage.
    """
    work = tmp_path_factory.mktemp("serve")
    port = free_port()
    env = production_env(
        DATABASE_URL=f"sqlite:///{work / 'archive.sqlite3'}",
        DJANGO_STATIC_ROOT=str(work / "static"),
        PORT=str(port),
        WEB_CONCURRENCY="1",
        GUNICORN_THREADS="2",
    )
    for args in (
        ["migrate", "--noinput"],
        ["collectstatic", "--noinput", "--verbosity", "0"]
        + [f"--ignore={pattern}" for pattern in ("drf_spectacular_sidecar", "rest_framework", "vendor")],
    ):
        result = manage(*args, env=env)
        assert result.returncode == 0, result.stderr
    log = (work / "gunicorn.log").open("w+")
    server = subprocess.Popen(
        [GUNICORN, "--config", "archive/gunicorn.conf.py"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                fetch(f"{base}/admin/login/")
                break
            except OSError:
                assert server.poll() is None, (work / "gunicorn.log").read_text()
                assert time.monotonic() < deadline, "gunicorn did not answer within 30 seconds"
                time.sleep(0.2)
        yield base, work
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


HTTPS = {"X-Forwarded-Proto": "https"}


def test_plain_http_is_redirected_to_https(production_server):
    base, _ = production_server
    status, headers, _ = fetch(f"{base}/admin/login/")
    assert status == 301
    assert headers["Location"] == "https://127.0.0.1/admin/login/"


def test_pages_through_the_tls_proxy_carry_the_security_headers(production_server):
    base, _ = production_server
    status, headers, body = fetch(f"{base}/admin/login/", HTTPS)
    assert status == 200
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    cookies = headers.get_all("Set-Cookie")
    assert cookies
    assert all("Secure" in cookie for cookie in cookies)
    assert b"/static/admin/css/base." in body, "the page should link the hashed name of the admin's CSS"


def test_static_files_are_hashed_compressed_and_cached_forever(production_server):
    base, work = production_server
    manifest = json.loads((work / "static" / "staticfiles.json").read_text())
    hashed = manifest["paths"]["admin/css/base.css"]
    assert hashed != "admin/css/base.css"
    status, headers, body = fetch(f"{base}/static/{hashed}", {**HTTPS, "Accept-Encoding": "gzip"})
    assert status == 200
    assert headers["Content-Encoding"] == "gzip"
    assert "immutable" in headers["Cache-Control"]
    original = (work / "static" / hashed).read_bytes()
    assert len(body) < len(original)
    assert gzip.decompress(body) == original


def test_errors_show_no_debug_page(production_server):
    base, _ = production_server
    status, _, body = fetch(f"{base}/admin/login/", {**HTTPS, "Host": "attacker.example.com"})
    assert status == 400
    assert b"DisallowedHost" not in body
    assert b"Traceback" not in body


def test_access_log_goes_to_standard_output(production_server):
    base, work = production_server
    fetch(f"{base}/admin/login/?probe=access-log", HTTPS)
    deadline = time.monotonic() + 5
    while "probe=access-log" not in (work / "gunicorn.log").read_text():
        assert time.monotonic() < deadline, "the request did not reach the access log"
        time.sleep(0.1)


def test_gunicorn_freezes_the_imported_app_before_forking_workers():
    """archive/gunicorn.conf.py's when_ready (run in the master once the preloaded app is
    imported): the objects that exist then are moved out of the collector's reach, and the
    workers forked after it inherit the raised first-generation threshold."""
    import gc
    import runpy

    config = runpy.run_path(str(ROOT / "archive" / "gunicorn.conf.py"))
    assert config["preload_app"] is True
    before, thresholds = gc.get_freeze_count(), gc.get_threshold()
    try:
        config["when_ready"](None)
        assert gc.get_freeze_count() > max(before, 10_000)
        # The workers forked from the master collect the first generation far less often.
        assert gc.get_threshold() == config["GC_THRESHOLDS"]
        assert config["GC_THRESHOLDS"][0] >= 10_000
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)
