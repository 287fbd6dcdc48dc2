"""The researchers' pages: thin views, a queryset, a FilterSet and a template each.

Every list page has the same shape (after NetBox): the FilterSet of events/filtersets.py, the
one the API uses, filters the rows the visitor may see; the page shows them paginated, and
`?format=csv` streams exactly the filtered rows, all pages, through events/exports.py (one
query builds both, as in Datasette). Bad filter values give the page back with the form's
errors and status 400, never a 500. Each view declares what it reads with its rows, so that
a page runs the same number of queries whatever the number of rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache, partial
from html import escape
from typing import Any

from django import forms
from django.core.paginator import InvalidPage, Paginator
from django.db import connection
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import DetailView, ListView, TemplateView

from events import filtersets
from events.compiled import Argument, Statement, WithArguments
from events.dates import PartialDate, Precision
from events.exports import csv_response, csv_rows
from events.forms import StatusAsOfForm, TimelineForm
from events.models import (
    Delegation,
    DelegationCitation,
    Mission,
    MissionCitation,
    Participant,
    Person,
    Recognition,
    RecognitionAction,
    RecognitionCitation,
    Side,
    Source,
    State,
    StateStatus,
)
from events.models.base import native_names_first
from events.querysets import clean_search_text, id_in, trigram_parameter
from events.selectors import (
    CountedDates,
    _table_fields,
    citations_prefetch,
    hidden_by_draft_states,
    is_staff,
    participants_queryset,
    profile_sections,
    profile_status,
    recent_acts,
    state_by_slug,
    table_rows,
    timeline_acts,
    timeline_dates,
    visible_acts,
    visible_count,
    with_sources,
)
from events.selectors import _rows_of as table_rows_of
from events.templatetags.archive import reverse_once
from events.templatetags.tables import url_maker
from events.widgets import QuickChoices, QuickSelect, shared_choices

# Rows per list page unless `?page_size=` asks for another number up to MAX_PAGE_SIZE.
PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
# Rows per section of a state's profile; past that, a link to the full filtered list. Six
# sections of a hundred rows made the profile of a much-recognised state 600 KB and its slowest page.
PROFILE_ROWS = 25
# Matches per kind of record on the search page; past that, a link to the list's search.
SEARCH_ROWS = 20
TIMELINE_PAGE_SIZE = 100
RECENT_ACTS = 10


def page_size_from(request, default: int = PAGE_SIZE) -> int:
    """`?page_size=` clamped to 1..MAX_PAGE_SIZE; anything that is not a number gives the default."""
    try:
        size = int(request.GET.get("page_size", default))
    except ValueError:
        return default
    return max(1, min(size, MAX_PAGE_SIZE))


def state_choices(user) -> list[tuple[str, str]]:
    return [("", _("any state"))] + [
        (slug, name) for slug, name in State.objects.visible_to(user).order_by("name").values_list("slug", "name")
    ]


# The query of `visible_state_rows`, compiled once per process for staff and for everyone else
# (who sees which states depends on nothing else: ArchiveQuerySet.visible_to), per database dialect.
_STATE_QUERIES: dict[tuple[bool, str], WithArguments] = {}


def visible_state_rows(user) -> list[tuple[str, str, int]]:
    """The states of `state_choices` as (slug, name, id) rows, by name, through a query compiled
    once per process: building and compiling it cost more than running it."""
    key = (is_staff(user), connection.vendor)
    query = _STATE_QUERIES.get(key)
    if query is None:
        states = State.objects.visible_to(user).order_by("name").values_list("slug", "name", "pk")
        query = _STATE_QUERIES[key] = WithArguments.compile(states, counts=())
    return query.rows()


# Labelled choices of the dropdowns other than the states', written once per process and
# language: (name, language, the choices' values and the identities of their labels) -> the
# QuickChoices, and the labels themselves, kept so that no other label takes their identity.
_LABELLED_CHOICES: dict[tuple, tuple[QuickChoices, list]] = {}


def labelled_choices(name: str, choices) -> QuickChoices:
    """A dropdown's choices with the empty one labelled "any" ("default order" for the order),
    its options written once per process and language: the labels are the code's own text."""
    pairs = list(choices)
    key = (name, get_language(), tuple((value, id(label)) for value, label in pairs))
    written = _LABELLED_CHOICES.get(key)
    if written is None:
        if len(_LABELLED_CHOICES) > 512:
            _LABELLED_CHOICES.clear()
        blank = _("default order") if name == "ordering" else _("any")
        labelled = QuickChoices([(value, blank if value == "" else label) for value, label in pairs])
        written = _LABELLED_CHOICES[key] = (labelled, pairs)
    return written[0]


