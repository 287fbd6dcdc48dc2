"""The REST API (issue #4): shapes, filters, drafts, pagination, CSV, the status as of a day,
writes with tokens and model permissions, the schema and its documentation pages, and bad input."""

import csv
import datetime
import io
import json

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from events.api.pagination import MAX_PAGE_SIZE
from events.demo import load_demo_data
from events.exports import csv_header
from events.filtersets import (
    DelegationFilterSet,
    MissionFilterSet,
    PersonFilterSet,
    RecognitionFilterSet,
    SourceFilterSet,
    StateFilterSet,
)
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

LISTS = {
    "states": (State, StateFilterSet),
    "recognitions": (Recognition, RecognitionFilterSet),
    "missions": (Mission, MissionFilterSet),
    "delegations": (Delegation, DelegationFilterSet),
    "persons": (Person, PersonFilterSet),
    "sources": (Source, SourceFilterSet),
}
ARCHIVE_MODELS = ["state", "recognition", "mission", "delegation", "person", "source"]


@pytest.fixture(scope="module", autouse=True)
def demo_archive(django_db_setup, django_db_blocker):
    """Every test here reads the demo archive, loaded once for the module; a test's own changes
    are rolled back after it, and the demo data after the module."""
    with django_db_blocker.unblock(), transaction.atomic():
        load_demo_data()
        yield
        transaction.set_rollback(True)


@pytest.fixture
def api():
    return APIClient()


def user_with(django_user_model, username, actions=("add", "change", "delete"), *, is_staff=False):
    """A user holding the given model permissions on every archive model (and on nested items)."""
    user = django_user_model.objects.create_user(username, password="correct horse battery staple")
    user.is_staff = is_staff
    user.save()
    models = [*ARCHIVE_MODELS, "recognitioncitation", "missioncitation", "delegationcitation", "participant"]
    codenames = [f"{action}_{model}" for action in actions for model in models]
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="events", codename__in=codenames))
    return user


@pytest.fixture
def writer(django_user_model):
    return user_with(django_user_model, "writer")


@pytest.fixture
def writer_api(writer):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=writer).key}")
    return client


@pytest.fixture
def staff_api(django_user_model):
    client = APIClient()
    staff = user_with(django_user_model, "staff", actions=(), is_staff=True)
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=staff).key}")
    return client


def content(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def csv_table(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content(response).decode("utf-8-sig"))))


def state(slug, **extra):
    extra.setdefault("status", "partially_recognized")
    return State.objects.create(slug=slug, name=extra.pop("name", slug.replace("-", " ").title()), **extra)


# --- Shapes ------------------------------------------------------------------------------------


def test_root_lists_every_resource(api):
    response = api.get("/api/")
    assert response.status_code == 200
    assert response.json() == {name: f"http://testserver/api/{name}/" for name in LISTS}


def test_a_recognition_reads_with_states_partial_date_and_citations(api):
    recognition = Recognition.objects.get(recognized_state__slug="dpr")
    source = Source.objects.get()
    data = api.get(f"/api/recognitions/{recognition.pk}/").json()
    assert data == {
        "id": recognition.pk,
        "url": f"http://testserver/api/recognitions/{recognition.pk}/",
        "html_url": f"http://testserver{recognition.get_absolute_url()}",
        "recognizing_state": {
            "slug": "south-ossetia",
            "name": "South Ossetia",
            "name_native": "Республика Южная Осетия",
            "url": "http://testserver/api/states/south-ossetia/",
        },
        "recognized_state": {
            "slug": "dpr",
            "name": "Donetsk People's Republic",
            "name_native": "Донецкая народная республика",
            "url": "http://testserver/api/states/dpr/",
        },
        "action": "recognition",
        "date": "2014-06",
        "date_precision": "month",
        "date_display": "June 2014",
        "instrument": "presidential decree",
        "notes": recognition.notes,
        "citations": [
            {
                "source": {
                    "id": source.pk,
                    "title": source.title,
                    "outlet": "RIA Novosti",
                    "published": "2015-04-28",
                    "source_url": "",
                    "url": f"http://testserver/api/sources/{source.pk}/",
                },
                "quotation": "Южная Осетия признала независимость ДНР и ЛНР в июне 2014 года.",
                "locator": "paragraph 1",
            }
        ],
        "publication_status": "published",
        "created_at": data["created_at"],
        "updated_at": data["updated_at"],
    }


def test_display_of_dates_follows_the_language_asked_for(api):
    recognition = Recognition.objects.get(recognized_state__slug="dpr")
    data = api.get(f"/api/recognitions/{recognition.pk}/", HTTP_ACCEPT_LANGUAGE="ru").json()
    assert (data["date"], data["date_display"]) == ("2014-06", "июнь 2014")


def test_a_delegation_reads_with_participants_mission_and_citations(api):
    delegation = Delegation.objects.get(sending_state__slug="dpr")
    data = api.get(f"/api/delegations/{delegation.pk}/").json()
    assert (data["date"], data["date_precision"], data["date_display"]) == ("2015-04-28", "day", "28 April 2015")
    assert data["mission"] == {
        "id": delegation.mission_id,
        "kind": "representative_office",
        "city": "Tskhinval",
        "url": f"http://testserver/api/missions/{delegation.mission_id}/",
    }
    head = data["participants"][0]
    assert head == {
        "person": {
            "slug": "alexander-kofman",
            "name": "Alexander Kofman",
            "name_native": "Александр Кофман",
            "url": "http://testserver/api/persons/alexander-kofman/",
        },
        "side": "delegation",
        "role": "head",
        "position": "Minister of foreign affairs of the DPR",
    }
    assert {p["person"]["slug"] for p in data["participants"] if p["side"] == "host"} == {
        "kosta-pukhaev",
        "alan-kochiev",
        "leonid-tibilov",
    }
    assert len(data["citations"]) == 2


