"""The researchers' pages, read as a visitor reads them: parsed HTML, CSV downloads, status codes."""

import csv
import datetime
import io

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from events.models import (
    Delegation,
    DelegationCitation,
    Mission,
    MissionCitation,
    Participant,
    Person,
    PublicationStatus,
    Recognition,
    RecognitionCitation,
    Source,
    State,
)

pytestmark = pytest.mark.django_db


def page(response) -> BeautifulSoup:
    return BeautifulSoup(response.content, "html.parser")


def text_of(element) -> str:
    """An element's text as a reader sees it: whitespace runs folded to one space."""
    return " ".join(element.get_text().split())


def texts(soup: BeautifulSoup, selector: str) -> list[str]:
    return [text_of(element) for element in soup.select(selector)]


def rows(response) -> list[list[str]]:
    """The body rows of the page's first results table, cell texts only."""
    table = page(response).select_one("table tbody")
    return [[text_of(td) for td in tr.find_all("td")] for tr in table.find_all("tr")]


def download(response) -> list[dict[str, str]]:
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


PAGES = [
    "/",
    "/states/",
    "/states/south-ossetia/",
    "/recognitions/",
    "/missions/",
    "/delegations/",
    "/persons/",
    "/persons/alexander-kofman/",
    "/sources/",
    "/timeline/",
    "/search/?q=Осетия",
]


@pytest.mark.parametrize("url", PAGES)
def test_every_page_has_one_heading_a_language_and_labelled_controls(demo, client, url):
    response = client.get(url)
    assert response.status_code == 200
    soup = page(response)
    assert soup.html["lang"] == "en"
    assert len(soup.find_all("h1")) == 1
    assert soup.select_one("a.skip-link")["href"] == "#content"
    assert soup.select_one("main#content") is not None
    for control in soup.select("input:not([type=hidden]), select, textarea"):
        labelled = control.get("aria-label") or soup.select_one(f'label[for="{control.get("id")}"]')
        assert labelled, f"{control} has no label on {url}"


@pytest.mark.parametrize(
    "url",
    [
        "/states/atlantis/",
        "/persons/nobody/",
        "/recognitions/999999/",
        "/missions/999999/",
        "/delegations/999999/",
        "/sources/999999/",
        "/recognitions/?page=99",
    ],
)
def test_unknown_records_give_the_archive_404_page(demo, client, url):
    response = client.get(url)
    assert response.status_code == 404
    assert texts(page(response), "h1") == ["Not found"]


# --- A state's profile and its status as of a day ----------------------------------------------


def test_state_profile_names_status_parent_and_dated_rows_with_sources(demo, client):
    soup = page(client.get("/states/dpr/?date=2014-07-15"))
    assert texts(soup, "h1") == ["Donetsk People's Republic"]
    assert "Донецкая народная республика" in texts(soup, "hgroup p")
    record = dict(zip(texts(soup, "dl.record dt"), texts(soup, "dl.record dd"), strict=True))
    assert record["Status"] == "unrecognised"
    assert record["Broke away from"] == "Ukraine"
    assert record["Short name"] == "DPR / ДНР"
    received = soup.select_one("#recognitions_received")
    assert received.select_one("time")["datetime"] == "2014-06"
    assert "June 2014" in texts(received, "td")
    assert any("RIA Novosti" in cell for cell in texts(received, "td"))
    assert texts(soup.select_one("#delegations_sent"), "td a[href^='/persons/']") == ["Alexander Kofman"]
    hosted = soup.select_one("#missions_hosted")
    assert "South Ossetia" in texts(hosted, "td")
    assert texts(soup.select_one("#recognitions_given"), "p") == ["None in the archive."]


