"""Queries the hot paths run with SQL compiled once per process (issue #6, performance).

Building a queryset and compiling it to SQL cost more than running it for the small, fixed
queries of a page (a state's sections, a page's citations, a status's acts). Two forms, each
falling back on nothing but what the ORM itself wrote:

- `by_ids(key, make, ids)`: `make(ids)` is a query over `... IN (ids)`, compiled once with one
  placeholder id; each run widens `IN (%s)` to the ids given, and applies the ORM's converters.
- `WithArguments.compile(queryset, *sentinels)`: a query built with sentinel arguments (values
  found nowhere else in its parameters), run with others in their places, rows straight from
  the cursor (for columns both drivers already return as Python values).
- `Statement.compile(build, sentinels, values)`: the same for a query built by a function of
  its arguments (a list's filtered page, its count, a record looked up by its slug), checked
  against the ORM's own SQL for the request at hand before it is kept, with the ORM's
  converters applied to its rows and, for `.values()`, its rows as dicts; `LIMIT`/`OFFSET`
  appended per run as the ORM writes them.

Tests compare each use with the ORM's own rows (tests/test_api_list_path.py,
tests/test_profile_page.py, tests/test_status_rows.py, tests/test_api_compiled.py).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import connection, connections
from django.db.models import Q, QuerySet

# Stands for the page's ids in a nested list's query compiled once (`by_ids`).
PLACEHOLDER_ID = 918273645546372819


def converted_rows(rows: list, converters: list, connection) -> list:
    """Rows straight from the cursor, with the ORM's converters (`compiler.get_converters`)
    applied to the columns that have any, as the ORM's own iteration applies them."""
    if not converters:
        return rows
    converted = []
    for row in map(list, rows):
        for position, (functions, expression) in converters:
            value = row[position]
            for function in functions:
                value = function(value, expression, connection)
            row[position] = value
        converted.append(row)
    return converted


class ByIds:
    """A nested list's query, `make(ids)`, compiled once per process for each kind of query and
    run with each page's ids: the ORM's own SQL and converters, without building and compiling
    the queryset per request (about a millisecond for a page's citations). The SQL is compiled
    with one placeholder id in `IN (%s)`, and that one parameter becomes the page's ids; a query
    in which the placeholder is not found exactly so is built by the ORM every time."""

    def __init__(self, make: Callable[[list[int]], QuerySet]) -> None:
        queryset = make([PLACEHOLDER_ID])
        self.make = make
        self.alias = queryset.db
        compiler = queryset.query.get_compiler(using=self.alias)
        sql, params = compiler.as_sql()
        params = tuple(params)
        self.compiled = sql.count("IN (%s)") == 1 and params.count(PLACEHOLDER_ID) == 1
        if not self.compiled:
            return
        self.head, self.tail = sql.split("IN (%s)")
        position = params.index(PLACEHOLDER_ID)
        self.before, self.after = params[:position], params[position + 1 :]
        fields = [selected[0] for selected in compiler.select[: compiler.col_count]]
        self.converters = list(compiler.get_converters(fields).items())

    def rows(self, ids: list[int]) -> Iterable:
        if not self.compiled:
            return self.make(ids)
        connection = connections[self.alias]
        sql = f"{self.head}IN ({', '.join(['%s'] * len(ids))}){self.tail}"
        with connection.cursor() as cursor:
            cursor.execute(sql, (*self.before, *ids, *self.after))
            rows = cursor.fetchall()
        return converted_rows(rows, self.converters, connection)


_compiled: dict[tuple, ByIds] = {}


def by_ids(key: tuple, make: Callable[[list[int]], QuerySet], ids: list[int]) -> Iterable:
    """The rows of `make(ids)`, through the query compiled for `key`: whatever the SQL depends on
    besides the ids."""
    query = _compiled.get(key)
    if query is None:
        query = _compiled[key] = ByIds(make)
    return query.rows(ids)


@dataclass(frozen=True)
class WithArguments:
    """A query compiled once with sentinel arguments: its SQL, its parameters, and for each
    argument the positions of its sentinel among them."""

    sql: str
    params: tuple
    slots: tuple[tuple[int, ...], ...]

    @classmethod
    def compile(cls, queryset: QuerySet, *sentinels, counts: tuple[int, ...]) -> WithArguments:
        """`queryset` was built with `sentinels` (in the form they take among the parameters);
        `counts` says how often each must stand there, or the query cannot be reused."""
        sql, params = queryset.query.sql_with_params()
        slots = tuple(tuple(index for index, value in enumerate(params) if value == sentinel) for sentinel in sentinels)
        if tuple(len(found) for found in slots) != counts:
            raise AssertionError(f"cannot tell the arguments {sentinels} among the parameters of {sql}")
        return cls(sql, tuple(params), slots)

    def rows(self, *values) -> list[tuple]:
        """The rows with `values` in the sentinels' places, straight from the cursor."""
        params = list(self.params)
        for slots, value in zip(self.slots, values, strict=True):
            for slot in slots:
                params[slot] = value
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            return cursor.fetchall()


