"""A page or an API answer, once written, leaves nothing of itself for the cyclic garbage
collector: the page's rows, the template's context, the API's view, pagination and answer are
freed by reference counting as the request ends (archive/template_backend.py for pages,
ArchiveViewSet._forget for the API). In a gunicorn worker, whose collection threshold is raised,
what was left to the collector came back as one pause of 16-28 ms every few dozen requests.

Requests go through Django's WSGI handler as gunicorn calls it: the test client keeps each
response (and makes cycles of its own), so it cannot tell."""

import gc

import pytest
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.core.paginator import Page
from django.db import close_old_connections
from django.template.context import Context
from django.template.response import SimpleTemplateResponse
from django.test import RequestFactory

from events.synthetic import ArchiveSize, generate_synthetic_archive

pytestmark = pytest.mark.django_db

# Objects that, found among the garbage, mean a request's answer waited for the collector (the
# request itself and its user are still left in a cycle by Django: some 60 small objects).
ANSWER_TYPES = (Context, SimpleTemplateResponse, Page)


@pytest.fixture
def archive():
    generate_synthetic_archive(ArchiveSize(states=8, recognitions=300, missions=30, delegations=30, seed=2))


def served(path: str) -> bytes:
    environ = RequestFactory().get(path, secure=True).environ
    started = {}

    def start_response(status, headers, exc_info=None):
        started["status"] = status

    handler = WSGIHandler()
    # As the test client does: the test's transaction holds the connection, which a request's
    # end would otherwise close.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        answer = handler(environ, start_response)
        body = b"".join(answer)
        answer.close()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
    assert started["status"].startswith("200"), (path, started)
    return body


def left_to_the_collector(path: str) -> list:
    served(path)  # compiles and caches what a process keeps
    gc.collect()
    gc.disable()
    try:
        served(path)
        gc.set_debug(gc.DEBUG_SAVEALL)
        gc.collect()
        # type(), not isinstance(): a lazy object among the garbage would be evaluated.
        return [type(found).__name__ for found in gc.garbage if issubclass(type(found), ANSWER_TYPES)]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()


# Not the browsable API (?format=api): its renderer keeps cycles of its own, and it is a
# developer's page, not one a worker serves at load.
@pytest.mark.parametrize(
    "path",
    [
        "/api/recognitions/?page_size=50",
        "/api/states/",
        "/recognitions/",
        "/timeline/",
        "/",
    ],
)
def test_an_answer_is_freed_when_it_is_written(archive, path):
    assert left_to_the_collector(path) == []


def test_a_state_page_is_freed_when_it_is_written(archive):
    from events.models import State

    state = State.objects.order_by("pk").first()
    assert left_to_the_collector(f"/states/{state.slug}/") == []


def test_the_check_sees_an_answer_left_in_a_cycle(archive, monkeypatch):
    """The check can fail: without the view letting go, the API's answer is left in a cycle."""
    from events.api.views import ArchiveViewSet

    monkeypatch.setattr(ArchiveViewSet, "_forget", lambda self, response: None)
    assert "Response" in left_to_the_collector("/api/recognitions/?page_size=50")
