"""One FilterSet per model, shared by the HTML list pages (`filterset.form`, `filterset.qs`)
and the API (`filterset_class`). Parameter names are part of the API contract."""

import copy
import datetime
from collections.abc import Callable
from dataclasses import dataclass

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db import connections
from django.db.models import Model
from django.http import QueryDict
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_filters.conf import settings as filter_settings
from django_filters.constants import EMPTY_VALUES
from django_filters.filters import QuerySetRequestMixin

from events.compiled import Argument, Statement
from events.models import (
    Delegation,
    Mission,
    MissionKind,
    Person,
    Recognition,
    RecognitionAction,
    Source,
    State,
    StateStatus,
)

UNKNOWN_STATE = _("There is no state “%(value)s”: give a state's slug, for example south-ossetia.")


def visible_states(request):
    return State.objects.visible_to(getattr(request, "user", None))


def visible_persons(request):
    return Person.objects.visible_to(getattr(request, "user", None))


class StateChoiceField(django_filters.fields.ModelChoiceField):
    """A state by its slug, as `ModelChoiceField` reads it, unless the page has already read
    the states the visitor may see: `known`, each one's (id, name) by slug, which the list pages
    read for their dropdowns (events.views.prepare_filter_form). Then the slug is looked up
    there rather than by a query of its own, and the state it gives has its id, slug and name
    loaded (the filters need its id), its other fields read on access."""

    known: dict[str, tuple[int, str]] | None = None

    def to_python(self, value):
        known = self.known
        if known is None or not isinstance(value, str) or (self.null_label is not None and value == self.null_value):
            return super().to_python(value)
        if value in self.empty_values:
            return None
        self.validate_no_null_characters(value)
        found = known.get(value)
        if found is None:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value})
        loaded = {"id": found[0], "name": found[1], "slug": value}
        model = self.queryset.model
        names = [field.attname for field in model._meta.concrete_fields if field.attname in loaded]
        return model.from_db(self.queryset.db, names, [loaded[name] for name in names])


def state_filter(label, **kwargs):
    """A state given by its slug; an unknown slug is a form error (400 in the API). A plain
    ModelChoiceFilter (the API's filtering tells its filters by their type) whose field is a
    StateChoiceField."""
    filter_ = django_filters.ModelChoiceFilter(
        label=label,
        queryset=visible_states,
        to_field_name="slug",
        error_messages={"invalid_choice": UNKNOWN_STATE},
        **kwargs,
    )
    filter_.field_class = StateChoiceField
    return filter_


def copy_filter(filter_: django_filters.Filter) -> django_filters.Filter:
    """A filter of a FilterSet's own, as `copy.deepcopy(filter_)` makes it for
    BaseFilterSet.__init__: its own attributes and `extra` (which its field is built from, and
    which a QuerySetRequestMixin sets the request's queryset in), its method bound to itself, no
    field built yet. What `extra` holds is only read: a field copies its choices, its error
    messages and its widget."""
    copied = copy.copy(filter_)
    copied.extra = filter_.extra.copy()
    copied.__dict__.pop("_field", None)
    if copied.method is not None:
        copied.method = copied.method  # a FilterMethod of the copy, not of filter_
    return copied


class _Fields(dict):
    """A form class's `base_fields`, which BaseForm.__init__ deep-copies for every form: each field
    copied as Field.__deepcopy__ copies it (its widget, error messages and validators its own),
    a ChoiceField's choices shared rather than deep-copied (a list of pairs that no form changes;
    a form that offers others sets its own). Deep-copying every pair cost most of the copy."""

    def __deepcopy__(self, memo):
        fields = {}
        for name, field in self.items():
            copied = copy.copy(field)
            memo[id(field)] = copied
            copied.widget = copy.deepcopy(field.widget, memo)
            copied.error_messages = field.error_messages.copy()
            copied.validators = field.validators[:]
            if isinstance(field, forms.ModelChoiceField) and field.queryset is not None:
                copied.queryset = field.queryset.all()
            fields[name] = copied
        return fields


# The querysets of the choices of a state or a person filter, per callable, whether the reader
# sees drafts (all that `visible_to` reads of the user) and database dialect: never evaluated
# themselves, each form's field takes a copy (ModelChoiceField's queryset setter).
_VISIBLE_CHOICES: dict[tuple, object] = {}