def test_a_state_reads_with_parent_dates_and_coordinates(api):
    data = api.get("/api/states/dpr/").json()
    assert data["parent"] == {
        "slug": "ukraine",
        "name": "Ukraine",
        "name_native": "Украина",
        "url": "http://testserver/api/states/ukraine/",
    }
    assert (data["declared"], data["declared_precision"], data["declared_display"]) == ("2014-05", "month", "May 2014")
    assert (data["dissolved"], data["dissolved_precision"], data["dissolved_display"]) == (None, None, None)
    assert (data["latitude"], data["longitude"]) == (48.0159, 37.8028)
    assert (data["short_name"], data["status"], data["html_url"]) == (
        "DPR",
        "unrecognized",
        "http://testserver/states/dpr/",
    )


def test_missions_persons_and_sources_read_with_their_fields(api):
    mission = api.get("/api/missions/", {"sending": "dpr"}).json()["results"][0]
    assert (mission["kind"], mission["city"], mission["opened"], mission["opened_display"]) == (
        "representative_office",
        "Tskhinval",
        "2015-04-28",
        "28 April 2015",
    )
    assert (mission["closed"], mission["closed_precision"]) == (None, None)
    person = api.get("/api/persons/leonid-tibilov/").json()
    assert {key: person[key] for key in ("slug", "name", "name_native", "url")} == {
        "slug": "leonid-tibilov",
        "name": "Leonid Tibilov",
        "name_native": "Леонид Тибилов",
        "url": "http://testserver/api/persons/leonid-tibilov/",
    }
    source = api.get("/api/sources/").json()["results"][0]
    assert (source["outlet"], source["language"], source["dateline"]) == ("RIA Novosti", "ru", "Tskhinval (Цхинвал)")
    assert source["text"].startswith(Source.objects.get().text[:40])


# --- Filters -----------------------------------------------------------------------------------


def result_keys(response):
    assert response.status_code == 200, response.content
    return sorted(item.get("slug") or (item["recognized_state"] or item)["slug"] for item in response.json()["results"])


@pytest.mark.parametrize(
    ("path", "params", "expected"),
    [
        ("states", {"status": "unrecognized"}, ["dpr", "lpr"]),
        ("states", {"search": "осет"}, ["south-ossetia"]),
        ("recognitions", {"recognizing": "south-ossetia"}, ["dpr", "lpr"]),
        ("recognitions", {"recognized": "dpr"}, ["dpr"]),
        ("recognitions", {"state": "lpr"}, ["lpr"]),
        ("recognitions", {"action": "withdrawal"}, []),
        ("recognitions", {"date_after": "2014-06-15", "date_before": "2014-12-31"}, ["dpr", "lpr"]),
        ("recognitions", {"date_after": "2014-07-01"}, []),
        ("recognitions", {"search": "decree", "recognized": "lpr"}, ["lpr"]),
        ("persons", {"search": "Кофман"}, ["alexander-kofman"]),
    ],
)
def test_list_filters(api, path, params, expected):
    assert result_keys(api.get(f"/api/{path}/", params)) == expected


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"sending": "dpr"}, [("dpr", "south-ossetia")]),
        ({"host": "dpr"}, [("south-ossetia", "dpr")]),
        ({"state": "lpr", "city": "tskhinval"}, [("lpr", "south-ossetia")]),
        ({"kind": "embassy"}, []),
        ({"active_on": "2015-04-15"}, [("south-ossetia", "dpr"), ("south-ossetia", "lpr")]),
    ],
)
def test_mission_filters(api, params, expected):
    results = api.get("/api/missions/", params).json()["results"]
    assert sorted((m["sending_state"]["slug"], m["host_state"]["slug"]) for m in results) == expected


def test_delegation_filters(api):
    by_person = api.get("/api/delegations/", {"person": "natalia-khorsheva"}).json()["results"]
    assert [d["sending_state"]["slug"] for d in by_person] == ["lpr"]
    by_host = api.get("/api/delegations/", {"host": "south-ossetia", "date_after": "2015-04-28"}).json()
    assert by_host["count"] == 2
    sources = api.get("/api/sources/", {"outlet": "ria novosti", "language": "RU"}).json()
    assert sources["count"] == 1


def test_recognitions_order_by_date_both_ways(api):
    state("abkhazia")
    Recognition.objects.create(
        recognizing_state=State.objects.get(slug="south-ossetia"),
        recognized_state=State.objects.get(slug="abkhazia"),
        date="2008-08-26",
    )
    forward = [r["date"] for r in api.get("/api/recognitions/", {"ordering": "date"}).json()["results"]]
    backward = [r["date"] for r in api.get("/api/recognitions/", {"ordering": "-date"}).json()["results"]]
    assert forward == ["2008-08-26", "2014-06", "2014-06"]
    assert backward == ["2014-06", "2014-06", "2008-08-26"]


@pytest.mark.parametrize(
    ("path", "parameter"),
    [
        ("recognitions", "recognizing"),
        ("recognitions", "recognized"),
        ("recognitions", "state"),
        ("missions", "sending"),
        ("missions", "host"),
        ("delegations", "state"),
        ("delegations", "person"),
    ],
)
def test_an_unknown_slug_is_a_400_naming_the_parameter(api, path, parameter):
    response = api.get(f"/api/{path}/", {parameter: "atlantis"})
    assert response.status_code == 400
    assert list(response.json()) == [parameter]
    assert "atlantis" in response.json()[parameter][0]


# --- Drafts ------------------------------------------------------------------------------------


