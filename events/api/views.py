"""Thin viewsets of the API: each declares its queryset (with select_related), the references
whose drafts hide a record, the nested lists it prefetches, its serializer and the FilterSet it
shares with the website. What they have in common lives in ArchiveViewSet."""

from __future__ import annotations

from collections import Counter

from django.db import connections
from django.db.models import ProtectedError, Q, QuerySet
from django.http import QueryDict
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import exceptions, serializers, viewsets
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.decorators import action, api_view, authentication_classes, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from events import querysets
from events.api import schema  # noqa: F401  (registers the OpenAPI extensions)
from events.api.filtering import ORDER, SEARCH, ArchiveFilterBackend, list_filters
from events.api.lean import (
    DELEGATIONS,
    MISSIONS,
    RECOGNITIONS,
    Lean,
    drafts_seen_by,
    reader_kind,
    recognition_status_data,
    renders_lean_json,
    use_lean_renderer,
)
from events.api.pagination import CompiledRows
from events.api.serializers import (
    DelegationSerializer,
    MissionSerializer,
    PersonSerializer,
    RecognitionSerializer,
    RecognitionStatusSerializer,
    SourceSerializer,
    StateSerializer,
    StatusQuerySerializer,
)
from events.compiled import Statement
from events.exports import csv_response, csv_rows, visible_nested
from events.filtersets import (
    DelegationFilterSet,
    MissionFilterSet,
    PersonFilterSet,
    RecognitionFilterSet,
    SourceFilterSet,
    StateFilterSet,
)
from events.models import Delegation, Mission, Person, PublicationStatus, Recognition, Source, State
from events.selectors import hidden_by_draft_states


class CSVRenderer(BaseRenderer):
    """Chosen by `?format=csv` (or `Accept: text/csv`) on a list. The list answers with the CSV
    download itself, a streaming response this renderer never renders; errors stay JSON."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"


class RecordInUse(exceptions.APIException):
    status_code = 409
    default_detail = "This record is still referred to by others."
    default_code = "protected"


def in_use_message(instance, error: ProtectedError) -> str:
    counts = Counter(type(obj) for obj in error.protected_objects)
    referrers = ", ".join(
        f"{count} {model._meta.verbose_name if count == 1 else model._meta.verbose_name_plural}"
        for model, count in sorted(counts.items(), key=lambda item: item[0]._meta.verbose_name)
    )
    return f"“{instance}” cannot be deleted: {referrers} still refer to it. Delete or change those first."


LIST_FORMAT = OpenApiParameter(
    "format",
    OpenApiTypes.STR,
    enum=["json", "csv"],
    description=(
        "`json` (the default); `csv` for every filtered row as flat CSV, the website's columns, "
        "not paginated. Browsers get the browsable API."
    ),
)


def list_schema(serializer: type[serializers.Serializer]):
    """The list operation: the JSON page, or with `format=csv` the CSV download."""
    return extend_schema(
        parameters=[LIST_FORMAT],
        responses={
            (200, "application/json"): serializer(many=True),
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="With `format=csv`: all filtered rows."),
        },
    )


def count_of(sql: str) -> str:
    """The count of a query's rows, as the ORM counts a distinct or sliced queryset."""
    return f"SELECT COUNT(*) FROM ({sql}) subquery"


# The lean lists' base querysets, per viewset and kind of reader (built once: never run themselves).
_lean_bases: dict[tuple, QuerySet] = {}
# The lean lists' page and count queries, per viewset, database, kind of reader and shape of
# request (ArchiveViewSet.compiled_list), and whether the page leaves its timestamps and dates
# as the driver gives them (Lean.unconverted); None where the ORM's own path answers.
_compiled_lists: dict[tuple, tuple[Statement, Statement, bool] | None] = {}


