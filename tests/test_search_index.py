"""The search indexes: SQLite's FTS5 trigram tables (migration 0005) stay in step with every kind
of write and find what the scan of the case-folded text found; PostgreSQL's indexes (0002, 0006)
answer the same questions. Text the FTS5 query language would read as operators is only text."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.db import connection

from events.backup import archive_models
from events.models import Delegation, Mission, Participant, Person, Recognition, Source, State
from events.querysets import TRIGRAM, clean_search_text
from events.selectors import visible_acts
from events.synthetic import ArchiveSize, generate_synthetic_archive

pytestmark = pytest.mark.django_db

sqlite_only = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="the FTS5 index and the scan it replaces are SQLite's"
)

SEARCHED_MODELS = [State, Person, Source, Recognition, Mission, Delegation]
# Text the FTS5 query language would read as syntax, and SQL's quotes and wildcards.
AWKWARD = [
    '"',
    '""',
    "*",
    "NEAR(",
    "NEAR(a b)",
    "a AND b",
    "OR",
    "NOT x",
    "^start",
    "col:x",
    "(",
    ")",
    "'",
    "%",
    "_",
    "\\",
    "a-b",
    "a+b",
    "{x}",
    "[x]",
    '"unclosed',
    "x*",
    "-",
    ":",
]


@pytest.fixture
def two_states():
    return (
        State.objects.create(slug="first", name="First", status="recognized"),
        State.objects.create(slug="second", name="Second", status="recognized"),
    )


def recognition(two_states, date="2001", **fields):
    first, second = two_states
    return Recognition.objects.create(recognizing_state=first, recognized_state=second, date=date, **fields)


def found(model, text):
    return set(model.objects.search(text).values_list("pk", flat=True))


def folded_scan(model, text):
    """What search found before the index: the case-folded text of every field, as a substring."""
    needle = clean_search_text(text).casefold()
    fields = model.objects.none().search_fields
    return {
        row["pk"]
        for row in model.objects.values("pk", *fields)
        if any(needle in (row[name] or "").casefold() for name in fields)
    }


def test_the_index_follows_save_update_and_delete(two_states):
    made = recognition(two_states, notes="A quokka signed the decree.")
    assert found(Recognition, "quokka") == {made.pk}

    made.notes = "A wombat signed the decree."
    made.save()
    assert found(Recognition, "quokka") == set()
    assert found(Recognition, "wombat") == {made.pk}

    Recognition.objects.filter(pk=made.pk).update(notes="A platypus signed the decree.")
    assert found(Recognition, "wombat") == set()
    assert found(Recognition, "platypus") == {made.pk}

    made.delete()
    assert found(Recognition, "platypus") == set()


def test_a_change_of_status_alone_keeps_the_record_findable(two_states):
    made = recognition(two_states, notes="A quokka signed the decree.")
    Recognition.objects.filter(pk=made.pk).update(publication_status="draft")
    made.refresh_from_db()
    made.publication_status = "published"
    made.save(update_fields=["publication_status"])
    assert found(Recognition, "quokka") == {made.pk}


def test_the_index_follows_bulk_create_and_raw_sql(two_states):
    first, second = two_states
    made = Recognition.objects.bulk_create(
        [
            Recognition(recognizing_state=first, recognized_state=second, date=f"200{n}", notes=f"Bulk numbat {n}.")
            for n in range(3)
        ]
    )
    assert found(Recognition, "numbat") == {r.pk for r in made}

    table = connection.ops.quote_name(Recognition._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET notes = %s WHERE id = %s", ["Raw echidna.", made[0].pk])
        cursor.execute(f"DELETE FROM {table} WHERE id = %s", [made[1].pk])
    assert found(Recognition, "numbat") == {made[2].pk}
    assert found(Recognition, "echidna") == {made[0].pk}


def test_the_index_follows_states_persons_sources_missions_and_delegations(two_states):
    first, second = two_states
    first.capital = "Quokkagrad"
    first.save()
    person = Person.objects.create(slug="wombat", name="Walter Wombat", name_native="Вальтер Вомбат")
    source = Source.objects.create(title="The Platypus Gazette", published="2001-01-01")
    mission = Mission.objects.create(
        sending_state=first, host_state=second, kind="embassy", city="Numbatsk", opened="2002"
    )
    delegation = Delegation.objects.create(
        sending_state=first, host_state=second, date="2003", occasion="Echidna talks"
    )
    Participant.objects.create(delegation=delegation, person=person)

    assert found(State, "quokkagrad") == {first.pk}
    assert found(Person, "wombat") == {person.pk}
    assert found(Source, "platypus") == {source.pk}
    assert found(Mission, "numbatsk") == {mission.pk}
    assert found(Delegation, "echidna") == {delegation.pk}
    # A delegation is found by its participant's name, once however the name matches.
    assert list(Delegation.objects.search("wombat").values_list("pk", flat=True)) == [delegation.pk]

    Source.objects.filter(pk=source.pk).delete()
    mission.delete()
    assert found(Source, "platypus") == set()
    assert found(Mission, "numbatsk") == set()


def test_the_index_folds_cyrillic_and_case(demo):
    ossetia = State.objects.get(slug="south-ossetia")
    for text in ["осет", "Осет", "ОСЕТИЯ", "оСеТиЯ", "ossetia", "OSSETIA"]:
        assert ossetia.pk in found(State, text), text
    assert found(Person, "кофман") == found(Person, "КОФМАН") != set()


@sqlite_only
def test_the_index_folds_as_python_casefold(two_states):
    """ß folds to ss, the final sigma to σ: the index holds str.casefold() of the text."""
    made = recognition(two_states, notes="Signed in the Großer Saal; ΟΔΥΣΣΕΥΣ was there.")
    assert found(Recognition, "grosser saal") == {made.pk}
    assert found(Recognition, "GROSSER") == {made.pk}
    assert found(Recognition, "Großer") == {made.pk}
    assert found(Recognition, "οδυσσευς") == {made.pk}
    assert found(Recognition, "Οδυσσευς") == {made.pk}


def test_short_text_is_still_found(demo):
    """Fewer than three characters have no trigram: SQLite scans, PostgreSQL matches the names."""
    dpr = State.objects.get(slug="dpr")
    assert dpr.pk in found(State, "ДН")
    assert dpr.pk in found(State, "дн")
    assert found(State, "Д") >= {dpr.pk}


@sqlite_only
@pytest.mark.parametrize("model", SEARCHED_MODELS, ids=lambda model: model.__name__)
def test_the_index_finds_what_the_scan_found(demo, model):
    queries = [
        "осетия",
        "ОСЕТ",
        "ossetia",
        "кофман",
        "Gassieva",
        "ceremony",
        "луганская",
        "embassy",
        "recogni",
        "of the",
        "a",
        "ия",
        "dpr",
        "ДНР",
        "2008",
        "президент",
        "zzz-nothing",
        " republic  of ",
    ]
    queryset = model.objects.all()
    for text in queries:
        expected = folded_scan(model, text)
        got = set(queryset.with_search_document().filter(queryset.search_q(text)).values_list("pk", flat=True))
        assert got == expected, text
        if len(clean_search_text(text).casefold()) >= TRIGRAM:
            assert queryset.trigram_matches(text) is not None


@sqlite_only
def test_acts_are_found_by_their_text_or_a_state_on_either_side_as_by_the_scan(demo):
    for text in ["осетия", "abkhaz", "луганская", "ceremony", "ДН"]:
        states = folded_scan(State, text)
        own = folded_scan(Recognition, text)
        expected = (
            own
            | set(Recognition.objects.filter(recognizing_state__in=states).values_list("pk", flat=True))
            | set(Recognition.objects.filter(recognized_state__in=states).values_list("pk", flat=True))
        )
        assert found(Recognition, text) == expected, text


def test_operators_and_quotes_are_text(two_states):
    made = recognition(two_states, notes='Quoted "Kosaria" AND NEAR(the border) *starred* ^caret col:on')
    for text in ['"Kosaria" AND', "NEAR(the", "*starred*", "^caret", "col:on", '"kosaria"']:
        assert made.pk in found(Recognition, text), text
    for text in AWKWARD:
        list(Recognition.objects.search(text))
        for model in SEARCHED_MODELS:
            list(model.objects.search(text)[:1])


@pytest.mark.parametrize("text", AWKWARD)
def test_awkward_text_answers_200(demo, client, text):
    assert client.get("/search/", {"q": text}).status_code == 200
    for kind in ["recognitions", "missions", "delegations", "states", "persons", "sources"]:
        response = client.get(f"/api/{kind}/", {"search": text})
        assert response.status_code == 200, (kind, response.content[:200])
    assert client.get("/recognitions/", {"search": text}).status_code == 200


def test_drafts_stay_hidden(two_states, client):
    recognition(two_states, notes="A draft quokka.", publication_status="draft")
    published = recognition(two_states, date="2002", notes="A published quokka.")
    anonymous = AnonymousUser()
    assert list(visible_acts(Recognition.objects.all(), anonymous).search("quokka")) == [published]
    answer = client.get("/api/recognitions/", {"search": "quokka"}).json()
    assert [row["id"] for row in answer["results"]] == [published.pk]
    page = client.get("/search/", {"q": "quokka"}).content.decode()
    assert "draft quokka" not in page.casefold()


def test_the_index_follows_the_synthetic_generator_and_the_archive_import(tmp_path):
    generate_synthetic_archive(ArchiveSize(states=12, recognitions=200, missions=40, delegations=30, seed=1))
    state = State.objects.order_by("pk").first()
    text = state.name
    before = {model: found(model, text) for model in SEARCHED_MODELS}
    assert before[Recognition], "the generator names the states in the acts' notes"
    if connection.vendor == "sqlite":
        for model in SEARCHED_MODELS:
            assert before[model] >= folded_scan(model, text), model

    call_command("export_archive", tmp_path / "package", stdout=io.StringIO())
    State.objects.update(parent=None)
    with connection.cursor() as cursor:
        for model in reversed(archive_models()):
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")
    get_user_model().objects.all().delete()
    assert all(found(model, text) == set() for model in SEARCHED_MODELS)

    call_command("import_archive", tmp_path / "package", stdout=io.StringIO())
    assert {model: found(model, text) for model in SEARCHED_MODELS} == before
