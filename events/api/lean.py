"""Lean JSON pages of the facts' lists (issue #6, performance).

A page of recognitions, missions or delegations read through their serializers cost about a
millisecond a row: model instances, a serializer's fields, a reverse() per address. Here the
page is read with `.values()` (the record with both states' names joined), its citations (and a
delegation's participants) with one more query each for the whole page, addresses are reversed
once per request and formatted per row, and the page is rendered with orjson. What comes out is
exactly what the serializers give, key for key and byte for byte (tests/test_api_fast.py); the
browsable API and the writes still go through the serializers.
"""

from __future__ import annotations

import dataclasses
import datetime
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from functools import lru_cache

import orjson
from django.conf import settings
from django.db.models import Model, QuerySet
from django.urls import get_script_prefix, get_urlconf
from django.urls import reverse as django_reverse
from django.utils import timezone, translation
from django.utils.dateparse import parse_date, parse_datetime
from rest_framework import ISO_8601, serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.reverse import reverse
from rest_framework.settings import api_settings

from events.compiled import Statement, by_ids
from events.dates import PartialDate, Precision
from events.models import Delegation, Mission, Participant, Person, Recognition, Source, State
from events.models.citations import DelegationCitation, MissionCitation, RecognitionCitation

# Stands for a record's id or slug in an address reversed once per request; digits, so that any
# URL converter takes it, and long enough that no other part of an address contains it.
PLACEHOLDER = "918273645546372819"
# What a SlugField holds; anything else (written around the form's validation) is reversed itself.
PLAIN_SLUG = re.compile(r"[-a-zA-Z0-9_]+")


class LeanJSONRenderer(JSONRenderer):
    """JSONRenderer's output, rendered by orjson: compact, UTF-8, U+2028 and U+2029 escaped as
    DRF escapes them. Data it was not made for (indent asked for, or settings that change the
    output) goes to JSONRenderer itself."""

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        if (
            data is None
            or self.ensure_ascii
            or not self.compact
            or self.get_indent(accepted_media_type, renderer_context or {}) is not None
        ):
            return super().render(data, accepted_media_type, renderer_context)
        content = orjson.dumps(data)
        if b"\xe2\x80\xa8" in content or b"\xe2\x80\xa9" in content:
            content = content.replace("\u2028".encode(), b"\\u2028").replace("\u2029".encode(), b"\\u2029")
        return content


def renders_lean_json(request: Request) -> bool:
    """The request is answered by plain JSONRenderer: not the browsable API, not CSV."""
    return type(getattr(request, "accepted_renderer", None)) is JSONRenderer


def use_lean_renderer(request: Request) -> None:
    """Render the response about to be returned with orjson (the same bytes as JSONRenderer)."""
    request.accepted_renderer = LeanJSONRenderer()


# --- Addresses -----------------------------------------------------------------------------------


def address_template(make: Callable[[str], str]) -> Callable[[object], str]:
    """An address per value from one reversed with the placeholder: `make(value)` for values the
    placeholder cannot stand for."""
    parts = template_parts(make)
    return make if parts is None else formatter(parts, make)


def template_parts(make: Callable[[str], str]) -> tuple[str, str] | None:
    """The address `make` gives, around the placeholder; None if it is not there exactly once."""
    template = make(PLACEHOLDER)
    if template.count(PLACEHOLDER) != 1:
        return None
    prefix, suffix = template.split(PLACEHOLDER)
    return prefix, suffix


def formatter(parts: tuple[str, str], make: Callable[[str], str]) -> Callable[[object], str]:
    prefix, suffix = parts

    def address(value) -> str:
        if isinstance(value, int) or PLAIN_SLUG.fullmatch(value):
            return f"{prefix}{value}{suffix}"
        return make(value)

    return address


# Templates of addresses, by what the address of a record depends on besides its id or slug:
# the view (or model), the URLconf, the script prefix, the language (for translated patterns),
# the request's scheme and host, and `?format=` (which DRF's reverse keeps). Few per process.
_templates: dict[tuple, tuple[str, str] | None] = {}
MAX_TEMPLATES = 1024