@pytest.fixture
def drafts(db):
    """A draft state with a published act naming it, a draft act, a draft person in a published
    delegation, a draft source cited by a published recognition, a draft parent and mission."""
    south_ossetia, dpr, ukraine = (State.objects.get(slug=slug) for slug in ("south-ossetia", "dpr", "ukraine"))
    abkhazia = state("abkhazia", publication_status="draft")
    Recognition.objects.create(recognizing_state=south_ossetia, recognized_state=abkhazia, date="2008-08-26")
    Recognition.objects.create(
        recognizing_state=ukraine, recognized_state=dpr, date="2014-07-01", publication_status="draft"
    )
    secret = Person.objects.create(slug="secret-agent", name="Secret Agent", publication_status="draft")
    delegation = Delegation.objects.get(sending_state=dpr)
    Participant.objects.create(delegation=delegation, person=secret, side="delegation", role="member")
    draft_source = Source.objects.create(title="Unpublished memo", publication_status="draft")
    recognition = Recognition.objects.get(recognized_state=dpr, recognizing_state=south_ossetia)
    RecognitionCitation.objects.create(record=recognition, source=draft_source, quotation="secret")
    dpr.parent = state("secret-parent", publication_status="draft")
    dpr.save()
    delegation.mission.publication_status = "draft"
    delegation.mission.save()
    return {"recognition": recognition, "delegation": delegation, "draft_source": draft_source}


def test_anonymous_lists_never_include_drafts(api, drafts):
    states = [s["slug"] for s in api.get("/api/states/").json()["results"]]
    assert states == ["dpr", "lpr", "south-ossetia", "ukraine"]
    recognitions = api.get("/api/recognitions/").json()
    assert recognitions["count"] == 2
    assert all(r["date"] == "2014-06" for r in recognitions["results"])
    assert "Secret Agent" not in json.dumps(api.get("/api/delegations/").json())
    assert [p["slug"] for p in api.get("/api/persons/").json()["results"]] == sorted(
        ["alan-kochiev", "alexander-kofman", "kosta-pukhaev", "leonid-tibilov", "natalia-khorsheva"]
    )
    assert api.get("/api/sources/").json()["count"] == 1
    assert api.get("/api/missions/").json()["count"] == 3


def test_anonymous_details_never_include_drafts(api, drafts):
    assert api.get("/api/states/abkhazia/").status_code == 404
    assert api.get("/api/persons/secret-agent/").status_code == 404
    assert api.get(f"/api/sources/{drafts['draft_source'].pk}/").status_code == 404
    draft_act = Recognition.objects.get(publication_status="draft")
    assert api.get(f"/api/recognitions/{draft_act.pk}/").status_code == 404
    act_naming_a_draft = Recognition.objects.get(recognized_state__slug="abkhazia")
    assert api.get(f"/api/recognitions/{act_naming_a_draft.pk}/").status_code == 404
    recognition = api.get(f"/api/recognitions/{drafts['recognition'].pk}/").json()
    assert [c["source"]["title"] for c in recognition["citations"]] == [
        "Представительства ДНР и ЛНР открылись в Южной Осетии"
    ]
    delegation = api.get(f"/api/delegations/{drafts['delegation'].pk}/").json()
    assert delegation["mission"] is None
    assert "secret-agent" not in [p["person"]["slug"] for p in delegation["participants"]]
    assert api.get("/api/states/dpr/").json()["parent"] is None


def test_anonymous_csv_never_includes_drafts(api, drafts):
    states = [row[0] for row in csv_table(api.get("/api/states/", {"format": "csv"}))[1:]]
    assert states == ["dpr", "lpr", "south-ossetia", "ukraine"]
    rows = csv_table(api.get("/api/recognitions/", {"format": "csv"}))[1:]
    assert sorted(row[4] for row in rows) == ["dpr", "lpr"]
    assert "secret-agent" not in content(api.get("/api/persons/", {"format": "csv"})).decode()
    delegations = content(api.get("/api/delegations/", {"format": "csv"})).decode()
    assert "Alexander Kofman" in delegations
    assert "Secret Agent" not in delegations
    cited = csv_table(api.get("/api/recognitions/", {"format": "csv", "recognized": "dpr"}))
    assert cited[1][cited[0].index("source_ids")] == str(Source.objects.get(title__startswith="Представительства").pk)


def test_anonymous_status_never_includes_drafts(api, drafts):
    south_ossetia = api.get("/api/states/south-ossetia/recognition-status/", {"date": "2015-01-01"}).json()
    assert [entry["state"]["slug"] for entry in south_ossetia["recognizes"]] == ["dpr", "lpr"]
    dpr = api.get("/api/states/dpr/recognition-status/", {"date": "2015-01-01"}).json()
    assert [entry["state"]["slug"] for entry in dpr["recognized_by"]] == ["south-ossetia"]
    assert api.get("/api/states/abkhazia/recognition-status/").status_code == 404


def test_staff_see_drafts(staff_api, drafts):
    assert staff_api.get("/api/states/abkhazia/").json()["publication_status"] == "draft"
    assert "Secret Agent" in content(staff_api.get("/api/delegations/", {"format": "csv"})).decode()
    assert staff_api.get("/api/recognitions/").json()["count"] == 4
    dpr = staff_api.get("/api/states/dpr/recognition-status/", {"date": "2015-01-01"}).json()
    assert [entry["state"]["slug"] for entry in dpr["recognized_by"]] == ["south-ossetia", "ukraine"]
    assert staff_api.get("/api/states/dpr/").json()["parent"]["slug"] == "secret-parent"


# --- Pagination --------------------------------------------------------------------------------


@pytest.fixture
def many_persons(db):
    Person.objects.bulk_create(Person(slug=f"person-{n:04d}", name=f"Person {n:04d}") for n in range(510))


def test_lists_are_paginated_fifty_by_default(api, many_persons):
    page = api.get("/api/persons/").json()
    assert (page["count"], len(page["results"]), page["previous"]) == (515, 50, None)
    assert page["next"] == "http://testserver/api/persons/?page=2"
    second = api.get("/api/persons/", {"page": 2, "page_size": 10}).json()
    # The demo's five persons come first by name, "Alan Kochiev" to "Natalia Khorsheva".
    assert [p["slug"] for p in second["results"]] == [f"person-{n:04d}" for n in range(5, 15)]


