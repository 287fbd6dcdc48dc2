"""export_archive and import_archive: an archive exported and imported into an empty database is
identical, row by row and field by field; a damaged package or a full database changes nothing."""

import csv
import datetime
import hashlib
import io
import json
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection
from frictionless import validate

from events.backup import archive_models
from events.models import (
    Delegation,
    DelegationCitation,
    Mission,
    Participant,
    Person,
    PublicationStatus,
    Recognition,
    RecognitionAction,
    RecognitionCitation,
    Source,
    State,
)

pytestmark = pytest.mark.django_db

# Text that CSV and its readers find hard: quotes, separators, line breaks, scripts, right-to-left marks.
AWKWARD = 'He said "no", then; left.\r\nLine two\tafter a tab — Сухум‏ ‏عربي <b>&amp;</b>'

RESOURCES = {
    "user",
    *("state", "person", "source", "recognition", "mission", "delegation", "participant"),
    *("recognitioncitation", "missioncitation", "delegationcitation"),
    *("historicalstate", "historicalperson", "historicalsource", "historicalrecognition", "historicalmission"),
    *("historicaldelegation", "historicalparticipant", "historicalrecognitioncitation"),
    *("historicalmissioncitation", "historicaldelegationcitation"),
}


@pytest.fixture
def rich_archive(demo):
    """The demo data plus records that use every kind of field: drafts, a breakaway state with
    coordinates and both dates, a closed mission, a delegation attending it, edits and a deletion
    in history by a named editor with a reason, and awkward text."""
    editor = get_user_model().objects.create_user("editor-anna", is_staff=True)
    parent = State.objects.get(slug="ukraine")
    breakaway = State(
        name="Republic of Testland",
        name_native="Республика Тестландия",
        slug="testland",
        status="unrecognized",
        iso3="TST",
        parent=parent,
        declared="2014-05",
        dissolved="2022-09-30",
        latitude=Decimal("48.01589"),
        longitude=Decimal("-37.80285"),
        description=AWKWARD,
        publication_status=PublicationStatus.DRAFT,
    )
    breakaway._history_user = editor
    breakaway._change_reason = "added from a decree"
    breakaway.save()
    other = State.objects.exclude(pk__in=[breakaway.pk, parent.pk]).first()
    recognition = Recognition.objects.create(
        recognizing_state=other,
        recognized_state=breakaway,
        action=RecognitionAction.WITHDRAWAL,
        date="2016",
        instrument=AWKWARD,
    )
    source = Source.objects.create(title="Decree № 1", published=datetime.date(2016, 2, 29), source_url="")
    RecognitionCitation.objects.create(record=recognition, source=source, quotation=AWKWARD, locator="p. 2")
    mission = Mission.objects.create(
        sending_state=other, host_state=breakaway, kind="embassy", city="", opened="2015-04-28", closed="2016"
    )
    delegation = Delegation.objects.create(
        sending_state=other, host_state=breakaway, date="2015-04-28", occasion="opening", mission=mission
    )
    person = Person.objects.create(name="Ann Example", slug="ann-example", notes="")
    Participant.objects.create(delegation=delegation, person=person, side="host", role="head", position=AWKWARD)
    DelegationCitation.objects.create(record=delegation, source=source)
    breakaway.name_native = "Тестландия"
    breakaway._history_user = editor
    breakaway.save()
    doomed = Source.objects.create(title="A source entered by mistake")
    doomed.delete()
    return editor


def snapshot() -> dict[str, list[dict]]:
    """Every row of every archive table, with the account that history names by username."""
    usernames = dict(get_user_model().objects.values_list("pk", "username"))
    tables = {}
    for model in archive_models():
        rows = list(model._base_manager.order_by("pk").values())
        for row in rows:
            if "history_user_id" in row:
                row["history_user_id"] = usernames.get(row["history_user_id"])
        tables[model._meta.db_table] = rows
    return tables


def empty_the_archive() -> None:
    """What a new database looks like after `migrate`: no archive rows and no accounts."""
    with connection.cursor() as cursor:
        for model in reversed(archive_models()):
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")
    get_user_model().objects.all().delete()


@pytest.mark.parametrize("name", ["package", "archive.zip"])
def test_export_then_import_into_an_empty_database_restores_every_row_and_field(rich_archive, tmp_path, name):
    before = snapshot()
    assert all(before.values()), "every table should hold rows for the comparison to mean something"
    call_command("export_archive", tmp_path / name, stdout=io.StringIO())
    empty_the_archive()
    assert not any(snapshot().values())

    call_command("import_archive", tmp_path / name, stdout=io.StringIO())

    after = snapshot()
    assert after.keys() == before.keys()
    for table in before:
        assert after[table] == before[table], table
    restored = State.objects.get(slug="testland")
    assert restored.is_draft
    assert restored.declared.isoformat() == "2014-05"
    assert restored.parent.breakaway_states.filter(pk=restored.pk).exists()
    assert [record.history_type for record in restored.history.order_by("history_id")] == ["+", "~"]
    assert restored.history.earliest("history_date").history_change_reason == "added from a decree"
    editor = get_user_model().objects.get(username="editor-anna")
    assert not editor.has_usable_password()
    assert not editor.is_active


