"""Reads for the researchers' pages that span relations (HackSoft's selectors): what a visitor
may see, the citations and participants to fetch with a page of rows, and the timeline.

The timeline holds every act in date order: recognitions and withdrawals, mission openings and
closings, delegations. They live in three tables, so one page of it is one UNION query over the
dates alone, sorted and sliced in the database; the records of that page are then read with
their states in one query per table. The number of queries never depends on the number of rows.
"""

from __future__ import annotations

import datetime
import heapq
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache, reduce
from itertools import islice
from operator import or_
from typing import Any, NamedTuple

from django.db import connection, connections, router
from django.db.models import CharField, DateField, F, IntegerField, Prefetch, Q, QuerySet, Value
from django.db.models.functions import Cast
from django.db.models.query import MAX_GET_RESULTS, get_related_populators

from events.compiled import Statement, WithArguments, by_ids
from events.dates import PartialDate
from events.models import (
    Delegation,
    Mission,
    Participant,
    PublicationStatus,
    Recognition,
    RecognitionAction,
    Role,
    Side,
    State,
)
from events.querysets import RecognitionStatus, recognition_status_rows

# What each kind of act is called on the page and in the `kind` column of the union.
RECOGNITION = "recognition"
WITHDRAWAL = "withdrawal"
MISSION_OPENED = "mission_opened"
MISSION_CLOSED = "mission_closed"
DELEGATION = "delegation"

# The table each kind of act is read from.
MISSION = "mission"
TABLE_OF_KIND = {
    RECOGNITION: RECOGNITION,
    WITHDRAWAL: RECOGNITION,
    MISSION_OPENED: MISSION,
    MISSION_CLOSED: MISSION,
    DELEGATION: DELEGATION,
}

COLUMNS = ("act", "record_id", "day_start", "day_end", "precision")


@dataclass
class TimelineAct:
    """One row of the timeline: what happened, when (at its precision), and the record."""

    kind: str
    date: PartialDate
    record: Any

    @property
    def sending_state(self):
        if self.kind in (RECOGNITION, WITHDRAWAL):
            return self.record.recognizing_state
        return self.record.sending_state

    @property
    def receiving_state(self):
        if self.kind in (RECOGNITION, WITHDRAWAL):
            return self.record.recognized_state
        return self.record.host_state

    @property
    def heads(self) -> list[Participant]:
        """The heads of a delegation, prefetched by `timeline_acts`."""
        return getattr(self.record, "heads", []) if self.kind == DELEGATION else []


def _dated(queryset: QuerySet, kind: str, date_name: str) -> QuerySet:
    """The union's columns for one kind of act, every one an annotation so their order is fixed."""
    return (
        queryset.order_by()
        .annotate(
            act=Value(kind, output_field=CharField()),
            record_id=F("pk"),
            day_start=F(f"{date_name}_start"),
            day_end=F(f"{date_name}_end"),
            precision=F(f"{date_name}_precision"),
        )
        .values(*COLUMNS)
    )


def _in_year(queryset: QuerySet, date_name: str, year: int | None) -> QuerySet:
    """The acts whose date interval reaches into `year`. A partial date spans a day, a month or
    a year at most (events.dates.PartialDate; its first and last day are stored from it), so
    such an act began in the year before at the earliest: said outright, the (start, end)
    indexes (migration 0009) are read from there, not from the archive's first act (SQLite,
    100,000 recognitions: the timeline of 1990 counted in about 3 ms rather than 120)."""
    if year is None:
        return queryset
    first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    earliest = datetime.date(max(year - 1, 1), 1, 1)
    return queryset.filter(
        **{f"{date_name}_end__gte": first, f"{date_name}_start__lte": last, f"{date_name}_start__gte": earliest}
    )


def is_staff(user) -> bool:
    return user is not None and user.is_authenticated and user.is_staff


def visible_acts(queryset: QuerySet, user) -> QuerySet:
    """Acts between two states that `user` may see: published, and naming no draft state
    (a draft state's name must not show through a published act), except for staff."""
    return _visible_acts(queryset, staff=is_staff(user))


def _visible_acts(queryset: QuerySet, *, staff: bool) -> QuerySet:
    if staff:
        return queryset
    # "Neither state is a draft" as NOT IN the (usually empty) list of draft states, not as
    # joins: a join on every row stops the database from walking the act's own indexes.
    drafts = State.objects.filter(publication_status=PublicationStatus.DRAFT).values("pk")
    first, second = queryset.state_fields
    return queryset.published().exclude(**{f"{first}__in": drafts}).exclude(**{f"{second}__in": drafts})


def hidden_by_draft_states(shown: QuerySet, fields: Sequence[str]) -> tuple[QuerySet, list[Q]] | None:
    """For a compiled count on SQLite (events.compiled.Statement.compile_count_excluding): the
    records `shown` before the draft states are hidden, and the conditions that hide them, one
    per field of `fields` (required references to a state); None where the count is better the
    visible queryset's own (PostgreSQL hashes the draft states once; a nullable reference)."""
    if connections[shown.db].vendor != "sqlite":
        return None
    if any(shown.model._meta.get_field(name).null for name in fields):
        return None
    drafts = State.objects.filter(publication_status=PublicationStatus.DRAFT).values("pk")
    return shown, [Q(**{f"{name}__in": drafts}) for name in fields]