@pytest.mark.parametrize("page_size", [MAX_PAGE_SIZE + 1, 10**9, "9" * 10_000])
def test_a_page_size_above_the_maximum_is_capped(api, many_persons, page_size):
    response = api.get("/api/persons/", {"page_size": page_size})
    assert response.status_code == 200
    assert len(response.json()["results"]) == MAX_PAGE_SIZE


@pytest.mark.parametrize("page", [2, 10**30, 0, -1, "abc", "9" * 10_000])
def test_a_page_past_the_end_or_not_a_page_is_a_json_404(api, page):
    response = api.get("/api/states/", {"page": page})
    assert response.status_code == 404
    assert "detail" in response.json()


@pytest.mark.parametrize("page_size", ["0", "-1", "ten", "1.5", "\x00"])
def test_a_page_size_that_is_not_a_whole_number_from_one_is_a_400(api, db, page_size):
    response = api.get("/api/states/", {"page_size": page_size})
    assert response.status_code == 400
    assert list(response.json()) == ["page_size"]


# --- Query counts ------------------------------------------------------------------------------


@pytest.fixture
def big_archive(db):
    """More than 100 records of each kind, every fact with a citation, every delegation with two
    participants: enough to see an N+1 query at page size 100."""
    source = Source.objects.get()
    states = State.objects.bulk_create(
        State(slug=f"state-{n}", name=f"State {n}", status="un_member", parent=State.objects.get(slug="ukraine"))
        for n in range(110)
    )
    people = Person.objects.bulk_create(Person(slug=f"p-{n}", name=f"P {n}") for n in range(110))
    Source.objects.bulk_create(Source(title=f"Report {n}") for n in range(110))
    recognitions, missions, delegations = [], [], []
    for n in range(110):
        first, second = states[n], states[(n + 1) % 110]
        recognitions.append(Recognition(recognizing_state=first, recognized_state=second, date=f"{1990 + n % 30}-05"))
        missions.append(Mission(sending_state=first, host_state=second, kind="embassy", opened=f"{1990 + n % 30}"))
        delegations.append(Delegation(sending_state=first, host_state=second, date=f"{1990 + n % 30}-05-01"))
    Recognition.objects.bulk_create(recognitions)
    Mission.objects.bulk_create(missions)
    Delegation.objects.bulk_create(delegations)
    RecognitionCitation.objects.bulk_create(RecognitionCitation(record=r, source=source) for r in recognitions)
    MissionCitation.objects.bulk_create(MissionCitation(record=m, source=source) for m in missions)
    DelegationCitation.objects.bulk_create(DelegationCitation(record=d, source=source) for d in delegations)
    for n, delegation in enumerate(delegations):
        delegation.mission = missions[n]
    Delegation.objects.bulk_update(delegations, ["mission"])
    Participant.objects.bulk_create(
        Participant(delegation=d, person=people[n], side=side)
        for n, d in enumerate(delegations)
        for side in ("delegation",)
    )
    Participant.objects.bulk_create(
        Participant(delegation=d, person=people[(n + 1) % 110], side="host") for n, d in enumerate(delegations)
    )


def count_queries(client, path, params):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, params)
    assert response.status_code == 200
    return len(queries), response


@pytest.mark.parametrize(
    ("path", "params", "expected"),
    [
        ("/api/states/", {}, 2),
        ("/api/recognitions/", {}, 3),
        ("/api/missions/", {}, 3),
        ("/api/delegations/", {}, 4),
        ("/api/persons/", {}, 2),
        ("/api/sources/", {}, 2),
        ("/api/recognitions/", {"state": "state-5", "date_after": "1990-01-01"}, 4),
        ("/api/delegations/", {"person": "p-5"}, 5),
    ],
)
def test_each_list_runs_the_same_queries_at_page_size_10_and_100(api, big_archive, path, params, expected):
    small, _ = count_queries(api, path, {**params, "page_size": 10})
    large, response = count_queries(api, path, {**params, "page_size": 100})
    assert small == large == expected
    assert len(response.json()["results"]) == min(100, response.json()["count"])


def test_a_token_user_adds_one_query_for_the_token(writer_api, big_archive):
    assert count_queries(writer_api, "/api/recognitions/", {"page_size": 100})[0] == 4


