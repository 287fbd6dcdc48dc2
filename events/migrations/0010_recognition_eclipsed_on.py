"""When each recognition act stops deciding its pair's status: `eclipsed_on` (issue #6).

A state's recognition status on a day D is decided, per pair of states, by the pair's last act
(by start, end, id) whose date interval ended by D, and by the acts whose interval contains D
(querysets.recognition_status, DOMAIN.md "As of day D"). Every other act of the pair that ended
by D is outranked by that last one and changes nothing. The status read every act concerning the
state that began by D and folded them: 2,210 for the benchmark's Kosaria, for about 400 entries.

`eclipsed_on` is the earliest end among the acts of the same pair that rank after this one: from
that day on, a later act has certainly happened, and this one no longer decides anything. So the
acts the status needs on D are those that began by D and either are not eclipsed by D
(`eclipsed_on` empty or after D) or have not ended by D; each pair's last certain act is among
them, and no other certain act is. It does not depend on D, so it changes only when the pair's
acts do: `eclipsed_on_published` is the same over the published acts alone (empty for a draft),
for readers who see only those.

Both are derived data, kept by the database itself: triggers recompute a pair's acts whenever an
act of it is inserted, deleted, or has its states, dates or publication status changed, whatever
makes the write (save(), QuerySet.update(), bulk_create(), the backup's restore, raw SQL). They
are not fields of the model: no form, serializer, export or history sees them; only the status's
query (querysets.status_acts) reads them, from the covering indexes below, which replace those of
migration 0008 with these columns at their end. The reference status (`recognition_status`, a
window over the acts themselves) does not read them, and the tests hold the two to the same answer
after every kind of write (tests/test_status_rows.py, tests/test_eclipsed_on.py).
"""

from django.db import migrations

TABLE = "events_recognition"
COLUMNS = ("eclipsed_on", "eclipsed_on_published")

# The columns of both covering indexes after the state's id: those of migration 0008, then these.
COVERED = (
    "date_start",
    "publication_status",
    "{other}",
    "action",
    "date_end",
    "date_precision",
    "eclipsed_on",
    "eclipsed_on_published",
)
INDEXES = {
    "recognition_received_deciding": ("recognized_state_id", "recognizing_state_id"),
    "recognition_given_deciding": ("recognizing_state_id", "recognized_state_id"),
}


def recompute(pairs: str) -> str:
    """The UPDATE that sets both columns of every act of the pairs `pairs` selects (a query of
    (recognizing_state_id, recognized_state_id) rows), writing only the rows whose values change.
    One window per pair, over all its acts: the earliest end of those ranking after each act, and
    of the published ones after a published act."""
    return f"""
        UPDATE {TABLE} SET eclipsed_on = ranked.eclipsed_on, eclipsed_on_published = ranked.eclipsed_on_published
        FROM (
            SELECT act.id,
                MIN(act.date_end) OVER later AS eclipsed_on,
                CASE WHEN act.publication_status = 'published'
                    THEN MIN(CASE WHEN act.publication_status = 'published' THEN act.date_end END) OVER later
                END AS eclipsed_on_published
            FROM {TABLE} AS act
            WHERE (act.recognizing_state_id, act.recognized_state_id) IN ({pairs})
            WINDOW later AS (
                PARTITION BY act.recognizing_state_id, act.recognized_state_id
                ORDER BY act.date_start, act.date_end, act.id
                ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING
            )
        ) AS ranked
        WHERE {TABLE}.id = ranked.id
            AND ({TABLE}.eclipsed_on IS DISTINCT FROM ranked.eclipsed_on
                OR {TABLE}.eclipsed_on_published IS DISTINCT FROM ranked.eclipsed_on_published)
    """


ALL_PAIRS = f"SELECT DISTINCT recognizing_state_id, recognized_state_id FROM {TABLE}"
# What a write to these columns changes in the pairs' answer; the triggers' own updates set
# only `COLUMNS`, and so do not set them off again.
WATCHED = "recognizing_state_id, recognized_state_id, date_start, date_end, publication_status"


def sqlite(sql: str) -> str:
    """SQLite writes IS NOT for IS DISTINCT FROM (3.39 reads both; Debian 12's Python has 3.40)."""
    return sql.replace("IS DISTINCT FROM", "IS NOT")


def create_indexes(cursor) -> None:
    for name, (state, other) in INDEXES.items():
        columns = ", ".join(f'"{column.format(other=other)}"' for column in (state, *COVERED))
        cursor.execute(f'CREATE INDEX "{name}" ON "{TABLE}" ({columns})')


def drop_indexes(cursor) -> None:
    for name in INDEXES:
        cursor.execute(f'DROP INDEX IF EXISTS "{name}"')