def visible_count(model, user, condition: Q | None = None) -> int:
    """`visible_acts(model.objects.filter(condition), user).count()`: on SQLite, for anyone but
    staff, the published acts less those naming a draft state. SQLite tested every act against
    the draft states (two lookups a row: 50 ms for 100,000 recognitions); the published count
    reads its index alone and the acts naming a draft state are found through the states'
    indexes (14 ms). PostgreSQL hashes the draft states once and counts as fast either way, so
    it counts the visible acts as they are written."""
    acts = model.objects.filter(condition) if condition is not None else model.objects.all()
    hidden = None if is_staff(user) else hidden_by_draft_states(acts.published(), acts.state_fields)
    if hidden is None:
        return visible_acts(acts, user).count()
    published, conditions = hidden
    return published.count() - published.filter(reduce(or_, conditions)).count()


def citations_prefetch(model, user) -> Prefetch:
    """A record's citations with their sources, leaving out draft sources for non-staff."""
    citations = model.citations.rel.related_model.objects.select_related("source")
    if not is_staff(user):
        citations = citations.filter(source__publication_status="published")
    return Prefetch("citations", queryset=citations)


def participants_queryset(user) -> QuerySet:
    """Participants with their persons, leaving out draft persons for non-staff."""
    participants = Participant.objects.select_related("person")
    if not is_staff(user):
        participants = participants.filter(person__publication_status="published")
    return participants


# What the acts' tables (events/templatetags/tables.py) read of each row: its own columns, the
# names and slugs of its two states; nothing else is loaded, nor converted, per row.
TABLE_COLUMNS = {
    Recognition: ("publication_status", "action", "date_start", "date_end", "date_precision", "instrument"),
    Mission: (
        "publication_status",
        "kind",
        "city",
        "opened_start",
        "opened_end",
        "opened_precision",
        "closed_start",
        "closed_end",
        "closed_precision",
    ),
    Delegation: ("publication_status", "date_start", "date_end", "date_precision", "place", "occasion"),
}
NAME_COLUMNS = ("slug", "name", "name_native")


# The values a table reads of a row's sources and heads: tuples with names, built with
# `_new_tuple` (a frozen dataclass took four times as long to build, and a page builds hundreds).
class CitedSource(NamedTuple):
    """What a table shows of a cited source: its outlet or title, its date, its address."""

    pk: int
    outlet: str
    title: str
    published: datetime.date | None


class Cited(NamedTuple):
    """One citation of a row, as includes/*_table.html's Sources cell reads it."""

    source_id: int
    source: CitedSource
    quotation: str


class HeadPerson(NamedTuple):
    slug: str
    name: str
    name_native: str


class Head(NamedTuple):
    """A head of a delegation, as the delegations' table reads it."""

    side: str
    role: str
    position: str
    person: HeadPerson


_new_tuple = tuple.__new__


@dataclass(frozen=True, slots=True)
class StateName:
    """A state as a table names and links it."""

    pk: int
    slug: str
    name: str
    name_native: str


class TableRow:
    """An act as its table reads it (events/templatetags/tables.py): `pk`, its columns of
    TABLE_COLUMNS, each state as a StateName; `cited` and `heads` once `with_sources` has run.
    `_meta` is its model's, for the labels of its choices. Plain values: a record with two
    states costs several times as much to build, and a table needs none of its behaviour."""

    _meta = None

    @property
    def is_draft(self) -> bool:
        return self.publication_status == PublicationStatus.DRAFT


ROW_CLASSES = {model: type(f"{model.__name__}Row", (TableRow,), {"_meta": model._meta}) for model in TABLE_COLUMNS}


def _table_fields(model) -> tuple[list[str], tuple[str, ...], tuple[str, str]]:
    """What `table_rows` reads of an act of `model`: the values_list fields, its own columns, the
    names of its two state fields."""
    fields, own, sides = _fields_of(model)
    return list(fields), own, sides


@lru_cache(maxsize=8)
def _fields_of(model) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, str]]:
    """`_table_fields`, worked out once per model: the state fields come from a queryset."""
    own = TABLE_COLUMNS[model]
    sides = model._default_manager.all().state_fields
    fields = ("pk", *own, *(f"{side}{column}" for side in sides for column in ("", *(f"__{c}" for c in NAME_COLUMNS))))
    return fields, own, sides


@lru_cache(maxsize=8)
def _row_keys(model) -> tuple[str, ...]:
    """The attributes of a TableRow of `model`, in the order `_rows_of` sets them."""
    _fields, own, sides = _fields_of(model)
    return ("pk", "id", *own, *(name for side in sides for name in (side, f"{side}_id")))


def _rows_of(model, values, states: dict[int, StateName] | None = None) -> list[TableRow]:
    """TableRows of `model` from tuples of its `_table_fields`; each state's StateName built once
    (in `states`, which several calls for one page may share)."""
    _fields, own, sides = _fields_of(model)
    row_class = ROW_CLASSES[model]
    keys = _row_keys(model)
    if states is None:
        states = {}
    width = 1 + len(own)
    firsts = [width + 4 * index for index in range(len(sides))]
    new = object.__new__
    rows = []
    for values_ in values:
        named = []
        for first in firsts:
            state_id = values_[first]
            state = states.get(state_id)
            if state is None:
                state = states[state_id] = StateName(state_id, *values_[first + 1 : first + 4])
            named += (state, state_id)
        row = new(row_class)
        row.__dict__.update(zip(keys, (values_[0], *values_[:width], *named), strict=True))
        rows.append(row)
    return rows