def request_key(request: Request) -> tuple | None:
    """What an address reversed for `request` depends on in the request and the thread; None when
    it may depend on more (a versioning scheme)."""
    if getattr(request, "versioning_scheme", None) is not None:
        return None
    http_request = getattr(request, "_request", request)
    format_param = api_settings.URL_FORMAT_OVERRIDE
    query = http_request.GET
    given = (format_param, query[format_param]) if format_param and format_param in query else None
    return (
        get_urlconf() or settings.ROOT_URLCONF,
        get_script_prefix(),
        translation.get_language(),
        # The scheme and the (validated) host as build_absolute_uri() reads them, once per request:
        # the pagination's links read them again.
        http_request._current_scheme_host,
        given,
    )


def plain_path(path: str) -> bool:
    """A path that build_absolute_uri() appends to the scheme and host whatever the request's own."""
    return path.startswith("/") and not path.startswith("//") and "/./" not in path and "/../" not in path


def cached_address(
    key: tuple | None, relative: Callable[[str], str], make: Callable[[str], str]
) -> Callable[[object], str]:
    """`address_template(make)`, its template kept for `key`: `relative(value)` is the path
    `make` makes absolute for the request (the template is kept only if that is a plain path)."""
    if key is None:
        return address_template(make)
    parts = _templates.get(key, False)
    if parts is False:
        parts = template_parts(make) if plain_path(relative(PLACEHOLDER)) else None
        if len(_templates) >= MAX_TEMPLATES:
            _templates.clear()
        _templates[key] = parts
    return make if parts is None else formatter(parts, make)


def api_address(
    request: Request, view_name: str, lookup: str = "pk", key: tuple | None = None
) -> Callable[[object], str]:
    """HyperlinkedIdentityField's address (DRF's reverse, `?format=` kept) per id or slug; `key`:
    request_key(request), when the caller has it."""
    key = key or request_key(request)
    return cached_address(
        key and ("api", view_name, lookup, *key),
        lambda value: django_reverse(view_name, kwargs={lookup: value}),
        lambda value: reverse(view_name, kwargs={lookup: value}, request=request),
    )


def html_address(request: Request, model: type[Model], key: tuple | None = None) -> Callable[[object], str]:
    """HtmlUrlField's address: the record's own get_absolute_url(), absolute."""
    key = key or request_key(request)
    return cached_address(
        key and ("html", model, *key),
        lambda value: model(pk=value).get_absolute_url(),
        lambda value: request.build_absolute_uri(model(pk=value).get_absolute_url()),
    )


@lru_cache(maxsize=8192)
def partial_date(start: datetime.date, precision: str, language: str) -> tuple[str, str, str]:
    """A partial date's three fields (ISO text, precision, display in `language`); few distinct."""
    value = PartialDate.from_date(start, precision or Precision.DAY)
    return value.isoformat(), value.precision.value, value.display(language)


NO_DATE = (None, None, None)


# DRF's DateTimeField as a serializer declares it: no state of its own (its format and time zone
# are read from the settings and the active zone when it is used), so built once, not per page.
_datetime_field: serializers.DateTimeField | None = None


def datetime_field() -> serializers.DateTimeField:
    global _datetime_field
    if _datetime_field is None:
        _datetime_field = serializers.DateTimeField()
    return _datetime_field


def datetime_representation() -> Callable[[datetime.datetime | None], str | None]:
    """DRF's DateTimeField.to_representation (ISO 8601 in the current time zone, "Z" for UTC),
    with the time zone looked up once rather than per value."""
    field = datetime_field()
    zone = field.default_timezone()
    output_format = getattr(field, "format", api_settings.DATETIME_FORMAT)
    if zone is None or output_format is None or output_format.lower() != ISO_8601:
        return field.to_representation

    # A value already in UTC (as the database gives it) needs no conversion to a UTC zone.
    in_utc = (datetime.UTC, zone) if getattr(zone, "key", None) in ("UTC", "Etc/UTC") else ()

    def representation(value):
        if not value or value.tzinfo is None:
            return field.to_representation(value)
        text = value.isoformat() if value.tzinfo in in_utc else value.astimezone(zone).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return representation


