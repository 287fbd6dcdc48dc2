"""Spreadsheet import and export: the preview shows every row's errors before anything is
written, a file with one bad row writes nothing, states and partial dates are read as editors
write them, filtered lists export to CSV and XLSX, and the command validates the same way."""

import csv
import datetime
import io

import openpyxl
import pytest
import tablib
from bs4 import BeautifulSoup
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from events.models import Mission, Person, Recognition, Source, State
from events.resources import (
    MissionResource,
    PersonResource,
    RecognitionResource,
    SourceResource,
    StateResource,
    StateWidget,
    import_report,
)

pytestmark = pytest.mark.django_db

HEADER = "recognizing_state,recognized_state,action,date,instrument,source_ids"


def admin_url(name: str, *args) -> str:
    return reverse(f"admin:{name}", args=args)


def soup_of(response) -> BeautifulSoup:
    return BeautifulSoup(response.content, "html.parser")


def csv_upload(text: str, name: str = "recognitions.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def xlsx_bytes(headers: list[str], rows: list[list]) -> bytes:
    return tablib.Dataset(*rows, headers=headers).export("xlsx")


def format_index(soup, extension: str) -> str:
    select = soup.select_one("select[name=format]")
    return next(option["value"] for option in select.select("option") if option.get_text(strip=True) == extension)


def problems(soup) -> list[tuple[str, str, str]]:
    return [
        tuple(td.get_text(" ", strip=True) for td in tr.select("td"))
        for tr in soup.select("table.import-problems tbody tr")
    ]


def summary(soup) -> list[str]:
    return [li.get_text(" ", strip=True) for li in soup.select("ul.import-summary li")]


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def source(demo) -> Source:
    return Source.objects.get()


def preview(client, upload, extension: str = "csv"):
    url = admin_url("events_recognition_import")
    page = soup_of(client.get(url))
    return client.post(url, {"format": format_index(page, extension), "import_file": upload})


def recognitions() -> list[tuple]:
    return list(
        Recognition.objects.order_by("pk").values_list("pk", "recognized_state__slug", "date_start", "instrument")
    )


# The admin's preview and confirmation ---------------------------------------------------------------


def test_the_preview_lists_every_rows_errors_by_row_and_column_and_writes_nothing(editor_client, source):
    before = recognitions()
    missing = source.pk + 1000
    response = preview(
        editor_client,
        csv_upload(
            f"{HEADER}\nsouth-ossetia,Украина,,2016-03,decree,{source.pk}\nДНР,LPR,,2014-13,,\nNarnia,lpr,withdrawl,2015,,{missing}\n"
        ),
    )
    assert response.status_code == 200
    soup = soup_of(response)
    assert problems(soup) == [
        ("3", "date", "There is no month 13: months run from 01 to 12."),
        ("4", "action", "“withdrawl” is not one of the values allowed here: recognition, withdrawal."),
        (
            "4",
            "recognizing_state",
            "No state “Narnia” in the archive: write its slug (south-ossetia) or its name in English "
            "or in its own language, or add the state first.",
        ),
        ("4", "source_ids", f"No source with id {missing} in the archive: add the source first."),
    ]
    assert summary(soup) == [
        "3 rows in the file",
        "1 to create",
        "0 to update",
        "0 unchanged, skipped",
        "2 with errors",
    ]
    assert "Nothing has been written" in soup.select_one(".import-report .errornote").get_text()
    assert soup.select_one("input[name=confirm]") is None
    assert recognitions() == before


def test_a_clean_file_is_previewed_and_written_only_on_confirmation(editor_client, editor, source):
    before = recognitions()
    response = preview(
        editor_client,
        csv_upload(
            f"{HEADER},comment\n"
            f"south-ossetia,Украина,,2016-03,decree,{source.pk},new\n"
            f"South Ossetia,DPR,recognition,2014-06,presidential decree,{source.pk},the same act\n"
            f"Южная Осетия,ЛНР,,2014-06,decree No. 2,{source.pk},a correction\n"
        ),
    )
    soup = soup_of(response)
    assert problems(soup) == []
    assert summary(soup) == [
        "3 rows in the file",
        "1 to create",
        "1 to update",
        "1 unchanged, skipped",
        "0 with errors",
    ]
    assert soup.select_one(".import-ignored code").get_text() == "comment"
    assert recognitions() == before

    confirm = soup.select_one("form:has(input[name=confirm])")
    data = {field["name"]: field.get("value", "") for field in confirm.select("input[name]")}
    response = editor_client.post(confirm["action"], data, follow=True)
    assert response.redirect_chain[-1][0] == admin_url("events_recognition_changelist")
    messages = [str(message) for message in response.context["messages"]]
    assert "Import finished: 1 new, 1 updated, 0 deleted and 1 skipped recognitions." in messages

    created = Recognition.objects.get(recognized_state__slug="ukraine")
    assert (created.date.isoformat(), created.date_precision, created.instrument) == ("2016-03", "month", "decree")
    assert [citation.source for citation in created.citations.all()] == [source]
    assert created.history.get().history_user == editor
    assert created.history.get().history_change_reason == "Imported from recognitions.csv"
    assert Recognition.objects.get(recognized_state__slug="lpr").instrument == "decree No. 2"
    assert Recognition.objects.count() == len(before) + 1


def test_confirming_after_the_archive_changed_writes_nothing_and_says_why(editor_client, source):
    artsakh = State.objects.create(name="Artsakh", slug="artsakh", status="unrecognized")
    response = preview(
        editor_client,
        csv_upload(f"{HEADER}\nsouth-ossetia,ukraine,,2016-03,,{source.pk}\nsouth-ossetia,artsakh,,2016-04,,\n"),
    )
    confirm = soup_of(response).select_one("form:has(input[name=confirm])")
    data = {field["name"]: field.get("value", "") for field in confirm.select("input[name]")}
    artsakh.delete()
    before = recognitions()
    response = editor_client.post(confirm["action"], data)
    assert response.status_code == 200
    soup = soup_of(response)
    assert [(row, column) for row, column, _ in problems(soup)] == [("3", "recognized_state")]
    assert "Nothing was imported" in soup.select_one(".messagelist").get_text()
    assert recognitions() == before


def test_an_xlsx_file_is_previewed_like_a_csv_file(editor_client, source):
    upload = SimpleUploadedFile(
        "recognitions.xlsx",
        xlsx_bytes(
            ["recognizing_state", "recognized_state", "date"],
            [["south-ossetia", "ukraine", datetime.datetime(2016, 3, 17)], ["south-ossetia", "lpr", "2014-06"]],
        ),
    )
    soup = soup_of(preview(editor_client, upload, "xlsx"))
    assert problems(soup) == []
    assert summary(soup)[1:4] == ["1 to create", "0 to update", "1 unchanged, skipped"]


def test_a_file_that_is_not_a_spreadsheet_is_refused_with_a_form_error(editor_client, demo):
    upload = SimpleUploadedFile("recognitions.xlsx", b"not a zip file at all")
    response = preview(editor_client, upload, "xlsx")
    assert response.status_code == 200
    errors = [li.get_text() for li in soup_of(response).select(".errorlist li")]
    assert any("Ensure you have chosen the correct format" in error for error in errors)


# The resources, as both the admin and the command use them -----------------------------------------


def run_import(resource, headers: list[str], rows: list[list], *, dry_run: bool = False):
    dataset = tablib.Dataset(*rows, headers=headers)
    result = resource.import_data(dataset, dry_run=dry_run, rollback_on_validation_errors=True)
    return import_report(result)


def test_one_bad_row_writes_nothing_not_even_the_good_rows(demo):
    before = recognitions()
    report = run_import(
        RecognitionResource(),
        ["recognizing_state", "recognized_state", "date"],
        [["south-ossetia", "ukraine", "2016-03"], ["dpr", "dpr", "2016"], ["lpr", "ukraine", "2017"]],
    )
    assert [(p.row, p.column) for p in report.problems] == [(3, "recognized_state")]
    assert report.problems[0].message == "A state cannot recognise itself: choose two different states."
    assert recognitions() == before


@pytest.mark.parametrize(
    "written",
    ["dpr", "Donetsk People's Republic", "Донецкая народная республика", "DPR", "ДНР", "донецкая НАРОДНАЯ республика"],
)
def test_a_state_is_found_by_slug_or_any_of_its_names(demo, written):
    assert StateWidget().clean(written).slug == "dpr"


def test_a_name_two_states_share_asks_for_the_slug(demo):
    State.objects.create(name="Republic of the North", name_native="Республика", slug="north", status="former")
    State.objects.create(name="Republic of the South", name_native="Республика", slug="south", status="former")
    with pytest.raises(ValueError, match="could be any of these states: north, south"):
        StateWidget().clean("республика")


@pytest.mark.parametrize(
    ("cell", "iso", "precision"),
    [
        ("2014", "2014", "year"),
        ("2014-06", "2014-06", "month"),
        ("2014-06-27", "2014-06-27", "day"),
        (2008, "2008", "year"),
        (datetime.datetime(2015, 4, 28), "2015-04-28", "day"),
    ],
)
def test_partial_dates_keep_the_precision_they_are_written_at(demo, cell, iso, precision):
    report = run_import(
        RecognitionResource(), ["recognizing_state", "recognized_state", "date"], [["lpr", "dpr", cell]]
    )
    assert report.ok, report.problems
    act = Recognition.objects.get(recognizing_state__slug="lpr")
    assert (act.date.isoformat(), act.date_precision) == (iso, precision)


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        (["999999999", "lpr", "dpr", "2016"], "id", "No recognition with id 999999999 in the archive"),
        (["x", "lpr", "dpr", "2016"], "id", "Write the id of a record in the archive"),
        (["", "", "dpr", "2016"], "recognizing_state", "Name a state"),
        (["", "lpr", "dpr", ""], "date", "Enter a date"),
        (["", "lpr", "dpr", "June 2014"], "date", "Enter a date as YYYY, YYYY-MM or YYYY-MM-DD"),
    ],
)
def test_each_bad_cell_is_reported_on_its_column(demo, row, column, message):
    report = run_import(RecognitionResource(), ["id", "recognizing_state", "recognized_state", "date"], [row])
    assert [(p.row, p.column) for p in report.problems] == [(2, column)]
    assert message in report.problems[0].message