def _choices_queryset(filter_, request):
    """`filter_.get_queryset(request)`, built once per kind of reader for the filters whose
    queryset is `visible_states` or `visible_persons`."""
    get = filter_.queryset
    if get is not visible_states and get is not visible_persons:
        return filter_.get_queryset(request)
    user = getattr(request, "user", None)
    key = (get, bool(user is not None and user.is_authenticated and user.is_staff), connections["default"].vendor)
    queryset = _VISIBLE_CHOICES.get(key)
    if queryset is None:
        queryset = _VISIBLE_CHOICES[key] = get(request)
    return queryset


# Form classes of the FilterSets, made once per process: (FilterSet class, its filters' names,
# language) -> the form class, its ModelChoiceFields without a queryset.
_FORM_CLASSES: dict[tuple, type[forms.Form]] = {}


class ArchiveFilterSet(django_filters.FilterSet):
    """A FilterSet whose per-request costs in django-filter are paid once per process: its
    filters are copied without `copy.deepcopy`, and its form class, a field per filter, is
    made once per set of filters rather than for every request; each form is given the
    request's querysets (a QuerySetRequestMixin's, `visible_states(request)`), the one thing a
    filter's field takes from the request. The same form, the same fields, the same errors."""

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        if queryset is None:
            queryset = self._meta.model._default_manager.all()
        model = queryset.model
        self.is_bound = data is not None
        self.data = data or QueryDict()
        self.queryset = queryset
        self.request = request
        self.form_prefix = prefix
        self.filters = {name: copy_filter(filter_) for name, filter_ in self.base_filters.items()}
        for filter_ in self.filters.values():
            filter_.model = model
            filter_.parent = self

    def shared_form_class(self) -> type[forms.Form]:
        key = (type(self), tuple(self.filters), get_language(), filter_settings.DISABLE_HELP_TEXT)
        form_class = _FORM_CLASSES.get(key)
        if form_class is None:
            form_class = self.get_form_class()
            form_class.base_fields = _Fields(form_class.base_fields)
            for field in form_class.base_fields.values():
                if isinstance(field, forms.ModelChoiceField):
                    field.queryset = None  # each form gets its request's
            _FORM_CLASSES[key] = form_class
        return form_class

    @property
    def form(self):
        if not hasattr(self, "_form"):
            querysets = {
                name: _choices_queryset(filter_, filter_.get_request())
                for name, filter_ in self.filters.items()
                if isinstance(filter_, QuerySetRequestMixin)
            }
            if any(queryset is None for queryset in querysets.values()):
                return super().form
            Form = self.shared_form_class()
            form = Form(self.data, prefix=self.form_prefix) if self.is_bound else Form(prefix=self.form_prefix)
            for name, queryset in querysets.items():
                form.fields[name].queryset = queryset
            self._form = form
        return self._form


class SearchFilterSet(ArchiveFilterSet):
    search = django_filters.CharFilter(
        label=_("Search"), method="filter_search", max_length=200, help_text=_("Words in names, notes and texts.")
    )

    def filter_search(self, queryset, name, value):
        return queryset.search(value)


class BetweenStatesFilterSet(SearchFilterSet):
    """Acts between two states: the state on either side, and dates that overlap a range."""

    state = state_filter(_("State (either side)"), method="filter_state")
    date_after = django_filters.DateFilter(
        label=_("From"),
        method="filter_date_after",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("YYYY-MM-DD; keeps acts whose date may fall on or after this day."),
    )
    date_before = django_filters.DateFilter(
        label=_("To"),
        method="filter_date_before",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("YYYY-MM-DD; keeps acts whose date may fall on or before this day."),
    )

    def filter_state(self, queryset, name, value: State):
        return queryset.involving(value)

    def filter_date_after(self, queryset, name, value):
        return queryset.overlapping(after=value)

    def filter_date_before(self, queryset, name, value):
        return queryset.overlapping(before=value)


class StateFilterSet(SearchFilterSet):
    status = django_filters.ChoiceFilter(label=_("Status"), choices=StateStatus.choices)

    class Meta:
        model = State
        fields = ["status", "search"]


class RecognitionFilterSet(BetweenStatesFilterSet):
    recognizing = state_filter(_("Recognising state"), field_name="recognizing_state")
    recognized = state_filter(_("Recognised state"), field_name="recognized_state")
    action = django_filters.ChoiceFilter(label=_("Action"), choices=RecognitionAction.choices)
    ordering = django_filters.OrderingFilter(
        label=_("Order"), fields=(("date_start", "date"),), field_labels={"date_start": _("Date")}
    )

    class Meta:
        model = Recognition
        fields = ["recognizing", "recognized", "state", "action", "date_after", "date_before", "search", "ordering"]


