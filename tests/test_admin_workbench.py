"""The editors' workbench as an editor uses it: lists that say what a record is at a glance,
drafts, autocomplete in both languages, and history with revert and restore."""

import json

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from events.models import Delegation, Mission, Person, Recognition, RecognitionCitation, Source, State

pytestmark = pytest.mark.django_db


def admin_url(name: str, *args) -> str:
    return reverse(f"admin:{name}", args=args)


def soup_of(response) -> BeautifulSoup:
    return BeautifulSoup(response.content, "html.parser")


def form_data(form) -> dict:
    """What a browser would submit for `form` as it is shown, before anyone edits it."""
    data = {}
    for element in form.select("input[name], select[name], textarea[name]"):
        name = element["name"]
        if element.name == "select":
            selected = element.select_one("option[selected]")
            data[name] = selected["value"] if selected else ""
        elif element.name == "textarea":
            data[name] = element.get_text()
        elif element.get("type") in {"checkbox", "radio"}:
            if element.has_attr("checked"):
                data[name] = element.get("value", "on")
        elif element.get("type") != "submit":
            data[name] = element.get("value", "")
    return data


def cells(soup, row_text: str) -> dict[str, str]:
    """The cells of the list row whose first column contains `row_text`, by column name."""
    for row in soup.select("#result_list tbody tr"):
        if row_text in row.get_text():
            return {
                cell["class"][0].removeprefix("field-"): cell.get_text(" ", strip=True)
                for cell in row.select("td, th")
                if cell.get("class") and cell["class"][0].startswith("field-")
            }
    raise AssertionError(f"no row with {row_text!r}")


@pytest.fixture
def states(demo) -> dict[str, State]:
    return {state.slug: state for state in State.objects.all()}


@pytest.fixture
def unsourced_draft(states) -> Recognition:
    return Recognition.objects.create(
        recognizing_state=states["south-ossetia"],
        recognized_state=states["ukraine"],
        date="2016-03",
        publication_status="draft",
    )


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def act(demo) -> Recognition:
    return Recognition.objects.get(recognized_state__slug="dpr")


# Lists --------------------------------------------------------------------------------------------


def test_the_recognition_list_shows_pair_action_date_status_and_sources(editor_client, unsourced_draft):
    soup = soup_of(editor_client.get(admin_url("events_recognition_changelist")))
    draft = cells(soup, "South Ossetia recognised Ukraine")
    assert draft["recognizing_state"] == "South Ossetia"
    assert draft["recognized_state"] == "Ukraine"
    assert draft["action"] == "recognition"
    assert draft["date_display"] == "March 2016"
    assert draft["publication"] == "draft"
    assert draft["sources"] == "none"
    published = cells(soup, "South Ossetia recognised Donetsk")
    assert published["date_display"] == "June 2014"
    assert published["publication"] == "published"
    assert published["sources"] == "1"
    row = next(tr for tr in soup.select("#result_list tbody tr") if "Ukraine" in tr.get_text())
    assert row.select_one(".field-publication .draft-marker") is not None
    assert row.select_one(".field-sources .unsourced") is not None


@pytest.mark.parametrize("model", [Recognition, Mission, Delegation], ids=lambda m: m.__name__)
def test_the_has_no_source_filter_finds_unsourced_facts(editor_client, states, model):
    names = {"Recognition": "recognition", "Mission": "mission", "Delegation": "delegation"}
    name = names[model.__name__]
    sourced = model.objects.first()
    sourced_label = str(sourced)
    sourced.citations.all().delete()
    sourced_again = model.objects.exclude(pk=sourced.pk).first()
    listing = soup_of(editor_client.get(admin_url(f"events_{name}_changelist")))
    link = next(a for a in listing.select("#changelist-filter a") if a.get_text(strip=True) == "has no source")
    filtered = soup_of(editor_client.get(admin_url(f"events_{name}_changelist") + link["href"]))
    rows = [tr.get_text(" ", strip=True) for tr in filtered.select("#result_list tbody tr")]
    assert len(rows) == 1
    assert sourced_label.split(",")[0] in rows[0]
    assert sourced_again.citations.exists()


