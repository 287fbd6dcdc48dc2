"""One FilterSet per model, shared by the HTML list pages (`filterset.form`, `filterset.qs`)
and the API (`filterset_class`). Parameter names are part of the API contract."""

import copy

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_filters.conf import settings as filter_settings
from django_filters.filters import QuerySetRequestMixin

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
            for field in form_class.base_fields.values():
                if isinstance(field, forms.ModelChoiceField):
                    field.queryset = None  # each form gets its request's
            _FORM_CLASSES[key] = form_class
        return form_class

    @property
    def form(self):
        if not hasattr(self, "_form"):
            querysets = {
                name: filter_.get_queryset(filter_.get_request())
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
