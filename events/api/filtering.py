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
"""

from __future__ import annotations

from functools import cache

from django import forms
from django.http import QueryDict
from django_filters import ModelChoiceFilter, utils
from django_filters.constants import EMPTY_VALUES
from django_filters.filterset import BaseFilterSet
from django_filters.rest_framework import DjangoFilterBackend


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