def test_lists_have_a_date_hierarchy_by_year(editor_client, unsourced_draft):
    url = admin_url("events_recognition_changelist")
    soup = soup_of(editor_client.get(url))
    years = {a.get_text(strip=True): a["href"] for a in soup.select("nav.toplinks a")}
    assert set(years) == {"2014", "2016"}
    in_2016 = soup_of(editor_client.get(url + years["2016"]))
    assert [tr.get_text(" ", strip=True) for tr in in_2016.select("#result_list tbody tr")] == [
        next(tr.get_text(" ", strip=True) for tr in soup.select("#result_list tbody tr") if "Ukraine" in tr.get_text())
    ]


# Drafts -------------------------------------------------------------------------------------------


def test_move_to_draft_and_publish_are_recorded_with_their_author(editor_client, editor, demo):
    acts = list(Recognition.objects.order_by("pk"))
    url = admin_url("events_recognition_changelist")
    response = editor_client.post(
        url, {"action": "move_to_draft", "_selected_action": [a.pk for a in acts], "index": "0"}, follow=True
    )
    assert "2 recognitions set to draft." in [str(m) for m in response.context["messages"]]
    assert set(Recognition.objects.values_list("publication_status", flat=True)) == {"draft"}
    latest = acts[0].history.latest()
    assert latest.history_user == editor
    assert latest.history_change_reason == "Set to draft from the list"
    soup = soup_of(response)
    assert len(soup.select("#result_list .draft-marker")) == 2
    assert not Recognition.objects.visible_to(AnonymousUser()).exists()

    editor_client.post(url, {"action": "publish", "_selected_action": [acts[0].pk], "index": "0"})
    assert list(Recognition.objects.order_by("pk").values_list("publication_status", flat=True)) == [
        "published",
        "draft",
    ]
    assert list(Recognition.objects.visible_to(AnonymousUser())) == [acts[0]]


def test_readers_see_drafts_marked_in_the_list(client, reader, unsourced_draft):
    client.force_login(reader)
    soup = soup_of(client.get(admin_url("events_recognition_changelist")))
    assert cells(soup, "South Ossetia recognised Ukraine")["publication"] == "draft"


def test_a_draft_saved_from_the_form_stays_a_draft(editor_client, states):
    data = {
        "recognizing_state": states["south-ossetia"].pk,
        "recognized_state": states["ukraine"].pk,
        "action": "recognition",
        "date": "2016-03",
        "instrument": "",
        "notes": "",
        "publication_status": "draft",
        "citations-TOTAL_FORMS": "0",
        "citations-INITIAL_FORMS": "0",
        "citations-MIN_NUM_FORMS": "0",
        "citations-MAX_NUM_FORMS": "1000",
    }
    assert editor_client.post(admin_url("events_recognition_add"), data).status_code == 302
    act = Recognition.objects.get(recognized_state__slug="ukraine")
    assert act.is_draft
    assert act not in Recognition.objects.visible_to(AnonymousUser())


# Editing comfort ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model_name", "field_name", "term", "label"),
    [
        ("recognition", "recognizing_state", "Южная", "South Ossetia (Республика Южная Осетия)"),
        ("mission", "host_state", "DPR", "Donetsk People's Republic (Донецкая народная республика)"),
        ("participant", "person", "Тибилов", "Leonid Tibilov (Леонид Тибилов)"),
    ],
)
def test_autocomplete_names_states_and_persons_in_both_languages(
    editor_client, demo, model_name, field_name, term, label
):
    response = editor_client.get(
        admin_url("autocomplete"),
        {"app_label": "events", "model_name": model_name, "field_name": field_name, "term": term},
    )
    assert response.status_code == 200
    assert [result["text"] for result in json.loads(response.content)["results"]] == [label]


def test_the_change_form_shows_the_chosen_state_in_both_languages(editor_client, act):
    soup = soup_of(editor_client.get(admin_url("events_recognition_change", act.pk)))
    chosen = soup.select_one("select[name=recognized_state] option[selected]")
    assert chosen.get_text() == "Donetsk People's Republic (Донецкая народная республика)"


def test_view_on_site_leads_to_the_records_page(editor_client, act):
    soup = soup_of(editor_client.get(admin_url("events_recognition_change", act.pk)))
    link = soup.select_one("a.viewsitelink")
    response = editor_client.get(link["href"])
    assert response.status_code == 302
    assert response["Location"].endswith(act.get_absolute_url())


