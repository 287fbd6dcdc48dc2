"""The pictures: the recognition network over time, the map of missions, the timeline chart.

Each picture is drawn in the browser (static/js/) from data the server hands over, either from
the documented endpoint /api/network/ or embedded in the page with `json_script`. Each page
also shows the same facts as a table, built here from the same selectors, so that it reads the
same without JavaScript and every picture has a text alternative.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterable
from typing import Any

from django import forms
from django.core.paginator import Paginator
from django.db.models import Min, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from events.dates import PartialDate, PartialDateError, Precision, parse_day
from events.models import Delegation, Mission, MissionKind, Recognition, RecognitionAction, State, StateStatus
from events.querysets import RecognitionNetwork, recognition_network, visible_recognitions
from events.selectors import (
    DELEGATION,
    MISSION_CLOSED,
    MISSION_OPENED,
    RECOGNITION,
    WITHDRAWAL,
    TimelineAct,
    visible_acts,
)

# A number the scripts replace with a record's id in a reversed URL.
URL_PLACEHOLDER = 999999999

# Rows per page of the tables that stand beside the network and the map.
TABLE_PAGE_SIZE = 200

DAY_HELP = _("A full day, YYYY-MM-DD. Empty means today.")


def clean_day(text: str | None) -> datetime.date | None:
    """A day typed as YYYY-MM-DD, or None for none; a form error names what is wrong."""
    if not text:
        return None
    try:
        return parse_day(text)
    except PartialDateError as error:
        raise forms.ValidationError(str(error), code="invalid_day") from error


def state_json(state: State) -> dict[str, Any]:
    """What the scripts need of a state to place, name and link it in either language."""
    return {
        "slug": state.slug,
        "name": state.name,
        "name_native": state.name_native,
        "short_name": state.short_name,
        "short_name_native": state.short_name_native,
        "status": state.status,
        "latitude": float(state.latitude) if state.latitude is not None else None,
        "longitude": float(state.longitude) if state.longitude is not None else None,
        "url": state.get_absolute_url(),
    }


# --- The network endpoint -----------------------------------------------------------------------


class NetworkQuerySerializer(serializers.Serializer):
    date = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=10,
        help_text=_("The day, YYYY-MM-DD; today if left out."),
    )
    status = serializers.MultipleChoiceField(
        choices=StateStatus.choices,
        required=False,
        help_text=_("Keep only states of this status, and the recognitions between them; repeat for several."),
    )

    def validate_date(self, value: str) -> datetime.date | None:
        try:
            return clean_day(value)
        except forms.ValidationError as error:
            raise serializers.ValidationError(error.messages) from error


class NetworkNodeSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField(help_text=_("The name in English."))
    name_native = serializers.CharField(help_text=_("The name in the state's own language; may be empty."))
    status = serializers.ChoiceField(choices=StateStatus.choices)
    latitude = serializers.FloatField(allow_null=True, help_text=_("Of the capital."))
    longitude = serializers.FloatField(allow_null=True, help_text=_("Of the capital."))


class NetworkEdgeSerializer(serializers.Serializer):
    source = serializers.SlugField(help_text=_("The recognising state's slug."))
    target = serializers.SlugField(help_text=_("The recognised state's slug."))
    certain = serializers.BooleanField(
        help_text=_("False when an act whose date may or may not fall by the day could change the answer.")
    )
    since = serializers.CharField(
        help_text=_("The date of the recognition in force, at its precision: 2014-06, 2015-04-28, 2008.")
    )


class NetworkSerializer(serializers.Serializer):
    """The shape of /api/network/, for the OpenAPI schema; the view writes the same keys."""

    date = serializers.DateField()
    nodes = NetworkNodeSerializer(many=True, help_text=_("The states that exist on the day."))
    edges = NetworkEdgeSerializer(many=True, help_text=_("The recognitions in force on the day, directed."))


def network_json(network: RecognitionNetwork) -> dict[str, Any]:
    """The network as the endpoint writes it (NetworkSerializer's shape, written directly since
    it may hold tens of thousands of edges)."""
    return {
        "date": network.day.isoformat(),
        "nodes": [
            {
                "slug": state.slug,
                "name": state.name,
                "name_native": state.name_native,
                "status": state.status,
                "latitude": float(state.latitude) if state.latitude is not None else None,
                "longitude": float(state.longitude) if state.longitude is not None else None,
            }
            for state in network.nodes
        ],
        "edges": [
            {"source": edge.source.slug, "target": edge.target.slug, "certain": edge.certain, "since": str(edge.since)}
            for edge in network.edges
        ],
    }


class NetworkAPIView(APIView):
    """The recognitions in force on a day, as the network page draws them."""

    permission_classes = [AllowAny]
    renderer_classes = [JSONRenderer]

    @extend_schema(
        operation_id="network_retrieve",
        summary=_("Recognition network on a day"),
        description=_(
            "States as nodes and the recognitions in force on the day as directed edges, derived from the "
            "dated acts as the status of a state is: per pair of states the last certain act decides, and an "
            "edge is uncertain when an act whose date may or may not fall by the day could change that. "
            "States certainly declared after the day or dissolved before it are left out. Drafts are shown "
            "to signed-in staff only. A fixed number of database queries whatever the size of the archive."
        ),
        parameters=[NetworkQuerySerializer],
        responses={
            200: NetworkSerializer,
            400: OpenApiResponse(
                response=inline_serializer(
                    "NetworkQueryError",
                    {
                        "date": serializers.ListField(child=serializers.CharField(), required=False),
                        "status": serializers.ListField(child=serializers.CharField(), required=False),
                    },
                ),
                description=_("A parameter is not understood; each key names one, with what is wrong."),
            ),
        },
        tags=["pictures"],
    )
    def get(self, request):
        query = NetworkQuerySerializer(data=request.query_params)
        if not query.is_valid():
            return Response(query.errors, status=400)
        day = query.validated_data.get("date") or timezone.localdate()
        network = recognition_network(day=day, user=request.user, statuses=query.validated_data.get("status", []))
        return Response(network_json(network))


# --- The network page ---------------------------------------------------------------------------


class NetworkForm(forms.Form):
    date = forms.CharField(
        label=_("Recognitions in force on"),
        required=False,
        max_length=10,
        help_text=DAY_HELP,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    status = forms.MultipleChoiceField(
        label=_("Only states that are"),
        choices=StateStatus.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked shows every state."),
    )

    def clean_date(self) -> datetime.date | None:
        return clean_day(self.cleaned_data["date"])


def network_strings() -> dict[str, str]:
    """What the network's script says, in the page's language."""
    return {
        "certain": gettext("certain"),
        "uncertain": gettext("uncertain"),
        "loading": gettext("Loading…"),
        "failed": gettext("The network for that day could not be loaded: the tables show the last day loaded."),
        "play": gettext("Play"),
        "pause": gettext("Pause"),
        # Translators: the summary under the network picture; %(certain)s and %(uncertain)s count recognitions.
        "summary": gettext(
            "On %(day)s: %(states)s states, %(certain)s recognitions certainly in force, %(uncertain)s uncertain."
        ),
    }


def network_table(network: RecognitionNetwork) -> list[dict[str, Any]]:
    """Per state on the day: how many recognise it for certain, and how many may."""
    certain = Counter(edge.target.pk for edge in network.edges if edge.certain)
    uncertain = Counter(edge.target.pk for edge in network.edges if not edge.certain)
    return [
        {"state": state, "recognized_by": certain[state.pk], "uncertain": uncertain[state.pk]}
        for state in network.nodes
    ]


class NetworkView(TemplateView):
    """The recognition network as of a day: a picture redrawn from /api/network/ as the slider
    moves, and the same network as tables for readers without JavaScript."""

    template_name = "events/network.html"

    def get(self, request, *args, **kwargs):
        context = self.get_context_data(**kwargs)
        return self.render_to_response(context, status=400 if context["form"].errors else 200)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        today = timezone.localdate()
        form = NetworkForm(self.request.GET or None)
        filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
        day = filters.get("date") or today
        statuses = filters.get("status", [])
        network = recognition_network(day=day, user=user, statuses=statuses)
        # The slider starts on the first of January of the first act's year, so the network grows from nothing.
        first_act = visible_recognitions(user).aggregate(first=Min("date_start"))["first"] or today
        first = datetime.date(first_act.year, 1, 1)
        states = State.objects.visible_to(user).order_by("name")
        strings = network_strings()
        day_display = PartialDate.from_date(day).display()
        uncertain = sum(not edge.certain for edge in network.edges)
        context.update(
            form=form,
            day=day,
            day_display=day_display,
            summary=strings["summary"]
            % {
                "day": day_display,
                "states": len(network.nodes),
                "certain": len(network.edges) - uncertain,
                "uncertain": uncertain,
            },
            network=network,
            page_obj=Paginator(network.edges, TABLE_PAGE_SIZE).get_page(self.request.GET.get("page")),
            state_rows=network_table(network),
            picture={
                "endpoint": reverse("pictures:api-network"),
                # The network of the page's own day, so that the first picture needs no second request.
                "network": network_json(network),
                "day": day.isoformat(),
                "first": min(first, day).isoformat(),
                "last": max(today, day).isoformat(),
                "statuses": statuses,
                "states": [state_json(state) for state in states],
                "pageSize": TABLE_PAGE_SIZE,
                "strings": strings,
                "statusLabels": dict(StateStatus.choices),
            },
        )
        return context


# --- The map ------------------------------------------------------------------------------------


class MapForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind of mission"),
        choices=[("", pgettext_lazy("kind of mission", "any")), *MissionKind.choices],
        required=False,
    )
    date = forms.CharField(
        label=_("Open on"),
        required=False,
        max_length=10,
        help_text=_("A full day, YYYY-MM-DD. Empty shows every mission, open or closed."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def clean_date(self) -> datetime.date | None:
        return clean_day(self.cleaned_data["date"])


def mission_uncertain_on(mission: Mission, day: datetime.date) -> bool:
    """Open on `day` only perhaps: it may not have opened yet, or may have closed already."""
    return mission.opened_end > day or (mission.closed_start is not None and mission.closed_start <= day)


# The columns of a mission the map's script reads; read as plain rows, since there may be tens of thousands.
MISSION_COLUMNS = (
    "id",
    "sending_state__slug",
    "host_state__slug",
    "kind",
    "city",
    "opened_start",
    "opened_precision",
    "closed_start",
    "closed_precision",
)


def iso_partial(start: datetime.date | None, precision: str) -> str | None:
    return PartialDate.from_date(start, precision or Precision.DAY).isoformat() if start else None


def missions_json(missions) -> list[dict[str, Any]]:
    """Every mission as the map's script needs it: dates at their precision, the rest by reference."""
    return [
        {
            "id": row[0],
            "sending": row[1],
            "host": row[2],
            "kind": row[3],
            "city": row[4],
            "opened": iso_partial(row[5], row[6]),
            "closed": iso_partial(row[7], row[8]),
        }
        for row in missions.values_list(*MISSION_COLUMNS)
    ]