# Pages read without the ORM's converters of their timestamps and dates (`driver_values`).
DRIVER_VALUES = True


def driver_values(statement: Statement, connection, timestamps: tuple[str, ...], dates: tuple[str, ...]):
    """`statement` (a page of `.values()` rows) without the ORM's converters of its `timestamps`
    and `dates` columns, for the shapes to write them from what the driver gives: only where each
    of those converters is SQLite's own, the timestamps' reading values as UTC (time zones on, the
    connection's zone UTC), so that a naive datetime stands for UTC and a date is a date (what
    the converters would make of anything else, `Timestamps` and `Date` make of it). None: the
    statement keeps its converters (PostgreSQL has none of these)."""
    if not DRIVER_VALUES or connection.vendor != "sqlite" or not settings.USE_TZ:
        return None
    if connection.timezone is not datetime.UTC:
        return None
    names = statement.names
    if not all(name in names for name in (*timestamps, *dates)):
        return None
    dropped = {names.index(name): connection.ops.convert_datetimefield_value for name in timestamps}
    dropped.update({names.index(name): connection.ops.convert_datefield_value for name in dates})
    kept = tuple(
        (position, (functions, expression))
        for position, (functions, expression) in statement.converters
        if not (position in dropped and list(functions) == [dropped[position]])
    )
    if len(kept) != len(statement.converters) - len(dropped):
        return None
    return dataclasses.replace(statement, converters=kept)


def utc_representation(representation: Callable) -> Callable[[object], str | None]:
    """`representation` of a timestamp as SQLite's driver gives it before the ORM's converter
    (`driver_values`): a naive datetime in UTC, written directly when the output zone is UTC
    too; anything else (text, an aware datetime) converted as that converter converts it first."""
    field = datetime_field()
    zone = field.default_timezone()
    output_format = getattr(field, "format", api_settings.DATETIME_FORMAT)
    in_utc = (
        zone is not None
        and getattr(zone, "key", None) in ("UTC", "Etc/UTC")
        and output_format is not None
        and output_format.lower() == ISO_8601
    )
    naive = datetime.datetime

    def from_database(value) -> str | None:
        if type(value) is naive and value.tzinfo is None:
            if in_utc:
                # The isoformat() of the aware value with "+00:00" written "Z".
                return value.isoformat() + "Z"
            return representation(value.replace(tzinfo=datetime.UTC))
        # SQLite's convert_datetimefield_value, time zones on and the connection's zone UTC.
        if value is not None:
            if not isinstance(value, datetime.datetime):
                value = parse_datetime(value)
            if not timezone.is_aware(value):
                value = timezone.make_aware(value, datetime.UTC)
        return representation(value)

    return from_database


# --- Shapes --------------------------------------------------------------------------------------


class Context:
    """What the rows of one request share: addresses, language, whether drafts are seen, and each
    state, person or mission summarised once."""

    def __init__(self, request: Request, model: type[Model], view_name: str, sees_drafts: bool) -> None:
        self.request = request
        self.user = request.user
        self.sees_drafts = sees_drafts
        self.language = translation.get_language() or "en"
        self.key = request_key(request)
        self.url = api_address(request, view_name, key=self.key)
        self.html_url = html_address(request, model, key=self.key)
        self.datetime = datetime_representation()
        # The page's timestamps and dates as SQLite's driver gives them (driver_values): `utc`
        # writes the timestamps.
        self.driver_values = False
        self.utc = None
        self._addresses: dict[str, Callable] = {}
        self._summaries: dict[tuple, dict | None] = {}

    def address(self, view_name: str, lookup: str = "pk") -> Callable[[object], str]:
        if view_name not in self._addresses:
            self._addresses[view_name] = api_address(self.request, view_name, lookup, key=self.key)
        return self._addresses[view_name]

    def reference(self, kind: str, key, publication_status: str, build: Callable[..., dict], *args) -> dict | None:
        """ReferenceField's summary: null for a draft the user may not see, else `build(*args)`
        once per record."""
        if publication_status == "draft" and not self.sees_drafts:
            return None
        summary = self._summaries.get((kind, key))
        if summary is None:
            summary = self._summaries[(kind, key)] = build(*args)
        return summary


