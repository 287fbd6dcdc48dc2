"""Two languages: the interface in English and Russian, chosen by the switch, the cookie or
Accept-Language at the same URLs; names of states and persons in the reader's language."""

import ast
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from django.conf import settings
from django.utils import translation

from events.models import Person, State

pytestmark = pytest.mark.django_db

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "ru" / "LC_MESSAGES" / "django.po"
RUSSIAN = {"HTTP_ACCEPT_LANGUAGE": "ru"}


def page(response) -> BeautifulSoup:
    return BeautifulSoup(response.content, "html.parser")


def text_of(element) -> str:
    return " ".join(element.get_text().split())


def test_accept_language_chooses_russian_at_the_same_url(client, demo):
    english = page(client.get("/states/south-ossetia/"))
    russian = page(client.get("/states/south-ossetia/", **RUSSIAN))
    assert english.html["lang"] == "en"
    assert russian.html["lang"] == "ru"
    assert text_of(english.h1) == "South Ossetia"
    assert text_of(russian.h1) == "Республика Южная Осетия"
    assert text_of(english.select_one("#recognitions_given time")) == "June 2014"
    assert text_of(russian.select_one("#recognitions_given time")) == "июнь 2014"
    assert text_of(russian.select_one("#status-heading")).startswith("Статус признания")


def test_the_switch_in_the_header_sets_the_language_and_comes_back(client, demo):
    header = page(client.get("/states/south-ossetia/")).header
    form = header.select_one("form.language-switch")
    assert form["action"] == "/i18n/setlang/"
    assert form.select_one("input[name=next]")["value"] == "/states/south-ossetia/"
    assert {button["value"]: text_of(button) for button in form.select("button[name=language]")} == {
        "en": "English",
        "ru": "Русский",
    }
    response = client.post("/i18n/setlang/", {"language": "ru", "next": "/states/south-ossetia/"})
    assert response.status_code == 302
    assert response["Location"] == "/states/south-ossetia/"
    russian = page(client.get("/states/south-ossetia/"))
    assert text_of(russian.h1) == "Республика Южная Осетия"
    assert "июнь 2014" in text_of(russian.select_one("#recognitions_given"))
    current = russian.select_one("form.language-switch button[aria-current]")
    assert current["value"] == "ru"
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert text_of(page(client.get("/states/south-ossetia/")).h1) == "South Ossetia"


def test_the_switch_refuses_to_send_readers_elsewhere(client):
    response = client.post("/i18n/setlang/", {"language": "ru", "next": "https://example.org/"})
    assert response["Location"] == "/"


@pytest.mark.parametrize(
    ("url", "heading"),
    [
        ("/", "Архив признаний"),
        ("/states/", "Государства"),
        ("/recognitions/", "Признания"),
        ("/missions/", "Миссии"),
        ("/delegations/", "Делегации"),
        ("/persons/", "Лица"),
        ("/sources/", "Источники"),
        ("/timeline/", "Хронология"),
        ("/network/", "Сеть признаний"),
        ("/map/", "Карта миссий"),
    ],
)
def test_every_section_reads_in_russian(client, demo, url, heading):
    soup = page(client.get(url, **RUSSIAN))
    assert text_of(soup.h1) == heading
    navigation = [text_of(link) for link in soup.select("header nav ul.sections a")]
    assert navigation == [
        "Государства",
        "Признания",
        "Миссии",
        "Делегации",
        "Лица",
        "Источники",
        "Хронология",
        "Сеть признаний",
        "Карта",
    ]


def test_names_follow_the_language_everywhere_they_are_shown(client, demo):
    timeline = page(client.get("/timeline/", **RUSSIAN))
    links = [text_of(link) for link in timeline.select("table a[href^='/states/']")]
    assert "Республика Южная Осетия" in links
    assert "South Ossetia" not in links
    delegation = page(client.get("/delegations/", **RUSSIAN))
    assert "Наталья Хоршева" in [text_of(link) for link in delegation.select("a[href^='/persons/']")]
    persons = page(client.get("/persons/", **RUSSIAN))
    headings = [text_of(th) for th in persons.select("thead th")]
    assert headings[:2] == ["Название", "Название по-английски"]
    first = [text_of(td) for td in persons.select("tbody tr")[0].find_all("td")]
    assert first[:2] == ["Алан Кочиев", "Alan Kochiev"]