def test_import_keeps_the_addresses_and_new_records_get_new_ids(rich_archive, tmp_path):
    recognition = Recognition.objects.get(recognized_state__slug="testland")
    address = recognition.get_absolute_url()
    highest = Recognition.objects.order_by("-pk").first().pk
    call_command("export_archive", tmp_path / "package", stdout=io.StringIO())
    empty_the_archive()
    call_command("import_archive", tmp_path / "package", stdout=io.StringIO())

    assert Recognition.objects.get(pk=recognition.pk).get_absolute_url() == address
    states = list(State.objects.exclude(slug="testland")[:2])
    created = Recognition.objects.create(recognizing_state=states[0], recognized_state=states[1], date="2030")
    assert created.pk > highest


def test_package_is_a_valid_frictionless_data_package(rich_archive, tmp_path):
    call_command("export_archive", tmp_path / "package", stdout=io.StringIO())
    descriptor = json.loads((tmp_path / "package" / "datapackage.json").read_text())
    assert {resource["name"] for resource in descriptor["resources"]} == RESOURCES
    assert descriptor["recognition-archive"]["format_version"] == 1
    recognitions = next(r for r in descriptor["resources"] if r["name"] == "recognition")
    assert {"fields": "recognized_state_id", "reference": {"resource": "state", "fields": "id"}} in recognitions[
        "schema"
    ]["foreignKeys"]

    report = validate(tmp_path / "package" / "datapackage.json")
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "message"])


def test_a_package_with_a_broken_reference_fails_validation(rich_archive, tmp_path):
    """The validator reads the data, so a valid report above means something."""
    package = tmp_path / "package"
    call_command("export_archive", package, stdout=io.StringIO())
    set_first_cell(package, "recognitioncitation", "source_id", "999999")

    report = validate(package / "datapackage.json")
    assert not report.valid
    assert "foreign-key" in {error[0] for error in report.flatten(["type"])}


def set_first_cell(package, name: str, column: str, value: str) -> None:
    """Change one cell of a resource's first row and update the file's size and hash, as a
    careful forger would, so that only the content is wrong."""
    descriptor = json.loads((package / "datapackage.json").read_text())
    resource = next(r for r in descriptor["resources"] if r["name"] == name)
    path = package / resource["path"]
    with path.open(newline="") as file:
        rows = list(csv.reader(file))
    rows[1][rows[0].index(column)] = value
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    content = buffer.getvalue().encode()
    path.write_bytes(content)
    resource["bytes"] = len(content)
    resource["hash"] = f"sha256:{hashlib.sha256(content).hexdigest()}"
    (package / "datapackage.json").write_text(json.dumps(descriptor))


def test_import_refuses_a_database_that_holds_records(rich_archive, tmp_path):
    call_command("export_archive", tmp_path / "package", stdout=io.StringIO())
    before = snapshot()
    with pytest.raises(CommandError, match=r"already holds archive records \(events_state"):
        call_command("import_archive", tmp_path / "package")
    assert snapshot() == before


def test_a_damaged_file_is_refused_before_anything_is_written(rich_archive, tmp_path):
    package = tmp_path / "package"
    call_command("export_archive", package, stdout=io.StringIO())
    path = package / "data" / "historicaldelegationcitation.csv"
    path.write_bytes(path.read_bytes().replace(b"+", b"-", 1))
    empty_the_archive()
    with pytest.raises(CommandError, match=r"historicaldelegationcitation.csv does not match its sha256 hash"):
        call_command("import_archive", package)
    assert not any(snapshot().values())


def test_a_bad_cell_names_its_table_line_and_column_and_nothing_is_imported(rich_archive, tmp_path):
    package = tmp_path / "package"
    call_command("export_archive", package, stdout=io.StringIO())
    set_first_cell(package, "delegation", "date_end", "2015-02-30")
    empty_the_archive()
    with pytest.raises(CommandError, match=r"delegation, line 2, date_end: day is out of range"):
        call_command("import_archive", package)
    assert not any(snapshot().values())


def test_a_dangling_reference_is_refused_and_nothing_is_imported(rich_archive, tmp_path):
    package = tmp_path / "package"
    call_command("export_archive", package, stdout=io.StringIO())
    set_first_cell(package, "participant", "person_id", "987654")
    empty_the_archive()
    with pytest.raises(CommandError, match="references do not hold together"):
        call_command("import_archive", package)
    assert not any(snapshot().values())


def test_a_package_of_another_format_version_is_refused(rich_archive, tmp_path):
    package = tmp_path / "package"
    call_command("export_archive", package, stdout=io.StringIO())
    descriptor = json.loads((package / "datapackage.json").read_text())
    descriptor["recognition-archive"]["format_version"] = 2
    (package / "datapackage.json").write_text(json.dumps(descriptor))
    empty_the_archive()
    with pytest.raises(CommandError, match="format version 2"):
        call_command("import_archive", package)


def test_export_never_overwrites(rich_archive, tmp_path):
    call_command("export_archive", tmp_path / "package", stdout=io.StringIO())
    first = (tmp_path / "package" / "datapackage.json").read_bytes()
    with pytest.raises(CommandError, match="already exists and is not empty"):
        call_command("export_archive", tmp_path / "package")
    assert (tmp_path / "package" / "datapackage.json").read_bytes() == first


@pytest.mark.postgresql
def test_imported_records_are_found_by_full_text_search(rich_archive, tmp_path):
    call_command("export_archive", tmp_path / "package", stdout=io.StringIO())
    empty_the_archive()
    call_command("import_archive", tmp_path / "package", stdout=io.StringIO())
    assert list(State.objects.search("Тестландия").values_list("slug", flat=True)) == ["testland"]
