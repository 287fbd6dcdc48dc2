"""The editors' forms: every model's add and change page renders, saves, and explains bad input."""

import html

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse

from events.models import Delegation, Mission, Person, Recognition, Source, State

pytestmark = pytest.mark.django_db

MODELS = [State, Person, Source, Recognition, Mission, Delegation]


def admin_url(model, action, *args):
    return reverse(f"admin:events_{model._meta.model_name}_{action}", args=args)


def errors_of(response) -> list[str]:
    soup = BeautifulSoup(response.content, "html.parser")
    return [li.get_text(" ", strip=True) for li in soup.select(".errorlist li")]


def inline_management(prefix: str) -> dict:
    return {
        f"{prefix}-TOTAL_FORMS": "0",
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_add_and_change_pages_render(admin_client, demo, model):
    assert admin_client.get(admin_url(model, "add")).status_code == 200
    obj = model.objects.first()
    response = admin_client.get(admin_url(model, "change", obj.pk))
    assert response.status_code == 200
    assert html.escape(str(obj)) in response.content.decode()


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_lists_show_records_by_name(admin_client, demo, model):
    response = admin_client.get(admin_url(model, "changelist"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "object (" not in body
    assert html.escape(str(model.objects.first()).split(",")[0]) in body


def recognition_form(demo_states, **overrides):
    data = {
        "recognizing_state": demo_states["south-ossetia"].pk,
        "recognized_state": demo_states["ukraine"].pk,
        "action": "recognition",
        "date": "2016-03",
        "instrument": "decree",
        "notes": "",
        "publication_status": "published",
        **inline_management("citations"),
    }
    data.update(overrides)
    return data


@pytest.fixture
def demo_states(demo):
    return {state.slug: state for state in State.objects.all()}


def test_a_recognition_typed_with_a_month_saves_at_month_precision(admin_client, demo_states):
    response = admin_client.post(admin_url(Recognition, "add"), recognition_form(demo_states))
    assert response.status_code == 302, errors_of(response)
    act = Recognition.objects.get(recognized_state__slug="ukraine")
    assert (act.date.isoformat(), act.date_precision) == ("2016-03", "month")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"date": "2014-02-30"}, "February 2014 has no day 30"),
        ({"date": "2014-13"}, "There is no month 13"),
        ({"date": ""}, "This field is required"),
        ({"recognized_state": "south-ossetia"}, "cannot recognise itself"),
    ],
)
def test_bad_recognitions_are_refused_with_a_message(admin_client, demo_states, overrides, message):
    if overrides.get("recognized_state") == "south-ossetia":
        overrides = {"recognized_state": demo_states["south-ossetia"].pk}
    before = Recognition.objects.count()
    response = admin_client.post(admin_url(Recognition, "add"), recognition_form(demo_states, **overrides))
    assert response.status_code == 200
    assert any(message in error for error in errors_of(response)), errors_of(response)
    assert Recognition.objects.count() == before


def test_a_duplicate_recognition_is_refused(admin_client, demo_states):
    response = admin_client.post(
        admin_url(Recognition, "add"),
        recognition_form(demo_states, recognized_state=demo_states["dpr"].pk, date="2014-06"),
    )
    assert response.status_code == 200
    assert any("already in the archive" in error for error in errors_of(response))


def test_a_mission_closing_before_it_opens_is_refused(admin_client, demo_states):
    mission = Mission.objects.get(sending_state__slug="dpr")
    data = {
        "sending_state": mission.sending_state_id,
        "host_state": mission.host_state_id,
        "kind": mission.kind,
        "city": mission.city,
        "opened": "2015-04-28",
        "closed": "2014",
        "notes": "",
        "publication_status": "published",
        **inline_management("citations"),
    }
    data["citations-INITIAL_FORMS"] = "0"
    response = admin_client.post(admin_url(Mission, "change", mission.pk), data)
    assert response.status_code == 200
    assert any("cannot close before it opens" in error for error in errors_of(response))
    mission.refresh_from_db()
    assert mission.closed is None
    data["closed"] = "2022-10"
    response = admin_client.post(admin_url(Mission, "change", mission.pk), data)
    assert response.status_code == 302, errors_of(response)
    mission.refresh_from_db()
    assert mission.closed.display("en") == "October 2022"


def test_a_state_saves_with_partial_declared_date(admin_client, demo):
    data = {
        "name": "Republic of Artsakh",
        "name_native": "Արցախի Հանրապետություն",
        "short_name": "Artsakh",
        "short_name_native": "",
        "slug": "artsakh",
        "status": "unrecognized",
        "iso3": "",
        "parent": "",
        "declared": "1991-09-02",
        "dissolved": "2024",
        "capital": "Stepanakert",
        "capital_native": "",
        "latitude": "",
        "longitude": "",
        "description": "",
        "publication_status": "published",
    }
    response = admin_client.post(admin_url(State, "add"), data)
    assert response.status_code == 302, errors_of(response)
    state = State.objects.get(slug="artsakh")
    assert (state.declared.display("en"), state.dissolved.display("en")) == ("2 September 1991", "2024")
    data.update(slug="artsakh-2", name="Artsakh again", iso3="arm", latitude="91")
    response = admin_client.post(admin_url(State, "add"), data)
    assert response.status_code == 200
    errors = errors_of(response)
    assert any("three capital Latin letters" in error for error in errors)
    assert any("less than or equal to 90" in error for error in errors)


def test_a_person_and_a_source_save(admin_client, db):
    response = admin_client.post(
        admin_url(Person, "add"),
        {
            "name": "Sergey Lavrov",
            "name_native": "Сергей Лавров",
            "slug": "sergey-lavrov",
            "notes": "",
            "publication_status": "published",
        },
    )
    assert response.status_code == 302, errors_of(response)
    response = admin_client.post(
        admin_url(Source, "add"),
        {
            "title": "Decree",
            "outlet": "Kremlin",
            "author": "",
            "published": "2008-08-26",
            "dateline": "Moscow",
            "source_url": "not a url",
            "language": "ru",
            "summary": "",
            "text": "",
            "publication_status": "published",
        },
    )
    assert response.status_code == 200
    assert any("Enter a valid URL" in error for error in errors_of(response))


def test_a_delegation_with_participants_and_a_citation_saves(admin_client, demo_states):
    source = Source.objects.get()
    person = Person.objects.get(slug="leonid-tibilov")
    data = {
        "sending_state": demo_states["south-ossetia"].pk,
        "host_state": demo_states["dpr"].pk,
        "date": "2015-05",
        "place": "Donetsk",
        "occasion": "Talks",
        "mission": "",
        "notes": "",
        "publication_status": "published",
        **inline_management("participants"),
        **inline_management("citations"),
        "participants-TOTAL_FORMS": "1",
        "participants-0-person": person.pk,
        "participants-0-side": "delegation",
        "participants-0-role": "head",
        "participants-0-position": "President",
        "citations-TOTAL_FORMS": "1",
        "citations-0-source": source.pk,
        "citations-0-quotation": "…",
        "citations-0-locator": "",
    }
    response = admin_client.post(admin_url(Delegation, "add"), data)
    assert response.status_code == 302, errors_of(response)
    delegation = Delegation.objects.get(occasion="Talks")
    assert delegation.participants.get().person == person
    assert delegation.citations.get().source == source


def test_deleting_a_state_in_use_names_what_depends_on_it(admin_client, demo_states):
    response = admin_client.post(admin_url(State, "delete", demo_states["dpr"].pk), {"post": "yes"})
    body = response.content.decode()
    assert "South Ossetia recognised Donetsk People" in body
    assert State.objects.filter(slug="dpr").exists()
