"""Questions asked of the data, as QuerySet methods and small selectors.

Nothing here imports the models at module level: the models import these classes.
"""

from __future__ import annotations

import datetime
from collections import namedtuple
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache, reduce
from operator import itemgetter, or_
from typing import Any

from django.apps import apps
from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connection, models
from django.db.models import F, Q, Window
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, RowNumber

from events.compiled import WithArguments, by_ids
from events.dates import PartialDate, Precision

# The configurations of PostgreSQL's full-text search the archive's languages need.
SEARCH_CONFIGS = ("english", "russian")


class Casefold(models.Func):
    """Unicode case folding; on SQLite it calls the `casefold` function registered in apps.py,
    since SQLite's own LOWER() and LIKE fold only ASCII letters."""

    function = "LOWER"
    output_field = models.TextField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, function="casefold", **extra_context)


def search_vector(fields: tuple[str, ...]) -> SearchVector:
    """The full-text document of a model: its text fields stemmed in English and in Russian.

    The GIN indexes (migration 0002) are built on exactly this expression.
    """
    return reduce(lambda a, b: a + b, (SearchVector(*fields, config=config) for config in SEARCH_CONFIGS))


def search_query(text: str) -> SearchQuery:
    return reduce(or_, (SearchQuery(text, config=config, search_type="websearch") for config in SEARCH_CONFIGS))


def clean_search_text(text: str) -> str:
    """Search text without the characters no database can take (NUL) and at a sane length."""
    return " ".join(text.replace("\x00", " ").split())[:200]


# A LIMIT no search reaches: it keeps PostgreSQL from folding the matches' subquery into a join,
# so that they are found once through the indexes rather than tested row by row in date order.
SEARCH_FENCE = 10**9

# The shortest folded text the SQLite trigram index can look up; shorter text scans the table.
TRIGRAM = 3


def trigram_parameter(text: str, connection) -> str | None:
    """The one parameter a search for `text` puts in its SQL on `connection`, wherever it puts
    any (`ArchiveQuerySet.trigram_matches`, `_BetweenStatesQuerySet.trigram_matches_with_states`):
    the FTS5 phrase of the folded text, on SQLite, for text long enough for a trigram; None
    elsewhere (the SQL then has the text in other forms, or depends on it)."""
    folded = clean_search_text(text).casefold()
    if connection.vendor != "sqlite" or len(folded) < TRIGRAM:
        return None
    return trigram_phrase(folded)


class AnyOf(models.Lookup):
    """`lhs = ANY(rhs)` for PostgreSQL, with an ARRAY(subquery) on the right."""

    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = compiler.compile(self.rhs)
        return f"{lhs} = ANY({rhs})", (*lhs_params, *rhs_params)


def id_in(ids: models.QuerySet) -> Q:
    """The records whose id is among `ids` (an unordered subquery of matches), looked up by primary key.

    On PostgreSQL `id IN (subquery)` became a hash join over a sequential scan of the whole
    table (the matches of a search are estimated too many for a nested loop); `id = ANY(ARRAY(
    subquery))` runs the subquery once, as an InitPlan, and fetches the matches by primary key,
    also when it is ORed with other such conditions. SQLite looks `IN (subquery)` up by rowid.
    """
    if connection.vendor == "postgresql":
        return Q(AnyOf(F("pk"), ArraySubquery(ids)))
    return Q(pk__in=ids)


def trigram_phrase(folded: str) -> str:
    """An FTS5 phrase matching `folded` literally: inside double quotes only `"` is special."""
    return '"' + folded.replace('"', '""') + '"'