def test_save_as_new_copies_a_similar_act_and_leaves_the_original(editor_client, act):
    soup = soup_of(editor_client.get(admin_url("events_recognition_change", act.pk)))
    assert soup.select_one("input[name=_saveasnew]") is not None
    data = form_data(soup.select_one("#recognition_form"))
    data.update({"date": "2014-06-27", "_saveasnew": "Save as new"})
    for key in [key for key in data if key.startswith("citations-")]:
        del data[key]
    data.update({"citations-TOTAL_FORMS": "0", "citations-INITIAL_FORMS": "0"})
    response = editor_client.post(admin_url("events_recognition_change", act.pk), data)
    assert response.status_code == 302
    act.refresh_from_db()
    assert act.date.isoformat() == "2014-06"
    copy = Recognition.objects.exclude(pk=act.pk).get(recognized_state=act.recognized_state, date_precision="day")
    assert (copy.recognizing_state, copy.instrument) == (act.recognizing_state, act.instrument)


# History, revert, restore -------------------------------------------------------------------------


def edit(client, act, **changes):
    """Change a recognition through its admin form, as an editor would."""
    soup = soup_of(client.get(admin_url("events_recognition_change", act.pk)))
    data = form_data(soup.select_one("#recognition_form"))
    data.update(changes)
    response = client.post(admin_url("events_recognition_change", act.pk), data)
    assert response.status_code == 302, [e.get_text() for e in soup_of(response).select(".errorlist")]


def test_history_says_who_changed_what_and_when(editor_client, editor, act):
    edit(editor_client, act, date="2014-07-15", instrument="decree No. 1")
    soup = soup_of(editor_client.get(admin_url("events_recognition_history", act.pk)))
    rows = soup.select("#change-history tbody tr")
    assert len(rows) == 2
    newest = rows[0].get_text(" ", strip=True)
    assert "editor" in newest
    changes = [" ".join(li.get_text().split()) for li in rows[0].select("li")]
    assert changes == [
        "Date: June 2014 → 15 July 2014",
        "Instrument: presidential decree → decree No. 1",
    ]
    assert not rows[1].select("li")


def test_revert_restores_the_earlier_values(editor_client, editor, act):
    original = act.history.earliest()
    edit(editor_client, act, date="2014-07-15", instrument="a mistake")
    url = admin_url("events_recognition_simple_history", act.pk, original.history_id)
    soup = soup_of(editor_client.get(url))
    form = soup.select_one("#content-main form")
    assert form.select_one("input[name=date]")["value"] == "2014-06"
    assert form.select_one("input[name=instrument]")["value"] == "presidential decree"
    assert editor_client.post(url, form_data(form)).status_code == 302
    act.refresh_from_db()
    assert (act.date.isoformat(), act.date_precision, act.instrument) == ("2014-06", "month", "presidential decree")
    assert act.history.count() == 3
    assert act.history.latest().history_user == editor
    assert act.citations.count() == 1


def delete_through_admin(client, act) -> None:
    response = client.post(admin_url("events_recognition_delete", act.pk), {"post": "yes"})
    assert response.status_code == 302


def test_a_deleted_record_keeps_its_history_and_is_restored_with_its_citation(editor_client, editor, act):
    pk, source = act.pk, act.citations.get().source
    delete_through_admin(editor_client, act)
    assert not Recognition.objects.filter(pk=pk).exists()
    assert not RecognitionCitation.objects.filter(record_id=pk).exists()

    deleted = soup_of(editor_client.get(admin_url("events_recognition_deleted")))
    rows = deleted.select("#deleted-records tbody tr")
    assert len(rows) == 1
    assert "South Ossetia recognised Donetsk" in rows[0].get_text()
    assert "editor" in rows[0].get_text()
    history = soup_of(editor_client.get(admin_url("events_recognition_history", pk)))
    assert [tr.select("td")[2].get_text(strip=True) for tr in history.select("#change-history tbody tr")] == [
        "Deleted",
        "Created",
    ]

    restore_url = rows[0].select_one("a.restorelink")["href"]
    form = soup_of(editor_client.get(restore_url)).select_one("#content-main form")
    response = editor_client.post(restore_url, form_data(form), follow=True)
    assert response.status_code == 200
    restored = Recognition.objects.get(pk=pk)
    assert (restored.date.isoformat(), restored.instrument) == ("2014-06", "presidential decree")
    assert [citation.source for citation in restored.citations.all()] == [source]
    assert any("restored too" in str(m) for m in response.context["messages"])
    assert not soup_of(editor_client.get(admin_url("events_recognition_deleted"))).select("#deleted-records tbody tr")