def prepare_filter_form(form: forms.Form, user) -> forms.Form:
    """Fill every state dropdown of the form from one query, not one query per dropdown, and
    ask for a person by slug in a text box rather than listing every person of the archive.
    The state fields then find a slug among the states of that query (filtersets.StateChoiceField)."""
    state_fields = [
        field
        for field in form.fields.values()
        if isinstance(field, forms.ModelChoiceField) and field.queryset.model is State
    ]
    if state_fields:
        rows = visible_state_rows(user)
        choices = shared_choices((("", str(_("any state"))), *((slug, name) for slug, name, _pk in rows)))
        known = {slug: (pk, name) for slug, name, pk in rows}
        for field in state_fields:
            # Rendered in Python: hundreds of states through Django's option templates were
            # most of a list page's time (README "Performance").
            field.widget = QuickSelect(choices=choices)
            if isinstance(field, filtersets.StateChoiceField):
                field.known = known
    for name, field in form.fields.items():
        if isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
            choices = labelled_choices(name, field.choices)
            if type(field.widget) is forms.Select:
                field.widget = QuickSelect(attrs=field.widget.attrs, choices=choices)
            else:
                field.widget.choices = choices.choices
        if isinstance(field, forms.ModelChoiceField) and field.queryset.model is Person:
            field.widget = forms.TextInput(attrs={"placeholder": "alexander-kofman"})
            field.help_text = _("The person's slug, as in the address of their page.")
    return form


def table_columns(model) -> list[str]:
    """The columns `table_rows` reads of an act of `model`, in the order `table_rows_of` takes them."""
    return _table_fields(model)[0]


# The list pages' querysets before filtering, by view, staff or not, and database dialect
# (ArchiveListView.get_queryset): never evaluated themselves, only copied.
_LIST_QUERYSETS: dict[tuple, QuerySet] = {}


class ArchiveListView(ListView):
    """A filtered, sortable, paginated list of one kind of record, with its CSV download."""

    filterset_class: type[filtersets.SearchFilterSet]
    select_related: tuple[str, ...] = ()
    csv_filename: str = ""

    def base_queryset(self) -> QuerySet:
        """The records the visitor may see: it may depend on whether the visitor is staff, on
        nothing else of the request (`get_queryset` keeps one for each)."""
        return self.model.objects.visible_to(self.request.user)

    def prefetches(self) -> list:
        return []

    def get_queryset(self) -> QuerySet:
        """The rows the visitor may see, with what each reads: built once per process for staff
        and once for everyone else (what a list shows depends on nothing else of the visitor,
        `base_queryset`), and copied for each request. Building the conditions that leave out
        the acts of draft states cost more than copying them. The copy is unevaluated, as the
        queryset it comes from always is: its rows are read anew on every request."""
        key = (type(self), is_staff(self.request.user), connection.vendor)
        queryset = _LIST_QUERYSETS.get(key)
        if queryset is None:
            queryset = self.base_queryset().select_related(*self.select_related).prefetch_related(*self.prefetches())
            _LIST_QUERYSETS[key] = queryset
        return queryset.all()

    def get_paginate_by(self, queryset) -> int:
        return page_size_from(self.request)

    def get(self, request, *args, **kwargs):
        self.filterset = self.filterset_class(request.GET, queryset=self.get_queryset(), request=request)
        prepare_filter_form(self.filterset.form, request.user)
        if not self.filterset.is_valid():
            self.object_list = self.model.objects.none()
            return self.render_to_response(self.get_context_data(), status=400)
        if request.GET.get("format") == "csv":
            rows = csv_rows(
                self.filterset.qs.prefetch_related(None),
                base_url=request.build_absolute_uri("/")[:-1],
                user=request.user,
            )
            return csv_response(rows, self.csv_filename)
        self.object_list = self.compiled_rows() or self.filterset.qs
        return self.render_to_response(self.get_context_data())

    def compiled_rows(self) -> filtersets.CompiledRows | None:
        """The page's rows and their count through queries compiled once per shape of request
        (filtersets.compiled_rows); None: the FilterSet's queryset, built for the request."""
        return None

    def get_context_data(self, **kwargs) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["filterset"] = self.filterset
        context["filter_form"] = self.filterset.form
        context["opts"] = self.model._meta
        return context


