"""The data version behind the response cache (events/cache.py): one row, bumped by triggers on
every archive table in the same transaction as the write, whatever makes the write (save(),
QuerySet.update(), bulk_create(), raw SQL). A model added later needs the same triggers."""

from django.db import migrations

TABLES = (
    "events_state",
    "events_person",
    "events_source",
    "events_recognition",
    "events_mission",
    "events_delegation",
    "events_participant",
    "events_recognitioncitation",
    "events_missioncitation",
    "events_delegationcitation",
)

SQLITE_NOW = "(julianday('now') - 2440587.5) * 86400.0"
SQLITE_BUMP = (
    f"INSERT INTO events_dataversion (id, version, changed_at) VALUES (1, 1, {SQLITE_NOW}) "
    "ON CONFLICT (id) DO UPDATE SET version = version + 1, changed_at = excluded.changed_at;"
)


def sqlite_install(cursor):
    cursor.execute(
        "CREATE TABLE events_dataversion "
        "(id integer NOT NULL PRIMARY KEY CHECK (id = 1), version integer NOT NULL, changed_at real NOT NULL)"
    )
    cursor.execute(f"INSERT INTO events_dataversion (id, version, changed_at) VALUES (1, 1, {SQLITE_NOW})")
    for table in TABLES:
        for operation in ("INSERT", "UPDATE", "DELETE"):
            cursor.execute(
                f'CREATE TRIGGER "{table}_data_version_{operation.lower()}" AFTER {operation} ON "{table}" '
                f"BEGIN {SQLITE_BUMP} END"
            )


def sqlite_remove(cursor):
    for table in TABLES:
        for operation in ("insert", "update", "delete"):
            cursor.execute(f'DROP TRIGGER IF EXISTS "{table}_data_version_{operation}"')
    cursor.execute("DROP TABLE IF EXISTS events_dataversion")


def postgresql_install(cursor):
    cursor.execute(
        "CREATE TABLE events_dataversion "
        "(id integer NOT NULL PRIMARY KEY CHECK (id = 1), version bigint NOT NULL, changed_at double precision NOT NULL)"
    )
    cursor.execute(
        "INSERT INTO events_dataversion (id, version, changed_at) VALUES (1, 1, extract(epoch from clock_timestamp()))"
    )
    cursor.execute(
        """
        CREATE FUNCTION events_bump_data_version() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO events_dataversion (id, version, changed_at)
            VALUES (1, 1, extract(epoch from clock_timestamp()))
            ON CONFLICT (id) DO UPDATE
            SET version = events_dataversion.version + 1, changed_at = excluded.changed_at;
            RETURN NULL;
        END
        $$
        """
    )
    for table in TABLES:
        # Once per statement, not per row: a bulk insert bumps the version once.
        cursor.execute(
            f'CREATE TRIGGER "{table}_data_version" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "{table}" '
            "FOR EACH STATEMENT EXECUTE FUNCTION events_bump_data_version()"
        )


def postgresql_remove(cursor):
    for table in TABLES:
        cursor.execute(f'DROP TRIGGER IF EXISTS "{table}_data_version" ON "{table}"')
    cursor.execute("DROP FUNCTION IF EXISTS events_bump_data_version()")
    cursor.execute("DROP TABLE IF EXISTS events_dataversion")


def install(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        if schema_editor.connection.vendor == "postgresql":
            postgresql_install(cursor)
        else:
            sqlite_install(cursor)


def remove(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        if schema_editor.connection.vendor == "postgresql":
            postgresql_remove(cursor)
        else:
            sqlite_remove(cursor)


class Migration(migrations.Migration):
    dependencies = [("events", "0003_editor_and_reader_groups")]

    operations = [migrations.RunPython(install, remove)]
