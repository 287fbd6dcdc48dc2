"""Search indexes on SQLite: one FTS5 trigram table per searched model, events_search_<model>.

Each table indexes the Unicode case folding (Python's str.casefold, the `casefold` function
events/apps.py registers on every connection) of the model's searched text fields, so that a
phrase query of three characters or more finds exactly the rows whose folded text contains the
folded query, as the scan it replaces did (`casefold(field) LIKE '%text%'`). Shorter queries
have no trigram and still scan (events/querysets.py).

The tables are contentless (content=''): they hold only the index, and rowid is the record's id.
Triggers keep them in step with every write, whatever makes it (save(), QuerySet.update(),
bulk_create(), the synthetic generator's and the archive import's raw INSERTs); a write through
a connection without the `casefold` function fails instead of leaving the index stale.
PostgreSQL has its own GIN indexes (migration 0002); there this migration does nothing.

The fields are listed here, not read from the querysets, so that the migration stays what it
was when applied; a change to a model's `search_fields` needs a new migration.
"""

from django.db import migrations

SEARCHED = {
    "events_state": (
        "name",
        "name_native",
        "short_name",
        "short_name_native",
        "capital",
        "capital_native",
        "description",
    ),
    "events_person": ("name", "name_native", "notes"),
    "events_source": ("title", "outlet", "author", "dateline", "summary", "text"),
    "events_recognition": ("instrument", "notes"),
    "events_mission": ("city", "notes"),
    "events_delegation": ("place", "occasion", "notes"),
}


def index_table(table: str) -> str:
    return "events_search_" + table.removeprefix("events_")


def folded(row: str, fields: tuple[str, ...]) -> str:
    return ", ".join(f'casefold({row}."{name}")' for name in fields)


def install_statements(table: str, fields: tuple[str, ...]) -> list[str]:
    index = index_table(table)
    columns = ", ".join(f'"{name}"' for name in fields)
    insert = f'INSERT INTO "{index}" (rowid, {columns}) VALUES (new.id, {folded("new", fields)});'
    backfill = folded(f'"{table}"', fields)
    delete = (
        f'INSERT INTO "{index}" ("{index}", rowid, {columns}) VALUES (\'delete\', old.id, {folded("old", fields)});'
    )
    return [
        f"CREATE VIRTUAL TABLE \"{index}\" USING fts5({columns}, content='', tokenize='trigram case_sensitive 1')",
        f'CREATE TRIGGER "{index}_insert" AFTER INSERT ON "{table}" BEGIN {insert} END',
        f'CREATE TRIGGER "{index}_delete" AFTER DELETE ON "{table}" BEGIN {delete} END',
        # Only when a searched field (or the id) is written: a change of status leaves the index alone.
        f'CREATE TRIGGER "{index}_update" AFTER UPDATE OF id, {columns} ON "{table}" BEGIN {delete} {insert} END',
        f'INSERT INTO "{index}" (rowid, {columns}) SELECT id, {backfill} FROM "{table}"',
    ]


def remove_statements(table: str) -> list[str]:
    index = index_table(table)
    return [
        *(f'DROP TRIGGER IF EXISTS "{index}_{operation}"' for operation in ("insert", "delete", "update")),
        f'DROP TABLE IF EXISTS "{index}"',
    ]


def install(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    with schema_editor.connection.cursor() as cursor:
        for table, fields in SEARCHED.items():
            for statement in install_statements(table, fields):
                cursor.execute(statement)


def remove(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    with schema_editor.connection.cursor() as cursor:
        for table in SEARCHED:
            for statement in remove_statements(table):
                cursor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("events", "0004_data_version")]

    operations = [migrations.RunPython(install, remove)]