class ArchiveViewSet(viewsets.ModelViewSet):
    """Read for everyone, write with a model permission. Lists are filtered by the shared
    FilterSet and paginated; `?format=csv` downloads every filtered row instead."""

    queryset: QuerySet
    # References whose drafts hide this record from anyone who may not see drafts.
    hidden_with_draft: tuple[str, ...] = ()
    # Nested lists read with the record (`citations`, `participants`), without drafts' items.
    nested: tuple[str, ...] = ()
    # The lean JSON list (events/api/lean.py), for the facts' lists; None: the serializer's.
    lean: Lean | None = None
    # The shared FilterSet, validating only the filters the query string names (events/api/filtering.py).
    filter_backends = [ArchiveFilterBackend]

    def get_queryset(self) -> QuerySet:
        # Built once per request: the permission check asks for it too (for its model).
        if getattr(self, "_base_queryset", None) is None:
            self._base_queryset = self._build_queryset()
        return self._base_queryset.all()

    def _build_queryset(self) -> QuerySet:
        user = self.request.user
        if self.answers_lean_list():
            # The lean list reads its nested lists itself, and what it shows depends on the user's
            # kind only (visible_to): its queryset is built once per kind, each request's a copy.
            key = (type(self), *reader_kind(user))
            queryset = _lean_bases.get(key)
            if queryset is None:
                queryset = _lean_bases[key] = self._visible_queryset(user)
            return queryset
        queryset = self._visible_queryset(user)
        return queryset.prefetch_related(*(visible_nested(self.queryset.model, name, user) for name in self.nested))

    def _visible_queryset(self, user) -> QuerySet:
        queryset = self.queryset.visible_to(user)
        if not self.sees_drafts() and self.hidden_with_draft:
            # A reference's own visible_to() for anyone who may not see drafts is published(): said
            # as NOT IN the (usually empty) list of draft states, as the HTML lists say it
            # (selectors.visible_acts). As a filter on the joined states' status, SQLite began
            # with the states, read every act and sorted them all for a page of 50: 350 ms for
            # the unfiltered list, 380 ms for ?action=withdrawal; IN (published states) scanned every state
            # for a page.
            drafts = State.objects.filter(publication_status=PublicationStatus.DRAFT).values("pk")
            for name in self.hidden_with_draft:
                queryset = queryset.exclude(**{f"{name}__in": drafts})
        return queryset

    def hidden_by_drafts(self, alias: str) -> tuple[QuerySet, list[Q]] | None:
        """For the count of a list by anyone who may not see drafts: the records visible before
        the draft states are hidden and the conditions that hide them, on SQLite
        (selectors.hidden_by_draft_states); None: the visible queryset's own count."""
        if self.sees_drafts() or not self.hidden_with_draft:
            return None
        shown = self.queryset.visible_to(self.request.user).using(alias)
        return hidden_by_draft_states(shown, self.hidden_with_draft)

    def sees_drafts(self) -> bool:
        """Whether the request's user sees drafts (serializers.sees_drafts, asked once per kind of
        reader: events.api.lean.drafts_seen_by), asked once per request."""
        if getattr(self, "_sees_drafts", None) is None:
            self._sees_drafts = drafts_seen_by(self.request.user)
        return self._sees_drafts

    def answers_lean_list(self) -> bool:
        return self.action == "list" and self.lean is not None and renders_lean_json(self.request)

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        """Filters narrow lists; a record's own address answers whatever the query string says."""
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)

    def get_renderers(self) -> list[BaseRenderer]:
        renderers = super().get_renderers()
        if self.action == "list":
            renderers.append(CSVRenderer())
        return renderers

    def list(self, request: Request, *args, **kwargs):
        if self.answers_lean_list():
            return self.lean_list(request)
        if request.accepted_renderer.format != CSVRenderer.format:
            return super().list(request, *args, **kwargs)
        # The CSV export fetches what its columns need itself.
        queryset = self.filter_queryset(self.get_queryset()).prefetch_related(None)
        base_url = request.build_absolute_uri("/").rstrip("/")
        return csv_response(csv_rows(queryset, base_url=base_url, user=request.user), f"{self.basename}s.csv")

    def lean_list(self, request: Request) -> Response:
        """The JSON page as the serializer gives it, built from `.values()` rows and rendered by
        orjson: the same filters, order, pagination envelope and errors."""
        compiled = self.compiled_list(request)
        if compiled is not None:
            return compiled
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(self.lean.values(queryset))
        return self.lean_page(request, page)

    def lean_page(self, request: Request, page: list[dict], *, driver: bool = False) -> Response:
        rows = self.lean.rows(page, request, sees_drafts=self.sees_drafts(), driver=driver)
        response = self.get_paginated_response(rows)
        use_lean_renderer(request)
        return response

    def compiled_list(self, request: Request) -> Response | None:
        """The lean list, its count and page read by queries compiled once per shape of request
        (which filters are given, the ordering, the kind of reader, the database), and run with
        the request's values: the FilterSet's filters and the ORM's SQL, without building and
        compiling them per request. A filter given as a slug is looked up by a query compiled
        once too. DRF's pagination pages it (events.api.pagination.CompiledRows): the same
        count, links and errors. None: the request is left to the FilterSet and the ORM (a
        filter read no other way, such as `search`; a value that does not clean or names no
        record, which the FilterSet answers with its error)."""
        filters = list_filters(self.filterset_class)
        if filters is None:
            return None
        asked = filters.read(request.query_params)
        if asked is None:
            return None
        base = self.get_queryset()
        alias = base.db
        reader = reader_kind(request.user)
        parameters = filters.parameters(asked, request, reader, alias)
        if parameters is None:
            return None
        key = (type(self), alias, reader, asked.shape())
        plan = _compiled_lists.get(key, False)
        if plan is False:
            plan = _compiled_lists[key] = self.compile_list(request, filters, asked, parameters, base, alias)
        if plan is None:
            return None
        page_statement, count_statement, driver = plan
        page = self.paginate_queryset(CompiledRows(page_statement, count_statement, parameters))
        return self.lean_page(request, page, driver=driver)

    def compile_list(self, request, filters, asked, parameters: list, base: QuerySet, alias: str):
        """The page and count queries of a shape of request, with the FilterSet's own filters
        applied to sentinel values, each checked against the ORM's SQL for this request."""
        filterset = self.filterset_class(data=QueryDict(), queryset=base, request=request)

        def filtered(values, on=base):
            queryset = on.all()
            given = iter(values)
            for name, kind, value in asked.filters:
                queryset = filterset.filters[name].filter(queryset, list(value) if kind == ORDER else next(given))
            return queryset

        sentinels = filters.sentinels(asked, alias)
        arguments = filters.arguments(asked, parameters)
        page = Statement.compile(
            lambda values: self.lean.values(filtered(values)), sentinels, arguments, alias=alias, window=True
        )
        # Not with a search: each term of the difference would find the matches again (the API's
        # search on SQLite, 8 -> 15 ms), where the visible count finds them once.
        searched = any(kind == SEARCH for _name, kind, _value in asked.filters)
        hidden = None if searched else self.hidden_by_drafts(alias)
        if hidden is None:
            count = Statement.compile(
                lambda values: filtered(values).order_by().values("pk"),
                sentinels,
                arguments,
                alias=alias,
                wrap=count_of,
            )
        else:
            # On SQLite, the acts less those naming a draft state (Statement.compile_count_excluding).
            shown, conditions = hidden
            count = Statement.compile_count_excluding(
                lambda values: filtered(values, on=shown).order_by(), conditions, sentinels, arguments, alias=alias
            )
        if page is None or count is None:
            return None
        unconverted = self.lean.unconverted(page, connections[alias])
        return (page, count, False) if unconverted is None else (unconverted, count, True)

    def finalize_response(self, request: Request, response, *args, **kwargs):
        """A CSV request that ends in an error gets the error as JSON."""
        if isinstance(response, Response) and isinstance(getattr(request, "accepted_renderer", None), CSVRenderer):
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        response = super().finalize_response(request, response, *args, **kwargs)
        if isinstance(response, Response):
            response.add_post_render_callback(self._forget)
        return response

    def _forget(self, response) -> None:
        """Once the answer is rendered, the view lets go of the request, the answer and the page.
        DRF's view, request and answer refer to each other (the request's and the answer's
        contexts name the view, which holds both, and the answer's names the answer), so the
        page's rows waited for the cyclic garbage collector: some 270 objects a list, freed in
        one pause every couple of hundred answers (tests/test_answers_freed.py)."""
        vars(self).clear()
        response.renderer_context = None

    def perform_destroy(self, instance) -> None:
        try:
            instance.delete()
        except ProtectedError as error:
            raise RecordInUse(in_use_message(instance, error)) from error


