"""The API's filter backend: the shared FilterSets, with a form of only the filters asked for.

django-filter builds, for every request, a form with a field per filter (eight for recognitions:
each field made anew, then deep-copied by the form, then cleaned), about a millisecond of the
filtered list's eight. A filter whose parameter is absent cleans to an empty value, and a filter
given an empty value leaves the queryset as it is, so the API validates and applies only the
filters whose parameters the query string names: the same errors (a form's errors are per field,
in the filters' order) and the same queryset. Which filters may be left out is decided once per
FilterSet by asking the filters themselves (`omissible`), not assumed; any other filter is always
in the form. The browsable API's filter form (`to_html`) and the website keep the whole form.
A record chosen by its slug is read with only its key columns (`key_only`).

The lean lists read the filters they can without a FilterSet (`ListFilters`): each value cleaned
by its filter's own form field, a record's slug looked up by a query compiled once per kind of
reader; the filters themselves are then applied once per shape of request, to sentinels
(ArchiveViewSet.compiled_list). Whatever they cannot read, or that does not clean, goes to the
FilterSet here, which answers it, errors and all.
"""

from __future__ import annotations

import copy
import datetime
import re
from dataclasses import dataclass
from functools import cache

from django import forms
from django.db import connections
from django.http import QueryDict
from django_filters import CharFilter, ChoiceFilter, DateFilter, ModelChoiceFilter, OrderingFilter, utils
from django_filters.constants import EMPTY_VALUES
from django_filters.filters import QuerySetRequestMixin
from django_filters.filterset import BaseFilterSet
from django_filters.rest_framework import DjangoFilterBackend

from events.compiled import Argument, Statement
from events.querysets import TRIGRAM, clean_search_text, trigram_parameter


@cache
def omissible(filterset_class: type[BaseFilterSet]) -> frozenset[str]:
    """Filters whose absent parameter changes nothing: the widget reads the parameter of the
    filter's own name only (absent when the name is not in the data), the field is optional and
    cleans an absent value to an empty one, and the filter leaves a queryset as it is for it."""
    model = filterset_class._meta.model
    queryset = model._default_manager.none()
    filterset = filterset_class(data=QueryDict(), queryset=queryset)
    names = set()
    for name, filter_ in filterset.filters.items():
        field = filter_.field
        widget = field.widget
        if field.required or type(widget).value_omitted_from_data is not forms.Widget.value_omitted_from_data:
            continue
        try:
            value = field.clean(widget.value_from_datadict(QueryDict(), {}, name))
        except forms.ValidationError:
            continue
        if value in EMPTY_VALUES and filter_.filter(queryset, value) is queryset:
            names.add(name)
    return frozenset(names)


def key_only(queryset, to_field_name: str):
    """A ModelChoiceFilter's choices with only the columns that find the record and filter by it:
    the API's filters use the chosen record's primary key only (`state=kosaria` filters by it),
    so the record is read without its other columns (0.45 -> 0.3 ms for a state)."""

    def choices(request):
        records = queryset(request) if callable(queryset) else queryset
        return records.only(records.model._meta.pk.name, to_field_name)

    return choices


@cache
def asked_filters(filterset_class: type[BaseFilterSet]) -> type[BaseFilterSet]:
    """`filterset_class` with a form of the filters whose parameters the data names, plus those
    that are never left out."""
    left_out = omissible(filterset_class)

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        if prefix is None and left_out:
            given = data if data is not None else ()
            # An instance attribute: BaseFilterSet.__init__ copies the filters of base_filters.
            self.base_filters = {
                name: filter_
                for name, filter_ in type(self).base_filters.items()
                if name not in left_out or name in given
            }
        super(subclass, self).__init__(data, queryset, request=request, prefix=prefix)
        for filter_ in self.filters.values():
            if type(filter_) is ModelChoiceFilter and filter_.extra.get("to_field_name"):
                filter_.queryset = key_only(filter_.queryset, filter_.extra["to_field_name"])

    subclass = type(filterset_class.__name__, (filterset_class,), {"__init__": __init__, "__module__": __name__})
    return subclass