def test_a_name_falls_back_to_english_where_there_is_no_original(db):
    state = State.objects.create(slug="nowhere", name="Nowhere", status="unrecognized")
    person = Person.objects.create(slug="someone", name="Someone", name_native="Некто")
    with translation.override("ru"):
        assert (str(state), state.other_name) == ("Nowhere", "")
        assert (str(person), person.other_name) == ("Некто", "Someone")
    with translation.override("en"):
        assert (str(state), state.other_name) == ("Nowhere", "")
        assert (str(person), person.other_name) == ("Someone", "Некто")


def test_the_api_keeps_both_names_whatever_the_language(client, demo):
    body = client.get("/api/network/", {"date": "2015-01-01"}, **RUSSIAN).json()
    south_ossetia = next(node for node in body["nodes"] if node["slug"] == "south-ossetia")
    assert (south_ossetia["name"], south_ossetia["name_native"]) == ("South Ossetia", "Республика Южная Осетия")


def test_pictures_speak_russian(client, demo):
    network = page(client.get("/network/", {"date": "2014-07-15"}, **RUSSIAN))
    assert text_of(network.select_one("#network-summary")).startswith("На 15 июля 2014:")
    first = [text_of(td) for td in network.select("#network-edges tbody tr")[0].find_all("td")]
    assert first == ["Республика Южная Осетия", "Донецкая народная республика", "июнь 2014", "достоверно"]
    missions = page(client.get("/map/", **RUSSIAN))
    cells = [text_of(td) for td in missions.select("#map-missions tbody tr")[2].find_all("td")]
    assert cells[:5] == [
        "Донецкая народная республика",
        "Республика Южная Осетия",
        "представительство",
        "Tskhinval",
        "28 апреля 2015",
    ]


def test_a_wrong_date_is_explained_in_the_readers_language(client, demo):
    russian = page(client.get("/network/", {"date": "2014-02-30"}, **RUSSIAN))
    assert text_of(russian.select_one(".errorlist")) == "В месяце «февраль 2014» нет 30-го числа: дней в нём — 28."
    english = client.get("/api/network/", {"date": "2014-02-30"}).json()
    assert english == {"date": ["February 2014 has no day 30: it has 28 days."]}


def test_the_admin_names_the_archives_models_in_russian(admin_client):
    soup = page(admin_client.get("/admin/", **RUSSIAN))
    models = {text_of(link) for link in soup.select("table caption a, th[scope=row] a")}
    assert {"Государства", "Признания", "Миссии", "Делегации", "Лица", "Источники"} <= models
    form = page(admin_client.get("/admin/events/recognition/add/", **RUSSIAN))
    labels = {text_of(label).rstrip(":") for label in form.select("label")}
    assert {"Признающее государство", "Признанное государство", "Действие"} <= labels


# --- The catalogue ------------------------------------------------------------------------------


def catalogue_entries() -> list[dict]:
    """The entries of locale/ru/LC_MESSAGES/django.po, as makemessages writes them."""
    entries = []
    for block in CATALOGUE.read_text(encoding="utf-8").split("\n\n"):
        lines = [line for line in block.splitlines() if line and not line.startswith("#")]
        entry: dict = {}
        key = None
        for line in lines:
            match = re.match(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d\])?) (".*")$', line)
            if match:
                key = match[1]
                entry[key] = ast.literal_eval(match[2])
            elif line.startswith('"') and key:
                entry[key] += ast.literal_eval(line)
        if entry.get("msgid"):
            entry["fuzzy"] = "#, fuzzy" in block or ", fuzzy" in block
            entries.append(entry)
    return entries


def test_every_message_is_translated_and_compiled():
    entries = catalogue_entries()
    assert len(entries) > 300
    untranslated = [e["msgid"] for e in entries if e["fuzzy"] or not (e.get("msgstr") or e.get("msgstr[0]"))]
    assert untranslated == []
    with translation.override("ru"):
        for entry in entries:
            if "msgid_plural" in entry:
                assert translation.ngettext(entry["msgid"], entry["msgid_plural"], 5) == entry["msgstr[2]"]
            elif "msgctxt" in entry:
                assert translation.pgettext(entry["msgctxt"], entry["msgid"]) == entry["msgstr"]
            else:
                assert translation.gettext(entry["msgid"]) == entry["msgstr"], entry["msgid"]
