"""GIN indexes for full-text search, on PostgreSQL only (SQLite searches case-folded text)."""

from django.contrib.postgres.indexes import GinIndex
from django.db import migrations

from events.querysets import (
    DelegationQuerySet,
    MissionQuerySet,
    PersonQuerySet,
    RecognitionQuerySet,
    SourceQuerySet,
    StateQuerySet,
    search_vector,
)

SEARCHED = {
    "state": StateQuerySet.search_fields,
    "person": PersonQuerySet.search_fields,
    "source": SourceQuerySet.search_fields,
    "recognition": RecognitionQuerySet.search_fields,
    "mission": MissionQuerySet.search_fields,
    "delegation": DelegationQuerySet.search_fields,
}


def index_for(model_name: str) -> GinIndex:
    return GinIndex(search_vector(SEARCHED[model_name]), name=f"{model_name}_search")


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for model_name in SEARCHED:
        schema_editor.add_index(apps.get_model("events", model_name), index_for(model_name))


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for model_name in SEARCHED:
        schema_editor.remove_index(apps.get_model("events", model_name), index_for(model_name))


class Migration(migrations.Migration):
    dependencies = [("events", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