class MissionFilterSet(BetweenStatesFilterSet):
    sending = state_filter(_("Sending state"), field_name="sending_state")
    host = state_filter(_("Host state"), field_name="host_state")
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=MissionKind.choices)
    city = django_filters.CharFilter(label=_("City"), lookup_expr="iexact", max_length=200)
    active_on = django_filters.DateFilter(
        label=_("Active on"),
        method="filter_active_on",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("YYYY-MM-DD; missions that may have been open that day."),
    )
    ordering = django_filters.OrderingFilter(
        label=_("Order"), fields=(("opened_start", "date"),), field_labels={"opened_start": _("Opened")}
    )

    class Meta:
        model = Mission
        fields = ["sending", "host", "state", "kind", "city", "active_on", "date_after", "date_before", "search"]

    def filter_active_on(self, queryset, name, value):
        return queryset.active_on(value)


class DelegationFilterSet(BetweenStatesFilterSet):
    sending = state_filter(_("Sending state"), field_name="sending_state")
    host = state_filter(_("Host state"), field_name="host_state")
    person = django_filters.ModelChoiceFilter(
        label=_("Person"),
        queryset=visible_persons,
        to_field_name="slug",
        method="filter_person",
        error_messages={"invalid_choice": _("There is no person “%(value)s”: give a person's slug.")},
    )
    ordering = django_filters.OrderingFilter(
        label=_("Order"), fields=(("date_start", "date"),), field_labels={"date_start": _("Date")}
    )

    class Meta:
        model = Delegation
        fields = ["sending", "host", "state", "person", "date_after", "date_before", "search"]

    def filter_person(self, queryset, name, value: Person):
        return queryset.filter(participants__person=value).distinct()


class PersonFilterSet(SearchFilterSet):
    class Meta:
        model = Person
        fields = ["search"]


class SourceFilterSet(SearchFilterSet):
    outlet = django_filters.CharFilter(label=_("Outlet"), lookup_expr="iexact", max_length=200)
    language = django_filters.CharFilter(label=_("Language"), lookup_expr="iexact", max_length=10)
    ordering = django_filters.OrderingFilter(
        label=_("Order"), fields=(("published", "date"),), field_labels={"published": _("Published")}
    )

    class Meta:
        model = Source
        fields = ["outlet", "language", "search", "ordering"]


# --- The list pages' count and rows compiled once per shape of request ----------------------------

# Kinds of filter whose values a compiled list takes as arguments: a record (its key), a date or
# a choice (the value the ORM puts among the parameters), the ordering (part of the shape). Any
# other filter given a value (a search, a city) leaves the request to the ORM.
RECORD, VALUE, ORDER = "record", "value", "order"
FILTER_KINDS = {
    django_filters.ModelChoiceFilter: RECORD,
    django_filters.DateFilter: VALUE,
    django_filters.ChoiceFilter: VALUE,
    django_filters.OrderingFilter: ORDER,
}
# Keys and text no record has, standing for the values asked for in the queries compiled once.
SENTINEL_KEY = 918273645546371000
SENTINEL_TEXT = "sentinel-918273645546371"


def compile_count(
    build, sentinels: list[Argument], values: list[Argument], alias: str, hidden: tuple | None = None
) -> Statement | None:
    """`build(arguments).count()`, the Paginator's count, compiled (`Statement.compile_count`);
    with `hidden` (the records shown before some are hidden, the conditions hiding them), as the
    count of `build(arguments, on=shown)` less the hidden ones (`Statement.compile_count_excluding`)."""
    if hidden is None:
        return Statement.compile_count(build, sentinels, values, alias=alias)
    shown, conditions = hidden
    return Statement.compile_count_excluding(
        lambda arguments: build(arguments, on=shown), conditions, sentinels, values, alias=alias
    )


@dataclass(frozen=True)
class CompiledList:
    """A shape of list request compiled: its page query (windowed) and its count query."""

    page: Statement
    count: Statement


# Per (view, kind of reader, database, shape): the CompiledList, or None where the ORM answers.
_COMPILED_LISTS: dict[tuple, CompiledList | None] = {}