def _published_less_drafts(model):
    shown = model.objects.published()
    return hidden_by_draft_states(shown, shown.state_fields)


class ActListView(ArchiveListView):
    """Acts between two states: both states are read with each row, with the row's sources."""

    def base_queryset(self) -> QuerySet:
        return visible_acts(self.model.objects.all(), self.request.user)

    def compiled_rows(self) -> filtersets.CompiledRows | None:
        """The acts as `table_rows` reads them, the count and the page run as SQL compiled once per
        view, kind of reader, database and shape of request: building and compiling the filtered
        queryset, its count and its page cost more than running them."""
        staff = is_staff(self.request.user)
        # A visitor's count on SQLite: the published acts less those naming a draft state (asked
        # for only when a shape is compiled).
        hidden = None if staff else partial(_published_less_drafts, self.model)
        return filtersets.compiled_rows(
            self.filterset, (type(self), staff), table_columns(self.model), partial(table_rows_of, self.model), hidden
        )

    def get_context_data(self, **kwargs) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        # The page's rows as the table reads them (the CSV reads its own); the compiled rows'
        # page already holds them.
        rows = context["object_list"]
        if not isinstance(self.object_list, filtersets.CompiledRows):
            rows = table_rows(rows)
        rows = with_sources(rows, self.model, self.request.user)
        context["object_list"] = rows
        if context.get("page_obj") is not None:
            context["page_obj"].object_list = rows
        return context


class StateListView(ArchiveListView):
    model = State
    filterset_class = filtersets.StateFilterSet
    select_related = ("parent",)
    csv_filename = "states.csv"


class RecognitionListView(ActListView):
    model = Recognition
    filterset_class = filtersets.RecognitionFilterSet
    select_related = ("recognizing_state", "recognized_state")
    csv_filename = "recognitions.csv"


class MissionListView(ActListView):
    model = Mission
    filterset_class = filtersets.MissionFilterSet
    select_related = ("sending_state", "host_state")
    csv_filename = "missions.csv"


class DelegationListView(ActListView):
    model = Delegation
    filterset_class = filtersets.DelegationFilterSet
    select_related = ("sending_state", "host_state")
    csv_filename = "delegations.csv"


class PersonListView(ArchiveListView):
    model = Person
    filterset_class = filtersets.PersonFilterSet
    csv_filename = "persons.csv"

    def base_queryset(self) -> QuerySet:
        return super().base_queryset().order_by("name", "id")

    def get_context_data(self, **kwargs) -> dict[str, Any]:
        """Each person of the page with the number of delegations they took part in, counted for
        the page's persons only: counting every person's before sorting and slicing took
        most of the page's time at 5,000 persons."""
        context = super().get_context_data(**kwargs)
        persons = list(context["object_list"])
        delegations = visible_acts(Delegation.objects.all(), self.request.user)
        counts = dict(
            Participant.objects.filter(person__in=[person.pk for person in persons], delegation__in=delegations)
            .order_by()
            .values("person")
            .annotate(count=Count("delegation", distinct=True))
            .values_list("person", "count")
        )
        for person in persons:
            person.delegation_count = counts.get(person.pk, 0)
        context["object_list"] = persons
        return context


class SourceListView(ArchiveListView):
    model = Source
    filterset_class = filtersets.SourceFilterSet
    csv_filename = "sources.csv"


