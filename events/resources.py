"""Spreadsheet import and export of archive records (django-import-export), CSV and XLSX.

One resource per model, shared by the admin's Import/Export pages and by
`manage.py import_recognitions`, so both validate a file the same way. States are written as
their slug and read by slug, name or short name in either language; partial dates are read
and written at their precision ("2014-06"); a row is matched to a record by its id or, with
no id, by what makes it unique (the pair of states, the action and the date of an act), so
that importing the same file twice changes nothing. Every row is checked by the model's
own validation, constraints included, and `import_report` turns the outcome into rows,
columns and messages an editor can act on.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import connection, models
from django.utils.text import slugify
from import_export import fields, resources, widgets
from import_export.results import Result, RowResult

from events.dates import PartialDate
from events.models import (
    Delegation,
    DelegationCitation,
    Mission,
    MissionCitation,
    MissionKind,
    Person,
    PublicationStatus,
    Recognition,
    RecognitionAction,
    RecognitionCitation,
    Source,
    State,
    StateStatus,
)
from events.planner import archive_tables, gather_statistics

# Source ids in one cell, as the website's CSV writes them: "3;7".
SOURCE_ID_SEPARATOR = ";"
# The header is the spreadsheet's first row, so data row n is the file's row n + 1.
HEADER_ROWS = 1


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


class PartialDateWidget(widgets.Widget):
    """A partial date cell: "2014", "2014-06" or "2014-06-27"; a spreadsheet's own date is a day.

    PartialDateError is a ValueError, so a bad date becomes a message on its column.
    """

    def clean(self, value, row=None, **kwargs) -> PartialDate | None:
        if _blank(value):
            return None
        if isinstance(value, datetime.datetime):
            value = value.date()
        if isinstance(value, datetime.date):
            return PartialDate.from_date(value)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, int) and not isinstance(value, bool):
            return PartialDate(value)
        return PartialDate.parse(str(value))

    def render(self, value, obj=None, **kwargs) -> str:
        return value.isoformat() if value else ""


class ChoiceWidget(widgets.Widget):
    """A choice written as its value ("withdrawal") or its English label ("withdrawal of recognition")."""

    def __init__(self, choices: type[models.TextChoices]) -> None:
        super().__init__()
        self.choices = choices

    def clean(self, value, row=None, **kwargs) -> str | None:
        if _blank(value):
            return None
        text = str(value).strip().casefold()
        for choice in self.choices:
            if text in (choice.value.casefold(), str(choice.label).casefold()):
                return choice.value
        allowed = ", ".join(choice.value for choice in self.choices)
        raise ValueError(f"“{value}” is not one of the values allowed here: {allowed}.")

    def render(self, value, obj=None, **kwargs) -> str:
        return value or ""


class StateWidget(widgets.ForeignKeyWidget):
    """A state cell: its slug, or its full or short name in English or in the original language.

    All states are read once per import (there are hundreds, not millions); a name not found
    is looked up again in case an earlier row of the same file created that state.
    """

    def __init__(self, *, required: bool = True) -> None:
        super().__init__(State, field="slug")
        self.required = required
        self._index: dict[str, list[State]] | None = None

    def _build_index(self) -> dict[str, list[State]]:
        index: dict[str, list[State]] = {}
        for state in State.objects.all():
            keys = {state.slug, state.name, state.name_native, state.short_name, state.short_name_native}
            for key in {key.casefold() for key in keys if key}:
                index.setdefault(key, []).append(state)
        return index

    def _matches(self, text: str) -> list[State]:
        key = text.casefold()
        if self._index is None or key not in self._index:
            self._index = self._build_index()
        return self._index.get(key, [])

    def clean(self, value, row=None, **kwargs) -> State | None:
        if _blank(value):
            if self.required:
                raise ValueError("Name a state: its slug (south-ossetia) or its name in English or in its language.")
            return None
        text = str(value).strip()
        matches = self._matches(text)
        if not matches:
            raise ValueError(
                f"No state “{text}” in the archive: write its slug (south-ossetia) "
                "or its name in English or in its own language, or add the state first."
            )
        if len(matches) > 1:
            names = ", ".join(sorted(state.slug for state in matches))
            raise ValueError(f"“{text}” could be any of these states: {names}. Write the slug of the one you mean.")
        return matches[0]


class SourceIdsField(fields.Field):
    """The ids of the sources a fact cites, "3;7". Importing adds citations and never removes one."""

    def __init__(self) -> None:
        super().__init__(attribute="source_ids", column_name="source_ids", widget=widgets.Widget())

    @staticmethod
    def cited_ids(instance) -> list[int]:
        if instance.pk is None:
            return []
        return sorted({citation.source_id for citation in instance.citations.all()})

    def get_value(self, instance) -> list[int]:
        cited = self.cited_ids(instance)
        pending = getattr(instance, "_import_source_ids", [])
        return cited + [source_id for source_id in pending if source_id not in cited]

    def export(self, instance, **kwargs) -> str:
        return SOURCE_ID_SEPARATOR.join(str(source_id) for source_id in self.get_value(instance))

    def clean(self, row, **kwargs) -> list[int]:
        value = row[self.column_name]
        if _blank(value):
            return []
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        ids = []
        for part in str(value).split(SOURCE_ID_SEPARATOR):
            part = part.strip()
            if not part:
                continue
            if not part.isdigit():
                raise ValueError(f"“{part}” is not a source id: write ids as numbers separated by “;”, such as 3;7.")
            ids.append(int(part))
        missing = sorted(set(ids) - set(Source.objects.filter(pk__in=ids).values_list("pk", flat=True)))
        if missing:
            raise ValueError(f"No source with id {', '.join(map(str, missing))} in the archive: add the source first.")
        return list(dict.fromkeys(ids))

    def save(self, instance, row, is_m2m=False, **kwargs) -> None:
        instance._import_source_ids = self.clean(row)


def state_field(name: str, *, required: bool = True) -> fields.Field:
    return fields.Field(attribute=name, column_name=name, widget=StateWidget(required=required))


def date_field(name: str) -> fields.Field:
    return fields.Field(attribute=name, column_name=name, widget=PartialDateWidget())


def choice_field(name: str, choices: type[models.TextChoices]) -> fields.Field:
    # A blank cell keeps what the record has (or the model's default for a new one).
    return fields.Field(attribute=name, column_name=name, widget=ChoiceWidget(choices), saves_null_values=False)


def id_field() -> fields.Field:
    # Read-only: the id finds the record to update and is never written, so a blank cell cannot unset it.
    return fields.Field(attribute="id", column_name="id", widget=widgets.IntegerWidget(), readonly=True)


class ArchiveResource(resources.ModelResource):
    """What every archive resource shares: matching rows to records, model validation, history."""

    # Columns that identify a record when the row has no id (empty: an id-less row is always new).
    natural_key: tuple[str, ...] = ()

    class Meta:
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True

    def __init__(self, *, on_row: Callable[[], object] | None = None, **kwargs) -> None:
        """`on_row` is called after each row, for a progress bar."""
        super().__init__(**kwargs)
        self.on_row = on_row

    def import_row(self, row, instance_loader, **kwargs):
        row_result = super().import_row(row, instance_loader, **kwargs)
        if self.on_row is not None:
            self.on_row()
        return row_result

    @classmethod
    def column_names(cls) -> list[str]:
        return [resource_field.column_name for resource_field in cls().get_import_fields()]

    def get_instance(self, instance_loader, row):
        """The record a row updates: by id when the row has one, else by the natural key."""
        if "id" in self.fields and not _blank(row.get("id")):
            return self._instance_by_id(row["id"])
        if self.natural_key:
            return self._instance_by_natural_key(row)
        return None

    def _instance_by_id(self, value):
        model = self._meta.model
        try:
            pk = int(value) if isinstance(value, int | float) else int(str(value).strip())
        except ValueError as error:
            raise ValidationError({"id": "Write the id of a record in the archive, or leave it empty."}) from error
        instance = self.get_queryset().filter(pk=pk).first()
        if instance is None:
            raise ValidationError(
                {"id": f"No {model._meta.verbose_name} with id {pk} in the archive: leave id empty to add a new one."}
            )
        return instance

    def _instance_by_natural_key(self, row):
        lookup = {}
        for name in self.natural_key:
            resource_field = self.fields[name]
            if resource_field.column_name not in row:
                return None
            try:
                value = resource_field.clean(row)
            except ValueError:
                return None  # the row's own validation reports it
            if isinstance(value, PartialDate):
                lookup[f"{name}_start"] = value.first_day
                lookup[f"{name}_precision"] = value.precision.value
            elif value is None:
                return None
            else:
                lookup[resource_field.attribute] = value
        return self.get_queryset().filter(**lookup).first()

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        """The model's validation, except on columns whose cell could not be read at all:
        "There is no month 13" says it, "Enter a date" on top of it would not help."""
        import_errors = dict(import_validation_errors or {})
        errors: dict = {}
        if self._meta.clean_model_instances:
            try:
                instance.full_clean(exclude=import_errors.keys(), validate_unique=validate_unique)
            except ValidationError as error:
                errors = {key: value for key, value in error.message_dict.items() if key not in import_errors}
        errors.update(import_errors)
        if errors:
            raise ValidationError(errors)

    def after_import(self, dataset, result, **kwargs) -> None:
        """Keep the file's headers with the result: columns the archive does not know are reported.
        A written import on SQLite gathers the planner's statistics again (events/planner.py),
        which SQLite would otherwise not update; PostgreSQL's autovacuum does it there."""
        result.file_headers = list(dataset.headers or [])
        written = not kwargs.get("dry_run") and not result.has_errors() and not result.has_validation_errors()
        if written and connection.vendor == "sqlite":
            gather_statistics(archive_tables())

    def before_save_instance(self, instance, row, **kwargs) -> None:
        user = kwargs.get("user")
        if user is not None and user.is_authenticated:
            instance._history_user = user
        file_name = kwargs.get("file_name")
        instance._change_reason = f"Imported from {file_name}" if file_name else "Imported from a spreadsheet"


