"""One FilterSet per model, shared by the HTML list pages (`filterset.form`, `filterset.qs`)
and the API (`filterset_class`). Parameter names are part of the API contract."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

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


def state_filter(label, **kwargs):
    """A state given by its slug; an unknown slug is a form error (400 in the API)."""
    return django_filters.ModelChoiceFilter(
        label=label,
        queryset=visible_states,
        to_field_name="slug",
        error_messages={"invalid_choice": UNKNOWN_STATE},
        **kwargs,
    )


class SearchFilterSet(django_filters.FilterSet):
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
