"""The response cache: repeated anonymous reads come from it, conditional GETs get 304, and no
write of any kind ever leaves a stale page or API answer behind, in this process or another."""

import http.cookiejar
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from django.apps import apps
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.utils.http import http_date

from events.cache import CACHE_ALIAS, current_data_version
from events.models import Recognition, State

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
LIST = "/recognitions/?recognized=dpr"
API_LIST = "/api/recognitions/?recognized=dpr"
PROFILE = "/states/south-ossetia/"


@pytest.fixture(autouse=True)
def response_cache(settings):
    settings.RESPONSE_CACHE = True
    caches[CACHE_ALIAS].clear()
    yield
    caches[CACHE_ALIAS].clear()


def without_tokens(content: bytes) -> bytes:
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]*"', b"", content)


@pytest.mark.parametrize("path", [LIST, API_LIST, PROFILE])
def test_a_repeated_anonymous_read_comes_from_the_cache(demo, client, path):
    first = client.get(path)
    second = client.get(path)
    assert (first.status_code, second.status_code) == (200, 200)
    assert (first["X-Cache"], second["X-Cache"]) == ("miss", "hit")
    assert without_tokens(second.content) == without_tokens(first.content)
    assert second["ETag"] == first["ETag"]


def rename_south_ossetia(name):
    state = State.objects.get(slug="south-ossetia")
    state.name = name
    state.save()


WRITES = {
    "save": rename_south_ossetia,
    "queryset update": lambda name: State.objects.filter(slug="south-ossetia").update(name=name),
    "raw SQL": lambda name: connection.cursor().execute(
        "UPDATE events_state SET name = %s WHERE slug = 'south-ossetia'", [name]
    ),
}


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
@pytest.mark.parametrize("path", [LIST, API_LIST, PROFILE])
def test_any_write_is_seen_by_the_next_read(demo, client, write, path):
    client.get(path)
    assert client.get(path)["X-Cache"] == "hit"
    write("Republic of Alania")
    after = client.get(path)
    assert after["X-Cache"] == "miss"
    assert "Republic of Alania" in after.content.decode()


def test_a_deleted_act_disappears_at_once(demo, client):
    assert b"south-ossetia" in client.get(API_LIST).content
    Recognition.objects.filter(recognized_state__slug="dpr").delete()
    assert client.get(API_LIST).json()["count"] == 0


def test_signed_in_staff_are_never_served_from_the_cache_and_see_drafts(demo, admin_client):
    act = Recognition.objects.get(recognized_state__slug="dpr")
    act.publication_status = "draft"
    act.save()
    client = Client()
    assert client.get(API_LIST).json()["count"] == 0
    assert client.get(API_LIST)["X-Cache"] == "hit"
    staff = admin_client.get(API_LIST)
    assert staff.json()["count"] == 1
    assert "X-Cache" not in staff
    assert client.get(API_LIST).json()["count"] == 0


def test_a_request_with_an_authorization_header_is_not_served_from_the_cache(demo, client):
    client.get(API_LIST)
    assert "X-Cache" not in client.get(API_LIST, headers={"Authorization": "Token nonsense"})


def test_an_unchanged_page_is_not_sent_again(demo, client):
    first = client.get(PROFILE)
    again = client.get(PROFILE, headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 304
    assert again.content == b""
    rename_south_ossetia("Republic of Alania")
    changed = client.get(PROFILE, headers={"If-None-Match": first["ETag"]})
    assert changed.status_code == 200
    assert changed["ETag"] != first["ETag"]


def test_last_modified_is_the_time_of_the_last_write(demo, client):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE events_dataversion SET changed_at = changed_at - 60")
    version = current_data_version()
    response = client.get(API_LIST)
    assert response["Last-Modified"] == http_date(version.changed_at)
    assert client.get(API_LIST, headers={"If-Modified-Since": response["Last-Modified"]}).status_code == 304
    rename_south_ossetia("Republic of Alania")
    assert client.get(API_LIST, headers={"If-Modified-Since": response["Last-Modified"]}).status_code == 200


def test_no_last_modified_within_the_second_of_a_write(demo, client):
    """A second write in the same second would carry the same HTTP date: only the ETag is safe."""
    rename_south_ossetia("Republic of Alania")
    response = client.get(API_LIST)
    assert "Last-Modified" not in response
    assert "ETag" in response


def test_each_visitor_gets_a_csrf_token_of_their_own_on_a_cached_page(demo):
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first.get(PROFILE)
    page = second.get(PROFILE)
    assert page["X-Cache"] == "hit"
    form = BeautifulSoup(page.content, "html.parser").find("input", {"name": "csrfmiddlewaretoken"})
    switched = second.post("/i18n/setlang/", {"csrfmiddlewaretoken": form["value"], "language": "ru", "next": PROFILE})
    assert switched.status_code == 302


def test_each_language_has_its_own_entry(demo, client):
    english = client.get(PROFILE)
    russian = client.get(PROFILE, headers={"Accept-Language": "ru"})
    assert russian["X-Cache"] == "miss"
    assert BeautifulSoup(english.content, "html.parser").html["lang"] == "en"
    assert BeautifulSoup(russian.content, "html.parser").html["lang"] == "ru"


def test_every_archive_table_bumps_the_data_version(demo):
    """A model added later must get the triggers of migration 0004 in a migration of its own."""
    tables = {
        model._meta.db_table
        for model in apps.get_app_config("events").get_models()
        if not model.__name__.startswith("Historical")
    }
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT DISTINCT event_object_table FROM information_schema.triggers "
                "WHERE action_statement LIKE '%events_bump_data_version%'"
            )
        else:
            cursor.execute(
                "SELECT DISTINCT tbl_name FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%data_version%'"
            )
        triggered = {row[0] for row in cursor.fetchall()}
    assert tables <= triggered
    before = current_data_version().number
    Recognition.objects.update(notes="checked")
    assert current_data_version().number > before