class Shape(ABC):
    """Keys of a row in the serializer's order; each part names the columns it reads."""

    columns: tuple[str, ...] = ()

    @abstractmethod
    def emit(self, row: dict, values: dict, context: Context) -> None:
        """Put this part's keys into `row`, from the row's `values`."""


class Column(Shape):
    def __init__(self, name: str) -> None:
        self.name = name
        self.columns = (name,)

    def emit(self, row, values, context):
        row[self.name] = values[self.name]


class Addresses(Shape):
    """`url` and `html_url`."""

    columns = ("id",)

    def emit(self, row, values, context):
        row["url"] = context.url(values["id"])
        row["html_url"] = context.html_url(values["id"])


class Timestamps(Shape):
    """`created_at` and `updated_at`; as the driver gives them where the page was read without
    their converter (`Context.driver_values`, `driver_values`)."""

    columns = ("created_at", "updated_at")

    def emit(self, row, values, context):
        represent = context.utc if context.driver_values else context.datetime
        row["created_at"] = represent(values["created_at"])
        row["updated_at"] = represent(values["updated_at"])


class StateReference(Shape):
    """A state as StateReferenceSerializer gives it, through a ReferenceField."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.columns = tuple(
            f"{name}__{column}" for column in ("id", "slug", "name", "name_native", "publication_status")
        )

    def emit(self, row, values, context):
        id_column, slug, name, name_native, status = self.columns
        if values[status] == "draft" and not context.sees_drafts:
            row[self.name] = None
            return
        key = ("state", values[id_column])
        summary = context._summaries.get(key)
        if summary is None:
            summary = context._summaries[key] = self.summary(values[slug], values[name], values[name_native], context)
        row[self.name] = summary

    @staticmethod
    def summary(slug: str, name: str, name_native: str, context: Context) -> dict:
        return {
            "slug": slug,
            "name": name,
            "name_native": name_native,
            "url": context.address("api:state-detail", "slug")(slug),
        }


class MissionReference(Shape):
    """A delegation's mission as MissionReferenceSerializer gives it; null when there is none."""

    columns = ("mission_id", "mission__kind", "mission__city", "mission__publication_status")

    def emit(self, row, values, context):
        pk = values["mission_id"]
        if pk is None:
            row["mission"] = None
            return
        row["mission"] = context.reference(
            "mission", pk, values["mission__publication_status"], self.summary, values, context
        )

    @staticmethod
    def summary(values: dict, context: Context) -> dict:
        pk = values["mission_id"]
        return {
            "id": pk,
            "kind": values["mission__kind"],
            "city": values["mission__city"],
            "url": context.address("api:mission-detail")(pk),
        }