def test_a_citation_whose_source_is_gone_is_not_restored_and_the_editor_is_told(editor_client, states):
    source = Source.objects.create(title="A later report")
    act = Recognition.objects.create(
        recognizing_state=states["ukraine"], recognized_state=states["south-ossetia"], date="2030"
    )
    RecognitionCitation.objects.create(record=act, source=source)
    delete_through_admin(editor_client, act)
    source.delete()
    restore_url = admin_url("events_recognition_simple_history", act.pk, act.history.latest().history_id)
    form = soup_of(editor_client.get(restore_url)).select_one("#content-main form")
    response = editor_client.post(restore_url, form_data(form), follow=True)
    assert Recognition.objects.filter(pk=act.pk).exists()
    assert not RecognitionCitation.objects.filter(record_id=act.pk).exists()
    assert any("could not be restored" in str(m) for m in response.context["messages"])


def test_restoring_an_act_entered_again_since_is_refused_with_a_message(editor_client, act):
    pk = act.pk
    delete_through_admin(editor_client, act)
    Recognition.objects.create(
        recognizing_state=act.recognizing_state, recognized_state=act.recognized_state, date="2014-06"
    )
    restore_url = admin_url("events_recognition_simple_history", pk, act.history.latest().history_id)
    form = soup_of(editor_client.get(restore_url)).select_one("#content-main form")
    response = editor_client.post(restore_url, form_data(form))
    assert response.status_code == 200
    assert any("already in the archive" in li.get_text() for li in soup_of(response).select(".errorlist li"))
    assert not Recognition.objects.filter(pk=pk).exists()


def test_a_reader_can_see_deleted_records_but_not_restore_them(client, editor, reader, act):
    client.force_login(editor)
    delete_through_admin(client, act)
    client.force_login(reader)
    deleted = soup_of(client.get(admin_url("events_recognition_deleted")))
    restore_url = deleted.select_one("a.restorelink")["href"]
    form = soup_of(client.get(restore_url)).select_one("#content-main form")
    assert form.select_one("input[value=Revert]") is None
    assert client.post(restore_url, form_data(form)).status_code == 403
    assert not Recognition.objects.filter(pk=act.pk).exists()


MODELS = [State, Person, Source, Recognition, Mission, Delegation]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_models_history_and_deleted_records_pages_read_in_words(editor_client, demo, model):
    obj = model.objects.order_by("pk").last()
    obj.publication_status = "draft"
    obj.save()
    name = model._meta.model_name
    soup = soup_of(editor_client.get(admin_url(f"events_{name}_history", obj.pk)))
    newest = [" ".join(li.get_text().split()) for li in soup.select("#change-history tbody tr")[0].select("li")]
    assert newest == ["Publication status: published → draft"]
    assert editor_client.get(admin_url(f"events_{name}_deleted")).status_code == 200


def test_a_restored_delegation_brings_back_its_participants_and_citations(editor_client, demo):
    delegation = Delegation.objects.filter(participants__isnull=False, citations__isnull=False).distinct().first()
    pk = delegation.pk
    people = sorted(delegation.participants.values_list("person__slug", "side", "role", "position"))
    sources = list(delegation.citations.values_list("source_id", "quotation"))
    response = editor_client.post(admin_url("events_delegation_delete", pk), {"post": "yes"})
    assert response.status_code == 302
    assert not Delegation.objects.filter(pk=pk).exists()
    restore_url = admin_url("events_delegation_simple_history", pk, delegation.history.latest().history_id)
    form = soup_of(editor_client.get(restore_url)).select_one("#content-main form")
    assert editor_client.post(restore_url, form_data(form)).status_code == 302
    restored = Delegation.objects.get(pk=pk)
    assert sorted(restored.participants.values_list("person__slug", "side", "role", "position")) == people
    assert list(restored.citations.values_list("source_id", "quotation")) == sources


@pytest.mark.parametrize("path", ["abc/history/", "999999999/history/", "abc/history/1/", "999999999/history/abc/"])
def test_a_record_or_version_that_cannot_exist_is_not_found(editor_client, act, path):
    assert editor_client.get(admin_url("events_recognition_changelist") + path).status_code == 404


def test_a_version_of_another_record_is_not_found(editor_client, act):
    version = act.history.earliest().history_id
    other = Recognition.objects.exclude(pk=act.pk).first()
    assert editor_client.get(admin_url("events_recognition_simple_history", other.pk, version)).status_code == 404
