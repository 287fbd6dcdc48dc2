"""Trigram indexes for the names searched as substrings on PostgreSQL (the querysets' `name_fields`).

Search on PostgreSQL is full text (the GIN indexes of migration 0002) OR a case-insensitive
substring of a name, so that "Осет" finds "Осетия". Django's icontains is
`UPPER(name::text) LIKE UPPER('%text%')`, which no B-tree can serve: without these indexes the
whole condition fell back to a sequential scan that computed the search vector of every row.
A pg_trgm GIN index on exactly that expression lets PostgreSQL OR the branches together from
indexes (a BitmapOr). pg_trgm is a trusted extension (PostgreSQL 13+): a database owner may
create it. SQLite has its own index (migration 0005); there this migration does nothing.

The fields are listed here, not read from the querysets, so that the migration stays what it
was when applied.
"""

from django.db import migrations

NAMES = {
    "events_state": ("name", "name_native", "short_name", "short_name_native"),
    "events_person": ("name", "name_native"),
    "events_mission": ("city",),
}


def index_name(table: str, field: str) -> str:
    return f"{table.removeprefix('events_')}_{field}_trgm"


def install(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for table, fields in NAMES.items():
            for field in fields:
                cursor.execute(
                    f'CREATE INDEX "{index_name(table, field)}" ON "{table}" '
                    f'USING gin ((UPPER("{field}"::text)) gin_trgm_ops)'
                )


def remove(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for table, fields in NAMES.items():
            for field in fields:
                cursor.execute(f'DROP INDEX IF EXISTS "{index_name(table, field)}"')
        # The extension stays: other objects may have come to depend on it.


class Migration(migrations.Migration):
    dependencies = [("events", "0005_sqlite_search_index")]

    operations = [migrations.RunPython(install, remove)]
