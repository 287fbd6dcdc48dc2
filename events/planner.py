"""The query planner's statistics, gathered again after the writes that change the archive most.

SQLite keeps no statistics of its own: until ANALYZE has run, it guesses at the size of every
table and the selectivity of every index, and over a large archive it guesses wrong. On a freshly
generated 100,000-recognition archive (no ANALYZE; in-process CPU per request) the timeline took
193 ms instead of 24, the home page 182 instead of 18, the recognitions list 146 instead of 32 and
the API's 148 instead of 27, all from worse plans. SQLite's sampled ANALYZE (`PRAGMA
analysis_limit`) did not mend them, so the whole tables are analysed: 0.3 s for that archive.
PostgreSQL's autovacuum analyses a table once a tenth of it has changed, within a minute or so; a
bulk load is followed by an ANALYZE here all the same, so that the first readers after it do not
wait for that.

Gathered after `generate_synthetic_archive`, a restore (`import_archive`) and a spreadsheet import
(the admin's or `manage.py import_recognitions`, for the tables it wrote); `make bench` also runs
ANALYZE after building its archives. tests/test_planner.py.
"""

from collections.abc import Iterable

from django.db import DEFAULT_DB_ALIAS, connections


def gather_statistics(tables: Iterable[str] | None = None, *, using: str = DEFAULT_DB_ALIAS) -> None:
    """ANALYZE `tables` (every table when None) of the database `using`."""
    connection = connections[using]
    names = [connection.ops.quote_name(table) for table in tables] if tables is not None else [None]
    with connection.cursor() as cursor:
        for name in names:
            cursor.execute("ANALYZE" if name is None else f"ANALYZE {name}")


def archive_tables() -> list[str]:
    """The tables of the archive's own models (not their history's, which no page reads by plan)."""
    from django.apps import apps

    return [
        model._meta.db_table
        for model in apps.get_app_config("events").get_models()
        if not model._meta.db_table.startswith("events_historical")
    ]