class ArchiveQuerySet(models.QuerySet):
    # Text fields searched by `search()`: full text on PostgreSQL, case-folded substring elsewhere.
    search_fields: tuple[str, ...] = ()
    # Short fields also matched as substrings on PostgreSQL, so that "Осет" finds "Осетия".
    name_fields: tuple[str, ...] = ()

    def published(self) -> ArchiveQuerySet:
        return self.filter(publication_status="published")

    def visible_to(self, user) -> ArchiveQuerySet:
        """Drafts are for signed-in staff only; everyone else sees what is published."""
        if user is not None and user.is_authenticated and user.is_staff:
            return self
        return self.published()

    def text_condition(self, text: str) -> Q:
        """`text` in this model's own fields, as a condition on the model's table itself, for
        querysets made by `with_search_document()`. Each branch is an index lookup: the GIN
        index of the search vector and the trigram indexes of the names on PostgreSQL
        (migrations 0002, 0006), the FTS5 trigram index on SQLite (migration 0005) unless the
        text is too short for a trigram; then the case-folded text of every row is scanned."""
        text = clean_search_text(text)
        if not text:
            return Q()
        if connection.vendor == "postgresql":
            condition = Q(_search_document=search_query(text))
            for name in self.name_fields:
                condition |= Q(**{f"{name}__icontains": text})
            return condition
        if (matches := self.trigram_matches(text)) is not None:
            return Q(pk__in=matches)
        folded = text.casefold()
        return reduce(or_, (Q(**{f"_folded_{name}__contains": folded}) for name in self.search_fields))

    def trigram_matches(self, text: str) -> RawSQL | None:
        """On SQLite, the ids whose folded text contains the folded `text`, from the FTS5 trigram
        index (migration 0005); None where there is no such index or the text is too short."""
        folded = clean_search_text(text).casefold()
        if connection.vendor != "sqlite" or len(folded) < TRIGRAM or not self.search_fields:
            return None
        index = f"events_search_{self.model._meta.model_name}"
        return RawSQL(f'SELECT rowid FROM "{index}" WHERE "{index}" MATCH %s', (trigram_phrase(folded),))

    def text_matches(self, text: str) -> models.QuerySet:
        """The ids of the records whose own text matches, found once through the indexes."""
        manager = self.model._default_manager
        return manager.with_search_document().filter(self.text_condition(text)).order_by().values("pk")[:SEARCH_FENCE]

    def search_q(self, text: str) -> Q:
        """A condition matching `text` in this model's own text fields, for querysets made by
        `with_search_document()`. On PostgreSQL the matches are a subquery, so that a page
        sorted by date or name fetches a set of ids rather than testing the text of each row in
        that order; on SQLite they are the FTS5 index's rowids, or, for text too short for it,
        a scan that may stop as soon as a page is full."""
        text = clean_search_text(text)
        if not text:
            return Q()
        if connection.vendor == "postgresql":
            return id_in(self.text_matches(text))
        return self.text_condition(text)

    def with_search_document(self) -> ArchiveQuerySet:
        if connection.vendor == "postgresql":
            return self.alias(_search_document=search_vector(self.search_fields))
        return self.alias(**{f"_folded_{name}": Casefold(name) for name in self.search_fields})

    def search(self, text: str) -> ArchiveQuerySet:
        """One search over the model's text; related states are matched by `search()` overrides."""
        text = clean_search_text(text)
        if not text:
            return self
        return self.with_search_document().filter(self.search_q(text))


class StateQuerySet(ArchiveQuerySet):
    search_fields = (
        "name",
        "name_native",
        "short_name",
        "short_name_native",
        "capital",
        "capital_native",
        "description",
    )
    name_fields = ("name", "name_native", "short_name", "short_name_native")


class PersonQuerySet(ArchiveQuerySet):
    search_fields = ("name", "name_native", "notes")
    name_fields = ("name", "name_native")


class SourceQuerySet(ArchiveQuerySet):
    search_fields = ("title", "outlet", "author", "dateline", "summary", "text")