@pytest.mark.parametrize(
    ("day", "recognized_by", "uncertain"),
    [
        ("2014-05-01", [], []),
        ("2014-06-15", [], ["South Ossetia"]),
        ("2014-07-15", ["South Ossetia"], []),
    ],
)
def test_status_as_of_a_day_is_the_date_parameter(demo, client, day, recognized_by, uncertain):
    response = client.get(f"/states/dpr/?date={day}")
    assert response.status_code == 200
    soup = page(response)
    assert texts(soup, "#status-recognized-by li a[href^='/states/']") == recognized_by
    assert texts(soup, "#status-uncertain li a[href^='/states/']") == uncertain
    assert soup.select_one("#status-heading time")["datetime"] == day
    assert soup.select_one("input[name=date]")["value"] == day
    assert f"/states/dpr/?date={day}" in soup.select_one("#cite-text").get_text()


def test_status_lists_what_the_state_recognises_itself(demo, client):
    before = page(client.get("/states/south-ossetia/?date=2014-05-01"))
    after = page(client.get("/states/south-ossetia/?date=2014-07-15"))
    assert texts(before, "#status-recognizes li a[href^='/states/']") == []
    assert texts(after, "#status-recognizes li a[href^='/states/']") == [
        "Donetsk People's Republic",
        "Luhansk People's Republic",
    ]


def test_status_defaults_to_today(demo, client):
    soup = page(client.get("/states/dpr/"))
    assert soup.select_one("#status-heading time")["datetime"] == datetime.date.today().isoformat()
    assert texts(soup, "#status-recognized-by li a[href^='/states/']") == ["South Ossetia"]


@pytest.mark.parametrize("bad", ["2014-13-45", "2014-02-30", "2014-07", "yesterday", "0000-00-00", "99999-01-01"])
def test_a_bad_status_day_is_a_form_error_and_the_profile_still_shows(demo, client, bad):
    response = client.get("/states/dpr/", {"date": bad})
    assert response.status_code == 400
    soup = page(response)
    assert soup.select_one("input[name=date]")["aria-invalid"] == "true"
    assert texts(soup, "#status .errorlist li")
    assert soup.select_one("#status-recognized-by") is None
    assert texts(soup, "h1") == ["Donetsk People's Republic"]
    assert soup.select_one("#recognitions_received time")["datetime"] == "2014-06"


# --- Lists: filters, errors, sorting, pagination, CSV ------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, 2),
        ({"state": "south-ossetia"}, 2),
        ({"recognized": "dpr"}, 1),
        ({"recognizing": "dpr"}, 0),
        ({"action": "withdrawal"}, 0),
        ({"date_after": "2014-06-30"}, 2),
        ({"date_after": "2014-07-01"}, 0),
        ({"date_before": "2014-06-01"}, 2),
        ({"date_before": "2014-05-31"}, 0),
        ({"search": "Луганская"}, 1),
    ],
)
def test_recognition_filters(demo, client, query, expected):
    response = client.get("/recognitions/", query)
    assert response.status_code == 200
    found = [row for row in rows(response) if len(row) > 1]
    assert len(found) == expected
    assert page(response).select_one(".result-summary strong").get_text() == str(expected)


@pytest.mark.parametrize(
    ("url", "query", "expected"),
    [
        ("/missions/", {"host": "south-ossetia"}, 2),
        ("/missions/", {"sending": "south-ossetia", "active_on": "2015-05-01"}, 2),
        ("/missions/", {"kind": "embassy"}, 0),
        ("/delegations/", {"sending": "dpr"}, 1),
        ("/delegations/", {"person": "natalia-khorsheva"}, 1),
        ("/delegations/", {"person": "kosta-pukhaev"}, 2),
        ("/states/", {"status": "unrecognized"}, 2),
        ("/persons/", {"search": "Кофман"}, 1),
        ("/sources/", {"language": "ru"}, 1),
    ],
)
def test_other_list_filters(demo, client, url, query, expected):
    response = client.get(url, query)
    assert response.status_code == 200
    assert page(response).select_one(".result-summary strong").get_text() == str(expected)