def table_rows(queryset: QuerySet) -> list[TableRow]:
    """The acts of `queryset` (sliced or not) as their table shows them, in one query of their
    own columns and both states' names and slugs. Give them to `with_sources` next."""
    fields, _own, _sides = _table_fields(queryset.model)
    return _rows_of(queryset.model, queryset.values_list(*fields))


# The state id the queries of `state_table_rows` are compiled with, and replaced at each run.
_ANY_STATE = -271828


@lru_cache(maxsize=64)
def _state_table_query(model, side: str, staff: bool, limit: int, vendor: str) -> WithArguments:
    """The query of `table_rows` for the first `limit` acts of `model` (in its default order)
    whose `side` is one state, as visible to staff or not, compiled with a sentinel state.
    `vendor` keys the cache by the database's dialect."""
    queryset = _visible_acts(model.objects.all(), staff=staff).filter(**{f"{side}_id": _ANY_STATE})[:limit]
    fields, _own, _sides = _table_fields(model)
    return WithArguments.compile(queryset.values_list(*fields), _ANY_STATE, counts=(1,))


def state_table_rows(model, side: str, state_id: int, user, limit: int) -> list[TableRow]:
    """`table_rows` of the first `limit` acts of `model` whose `side` ("recognized_state",
    "sending_state", ...) is the state `state_id`, visible to `user`, in the model's order: a
    state's profile sections. The same query as `table_rows(visible_acts(...).filter(...)[:limit])`,
    compiled once per process: building and compiling it cost several times as much as running
    it, six times on every profile. The columns are the tables' own, which both drivers return
    as Python values (SQLite's converts dates by their declared type), so no converter runs."""
    query = _state_table_query(model, side, is_staff(user), limit, connection.vendor)
    return _rows_of(model, query.rows(state_id))


def _citations_values(model, staff: bool, ids: list[int]) -> QuerySet:
    """The citations of the acts `ids` of `model` as the tables read them, in citation order."""
    citations = model.citations.rel.related_model.objects.filter(record_id__in=ids)
    if not staff:
        citations = citations.filter(source__publication_status="published")
    return citations.order_by("pk").values_list(
        "record_id", "quotation", "source_id", "source__outlet", "source__title", "source__published"
    )


def _heads_values(model, staff: bool, ids: list[int]) -> QuerySet:
    """The heads of the delegations `ids`, as the delegations' table reads them."""
    participants = Participant.objects.all()
    if not staff:
        participants = participants.filter(person__publication_status="published")
    return (
        participants.filter(delegation_id__in=ids, side=Side.DELEGATION, role=Role.HEAD)
        .order_by("delegation_id", "side", "role", "pk")
        .values_list("delegation_id", "side", "role", "position", "person__slug", "person__name", "person__name_native")
    )


_READS_BY_IDS = {"citations": _citations_values, "heads": _heads_values}


def _read_by_ids(read: str, model, staff: bool, ids: list[int]) -> Iterable:
    """The rows of one of _READS_BY_IDS for `ids`, through its query compiled once per process
    (events.compiled.by_ids)."""
    return by_ids((read, model, staff, connection.vendor), lambda ids: _READS_BY_IDS[read](model, staff, ids), ids)


def with_sources(rows: list, model, user) -> list:
    """`rows` of `model` (one kind of act) with their cited sources in `cited`, and a
    delegation's heads in `heads`, as the tables read them; visible to `user`, in citation
    order. One query each, whatever the number of rows, none for no rows. Plain values rather
    than records and a prefetch: Django builds a queryset and records per row for those; and
    each query compiled once per process (`_read_by_ids`, events.compiled.by_ids): building and
    compiling them cost more than running them."""
    if not rows:
        return rows
    staff = is_staff(user)
    ids = sorted({row.pk for row in rows})
    cited: dict[int, list[Cited]] = {pk: [] for pk in ids}
    sources: dict[int, CitedSource] = {}
    for record_id, quotation, source_id, outlet, title, published in _read_by_ids("citations", model, staff, ids):
        source = sources.get(source_id)
        if source is None:
            source = sources[source_id] = _new_tuple(CitedSource, (source_id, outlet, title, published))
        cited[record_id].append(_new_tuple(Cited, (source_id, source, quotation)))
    for row in rows:
        row.cited = cited[row.pk]
    if model is Delegation:
        heads: dict[int, list[Head]] = {pk: [] for pk in ids}
        for delegation_id, side, role, position, slug, name, name_native in _read_by_ids("heads", model, staff, ids):
            heads[delegation_id].append(
                _new_tuple(Head, (side, role, position, _new_tuple(HeadPerson, (slug, name, name_native))))
            )
        for row in rows:
            row.heads = heads[row.pk]
    return rows


# --- A state's profile sections: both sides of a kind of act in one query, their sources in one --