def sqlite_install(cursor) -> None:
    for column in COLUMNS:
        cursor.execute(f'ALTER TABLE "{TABLE}" ADD COLUMN "{column}" date NULL')
    cursor.execute(sqlite(recompute(ALL_PAIRS)))
    pair_of = "SELECT {row}.recognizing_state_id, {row}.recognized_state_id"
    triggers = {
        "insert": ("AFTER INSERT", None, "NEW"),
        "delete": ("AFTER DELETE", None, "OLD"),
        # An update recomputes the pair the act is in now, and the one it left if it moved.
        "update": (f"AFTER UPDATE OF {WATCHED}", None, "NEW"),
        "update_old": (
            f"AFTER UPDATE OF {WATCHED}",
            "OLD.recognizing_state_id IS NOT NEW.recognizing_state_id "
            "OR OLD.recognized_state_id IS NOT NEW.recognized_state_id",
            "OLD",
        ),
    }
    for name, (event, when, row) in triggers.items():
        condition = f" WHEN {when}" if when else ""
        cursor.execute(
            f'CREATE TRIGGER "{TABLE}_eclipsed_on_{name}" {event} ON "{TABLE}"{condition} '
            f"BEGIN {sqlite(recompute(pair_of.format(row=row)))}; END"
        )
    create_indexes(cursor)


def sqlite_remove(cursor) -> None:
    for name in ("insert", "delete", "update", "update_old"):
        cursor.execute(f'DROP TRIGGER IF EXISTS "{TABLE}_eclipsed_on_{name}"')
    drop_indexes(cursor)
    for column in COLUMNS:
        cursor.execute(f'ALTER TABLE "{TABLE}" DROP COLUMN "{column}"')


def postgresql_install(cursor) -> None:
    for column in COLUMNS:
        cursor.execute(f'ALTER TABLE "{TABLE}" ADD COLUMN "{column}" date NULL')
    cursor.execute(recompute(ALL_PAIRS))
    # Inserts and deletes once per statement, over the rows it wrote (a bulk insert of the
    # synthetic archive recomputes each pair once, not once per act); updates per row, for the
    # watched columns only, so that the functions' own updates do not set them off again (a
    # trigger with transition tables cannot name its columns).
    for name, table in (("inserted", "NEW"), ("deleted", "OLD")):
        cursor.execute(
            f"""
            CREATE FUNCTION events_recognition_eclipsed_on_{name}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                {recompute(f"SELECT recognizing_state_id, recognized_state_id FROM {name}_acts")};
                RETURN NULL;
            END
            $$
            """
        )
        event = "INSERT" if table == "NEW" else "DELETE"
        cursor.execute(
            f'CREATE TRIGGER "{TABLE}_eclipsed_on_{name}" AFTER {event} ON "{TABLE}" '
            f"REFERENCING {table} TABLE AS {name}_acts FOR EACH STATEMENT "
            f"EXECUTE FUNCTION events_recognition_eclipsed_on_{name}()"
        )
    cursor.execute(
        f"""
        CREATE FUNCTION events_recognition_eclipsed_on_updated() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            {
            recompute(
                "SELECT NEW.recognizing_state_id, NEW.recognized_state_id "
                "UNION SELECT OLD.recognizing_state_id, OLD.recognized_state_id"
            )
        };
            RETURN NULL;
        END
        $$
        """
    )
    cursor.execute(
        f'CREATE TRIGGER "{TABLE}_eclipsed_on_updated" AFTER UPDATE OF {WATCHED} ON "{TABLE}" '
        "FOR EACH ROW EXECUTE FUNCTION events_recognition_eclipsed_on_updated()"
    )
    create_indexes(cursor)


def postgresql_remove(cursor) -> None:
    for name in ("inserted", "deleted", "updated"):
        cursor.execute(f'DROP TRIGGER IF EXISTS "{TABLE}_eclipsed_on_{name}" ON "{TABLE}"')
        cursor.execute(f"DROP FUNCTION IF EXISTS events_recognition_eclipsed_on_{name}()")
    drop_indexes(cursor)
    for column in COLUMNS:
        cursor.execute(f'ALTER TABLE "{TABLE}" DROP COLUMN IF EXISTS "{column}"')


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
    dependencies = [
        ("events", "0009_timeline_indexes"),
    ]

    operations = [
        migrations.RunPython(install, remove),
        # The indexes of migration 0008, which those above extend.
        migrations.RemoveIndex(model_name="recognition", name="recognition_received_acts"),
        migrations.RemoveIndex(model_name="recognition", name="recognition_given_acts"),
    ]