def map_strings() -> dict[str, str]:
    """What the map's script says, in the page's language."""
    return {
        "open": gettext("open"),
        "uncertain": gettext("uncertain"),
        # Translators: the summary under the map; %(unplaced)s counts missions a state of which has no coordinates.
        "summary": gettext("%(shown)s missions, %(unplaced)s of them not drawn: a state has no coordinates."),
        "failed": gettext("The world outlines could not be loaded: the missions are drawn without them."),
    }


class MapView(TemplateView):
    """Missions on a world map, from sending to host state at their capitals; filterable by kind
    and as of a day, in the browser and, without JavaScript, by the form and the table."""

    template_name = "events/map.html"

    def get(self, request, *args, **kwargs):
        context = self.get_context_data(**kwargs)
        return self.render_to_response(context, status=400 if context["form"].errors else 200)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        form = MapForm(self.request.GET or None)
        filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
        kind = filters.get("kind", "")
        day = filters.get("date")
        missions = visible_acts(Mission.objects.all(), user).select_related("sending_state", "host_state")
        missions = missions.order_by("opened_start", "id")
        shown = missions.filter(kind=kind) if kind else missions
        if day is not None:
            shown = shown.active_on(day)
        states = list(State.objects.visible_to(user).order_by("name"))
        page_obj = Paginator(shown, TABLE_PAGE_SIZE).get_page(self.request.GET.get("page"))
        strings = map_strings()
        not_drawn = shown.filter(Q(sending_state__latitude__isnull=True) | Q(host_state__latitude__isnull=True))
        context.update(
            form=form,
            day=day,
            page_obj=page_obj,
            rows=[
                {"mission": mission, "uncertain": day is not None and mission_uncertain_on(mission, day)}
                for mission in page_obj
            ],
            unplaced=[state for state in states if state.latitude is None],
            summary=strings["summary"] % {"shown": page_obj.paginator.count, "unplaced": not_drawn.count()},
            picture={
                "kind": kind,
                "day": day.isoformat() if day else "",
                "states": [state_json(state) for state in states],
                "missions": missions_json(missions),
                "kinds": dict(MissionKind.choices),
                "missionUrl": reverse("events:mission-detail", kwargs={"pk": URL_PLACEHOLDER}),
                "urlPlaceholder": str(URL_PLACEHOLDER),
                "pageSize": TABLE_PAGE_SIZE,
                "strings": strings,
            },
        )
        return context