class _BetweenStatesQuerySet(ArchiveQuerySet):
    """Acts between two states: recognitions, missions, delegations."""

    state_fields: tuple[str, str] = ("", "")
    date_name = "date"

    def involving(self, state) -> _BetweenStatesQuerySet:
        first, second = self.state_fields
        return self.filter(Q(**{first: state}) | Q(**{second: state}))

    def overlapping(
        self, after: datetime.date | None = None, before: datetime.date | None = None
    ) -> _BetweenStatesQuerySet:
        """Acts whose date interval overlaps [after, before]: "2014-06" is kept for 2014-06-15.."""
        if after is not None:
            self = self.filter(**{f"{self.date_name}_end__gte": after})
        if before is not None:
            self = self.filter(**{f"{self.date_name}_start__lte": before})
        return self

    def search(self, text: str) -> _BetweenStatesQuerySet:
        """Own text, or the name of a state on either side.

        The matching states are read first (a few of a few hundred), so that every branch of
        the condition is an index lookup that PostgreSQL ORs together (the GIN index and the
        two state indexes; on SQLite the FTS5 index and the two state indexes) instead of scanning
        the table; and the matches are a subquery, found once and fetched by id (`id_in`), so
        that neither a page sorted by date nor its count tests the text of each row. On SQLite,
        for text long enough for a trigram, the states are a subquery of their own FTS5 index
        instead (`trigram_matches_with_states`).
        """
        text = clean_search_text(text)
        if not text:
            return self
        if (matches := self.trigram_matches_with_states(text)) is not None:
            return self.filter(pk__in=matches)
        State = apps.get_model("events", "State")
        states = list(State.objects.search(text).values_list("pk", flat=True))
        first, second = self.state_fields
        condition = self.text_condition(text) | Q(**{f"{first}__in": states}) | Q(**{f"{second}__in": states})
        matching = self.model._default_manager.with_search_document().filter(condition).order_by().values("pk")
        return self.filter(id_in(matching[:SEARCH_FENCE]))

    def trigram_matches_with_states(self, text: str) -> RawSQL | None:
        """On SQLite, `search()`'s matches from the FTS5 trigram indexes alone: the acts' own
        rowids, then the acts of the matching states on either side, as one list of ids
        (`UNION ALL`: `IN` makes it a set). Each branch is an index lookup, none reads an act's
        row (an `OR` of the three over the table looked every own match up by rowid first), the
        states are not read by a query of their own, and the SQL depends on nothing but whether
        the text is long enough for a trigram: one parameter, the phrase. None where there is no
        such index or the text is too short for it."""
        own = self.trigram_matches(text)
        states = apps.get_model("events", "State").objects.trigram_matches(text)
        if own is None or states is None:
            return None
        quote = connection.ops.quote_name
        table, pk = quote(self.model._meta.db_table), quote(self.model._meta.pk.column)
        branches = [own.sql]
        for name in self.state_fields:
            column = quote(self.model._meta.get_field(name).column)
            branches.append(f"SELECT {pk} FROM {table} WHERE {column} IN ({states.sql})")
        return RawSQL(" UNION ALL ".join(branches), (*own.params, *states.params, *states.params))


class RecognitionQuerySet(_BetweenStatesQuerySet):
    search_fields = ("instrument", "notes")
    state_fields = ("recognizing_state", "recognized_state")


class MissionQuerySet(_BetweenStatesQuerySet):
    search_fields = ("city", "notes")
    name_fields = ("city",)
    state_fields = ("sending_state", "host_state")
    date_name = "opened"

    def active_on(self, day: datetime.date) -> MissionQuerySet:
        """Missions that may have been open on `day`: opened by then, not certainly closed."""
        return self.filter(Q(opened_start__lte=day), Q(closed_start__isnull=True) | Q(closed_end__gt=day))


class DelegationQuerySet(_BetweenStatesQuerySet):
    search_fields = ("place", "occasion", "notes")
    state_fields = ("sending_state", "host_state")

    def search(self, text: str) -> DelegationQuerySet:
        """Own text, a state on either side, or a participant's name."""
        text = clean_search_text(text)
        if not text:
            return self
        Person = apps.get_model("events", "Person")
        Participant = apps.get_model("events", "Participant")
        people = Person.objects.search(text).values("pk")
        attended = Participant.objects.filter(person__in=people).order_by().values("delegation")
        # Two sets of ids rather than a join on the participants: no DISTINCT over the page.
        matching = super().search(text).order_by().values("pk")
        return self.filter(id_in(matching) | id_in(attended[:SEARCH_FENCE]))


# --- Recognition status as of a day -------------------------------------------------------------


def is_staff(user) -> bool:
    return user is not None and user.is_authenticated and user.is_staff


def visible_recognitions(user) -> RecognitionQuerySet:
    """The acts `user` may see; for anyone but staff, also none that names a draft state."""
    Recognition = apps.get_model("events", "Recognition")
    acts = Recognition.objects.visible_to(user)
    if not is_staff(user):
        acts = acts.filter(
            recognizing_state__publication_status="published", recognized_state__publication_status="published"
        )
    return acts


def deciding_acts(acts: RecognitionQuerySet, day: datetime.date) -> tuple[RecognitionQuerySet, RecognitionQuerySet]:
    """The acts among `acts` that decide each pair's status on `day`: the last certain act of
    every pair (a window function over the acts whose interval ends by `day`), and the acts whose
    interval contains `day`, in date order."""
    last_certain = (
        acts.filter(date_end__lte=day)
        .order_by()
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("recognizing_state_id"), F("recognized_state_id")],
                order_by=[F("date_start").desc(), F("date_end").desc(), F("id").desc()],
            )
        )
        .filter(rank=1)
    )
    open_acts = acts.filter(date_start__lte=day, date_end__gt=day).order_by("date_start", "id")
    return last_certain, open_acts