# --- Statements: queries built by a function of their arguments ----------------------------------

# Window of a page query compiled with a slice: `LIMIT`/`OFFSET` is written into the SQL, not
# passed as parameters, so it is compiled with these and each run appends its own.
SENTINEL_OFFSET, SENTINEL_LIMIT = 918273645, 7


@dataclass(frozen=True)
class Argument:
    """One argument of a statement: what the query is built with (`value`: a model instance, a
    date, a string) and what the ORM puts among the SQL parameters for it (`parameter`: its key,
    the date as the backend takes it, the string)."""

    value: object
    parameter: object


@dataclass(frozen=True)
class Statement:
    """A query compiled once with sentinel arguments: its SQL and parameters, for each argument
    the positions of its sentinel among them, the converters of its columns and, for a `.values()`
    query, its keys. A run puts the arguments' parameters in their places."""

    alias: str
    sql: str
    params: tuple
    slots: tuple[tuple[int, ...], ...]
    converters: tuple = ()
    names: tuple[str, ...] = ()
    # The ORM's SQL ended with `LIMIT`/`OFFSET` of the sentinel window, which `sql` is without.
    windowed: bool = False

    @classmethod
    def compile(
        cls,
        build: Callable[[Sequence], object],
        sentinels: Sequence[Argument],
        values: Sequence[Argument],
        *,
        alias: str,
        wrap: Callable[[str], str] | None = None,
        window: bool = False,
    ) -> Statement | None:
        """The query `build(arguments)` returns (a QuerySet), compiled with the sentinels' values,
        kept only if compiling it with the request's `values` gives the very SQL and parameters
        that the statement fills in for them: None when it does not (the ORM then runs it every
        time). `wrap` puts the SQL inside another (`SELECT COUNT(*) FROM (%s) subquery`); `window`
        compiles the query sliced, and each run gives its own window."""
        compiled = _compile(build([argument.value for argument in sentinels]), alias, window)
        real = _compile(build([argument.value for argument in values]), alias, window)
        if compiled is None or real is None:
            return None
        sql, params, converters, names = compiled
        real_sql, real_params = real[:2]
        if wrap is not None:
            sql, real_sql = wrap(sql), wrap(real_sql)
            converters = names = ()
        return cls.checked(alias, (sql, params), (real_sql, real_params), sentinels, values, converters, names, window)

    @classmethod
    def compile_count(
        cls, build: Callable[[Sequence], QuerySet], sentinels: Sequence[Argument], values: Sequence[Argument], *, alias
    ) -> Statement | None:
        """`build(arguments).count()` as a Statement: the very SQL the ORM's own count runs (the
        Paginator's), caught before it is sent (`orm_sql`), checked as `compile` checks."""
        compiled = orm_sql(lambda: build([argument.value for argument in sentinels]).count(), alias)
        real = orm_sql(lambda: build([argument.value for argument in values]).count(), alias)
        if compiled is None or real is None:
            return None
        return cls.checked(alias, compiled, real, sentinels, values)

    @classmethod
    def compile_count_excluding(
        cls,
        build: Callable[[Sequence], QuerySet],
        hidden: Sequence[Q],
        sentinels: Sequence[Argument],
        values: Sequence[Argument],
        *,
        alias,
    ) -> Statement | None:
        """The count of `build(arguments)` less its rows that meet any of the conditions `hidden`,
        as one statement of counts added and taken away (inclusion and exclusion: the rows, less
        those meeting each condition, plus those meeting each two, ...), each the ORM's own count
        SQL, checked as `compile_count` checks. For conditions that are true or false of every row,
        never NULL, such as `state__in=drafts` on a required foreign key.

        SQLite tested each counted row against every condition (a state's 1,827 acts against the
        draft states twice: 0.40 ms; the 97,000 published recognitions: 22.6 ms); the counts of
        rows meeting a condition read the states' indexes, and the first reads its own index
        alone (0.23 ms; 3.8 ms)."""
        terms = [()]
        for condition in hidden:
            terms += [(*term, condition) for term in terms]

        def counted(arguments: Sequence) -> tuple[str, tuple] | None:
            parts, params = [], []
            for term in terms:
                queryset = build(arguments)
                for condition in term:
                    queryset = queryset.filter(condition)
                found = orm_sql(queryset.count, alias)
                if found is None:
                    return None
                parts.append(f"{'-' if len(term) % 2 else '+'} ({found[0]})")
                params.extend(found[1])
            return f"SELECT 0 {' '.join(parts)}", tuple(params)

        compiled = counted([argument.value for argument in sentinels])
        real = counted([argument.value for argument in values])
        if compiled is None or real is None:
            return None
        return cls.checked(alias, compiled, real, sentinels, values)

    @classmethod
    def checked(
        cls,
        alias: str,
        compiled: tuple[str, Sequence],
        real: tuple[str, Sequence],
        sentinels: Sequence[Argument],
        values: Sequence[Argument],
        converters: tuple = (),
        names: tuple[str, ...] = (),
        window: bool = False,
    ) -> Statement | None:
        """The statement of the SQL and parameters `compiled` with the sentinels, each sentinel's
        parameter found among them; None unless filling in the request's `values` gives exactly
        `real`, what the ORM wrote for them (the same SQL, parameters equal and of the same type)."""
        sql, params = compiled
        slots = tuple(
            tuple(index for index, value in enumerate(params) if _same(value, argument.parameter))
            for argument in sentinels
        )
        if not all(slots):
            return None
        statement = cls(alias, sql, tuple(params), slots, converters, names, window)
        real_sql, real_params = real
        expected = statement.parameters([argument.parameter for argument in values])
        if real_sql != sql or len(real_params) != len(expected) or not all(map(_same, real_params, expected)):
            return None
        return statement

    def parameters(self, values: Sequence) -> list:
        params = list(self.params)
        for slots, value in zip(self.slots, values, strict=True):
            for slot in slots:
                params[slot] = value
        return params

    def rows(self, values: Sequence, low: int = 0, high: int | None = None) -> list:
        """The rows with the arguments' parameters `values`, converted as the ORM converts them;
        `low`/`high`: the window of a windowed statement, as a slice of the queryset gives it."""
        connection = connections[self.alias]
        sql = self.sql
        if self.windowed:
            window = connection.ops.limit_offset_sql(low, high)
            sql = f"{sql} {window}" if window else sql
        with connection.cursor() as cursor:
            cursor.execute(sql, self.parameters(values))
            rows = cursor.fetchall()
        return converted_rows(rows, self.converters, connection)

    def dicts(self, values: Sequence, low: int = 0, high: int | None = None) -> list[dict]:
        """The rows as `.values()` gives them."""
        names = self.names
        return [dict(zip(names, row, strict=True)) for row in self.rows(values, low, high)]


