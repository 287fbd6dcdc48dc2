"""A covering index for the count of a state's recognitions in the API's and the website's lists.

A list filtered by the recognised state (`?recognized=kosaria`) counts that state's acts that
are published and whose recognising state is published. With only (recognized_state, date_start)
SQLite probed the unique (recognizing_state, recognized_state, ...) index once per published
state and PostgreSQL read every act of the state from the table; with (recognized_state,
publication_status, recognizing_state) both count from the index alone (SQLite 0.8 -> 0.3 ms on
the 100,000-act benchmark archive). Written as SQL, not as a model's Meta.indexes, because the
index serves a query plan rather than the model; the same statement on SQLite and PostgreSQL.
"""

from django.db import migrations

INDEX = "recognition_received_status"


class Migration(migrations.Migration):
    dependencies = [("events", "0006_postgresql_name_trigram_indexes")]

    operations = [
        migrations.RunSQL(
            f'CREATE INDEX "{INDEX}" ON "events_recognition" '
            '("recognized_state_id", "publication_status", "recognizing_state_id")',
            reverse_sql=f'DROP INDEX "{INDEX}"',
        ),
    ]