class ArchiveFilterBackend(DjangoFilterBackend):
    """DjangoFilterBackend whose list filtering validates only the filters asked for."""

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None:
            return queryset
        filterset = asked_filters(filterset_class)(**self.get_filterset_kwargs(request, queryset, view))
        if not filterset.is_valid() and self.raise_exception:
            raise utils.translate_validation(filterset.errors)
        return filterset.qs


# --- The compiled lists' filters (ArchiveViewSet.compiled_list, events/api/views.py) -------------

# What a slug in a query string looks like; any other value is looked up by the FilterSet itself.
SLUG = re.compile(r"[-a-zA-Z0-9_]+")
# Kinds of filter the compiled list reads itself: a record by its slug, a value its own form
# field cleans (a date, a choice), the ordering, a search whose SQL has the search text in one
# form only (SQLite's FTS5 phrase: querysets.trigram_parameter). Any other filter given a value
# sends the request down the FilterSet's path.
RECORD, VALUE, ORDER, SEARCH = "record", "value", "order", "search"


@dataclass(frozen=True)
class Asked:
    """The filters a query string gives a value, in the FilterSet's order: `(name, kind, value)`
    with the slug as given for a record, the cleaned value otherwise."""

    filters: tuple[tuple[str, str, object], ...]

    def shape(self) -> tuple:
        """What the SQL depends on: the filters given and the ordering (its value is part of it)."""
        return tuple((name, value if kind == ORDER else None) for name, kind, value in self.filters)


