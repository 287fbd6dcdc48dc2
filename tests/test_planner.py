"""After the writes that change the archive most (a synthetic archive, a restore, a spreadsheet
import on SQLite), the query planner has statistics for the archive's tables (events/planner.py):
without them SQLite planned the timeline, the home page and the lists of a 100,000-act archive
five to ten times slower. A dry run gathers nothing."""

import io

import pytest
import tablib
from django.core.management import call_command
from django.db import connection

from events.models import Recognition
from events.planner import archive_tables
from events.resources import RecognitionResource
from events.synthetic import ArchiveSize, generate_synthetic_archive

pytestmark = pytest.mark.django_db

TABLE = "events_recognition"


def planner_rows(table: str) -> int | None:
    """The number of rows the planner believes `table` holds, or None if it has no statistics."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")
            if cursor.fetchone() is None:
                return None
            cursor.execute("SELECT stat FROM sqlite_stat1 WHERE tbl = %s AND idx IS NOT NULL", [table])
            found = cursor.fetchone()
            return int(found[0].split()[0]) if found else None
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [table])
        (rows,) = cursor.fetchone()
        return None if rows < 0 else int(rows)


def forget_statistics() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")
            if cursor.fetchone():
                cursor.execute("DELETE FROM sqlite_stat1")
        else:
            # As after a bulk load autovacuum has not reached yet: the planner's old belief.
            cursor.execute("UPDATE pg_class SET reltuples = -1 WHERE relname = %s", [TABLE])


def test_a_synthetic_archive_arrives_with_its_statistics():
    forget_statistics()
    assert planner_rows(TABLE) is None
    generate_synthetic_archive(ArchiveSize(states=6, recognitions=120, missions=10, delegations=10, seed=4))
    assert planner_rows(TABLE) == Recognition.objects.count() == 120
    assert "events_state" in archive_tables()
    assert not any(table.startswith("events_historical") for table in archive_tables())


def test_a_restored_archive_arrives_with_its_statistics(tmp_path):
    from tests.test_backup import empty_the_archive

    generate_synthetic_archive(ArchiveSize(states=6, recognitions=80, missions=5, delegations=5, seed=8))
    call_command("export_archive", tmp_path / "package", stdout=io.StringIO())
    empty_the_archive()
    forget_statistics()
    call_command("import_archive", tmp_path / "package", stdout=io.StringIO())
    assert planner_rows(TABLE) == Recognition.objects.count() == 80


@pytest.mark.skipif("connection.vendor != 'sqlite'", reason="PostgreSQL's autovacuum analyses imported tables")
def test_a_written_spreadsheet_import_gathers_them_on_sqlite_and_a_dry_run_does_not(demo):
    headers = ["recognizing_state", "recognized_state", "date"]
    rows = [["south-ossetia", "ukraine", "2016-03"], ["lpr", "ukraine", "2017"]]
    forget_statistics()
    RecognitionResource().import_data(tablib.Dataset(*rows, headers=headers), dry_run=True)
    assert planner_rows(TABLE) is None
    result = RecognitionResource().import_data(tablib.Dataset(*rows, headers=headers), dry_run=False)
    assert not result.has_errors()
    assert not result.has_validation_errors()
    assert planner_rows(TABLE) == Recognition.objects.count()