# --- CSV ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", list(LISTS))
def test_every_list_downloads_as_csv_with_the_websites_columns(api, path):
    model, _ = LISTS[path]
    response = api.get(f"/api/{path}/", {"format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="{path}.csv"'
    rows = csv_table(response)
    assert rows[0] == csv_header(model)
    assert len(rows) - 1 == model.objects.count()


def test_csv_has_every_filtered_row_not_one_page(api, big_archive):
    rows = csv_table(api.get("/api/recognitions/", {"format": "csv", "page_size": 10}))
    assert len(rows) - 1 == Recognition.objects.count() == 112
    filtered = csv_table(api.get("/api/recognitions/", {"format": "csv", "state": "state-5"}))[1:]
    assert sorted((row[1], row[4]) for row in filtered) == [("state-4", "state-5"), ("state-5", "state-6")]
    assert filtered[0][-1].startswith("http://testserver/recognitions/")


def test_csv_errors_are_json(api):
    response = api.get("/api/recognitions/", {"format": "csv", "state": "atlantis"})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert list(response.json()) == ["state"]


def test_csv_is_offered_by_the_accept_header_too(api):
    response = api.get("/api/states/", HTTP_ACCEPT="text/csv")
    assert csv_table(response)[0] == csv_header(State)


def test_json_stays_the_default_and_the_browsable_api_still_renders(admin_client):
    assert admin_client.get("/api/recognitions/")["Content-Type"] == "application/json"
    page = admin_client.get("/api/recognitions/", HTTP_ACCEPT="text/html")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Recognition List" in html
    assert 'name="recognizing_state"' in html
    assert admin_client.get("/api/recognitions/", {"format": "api"}).status_code == 200
    detail = admin_client.get(f"/api/recognitions/{Recognition.objects.first().pk}/", HTTP_ACCEPT="text/html")
    assert detail.status_code == 200


def test_csv_is_for_lists_only(api):
    response = api.get(f"/api/recognitions/{Recognition.objects.first().pk}/", {"format": "csv"})
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"


# --- Recognition status as of a day ------------------------------------------------------------


def test_status_lists_who_recognised_the_state_on_the_day(api):
    act = Recognition.objects.get(recognized_state__slug="dpr")
    data = api.get("/api/states/dpr/recognition-status/", {"date": "2014-07-15"}).json()
    assert data["state"]["slug"] == "dpr"
    assert data["date"] == "2014-07-15"
    assert data["recognized_by"] == [
        {
            "state": {
                "slug": "south-ossetia",
                "name": "South Ossetia",
                "name_native": "Республика Южная Осетия",
                "url": "http://testserver/api/states/south-ossetia/",
            },
            "since": "2014-06",
            "recognition": act.pk,
        }
    ]
    assert (data["uncertain"], data["withdrawn"], data["recognizes"]) == ([], [], [])


def test_status_within_the_month_of_an_act_is_uncertain(api):
    act = Recognition.objects.get(recognized_state__slug="dpr")
    data = api.get("/api/states/dpr/recognition-status/", {"date": "2014-06-15"}).json()
    assert data["recognized_by"] == []
    assert [(u["state"]["slug"], u["date"], u["action"], u["recognition"]) for u in data["uncertain"]] == [
        ("south-ossetia", "2014-06", "recognition", act.pk)
    ]


def test_status_lists_withdrawals_and_what_the_state_recognises(api):
    dpr, south_ossetia = State.objects.get(slug="dpr"), State.objects.get(slug="south-ossetia")
    withdrawal = Recognition.objects.create(
        recognizing_state=south_ossetia, recognized_state=dpr, action="withdrawal", date="2020-01-02"
    )
    dpr_status = api.get("/api/states/dpr/recognition-status/", {"date": "2021-01-01"}).json()
    assert [(w["state"]["slug"], w["since"], w["recognition"]) for w in dpr_status["withdrawn"]] == [
        ("south-ossetia", "2020-01-02", withdrawal.pk)
    ]
    so_status = api.get("/api/states/south-ossetia/recognition-status/", {"date": "2021-01-01"}).json()
    assert [r["state"]["slug"] for r in so_status["recognizes"]] == ["lpr"]


def test_status_defaults_to_today(api):
    data = api.get("/api/states/lpr/recognition-status/").json()
    assert data["date"] == datetime.date.today().isoformat()
    assert [r["state"]["slug"] for r in data["recognized_by"]] == ["south-ossetia"]


@pytest.mark.parametrize(
    "day", ["2014-13-01", "2014-06", "2015-02-29", "yesterday", "\x00", "9" * 10_000, "０２０１４"]
)
def test_status_of_a_day_that_is_not_one_is_a_400_naming_date(api, day):
    response = api.get("/api/states/dpr/recognition-status/", {"date": day})
    assert response.status_code == 400
    assert list(response.json()) == ["date"]


def test_status_runs_at_most_three_queries(api, big_archive):
    with CaptureQueriesContext(connection) as queries:
        response = api.get("/api/states/state-5/recognition-status/", {"date": "2021-01-01"})
    assert response.status_code == 200
    assert len(queries) <= 3


def test_status_of_an_unknown_state_is_a_json_404(api):
    response = api.get("/api/states/atlantis/recognition-status/")
    assert response.status_code == 404
    assert "detail" in response.json()


# --- Tokens and permissions --------------------------------------------------------------------


def test_a_token_is_given_for_a_username_and_password(api, writer):
    response = api.post("/api/auth/token/", {"username": "writer", "password": "correct horse battery staple"})
    assert response.status_code == 200
    assert response.json() == {"token": Token.objects.get(user=writer).key}
    wrong = api.post("/api/auth/token/", {"username": "writer", "password": "wrong"})
    assert wrong.status_code == 400
    assert list(wrong.json()) == ["non_field_errors"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/api/states/"),
        ("put", "/api/states/dpr/"),
        ("patch", "/api/recognitions/1/"),
        ("delete", "/api/persons/leonid-tibilov/"),
    ],
)
def test_anonymous_writes_are_401_with_the_token_scheme(api, method, path):
    response = getattr(api, method)(path, {})
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_a_user_without_the_model_permission_gets_403(api, django_user_model):
    reader = user_with(django_user_model, "reader", actions=("change",))
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=reader).key}")
    assert api.post("/api/states/", {"slug": "x", "name": "X", "status": "former"}).status_code == 403
    assert api.patch("/api/states/dpr/", {"capital": "Donetsk city"}).status_code == 200
    assert api.delete("/api/states/lpr/").status_code == 403


def test_a_wrong_token_is_a_401_even_for_reading(api):
    api.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert api.get("/api/states/").status_code == 401