class ListFilters:
    """How the compiled list reads a FilterSet's parameters: as the FilterSet's form would (each
    field's own widget and clean()), except that a record given by its slug is looked up by a
    query compiled once (`record`), and that any value that does not clean, or that names no
    record, is left to the FilterSet, which answers it with its own error."""

    def __init__(self, filterset_class: type[BaseFilterSet]) -> None:
        self.filterset_class = filterset_class
        filters = filterset_class.base_filters
        # Only where every filter left out is the same as not asked for (`omissible`).
        self.usable = omissible(filterset_class) == set(filters)
        self.kinds: dict[str, str | None] = {}
        self.fields: dict[str, forms.Field] = {}
        for name, filter_ in filters.items():
            kind = type(filter_)
            if kind is ModelChoiceFilter:
                plain = "widget" not in filter_.extra and filter_.field_class.widget is forms.Select
                self.kinds[name] = RECORD if plain and filter_.extra.get("to_field_name") else None
                continue
            self.kinds[name] = {DateFilter: VALUE, ChoiceFilter: VALUE, OrderingFilter: ORDER}.get(kind)
            if kind is CharFilter and filter_.method == "filter_search":
                self.kinds[name] = SEARCH
            if not isinstance(filter_, QuerySetRequestMixin):
                # The filter's own field, from a copy: building it touches nothing shared.
                self.fields[name] = copy.deepcopy(filter_).field
        self._lookups: dict[tuple, Statement | None] = {}
        # Per record filter: the model it chooses among and the field it finds it by.
        self._records: dict[str, tuple[type, str]] = {}

    def read(self, data: QueryDict) -> Asked | None:
        """The filters `data` gives values, cleaned; None: leave the request to the FilterSet."""
        asked = []
        for name, kind in self.kinds.items():
            if name not in data:
                continue
            if kind == RECORD:
                value = data.get(name)  # forms.Select.value_from_datadict
                if value in EMPTY_VALUES:
                    continue
                if not SLUG.fullmatch(value):
                    return None
                asked.append((name, kind, value))
                continue
            field = self.fields.get(name)
            if field is None:
                return None
            try:
                value = field.clean(field.widget.value_from_datadict(data, {}, name))
            except forms.ValidationError:
                return None
            if value in EMPTY_VALUES:
                continue  # the filter leaves the queryset as it is
            if kind is None:
                return None
            if kind == SEARCH and len(clean_search_text(value).casefold()) < TRIGRAM:
                return None  # a scan of every row's text: no trigram for the FTS5 index
            if kind == ORDER:
                value = tuple(value)
                if len(value) > 1:
                    return None  # one shape per ordering: no more shapes than fields to order by
            elif getattr(self.filterset_class.base_filters[name], "null_value", None) == value:
                return None  # a ChoiceFilter's "null" filters for NULL: another query
            asked.append((name, kind, value))
        return Asked(tuple(asked))

    def parameters(self, asked: Asked, request, reader: tuple, alias: str) -> list | None:
        """The SQL parameters of the filters asked for (a record's key, a date as the backend takes
        it, a choice), in their order; None: leave the request to the FilterSet."""
        connection = connections[alias]
        parameters = []
        for name, kind, value in asked.filters:
            if kind == RECORD:
                key = self.record(name, value, request, reader, alias)
                if key is None:
                    return None
                parameters.append(key)
            elif kind == VALUE:
                parameters.append(parameter(value, connection))
            elif kind == SEARCH:
                # Only where the text is the one parameter of the search's SQL, whatever it is.
                phrase = trigram_parameter(value, connection)
                if phrase is None:
                    return None
                parameters.append(phrase)
        return parameters

    def arguments(self, asked: Asked, parameters: list) -> list[Argument]:
        """The filters' values as the FilterSet gives them to its filters (a record with its key
        and slug, as `key_only` reads it), with their parameters: to compile a query with."""
        given = iter(parameters)
        arguments = []
        for name, kind, value in asked.filters:
            if kind == RECORD:
                key = next(given)
                model, to_field = self._records[name]
                arguments.append(Argument(model(**{model._meta.pk.attname: key, to_field: value}), key))
            elif kind in (VALUE, SEARCH):
                arguments.append(Argument(value, next(given)))
        return arguments

    def sentinels(self, asked: Asked, alias: str) -> list[Argument]:
        """An argument for each filter asked for that no query has among its parameters."""
        connection = connections[alias]
        sentinels = []
        for index, (name, kind, value) in enumerate(asked.filters):
            if kind == RECORD:
                model, to_field = self._records[name]
                key = SENTINEL_KEY + index
                record = model(**{model._meta.pk.attname: key, to_field: f"{SENTINEL_SLUG}-{index}"})
                sentinels.append(Argument(record, key))
            elif kind == VALUE:
                sentinel = sentinel_like(value, index)
                sentinels.append(Argument(sentinel, parameter(sentinel, connection)))
            elif kind == SEARCH:
                sentinel = sentinel_like(value, index)
                sentinels.append(Argument(sentinel, trigram_parameter(sentinel, connection)))
        return sentinels

    def record(self, name: str, slug: str, request, reader: tuple, alias: str):
        """The key of the record the filter `name` chooses by `slug` among those it offers the
        request's kind of reader, as ModelChoiceField finds it; None when there is none (or the
        lookup could not be compiled): the FilterSet then answers."""
        key = (name, reader, alias)
        statement = self._lookups.get(key, False)
        if statement is False:
            filter_ = self.filterset_class.base_filters[name]
            records = filter_.get_queryset(request)
            to_field = filter_.extra["to_field_name"]
            self._records[name] = (records.model, to_field)

            def build(values):
                return (
                    records.filter(**{to_field: values[0]}).order_by().values_list(records.model._meta.pk.attname)[:2]
                )

            statement = self._lookups[key] = Statement.compile(
                build, [Argument(SENTINEL_SLUG, SENTINEL_SLUG)], [Argument(slug, slug)], alias=alias
            )
        if statement is None:
            return None
        rows = statement.rows([slug])
        return rows[0][0] if len(rows) == 1 else None


# A slug and keys no record has, standing for those asked for in the queries compiled once.
SENTINEL_SLUG = "sentinel-918273645546372819"
SENTINEL_KEY = 918273645546372000


def sentinel_like(value, index: int):
    """A value of `value`'s type that no query has among its parameters (the `index`th)."""
    if isinstance(value, datetime.date):
        return datetime.date(1, 1, 1) + datetime.timedelta(days=index)
    return f"{SENTINEL_SLUG}-{index}"


@cache
def list_filters(filterset_class: type[BaseFilterSet]) -> ListFilters | None:
    filters = ListFilters(filterset_class)
    return filters if filters.usable else None


def parameter(value, connection):
    """What the ORM puts among a query's parameters for a cleaned date or choice."""
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return connection.ops.adapt_datefield_value(value)
    return value
