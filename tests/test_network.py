"""The pictures: the recognition network as of a day (selector, JSON endpoint, page), the map of
missions and the timeline chart, each with the table that stands for it without JavaScript."""

import datetime
import json

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.urls import reverse

from events.models import Mission, Recognition, State
from events.querysets import recognition_network, recognition_status

pytestmark = pytest.mark.django_db

D = datetime.date.fromisoformat
NETWORK_URL = "/api/network/"


@pytest.fixture
def states():
    return {
        slug: State.objects.create(slug=slug, name=slug.title(), status="partially_recognized")
        for slug in ["target", "early", "late", "flip", "maybe", "back"]
    }


def act(states, recognizing, date, action="recognition", recognized="target", **extra):
    return Recognition.objects.create(
        recognizing_state=states[recognizing], recognized_state=states[recognized], date=date, action=action, **extra
    )


@pytest.fixture
def history(states):
    """The history of tests/test_querysets.py, so that both selectors answer the same questions."""
    act(states, "early", "2008-08-26")
    act(states, "late", "2014-06")
    act(states, "flip", "2010")
    act(states, "flip", "2013-07-12", action="withdrawal")
    act(states, "maybe", "2014")
    act(states, "back", "2009-01-01")
    act(states, "back", "2011-05", action="withdrawal")
    act(states, "back", "2012-02-02")
    act(states, "target", "2015-03-03", recognized="early")
    return states


def edges_of(network):
    return {(edge.source.slug, edge.target.slug): edge for edge in network.edges}


@pytest.mark.parametrize(
    "day", ["2008-08-25", "2008-08-26", "2011-06-01", "2014-05-01", "2014-06-15", "2014-06-30", "2015-03-03"]
)
def test_network_agrees_with_the_status_of_each_state(history, day):
    network = edges_of(recognition_network(day=D(day)))
    for state in history.values():
        status = recognition_status(state=state, day=D(day))
        received = {(entry.state.slug, state.slug): True for entry in status.recognized_by}
        received |= {(entry.state.slug, state.slug): False for entry in status.uncertain}
        in_network = {pair: edge.certain for pair, edge in network.items() if pair[1] == state.slug}
        assert in_network == received


def test_edges_are_dated_by_the_recognition_in_force(history):
    network = edges_of(recognition_network(day=D("2014-06-15")))
    assert network[("back", "target")].since.isoformat() == "2012-02-02"
    assert network[("late", "target")].since.isoformat() == "2014-06"
    assert network[("late", "target")].certain is False
    assert ("flip", "target") not in network


def test_an_uncertain_withdrawal_keeps_the_edge_dated_by_the_recognition(states):
    act(states, "early", "2008")
    act(states, "early", "2014", action="withdrawal")
    edge = edges_of(recognition_network(day=D("2014-06-01")))[("early", "target")]
    assert edge.certain is False
    assert edge.since.isoformat() == "2008"


def test_states_not_yet_declared_or_already_dissolved_are_not_nodes(history):
    State.objects.filter(slug="late").update(declared_start=D("2014-06-01"), declared_end=D("2014-06-30"))
    State.objects.filter(slug="flip").update(dissolved_start=D("2012-01-01"), dissolved_end=D("2012-12-31"))
    slugs = [node.slug for node in recognition_network(day=D("2013-01-01")).nodes]
    assert "late" not in slugs
    assert "flip" not in slugs
    assert "late" in [node.slug for node in recognition_network(day=D("2014-06-15")).nodes]


def test_status_filter_keeps_only_those_states_and_the_edges_between_them(history):
    State.objects.filter(slug__in=["early", "back"]).update(status="un_member")
    network = recognition_network(day=D("2015-06-01"), statuses=["partially_recognized"])
    assert [node.slug for node in network.nodes] == ["flip", "late", "maybe", "target"]
    assert sorted(edges_of(network)) == [("late", "target"), ("maybe", "target")]


def test_drafts_are_hidden_from_anonymous_users(history, admin_user):
    Recognition.objects.filter(recognizing_state__slug="late").update(publication_status="draft")
    State.objects.filter(slug="back").update(publication_status="draft")
    anonymous = recognition_network(day=D("2015-06-01"), user=AnonymousUser())
    assert "back" not in [node.slug for node in anonymous.nodes]
    assert sorted(edges_of(anonymous)) == [("early", "target"), ("maybe", "target"), ("target", "early")]
    staff = recognition_network(day=D("2015-06-01"), user=admin_user)
    assert len(staff.edges) == 5


# --- The endpoint ------------------------------------------------------------------------------