# A positional placeholder as Django's SQLite backend finds it (`FORMAT_QMARK_REGEX`).
_POSITIONAL = re.compile(r"(?<!%)%s")


class _Named:
    """A statement compiled once, its positional placeholders written as named ones: Django's
    SQLite backend rewrites a positional statement with a regular expression on every run (some
    60 µs for the 3,000 characters of a section's query, a sixth of running it, 290 µs for the
    citations' 4,600), a named one with `%` and a dictionary of the names. On SQLite the names
    are written in the driver's own style (`:p0`, `:p1`, ...), which that `%` leaves as they are,
    elsewhere in Django's (`%(p0)s`); both backends give named parameters the same `%%` as
    positional ones. A statement holding any other `%` is run as it was written."""

    def __init__(self, sql: str, params: Sequence, vendor: str) -> None:
        parts = _POSITIONAL.split(sql)
        if len(parts) != len(params) + 1:
            raise AssertionError(f"{len(params)} parameters for the placeholders of {sql}")
        self.named = not any("%" in part.replace("%%", "") for part in parts)
        if self.named:
            self.names = [f"p{index}" for index in range(len(params))]
            style = ":{}" if vendor == "sqlite" else "%({})s"
            marks = [style.format(name) for name in self.names]
            sql = "".join(f"{part}{mark}" for part, mark in zip(parts, marks, strict=False)) + parts[-1]
        self.sql = sql

    def rows(self, params: Sequence, using=None) -> list[tuple]:
        """The rows of the statement with `params`, in the order of its placeholders."""
        if self.named:
            params = dict(zip(self.names, params, strict=True))
        with (using or connection).cursor() as cursor:
            cursor.execute(self.sql, params)
            return cursor.fetchall()


# The state id the citations' queries of `profile_sections` are compiled with, then widened.
_ANY_IDS = -314159265
# Stands for an id among the parameters of `_citations_statement`.
_AN_ID = object()


class _Sections:
    """The rows of `state_table_rows` for each of `sides`, in one query run with a state's id in
    the sentinel's places: the acts whose id is among the first `limit` of each side (each
    side's ids in its own subquery, with its ORDER BY and LIMIT, the sides' ids one after the
    other, UNION ALL), read with their states once. In no promised order: `profile_sections`
    tells each row's side by its state and sorts each side again by the model's order.

    Only the ids go through the subqueries: with each side's rows read through one (`SELECT 0,
    side0.* FROM (... LIMIT 26) side0 UNION ALL ...`) SQLite copied every value of every row once
    more. Per kind of act on the 100,000 archive, old and new alternating: SQLite 0.34 -> 0.29 ms,
    PostgreSQL 1.67 -> 1.59 ms (its plan: each side's ids from its (state, date) index, hashed,
    then each act by its key)."""

    def __init__(self, model, sides: tuple[str, ...], staff: bool, limit: int, vendor: str) -> None:
        fields, _own, _sides = _table_fields(model)
        head, tail, before, after = _split_at_ids(
            model.objects.filter(pk__in=[_ANY_IDS]).order_by().values_list(*fields)
        )
        sides_ids = [_state_ids_query(model, side, staff, limit) for side in sides]
        sql = " UNION ALL ".join(f"SELECT * FROM ({part.sql}) side{index}" for index, part in enumerate(sides_ids))
        params, slots = list(before), []
        for part in sides_ids:
            slots.extend(len(params) + slot for slot in part.slots[0])
            params.extend(part.params)
        params.extend(after)
        self.statement = _Named(f"{head}IN ({sql}){tail}", params, vendor)
        self.params, self.slots = params, slots

    def rows(self, state_id: int) -> list[tuple]:
        params = list(self.params)
        for slot in self.slots:
            params[slot] = state_id
        return self.statement.rows(params)


def _state_ids_query(model, side: str, staff: bool, limit: int) -> WithArguments:
    """The ids of the first `limit` acts of `model` (in its default order) whose `side` is one
    state, as visible to staff or not: `_state_table_query`'s rows' ids."""
    queryset = _visible_acts(model.objects.all(), staff=staff).filter(**{f"{side}_id": _ANY_STATE})[:limit]
    return WithArguments.compile(queryset.values_list("pk"), _ANY_STATE, counts=(1,))


@lru_cache(maxsize=32)
def _sections_query(model, sides: tuple[str, ...], staff: bool, limit: int, vendor: str) -> _Sections:
    """`_Sections`, compiled once per process. `vendor` keys the cache by the database's dialect."""
    return _Sections(model, sides, staff, limit, vendor)


def _split_at_ids(queryset: QuerySet) -> tuple[str, str, tuple, tuple]:
    """A query over `... IN (_ANY_IDS)`: its SQL before and after `IN (ids)`, and its parameters
    before and after the ids."""
    sql, params = queryset.query.sql_with_params()
    params = tuple(params)
    if sql.count("IN (%s)") != 1 or params.count(_ANY_IDS) != 1:
        raise AssertionError(f"cannot tell the ids among the parameters of {sql}")
    head, tail = sql.split("IN (%s)")
    position = params.index(_ANY_IDS)
    return head, tail, params[:position], params[position + 1 :]


