"""Searches read by cheaper queries (issue #6, performance): the acts matching a search found by
one list of ids from the indexes (SQLite: the FTS5 index's own matches and the acts of the
matching states, without reading the states first), and the search page's six queries compiled
once per kind of reader. Everything a reader sees is as before: the same acts, in the same
order, the same counts, links and pages, drafts for staff only, the same errors for bad input;
and the cheaper path is really taken."""

from __future__ import annotations

import contextlib

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from events import querysets, views
from events.models import Delegation, Mission, Participant, Person, Recognition, State
from tests.test_api_fast import LEAN_VIEWSETS, token_client
from tests.test_search_page import ReferenceSearchView, answer
from tests.test_search_page import archive as search_archive  # noqa: F401  (a fixture)

pytestmark = pytest.mark.django_db

ACTS = (Recognition, Mission, Delegation)
# Long and short texts, a state's name on either side of acts, an act's own text only, a draft
# state's name, Cyrillic, markup and quotes the FTS5 phrase must escape, nothing at all.
TEXTS = [
    "Kosaria",
    "kosaria",
    "KOSARIA NOTE",
    "Draftland",
    "Evil",
    "Косария",
    "Ko",
    "a",
    'Evil <b>"Kosaria"</b>',
    '"',
    "mission",
    "talks",
    "Kosarian",
    "nothing-at-all",
    "  kosaria  ",
]


# The API's texts: long and short, a state's name, an act's own text, a draft state, escaping.
API_TEXTS = ["Kosaria", "KOSARIA NOTE", "Draftland", "Ko", 'Evil <b>"Kosaria"</b>', "talks", "Kosarian", "nothing"]


@pytest.fixture
def archive(search_archive):  # noqa: F811
    """The search page's archive (tests/test_search_page.py) and acts of a matching state on each
    side, one matching only by its own text, one by a participant, and more matches than a page."""
    kosaria, evil, native = (State.objects.get(slug=slug) for slug in ("kosaria", "evil", "native"))
    other = State.objects.get(slug="south-ossetia") if State.objects.filter(slug="south-ossetia").exists() else None
    other = other or State.objects.exclude(pk__in=[kosaria.pk, evil.pk, native.pk]).first()
    Recognition.objects.create(recognizing_state=kosaria, recognized_state=other, date="2001-02-03")
    Recognition.objects.create(recognizing_state=other, recognized_state=native, date="2002", notes="Kosaria said so")
    Recognition.objects.create(recognizing_state=native, recognized_state=other, date="2002", instrument="No kosaria")
    Mission.objects.create(sending_state=other, host_state=kosaria, kind="embassy", opened="2003")
    # Hidden matches before every visible one: a visitor's first page must pass over them.
    draftland = State.objects.get(slug="draftland")
    for year in range(1960, 1990):
        Recognition.objects.create(
            recognizing_state=other,
            recognized_state=native,
            date=str(year),
            notes="Kosaria",
            publication_status="draft",
        )
        Recognition.objects.create(recognizing_state=draftland, recognized_state=other, date=str(year), notes="Kosaria")
        Mission.objects.create(
            sending_state=draftland, host_state=other, kind="embassy", opened=str(year), notes="Kosaria"
        )
    delegation = Delegation.objects.create(sending_state=other, host_state=native, date="2004", place="Nowhere")
    person = Person.objects.create(slug="kosarian-envoy", name="Kosarian Envoy")
    Participant.objects.create(delegation=delegation, person=person, side="delegation", role="member")


@contextlib.contextmanager
def old_search():
    """The search as it was: the matching states read first, the acts' ids from one `OR` of the
    three conditions over their table."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(querysets._BetweenStatesQuerySet, "trigram_matches_with_states", lambda self, text: None)
        yield


def test_the_same_acts_match(archive, editor):
    """Every model's search, for staff and not, gives the same acts in the same order as before."""
    for text in TEXTS:
        for model in ACTS:
            for user in (AnonymousUser(), editor):
                acts = views.visible_acts(model.objects.all(), user)
                new = list(acts.search(text).values_list("pk", flat=True))
                with old_search():
                    old = list(acts.search(text).values_list("pk", flat=True))
                assert new == old, f"{model.__name__} search {text!r}"
    assert Recognition.objects.search("Kosaria").count() > 25
    assert Delegation.objects.search("Kosarian Envoy").count() == 1


def test_no_query_for_the_states(archive):
    """On SQLite the matching states are a subquery: the search builds without a query."""
    with CaptureQueriesContext(connection) as queries:
        acts = Recognition.objects.search("Kosaria")
    assert len(queries.captured_queries) == (0 if connection.vendor == "sqlite" else 1)
    assert acts.exists()


def reference(monkeypatch, client, path, params):
    """The answer as the serializers give it, from the search as it was."""
    with old_search(), monkeypatch.context() as patch:
        for viewset in LEAN_VIEWSETS.values():
            patch.setattr(viewset, "lean", None)
        return client.get(path, params)