# --- two server processes sharing one database ---------------------------------------------------


class Browser:
    """One visitor of a running server, with its own cookies."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect()
        )

    def get(self, path: str):
        try:
            with self.opener.open(self.base + path, timeout=30) as response:
                return response.status, response.headers, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read().decode()

    def post(self, path: str, data: dict) -> int:
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', self.get(path)[2]).group(1)
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": token, **data}).encode()
        try:
            with self.opener.open(self.base + path, body, timeout=30) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.fixture(scope="module")
def two_servers(tmp_path_factory):
    """Two development servers on one SQLite file, each with its own in-process cache."""
    work = tmp_path_factory.mktemp("two-servers")
    env = {
        **{key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")},
        "DATABASE_URL": f"sqlite:///{work / 'archive.sqlite3'}",
        "DJANGO_RESPONSE_CACHE": "true",
        "DJANGO_SUPERUSER_PASSWORD": "correct horse battery staple",
    }
    for command in (
        ["migrate", "--noinput"],
        ["load_demo_data"],
        ["createsuperuser", "--noinput", "--username=editor", "--email=editor@example.org"],
    ):
        subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True, capture_output=True)
    servers = []
    for port in (8530, 8531):
        log = (work / f"server-{port}.log").open("w")
        command = [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"]
        servers.append(subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT))
    bases = ["http://127.0.0.1:8530", "http://127.0.0.1:8531"]
    try:
        for base, server in zip(bases, servers, strict=True):
            deadline = time.monotonic() + 60
            while True:
                assert server.poll() is None, f"the server on {base} exited"
                try:
                    urllib.request.urlopen(base + "/_bench/ceiling/", timeout=5)
                    break
                except OSError:
                    assert time.monotonic() < deadline, f"the server on {base} did not start"
                    time.sleep(0.3)
        yield bases
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=30)


def acts_of(html: str) -> list[str]:
    """The addresses of the acts listed in the page's table."""
    links = BeautifulSoup(html, "html.parser").select("table a[href^='/recognitions/']")
    return [link["href"] for link in links if re.fullmatch(r"/recognitions/\d+/", link["href"])]


@pytest.mark.django_db(transaction=False)
def test_a_write_through_one_server_is_seen_at_once_through_the_other(two_servers):
    first, second = (Browser(base) for base in two_servers)
    for browser in (first, second):
        browser.get(LIST)
        status, headers, html = browser.get(LIST)
        assert (status, headers["X-Cache"]) == (200, "hit")
        assert len(acts_of(html)) == 1
    (act,) = acts_of(html)

    editor = Browser(two_servers[0])
    assert editor.post("/admin/login/", {"username": "editor", "password": "correct horse battery staple"}) == 302
    act_id = act.strip("/").split("/")[1]
    assert editor.post(f"/admin/events/recognition/{act_id}/delete/", {"post": "yes"}) == 302

    status, headers, html = second.get(LIST)
    assert (status, headers["X-Cache"]) == (200, "miss")
    assert acts_of(html) == []
    assert second.get(act)[0] == 404
    assert first.get(LIST)[1]["X-Cache"] == "miss"
