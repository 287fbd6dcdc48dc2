"""The whole archive as a Frictionless Data Package, and back.

`export_archive(out)` writes datapackage.json and one CSV file per table of the events app —
records with their publication status and timestamps, citations, participants and every
history row — plus `user.csv`, the accounts that history rows name. `import_archive(source)`
restores such a package into a database whose archive tables are empty, keeping every primary
key so that addresses such as /recognitions/12/ stay valid. README.md ("Backups") documents the
format; FORMAT_VERSION changes whenever a reader would need to change.
"""

from __future__ import annotations

import csv
import datetime
import decimal
import hashlib
import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, models, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from simple_history.models import HistoricalChanges

from events.planner import gather_statistics

FORMAT_NAME = "recognition-archive"
FORMAT_VERSION = 1
DATAPACKAGE_PROFILE = "https://datapackage.org/profiles/2.0/datapackage.json"
DATETIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
USER_RESOURCE = "user"

TEXT_FIELDS = (models.CharField, models.TextField)
INTEGER_FIELDS = (models.AutoField, models.BigAutoField, models.SmallAutoField, models.IntegerField)


class ArchiveFormatError(Exception):
    """The package cannot be imported as it is; the message says where and why."""


def archive_models() -> list[type[models.Model]]:
    """Every table of the events app, each after the tables its foreign keys point to: the
    records, citations and participants first, then their history."""
    pending = sorted(apps.get_app_config("events").get_models(), key=lambda model: issubclass(model, HistoricalChanges))
    ordered: list[type[models.Model]] = []
    while pending:
        for model in pending:
            needs = {
                field.related_model
                for field in model._meta.concrete_fields
                if field.is_relation and field.related_model in pending and field.related_model is not model
            }
            if not needs:
                ordered.append(model)
                pending.remove(model)
                break
        else:
            raise RuntimeError(f"foreign keys form a cycle among {pending}")
    return ordered


def resource_name(model: type[models.Model]) -> str:
    return model._meta.model_name


# Cells: a null is the empty cell; text keeps an empty string as an empty string.


def to_cell(field: models.Field, value: object) -> str:
    if value is None:
        return ""
    if isinstance(field, models.BooleanField):
        return "true" if value else "false"
    if isinstance(field, models.DateTimeField):
        return value.astimezone(datetime.UTC).strftime(DATETIME_FORMAT)
    if isinstance(field, models.DateField):
        return value.isoformat()
    if isinstance(field, models.DecimalField):
        return format(value, "f")
    return str(value)


def from_cell(field: models.Field, cell: str) -> object:
    if cell == "" and (field.null or not isinstance(field, TEXT_FIELDS)):
        return None
    if isinstance(field, models.BooleanField):
        if cell not in {"true", "false"}:
            raise ValueError(f"expected true or false, got {cell!r}")
        return cell == "true"
    if isinstance(field, models.DateTimeField):
        return datetime.datetime.strptime(cell, DATETIME_FORMAT).replace(tzinfo=datetime.UTC)
    if isinstance(field, models.DateField):
        return datetime.date.fromisoformat(cell)
    if isinstance(field, models.DecimalField):
        return decimal.Decimal(cell)
    if isinstance(field, INTEGER_FIELDS) or field.is_relation:
        return int(cell)
    if isinstance(field, TEXT_FIELDS):
        return cell
    raise TypeError(f"no cell format for {type(field).__name__}")


def table_field(field: models.Field) -> dict:
    """The Table Schema descriptor of one column."""
    target = field.target_field if field.is_relation else field
    if isinstance(target, models.BooleanField):
        kind = {"type": "boolean", "trueValues": ["true"], "falseValues": ["false"]}
    elif isinstance(target, models.DateTimeField):
        kind = {"type": "datetime", "format": DATETIME_FORMAT}
    elif isinstance(target, models.DateField):
        kind = {"type": "date"}
    elif isinstance(target, models.DecimalField):
        kind = {"type": "number"}
    elif isinstance(target, INTEGER_FIELDS):
        kind = {"type": "integer"}
    elif isinstance(target, TEXT_FIELDS):
        kind = {"type": "string"}
    else:
        raise TypeError(f"{field.model.__name__}.{field.name}: no Table Schema type for {type(field).__name__}")
    descriptor = {"name": field.attname, **kind, "title": str(field.verbose_name)}
    if field.help_text:
        descriptor["description"] = str(field.help_text)
    if isinstance(field, TEXT_FIELDS) and not field.null:
        # An empty cell is an empty text here, not a missing value.
        descriptor["missingValues"] = []
    constraints: dict = {"required": not field.null}
    if isinstance(field, models.CharField) and field.max_length:
        constraints["maxLength"] = field.max_length
    if field.choices and not field.is_relation:
        constraints["enum"] = [value for value, _ in field.flatchoices] + ([""] if field.blank else [])
    if field.unique and not field.primary_key:
        constraints["unique"] = True
    descriptor["constraints"] = constraints
    return descriptor