@dataclass(slots=True)
class PairStatus:
    """What the acts of one pair say on a day: the last certain act, and the last act still
    uncertain on that day that could change what the certain one says."""

    certain: Any | None
    changing: Any | None

    @property
    def recognized(self) -> bool:
        """The certain acts say the recognition is in force."""
        return self.certain is not None and self.certain.action == "recognition"

    @property
    def uncertain(self) -> bool:
        return self.changing is not None

    @property
    def recognition(self) -> Any | None:
        """The act a recognition that is or may be in force dates from, if there is one."""
        if self.changing is not None and self.changing.action == "recognition":
            return self.changing
        return self.certain if self.recognized else None


def fold_pairs(last_certain: Iterable, open_acts: Iterable) -> dict[tuple[int, int], PairStatus]:
    """Per pair (recognising state id, recognised state id), what the acts of `deciding_acts`
    say: the last certain act decides, and an open act makes the pair uncertain when it could
    change that answer. Acts are anything with `recognizing_state_id`, `recognized_state_id`
    and `action`: model instances or named rows."""
    certain_by_pair = {(act.recognizing_state_id, act.recognized_state_id): act for act in last_certain}
    changing_by_pair: dict[tuple[int, int], Any] = {}
    for act in open_acts:
        pair = (act.recognizing_state_id, act.recognized_state_id)
        certain = certain_by_pair.get(pair)
        recognized = certain is not None and certain.action == "recognition"
        if (act.action == "recognition") != recognized:
            changing_by_pair[pair] = act
    return {
        pair: PairStatus(certain=certain_by_pair.get(pair), changing=changing_by_pair.get(pair))
        for pair in set(certain_by_pair) | set(changing_by_pair)
    }


@dataclass
class StatusEntry:
    state: models.Model
    recognition: models.Model

    @property
    def since(self):
        return self.recognition.date


@dataclass
class RecognitionStatus:
    """Who recognised `state` on `day`, who may have, who withdrew, and whom it recognises."""

    state: models.Model
    day: datetime.date
    recognized_by: list[StatusEntry] = field(default_factory=list)
    uncertain: list[StatusEntry] = field(default_factory=list)
    withdrawn: list[StatusEntry] = field(default_factory=list)
    recognizes: list[StatusEntry] = field(default_factory=list)


def recognition_status(*, state, day: datetime.date, user=None) -> RecognitionStatus:
    """The state of affairs on `day`, derived from the acts (DOMAIN.md, "As of day D").

    Per pair of states the last act decides. An act whose interval ends on or before `day`
    is certain; one whose interval contains `day` is uncertain, and the pair is listed as
    uncertain when such an act could change what the certain acts say. Two queries: the
    last certain act of every pair (a window function) and the acts still uncertain.

    The pages and the API answer through `recognition_status_rows`, which folds bare rows in
    Python and is several times cheaper; this plain ORM statement of the rule, with model
    instances, is kept as the reference the tests hold that one to (tests/test_status_rows.py).
    """
    # Every deciding act began by `day`: said outright, the index on (state, date) finds them.
    acts = (
        visible_recognitions(user)
        .involving(state)
        .filter(date_start__lte=day)
        .select_related("recognizing_state", "recognized_state")
    )
    status = RecognitionStatus(state=state, day=day)
    for name, act, side in status_entries(fold_pairs(*deciding_acts(acts, day)), state.pk):
        getattr(status, name).append(StatusEntry(getattr(act, side), act))
    for name in STATUS_LISTS:
        getattr(status, name).sort(key=lambda entry: entry.state.name)
    return status


# The lists of a status, in the order the API gives them.
STATUS_LISTS = ("recognized_by", "uncertain", "withdrawn", "recognizes")


def status_entries(pairs: dict[tuple[int, int], PairStatus], state_id: int) -> Iterable[tuple[str, Any, str]]:
    """The status of `state_id` from the pairs of `fold_pairs`: (list, deciding act, the field of
    the act that names the other state) per pair that is listed at all."""
    for (_, recognized_id), pair in pairs.items():
        if recognized_id == state_id:
            if pair.uncertain:
                yield "uncertain", pair.changing, "recognizing_state"
            elif pair.recognized:
                yield "recognized_by", pair.certain, "recognizing_state"
            elif pair.certain is not None:
                yield "withdrawn", pair.certain, "recognizing_state"
        elif pair.recognized and not pair.uncertain:
            yield "recognizes", pair.certain, "recognized_state"