@lru_cache(maxsize=16)
def _citations_part(model, staff: bool, vendor: str) -> tuple[str, str, tuple, tuple]:
    """The citations of `_citations_values` as a part of `_profile_citations`' union: its SQL
    before and after `IN (ids)`, and its parameters before and after the ids; unordered, the
    citation's id first (the rows are sorted by it), and an eighth column, empty, where a
    head's part (`_heads_part`) has a text."""
    citations = model.citations.rel.related_model.objects.filter(record_id__in=[_ANY_IDS])
    if not staff:
        citations = citations.filter(source__publication_status="published")
    queryset = citations.order_by().annotate(no_text=Cast(Value(None), CharField()))
    return _split_at_ids(
        queryset.values_list(
            "pk",
            "record_id",
            "quotation",
            "source_id",
            "source__outlet",
            "source__title",
            "source__published",
            "no_text",
        )
    )


@lru_cache(maxsize=4)
def _heads_part(staff: bool, vendor: str) -> tuple[str, str, tuple, tuple]:
    """The heads of `_heads_values` as a part of `_profile_citations`' union, with the columns of a
    citation's part: the participant's id, the delegation's, the position, no number, the
    person's slug and name, no date, the person's native name. Their side and role are the
    ones asked for."""
    participants = Participant.objects.filter(delegation_id__in=[_ANY_IDS], side=Side.DELEGATION, role=Role.HEAD)
    if not staff:
        participants = participants.filter(person__publication_status="published")
    queryset = participants.order_by().annotate(
        no_number=Cast(Value(None), IntegerField()), no_date=Cast(Value(None), DateField())
    )
    return _split_at_ids(
        queryset.values_list(
            "pk",
            "delegation_id",
            "position",
            "no_number",
            "person__slug",
            "person__name",
            "no_date",
            "person__name_native",
        )
    )


# How a part of `_profile_citations`' union takes its ids in one parameter, by dialect: SQLite
# reads them from a JSON array, PostgreSQL from an array (psycopg writes a list as one).
_IDS_IN_ONE = {"sqlite": "IN (SELECT value FROM json_each(%s))", "postgresql": "= ANY(%s)"}


@lru_cache(maxsize=64)
def _citations_statement(staff: bool, vendor: str, kinds: tuple) -> tuple[_Named, tuple]:
    """The union of `_profile_citations` for ids of each of `kinds` (a model, or None for the
    delegations' heads), each part's ids in one parameter (`_IDS_IN_ONE`): the statement, and its
    parameters with `_AN_ID` in the ids' places. One statement whatever the number of ids: with
    a placeholder per id (200 on a state's page) SQLite bound each by its name and Django wrote
    each name into the statement on every run. Each part is selected from as it is, its number
    put before its first column: a part read through a subquery (`SELECT 0, kind0.* FROM (...)
    kind0`) had SQLite copy every value of every row once more. Kosaria's citations and heads on
    the 100,000 archive, old and new alternating: SQLite 0.87 -> 0.78 ms, PostgreSQL 2.24 -> 1.94
    (each part still read from its index on the record's id)."""
    parts, params = [], []
    ids_in_one = _IDS_IN_ONE[vendor]
    for index, kind in enumerate(kinds):
        head, tail, before, after = _heads_part(staff, vendor) if kind is None else _citations_part(kind, staff, vendor)
        if not head.startswith("SELECT "):
            raise AssertionError(f"cannot number the rows of {head}")
        parts.append(f"SELECT {index} AS profile_kind, {head[len('SELECT ') :]}{ids_in_one}{tail}")
        params.extend((*before, _AN_ID, *after))
    return _Named(" UNION ALL ".join(parts), params, vendor), tuple(params)


@lru_cache(maxsize=64)
def _citations_statement_by_count(
    staff: bool, vendor: str, counts: tuple[tuple[Any, int], ...]
) -> tuple[_Named, tuple]:
    """`_citations_statement` for a database that `_IDS_IN_ONE` does not know: a placeholder per
    id, compiled once per number of ids of each kind, every part read through a subquery."""
    parts, params = [], []
    for index, (kind, count) in enumerate(counts):
        if not count:
            continue
        head, tail, before, after = _heads_part(staff, vendor) if kind is None else _citations_part(kind, staff, vendor)
        marks = ", ".join(["%s"] * count)
        parts.append(f"SELECT {index} AS profile_kind, kind{index}.* FROM ({head}IN ({marks}){tail}) kind{index}")
        params.extend((*before, *([_AN_ID] * count), *after))
    return _Named(" UNION ALL ".join(parts), params, vendor), tuple(params)