class VisibleDetailView(DetailView):
    """A record's page; drafts only for signed-in staff, anything else unknown is a 404."""

    select_related: tuple[str, ...] = ()

    def base_queryset(self) -> QuerySet:
        return self.model.objects.visible_to(self.request.user)

    def prefetches(self) -> list:
        return []

    def get_queryset(self) -> QuerySet:
        return self.base_queryset().select_related(*self.select_related).prefetch_related(*self.prefetches())

    def permalink(self) -> str:
        """The record's stable address, absolute, for the "cite this record" line."""
        return self.request.build_absolute_uri(self.object.get_absolute_url())

    def get_context_data(self, **kwargs) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["permalink"] = self.permalink()
        context["today"] = timezone.localdate()
        return context


class ActDetailView(VisibleDetailView):
    def base_queryset(self) -> QuerySet:
        return visible_acts(self.model.objects.all(), self.request.user)

    def prefetches(self) -> list:
        return [citations_prefetch(self.model, self.request.user)]


class RecognitionDetailView(ActDetailView):
    model = Recognition
    select_related = ("recognizing_state", "recognized_state")

    def get_context_data(self, **kwargs) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        pair = Q(recognizing_state=self.object.recognizing_state_id, recognized_state=self.object.recognized_state_id)
        context["same_pair"] = (
            visible_acts(Recognition.objects.all(), self.request.user)
            .filter(pair)
            .exclude(pk=self.object.pk)
            .select_related(*self.select_related)
            .prefetch_related(citations_prefetch(Recognition, self.request.user))
        )
        return context


class MissionDetailView(ActDetailView):
    model = Mission
    select_related = ("sending_state", "host_state")

    def get_context_data(self, **kwargs) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["delegations"] = (
            visible_acts(Delegation.objects.all(), self.request.user)
            .filter(mission=self.object)
            .select_related("sending_state", "host_state")
        )
        return context


class DelegationDetailView(ActDetailView):
    model = Delegation
    select_related = ("sending_state", "host_state", "mission", "mission__sending_state", "mission__host_state")

    def prefetches(self) -> list:
        return [*super().prefetches(), Prefetch("participants", queryset=participants_queryset(self.request.user))]

    def get_context_data(self, **kwargs) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        participants = list(self.object.participants.all())
        context["sides"] = [
            (_("The delegation"), [p for p in participants if p.side == Side.DELEGATION]),
            (_("Received by (host side)"), [p for p in participants if p.side == Side.HOST]),
        ]
        mission = self.object.mission
        context["mission"] = (
            mission if mission is not None and (is_staff(self.request.user) or not mission.is_draft) else None
        )
        return context


class PersonDetailView(VisibleDetailView):
    model = Person

    def get_context_data(self, **kwargs) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        delegations = visible_acts(Delegation.objects.all(), self.request.user)
        context["participations"] = (
            Participant.objects.filter(person=self.object, delegation__in=delegations)
            .select_related("delegation", "delegation__sending_state", "delegation__host_state")
            .order_by("delegation__date_start", "delegation__id")
        )
        return context


class SourceDetailView(VisibleDetailView):
    model = Source

    def get_context_data(self, **kwargs) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["citing"] = [
            (
                _("Recognitions"),
                RecognitionCitation.objects.filter(
                    source=self.object, record__in=visible_acts(Recognition.objects.all(), user)
                ).select_related("record__recognizing_state", "record__recognized_state"),
            ),
            (
                _("Missions"),
                MissionCitation.objects.filter(
                    source=self.object, record__in=visible_acts(Mission.objects.all(), user)
                ).select_related("record__sending_state", "record__host_state"),
            ),
            (
                _("Delegations"),
                DelegationCitation.objects.filter(
                    source=self.object, record__in=visible_acts(Delegation.objects.all(), user)
                ).select_related("record__sending_state", "record__host_state"),
            ),
        ]
        return context


@dataclass
class ProfileSection:
    """One table of a state's profile: its first PROFILE_ROWS rows and the list they come from."""

    title: str
    rows: list
    list_url: str
    has_more: bool