# --- The timeline chart -------------------------------------------------------------------------

# The kinds of act the chart draws, in the order of its rows (the kinds of events.selectors).
TIMELINE_KINDS = {
    RECOGNITION: _("recognitions"),
    WITHDRAWAL: _("withdrawals"),
    MISSION_OPENED: _("missions opened"),
    MISSION_CLOSED: _("missions closed"),
    DELEGATION: _("delegations"),
}


def acts_of_records(records: Iterable) -> list[TimelineAct]:
    """The acts a list of records stands for: a recognition or withdrawal, a mission's opening
    and its closing, a delegation; as the rows of events.selectors.timeline_acts."""
    acts = []
    for record in records:
        if isinstance(record, Recognition):
            kind = WITHDRAWAL if record.action == RecognitionAction.WITHDRAWAL else RECOGNITION
            acts.append(TimelineAct(kind=kind, date=record.date, record=record))
        elif isinstance(record, Mission):
            acts.append(TimelineAct(kind=MISSION_OPENED, date=record.opened, record=record))
            if record.closed is not None:
                acts.append(TimelineAct(kind=MISSION_CLOSED, date=record.closed, record=record))
        elif isinstance(record, Delegation):
            acts.append(TimelineAct(kind=DELEGATION, date=record.date, record=record))
    return acts