@pytest.mark.parametrize(
    ("url", "query", "field"),
    [
        ("/recognitions/", {"date_after": "2014-13-45"}, "date_after"),
        ("/recognitions/", {"state": "atlantis"}, "state"),
        ("/recognitions/", {"action": "annexation"}, "action"),
        ("/recognitions/", {"ordering": "name"}, "ordering"),
        ("/missions/", {"active_on": "yesterday"}, "active_on"),
        ("/delegations/", {"person": "nobody"}, "person"),
        ("/states/", {"status": "empire"}, "status"),
        ("/sources/", {"search": "x" * 300}, "search"),
    ],
)
def test_bad_filter_values_give_the_page_back_with_a_form_error(demo, client, url, query, field):
    response = client.get(url, query)
    assert response.status_code == 400
    soup = page(response)
    control = soup.select_one(f"[name={field}]")
    assert control["aria-invalid"] == "true"
    assert soup.select_one(f"#id_{field}_error") is not None
    assert soup.select_one("[role=alert]") is not None
    assert not soup.select("table tbody tr td a")


def test_an_unknown_state_error_names_the_slug(demo, client):
    soup = page(client.get("/recognitions/", {"state": "atlantis"}))
    assert "There is no state “atlantis”" in " ".join(texts(soup, ".errorlist li"))


def test_a_bad_filter_with_csv_asked_gives_the_page_not_a_file(demo, client):
    response = client.get("/recognitions/", {"state": "atlantis", "format": "csv"})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")


def make_acts(count: int) -> tuple[State, State]:
    first = State.objects.create(slug="first", name="First", status="partially_recognized")
    second = State.objects.create(slug="second", name="Second", status="unrecognized")
    source = Source.objects.create(title="A report", outlet="Outlet")
    for index in range(count):
        act = Recognition.objects.create(
            recognizing_state=first,
            recognized_state=second,
            date=(datetime.date(2000, 1, 1) + datetime.timedelta(days=index)).isoformat(),
            action="recognition" if index % 2 == 0 else "withdrawal",
        )
        RecognitionCitation.objects.create(record=act, source=source, quotation=f"Quotation {index}")
    return first, second


def test_sorting_by_date_and_pagination(client):
    make_acts(5)
    oldest_first = [row[0] for row in rows(client.get("/recognitions/", {"ordering": "date"}))]
    newest_first = [row[0] for row in rows(client.get("/recognitions/", {"ordering": "-date"}))]
    assert oldest_first[0] == "1 January 2000"
    assert newest_first == list(reversed(oldest_first))
    first_page = client.get("/recognitions/", {"page_size": 2, "ordering": "-date"})
    third_page = client.get("/recognitions/", {"page_size": 2, "ordering": "-date", "page": 3})
    assert [row[0] for row in rows(first_page)] == newest_first[:2]
    assert [row[0] for row in rows(third_page)] == newest_first[4:]
    assert "Page 3 of 3" in texts(page(third_page), "nav.pagination")[0]
    header_link = page(first_page).select_one("th[aria-sort] a")["href"]
    assert "ordering=date" in header_link
    assert "page=" not in header_link


def test_csv_holds_every_filtered_row_of_every_page(client):
    make_acts(25)
    response = client.get("/recognitions/", {"action": "withdrawal", "page_size": 5, "page": 2})
    csv_link = page(response).find("a", string="Download CSV")["href"]
    assert "page=" not in csv_link
    assert "action=withdrawal" in csv_link
    data = download(client.get("/recognitions/" + csv_link))
    assert len(data) == 12
    assert {row["action"] for row in data} == {"withdrawal"}
    assert data[0]["recognizing_state"] == "first"
    assert data[0]["recognizing_state_name"] == "First"
    assert data[0]["recognized_state"] == "second"
    assert data[0]["recognized_state_name"] == "Second"
    assert data[0]["date"] == "2000-01-02"
    assert data[0]["date_precision"] == "day"
    assert data[0]["url"].startswith("http://testserver/recognitions/")