class StateDetailView(VisibleDetailView):
    """A state's profile and its recognition status as of a day (`?date=YYYY-MM-DD`, default today)."""

    model = State
    select_related = ("parent",)
    # The profile's sections: key, title, the acts, the state's side, their list and its filter.
    section_kinds = (
        (
            "recognitions_received",
            _("Recognitions received"),
            Recognition,
            "recognized_state",
            "events:recognition-list",
            "recognized",
        ),
        (
            "recognitions_given",
            _("Recognitions given"),
            Recognition,
            "recognizing_state",
            "events:recognition-list",
            "recognizing",
        ),
        ("missions_sent", _("Missions sent"), Mission, "sending_state", "events:mission-list", "sending"),
        ("missions_hosted", _("Missions hosted"), Mission, "host_state", "events:mission-list", "host"),
        ("delegations_sent", _("Delegations sent"), Delegation, "sending_state", "events:delegation-list", "sending"),
        ("delegations_received", _("Delegations received"), Delegation, "host_state", "events:delegation-list", "host"),
    )

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        self.status_form = StatusAsOfForm(request.GET)
        self.status_day_asked = self.status_form.cleaned_data["date"] if self.status_form.is_valid() else None
        context = self.get_context_data(object=self.object)
        return self.render_to_response(context, status=400 if self.status_form.errors else 200)

    def get_object(self, queryset=None) -> State:
        if queryset is not None or self.kwargs.get(self.pk_url_kwarg) is not None:
            state = super().get_object(queryset)
        else:
            # DetailView's lookup by slug, through SQL compiled once per process.
            state = state_by_slug(self.kwargs[self.slug_url_kwarg], self.request.user)
            if state is None:
                raise Http404(
                    gettext("No %(verbose_name)s found matching the query") % {"verbose_name": State._meta.verbose_name}
                )
        if state.parent_id and state.parent.is_draft and not is_staff(self.request.user):
            state.parent = None
        return state

    def get_context_data(self, **kwargs) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        state, user = self.object, self.request.user
        context["status_form"] = self.status_form
        if not self.status_form.errors:
            day = self.status_day_asked or timezone.localdate()
            context["status"] = profile_status(state=state, day=day, user=user)
            context["status_day"] = day
        context["sections"] = self.sections(state, user)
        return context

    def permalink(self) -> str:
        """The profile's address, with the day of the status when one was asked, so that the
        answer can be cited."""
        link = super().permalink()
        if self.status_day_asked:
            link += "?" + urlencode({"date": self.status_day_asked.isoformat()})
        return link

    def sections(self, state: State, user) -> dict[str, ProfileSection]:
        """The six sections, their rows read by `selectors.profile_sections`: one query per kind of
        act for both its sides, one for the sources of all, one for the delegations' heads."""
        from events.templatetags.tables import address

        sides: dict = {}
        for _key, _title, model, side, _list_name, _param in self.section_kinds:
            sides[model] = (*sides.get(model, ()), side)
        rows = profile_sections(sides, state.pk, user, PROFILE_ROWS + 1, PROFILE_ROWS)
        slug = state.slug
        sections = {}
        for key, title, model, side, list_name, param in self.section_kinds:
            found = rows[(model, side)]
            sections[key] = ProfileSection(
                title=title,
                rows=found[:PROFILE_ROWS],
                list_url=f"{address(list_name)}?{urlencode({param: slug})}",
                has_more=len(found) > PROFILE_ROWS,
            )
        return sections