class CitedResource(ArchiveResource):
    """A fact with citations: the source_ids column adds the sources it cites."""

    citation_model: type[models.Model]
    source_ids = SourceIdsField()

    def after_save_instance(self, instance, row, **kwargs) -> None:
        if not self._is_using_transactions(kwargs) and self._is_dry_run(kwargs):
            return
        cited = set(SourceIdsField.cited_ids(instance))
        for source_id in getattr(instance, "_import_source_ids", []):
            if source_id not in cited:
                citation = self.citation_model(record=instance, source_id=source_id)
                citation._history_user = getattr(instance, "_history_user", None)
                citation.save()


class StateResource(ArchiveResource):
    slug = fields.Field(attribute="slug", column_name="slug")
    status = choice_field("status", StateStatus)
    parent = state_field("parent", required=False)
    declared = date_field("declared")
    dissolved = date_field("dissolved")
    publication_status = choice_field("publication_status", PublicationStatus)

    class Meta(ArchiveResource.Meta):
        model = State
        fields = (
            "slug",
            "name",
            "name_native",
            "short_name",
            "short_name_native",
            "status",
            "iso3",
            "parent",
            "declared",
            "dissolved",
            "capital",
            "capital_native",
            "latitude",
            "longitude",
            "description",
            "publication_status",
        )

    def get_instance(self, instance_loader, row):
        """A state is found by its slug, the part of its address that never changes."""
        return self.get_queryset().filter(slug=row.get("slug")).first()

    def before_import_row(self, row, **kwargs) -> None:
        """A state without a slug gets one made from its English name."""
        if _blank(row.get("slug")) and not _blank(row.get("name")):
            row["slug"] = slugify(str(row["name"]))