def test_csv_of_south_ossetias_recognitions(demo, client):
    data = download(client.get("/recognitions/", {"state": "south-ossetia", "format": "csv"}))
    assert [(row["recognizing_state"], row["recognized_state"], row["date"]) for row in data] == [
        ("south-ossetia", "dpr", "2014-06"),
        ("south-ossetia", "lpr", "2014-06"),
    ]
    assert data[0]["date_precision"] == "month"
    assert data[0]["recognized_state_name_native"] == "Донецкая народная республика"


@pytest.mark.parametrize(
    ("url", "filename", "count"),
    [
        ("/states/", "states.csv", 4),
        ("/missions/", "missions.csv", 4),
        ("/delegations/", "delegations.csv", 2),
        ("/persons/", "persons.csv", 5),
        ("/sources/", "sources.csv", 1),
    ],
)
def test_every_list_downloads_csv(demo, client, url, filename, count):
    response = client.get(url, {"format": "csv"})
    assert filename in response["Content-Disposition"]
    assert len(download(response)) == count


# --- Record pages -------------------------------------------------------------------------------


def test_recognition_page_shows_the_act_its_precision_and_its_quotation(demo, client):
    act = Recognition.objects.get(recognized_state__slug="dpr")
    soup = page(client.get(f"/recognitions/{act.pk}/"))
    record = dict(zip(texts(soup, "dl.record dt"), texts(soup, "dl.record dd"), strict=True))
    assert record["Date"].startswith("June 2014")
    assert "2014-06-01 to 2014-06-30" in record["Date"]
    assert record["Instrument"] == "presidential decree"
    assert texts(soup, "blockquote") == ["Южная Осетия признала независимость ДНР и ЛНР в июне 2014 года."]
    assert soup.select_one("blockquote")["lang"] == "ru"
    cite = soup.select_one("#cite-text").get_text()
    assert f"http://testserver/recognitions/{act.pk}/" in cite
    assert "South Ossetia recognised Donetsk People's Republic, June 2014" in cite


def test_delegation_page_answers_who_led_it_and_which_source_says_so(demo, client):
    delegation = Delegation.objects.get(sending_state__slug="dpr")
    soup = page(client.get(f"/delegations/{delegation.pk}/"))
    sides = soup.select("section[aria-labelledby^=side-]")
    delegation_rows = [texts(tr, "td") for tr in sides[0].select("tbody tr")]
    assert delegation_rows == [
        ["Alexander Kofman (Александр Кофман)", "head", "Minister of foreign affairs of the DPR"]
    ]
    host_people = texts(sides[1], "tbody tr td:first-child a")
    assert host_people == ["Leonid Tibilov", "Kosta Pukhaev", "Alan Kochiev"]
    quotations = texts(soup, "#sources-heading ~ article blockquote")
    assert any("делегацию ДНР возглавил министр иностранных дел Александр Кофман" in q for q in quotations)
    assert texts(soup, "#sources-heading ~ article p a")[0].startswith("RIA Novosti")


def test_mission_page_lists_the_delegation_at_its_opening(demo, client):
    mission = Mission.objects.get(sending_state__slug="lpr")
    soup = page(client.get(f"/missions/{mission.pk}/"))
    record = dict(zip(texts(soup, "dl.record dt"), texts(soup, "dl.record dd"), strict=True))
    assert record["City"] == "Tskhinval"
    assert record["Opened"] == "28 April 2015"
    assert texts(soup, "#delegations-heading ~ ul a") == [
        "Delegation of Luhansk People's Republic to South Ossetia, 28 April 2015"
    ]


def test_person_page_lists_each_delegation_with_role_and_position(demo, client):
    soup = page(client.get("/persons/kosta-pukhaev/"))
    assert texts(soup, "h1") == ["Kosta Pukhaev"]
    table = [texts(tr, "td") for tr in soup.select("tbody tr")]
    assert len(table) == 2
    for row in table:
        assert row[0] == "28 April 2015"
        assert row[2:] == [
            "host side",
            "member",
            "First deputy head of the presidential administration of South Ossetia",
        ]