def table_schema(model: type[models.Model], exported: set[type[models.Model]]) -> dict:
    user_model = get_user_model()
    foreign_keys = []
    for field in model._meta.concrete_fields:
        if not field.is_relation or not field.db_constraint:
            continue  # History rows keep the ids of records deleted since: no constraint there.
        if field.related_model is model:
            resource = ""
        elif field.related_model in exported:
            resource = resource_name(field.related_model)
        elif field.related_model is user_model:
            resource = USER_RESOURCE
        else:
            raise TypeError(f"{model.__name__}.{field.name} points outside the archive")
        foreign_keys.append(
            {"fields": field.attname, "reference": {"resource": resource, "fields": field.target_field.attname}}
        )
    schema = {
        "fields": [table_field(field) for field in model._meta.concrete_fields],
        "missingValues": [""],
        "primaryKey": model._meta.pk.attname,
    }
    if foreign_keys:
        schema["foreignKeys"] = foreign_keys
    return schema


USER_SCHEMA = {
    "fields": [
        {"name": "id", "type": "integer", "title": "id", "constraints": {"required": True}},
        {
            "name": "username",
            "type": "string",
            "title": "username",
            "missingValues": [],
            "constraints": {"required": True, "unique": True},
        },
    ],
    "missingValues": [""],
    "primaryKey": "id",
}


@dataclass
class Table:
    """One resource of the package: its descriptor, its CSV bytes and how many rows they hold."""

    descriptor: dict
    content: bytes
    rows: int