class PersonResource(ArchiveResource):
    publication_status = choice_field("publication_status", PublicationStatus)

    class Meta(ArchiveResource.Meta):
        model = Person
        fields = ("slug", "name", "name_native", "notes", "publication_status")

    def get_instance(self, instance_loader, row):
        """A person is found by their slug, as states are."""
        return self.get_queryset().filter(slug=row.get("slug")).first()

    def before_import_row(self, row, **kwargs) -> None:
        """A person without a slug gets one made from their English name."""
        if _blank(row.get("slug")) and not _blank(row.get("name")):
            row["slug"] = slugify(str(row["name"]))


class SourceResource(ArchiveResource):
    id = id_field()
    published = fields.Field(attribute="published", column_name="published", widget=widgets.DateWidget("%Y-%m-%d"))
    publication_status = choice_field("publication_status", PublicationStatus)
    natural_key = ("title", "outlet", "published")

    class Meta(ArchiveResource.Meta):
        model = Source
        fields = (
            "id",
            "title",
            "outlet",
            "author",
            "published",
            "dateline",
            "source_url",
            "language",
            "summary",
            "text",
            "publication_status",
        )


class RecognitionResource(CitedResource):
    id = id_field()
    recognizing_state = state_field("recognizing_state")
    recognized_state = state_field("recognized_state")
    action = choice_field("action", RecognitionAction)
    date = date_field("date")
    publication_status = choice_field("publication_status", PublicationStatus)
    citation_model = RecognitionCitation
    natural_key = ("recognizing_state", "recognized_state", "action", "date")

    class Meta(ArchiveResource.Meta):
        model = Recognition
        fields = (
            "id",
            "recognizing_state",
            "recognized_state",
            "action",
            "date",
            "instrument",
            "notes",
            "publication_status",
            "source_ids",
        )

    def _instance_by_natural_key(self, row):
        # A blank action means a recognition, as it does for a new record.
        if _blank(row.get("action")):
            row = {**row, "action": RecognitionAction.RECOGNITION.value}
        return super()._instance_by_natural_key(row)