class TimelineView(TemplateView):
    """Every act in date order, filterable by a state on either side and by year."""

    template_name = "events/timeline.html"

    def get(self, request, *args, **kwargs):
        context = self.get_context_data(**kwargs)
        return self.render_to_response(context, status=400 if context["form"].errors else 200)

    def get_context_data(self, **kwargs) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        states = State.objects.visible_to(user)
        form = TimelineForm(self.request.GET, states=states)
        form.fields["state"].widget.choices = state_choices(user)
        context["form"] = form
        if not form.is_valid():
            context["acts"] = []
            return context
        state, year = form.cleaned_data["state"], form.cleaned_data["year"]
        if state is None and year is None:
            # Every act of the archive: counted kind by kind rather than over the union
            # (selectors.CountedDates, which also pages it).
            dates = CountedDates(user)
        else:
            dates = timeline_dates(user=user, state=state, year=year)
        paginator = Paginator(dates, page_size_from(self.request, TIMELINE_PAGE_SIZE))
        try:
            page = paginator.page(self.request.GET.get("page") or 1)
        except InvalidPage as error:
            raise Http404(_("There is no such page of the timeline.")) from error
        context["page_obj"] = page
        context["paginator"] = paginator
        context["is_paginated"] = page.has_other_pages()
        context["acts"] = timeline_acts(page.object_list, user=user)
        return context


@dataclass
class SearchSection:
    title: str
    results: list
    list_url: str
    has_more: bool
    # The results as the page lists them: `<li>` items, each a link named as `str(record)`
    # names it, with a state's or person's name in the other language beside it.
    items: str = ""


# The unfiltered visible acts of each model, staff or not, per database dialect
# (`visible_acts_once`): never evaluated themselves, only copied.
_VISIBLE_ACTS: dict[tuple, QuerySet] = {}


def visible_acts_once(model, user) -> QuerySet:
    """`visible_acts(model.objects.all(), user)`, built once per process for staff and once for
    everyone else (selectors._visible_acts depends on nothing else), copied for each request."""
    key = (model, is_staff(user), connection.vendor)
    queryset = _VISIBLE_ACTS.get(key)
    if queryset is None:
        queryset = _VISIBLE_ACTS[key] = visible_acts(model.objects.all(), user)
    return queryset.all()


@lru_cache(maxsize=4096)
def _date_text(start, precision: str, language: str) -> str:
    """`record.date.display()` of a date stored as its first day and precision."""
    return PartialDate.from_date(start, precision or Precision.DAY).display(language)


class ResultWriter:
    """The search page's `<li>`s: `{{ result|record_link }}` and the other name, written in
    Python. An act is named as its model's `__str__` names it, from the act's table row
    (selectors.table_rows): its states' names in the reader's language, its date as precise
    as its source, the label of its kind, each text translated once per page; a link's address
    from its pattern (tables.url_maker), not reversed per record."""

    def __init__(self) -> None:
        self.language = get_language() or "en"
        self.native_first = native_names_first(self.language)
        self.urls = {
            State: url_maker("events:state-detail", "slug", html=False),
            Person: url_maker("events:person-detail", "slug", html=False),
            Source: url_maker("events:source-detail", "pk", html=False),
            Recognition: url_maker("events:recognition-detail", "pk", html=False),
            Mission: url_maker("events:mission-detail", "pk", html=False),
            Delegation: url_maker("events:delegation-detail", "pk", html=False),
        }
        self.kinds = {str(value): str(label) for value, label in Mission._meta.get_field("kind").flatchoices}

    def name(self, state) -> str:
        """`str(state)` of a state read with a table row: its name in the reader's language."""
        english, native = state.name, state.name_native
        return (native or english) if self.native_first else (english or native)

    def date(self, row, name: str) -> str:
        start = getattr(row, f"{name}_start")
        return "?" if start is None else _date_text(start, getattr(row, f"{name}_precision"), self.language)

    def text(self, row) -> str:
        """`str(record)` of an act (Recognition, Mission, Delegation.__str__) from its table row."""
        model = type(row)._meta.model
        if model is Recognition:
            values = {
                "recognizing": self.name(row.recognizing_state),
                "recognized": self.name(row.recognized_state),
                "date": self.date(row, "date"),
            }
            if row.action == RecognitionAction.WITHDRAWAL:
                return gettext("%(recognizing)s withdrew recognition of %(recognized)s, %(date)s") % values
            return gettext("%(recognizing)s recognised %(recognized)s, %(date)s") % values
        if model is Mission:
            where = f", {row.city}" if row.city else ""
            values = {
                "kind": self.kinds.get(row.kind, row.kind),
                "sending": self.name(row.sending_state),
                "host": self.name(row.host_state),
            }
            return gettext("%(kind)s of %(sending)s in %(host)s") % values + where
        values = {
            "sending": self.name(row.sending_state),
            "host": self.name(row.host_state),
            "date": self.date(row, "date"),
        }
        return gettext("Delegation of %(sending)s to %(host)s, %(date)s") % values

    def act_items(self, rows: list) -> str:
        if not rows:
            return ""
        url = self.urls[type(rows[0])._meta.model]
        return "".join(f'<li><a href="{escape(url(row.pk))}">{escape(self.text(row))}</a></li>' for row in rows)

    def record_items(self, model, records: list) -> str:
        """States, persons, sources: `str(record)`, and the other name of a state or a person."""
        url = self.urls[model]
        key = "pk" if model is Source else "slug"
        items = []
        for record in records:
            other = getattr(record, "other_name", "")
            other = f' <span class="muted">({escape(other)})</span>' if other else ""
            items.append(f'<li><a href="{escape(url(getattr(record, key)))}">{escape(str(record))}</a>{other}</li>')
        return "".join(items)