@extend_schema_view(list=list_schema(StateSerializer))
class StateViewSet(ArchiveViewSet):
    """States: any polity that claims statehood, recognised by many, by few or by none. A state's
    address is its slug: /api/states/south-ossetia/."""

    queryset = State.objects.select_related("parent")
    serializer_class = StateSerializer
    filterset_class = StateFilterSet
    lookup_field = "slug"

    @extend_schema(
        parameters=[StatusQuerySerializer],
        responses=RecognitionStatusSerializer,
        summary="Recognition status of the state as of a day",
        description=(
            "Per recognising state the last act decides. An act whose date interval ends on or before "
            "the day is certain; one whose interval contains the day is `uncertain`; recognition "
            "given again after a withdrawal counts again. `withdrawn`: states whose last certain act "
            "is a withdrawal. `recognizes`: the recognitions this state certainly gives that day."
        ),
    )
    @action(detail=True, url_path="recognition-status", filter_backends=[], pagination_class=None)
    def recognition_status(self, request: Request, slug: str | None = None) -> Response:
        query = StatusQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        day = query.validated_data.get("date") or timezone.localdate()
        state = self.get_object()
        # RecognitionStatusSerializer's answer, built from rows (events/api/lean.py).
        lists = querysets.recognition_status_rows(state=state, day=day, user=request.user)
        response = Response(recognition_status_data(request, state, day, lists))
        if renders_lean_json(request):
            use_lean_renderer(request)
        return response