def test_session_writes_need_the_csrf_token(writer):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(writer)
    response = client.post("/api/persons/", {"slug": "someone", "name": "Someone"}, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


# --- Writes ------------------------------------------------------------------------------------


def test_the_done_when_story(api, writer):
    """A consumer gets a token, creates a state and a recognition with a citation, asks the status
    of that state as of a day, and downloads the recognitions as CSV."""
    token = api.post("/api/auth/token/", {"username": "writer", "password": "correct horse battery staple"}).json()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token['token']}")
    created = api.post(
        "/api/states/",
        {"slug": "abkhazia", "name": "Abkhazia", "name_native": "Республика Абхазия", "status": "partially_recognized"},
    )
    assert created.status_code == 201, created.content
    assert created.json()["url"] == "http://testserver/api/states/abkhazia/"
    source = Source.objects.get()
    recognition = api.post(
        "/api/recognitions/",
        {
            "recognizing_state": "south-ossetia",
            "recognized_state": "abkhazia",
            "date": "2008-08",
            "citations": [{"source": source.pk, "quotation": "…", "locator": "p. 2"}],
        },
    )
    assert recognition.status_code == 201, recognition.content
    body = recognition.json()
    assert (body["action"], body["date"], body["date_display"]) == ("recognition", "2008-08", "August 2008")
    assert body["citations"][0]["source"]["id"] == source.pk
    api.credentials()
    status = api.get("/api/states/abkhazia/recognition-status/", {"date": "2009-01-01"}).json()
    assert [(r["state"]["slug"], r["since"], r["recognition"]) for r in status["recognized_by"]] == [
        ("south-ossetia", "2008-08", body["id"])
    ]
    rows = csv_table(api.get("/api/recognitions/", {"format": "csv", "state": "abkhazia"}))
    assert [row[4] for row in rows[1:]] == ["abkhazia"]


def test_history_records_the_token_user(writer_api, writer):
    response = writer_api.post(
        "/api/recognitions/",
        {
            "recognizing_state": "south-ossetia",
            "recognized_state": "ukraine",
            "date": "2014",
            "citations": [{"source": Source.objects.get().pk}],
        },
    )
    recognition = Recognition.objects.get(pk=response.json()["id"])
    assert recognition.history.get().history_user == writer
    assert recognition.citations.get().history.get().history_user == writer
    writer_api.patch(f"/api/recognitions/{recognition.pk}/", {"instrument": "note verbale"})
    assert [(h.history_type, h.history_user) for h in recognition.history.order_by("history_id")] == [
        ("+", writer),
        ("~", writer),
    ]


def test_nested_lists_are_replaced_and_unchanged_items_keep_their_history(writer_api):
    delegation = Delegation.objects.get(sending_state__slug="lpr")
    citation_history = DelegationCitation.history.filter(record_id=delegation.pk).count()
    current = writer_api.get(f"/api/delegations/{delegation.pk}/").json()
    participants = [
        {"person": "natalia-khorsheva", "side": "delegation", "role": "head", "position": "Head of the administration"},
        {"person": "leonid-tibilov", "side": "host", "role": "head", "position": "President of South Ossetia"},
    ]
    citations = [
        {"source": c["source"]["id"], "quotation": c["quotation"], "locator": c["locator"]}
        for c in current["citations"]
    ]
    response = writer_api.patch(
        f"/api/delegations/{delegation.pk}/", {"participants": participants, "citations": citations}
    )
    assert response.status_code == 200, response.content
    assert [(p["person"]["slug"], p["position"]) for p in response.json()["participants"]] == [
        ("natalia-khorsheva", "Head of the administration"),
        ("leonid-tibilov", "President of South Ossetia"),
    ]
    assert sorted(delegation.participants.values_list("person__slug", flat=True)) == [
        "leonid-tibilov",
        "natalia-khorsheva",
    ]
    assert DelegationCitation.history.filter(record_id=delegation.pk).count() == citation_history
    emptied = writer_api.patch(f"/api/delegations/{delegation.pk}/", {"citations": []}, format="json")
    assert emptied.json()["citations"] == []
    assert not delegation.citations.exists()


def test_a_delegation_is_created_with_participants_in_one_request(writer_api):
    mission = Mission.objects.get(sending_state__slug="dpr", host_state__slug="south-ossetia")
    response = writer_api.post(
        "/api/delegations/",
        {
            "sending_state": "dpr",
            "host_state": "south-ossetia",
            "date": "2016-05",
            "occasion": "Talks",
            "mission": mission.pk,
            "participants": [{"person": "alexander-kofman", "role": "head", "position": "Minister"}],
        },
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["mission"]["id"] == mission.pk
    assert data["participants"] == [
        {
            "person": {
                "slug": "alexander-kofman",
                "name": "Alexander Kofman",
                "name_native": "Александр Кофман",
                "url": "http://testserver/api/persons/alexander-kofman/",
            },
            "side": "delegation",
            "role": "head",
            "position": "Minister",
        }
    ]
    assert data["citations"] == []


def test_put_replaces_a_record_and_needs_every_required_field(writer_api):
    body = {"slug": "lpr", "name": "Luhansk People's Republic", "status": "former", "dissolved": "2022-09-30"}
    response = writer_api.put("/api/states/lpr/", {**body, "declared": "2014-05-12", "parent": "ukraine"})
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["status"], data["declared"], data["dissolved_display"]) == (
        "former",
        "2014-05-12",
        "30 September 2022",
    )
    # As in DRF: an optional field left out keeps its value.
    assert (data["short_name"], data["capital"]) == ("LPR", "Luhansk")
    incomplete = writer_api.put("/api/states/lpr/", {"slug": "lpr", "name": "LPR"})
    assert incomplete.status_code == 400
    assert incomplete.json() == {"status": ["This field is required."]}
    assert State.objects.get(slug="lpr").status == "former"


def test_publication_status_is_writable_and_a_draft_leaves_the_public_api(api, writer_api):
    response = writer_api.patch("/api/persons/leonid-tibilov/", {"publication_status": "draft"})
    assert response.json()["publication_status"] == "draft"
    assert api.get("/api/persons/leonid-tibilov/").status_code == 404