def _profile_citations(ids_by_model: list[tuple[Any, list[int]]], staff: bool) -> list[list[tuple]]:
    """The citations of the acts `ids` of each model, as `_citations_values` gives them but with
    the citation's id first and an empty eighth column, in citation order; for the model None,
    the heads of the delegations `ids` (`_heads_part`'s rows), in their order: one query for
    every model (UNION ALL), compiled once per process (`_citations_statement`)."""
    found: list[list[tuple]] = [[] for _ in ids_by_model]
    if not any(ids for _model, ids in ids_by_model):
        return found
    vendor = connection.vendor
    if vendor in _IDS_IN_ONE:
        asked = [(index, model, ids) for index, (model, ids) in enumerate(ids_by_model) if ids]
        statement, template = _citations_statement(staff, vendor, tuple(model for _index, model, _ids in asked))
        if vendor == "sqlite":
            values = iter([f"[{','.join(map(str, ids))}]" for _index, _model, ids in asked])
        else:
            values = iter([list(ids) for _index, _model, ids in asked])
        params = [next(values) if value is _AN_ID else value for value in template]
        position = [index for index, _model, _ids in asked]
        for row in statement.rows(params):
            found[position[row[0]]].append(row[1:])
    else:
        counts = tuple((model, len(ids)) for model, ids in ids_by_model)
        statement, template = _citations_statement_by_count(staff, vendor, counts)
        ids = iter([pk for _model, ids in ids_by_model for pk in ids])
        params = [next(ids) if value is _AN_ID else value for value in template]
        for row in statement.rows(params):
            found[row[0]].append(row[1:])
    for (model, _ids), rows in zip(ids_by_model, found, strict=True):
        if model is None:
            rows.sort(key=lambda row: (row[1], row[0]))  # the delegation, then the participant
        else:
            rows.sort()
    return found


def _attach_sources(rows: list, citations: Iterable[tuple]) -> None:
    """`with_sources`' `cited` of each of `rows` from rows of (citation id, record id, quotation,
    source id, outlet, title, published, ...) in citation order."""
    cited: dict[int, list[Cited]] = {row.pk: [] for row in rows}
    sources: dict[int, CitedSource] = {}
    for _pk, record_id, quotation, source_id, outlet, title, published, _none in citations:
        source = sources.get(source_id)
        if source is None:
            if isinstance(published, str):  # the driver did not see the column's type through the union
                published = datetime.date.fromisoformat(published)
            source = sources[source_id] = _new_tuple(CitedSource, (source_id, outlet, title, published))
        cited[record_id].append(_new_tuple(Cited, (source_id, source, quotation)))
    for row in rows:
        row.cited = cited[row.pk]


# A head's side and role, as `_heads_part` asks for them.
_HEAD_SIDE, _HEAD_ROLE = Side.DELEGATION.value, Role.HEAD.value


def _attach_heads(rows: list, found: Iterable[tuple]) -> None:
    """`with_sources`' `heads` of each of `rows` (delegations) from `_heads_part`'s rows in order."""
    heads: dict[int, list[Head]] = {row.pk: [] for row in rows}
    for _pk, delegation_id, position, _none, slug, name, _no_date, name_native in found:
        heads[delegation_id].append(
            _new_tuple(Head, (_HEAD_SIDE, _HEAD_ROLE, position, _new_tuple(HeadPerson, (slug, name, name_native))))
        )
    for row in rows:
        row.heads = heads[row.pk]


def profile_sections(kinds: dict[Any, tuple[str, ...]], state_id: int, user, limit: int, shown: int) -> dict:
    """A state's profile sections: for each model of `kinds` and each of its `sides`, the first
    `limit` acts of `model` whose side is the state, visible to `user`, as `state_table_rows`
    gives them, the first `shown` of them with their sources and heads as `with_sources` gives
    them. `{(model, side): rows}`. One query per model for both sides, one for the sources of
    all and the heads of the delegations, through SQL compiled once per process: the queries
    cost less to run than to go through the driver and Django's cursor one by one."""
    staff = is_staff(user)
    vendor = connection.vendor
    sections: dict[tuple, list[TableRow]] = {}
    states: dict[int, StateName] = {}
    for model, sides in kinds.items():
        fields, _own, _sides = _fields_of(model)
        ordering = fields.index(model._meta.ordering[0])
        # Each row's side: the side whose state is the state (a model's two states differ).
        positions = [(fields.index(side), []) for side in sides]
        for values in _sections_query(model, tuple(sides), staff, limit, vendor).rows(state_id):
            for position, found in positions:
                if values[position] == state_id:
                    found.append(values)
        for side, (_position, values) in zip(sides, positions, strict=True):
            values.sort(key=lambda row: (row[ordering], row[0]))
            sections[(model, side)] = _rows_of(model, values, states)
    shown_rows = {
        model: [row for side in sides for row in sections[(model, side)][:shown]] for model, sides in kinds.items()
    }
    asked = [(model, sorted({row.pk for row in rows})) for model, rows in shown_rows.items()]
    if Delegation in shown_rows:
        asked.append((None, asked[list(shown_rows).index(Delegation)][1]))
    found = _profile_citations(asked, staff)
    for (model, _ids), rows in zip(asked, found, strict=True):
        if model is None:
            _attach_heads(shown_rows[Delegation], rows)
        else:
            _attach_sources(shown_rows[model], rows)
    return sections


def _timeline_parts(*, user, state=None, year: int | None = None) -> list[QuerySet]:
    """The dates of each kind of act visible to `user`, as values with the union's columns."""
    recognitions = visible_acts(Recognition.objects.all(), user)
    missions = visible_acts(Mission.objects.all(), user)
    delegations = visible_acts(Delegation.objects.all(), user)
    if state is not None:
        recognitions = recognitions.involving(state)
        missions = missions.involving(state)
        delegations = delegations.involving(state)
    return [
        _dated(_in_year(recognitions.filter(action=RecognitionAction.RECOGNITION), "date", year), RECOGNITION, "date"),
        _dated(_in_year(recognitions.filter(action=RecognitionAction.WITHDRAWAL), "date", year), WITHDRAWAL, "date"),
        _dated(_in_year(missions, "opened", year), MISSION_OPENED, "opened"),
        _dated(_in_year(missions.filter(closed_start__isnull=False), "closed", year), MISSION_CLOSED, "closed"),
        _dated(_in_year(delegations, "date", year), DELEGATION, "date"),
    ]