class _Captured(Exception):
    """Stops a query the ORM was about to run, once its SQL is known (`orm_sql`)."""


def orm_sql(run: Callable[[], object], alias: str) -> tuple[str, tuple] | None:
    """The one query `run()` sends to the database `alias`, as the ORM writes it, stopped before
    the database sees it (an execute wrapper); None if it sends none (a query the ORM knows to be
    empty). A debug cursor's log of the query stopped is taken back: it never ran."""
    connection = connections[alias]
    log = connection.queries_log
    last = log[-1] if log else None
    captured = []

    def capture(execute, sql, params, many, context):
        captured.append((sql, tuple(params)))
        raise _Captured

    with connection.execute_wrapper(capture), contextlib.suppress(_Captured):
        run()
    while log and log[-1] is not last:
        log.pop()
    return captured[0] if len(captured) == 1 else None


def _same(first, second) -> bool:
    """The same parameter: equal and of the same type (1 is not True, nor "1" 1)."""
    return type(first) is type(second) and first == second


def _compile(queryset, alias: str, window: bool) -> tuple | None:
    """What the ORM runs for `queryset` on `alias`: SQL, parameters, converters, `.values()` keys."""
    if window:
        queryset = queryset[SENTINEL_OFFSET : SENTINEL_OFFSET + SENTINEL_LIMIT]
    query = queryset.query
    compiler = query.get_compiler(using=alias)
    try:
        sql, params = compiler.as_sql()
    except (EmptyResultSet, FullResultSet):  # a query the ORM would not run as it stands
        return None
    fields = [selected[0] for selected in compiler.select[: compiler.col_count]]
    if compiler.has_composite_fields(fields):
        return None
    if window:
        tail = " " + compiler.connection.ops.limit_offset_sql(SENTINEL_OFFSET, SENTINEL_OFFSET + SENTINEL_LIMIT)
        if not sql.endswith(tail):
            return None
        sql = sql[: -len(tail)]
    if query.selected:
        names = tuple(query.selected)
    else:
        names = (*query.extra_select, *query.values_select, *query.annotation_select)
    converters = tuple(compiler.get_converters(fields).items())
    return sql, tuple(params), converters, names