# The columns of an act the lean status reads: the pair, the act and its date interval.
STATUS_ACT_FIELDS = (
    "id",
    "recognizing_state_id",
    "recognized_state_id",
    "action",
    "date_start",
    "date_end",
    "date_precision",
)
# A deciding act of the lean status, as the status's readers take it.
DecidingAct = namedtuple("DecidingAct", STATUS_ACT_FIELDS)


class StatusRow(namedtuple("StatusRow", ("act", "slug", "name", "name_native"))):
    """An entry of the lean status: the deciding act (a DecidingAct), the other state's slug, name
    and native name, and the act's partial date. A tuple: a state's page lists hundreds."""

    __slots__ = ()

    @property
    def date(self) -> PartialDate:
        return _partial_date(self.act.date_start, self.act.date_precision)


def _status_act_date(name: str) -> models.Expression:
    """A date column of `status_acts`. SQLite's driver parses every date it returns in Python (by
    the column's declared type), two per act, most of which only the fold compares: read as
    text, which ISO dates compare as the dates do (`status_day`); `deciding_act` parses the few
    hundred that decide."""
    if connection.vendor == "sqlite":
        return Cast(name, output_field=models.TextField())
    return F(name)


def status_day(day: datetime.date):
    """`day` as the dates of `status_acts` come back: ISO text on SQLite, a date elsewhere."""
    return connection.ops.adapt_datefield_value(day)


def status_acts(state_id: int, day: datetime.date, *, staff: bool) -> models.QuerySet:
    """The acts the lean status folds: those concerning the state that began by `day` and are
    not eclipsed by then (migration 0010), all of them for staff, the published ones for anyone
    else, as values of STATUS_ACT_FIELDS (the dates as `status_day` gives the day). Two halves,
    the acts the state gives and those it receives (never both: no state recognises itself), so
    that each reads one covering index alone (migrations 0008 and 0010): on SQLite an OR of the
    two read the table by rowid, on PostgreSQL a bitmap heap scan.

    Acts naming a draft state are left in: every act of a pair names the same two states, so
    `recognition_status_rows` leaves out, for anyone but staff, the pairs naming a draft state,
    by the state names it reads anyway; a NOT IN (draft states) on each act cost more."""
    Recognition = apps.get_model("events", "Recognition")
    # Of the acts that ended by `day`, only each pair's last can decide it: the others are
    # eclipsed by then (migration 0010), about four in five of a large state's acts.
    eclipsed = '"events_recognition"."eclipsed_on' + ('"' if staff else '_published"')
    acts = (
        Recognition.objects.filter(date_start__lte=day)
        .alias(eclipsed_on=RawSQL(eclipsed, (), output_field=models.DateField()))
        .filter(Q(eclipsed_on__isnull=True) | Q(eclipsed_on__gt=day) | Q(date_end__gt=day))
    )
    if not staff:
        acts = acts.published()
    # Every column an annotation, in this order (annotations are selected in the order given).
    columns = {
        "act_id": F("id"),
        "giver": F("recognizing_state_id"),
        "receiver": F("recognized_state_id"),
        "act_action": F("action"),
        "start": _status_act_date("date_start"),
        "end": _status_act_date("date_end"),
        "precision": F("date_precision"),
    }
    given, received = (
        acts.filter(**{side: state_id}).order_by().annotate(**columns).values_list(*columns)
        for side in ("recognizing_state", "recognized_state")
    )
    return given.union(received, all=True)


# The state and the day `status_acts` is compiled with, replaced at each run.
_ANY_STATE = -314159
_ANY_DAY = datetime.date(1, 1, 1)


@lru_cache(maxsize=8)
def _status_acts_query(staff: bool, vendor: str) -> WithArguments:
    """`status_acts` compiled once per process (and dialect, `vendor`) with a sentinel state and
    day (the state once in each half, the day three times in each)."""
    queryset = status_acts(_ANY_STATE, _ANY_DAY, staff=staff)
    return WithArguments.compile(queryset, _ANY_STATE, connection.ops.adapt_datefield_value(_ANY_DAY), counts=(2, 6))