def test_source_page_has_the_reference_and_every_fact_citing_it(demo, client):
    source = Source.objects.get()
    soup = page(client.get(f"/sources/{source.pk}/"))
    assert soup.select_one("#reference-text").get_text() == source.citation_text()
    assert texts(soup, "#facts-heading ~ h3") == ["Recognitions", "Missions", "Delegations"]
    citations = RecognitionCitation.objects.count() + MissionCitation.objects.count()
    citations += DelegationCitation.objects.count()
    assert len(soup.select("#facts-heading ~ article blockquote")) == citations == 10


# --- Timeline, search, home ---------------------------------------------------------------------


def test_timeline_is_in_date_order_and_filters_by_state_and_year(demo, client):
    everything = rows(client.get("/timeline/"))
    assert [row[0] for row in everything] == ["June 2014"] * 2 + ["April 2015"] * 2 + ["28 April 2015"] * 4
    assert everything[0][1] == "South Ossetia recognised Donetsk People's Republic"
    led = [row[1] for row in everything if row[1].startswith("Delegation of Donetsk")]
    assert led == [
        "Delegation of Donetsk People's Republic to South Ossetia, led by Alexander Kofman "
        "— Opening of the DPR representative office in South Ossetia"
    ]
    assert len(rows(client.get("/timeline/", {"year": 2014}))) == 2
    assert len(rows(client.get("/timeline/", {"state": "lpr"}))) == 4
    assert len(rows(client.get("/timeline/", {"state": "lpr", "year": 2015}))) == 3


@pytest.mark.parametrize("query", [{"year": "abc"}, {"year": "0"}, {"state": "atlantis"}])
def test_timeline_bad_filters_are_form_errors(demo, client, query):
    response = client.get("/timeline/", query)
    assert response.status_code == 400
    assert page(response).select_one("[aria-invalid=true]") is not None


def test_timeline_shows_withdrawals_and_mission_closings(client):
    first, second = make_acts(2)
    mission = Mission.objects.create(
        sending_state=first, host_state=second, kind="embassy", opened="2001", closed="2003-05"
    )
    everything = rows(client.get("/timeline/"))
    assert [row[1] for row in everything] == [
        "First recognised Second",
        "First withdrew its recognition of Second",
        "Embassy of First opened in Second",
        "Embassy of First closed in Second",
    ]
    assert [row[0] for row in everything][2:] == ["2001", "May 2003"]
    assert page(client.get("/timeline/")).select("tbody td:first-child a")[3]["href"] == mission.get_absolute_url()


@pytest.mark.parametrize("query", ["осетия", "Осетия", "ОСЕТИЯ", "ossetia"])
def test_search_finds_cyrillic_in_any_case(demo, client, query):
    soup = page(client.get("/search/", {"q": query}))
    states = soup.find("h2", string="States").find_next("ul")
    assert "South Ossetia" in texts(states, "a")


def test_search_finds_persons_sources_and_notes(demo, client):
    soup = page(client.get("/search/", {"q": "Кофман"}))
    assert texts(soup.find("h2", string="Persons").find_next("ul"), "a") == ["Alexander Kofman"]
    soup = page(client.get("/search/", {"q": "ceremony"}))
    headings = texts(soup, "main h2")
    assert "Missions (notes and cities)" in headings
    soup = page(client.get("/search/", {"q": "Gassieva"}))
    assert texts(soup.find("h2", string="Sources").find_next("ul"), "a")[0].startswith("RIA Novosti")


@pytest.mark.postgresql
def test_search_stems_russian_on_postgresql(demo, client):
    soup = page(client.get("/search/", {"q": "представительство"}))
    sources = soup.find("h2", string="Sources")
    assert sources is not None
    assert texts(sources.find_next("ul"), "a")[0].startswith("RIA Novosti")


def test_search_without_words_shows_only_the_form(demo, client):
    soup = page(client.get("/search/", {"q": "   "}))
    assert soup.select_one("#search-q") is not None
    assert texts(soup, "main h2") == []


