"""Queries the hot paths run with SQL compiled once per process (issue #6, performance).

Building a queryset and compiling it to SQL cost more than running it for the small, fixed
queries of a page (a state's sections, a page's citations, a status's acts). Two forms, each
falling back on nothing but what the ORM itself wrote:

- `by_ids(key, make, ids)`: `make(ids)` is a query over `... IN (ids)`, compiled once with one
  placeholder id; each run widens `IN (%s)` to the ids given, and applies the ORM's converters.
- `WithArguments.compile(queryset, *sentinels)`: a query built with sentinel arguments (values
  found nowhere else in its parameters), run with others in their places, rows straight from
  the cursor (for columns both drivers already return as Python values).

Tests compare each use with the ORM's own rows (tests/test_api_list_path.py,
tests/test_profile_page.py, tests/test_status_rows.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import connection, connections
from django.db.models import QuerySet

# Stands for the page's ids in a nested list's query compiled once (`by_ids`).
PLACEHOLDER_ID = 918273645546372819


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
        if not self.converters:
            return rows
        converted = []
        for row in map(list, rows):
            for position, (converters, expression) in self.converters:
                value = row[position]
                for converter in converters:
                    value = converter(value, expression, connection)
                row[position] = value
            converted.append(row)
        return converted


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
