"""The lean JSON lists and the lean recognition status (issue #6, performance): the same bytes as
the serializers give, for every kind of reader, with a fixed number of queries per page."""

import datetime
import json

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.test import APIClient, APIRequestFactory

from events import querysets
from events.api import views
from events.api.serializers import RecognitionSerializer, RecognitionStatusSerializer
from events.models import (
    Delegation,
    DelegationCitation,
    Mission,
    MissionCitation,
    Participant,
    Person,
    Recognition,
    RecognitionCitation,
    Source,
    State,
)

pytestmark = pytest.mark.django_db

LEAN_VIEWSETS = {
    "recognitions": views.RecognitionViewSet,
    "missions": views.MissionViewSet,
    "delegations": views.DelegationViewSet,
}


def state(slug, **extra):
    extra.setdefault("status", "partially_recognized")
    return State.objects.create(slug=slug, name=extra.pop("name", slug.replace("-", " ").title()), **extra)


@pytest.fixture
def archive(demo):
    """The demo archive and more: acts at every precision, a withdrawal, drafts of every kind
    (state, act, source cited by a published act, person, mission), text JSON must escape."""
    dpr, lpr, ukraine = (State.objects.get(slug=s) for s in ("dpr", "lpr", "ukraine"))
    abkhazia = state("abkhazia", name_native="Аҧсны")
    hidden = state("hidden-land", publication_status="draft")
    russia = state("russia", status="un_member", name_native="Россия")
    Recognition.objects.create(
        recognizing_state=russia,
        recognized_state=abkhazia,
        date="2008-08-26",
        instrument='decree "No. 1260"',
        notes='Line\nbreak, tab\t, quote ", backslash \\, \x01 control, \u2028 and \u2029 separators, emoji 🎉',
    )
    Recognition.objects.create(recognizing_state=russia, recognized_state=dpr, date="2022-02", instrument="decree")
    Recognition.objects.create(recognizing_state=ukraine, recognized_state=abkhazia, date="1999")
    Recognition.objects.create(
        recognizing_state=ukraine, recognized_state=abkhazia, date="2003-05", action="withdrawal"
    )
    Recognition.objects.create(recognizing_state=russia, recognized_state=hidden, date="2010")
    Recognition.objects.create(
        recognizing_state=russia, recognized_state=lpr, date="2022-02-21", publication_status="draft"
    )
    draft_source = Source.objects.create(title="Unpublished memo", publication_status="draft")
    second_source = Source.objects.create(title="Коммерсантъ", outlet="Kommersant", source_url="https://example.org/1")
    for recognition in Recognition.objects.all():
        RecognitionCitation.objects.create(record=recognition, source=draft_source, quotation="secret")
        RecognitionCitation.objects.create(record=recognition, source=second_source, locator="p. 2")
    mission = Mission.objects.create(
        sending_state=russia, host_state=abkhazia, kind="embassy", opened="2008-09", closed="2020"
    )
    MissionCitation.objects.create(record=mission, source=draft_source)
    MissionCitation.objects.create(record=mission, source=second_source, quotation="«посольство»")
    Mission.objects.create(
        sending_state=abkhazia, host_state=russia, kind="embassy", opened="2009", publication_status="draft"
    )
    delegation = Delegation.objects.get(sending_state=dpr)
    delegation.mission.publication_status = "draft"
    delegation.mission.save()
    secret = Person.objects.create(slug="secret-agent", name="Secret Agent", publication_status="draft")
    Participant.objects.create(delegation=delegation, person=secret, side="delegation", role="member")
    DelegationCitation.objects.create(record=delegation, source=draft_source)
    Delegation.objects.create(sending_state=russia, host_state=abkhazia, date="2010", place="Sukhum")


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


@pytest.fixture(params=["anonymous", "signed-in", "reader", "editor", "superuser"])
def client_of(request, django_user_model):
    """A client of each kind of reader: anonymous and a signed-in user without staff status see
    no drafts; staff (Readers, Editors, superusers) see them."""
    if request.param == "anonymous":
        return APIClient()
    if request.param == "signed-in":
        return token_client(django_user_model.objects.create_user("member", password="x"))
    return token_client(request.getfixturevalue(request.param))


def serializer_response(monkeypatch, client, path, params=None, **headers):
    """The answer as the serializers give it, with the lean list turned off."""
    with monkeypatch.context() as patch:
        for viewset in LEAN_VIEWSETS.values():
            patch.setattr(viewset, "lean", None)
        return client.get(path, params, **headers)