def test_endpoint_for_the_demo_data_before_and_after_the_recognitions(client, demo):
    before = client.get(NETWORK_URL, {"date": "2014-05-01"}).json()
    assert before["date"] == "2014-05-01"
    assert before["edges"] == []
    south_ossetia = next(node for node in before["nodes"] if node["slug"] == "south-ossetia")
    assert south_ossetia == {
        "slug": "south-ossetia",
        "name": "South Ossetia",
        "name_native": "Республика Южная Осетия",
        "status": "partially_recognized",
        "latitude": 42.2263,
        "longitude": 43.9705,
    }
    during = client.get(NETWORK_URL, {"date": "2014-06-15"}).json()
    assert {(e["source"], e["target"], e["certain"]) for e in during["edges"]} == {
        ("south-ossetia", "dpr", False),
        ("south-ossetia", "lpr", False),
    }
    after = client.get(NETWORK_URL, {"date": "2014-07-15"}).json()
    assert sorted(after["edges"], key=lambda e: e["target"]) == [
        {"source": "south-ossetia", "target": "dpr", "certain": True, "since": "2014-06"},
        {"source": "south-ossetia", "target": "lpr", "certain": True, "since": "2014-06"},
    ]


def test_endpoint_defaults_to_today(client, demo):
    body = client.get(NETWORK_URL).json()
    assert body["date"] == datetime.date.today().isoformat()
    assert len(body["edges"]) == 2


def test_endpoint_filters_nodes_by_status(client, demo):
    body = client.get(NETWORK_URL + "?date=2015-01-01&status=unrecognized&status=un_member").json()
    assert sorted(node["slug"] for node in body["nodes"]) == ["dpr", "lpr", "ukraine"]
    assert body["edges"] == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"date": "2014-06"}, "date"),
        ({"date": "2014-02-30"}, "date"),
        ({"date": "yesterday"}, "date"),
        ({"date": "2014-06-15\x00"}, "date"),
        ({"status": "sovereign"}, "status"),
    ],
)
def test_endpoint_rejects_bad_parameters_naming_them(client, demo, query, field):
    response = client.get(NETWORK_URL, query)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert list(response.json()) == [field]


def test_endpoint_hides_drafts_from_anonymous_users_but_not_from_staff(admin_client, demo):
    State.objects.filter(slug="lpr").update(publication_status="draft")
    anonymous = Client().get(NETWORK_URL, {"date": "2015-01-01"}).json()
    assert "lpr" not in [node["slug"] for node in anonymous["nodes"]]
    assert [edge["target"] for edge in anonymous["edges"]] == ["dpr"]
    staff = admin_client.get(NETWORK_URL, {"date": "2015-01-01"}).json()
    assert sorted(edge["target"] for edge in staff["edges"]) == ["dpr", "lpr"]


def test_endpoint_only_reads(client, demo):
    assert client.post(NETWORK_URL, {"date": "2015-01-01"}).status_code == 405


def many_states(count: int) -> None:
    """`count` states in a ring, each recognising the next one, one act a year apart."""
    states = State.objects.bulk_create(
        State(slug=f"state-{index}", name=f"State {index}", status="un_member") for index in range(count)
    )
    Recognition.objects.bulk_create(
        Recognition(recognizing_state=state, recognized_state=states[(index + 1) % count], date=f"{1900 + index:04d}")
        for index, state in enumerate(states)
    )


@pytest.mark.parametrize("count", [5, 50])
def test_endpoint_runs_the_same_number_of_queries_whatever_the_number_of_states(
    client, count, django_assert_num_queries
):
    many_states(count)
    with django_assert_num_queries(3):
        body = client.get(NETWORK_URL, {"date": "2000-01-01"}).json()
    assert len(body["nodes"]) == count
    assert len(body["edges"]) == count


def test_endpoint_is_in_the_openapi_schema(demo):
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"][NETWORK_URL]["get"]
    assert {parameter["name"] for parameter in operation["parameters"]} >= {"date", "status"}
    body = operation["responses"]["200"]["content"]["application/json"]["schema"]
    network = schema["components"]["schemas"][body["$ref"].rsplit("/", 1)[-1]]
    assert set(network["properties"]) == {"date", "nodes", "edges"}
    assert "400" in operation["responses"]


# --- The pages ---------------------------------------------------------------------------------


def soup(response):
    return BeautifulSoup(response.content, "html.parser")


def test_network_page_without_javascript_shows_the_recognitions_as_a_table(client, demo):
    page = soup(client.get(reverse("pictures:network"), {"date": "2014-07-15"}))
    rows = [
        [cell.get_text(" ", strip=True) for cell in row.find_all("td")]
        for row in page.select("#network-edges tbody tr")
    ]
    assert rows == [
        ["South Ossetia", "Donetsk People's Republic", "June 2014", "certain"],
        ["South Ossetia", "Luhansk People's Republic", "June 2014", "certain"],
    ]
    link = page.select_one("#network-edges tbody tr td a")
    assert link["href"] == reverse("events:state-detail", kwargs={"slug": "south-ossetia"})


def test_network_page_before_the_recognitions_says_there_are_none(client, demo):
    page = soup(client.get(reverse("pictures:network"), {"date": "2014-05-01"}))
    assert page.select("#network-edges tbody tr") == []
    assert page.select_one("canvas")["aria-describedby"]


