"""The two roles of the workbench, as groups that exist on every install.

Editors add, change and delete archive records and revert them from their history
(simple-history gates reverting with the historical model's change permission); they get no
permission on users, groups or permissions. Readers view records, drafts included, and
their history, and change nothing.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITORS = "Editors"
READERS = "Readers"

# Every model whose rows are archive content, citations and participants included.
ARCHIVE_MODELS = (
    "state",
    "person",
    "source",
    "recognition",
    "mission",
    "delegation",
    "participant",
    "recognitioncitation",
    "missioncitation",
    "delegationcitation",
)


def role_codenames() -> dict[str, list[str]]:
    editors = [f"{action}_{model}" for model in ARCHIVE_MODELS for action in ("add", "change", "delete", "view")]
    editors += [f"{action}_historical{model}" for model in ARCHIVE_MODELS for action in ("view", "change")]
    readers = [f"view_{model}" for model in ARCHIVE_MODELS] + [f"view_historical{model}" for model in ARCHIVE_MODELS]
    return {EDITORS: editors, READERS: readers}


def create_groups(apps, schema_editor):
    # Permissions are normally created after all migrations ran; this one needs them now.
    events_config = apps.get_app_config("events")
    events_config.models_module = True
    create_permissions(events_config, apps=apps, verbosity=0, using=schema_editor.connection.alias)

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in role_codenames().items():
        permissions = list(Permission.objects.filter(content_type__app_label="events", codename__in=codenames))
        missing = set(codenames) - {permission.codename for permission in permissions}
        if missing:
            raise RuntimeError(f"Permissions missing for the group {name}: {sorted(missing)}")
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*permissions)


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=[EDITORS, READERS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("events", "0002_search_indexes"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