def test_a_duplicate_act_in_the_file_is_reported_not_written(demo):
    before = recognitions()
    report = run_import(
        RecognitionResource(),
        ["recognizing_state", "recognized_state", "date", "instrument"],
        [["lpr", "dpr", "2016", "first"], ["lpr", "dpr", "2016", "second"]],
    )
    assert report.ok
    assert (report.new, report.updated) == (1, 1)
    assert Recognition.objects.get(recognizing_state__slug="lpr").instrument == "second"
    assert len(recognitions()) == len(before) + 1


def test_persons_and_states_without_a_slug_get_one_from_their_name(demo):
    report = run_import(PersonResource(), ["name", "name_native"], [["Sergey Lavrov", "Сергей Лавров"]])
    assert report.ok, report.problems
    assert Person.objects.get(slug="sergey-lavrov").name_native == "Сергей Лавров"
    report = run_import(
        StateResource(),
        ["name", "status", "parent", "declared"],
        [["Republic of Artsakh", "unrecognized", "", "1991-09"]],
    )
    assert report.ok, report.problems
    assert State.objects.get(slug="republic-of-artsakh").declared.display("en") == "September 1991"


RESOURCES = [StateResource, PersonResource, SourceResource, RecognitionResource, MissionResource]


@pytest.mark.parametrize("resource_class", RESOURCES, ids=lambda r: r.__name__)
def test_an_exported_file_imports_back_unchanged(demo, resource_class):
    exported = resource_class().export()
    dataset = tablib.Dataset().load(exported.csv, format="csv")
    before = list(resource_class.Meta.model.history.values_list("history_id", flat=True))
    result = resource_class().import_data(dataset, dry_run=False, rollback_on_validation_errors=True)
    report = import_report(result)
    assert report.ok, report.problems
    assert (report.new, report.updated, report.skipped) == (0, 0, len(dataset))
    assert list(resource_class.Meta.model.history.values_list("history_id", flat=True)) == before


