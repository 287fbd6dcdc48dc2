"""The demo data carries every fact of the seed article, each citing it, and loads idempotently."""

import datetime

import pytest

from events.demo import load_demo_data
from events.models import Delegation, Mission, Person, Recognition, Source, State

pytestmark = pytest.mark.django_db

ARCHIVE_MODELS = [State, Person, Source, Recognition, Mission, Delegation]


def snapshot():
    rows = {}
    for model in ARCHIVE_MODELS:
        rows[model.__name__] = list(model.objects.order_by("pk").values())
        rows[f"{model.__name__} history"] = model.history.count()
    return rows


def test_loading_twice_changes_nothing(demo):
    before = snapshot()
    load_demo_data()
    assert snapshot() == before


def test_the_source_is_the_ria_novosti_report():
    load_demo_data()
    source = Source.objects.get()
    assert source.outlet == "RIA Novosti"
    assert "Dina Gassieva" in source.author
    assert source.published == datetime.date(2015, 4, 28)
    assert "Tskhinval" in source.dateline
    assert source.language == "ru"
    assert "Делегацию ЛНР возглавила" in source.text


@pytest.mark.parametrize("recognized", ["dpr", "lpr"])
def test_south_ossetia_recognised_each_republic_in_june_2014(demo, recognized):
    act = Recognition.objects.get(recognizing_state__slug="south-ossetia", recognized_state__slug=recognized)
    assert act.action == "recognition"
    assert act.date.isoformat() == "2014-06"
    assert act.date.display("en") == "June 2014"
    assert "decree" in act.instrument
    assert "июне 2014" in act.citations.get().quotation


@pytest.mark.parametrize(
    ("sending", "host", "opened", "city"),
    [
        ("south-ossetia", "lpr", "2015-04", ""),
        ("south-ossetia", "dpr", "2015-04", ""),
        ("dpr", "south-ossetia", "2015-04-28", "Tskhinval"),
        ("lpr", "south-ossetia", "2015-04-28", "Tskhinval"),
    ],
)
def test_the_four_representative_offices(demo, sending, host, opened, city):
    mission = Mission.objects.get(sending_state__slug=sending, host_state__slug=host)
    assert mission.kind == "representative_office"
    assert mission.opened.isoformat() == opened
    assert mission.city == city
    assert mission.closed is None
    assert mission.citations.get().source.outlet == "RIA Novosti"


@pytest.mark.parametrize(
    ("sending", "head", "position"),
    [
        ("lpr", "Natalia Khorsheva", "Head of the administration of the Head of the LPR"),
        ("dpr", "Alexander Kofman", "Minister of foreign affairs of the DPR"),
    ],
)
def test_the_two_delegations_with_their_heads_and_hosts(demo, sending, head, position):
    delegation = Delegation.objects.get(sending_state__slug=sending)
    assert delegation.host_state.slug == "south-ossetia"
    assert delegation.date.isoformat() == "2015-04-28"
    assert delegation.mission.sending_state.slug == sending
    heads = delegation.participants.filter(side="delegation", role="head")
    assert [(p.person.name, p.position) for p in heads] == [(head, position)]
    hosts = {p.person.name_native: p.position for p in delegation.participants.filter(side="host")}
    assert set(hosts) == {"Коста Пухаев", "Алан Кочиев", "Леонид Тибилов"}
    assert "First deputy head of the presidential administration" in hosts["Коста Пухаев"]
    assert "Deputy minister of foreign affairs" in hosts["Алан Кочиев"]
    quotations = [citation.quotation for citation in delegation.citations.all()]
    assert any("Наталья Хоршева" in q and "Александр Кофман" in q for q in quotations)


def test_states_names_and_the_background(demo):
    dpr = State.objects.get(slug="dpr")
    assert (dpr.name_native, dpr.short_name, dpr.short_name_native) == ("Донецкая народная республика", "DPR", "ДНР")
    assert dpr.parent.slug == "ukraine"
    assert "Novorossiya" in dpr.description
    assert "2 November 2014" in dpr.description
    assert "Kyiv does not recognise" in dpr.description
    assert State.objects.get(slug="south-ossetia").name_native == "Республика Южная Осетия"
    assert not Recognition.objects.filter(recognizing_state__slug="ukraine").exists()


def test_every_fact_cites_a_source(demo):
    for model in (Recognition, Mission, Delegation):
        assert not model.objects.filter(citations__isnull=True).exists(), model