class Date(Shape):
    """A partial date's three keys: `name`, `name_precision`, `name_display` (null when none)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.columns = (f"{name}_start", f"{name}_precision")
        self.keys = (name, f"{name}_precision", f"{name}_display")

    def emit(self, row, values, context):
        start_column, precision_column = self.columns
        start = values[start_column]
        if context.driver_values and start is not None and not isinstance(start, datetime.date):
            start = parse_date(start)  # SQLite's convert_datefield_value
        iso, precision, display = (
            NO_DATE if start is None else partial_date(start, values[precision_column], context.language)
        )
        name, precision_key, display_key = self.keys
        row[name] = iso
        row[precision_key] = precision
        row[display_key] = display


class Nested(Shape):
    """A nested list read for the whole page beforehand (`Lean.nested`), by record id."""

    columns = ("id",)

    def __init__(self, name: str) -> None:
        self.name = name

    def emit(self, row, values, context):
        row[self.name] = context.nested[self.name].get(values["id"], [])


# --- Nested lists --------------------------------------------------------------------------------


def visibility(queryset: QuerySet) -> tuple:
    """What `visible_to(user)` filters, as a key (a where clause compares and hashes by value)."""
    return (queryset.db, queryset.query.where)


def reader_kind(user) -> tuple:
    """What `visible_to(user)` reads of the user (events/querysets.py): signed in, staff."""
    return (type(user), bool(getattr(user, "is_authenticated", False)), bool(getattr(user, "is_staff", False)))


_visible: dict[tuple, tuple[QuerySet, int]] = {}
# Each visibility() met, numbered: a key hashed per request in a number's time.
_visibilities: dict[tuple, int] = {}


def visible(model: type[Model], user) -> tuple[QuerySet, int]:
    """`model.objects.visible_to(user)` and the number of its visibility(), built once per kind of
    reader: the queryset is never run itself, only used in others (`source__in=...`)."""
    key = (model, *reader_kind(user))
    found = _visible.get(key)
    if found is None:
        queryset = model.objects.visible_to(user)
        number = _visibilities.setdefault(visibility(queryset), len(_visibilities))
        found = _visible[key] = (queryset, number)
    return found


def drafts_seen_by(user) -> bool:
    """serializers.sees_drafts(user), asked of the rule once per kind of reader."""
    return not visible(State, user)[0].query.has_filters()


def citations_by_record(citation_model: type[Model], ids: list[int], context: Context) -> dict[int, list[dict]]:
    """CitationSerializer's items of the page's records, without drafts' sources for those who may
    not see them (as events.exports.visible_nested), in citation order: one query."""
    sources, sources_key = visible(Source, context.user)

    def make(ids: list[int]) -> QuerySet:
        citations = citation_model.objects.filter(record_id__in=ids)
        if sources.query.has_filters():
            citations = citations.filter(source__in=sources)
        return citations.order_by("id").values_list(
            "record_id",
            "source_id",
            "source__title",
            "source__outlet",
            "source__published",
            "source__source_url",
            "source__publication_status",
            "quotation",
            "locator",
        )

    rows = by_ids((citation_model, sources_key), make, ids)
    source_url = context.address("api:source-detail")
    found: dict[int, list[dict]] = {}

    def summary(source_id, title, outlet, published, address) -> dict:
        return {
            "id": source_id,
            "title": title,
            "outlet": outlet,
            "published": published.isoformat() if published else None,
            "source_url": address,
            "url": source_url(source_id),
        }

    for record_id, source_id, title, outlet, published, address, status, quotation, locator in rows:
        source = context.reference("source", source_id, status, summary, source_id, title, outlet, published, address)
        found.setdefault(record_id, []).append({"source": source, "quotation": quotation, "locator": locator})
    return found


def participants_by_delegation(ids: list[int], context: Context) -> dict[int, list[dict]]:
    """ParticipantSerializer's items of the page's delegations, without draft persons for those
    who may not see them, in the model's order (side, role, id within a delegation): one query."""
    persons, persons_key = visible(Person, context.user)

    def make(ids: list[int]) -> QuerySet:
        participants = Participant.objects.filter(delegation_id__in=ids)
        if persons.query.has_filters():
            participants = participants.filter(person__in=persons)
        return participants.order_by("delegation_id", "side", "role", "id").values_list(
            "delegation_id",
            "person_id",
            "person__slug",
            "person__name",
            "person__name_native",
            "person__publication_status",
            "side",
            "role",
            "position",
        )

    rows = by_ids((Participant, persons_key), make, ids)
    person_url = context.address("api:person-detail", "slug")
    found: dict[int, list[dict]] = {}

    def summary(slug, name, name_native) -> dict:
        return {"slug": slug, "name": name, "name_native": name_native, "url": person_url(slug)}

    for delegation_id, person_id, slug, name, name_native, status, side, role, position in rows:
        person = context.reference("person", person_id, status, summary, slug, name, name_native)
        found.setdefault(delegation_id, []).append({"person": person, "side": side, "role": role, "position": position})
    return found