# Stands for the search text in the search page's queries compiled once (`search_statement`).
SEARCH_SENTINEL = "searchsentinel918273645546372819"


def search_arguments(text: str) -> list[Argument] | None:
    """A search's text in the forms its SQL has it in, where the SQL depends on nothing else:
    on SQLite the FTS5 phrase of text long enough for a trigram; on PostgreSQL the text itself
    (full text) and its LIKE pattern (names as substrings). None: the ORM builds the query."""
    if connection.vendor == "sqlite":
        phrase = trigram_parameter(text, connection)
        return None if phrase is None else [Argument(text, phrase)]
    if connection.vendor == "postgresql":
        return [Argument(text, text), Argument(text, f"%{connection.ops.prep_for_like_query(text)}%")]
    return None


# The search page's queries per section, kind of reader and database (`search_statement`);
# None where the ORM's SQL could not be reproduced with the text alone.
_SEARCH_STATEMENTS: dict[tuple, tuple[Statement, int] | None] = {}


def search_statement(key: tuple, build, arguments: list[Argument]) -> tuple[Statement, int] | None:
    """The query `build(text)` compiled once per `key` (and database) with a sentinel text, kept
    only where it is the ORM's own SQL for the request's `arguments` (Statement.checked), with
    how many of the text's forms it has (on PostgreSQL a model without names matched as
    substrings has the text itself only); then each search only puts its text in."""
    key = (*key, connection.alias, connection.vendor)
    found = _SEARCH_STATEMENTS.get(key, False)
    if found is False:
        found = None
        sentinels = search_arguments(SEARCH_SENTINEL)
        for count in range(len(arguments), 0, -1):
            statement = Statement.compile(
                lambda values: build(values[0]), sentinels[:count], arguments[:count], alias=connection.alias
            )
            if statement is not None:
                found = (statement, count)
                break
        _SEARCH_STATEMENTS[key] = found
    return found