def test_the_api_search_answers_as_before(archive, monkeypatch, editor, django_user_model):
    """The API's searches, pages, orderings and bad input for visitors, signed-in users and staff:
    byte for byte the serializers' answers from the old search."""
    member = django_user_model.objects.create_user("member", password="x")
    clients = {"anonymous": APIClient(), "signed-in": token_client(member), "editor": token_client(editor)}
    extras = [{}, {"page_size": "3", "page": "2"}, {"ordering": "-date"}, {"state": "kosaria"}]
    answered = 0
    for reader, client in clients.items():
        for path in ("/api/recognitions/", "/api/missions/", "/api/delegations/"):
            for text in API_TEXTS:
                for extra in extras:
                    if "ordering" in extra and path != "/api/recognitions/":
                        continue
                    params = {"search": text, **extra}
                    new = client.get(path, params)
                    old = reference(monkeypatch, client, path, params)
                    where = f"{reader} {path} {params}"
                    assert new.status_code == old.status_code, where
                    assert new.content == old.content, where
                    assert dict(new.headers) == dict(old.headers), where
                    answered += new.status_code == 200 and new.json()["count"] > 0
    assert answered > 100
    # Drafts: the draft state's acts for staff only.
    anonymous = clients["anonymous"].get("/api/recognitions/", {"search": "Draftland"}).json()
    staff = clients["editor"].get("/api/recognitions/", {"search": "Draftland"}).json()
    assert anonymous["count"] == 0
    assert staff["count"] == Recognition.objects.filter(recognizing_state__slug="draftland").count() == 31


def test_bad_searches_are_refused_as_before(archive, monkeypatch):
    client = APIClient()
    for params in (
        {"search": "x" * 201},
        {"search": "kos\x00aria"},
        {"search": "Kosaria", "page": "99"},
        {"search": "Kosaria", "page_size": "0"},
        {"search": "Kosaria", "page": "x"},
        {"search": "Kosaria", "date_after": "yesterday"},
    ):
        new = client.get("/api/recognitions/", params)
        old = reference(monkeypatch, client, "/api/recognitions/", params)
        assert new.status_code in (400, 404), params
        assert (new.status_code, new.content) == (old.status_code, old.content), params


def test_the_api_count_and_pages_add_up(archive):
    """The count is the number of acts the pages list, each once, in date order."""
    client = APIClient()
    first = client.get("/api/recognitions/", {"search": "Kosaria", "page_size": "10"}).json()
    ids, page = [], first
    while True:
        ids += [row["id"] for row in page["results"]]
        if not page["next"]:
            break
        page = client.get(page["next"]).json()
    assert len(ids) == len(set(ids)) == first["count"] > 10
    expected = views.visible_acts(Recognition.objects.all(), AnonymousUser()).search("Kosaria")
    assert ids == list(expected.order_by("date_start", "id").values_list("pk", flat=True))


def test_the_search_page_is_the_html_it_was(archive, editor, monkeypatch):
    """The search page against the reference of tests/test_search_page.py, for visitors and
    staff, in both languages; its queries compiled on SQLite for long texts, on PostgreSQL for any."""
    monkeypatch.setattr(views, "_SEARCH_STATEMENTS", {})
    for user in (AnonymousUser(), editor):
        for text in TEXTS:
            for language in ("en", "ru"):
                new = answer(views.SearchView, {"q": text}, user, language)
                old = answer(ReferenceSearchView, {"q": text}, user, language)
                assert new[:2] == old[:2], f"q={text!r} in {language}"
                assert new[2] <= old[2], f"q={text!r} in {language}: {new[2]} queries against {old[2]}"
    statements = views._SEARCH_STATEMENTS
    assert len(statements) == 12  # six sections for each kind of reader
    assert all(found is not None for found in statements.values())
    body = answer(views.SearchView, {"q": "Kosaria"}, AnonymousUser(), "en")[1]
    assert "Draftland" not in body
    assert "Hidden Kosarian" not in answer(views.SearchView, {"q": "Kosarian"}, AnonymousUser(), "en")[1]
    assert "Draftland" in answer(views.SearchView, {"q": "Kosaria"}, editor, "en")[1]


def test_the_search_pages_records_are_the_orms(archive):
    """States, persons and sources from the compiled query: the very instances the ORM builds."""
    for model in (State, Person):
        for text in ("Kosaria", "Kosarian", "Косария"):
            new = views.SearchView().records(model, AnonymousUser(), text)
            old = list(model.objects.visible_to(AnonymousUser()).search(text)[: views.SEARCH_ROWS + 1])
            assert [vars(record) | {"_state": None} for record in new] == [
                vars(record) | {"_state": None} for record in old
            ]
            assert [(record._state.db, record._state.adding) for record in new] == [
                (record._state.db, record._state.adding) for record in old
            ]
    assert views.SearchView().records(State, AnonymousUser(), "Kosaria")