@pytest.mark.parametrize(
    ("path", "payload", "field", "message"),
    [
        (
            "recognitions",
            {"recognizing_state": "dpr", "recognized_state": "dpr", "date": "2014"},
            "recognized_state",
            "cannot recognise itself",
        ),
        (
            "recognitions",
            {"recognizing_state": "south-ossetia", "recognized_state": "dpr", "date": "2014-06"},
            "date",
            "already in the archive",
        ),
        (
            "recognitions",
            {"recognizing_state": "atlantis", "recognized_state": "dpr", "date": "2014"},
            "recognizing_state",
            "There is no state “atlantis”",
        ),
        (
            "recognitions",
            {"recognizing_state": "lpr", "recognized_state": "dpr", "date": "2015-02-29"},
            "date",
            "February 2015 has no day 29",
        ),
        ("recognitions", {"recognizing_state": "lpr", "recognized_state": "dpr", "date": 2014}, "date", "as text"),
        (
            "missions",
            {"sending_state": "lpr", "host_state": "dpr", "kind": "embassy", "opened": "2015-04", "closed": "2014"},
            "closed",
            "cannot close before it opens",
        ),
        ("states", {"slug": "x", "name": "X", "status": "former", "latitude": 10}, "longitude", "both"),
        ("states", {"slug": "x", "name": "X", "status": "former", "iso3": "xx"}, "iso3", "three capital"),
        (
            "states",
            {"slug": "x", "name": "X", "status": "former", "declared": "2000", "dissolved": "1999"},
            "dissolved",
            "dissolved before",
        ),
        ("states", {"slug": "dpr", "name": "X", "status": "former"}, "slug", "already exists"),
        ("sources", {"title": "T", "source_url": "not a url"}, "source_url", "valid URL"),
    ],
)
def test_writes_are_validated_by_the_model_with_the_message_on_the_field(writer_api, path, payload, field, message):
    counts = {model: model.objects.count() for model in (State, Recognition, Mission, Delegation, Source)}
    response = writer_api.post(f"/api/{path}/", payload)
    assert response.status_code == 400
    assert message in " ".join(response.json()[field])
    assert counts == {model: model.objects.count() for model in counts}


def test_a_delegation_names_a_mission_between_its_own_states(writer_api):
    mission = Mission.objects.get(sending_state__slug="south-ossetia", host_state__slug="lpr")
    payload = {"sending_state": "lpr", "host_state": "dpr", "date": "2015", "mission": mission.pk}
    response = writer_api.post("/api/delegations/", payload)
    assert response.status_code == 400
    assert response.json() == {"mission": ["This mission is not between the delegation's sending and host states."]}
    assert not Delegation.objects.filter(sending_state__slug="lpr", host_state__slug="dpr").exists()


def test_an_invalid_nested_item_refuses_the_whole_write(writer_api):
    recognitions = Recognition.objects.count()
    response = writer_api.post(
        "/api/recognitions/",
        {
            "recognizing_state": "lpr",
            "recognized_state": "dpr",
            "date": "2014",
            "citations": [{"source": Source.objects.get().pk}, {"source": 999_999}, {"locator": "p. 1"}],
        },
    )
    assert response.status_code == 400
    errors = response.json()["citations"]
    assert list(errors) == ["1", "2"]
    assert "There is no source “999999”" in errors["1"]["source"][0]
    assert errors["2"] == {"source": ["This field is required."]}
    assert Recognition.objects.count() == recognitions


def test_a_nested_item_is_whole_even_in_a_patch(writer_api):
    recognition = Recognition.objects.first()
    response = writer_api.patch(f"/api/recognitions/{recognition.pk}/", {"citations": [{"quotation": "q"}]})
    assert response.status_code == 400
    assert response.json() == {"citations": {"0": {"source": ["This field is required."]}}}
    assert recognition.citations.count() == 1


def test_a_person_takes_part_once_per_delegation(writer_api):
    delegation = Delegation.objects.first()
    response = writer_api.patch(
        f"/api/delegations/{delegation.pk}/",
        {"participants": [{"person": "leonid-tibilov"}, {"person": "leonid-tibilov", "side": "host"}]},
    )
    assert response.status_code == 400
    assert "once per delegation" in response.json()["participants"][0]


def test_deleting_a_state_still_referred_to_is_a_409_saying_by_what(writer_api):
    response = writer_api.delete("/api/states/south-ossetia/")
    assert response.status_code == 409
    detail = response.json()["detail"]
    assert "South Ossetia" in detail
    assert "2 recognitions" in detail
    assert State.objects.filter(slug="south-ossetia").exists()
    state("nowhere")
    assert writer_api.delete("/api/states/nowhere/").status_code == 204


def test_deleting_a_cited_source_is_refused(writer_api):
    response = writer_api.delete(f"/api/sources/{Source.objects.get().pk}/")
    assert response.status_code == 409
    assert "citations" in response.json()["detail"]


def test_options_list_the_choices_of_choice_fields(writer_api):
    actions = writer_api.options("/api/recognitions/").json()["actions"]["POST"]
    assert [c["value"] for c in actions["action"]["choices"]] == ["recognition", "withdrawal"]
    assert [c["value"] for c in actions["publication_status"]["choices"]] == ["draft", "published"]
    participant = writer_api.options("/api/delegations/").json()["actions"]["POST"]["participants"]["child"]
    assert [c["value"] for c in participant["children"]["side"]["choices"]] == ["delegation", "host"]