def test_home_page_counts_search_box_and_recent_events(demo, client):
    soup = page(client.get("/"))
    assert texts(soup, ".counts a") == [
        "4 states",
        "2 recognitions",
        "4 missions",
        "2 delegations",
        "5 persons",
        "1 sources",
    ]
    assert soup.select_one("#home-search")["name"] == "q"
    recent = texts(soup.find("h2", string="Most recent events").find_next("table"), "tbody td:first-child")
    assert recent[0] == "28 April 2015"
    assert recent[-1] == "June 2014"
    assert "South Ossetia" in texts(soup, "#states-heading ~ ul a")


# --- Drafts and escaping ------------------------------------------------------------------------


@pytest.fixture
def draft_act(demo):
    draft = State.objects.create(slug="draftland", name="Draftland", status="unrecognized", publication_status="draft")
    act = Recognition.objects.create(
        recognizing_state=State.objects.get(slug="south-ossetia"), recognized_state=draft, date="2016"
    )
    return act


@pytest.fixture
def staff_client(superuser):
    """A second browser, signed in as staff, beside the anonymous `client`."""
    staff = Client()
    staff.force_login(superuser)
    return staff


@pytest.mark.parametrize("url", ["/recognitions/", "/timeline/", "/states/south-ossetia/", "/states/", "/"])
def test_drafts_and_acts_naming_them_are_hidden_from_visitors(draft_act, client, staff_client, url):
    assert "Draftland" not in client.get(url).content.decode()
    assert "Draftland" in staff_client.get(url).content.decode()


def test_draft_pages_are_404_for_visitors_and_shown_to_staff(draft_act, client, staff_client):
    assert client.get("/states/draftland/").status_code == 404
    assert client.get(draft_act.get_absolute_url()).status_code == 404
    assert staff_client.get(draft_act.get_absolute_url()).status_code == 200
    assert "draft" in texts(page(staff_client.get("/states/draftland/")), "h1 mark")
    data = download(client.get("/recognitions/", {"format": "csv"}))
    assert "draftland" not in {row["recognized_state"] for row in data}


HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_text_from_the_data_is_escaped_everywhere(demo, client):
    state = State.objects.get(slug="dpr")
    state.description = HOSTILE
    state.save()
    act = Recognition.objects.get(recognized_state=state)
    act.notes = HOSTILE
    act.save()
    citation = act.citations.get()
    citation.quotation = HOSTILE
    citation.save()
    Person.objects.filter(slug="alexander-kofman").update(name=HOSTILE)
    for url in [
        "/states/dpr/",
        act.get_absolute_url(),
        "/persons/",
        "/delegations/",
        f"/sources/{citation.source_id}/",
    ]:
        soup = page(client.get(url))
        assert not soup.select("script:not([src])"), url
        assert not soup.select("img"), url
        assert HOSTILE in soup.get_text(), url


@pytest.mark.parametrize(("url", "field"), [("/search/", "q"), ("/recognitions/", "search")])
def test_search_words_are_escaped_in_the_form(demo, client, url, field):
    soup = page(client.get(url, {field: HOSTILE}))
    assert not soup.select("script:not([src])")
    assert not soup.select("img")
    assert soup.select_one(f"main [name={field}]")["value"] == HOSTILE


# --- A fixed number of queries whatever the number of rows --------------------------------------