def timeline_label(act: TimelineAct) -> str:
    """What a mark says when pointed at, in the page's language."""
    values = {"a": str(act.sending_state), "b": str(act.receiving_state)}
    if act.kind == RECOGNITION:
        return gettext("%(a)s recognised %(b)s") % values
    if act.kind == WITHDRAWAL:
        return gettext("%(a)s withdrew its recognition of %(b)s") % values
    if act.kind == DELEGATION:
        return gettext("Delegation of %(a)s to %(b)s") % values
    values["kind"] = capfirst(act.record.get_kind_display())
    if act.kind == MISSION_OPENED:
        return gettext("%(kind)s of %(a)s opened in %(b)s") % values
    return gettext("%(kind)s of %(a)s closed in %(b)s") % values


def timeline_chart_data(acts: Iterable[TimelineAct]) -> dict[str, Any]:
    """The chart's data: its rows, and per act where it is drawn, what it says and where it links."""
    marks = []
    for act in acts:
        first, last = act.date.interval()
        marks.append(
            {
                "kind": act.kind,
                "start": first.isoformat(),
                "end": last.isoformat(),
                "span": act.date.precision is not Precision.DAY,
                "date": act.date.display(),
                "label": timeline_label(act),
                "url": act.record.get_absolute_url(),
            }
        )
    present = {mark["kind"] for mark in marks}
    kinds = [{"kind": kind, "label": str(label)} for kind, label in TIMELINE_KINDS.items() if kind in present]
    return {"kinds": kinds, "marks": marks}