def timeline_count(*, user) -> int:
    """How many acts the unfiltered timeline lists: every visible recognition (each is a
    recognition or a withdrawal), mission, closing of a mission and delegation, each kind
    counted by `visible_count`. Counting the union of `timeline_dates` went over every act
    twice (165 ms for 100,000 recognitions on SQLite, 27 ms so)."""
    return (
        visible_count(Recognition, user)
        + visible_count(Mission, user)
        + visible_count(Mission, user, Q(closed_start__isnull=False))
        + visible_count(Delegation, user)
    )


class CountedDates:
    """The unfiltered timeline as Django's Paginator reads a list: its count told
    (`timeline_count`), then a slice per page. On PostgreSQL a page among the first
    `MERGED_ACTS` acts is merged here from each kind's first acts, each read in date order
    from its (start, end) index (migration 0009); PostgreSQL sorted the union of every act
    for it (145 ms for the first page of the 100,000 archive, 20 ms so), though for deeper
    pages the union sorts faster than each kind reads its way down. Elsewhere, and deeper, a
    slice of the union itself (SQLite merges the kinds from those indexes itself)."""

    # Ordered by the union's own ORDER BY (the Paginator warns about unordered lists).
    ordered = True
    MERGED_ACTS = 1000

    def __init__(self, user) -> None:
        self.user = user

    def count(self) -> int:
        return timeline_count(user=self.user)

    def __getitem__(self, window: slice) -> list[dict]:
        start, stop = window.start or 0, window.stop
        if connection.vendor == "postgresql" and stop is not None and stop <= self.MERGED_ACTS:
            kinds = [
                part.order_by("day_start", "day_end", "record_id")[:stop] for part in _timeline_parts(user=self.user)
            ]
            return list(islice(heapq.merge(*kinds, key=_timeline_order), start, stop))
        return list(timeline_dates(user=self.user)[window])


def _timeline_order(row: dict) -> tuple:
    """`timeline_dates`' ORDER BY of a row."""
    return row["day_start"], row["day_end"], row["act"], row["record_id"]


def timeline_dates(*, user, state=None, year: int | None = None) -> QuerySet:
    """The dates of every act visible to `user`, oldest first, as one sliceable union of values."""
    parts = _timeline_parts(user=user, state=state, year=year)
    return parts[0].union(*parts[1:], all=True).order_by("day_start", "day_end", "act", "record_id")


# The queries of `recent_acts`, by kind of reader, count, dialect and database (`_recent_queries`).
_RECENT_QUERIES: dict[tuple, list] = {}


def _recent_queries(user, count: int) -> list:
    """The latest `count` dates of each kind of act visible to `user`, each query compiled once
    per process (events.compiled.Statement: the ORM's own SQL and converters) for staff and once
    for everyone else: `_timeline_parts` depends on nothing else without a state or a year, and
    building and compiling its five querysets cost more than running them. A query the ORM
    would not compile so stays a queryset, copied for each run."""
    key = (is_staff(user), count, connection.vendor, connection.alias)
    queries = _RECENT_QUERIES.get(key)
    if queries is None:
        queries = []
        for part in _timeline_parts(user=user):
            queryset = part.order_by("-day_start", "-day_end", "-record_id")[:count]
            statement = Statement.compile(lambda _arguments, q=queryset: q, [], [], alias=queryset.db)
            queries.append(queryset if statement is None else statement)
        _RECENT_QUERIES[key] = queries
    return queries


def recent_acts(*, user, count: int) -> list[TimelineAct]:
    """The `count` latest acts, newest first: the latest `count` of each kind, merged here. A
    short query per kind can walk its date index, where a union must sort every act first."""
    rows = []
    for query in _recent_queries(user, count):
        rows.extend(query.all() if isinstance(query, QuerySet) else query.dicts(()))
    rows.sort(key=lambda row: (row["day_start"], row["day_end"], row["act"], row["record_id"]), reverse=True)
    return timeline_acts(rows[:count], user=user)


_MODEL_OF_TABLE = {RECOGNITION: Recognition, MISSION: Mission, DELEGATION: Delegation}


def _timeline_table_rows(model, ids: list[int]) -> list[TableRow]:
    """`table_rows` of the acts `ids` of `model` (whatever their visibility: the page's dates
    are visible ones), through its query compiled once per process (events.compiled.by_ids)."""
    fields, _own, _sides = _table_fields(model)
    rows = by_ids(
        ("timeline_rows", model, connection.vendor),
        lambda ids: model.objects.filter(pk__in=ids).order_by().values_list(*fields),
        ids,
    )
    return _rows_of(model, rows)