def grow_archive(size: int) -> dict[str, object]:
    """An archive of `size` acts of each kind between two states, each act citing one source,
    each delegation with its head and a witness, and `size` sources; grown in place in bulk."""
    first, _ = State.objects.get_or_create(slug="first", defaults={"name": "First", "status": "partially_recognized"})
    second, _ = State.objects.get_or_create(slug="second", defaults={"name": "Second", "status": "unrecognized"})
    witness, _ = Person.objects.get_or_create(slug="witness", defaults={"name": "Witness"})
    source, _ = Source.objects.get_or_create(title="Main report", defaults={"outlet": "Outlet"})
    new = range(Recognition.objects.filter(recognizing_state=first).count(), size)
    days = {index: (datetime.date(2000, 1, 1) + datetime.timedelta(days=index)).isoformat() for index in new}
    acts = Recognition.objects.bulk_create(
        Recognition(recognizing_state=first, recognized_state=second, date=days[index]) for index in new
    )
    RecognitionCitation.objects.bulk_create(
        RecognitionCitation(record=act, source=source, quotation="q") for act in acts
    )
    missions = Mission.objects.bulk_create(
        Mission(sending_state=first, host_state=second, kind="embassy", city=f"City {index}", opened=days[index])
        for index in new
    )
    MissionCitation.objects.bulk_create(MissionCitation(record=mission, source=source) for mission in missions)
    opening = Mission.objects.earliest("opened_start", "id")
    delegations = Delegation.objects.bulk_create(
        Delegation(sending_state=first, host_state=second, date=days[index], mission=opening) for index in new
    )
    DelegationCitation.objects.bulk_create(DelegationCitation(record=d, source=source) for d in delegations)
    heads = Person.objects.bulk_create(Person(slug=f"person-{index}", name=f"Person {index}") for index in new)
    Participant.objects.bulk_create(
        [Participant(delegation=d, person=head, role="head") for d, head in zip(delegations, heads, strict=True)]
        + [Participant(delegation=d, person=witness, side="host") for d in delegations]
    )
    Source.objects.bulk_create(Source(title=f"Report {index}", outlet="Outlet", published=days[index]) for index in new)
    return {
        "recognition": Recognition.objects.earliest("date_start"),
        "mission": Mission.objects.earliest("opened_start"),
        "delegation": Delegation.objects.earliest("date_start"),
        "source": source,
    }


QUERY_COUNTED = [
    "/",
    "/states/?page_size=100",
    "/states/first/?date=2000-03-01",
    "/recognitions/?page_size=100&state=first",
    "/recognitions/?page_size=100&ordering=-date&search=First",
    "/missions/?page_size=100",
    "/delegations/?page_size=100&host=second",
    "/persons/?page_size=100",
    "/persons/witness/",
    "/sources/?page_size=100",
    "/timeline/?page_size=100",
    "/search/?q=Person",
    "{recognition}",
    "{mission}",
    "{delegation}",
    "{source}",
]


def queries_for(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


@pytest.mark.parametrize("url", QUERY_COUNTED)
def test_each_page_runs_a_fixed_number_of_queries(client, url):
    records = grow_archive(10)
    target = url.format(**{name: record.get_absolute_url() for name, record in records.items()})
    client.get(target)
    at_ten = queries_for(client, target)
    grow_archive(100)
    at_hundred = queries_for(client, target)
    assert at_ten == at_hundred, f"{target}: {at_ten} queries with 10 rows, {at_hundred} with 100"
    assert at_hundred <= 20


def test_the_persons_list_counts_each_persons_visible_delegations(demo, admin_client):
    """The "Delegations" column counts the delegations a person took part in that the reader
    may see: a draft delegation counts for staff only, and a person of none shows 0."""
    kofman = Person.objects.get(slug="alexander-kofman")
    delegations = list(Delegation.objects.filter(participants__person=kofman).distinct())
    assert delegations
    hidden = delegations[0]
    hidden.publication_status = PublicationStatus.DRAFT
    hidden.save()
    Person.objects.create(slug="no-delegations", name="Nobody Yet")

    def counts(response) -> dict[str, str]:
        return {row[0]: row[2] for row in rows(response)}

    visitor = counts(Client().get("/persons/?page_size=100"))
    staff = counts(admin_client.get("/persons/?page_size=100"))
    assert visitor["Alexander Kofman"] == str(len(delegations) - 1)
    assert staff["Alexander Kofman"] == str(len(delegations))
    assert visitor["Nobody Yet"] == "0"