def status_act_rows(state_id: int, day: datetime.date, *, staff: bool) -> list[tuple]:
    """The rows of `status_acts` as plain tuples, straight from the cursor, through SQL compiled
    once per process: building and compiling the query cost about a millisecond, a fifth of the
    whole status of a large state. The columns are the table's own, or text, which both drivers
    return as Python values; Django's converters would go over each date of every row again."""
    query = _status_acts_query(staff, connection.vendor)
    return query.rows(state_id, connection.ops.adapt_datefield_value(day))


# A tuple's constructor, called directly: a namedtuple's own __new__ is Python code.
_new_tuple = tuple.__new__
_parse_date = datetime.date.fromisoformat


def deciding_act(row: tuple) -> DecidingAct:
    """A row of `status_act_rows` that decides a pair, as a DecidingAct with its dates as dates."""
    pk, giver, receiver, action, start, end, precision = row
    if not isinstance(start, datetime.date):
        start, end = _parse_date(start), _parse_date(end)
    return _new_tuple(DecidingAct, (pk, giver, receiver, action, start, end, precision))


def _start_and_id(row: tuple) -> tuple:
    return row[4], row[0]


def lean_status_entries(acts: Iterable[tuple], day, state_id: int) -> list[tuple[str, tuple, int]]:
    """`status_entries(fold_pairs(*deciding_acts(...)), state_id)` done in Python over the rows of
    `status_act_rows` (`day` as `status_day` gives it): per pair the certain act (interval ending
    by `day`) that is last by (start, end, id), as the window function ranks them; the acts whose
    interval contains `day`, in (start, id) order, of which the last that could change what the
    certain act says makes the pair uncertain; then (list, deciding row, the other state's id)
    per pair that is listed at all. A state's page folds a couple of thousand acts into a few
    hundred entries: naming every act, or every pair, cost more than the fold."""
    last_certain: dict[tuple[int, int], tuple] = {}
    open_acts = []
    certain_of = last_certain.get
    for act in acts:
        end = act[5]
        if end <= day:
            pair = (act[1], act[2])
            best = certain_of(pair)
            if best is None:
                last_certain[pair] = act
            else:
                # (start, end, id) > the best's, compared without building the two tuples.
                start, best_start = act[4], best[4]
                if start > best_start or (
                    start == best_start and (end > best[5] or (end == best[5] and act[0] > best[0]))
                ):
                    last_certain[pair] = act
        elif act[4] <= day:
            open_acts.append(act)
    changing: dict[tuple[int, int], tuple] = {}
    if open_acts:
        open_acts.sort(key=_start_and_id)
        for act in open_acts:
            pair = (act[1], act[2])
            certain = last_certain.get(pair)
            recognized = certain is not None and certain[3] == "recognition"
            if (act[3] == "recognition") != recognized:
                changing[pair] = act
    entries = [("uncertain", act, giver) for (giver, receiver), act in changing.items() if receiver == state_id]
    for pair, act in last_certain.items():
        if pair in changing:
            continue
        giver, receiver = pair
        if receiver == state_id:
            entries.append(("recognized_by" if act[3] == "recognition" else "withdrawn", act, giver))
        elif act[3] == "recognition":
            entries.append(("recognizes", act, receiver))
    return entries


def state_names(ids: Iterable[int]) -> Iterable[tuple[int, str, str, str, str]]:
    """(id, slug, name, native name, publication status) of the states `ids`, draft or not, for the
    lean status to name the states it lists, through a query compiled once per process
    (events.compiled.by_ids): only the states listed, so that the status does not grow with the
    archive."""
    ids = list(ids)
    if not ids:
        return []
    State = apps.get_model("events", "State")

    def make(ids: list[int]) -> models.QuerySet:
        return (
            State.objects.filter(pk__in=ids)
            .order_by()
            .values_list("pk", "slug", "name", "name_native", "publication_status")
        )

    return by_ids(("state_names_and_status", connection.vendor), make, ids)


_BY_NAME = itemgetter(2)