class Lean:
    """The lean list of one model: its row's shape and its nested lists."""

    def __init__(
        self,
        model: type[Model],
        view_name: str,
        shape: Iterable[Shape],
        nested: dict[str, Callable[[list[int], Context], dict[int, list[dict]]]],
    ) -> None:
        self.model = model
        self.view_name = view_name
        self.shape = tuple(shape)
        self.nested = nested
        self.columns = tuple(dict.fromkeys(column for part in self.shape for column in part.columns))

    def values(self, queryset: QuerySet) -> QuerySet:
        """The filtered, ordered queryset as the rows the shape reads (no prefetching)."""
        return queryset.prefetch_related(None).values(*self.columns)

    def unconverted(self, statement: Statement, connection) -> Statement | None:
        """The page statement read without its timestamps' and dates' converters (driver_values)."""
        timestamps = tuple(column for part in self.shape if isinstance(part, Timestamps) for column in part.columns)
        dates = tuple(part.columns[0] for part in self.shape if isinstance(part, Date))
        return driver_values(statement, connection, timestamps, dates)

    def rows(self, page: list[dict], request: Request, *, sees_drafts: bool, driver: bool = False) -> list[dict]:
        """`driver`: the page was read by the statement `unconverted` gives."""
        context = Context(request, self.model, self.view_name, sees_drafts)
        if driver:
            context.driver_values = True
            context.utc = utc_representation(context.datetime)
        ids = [values["id"] for values in page]
        context.nested = {name: (read(ids, context) if ids else {}) for name, read in self.nested.items()}
        rows = []
        for values in page:
            row: dict = {}
            for part in self.shape:
                part.emit(row, values, context)
            rows.append(row)
        return rows


def _cited(citation_model):
    return lambda ids, context: citations_by_record(citation_model, ids, context)


RECOGNITIONS = Lean(
    Recognition,
    "api:recognition-detail",
    [
        Column("id"),
        Addresses(),
        StateReference("recognizing_state"),
        StateReference("recognized_state"),
        Column("action"),
        Date("date"),
        Column("instrument"),
        Column("notes"),
        Nested("citations"),
        Column("publication_status"),
        Timestamps(),
    ],
    {"citations": _cited(RecognitionCitation)},
)

MISSIONS = Lean(
    Mission,
    "api:mission-detail",
    [
        Column("id"),
        Addresses(),
        StateReference("sending_state"),
        StateReference("host_state"),
        Column("kind"),
        Column("city"),
        Date("opened"),
        Date("closed"),
        Column("notes"),
        Nested("citations"),
        Column("publication_status"),
        Timestamps(),
    ],
    {"citations": _cited(MissionCitation)},
)

DELEGATIONS = Lean(
    Delegation,
    "api:delegation-detail",
    [
        Column("id"),
        Addresses(),
        StateReference("sending_state"),
        StateReference("host_state"),
        Date("date"),
        Column("place"),
        Column("occasion"),
        MissionReference(),
        Nested("participants"),
        Column("notes"),
        Nested("citations"),
        Column("publication_status"),
        Timestamps(),
    ],
    {"participants": participants_by_delegation, "citations": _cited(DelegationCitation)},
)


# --- The recognition status ----------------------------------------------------------------------


def recognition_status_data(request: Request, state, day: datetime.date, lists: dict[str, list]) -> dict:
    """RecognitionStatusSerializer's answer from `querysets.recognition_status_rows`."""
    state_url = api_address(request, "api:state-detail", "slug")

    def reference(slug: str, name: str, name_native: str) -> dict:
        return {"slug": slug, "name": name, "name_native": name_native, "url": state_url(slug)}

    data = {"state": reference(state.slug, state.name, state.name_native), "date": day.isoformat()}
    for name, entries in lists.items():
        if name == "uncertain":
            data[name] = [
                {
                    "state": reference(entry.slug, entry.name, entry.name_native),
                    "date": entry.date.isoformat(),
                    "action": entry.act.action,
                    "recognition": entry.act.id,
                }
                for entry in entries
            ]
        else:
            data[name] = [
                {
                    "state": reference(entry.slug, entry.name, entry.name_native),
                    "since": entry.date.isoformat(),
                    "recognition": entry.act.id,
                }
                for entry in entries
            ]
    return data