# Export of filtered lists ----------------------------------------------------------------------------


def export(client, list_query: str, extension: str):
    listing = soup_of(client.get(admin_url("events_recognition_changelist") + list_query))
    export_url = listing.select_one("a.export_link")["href"]
    page = soup_of(client.get(export_url))
    form = page.select_one("form:has(select[name=format])")
    data = {
        field["name"]: field.get("value", "on")
        for field in form.select("input[name]")
        if field.get("type") != "checkbox" or field.has_attr("checked")
    }
    data["format"] = format_index(page, extension)
    return client.post(export_url, data)


def test_a_filtered_list_exports_to_csv_with_slugs_and_partial_dates(editor_client, demo):
    Recognition.objects.filter(recognized_state__slug="lpr").update(publication_status="draft")
    response = export(editor_client, "?publication_status__exact=draft", "csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [
        (row["recognizing_state"], row["recognized_state"], row["date"], row["publication_status"]) for row in rows
    ] == [("south-ossetia", "lpr", "2014-06", "draft")]
    assert rows[0]["source_ids"] == str(Source.objects.get().pk)


def test_a_filtered_list_exports_to_xlsx(editor_client, demo):
    response = export(editor_client, "?has_source=yes&q=Donetsk", "xlsx")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    assert len(rows) == 2
    record = dict(zip(header, rows[1], strict=True))
    assert (record["recognized_state"], record["date"]) == ("dpr", "2014-06")