def recognition_status_rows(*, state, day: datetime.date, user=None) -> dict[str, list[StatusRow]]:
    """`recognition_status` as rows rather than model instances, for the API and the state's page:
    the same answer from two short queries. The acts concerning the state that began by `day`
    are read as bare rows from the covering (state, date, ...) indexes and folded here, pair by
    pair, by the rule of `deciding_acts` (`lean_status_entries`); then the names of the states
    the answer lists, leaving out for anyone but staff those that are drafts (and everything, if
    the state is one). A window function over the acts joined to both states cost several times
    as much (README "Performance"), and one over the acts alone, which returns a row per pair,
    still cost more on SQLite than reading every act and folding them (the window sorts them in
    a temporary B-tree) and about as much on PostgreSQL. Per list, the entries in the order of
    the other state's name."""
    staff = is_staff(user)
    lists: dict[str, list[StatusRow]] = {name: [] for name in STATUS_LISTS}
    if not staff and state.publication_status == "draft":
        return lists
    entries = lean_status_entries(status_act_rows(state.pk, day, staff=staff), status_day(day), state.pk)
    names = {row[0]: row for row in state_names({other for _, _, other in entries})}
    # `deciding_act` inlined: a call per entry cost a fifth of this loop.
    for name, act, other in entries:
        _pk, slug, english, native, publication_status = names[other]
        if staff or publication_status != "draft":
            if isinstance(act[4], datetime.date):
                act = _new_tuple(DecidingAct, act)
            else:
                pk, giver, receiver, action, start, end, precision = act
                act = _new_tuple(
                    DecidingAct, (pk, giver, receiver, action, _parse_date(start), _parse_date(end), precision)
                )
            lists[name].append(_new_tuple(StatusRow, (act, slug, english, native)))
    for listed in lists.values():
        listed.sort(key=_BY_NAME)
    return lists


# --- The recognition network on a day -----------------------------------------------------------

# The columns of an act the network reads: enough to fold the pairs and date the edges.
NETWORK_ACT_FIELDS = ("id", "recognizing_state_id", "recognized_state_id", "action", "date_start", "date_precision")


@dataclass(slots=True)
class NetworkEdge:
    """A recognition in force (or, when not `certain`, possibly in force) on the day."""

    source: models.Model
    target: models.Model
    certain: bool
    since: PartialDate


@lru_cache(maxsize=4096)
def _partial_date(start: datetime.date, precision: str) -> PartialDate:
    """Edges share few dates; each is built once (a PartialDate is immutable)."""
    return PartialDate.from_date(start, precision or Precision.DAY)


@dataclass
class RecognitionNetwork:
    day: datetime.date
    nodes: list[models.Model]
    edges: list[NetworkEdge]


def recognition_network(*, day: datetime.date, user=None, statuses: Iterable[str] = ()) -> RecognitionNetwork:
    """Every recognition in force on `day` between states that exist on that day, by the rule
    of `recognition_status` applied to all pairs at once. Three queries whatever the number of
    states and acts: the states, the last certain act of every pair, the acts still uncertain.

    `statuses` keeps only states of those statuses, and the edges between them. A state exists
    on `day` unless it was certainly declared after it or certainly dissolved before it.
    """
    State = apps.get_model("events", "State")
    Recognition = apps.get_model("events", "Recognition")
    states = (
        State.objects.visible_to(user)
        .filter(Q(declared_start__isnull=True) | Q(declared_start__lte=day))
        .filter(Q(dissolved_start__isnull=True) | Q(dissolved_end__gte=day))
        .only("slug", "name", "name_native", "short_name", "short_name_native", "status", "latitude", "longitude")
        .order_by("name")
    )
    statuses = list(statuses)
    if statuses:
        states = states.filter(status__in=statuses)
    nodes = list(states)
    by_id = {state.pk: state for state in nodes}
    # An act naming a state the user may not see is dropped with that state's node below, pair by
    # pair; the states' publication status need not be joined into the acts' window.
    last_certain, open_acts = deciding_acts(Recognition.objects.visible_to(user), day)
    pairs = fold_pairs(
        last_certain.values_list(*NETWORK_ACT_FIELDS, named=True),
        open_acts.values_list(*NETWORK_ACT_FIELDS, named=True),
    )
    edges = []
    for (recognizing_id, recognized_id), pair in pairs.items():
        recognition = pair.recognition
        if recognition is None or recognizing_id not in by_id or recognized_id not in by_id:
            continue
        edges.append(
            NetworkEdge(
                source=by_id[recognizing_id],
                target=by_id[recognized_id],
                certain=not pair.uncertain,
                since=_partial_date(recognition.date_start, recognition.date_precision),
            )
        )
    edges.sort(key=lambda edge: (edge.source.name, edge.target.name))
    return RecognitionNetwork(day=day, nodes=nodes, edges=edges)