class MissionResource(CitedResource):
    id = id_field()
    sending_state = state_field("sending_state")
    host_state = state_field("host_state")
    kind = choice_field("kind", MissionKind)
    opened = date_field("opened")
    closed = date_field("closed")
    publication_status = choice_field("publication_status", PublicationStatus)
    citation_model = MissionCitation
    natural_key = ("sending_state", "host_state", "kind", "city", "opened")

    class Meta(ArchiveResource.Meta):
        model = Mission
        fields = (
            "id",
            "sending_state",
            "host_state",
            "kind",
            "city",
            "opened",
            "closed",
            "notes",
            "publication_status",
            "source_ids",
        )


class DelegationResource(CitedResource):
    """Export only: participants are edited in the admin, one person at a time."""

    id = id_field()
    sending_state = state_field("sending_state")
    host_state = state_field("host_state")
    date = date_field("date")
    participants = fields.Field(column_name="participants", readonly=True)
    publication_status = choice_field("publication_status", PublicationStatus)
    citation_model = DelegationCitation

    class Meta(ArchiveResource.Meta):
        model = Delegation
        fields = (
            "id",
            "sending_state",
            "host_state",
            "date",
            "place",
            "occasion",
            "mission",
            "notes",
            "publication_status",
            "participants",
            "source_ids",
        )

    def dehydrate_participants(self, delegation: Delegation) -> str:
        return "; ".join(
            f"{p.person.name} ({p.side}, {p.role}{', ' + p.position if p.position else ''})"
            for p in delegation.participants.all()
        )


# ---------------------------------------------------------------------------------------------
# The outcome of an import, as an editor reads it.


@dataclass(frozen=True)
class RowProblem:
    """One reason a row cannot be imported. `row` counts as a spreadsheet does (the header is
    row 1); `column` is empty when the message is about the whole row or the whole file."""

    row: int | None
    column: str
    message: str


@dataclass
class ImportReport:
    total_rows: int = 0
    new: int = 0
    updated: int = 0
    skipped: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def rows_with_problems(self) -> int:
        return len({problem.row for problem in self.problems})

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self, *, written: bool) -> str:
        created, updated = ("created", "updated") if written else ("to create", "to update")
        rows = "row" if self.total_rows == 1 else "rows"
        return (
            f"{self.total_rows} {rows}: {self.new} {created}, {self.updated} {updated}, "
            f"{self.skipped} unchanged, {self.rows_with_problems} with errors."
        )


def _messages(error) -> Iterable[str]:
    error = getattr(error, "error", error)
    if isinstance(error, ValidationError):
        return error.messages
    return [str(error)]


def import_report(result: Result) -> ImportReport:
    """Counts and every problem of an import (or of its dry run), row by row and column by column."""
    known = set(result.diff_headers)
    headers = getattr(result, "file_headers", [])
    report = ImportReport(
        total_rows=result.total_rows,
        new=result.totals[RowResult.IMPORT_TYPE_NEW],
        updated=result.totals[RowResult.IMPORT_TYPE_UPDATE],
        skipped=result.totals[RowResult.IMPORT_TYPE_SKIP],
        ignored_columns=[header for header in headers if header and header not in known],
    )
    for error in result.base_errors:
        report.problems.extend(RowProblem(None, "", message) for message in _messages(error))
    for invalid in result.invalid_rows:
        for key, messages in invalid.error_dict.items():
            column = "" if key == NON_FIELD_ERRORS else key
            report.problems.extend(RowProblem(invalid.number + HEADER_ROWS, column, m) for m in messages)
    for error_row in result.error_rows:
        for error in error_row.errors:
            report.problems.extend(
                RowProblem(error_row.number + HEADER_ROWS, "", message) for message in _messages(error)
            )
    report.problems.sort(key=lambda problem: (problem.row or 0, problem.column))
    return report