def test_readers_may_export_but_not_import(client, reader, demo):
    client.force_login(reader)
    response = export(client, "", "csv")
    assert response.status_code == 200
    assert len(list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))) == Recognition.objects.count()


# The command -------------------------------------------------------------------------------------------


def command(path, *args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_recognitions", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def good_file(tmp_path, demo):
    path = tmp_path / "good.csv"
    source = Source.objects.get()
    path.write_text(f"{HEADER}\nsouth-ossetia,ukraine,,2016-03,decree,{source.pk}\nlpr,dpr,,2016,,\n", encoding="utf-8")
    return path


def test_the_command_refuses_a_file_with_a_bad_row_and_writes_nothing(tmp_path, demo):
    path = tmp_path / "bad.csv"
    source = Source.objects.get()
    path.write_text(
        f"{HEADER}\nsouth-ossetia,ukraine,,2016-03,decree,{source.pk}\nlpr,dpr,,2016-02-30,,\n", encoding="utf-8"
    )
    before = recognitions()
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="Nothing was written"):
        call_command("import_recognitions", str(path), stdout=out, stderr=err)
    assert "row 3, column date: February 2016 has no day 30: it has 29 days." in out.getvalue()
    assert "2 rows: 1 to create, 0 to update, 0 unchanged, 1 with errors." in out.getvalue()
    assert "2/2" in err.getvalue()
    assert recognitions() == before


def test_the_commands_dry_run_reports_and_writes_nothing(good_file):
    before = recognitions()
    out, err = command(good_file, "--dry-run")
    assert "2 rows: 2 to create, 0 to update, 0 unchanged, 0 with errors." in out
    assert "Dry run: nothing was written." in out
    assert "2/2" in err
    assert recognitions() == before


def test_the_command_imports_a_clean_file_under_the_given_user(good_file, editor):
    out, _ = command(good_file, "--user", "editor")
    assert "2 rows: 2 created, 0 updated, 0 unchanged, 0 with errors." in out
    act = Recognition.objects.get(recognized_state__slug="ukraine")
    assert act.citations.count() == 1
    assert act.history.get().history_user == editor
    out, _ = command(good_file)
    assert "2 rows: 0 created, 0 updated, 2 unchanged, 0 with errors." in out


def test_the_command_reads_xlsx(tmp_path, demo):
    path = tmp_path / "acts.xlsx"
    path.write_bytes(xlsx_bytes(["recognizing_state", "recognized_state", "date"], [["lpr", "dpr", "2016-05"]]))
    command(path)
    assert Recognition.objects.get(recognizing_state__slug="lpr").date.isoformat() == "2016-05"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("acts.txt", b"x", "give a .csv or .xlsx file"),
        ("missing.csv", None, "There is no file"),
        ("acts.xlsx", b"not a workbook", "Cannot read acts.xlsx as XLSX"),
    ],
)
def test_the_command_explains_files_it_cannot_read(tmp_path, demo, name, content, message):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(CommandError, match=message):
        command(path)


def test_the_command_refuses_an_unknown_user(good_file):
    with pytest.raises(CommandError, match="There is no account called “nobody”"):
        command(good_file, "--user", "nobody")
    assert not Recognition.objects.filter(recognized_state__slug="ukraine").exists()


def test_missions_import_with_both_dates(demo):
    report = run_import(
        MissionResource(),
        ["sending_state", "host_state", "kind", "city", "opened", "closed"],
        [["lpr", "dpr", "representative office", "Donetsk", "2015-04", "2014"]],
    )
    assert [(p.row, p.column, p.message) for p in report.problems] == [
        (2, "closed", "A mission cannot close before it opens: check both dates.")
    ]
    assert not Mission.objects.filter(sending_state__slug="lpr", host_state__slug="dpr").exists()
