"""The page frame written by events/templatetags/archive.py is the old templates/base.html, byte
for byte.

templates/base.html now calls four tags (page_head, site_title, page_header, page_footer) that
write the head, header, navigation, language form, search box and footer from strings put
together once per language. tests/templates_reference/base.html is the template they replaced:
each page here is asked for twice, once as the site renders it and once with the reference
template found first, and the two answers must be the same bytes but for the CSRF token and the
CSP nonce, which differ on every request. Visitors, editors and a superuser; English and Russian;
the current section, the search box's text, the language form's `next`, a script prefix.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, RequestContext, Template
from django.test import RequestFactory, override_settings
from django.urls import set_script_prefix
from django.utils import translation

from events.models import Delegation, Mission, Person, Recognition, Source, State

pytestmark = pytest.mark.django_db

REFERENCE = Path(__file__).resolve().parent / "templates_reference"
RUSSIAN = {"HTTP_ACCEPT_LANGUAGE": "ru"}
MASKS = (
    (re.compile(rb'name="csrfmiddlewaretoken" value="[^"]*"'), b'name="csrfmiddlewaretoken" value="TOKEN"'),
    (re.compile(rb'nonce="[^"]*"'), b'nonce="NONCE"'),
)


def reference_templates():
    """The site's template settings with the old base.html found before the new one."""
    engine = dict(settings.TEMPLATES[0])
    engine["DIRS"] = [REFERENCE, *engine["DIRS"]]
    return override_settings(TEMPLATES=[engine, *settings.TEMPLATES[1:]])


def masked(content: bytes) -> bytes:
    for pattern, replacement in MASKS:
        content = pattern.sub(replacement, content)
    return content


def paths() -> list[str]:
    state = State.objects.order_by("pk").first()
    paths = [
        "/",
        "/states/",
        f"/states/{state.slug}/",
        "/recognitions/",
        f"/recognitions/?recognized={state.slug}",
        "/recognitions/?recognized=x&sort=<b>\"'&amp;",
        "/missions/",
        "/delegations/",
        "/persons/",
        "/sources/",
        "/search/?q=Kosaria",
        "/search/?q=%3Cscript%3E%22%27%26",
        "/search/",
        "/timeline/",
        "/network/",
        "/map/",
        "/no-such-page/",
        "/states/no-such-state/",
    ]
    for model in (Recognition, Mission, Delegation, Person, Source):
        record = model.objects.order_by("pk").first()
        if record is not None:
            paths.append(record.get_absolute_url())
    return paths


def compare(client, paths: list[str], **extra) -> int:
    """Every path in both languages, through the site's base.html and the reference one; the
    number of pages compared."""
    compared = 0
    for language in ({}, RUSSIAN):
        for path in paths:
            new = client.get(path, **language, **extra)
            with reference_templates():
                old = client.get(path, **language, **extra)
            assert new.status_code == old.status_code, path
            if not new.get("Content-Type", "").startswith("text/html"):
                continue
            assert b"<!doctype html>" in new.content, path
            assert masked(new.content) == masked(old.content), (path, language)
            compared += 1
    return compared


@pytest.fixture(autouse=True)
def no_response_cache(settings):
    """Both renderings must be made: nothing answered from the response cache."""
    settings.RESPONSE_CACHE = False


def test_visitor_pages_match_the_reference(demo, client):
    assert compare(client, paths()) >= 30


def test_superuser_pages_match_the_reference(demo, admin_client):
    pages = paths()
    assert compare(admin_client, pages) >= 30
    response = admin_client.get("/")
    assert b'<a href="/admin/">' in response.content


def test_editor_pages_match_the_reference(demo, client, editor):
    client.force_login(editor)
    assert compare(client, paths()) >= 30


def test_non_staff_account_pages_match_the_reference(demo, client, django_user_model):
    reader = django_user_model.objects.create_user("plain", "plain@example.org", "x")
    client.force_login(reader)
    assert compare(client, ["/", "/states/", "/search/?q=a"]) == 6


def test_pages_under_a_script_prefix_match_the_reference(demo, client, admin_client):
    """The site served under /archive/ (as WSGIHandler sets the prefix from SCRIPT_NAME, which the
    test client does not do itself): the frame's URLs are kept per script prefix."""
    set_script_prefix("/archive/")
    try:
        for each in (client, admin_client):
            assert compare(each, ["/", "/recognitions/", "/timeline/", "/no-such-page/"], SCRIPT_NAME="/archive") == 8
        content = admin_client.get("/recognitions/", SCRIPT_NAME="/archive").content
    finally:
        set_script_prefix("/")
    assert b'<a href="/archive/recognitions/" aria-current="page">' in content
    assert b'<a href="/archive/admin/">' in content
    assert b'<a href="/recognitions/" aria-current="page">' in admin_client.get("/recognitions/").content


def test_current_section_and_language_are_marked(demo, client):
    content = client.get("/missions/?page=1", **RUSSIAN).content.decode()
    assert '<html lang="ru">' in content
    assert content.count('aria-current="page"') == 1
    assert '<a href="/missions/" aria-current="page">' in content
    assert 'value="ru" lang="ru" class="contrast" aria-current="true">Русский</button>' in content
    assert 'value="/missions/?page=1"' in content


def test_frame_without_a_request(db):
    """A template rendered with a bare Context (no request, user, CSRF token or language code)."""
    source = '{% extends "base.html" %}{% block content %}<p>x</p>{% endblock %}'
    for language in ("en", "ru"):
        with translation.override(language):
            new = Template(source).render(Context({"q": 'a "b" <c>'}))
            with reference_templates():
                old = Template(source).render(Context({"q": 'a "b" <c>'}))
        assert new == old
        assert '<html lang="en">' in new


def test_frame_with_a_request_context(db, rf: RequestFactory, django_user_model):
    request = rf.get("/persons/x/?a=<1>&b=2")
    request.user = django_user_model.objects.create_user("staff", is_staff=True)
    source = '{% extends "base.html" %}{% block title %}T &amp; t{% endblock %}'
    with translation.override("ru"):
        new = Template(source).render(RequestContext(request, {"q": 0}))
        with reference_templates():
            old = Template(source).render(RequestContext(request, {"q": 0}))
    assert masked(new.encode()) == masked(old.encode())
    assert "csrfmiddlewaretoken" in new


def test_the_reference_is_the_old_template():
    from django.template.loader import get_template

    with reference_templates():
        reference = get_template("base.html")
    assert Path(reference.origin.name) == REFERENCE / "base.html"
    assert "{% nav_link" in (REFERENCE / "base.html").read_text()
    assert Path(get_template("base.html").origin.name) == Path(settings.BASE_DIR) / "templates" / "base.html"