class CompiledRows:
    """A list's rows as Django's Paginator reads them (`count()`, a slice per page), from its
    count and page queries compiled once and the request's parameters, each page's rows given
    to `read` (tuples of the page query's columns -> what the page shows)."""

    # Ordered by the statement's own ORDER BY (the Paginator warns about unordered lists).
    ordered = True

    def __init__(self, model, compiled: CompiledList, parameters: list, read) -> None:
        self.model = model
        self.compiled = compiled
        self.parameters = parameters
        self.read = read

    def count(self) -> int:
        return self.compiled.count.rows(self.parameters)[0][0]

    def __getitem__(self, window: slice) -> list:
        if not isinstance(window, slice) or window.step is not None:
            raise TypeError("a page of rows is read as a slice")
        low, high = window.start or 0, window.stop
        if high is not None and high <= low:
            return []  # as a queryset's empty slice: no query
        return self.read(self.compiled.page.rows(self.parameters, low, high))


def compiled_rows(
    filterset: ArchiveFilterSet, key: tuple, columns: list[str], read, hidden: Callable[[], tuple | None] | None = None
) -> CompiledRows | None:
    """The rows of a valid filterset's `qs`, as `read` gives `qs.values_list(*columns)`, through
    a count and page query compiled once per `key` (what the base queryset depends on: the view,
    the kind of reader, the database) and shape of request (which filters are given a value, the
    ordering): the FilterSet's own filters applied to sentinel values, each query checked
    against the ORM's SQL for the request that compiles it. None: the ORM's own path (a filter
    of another kind given a value, an ordering by several fields, a query that did not compile).
    `hidden`: called when a shape is compiled, it gives the records shown before some are hidden
    and the conditions hiding them (selectors.hidden_by_draft_states), or None, for the count to
    be compiled as the first less the others (Statement.compile_count_excluding); what they
    depend on must be in `key`."""
    asked = []
    parameters = []
    arguments = []
    base = filterset.queryset
    alias = base.db
    connection = connections[alias]
    for name, value in filterset.form.cleaned_data.items():
        if value in EMPTY_VALUES:
            continue  # the filter leaves the queryset as it is
        filter_ = filterset.filters[name]
        kind = FILTER_KINDS.get(type(filter_))
        if kind is None:
            return None
        if kind == ORDER:
            value = tuple(value)
            if len(value) != 1:
                return None  # one shape per field to order by
            asked.append((name, kind, value))
            continue
        if kind == RECORD:
            if not isinstance(value, Model) or value.pk is None:
                return None
            parameter = value.pk
        else:
            if getattr(filter_, "null_value", None) == value:
                return None  # a ChoiceFilter's "null" filters for NULL: another query
            parameter = _parameter(value, connection)
        asked.append((name, kind, type(value)))
        parameters.append(parameter)
        arguments.append(Argument(value, parameter))
    shape = tuple((name, value if kind == ORDER else None) for name, kind, value in asked)
    full_key = (*key, alias, shape)
    compiled = _COMPILED_LISTS.get(full_key, False)
    if compiled is False:
        compiled = _COMPILED_LISTS[full_key] = _compile_list(
            filterset, asked, arguments, columns, alias, connection, hidden
        )
    if compiled is None:
        return None
    return CompiledRows(base.model, compiled, parameters, read)


def _compile_list(filterset, asked, arguments, columns, alias, connection, hidden=None) -> CompiledList | None:
    base = filterset.queryset
    sentinels = []
    for index, (_name, kind, of_type) in enumerate(asked):
        if kind == RECORD:
            key = SENTINEL_KEY + index
            sentinels.append(Argument(of_type(pk=key), key))
        elif kind == VALUE:
            if issubclass(of_type, datetime.date) and not issubclass(of_type, datetime.datetime):
                sentinel = datetime.date(1, 1, 1) + datetime.timedelta(days=index)
            elif issubclass(of_type, str):
                sentinel = f"{SENTINEL_TEXT}-{index}"
            else:
                return None
            sentinels.append(Argument(sentinel, _parameter(sentinel, connection)))

    def build(values, on=base):
        queryset = on.all()
        given = iter(values)
        for name, kind, value in asked:
            queryset = filterset.filters[name].filter(queryset, list(value) if kind == ORDER else next(given))
        return queryset

    page = Statement.compile(
        lambda values: build(values).values_list(*columns), sentinels, arguments, alias=alias, window=True
    )
    count = compile_count(build, sentinels, arguments, alias, hidden() if hidden is not None else None)
    return None if page is None or count is None else CompiledList(page, count)


def _parameter(value, connection):
    """What the ORM puts among a query's parameters for a cleaned date or choice."""
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return connection.ops.adapt_datefield_value(value)
    return value