def assert_same_answer(monkeypatch, client, path, params=None, **headers):
    lean = client.get(path, params, **headers)
    old = serializer_response(monkeypatch, client, path, params, **headers)
    assert lean.status_code == old.status_code
    assert lean["Content-Type"] == old["Content-Type"]
    assert lean.content == old.content
    return lean


@pytest.mark.parametrize("path", ["recognitions", "missions", "delegations"])
@pytest.mark.parametrize("language", ["en", "ru"])
def test_lean_lists_give_the_serializers_bytes_for_every_reader(archive, client_of, monkeypatch, path, language):
    response = assert_same_answer(monkeypatch, client_of, f"/api/{path}/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.json()["count"] > 0


@pytest.mark.parametrize(
    "params",
    [
        {"page_size": 2},
        {"page_size": 2, "page": 2},
        {"ordering": "-date"},
        {"recognized": "abkhazia", "format": "json"},
        {"state": "dpr", "date_after": "2014-06-15"},
        {"search": "decree"},
        {"action": "withdrawal"},
    ],
)
def test_filters_order_and_pages_are_those_of_the_serializers(archive, monkeypatch, params):
    assert_same_answer(monkeypatch, APIClient(), "/api/recognitions/", params)


@pytest.mark.parametrize(
    "params", [{"page": 99}, {"page": "x"}, {"page_size": 0}, {"recognized": "atlantis"}, {"date_after": "soon"}]
)
def test_errors_are_those_of_the_serializers(archive, monkeypatch, params):
    response = assert_same_answer(monkeypatch, APIClient(), "/api/recognitions/", params)
    assert response.status_code in (400, 404)


def test_what_a_reader_sees_in_the_lean_list(archive):
    """Read as a person would: partial dates at their precision in the reader's language, absolute
    addresses, a draft source's citation left out, a withdrawal listed as such."""
    results = APIClient().get("/api/recognitions/", {"recognized": "abkhazia"}, HTTP_ACCEPT_LANGUAGE="ru").json()
    by_date = {row["date"]: row for row in results["results"]}
    assert {date: (row["date_precision"], row["date_display"]) for date, row in by_date.items()} == {
        "1999": ("year", "1999"),
        "2003-05": ("month", "май 2003"),
        "2008-08-26": ("day", "26 августа 2008"),
    }
    assert by_date["2003-05"]["action"] == "withdrawal"
    act = by_date["2008-08-26"]
    assert act["url"] == f"http://testserver/api/recognitions/{act['id']}/"
    assert act["html_url"] == f"http://testserver{Recognition.objects.get(pk=act['id']).get_absolute_url()}"
    assert act["recognizing_state"]["url"] == "http://testserver/api/states/russia/"
    assert [c["source"]["title"] for c in act["citations"]] == ["Коммерсантъ"]
    assert (
        act["citations"][0]["source"]["url"]
        == f"http://testserver/api/sources/{Source.objects.get(outlet='Kommersant').pk}/"
    )


def test_staff_see_draft_sources_and_acts_naming_draft_states(archive, editor):
    results = token_client(editor).get("/api/recognitions/", {"recognizing": "russia"}).json()["results"]
    assert "hidden-land" in [row["recognized_state"]["slug"] for row in results]
    assert {c["source"]["title"] for row in results for c in row["citations"]} == {"Unpublished memo", "Коммерсантъ"}


def test_a_draft_mission_of_a_published_delegation_reads_as_null(archive, editor):
    results = APIClient().get("/api/delegations/", {"sending": "dpr"}).json()["results"]
    assert [row["mission"] for row in results] == [None]
    assert "secret-agent" not in json.dumps(results)
    staff_results = token_client(editor).get("/api/delegations/", {"sending": "dpr"}).json()["results"]
    assert staff_results[0]["mission"]["city"] == "Tskhinval"
    assert "secret-agent" in json.dumps(staff_results)


def test_the_lean_list_equals_the_serializer_run_by_hand(archive, reader):
    """Against RecognitionSerializer itself, not only against the view with the lean list off."""
    request = Request(APIRequestFactory().get("/api/recognitions/"))
    for user in (AnonymousUser(), reader):
        request.user = user
        view = views.RecognitionViewSet(request=request, action="list", format_kwarg=None, kwargs={})
        queryset = view.get_queryset()
        expected = RecognitionSerializer(queryset, many=True, context={"request": request}).data
        client = APIClient()
        if user.is_authenticated:
            client.force_authenticate(user)
        response = client.get("/api/recognitions/", {"page_size": 500})
        assert response.content.endswith(b'"results":' + JSONRenderer().render(expected) + b"}")


def test_indented_json_and_the_browsable_api_still_render(archive, monkeypatch, admin_client):
    assert_same_answer(monkeypatch, APIClient(), "/api/recognitions/", HTTP_ACCEPT="application/json; indent=4")
    page = admin_client.get("/api/recognitions/", HTTP_ACCEPT="text/html")
    assert page.status_code == 200
    assert b"Recognition List" in page.content


@pytest.mark.parametrize("path", ["recognitions", "missions", "delegations"])
def test_a_page_of_100_runs_the_queries_of_a_page_of_10_for_staff_too(archive, editor, path):
    client = token_client(editor)
    counts = []
    for size in (1, 10, 100):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/api/{path}/", {"page_size": size})
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] == counts[2]