def timeline_acts(rows, *, user) -> list[TimelineAct]:
    """The records behind one page of `timeline_dates`, in the page's order: one query per table.
    Each record is a TableRow (`table_rows`: its own columns, its states' names and slugs), a
    delegation's with its heads visible to `user` in `heads` (Head tuples, as `with_sources`
    gives them): the page's table and chart (events/templatetags/tables.timeline_rows,
    pictures.timeline_acts_chart) read nothing else. Records built by the ORM, with their
    states, cost most of the page."""
    rows = list(rows)
    wanted: dict[str, set[int]] = {}
    for row in rows:
        wanted.setdefault(TABLE_OF_KIND[row["act"]], set()).add(row["record_id"])
    records = {}
    for table, ids in wanted.items():
        model = _MODEL_OF_TABLE[table]
        found = _timeline_table_rows(model, sorted(ids))
        if model is Delegation and found:
            heads: dict[int, list[Head]] = {record.pk: [] for record in found}
            staff = is_staff(user)
            for delegation_id, side, role, position, slug, name, name_native in _read_by_ids(
                "heads", model, staff, sorted(heads)
            ):
                heads[delegation_id].append(
                    _new_tuple(Head, (side, role, position, _new_tuple(HeadPerson, (slug, name, name_native))))
                )
            for record in found:
                record.heads = heads[record.pk]
        records[table] = {record.pk: record for record in found}
    acts = []
    for row in rows:
        record = records[TABLE_OF_KIND[row["act"]]].get(row["record_id"])
        if record is not None:
            acts.append(
                TimelineAct(kind=row["act"], date=_partial_date(row["day_start"], row["precision"]), record=record)
            )
    return acts


@lru_cache(maxsize=8192)
def _partial_date(start: datetime.date, precision: str | None) -> PartialDate:
    """`PartialDate.from_date(start, precision or "day")`, built once per date."""
    return PartialDate.from_date(start, precision or "day")


# The slug `_StateBySlug` is compiled with, replaced at each run: no slug has a space.
_ANY_SLUG = "any state slug -271828"


class _StateBySlug:
    """`State.objects.visible_to(user).select_related("parent").get(slug=...)` as DetailView runs
    it, compiled once per process (per kind of user, dialect and database) with a sentinel slug;
    each run puts the slug in its place and builds the state and its parent as the ORM's
    ModelIterable does, with the ORM's converters. Building and compiling the queryset of two
    states of 46 columns cost twenty times as much as running it. Its placeholders are named
    (`_Named`)."""

    def __init__(self, staff: bool, alias: str) -> None:
        queryset = State.objects.using(alias).select_related("parent").filter(slug=_ANY_SLUG).order_by()
        if not staff:
            queryset = queryset.published()
        query = queryset.query
        query.set_limits(high=MAX_GET_RESULTS)
        compiler = query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        params = list(params)
        if params.count(_ANY_SLUG) != 1 or _ANY_SLUG in sql:
            raise AssertionError(f"cannot tell the slug among the parameters of {sql}")
        self.alias, self.params, self.slot = alias, params, params.index(_ANY_SLUG)
        self.statement = _Named(sql, params, connections[alias].vendor)
        select, klass_info = compiler.select, compiler.klass_info
        if compiler.annotation_col_map or klass_info["model"] is not State:
            raise AssertionError(f"a state's query selects more than the state and its parent: {sql}")
        fields = klass_info["select_fields"]
        self.start, self.end = fields[0], fields[-1] + 1
        self.init_list = [column[0].target.attname for column in select[self.start : self.end]]
        self.populators = get_related_populators(klass_info, select, alias)
        columns = [column[0] for column in select[: compiler.col_count]]
        self.converters = list(compiler.get_converters(columns).items())

    def get(self, slug: str) -> State | None:
        params = list(self.params)
        params[self.slot] = slug
        connection = connections[self.alias]
        rows = self.statement.rows(params, using=connection)
        if not rows:
            return None
        if len(rows) > 1:
            raise State.MultipleObjectsReturned(f"get() returned more than one State -- it returned {len(rows)}!")
        row = list(rows[0])
        for position, (converters, expression) in self.converters:
            value = row[position]
            for converter in converters:
                value = converter(value, expression, connection)
            row[position] = value
        state = State.from_db(self.alias, self.init_list, row[self.start : self.end])
        for populator in self.populators:
            populator.populate(row, state)
        return state


_states_by_slug: dict[tuple, _StateBySlug] = {}


def state_by_slug(slug: str, user) -> State | None:
    """The state `slug` visible to `user`, with its parent (draft or not), or None: what
    `State.objects.visible_to(user).select_related("parent").get(slug=slug)` gives, through SQL
    compiled once per process (`_StateBySlug`)."""
    alias = router.db_for_read(State)
    key = (is_staff(user), alias, connections[alias].vendor)
    query = _states_by_slug.get(key)
    if query is None:
        query = _states_by_slug[key] = _StateBySlug(key[0], alias)
    return query.get(slug)


def profile_status(*, state, day: datetime.date, user) -> RecognitionStatus:
    """`recognition_status` for a state's page: its lists hold the StatusRows of
    `recognition_status_rows`, the same entries in the same order, which the page's status lists
    (tables.status_entries) write as they write the reference's entries. Building a record, or
    even a small object, of the act and of the other state for each of hundreds of pairs was
    most of the page's time."""
    return RecognitionStatus(state=state, day=day, **recognition_status_rows(state=state, day=day, user=user))