def resource(name: str, title: str, schema: dict, rows: Iterator[list[str]]) -> Table:
    """A CSV resource (RFC 4180: comma, double quotes, CRLF) with its size and sha256 hash."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([field["name"] for field in schema["fields"]])
    count = 0
    for row in rows:
        writer.writerow(row)
        count += 1
    content = buffer.getvalue().encode("utf-8")
    return Table(
        descriptor={
            "name": name,
            "type": "table",
            "path": f"data/{name}.csv",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "title": title,
            "bytes": len(content),
            "hash": f"sha256:{hashlib.sha256(content).hexdigest()}",
            "schema": schema,
        },
        content=content,
        rows=count,
    )


def read_tables(using: str) -> list[Table]:
    """Every archive table and the accounts history names, read in one consistent snapshot."""
    models_in_order = archive_models()
    exported = set(models_in_order)
    tables = []
    history_users: set[int] = set()
    for model in models_in_order:
        fields = model._meta.concrete_fields
        rows = model._base_manager.using(using).order_by("pk").values_list(*(field.attname for field in fields))
        if any(field.attname == "history_user_id" for field in fields):
            history_users.update(
                model._base_manager.using(using).exclude(history_user=None).values_list("history_user_id", flat=True)
            )
        tables.append(
            resource(
                resource_name(model),
                str(model._meta.verbose_name_plural),
                table_schema(model, exported),
                ([to_cell(field, value) for field, value in zip(fields, row, strict=True)] for row in rows.iterator()),
            )
        )
    users = get_user_model()._base_manager.using(using).filter(pk__in=history_users).order_by("pk")
    user_rows = ([str(pk), name] for pk, name in users.values_list("pk", "username"))
    tables.insert(0, resource(USER_RESOURCE, "accounts named in history", USER_SCHEMA, user_rows))
    return tables


def package_descriptor(tables: list[Table], using: str) -> dict:
    migrations = MigrationRecorder(connections[using]).applied_migrations()
    return {
        "$schema": DATAPACKAGE_PROFILE,
        "name": FORMAT_NAME,
        "title": "Recognition Archive",
        "description": (
            "Diplomatic recognitions, missions and delegations with their citations, participants, "
            "publication status and full edit history. Partial dates are three columns: "
            "<name>_start (first day), <name>_end (last day), <name>_precision (day, month or year)."
        ),
        "created": timezone.now().astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        FORMAT_NAME: {
            "format_version": FORMAT_VERSION,
            "migrations": sorted(f"{app}.{name}" for app, name in migrations if app == "events"),
        },
        "resources": [table.descriptor for table in tables],
    }


def export_archive(out: Path, *, using: str = DEFAULT_DB_ALIAS) -> dict[str, int]:
    """Write the package to `out`: a new directory, or a single file if the name ends in .zip.

    Returns the number of rows per resource.
    """
    out = Path(out)
    if out.exists() and (out.is_file() or any(out.iterdir())):
        raise ArchiveFormatError(f"{out} already exists and is not empty: choose a new name.")
    connection = connections[using]
    outermost = not connection.in_atomic_block
    with transaction.atomic(using=using):
        if connection.vendor == "postgresql" and outermost:
            # Every table from the same snapshot, even while editors keep working.
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        tables = read_tables(using)
        descriptor = package_descriptor(tables, using)
    files = {"datapackage.json": json.dumps(descriptor, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"}
    files.update({table.descriptor["path"]: table.content for table in tables})
    if out.suffix == ".zip":
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, content in files.items():
                archive.writestr(name, content)
    else:
        for name, content in files.items():
            (out / name).parent.mkdir(parents=True, exist_ok=True)
            (out / name).write_bytes(content)
    return {table.descriptor["name"]: table.rows for table in tables}


class PackageReader:
    """Reads files of a package from a directory, its datapackage.json, or a .zip file."""

    def __init__(self, source: Path) -> None:
        source = Path(source)
        if source.is_file() and source.suffix == ".zip":
            self.zip = zipfile.ZipFile(source)
            self.root = None
        elif source.is_dir() or source.name == "datapackage.json":
            self.zip = None
            self.root = source if source.is_dir() else source.parent
        else:
            raise ArchiveFormatError(f"{source} is neither a package directory nor a .zip file.")

    def read(self, name: str) -> bytes:
        if name.startswith("/") or ".." in Path(name).parts:
            raise ArchiveFormatError(f"{name}: a path inside the package was expected.")
        try:
            if self.zip is not None:
                return self.zip.read(name)
            return (self.root / name).read_bytes()
        except (KeyError, FileNotFoundError) as error:
            raise ArchiveFormatError(f"{name} is missing from the package.") from error


def read_descriptor(reader: PackageReader) -> dict:
    try:
        descriptor = json.loads(reader.read("datapackage.json"))
    except json.JSONDecodeError as error:
        raise ArchiveFormatError(f"datapackage.json is not valid JSON: {error}") from error
    header = descriptor.get(FORMAT_NAME) if isinstance(descriptor, dict) else None
    if not isinstance(header, dict):
        raise ArchiveFormatError("datapackage.json does not describe a Recognition Archive export.")
    if header.get("format_version") != FORMAT_VERSION:
        raise ArchiveFormatError(
            f"This package has format version {header.get('format_version')!r}; "
            f"this version of the archive reads version {FORMAT_VERSION}."
        )
    return descriptor


def occupied_tables(using: str) -> list[str]:
    """The names of the archive tables that hold rows (none in an empty database)."""
    return [model._meta.db_table for model in archive_models() if model._base_manager.using(using).exists()]


def rows_of(reader: PackageReader, descriptor: dict, expected: list[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """The rows of one resource after checking its integrity and its columns."""
    name = descriptor["name"]
    content = reader.read(descriptor["path"])
    algorithm, _, digest = str(descriptor.get("hash", "")).partition(":")
    if algorithm != "sha256" or hashlib.sha256(content).hexdigest() != digest:
        raise ArchiveFormatError(f"{descriptor['path']} does not match its sha256 hash: the file is damaged.")
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ArchiveFormatError(f"{descriptor['path']} is not UTF-8: {error}") from error
    reader_ = csv.reader(io.StringIO(text, newline=""))
    header = next(reader_, [])
    if header != expected:
        missing = sorted(set(expected) - set(header))
        extra = sorted(set(header) - set(expected))
        raise ArchiveFormatError(
            f"{name}: the columns differ from this archive's (missing {missing or 'none'}, unknown {extra or 'none'})."
        )
    for number, row in enumerate(reader_, start=2):
        if len(row) != len(header):
            raise ArchiveFormatError(f"{name}, line {number}: {len(row)} cells for {len(header)} columns.")
        yield number, dict(zip(header, row, strict=True))


def import_archive(source: Path, *, using: str = DEFAULT_DB_ALIAS) -> dict[str, int]:
    """Restore a package into a database whose archive tables are empty, in one transaction.

    Accounts named in history are matched by username; one that does not exist is created
    inactive and without a usable password (an account, not a credential, is restored).
    Returns the number of rows per resource.
    """
    reader = PackageReader(source)
    descriptor = read_descriptor(reader)
    resources = {item.get("name"): item for item in descriptor.get("resources", []) if isinstance(item, dict)}
    models_in_order = archive_models()
    expected = {USER_RESOURCE, *(resource_name(model) for model in models_in_order)}
    if set(resources) != expected:
        raise ArchiveFormatError(
            f"The package's tables differ from this archive's: missing {sorted(expected - set(resources)) or 'none'}, "
            f"unknown {sorted(set(resources) - expected) or 'none'}."
        )
    counts: dict[str, int] = {}
    connection = connections[using]
    with transaction.atomic(using=using):
        occupied = occupied_tables(using)
        if occupied:
            raise ArchiveFormatError(
                f"The database already holds archive records ({', '.join(occupied)}): "
                "import only into an empty database."
            )
        user_ids = restore_users(reader, resources[USER_RESOURCE], using)
        counts[USER_RESOURCE] = len(user_ids)
        for model in models_in_order:
            counts[resource_name(model)] = restore_table(
                reader, resources[resource_name(model)], model, user_ids, using
            )
        try:
            connection.check_constraints(table_names=[model._meta.db_table for model in models_in_order])
        except IntegrityError as error:
            raise ArchiveFormatError(f"The package's references do not hold together: {error}") from error
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), models_in_order):
                cursor.execute(statement)
    # A whole archive arrived at once: the planner's statistics of its tables (events/planner.py).
    gather_statistics([model._meta.db_table for model in models_in_order], using=using)
    return counts


def restore_users(reader: PackageReader, descriptor: dict, using: str) -> dict[int, int]:
    """The accounts history names: exported id -> id in this database."""
    user_model = get_user_model()
    ids = {}
    for number, row in rows_of(reader, descriptor, ["id", "username"]):
        try:
            exported_id = int(row["id"])
        except ValueError as error:
            raise ArchiveFormatError(f"{USER_RESOURCE}, line {number}, id: {error}") from error
        user = user_model._base_manager.db_manager(using).filter(username=row["username"]).first()
        if user is None:
            user = user_model(username=row["username"], is_active=False)
            user.set_unusable_password()
            user.save(using=using)
        ids[exported_id] = user.pk
    return ids


def restore_table(
    reader: PackageReader, descriptor: dict, model: type[models.Model], user_ids: dict[int, int], using: str
) -> int:
    """Insert one resource's rows as they were: raw saves keep timestamps and write no new history."""
    fields = model._meta.concrete_fields
    count = 0
    for number, row in rows_of(reader, descriptor, [field.attname for field in fields]):
        values = {}
        for field in fields:
            try:
                values[field.attname] = from_cell(field, row[field.attname])
            except (ValueError, ArithmeticError) as error:
                raise ArchiveFormatError(f"{descriptor['name']}, line {number}, {field.attname}: {error}") from error
        if values.get("history_user_id") is not None:
            try:
                values["history_user_id"] = user_ids[values["history_user_id"]]
            except KeyError as error:
                raise ArchiveFormatError(
                    f"{descriptor['name']}, line {number}: history_user_id {error} is not in {USER_RESOURCE}.csv."
                ) from error
        try:
            model(**values).save_base(raw=True, force_insert=True, using=using)
        except IntegrityError as error:
            raise ArchiveFormatError(f"{descriptor['name']}, line {number}: {error}") from error
        count += 1
    return count