def test_network_page_with_a_bad_date_says_so(client, demo):
    response = client.get(reverse("pictures:network"), {"date": "2014-13-01"})
    assert response.status_code == 400
    assert soup(response).select(".errorlist")


def test_map_page_lists_the_missions_and_the_states_without_coordinates(client, demo):
    State.objects.create(slug="nowhere", name="Nowhere", status="unrecognized")
    Mission.objects.create(
        sending_state=State.objects.get(slug="nowhere"),
        host_state=State.objects.get(slug="south-ossetia"),
        kind="liaison_office",
        opened="2016",
    )
    page = soup(client.get(reverse("pictures:map")))
    rows = [
        [cell.get_text(" ", strip=True) for cell in row.find_all("td")] for row in page.select("#map-missions tbody tr")
    ]
    assert [
        "Donetsk People's Republic",
        "South Ossetia",
        "representative office",
        "Tskhinval",
        "28 April 2015",
        "",
        "",
    ] in rows
    assert len(rows) == 5
    assert [item.get_text(strip=True) for item in page.select("#map-unplaced li")] == ["Nowhere"]


def test_map_page_filters_by_kind_and_day_without_javascript(client, demo):
    page = soup(client.get(reverse("pictures:map"), {"kind": "representative_office", "date": "2015-04-28"}))
    rows = page.select("#map-missions tbody tr")
    assert len(rows) == 4
    uncertain = [row for row in rows if "uncertain" in row.get_text()]
    assert len(uncertain) == 2
    page = soup(client.get(reverse("pictures:map"), {"date": "2015-03-01"}))
    assert page.select("#map-missions tbody tr") == []
    page = soup(client.get(reverse("pictures:map"), {"kind": "embassy"}))
    assert page.select("#map-missions tbody tr") == []


def test_map_page_with_bad_filters_says_so(client, demo):
    response = client.get(reverse("pictures:map"), {"kind": "palace", "date": "2015"})
    assert response.status_code == 400
    assert len(soup(response).select(".errorlist")) == 2


# --- The timeline chart --------------------------------------------------------------------------


def chart_of(response) -> dict:
    figure = soup(response).select_one("figure.timeline-chart")
    return json.loads(figure["data-timeline-chart"])


def test_timeline_page_embeds_a_chart_of_the_acts_it_lists(client, demo):
    response = client.get(reverse("events:timeline"))
    chart = chart_of(response)
    listed = [link["href"] for link in soup(response).select("table tbody tr td:first-child a")]
    assert [mark["url"] for mark in chart["marks"]] == listed
    assert [kind["kind"] for kind in chart["kinds"]] == ["recognition", "mission_opened", "delegation"]
    recognition = chart["marks"][0]
    assert recognition == {
        "kind": "recognition",
        "start": "2014-06-01",
        "end": "2014-06-30",
        "span": True,
        "date": "June 2014",
        "label": "South Ossetia recognised Donetsk People's Republic",
        "url": Recognition.objects.get(recognized_state__slug="dpr").get_absolute_url(),
    }
    opened = [mark for mark in chart["marks"] if mark["date"] == "28 April 2015" and mark["kind"] == "mission_opened"]
    assert [mark["span"] for mark in opened] == [False, False]
    assert opened[0]["label"] == "Representative office of Donetsk People's Republic opened in South Ossetia"


def test_state_page_chart_shows_what_its_tables_show(client, demo):
    Mission.objects.filter(sending_state__slug="dpr").update(
        closed_start=D("2016-01-01"), closed_end=D("2016-12-31"), closed_precision="year"
    )
    chart = chart_of(client.get(reverse("events:state-detail", kwargs={"slug": "south-ossetia"})))
    kinds = [mark["kind"] for mark in chart["marks"]]
    assert sorted(kinds) == sorted(
        ["recognition"] * 2 + ["mission_opened"] * 4 + ["mission_closed"] + ["delegation"] * 2
    )
    closed = next(mark for mark in chart["marks"] if mark["kind"] == "mission_closed")
    assert (closed["start"], closed["end"], closed["date"]) == ("2016-01-01", "2016-12-31", "2016")


def test_timeline_chart_speaks_the_readers_language(client, demo):
    chart = chart_of(client.get(reverse("events:timeline"), HTTP_ACCEPT_LANGUAGE="ru"))
    assert chart["kinds"][0]["label"] == "признания"
    assert chart["marks"][0]["date"] == "июнь 2014"
    assert chart["marks"][0]["label"] == "Республика Южная Осетия → Донецкая народная республика: признание"


def test_a_page_without_acts_has_no_chart(client, demo):
    state = State.objects.create(slug="quiet", name="Quiet", status="unrecognized")
    assert soup(client.get(state.get_absolute_url())).select("figure.timeline-chart") == []