# --- The recognition status ----------------------------------------------------------------------


def user_of(client):
    """The account a test client sends the token of (None: anonymous)."""
    credentials = getattr(client, "_credentials", {}).get("HTTP_AUTHORIZATION")
    return Token.objects.get(key=credentials.split()[1]).user if credentials else AnonymousUser()


@pytest.mark.parametrize("day", ["2000-01-01", "2003-05-15", "2008-08-26", "2015-01-01", "2022-02-10"])
def test_the_status_gives_the_serializers_bytes(archive, client_of, day):
    """For every state the reader may see, on days before, inside and after coarse dates."""
    user = user_of(client_of)
    for state_ in State.objects.visible_to(user):
        response = client_of.get(f"/api/states/{state_.slug}/recognition-status/", {"date": day})
        assert response.status_code == 200
        status = querysets.recognition_status(state=state_, day=datetime.date.fromisoformat(day), user=user)
        expected = RecognitionStatusSerializer(status, context={"request": response.wsgi_request}).data
        assert response.content == JSONRenderer().render(expected)


def test_the_status_reads_as_before(archive):
    """What a reader sees: who recognised Abkhazia on a day, who withdrew, who may have."""
    data = APIClient().get("/api/states/abkhazia/recognition-status/", {"date": "2003-05-15"}).json()
    assert data["date"] == "2003-05-15"
    assert data["state"] == {
        "slug": "abkhazia",
        "name": "Abkhazia",
        "name_native": "Аҧсны",
        "url": "http://testserver/api/states/abkhazia/",
    }
    assert [(e["state"]["slug"], e["date"], e["action"]) for e in data["uncertain"]] == [
        ("ukraine", "2003-05", "withdrawal")
    ]
    assert data["recognized_by"] == data["withdrawn"] == data["recognizes"] == []
    later = APIClient().get("/api/states/abkhazia/recognition-status/", {"date": "2010-01-01"}).json()
    assert [(e["state"]["slug"], e["since"]) for e in later["recognized_by"]] == [("russia", "2008-08-26")]
    assert [(e["state"]["slug"], e["since"]) for e in later["withdrawn"]] == [("ukraine", "2003-05")]
    russia = APIClient().get("/api/states/russia/recognition-status/", {"date": "2023-01-01"}).json()
    assert [e["state"]["slug"] for e in russia["recognizes"]] == ["abkhazia", "dpr"]


@pytest.mark.parametrize(("reader", "expected"), [("anonymous", 3), ("editor", 4)])
def test_the_status_runs_three_queries_and_one_for_a_token(archive, request, reader, expected):
    """The state, the last certain act of every pair, the acts still uncertain (and the token)."""
    client = APIClient() if reader == "anonymous" else token_client(request.getfixturevalue(reader))
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/states/russia/recognition-status/", {"date": "2023-01-01"})
    assert response.status_code == 200
    assert len(queries) == expected


def test_the_status_still_renders_in_the_browsable_api_and_indented(archive, admin_client):
    page = admin_client.get("/api/states/abkhazia/recognition-status/", {"date": "2010-01-01"}, HTTP_ACCEPT="text/html")
    assert page.status_code == 200
    assert b"russia" in page.content
    indented = APIClient().get(
        "/api/states/abkhazia/recognition-status/", {"date": "2010-01-01"}, HTTP_ACCEPT="application/json; indent=2"
    )
    assert indented.content.startswith(b'{\n  "state": {')
    assert indented.json()["recognized_by"][0]["state"]["slug"] == "russia"