# --- Bad input never gives a 500 ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "params", "status"),
    [
        ("/api/recognitions/", {"date_after": "not-a-date"}, 400),
        ("/api/recognitions/", {"date_before": "2014-02-30"}, 400),
        ("/api/recognitions/", {"date_after": "\x00"}, 400),
        ("/api/recognitions/", {"date_after": "9" * 10_000}, 400),
        ("/api/recognitions/", {"recognizing": "\x00"}, 400),
        ("/api/recognitions/", {"state": "s" * 10_000}, 400),
        ("/api/recognitions/", {"search": "\x00"}, 400),
        ("/api/recognitions/", {"search": "x" * 10_000}, 400),
        ("/api/recognitions/", {"action": "annexation"}, 400),
        ("/api/recognitions/", {"ordering": "name"}, 400),
        ("/api/missions/", {"active_on": "2015-02-30"}, 400),
        ("/api/missions/", {"city": "\x00"}, 400),
        ("/api/missions/", {"kind": "\x00"}, 400),
        ("/api/states/", {"status": "x" * 10_000}, 400),
        ("/api/sources/", {"language": "x" * 10_000}, 400),
        ("/api/delegations/", {"person": "\x00"}, 400),
        ("/api/states/", {"page": "-1"}, 404),
        ("/api/states/", {"page": "9" * 10_000}, 404),
        ("/api/states/", {"page_size": str(10**9)}, 200),
        ("/api/states/", {"format": "xml"}, 404),
        ("/api/states/", {"unknown": "\x00"}, 200),
        ("/api/recognitions/999999/", {}, 404),
        ("/api/recognitions/abc/", {}, 404),
        ("/api/recognitions/99999999999999999999999999/", {}, 404),
        ("/api/recognitions/-1/", {}, 404),
        ("/api/states/%00/", {}, 404),
        ("/api/states/" + "s" * 10_000 + "/", {}, 404),
        ("/api/persons/nobody/", {}, 404),
        ("/api/nowhere/", {}, 404),
        ("/api/states/dpr/nothing/", {}, 404),
    ],
)
def test_bad_query_input_is_a_json_4xx(api, db, path, params, status):
    response = api.get(path, params)
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert response.json()


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        ("[]", "application/json", 400),
        ('"a string"', "application/json", 400),
        ("null", "application/json", 400),
        ("42", "application/json", 400),
        ("{not json", "application/json", 400),
        ('{"slug": "x", "name": "X", "status": "former"', "application/json", 400),
        ("slug=x", "text/plain", 415),
        ("<state/>", "application/xml", 415),
        ('{"slug": "x\\u0000", "name": "X", "status": "former"}', "application/json", 400),
        ('{"slug": "x", "name": "' + "N" * 10_000 + '", "status": "former"}', "application/json", 400),
        ('{"slug": "x", "name": "X", "status": "former", "latitude": 1e400, "longitude": 1}', "application/json", 400),
        ('{"slug": "x", "name": "X", "status": "former", "parent": ["dpr"]}', "application/json", 400),
        ('{"slug": "x", "name": "X", "status": "former", "parent": {"slug": "dpr"}}', "application/json", 400),
        ('{"slug": "x", "name": "X", "status": "former", "declared": "0000"}', "application/json", 400),
        ('{"slug": "x", "name": "X", "status": "former", "declared": "2014-00"}', "application/json", 400),
    ],
)
def test_bad_bodies_are_a_json_4xx(writer_api, body, content_type, status):
    response = writer_api.generic("POST", "/api/states/", body, content_type=content_type)
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert response.json()


@pytest.mark.parametrize(
    "citations",
    [
        "not a list",
        [1],
        [{"source": True}],
        [{"source": "one"}],
        [{"source": 10**30}],
        [{"source": None}],
        {"source": 1},
    ],
)
def test_bad_nested_items_are_400s(writer_api, citations):
    response = writer_api.patch(f"/api/recognitions/{Recognition.objects.first().pk}/", {"citations": citations})
    assert response.status_code == 400
    assert list(response.json()) == ["citations"]


# --- Schema and documentation ------------------------------------------------------------------


@pytest.fixture(scope="module")
def openapi(django_db_blocker):
    with django_db_blocker.unblock():
        return APIClient().get("/api/schema/", {"format": "json"}).json()


def test_the_schema_documents_every_filter_and_the_csv_format(openapi):
    for path, (_, filterset) in LISTS.items():
        operation = openapi["paths"][f"/api/{path}/"]["get"]
        parameters = {p["name"] for p in operation["parameters"]}
        assert set(filterset.base_filters) | {"page", "page_size", "format"} <= parameters, path
        format_parameter = next(p for p in operation["parameters"] if p["name"] == "format")
        assert format_parameter["schema"]["enum"] == ["csv", "json"]
        assert set(operation["responses"]["200"]["content"]) == {"application/json", "text/csv"}
        assert {"400", "401", "404"} <= set(operation["responses"])


def test_the_schema_documents_the_status_endpoint_errors_and_token_auth(openapi):
    status = openapi["paths"]["/api/states/{slug}/recognition-status/"]["get"]
    assert [p["name"] for p in status["parameters"] if p["in"] == "query"] == ["date"]
    assert status["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("RecognitionStatus")
    assert {"400", "404"} <= set(status["responses"])
    assert openapi["components"]["securitySchemes"]["tokenAuth"]["name"] == "Authorization"
    create = openapi["paths"]["/api/recognitions/"]["post"]
    assert {"tokenAuth": []} in create["security"]
    assert {} not in create["security"]
    assert {} in openapi["paths"]["/api/recognitions/"]["get"]["security"]
    assert set(create["responses"]) >= {"201", "400", "401", "403", "415"}
    delete = openapi["paths"]["/api/states/{slug}/"]["delete"]
    assert delete["responses"]["409"]["content"]["application/json"]["schema"]["$ref"].endswith("/Error")
    assert (
        "token"
        in openapi["paths"]["/api/auth/token/"]["post"]["responses"]["200"]["content"]["application/json"]["schema"][
            "$ref"
        ].lower()
    )


def test_the_schema_reads_references_as_objects_and_writes_them_as_slugs(openapi):
    schemas = openapi["components"]["schemas"]
    assert schemas["Recognition"]["properties"]["recognizing_state"]["$ref"].endswith("StateReference")
    assert schemas["RecognitionRequest"]["properties"]["recognizing_state"]["type"] == "string"
    assert schemas["CitationRequest"]["properties"]["source"]["type"] == "integer"
    assert schemas["ActionEnum"]["enum"] == ["recognition", "withdrawal"]
    assert schemas["PrecisionEnum"]["enum"] == ["day", "month", "year"]


def test_the_schema_validates_without_warnings():
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")


@pytest.mark.parametrize("path", ["/api/docs/", "/api/redoc/"])
def test_the_documentation_pages_use_local_assets_only(client, path):
    response = client.get(path)
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/" in html
    assert "http://" not in html
    assert "https://" not in html