@extend_schema_view(list=list_schema(RecognitionSerializer))
class RecognitionViewSet(ArchiveViewSet):
    """Recognitions: dated acts by which one state recognises another's independence, or withdraws
    it. State filters take slugs; `date_after`/`date_before` keep the acts whose date interval
    overlaps the range, so an act dated "2014-06" is kept for 2014-06-15..2014-12-31."""

    queryset = Recognition.objects.select_related("recognizing_state", "recognized_state")
    hidden_with_draft = ("recognizing_state", "recognized_state")
    nested = ("citations",)
    lean = RECOGNITIONS
    serializer_class = RecognitionSerializer
    filterset_class = RecognitionFilterSet


@extend_schema_view(list=list_schema(MissionSerializer))
class MissionViewSet(ArchiveViewSet):
    """Missions: standing representations of a sending state in a host state, with their opening
    and closing dates. `active_on` keeps the missions that may have been open that day."""

    queryset = Mission.objects.select_related("sending_state", "host_state")
    hidden_with_draft = ("sending_state", "host_state")
    nested = ("citations",)
    lean = MISSIONS
    serializer_class = MissionSerializer
    filterset_class = MissionFilterSet


@extend_schema_view(list=list_schema(DelegationSerializer))
class DelegationViewSet(ArchiveViewSet):
    """Delegations: people sent by one state to another on a date for an occasion, with the
    participants of both sides. `person` takes a person's slug."""

    queryset = Delegation.objects.select_related("sending_state", "host_state", "mission")
    hidden_with_draft = ("sending_state", "host_state")
    nested = ("citations", "participants")
    lean = DELEGATIONS
    serializer_class = DelegationSerializer
    filterset_class = DelegationFilterSet


@extend_schema_view(list=list_schema(PersonSerializer))
class PersonViewSet(ArchiveViewSet):
    """Persons who led, joined or received delegations. A person's address is its slug."""

    queryset = Person.objects.all()
    serializer_class = PersonSerializer
    filterset_class = PersonFilterSet
    lookup_field = "slug"


@extend_schema_view(list=list_schema(SourceSerializer))
class SourceViewSet(ArchiveViewSet):
    """Sources: the documents facts are cited from."""

    queryset = Source.objects.all()
    serializer_class = SourceSerializer
    filterset_class = SourceFilterSet


class TokenView(ObtainAuthToken):
    """POST a username and password, get the user's API token (made on first use)."""

    authentication_classes = ()
    permission_classes = (AllowAny,)
    # ObtainAuthToken turns throttling off; the API's own throttles apply to password guessing too.
    throttle_classes = APIView.throttle_classes
    # ObtainAuthToken names DRF's parsers; the API's own refuse over-nested JSON with a 400.
    parser_classes = APIView.parser_classes

    @extend_schema(
        request=AuthTokenSerializer,
        responses={200: inline_serializer("Token", {"token": serializers.CharField()})},
        auth=[],
        summary="Get an API token",
        description="Send it back as `Authorization: Token <token>` to write.",
    )
    def post(self, request: Request, *args, **kwargs) -> Response:
        return super().post(request, *args, **kwargs)


@extend_schema(exclude=True)
@api_view(["GET", "POST", "PUT", "PATCH", "DELETE"])
@authentication_classes([])
@permission_classes([AllowAny])
def not_found(request: Request, *args, **kwargs) -> Response:
    """Anything under /api/ that is no resource: a JSON 404, as for an unknown record."""
    raise exceptions.NotFound("There is nothing at this address; /api/ lists the resources.")