class SearchView(TemplateView):
    """One search over states, persons, sources and the notes of recognitions, missions and
    delegations: PostgreSQL full text in English and Russian, case-folded matching on SQLite.
    The acts are read as their tables read them (selectors.table_rows) and named in Python
    (`ResultWriter`): the records, their two states and a `reverse()` per link were most of
    the page's time."""

    template_name = "events/search.html"

    def get_context_data(self, **kwargs) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        text = clean_search_text(self.request.GET.get("q", ""))
        context["q"] = text
        if not text:
            context["sections"] = []
            return context
        user = self.request.user
        writer = ResultWriter()
        sections = []
        for title, model, list_name in (
            (_("States"), State, "events:state-list"),
            (_("Persons"), Person, "events:person-list"),
            (_("Sources"), Source, "events:source-list"),
            (_("Recognitions (notes and instruments)"), Recognition, "events:recognition-list"),
            (_("Missions (notes and cities)"), Mission, "events:mission-list"),
            (_("Delegations (notes, places and occasions)"), Delegation, "events:delegation-list"),
        ):
            if model in (State, Person, Source):
                results = self.records(model, user, text)
                items = writer.record_items(model, results[:SEARCH_ROWS])
            else:
                results = self.acts(model, user, text)
                items = writer.act_items(results[:SEARCH_ROWS])
            sections.append(
                SearchSection(
                    title=title,
                    results=results[:SEARCH_ROWS],
                    list_url=f"{reverse_once(list_name)}?{urlencode({'search': text})}",
                    has_more=len(results) > SEARCH_ROWS,
                    items=mark_safe(items),
                )
            )
        context["sections"] = sections
        context["found"] = sum(len(section.results) for section in sections)
        return context

    def records(self, model, user, text: str) -> list:
        """The first matching states, persons or sources `user` may see, as model instances: by
        a query compiled once per kind of reader where it can be (`search_statement`)."""

        def build(text):
            return model.objects.visible_to(user).search(text)[: SEARCH_ROWS + 1]

        compiled = self.compiled(("records", model, is_staff(user)), build, text)
        if compiled is None:
            return list(build(text))
        rows, alias = compiled
        names = [field.attname for field in model._meta.concrete_fields]
        return [model.from_db(alias, names, row) for row in rows]

    def acts(self, model, user, text: str) -> list:
        """The first acts `user` may see whose own text matches, as their table rows. On
        PostgreSQL the first ids are found in the model's order among the matches first, and only
        they are read with their states: joining both states to every match (a nested loop over
        thousands of rows for a state's name) before sorting cost a quarter more."""

        def build(text):
            matching = self.own_text(visible_acts_once(model, user), text)
            if connection.vendor == "postgresql":
                first = matching.order_by(*model._meta.ordering).values("pk")[: SEARCH_ROWS + 1]
                matching = visible_acts_once(model, user).filter(id_in(first))
            return matching[: SEARCH_ROWS + 1]

        compiled = self.compiled(
            ("acts", model, is_staff(user)), lambda text: build(text).values_list(*_table_fields(model)[0]), text
        )
        if compiled is None:
            return table_rows(build(text))
        return table_rows_of(model, compiled[0])

    @staticmethod
    def compiled(key: tuple, build, text: str) -> tuple[list, str] | None:
        """The rows of `build(text)` through its query compiled once; None: not compiled."""
        arguments = search_arguments(text)
        if arguments is None:
            return None
        found = search_statement(key, build, arguments)
        if found is None:
            return None
        statement, forms_ = found
        return statement.rows([argument.parameter for argument in arguments[:forms_]]), statement.alias

    @staticmethod
    def own_text(queryset: QuerySet, text: str) -> QuerySet:
        """An act's own text only: a state's name would match every act of that state."""
        return queryset.with_search_document().filter(queryset.search_q(text))


class HomeView(TemplateView):
    """What the archive holds, a search box, the latest acts and the ways in."""

    template_name = "events/home.html"

    def get_context_data(self, **kwargs) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["counts"] = [
            (State._meta.verbose_name_plural, State.objects.visible_to(user).count(), "events:state-list"),
            (
                Recognition._meta.verbose_name_plural,
                visible_count(Recognition, user),
                "events:recognition-list",
            ),
            (
                Mission._meta.verbose_name_plural,
                visible_count(Mission, user),
                "events:mission-list",
            ),
            (
                Delegation._meta.verbose_name_plural,
                visible_count(Delegation, user),
                "events:delegation-list",
            ),
            (Person._meta.verbose_name_plural, Person.objects.visible_to(user).count(), "events:person-list"),
            (Source._meta.verbose_name_plural, Source.objects.visible_to(user).count(), "events:source-list"),
        ]
        context["recent_acts"] = recent_acts(user=user, count=RECENT_ACTS)
        # The archive's subject: the states whose recognition is in question, as entry points.
        context["states"] = (
            State.objects.visible_to(user).exclude(status=StateStatus.UN_MEMBER).order_by("name")[:PROFILE_ROWS]
        )
        context["today"] = timezone.localdate()
        return context
