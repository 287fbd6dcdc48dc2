"""The lean lists' compiled path (issue #6, performance): the count and the page read by queries
compiled once per shape of request, a filter's state read by a lookup compiled once, addresses
from templates kept per process. Every answer, error and header is the serializers' own, for
every kind of reader, in both languages; and the path is really taken where it should be."""

import datetime
from urllib.parse import urlencode

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.urls import set_script_prefix
from rest_framework.test import APIClient

from events import filtersets
from events.api import filtering, lean, views
from events.api.filtering import ArchiveFilterBackend, list_filters
from events.api.serializers import sees_drafts
from events.compiled import Argument, Statement
from events.models import Delegation, Mission, Participant, Person, Recognition, State
from tests import test_api_fast
from tests.test_api_fast import LEAN_VIEWSETS, token_client

pytestmark = pytest.mark.django_db

# The fixtures of tests/test_api_fast.py: its archive (drafts of every kind, text JSON must
# escape) and a client of each kind of reader.
archive = test_api_fast.archive
client_of = test_api_fast.client_of


def reference(monkeypatch, client, path, params=None, **headers):
    """The answer as the serializers give it, with the lean lists (and so the compiled path) off."""
    with monkeypatch.context() as patch:
        for viewset in LEAN_VIEWSETS.values():
            patch.setattr(viewset, "lean", None)
        return client.get(path, params, **headers)


class FilterSetSpy:
    """Counts the requests the FilterSet's path answers (the compiled path never calls it)."""

    def __init__(self, monkeypatch) -> None:
        self.calls = 0
        original = ArchiveFilterBackend.filter_queryset

        def filter_queryset(backend, request, queryset, view):
            self.calls += 1
            return original(backend, request, queryset, view)

        monkeypatch.setattr(ArchiveFilterBackend, "filter_queryset", filter_queryset)


def same_answer(monkeypatch, client, path, params=None, *, compiled: bool | None = None, **headers):
    """The answer, after checking it against the serializers' byte for byte, headers included;
    `compiled`: whether the compiled path must have answered it (None: either)."""
    spy = FilterSetSpy(monkeypatch)
    answer = client.get(path, params, **headers)
    took_filterset = spy.calls
    expected = reference(monkeypatch, client, path, params, **headers)
    assert answer.status_code == expected.status_code, answer.content
    assert answer.content == expected.content
    assert dict(answer.headers) == dict(expected.headers)
    if compiled is not None:
        assert (took_filterset == 0) is compiled, f"compiled path {'not ' if compiled else ''}taken"
    return answer


@pytest.fixture
def many(archive):
    """Enough acts for several pages, on both sides of several states, at every precision."""
    states = [State.objects.get(slug=slug) for slug in ("russia", "abkhazia", "dpr", "lpr", "ukraine")]
    precisions = ["2001", "2002-03", "2004-05-06", "2004-05", "2010", "2011-12-13"]
    for index in range(24):
        first, second = states[index % 5], states[(index + 2) % 5]
        Recognition.objects.create(
            recognizing_state=first,
            recognized_state=second,
            date=precisions[index % len(precisions)],
            action="withdrawal" if index % 7 == 3 else "recognition",
            instrument=f"note {index}",
        )


RECOGNITION_QUERIES = [
    {},
    {"recognized": "abkhazia"},
    {"recognized": "abkhazia", "page_size": 2},
    {"recognizing": "russia", "recognized": "dpr"},
    {"state": "russia"},
    {"state": "russia", "action": "withdrawal"},
    {"action": "recognition", "ordering": "-date"},
    {"ordering": "date", "page_size": 3, "page": 2},
    {"ordering": "-date", "page_size": 5, "page": 3},
    {"date_after": "2004-05-15"},
    {"date_before": "2004-05-15", "state": "abkhazia"},
    {"date_after": "2002-01-01", "date_before": "2010-06-30", "ordering": "-date"},
    {"recognized": "abkhazia", "format": "json"},
    {"recognized": "", "action": "", "ordering": "", "date_after": ""},
    {"recognized": "abkhazia", "unknown": "1", "search": ""},
    {"page_size": 1, "page": "last"},
    {"page_size": 1000},
    {"page_size": 7, "page": 4},
    {"recognizing": "hidden-land"},
    {"recognized": "hidden-land"},
    {"recognized": "hidden-land", "page_size": 1, "page": 2},
    {"recognized": "no-such-state"},
    {"recognized": "no-such-state", "action": "withdrawal"},
    {"recognizing": "south-ossetia", "recognized": "russia"},
    {"recognizing": "south-ossetia", "recognized": "russia", "page": 2},
]


def test_the_compiled_list_gives_the_serializers_bytes(many, client_of, monkeypatch):
    """For every kind of reader, every query, in both languages: a draft state's slug is an
    unknown one to those who may not see drafts (the FilterSet's 400), a filter for staff. The
    queries are a loop, not parameters: the archive is built once per reader (on PostgreSQL
    building it per query cost most of a minute)."""
    for params in RECOGNITION_QUERIES:
        for language in ("en", "ru"):
            try:
                same_answer(monkeypatch, client_of, "/api/recognitions/", params, HTTP_ACCEPT_LANGUAGE=language)
            except AssertionError as error:
                raise AssertionError(f"?{urlencode(params)} in {language}: {error}") from error


def test_the_compiled_path_is_the_one_taken(many, monkeypatch):
    for params in RECOGNITION_QUERIES[:13]:
        try:
            same_answer(monkeypatch, APIClient(), "/api/recognitions/", params, compiled=True)
        except AssertionError as error:
            raise AssertionError(f"?{urlencode(params)}: {error}") from error


def test_every_page_first_middle_last_and_past_the_end(many, monkeypatch):
    client = APIClient()
    count = APIClient().get("/api/recognitions/", {"page_size": 4}).json()["count"]
    last = -(-count // 4)
    assert last >= 3
    for page in (1, 2, last - 1, last):
        body = same_answer(monkeypatch, client, "/api/recognitions/", {"page_size": 4, "page": page}, compiled=True)
        assert (body.json()["next"] is None) == (page == last)
    for page in (last + 1, 0, -1, "x", "1.5", "", " 2"):
        response = same_answer(monkeypatch, client, "/api/recognitions/", {"page_size": 4, "page": page})
        assert response.status_code in (200, 404)
    assert client.get("/api/recognitions/", {"page_size": 4, "page": last + 1}).status_code == 404


BAD_QUERIES = [
    {"recognized": "atlantis"},
    {"recognized": "Abkhazia"},
    {"recognized": "abkhazia ", "state": "x y"},
    {"recognizing": "russia", "recognized": "nowhere", "action": "nonsense"},
    {"date_after": "2014-13-45"},
    {"date_before": "soon", "ordering": "sideways"},
    {"action": "null"},
    {"page_size": 0},
    {"page_size": "x", "recognized": "abkhazia"},
    {"page_size": -1, "recognized": "atlantis"},
    {"recognized": "dpr\x00"},
]


def test_bad_values_get_the_filtersets_own_errors(many, client_of, monkeypatch):
    for params in BAD_QUERIES:
        for language in ("en", "ru"):
            try:
                response = same_answer(
                    monkeypatch, client_of, "/api/recognitions/", params, HTTP_ACCEPT_LANGUAGE=language
                )
            except AssertionError as error:
                raise AssertionError(f"?{urlencode(params)} in {language}: {error}") from error
            assert response.status_code == 400, f"?{urlencode(params)} in {language}"


def test_dates_in_the_readers_own_format_and_repeated_parameters(many, monkeypatch):
    """A date as the Russian form reads it, and the last of a repeated parameter, as the form."""
    client = APIClient()
    same_answer(monkeypatch, client, "/api/recognitions/", {"date_after": "15.05.2004"}, HTTP_ACCEPT_LANGUAGE="ru")
    same_answer(monkeypatch, client, "/api/recognitions/", {"date_after": "15.05.2004"}, HTTP_ACCEPT_LANGUAGE="en")
    same_answer(monkeypatch, client, "/api/recognitions/?recognized=dpr&recognized=abkhazia", compiled=True)
    same_answer(monkeypatch, client, "/api/recognitions/?recognized=atlantis&recognized=abkhazia", compiled=True)
    same_answer(monkeypatch, client, "/api/recognitions/?recognized=abkhazia&recognized=atlantis")


def test_search_and_other_filters_go_the_filtersets_way(many, monkeypatch):
    client = APIClient()
    # A search long enough for SQLite's FTS5 trigram index is compiled there (its SQL holds the
    # text as one FTS5 phrase); shorter text, and any text on PostgreSQL, is the FilterSet's.
    same_answer(monkeypatch, client, "/api/recognitions/", {"search": "note"}, compiled=connection.vendor == "sqlite")
    same_answer(monkeypatch, client, "/api/recognitions/", {"search": "no"}, compiled=False)
    same_answer(monkeypatch, client, "/api/missions/", {"city": "Sukhum"}, compiled=False)
    same_answer(monkeypatch, client, "/api/recognitions/", {"ordering": "-date,date"}, compiled=False)


def test_addresses_follow_the_requests_host_scheme_prefix_and_format(many, monkeypatch):
    """Templates kept per process, but each request's own addresses."""
    client = APIClient()
    params = {"recognized": "abkhazia", "page_size": 2}
    for prefix, extra in (
        ("", {}),
        ("", {"HTTP_HOST": "localhost"}),
        ("", {"HTTP_HOST": "127.0.0.1"}),
        ("", {"secure": True}),
        ("/archive", {}),
        ("/archive", {"HTTP_HOST": "localhost", "secure": True}),
    ):
        # What a WSGI server's handler sets from SCRIPT_NAME (the test client's does not).
        set_script_prefix(prefix + "/")
        try:
            for query in (params, {**params, "format": "json"}):
                response = same_answer(monkeypatch, client, "/api/recognitions/", query, compiled=True, **extra)
                row = response.json()["results"][0]
                host = extra.get("HTTP_HOST", "testserver")
                scheme = "https" if extra.get("secure") else "http"
                assert row["url"].startswith(f"{scheme}://{host}{prefix}/api/recognitions/")
                assert row["html_url"].startswith(f"{scheme}://{host}{prefix}/recognitions/")
                assert row["url"].endswith("?format=json") == ("format" in query)
                assert response.json()["next"].startswith(f"{scheme}://{host}")
        finally:
            set_script_prefix("/")


OTHER_LISTS = [
    ("missions", {}),
    ("missions", {"sending": "russia"}),
    ("missions", {"host": "abkhazia", "kind": "embassy"}),
    ("missions", {"state": "abkhazia", "active_on": "2015-01-01"}),
    ("missions", {"date_after": "2000-01-01", "ordering": "-date"}),
    ("missions", {"sending": "abkhazia"}),
    ("missions", {"sending": "atlantis"}),
    ("delegations", {}),
    ("delegations", {"sending": "dpr"}),
    ("delegations", {"person": "doubled"}),
    ("delegations", {"person": "doubled", "host": "abkhazia", "ordering": "-date"}),
    ("delegations", {"person": "secret-agent"}),
    ("delegations", {"date_before": "2012-01-01", "page_size": 1, "page": 2}),
]


def test_missions_and_delegations_take_the_compiled_path_too(archive, client_of, monkeypatch):
    """Including a filter that makes the queryset distinct (a person's delegations)."""
    russia, abkhazia = State.objects.get(slug="russia"), State.objects.get(slug="abkhazia")
    doubled = Person.objects.create(slug="doubled", name="Doubled")
    for date in ("2009", "2011-02"):
        delegation = Delegation.objects.create(sending_state=russia, host_state=abkhazia, date=date, place="Sukhum")
        Participant.objects.create(delegation=delegation, person=doubled, side="delegation", role="head")
    Mission.objects.create(sending_state=abkhazia, host_state=russia, kind="consulate", opened="2012-03")
    for path, params in OTHER_LISTS:
        try:
            response = same_answer(monkeypatch, client_of, f"/api/{path}/", params)
        except AssertionError as error:
            raise AssertionError(f"/api/{path}/?{urlencode(params)}: {error}") from error
        if response.status_code == 200 and params.get("person") == "doubled":
            assert response.json()["count"] == 2, f"/api/{path}/?{urlencode(params)}"


def test_timestamps_and_dates_as_the_serializers_write_them(many, monkeypatch, settings):
    """The page read without the timestamps' and dates' converters on SQLite (lean.driver_values):
    with and without microseconds, at midnight, in another output zone, for missions' dates too;
    the same bytes as the serializers on either database."""
    utc = datetime.UTC
    stamps = [
        datetime.datetime(2021, 3, 4, 5, 6, 7, tzinfo=utc),
        datetime.datetime(2021, 3, 4, 5, 6, 7, 1, tzinfo=utc),
        datetime.datetime(2021, 3, 4, 5, 6, 7, 120000, tzinfo=utc),
        datetime.datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=utc),
        datetime.datetime(2000, 1, 1, tzinfo=utc),
    ]
    ids = list(Recognition.objects.order_by("id").values_list("id", flat=True))
    for index, pk in enumerate(ids):
        Recognition.objects.filter(pk=pk).update(
            created_at=stamps[index % len(stamps)], updated_at=stamps[(index + 2) % len(stamps)]
        )
    russia, abkhazia = State.objects.get(slug="russia"), State.objects.get(slug="abkhazia")
    Mission.objects.create(sending_state=abkhazia, host_state=russia, kind="consulate", opened="2012-03")
    Mission.objects.create(
        sending_state=russia, host_state=abkhazia, kind="embassy", opened="2008", closed="2010-05-06"
    )
    cases = [
        ("recognitions", {"page_size": 30}),
        ("recognitions", {"recognized": "abkhazia", "page_size": 30}),
        ("missions", {}),
        ("missions", {"host": "abkhazia"}),
    ]
    for zone in ("UTC", "Europe/Moscow", "America/St_Johns"):
        settings.TIME_ZONE = zone
        for path, params in cases:
            try:
                response = same_answer(monkeypatch, APIClient(), f"/api/{path}/", params, compiled=True)
            except AssertionError as error:
                raise AssertionError(f"{zone} /api/{path}/?{urlencode(params)}: {error}") from error
            assert response.status_code == 200
    settings.TIME_ZONE = "UTC"
    written = {row["created_at"] for row in APIClient().get("/api/recognitions/", {"page_size": 30}).json()["results"]}
    assert {"2021-03-04T05:06:07Z", "2021-03-04T05:06:07.000001Z", "2000-01-01T00:00:00Z"} <= written
    if connection.vendor == "sqlite":  # the driver's values were what the shapes wrote from
        assert all(plan[2] for plan in views._compiled_lists.values() if plan is not None)


def queries_of(client, path, params) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, params)
    assert response.status_code == 200
    return [query["sql"] for query in queries.captured_queries]


@pytest.mark.parametrize("reader", ["anonymous", "editor"])
def test_queries_of_the_compiled_path(many, request, reader):
    """A state's lookup, the count, the page, the page's citations (and a token's): the first
    request of a shape as many as the next, a page of 100 as many as a page of 1; an empty page
    reads neither its rows nor their citations."""
    client = APIClient() if reader == "anonymous" else token_client(request.getfixturevalue(reader))
    token = 0 if reader == "anonymous" else 1
    shape = {"state": "abkhazia", "date_after": "1990-01-01", "ordering": "-date"}
    counts = [len(queries_of(client, "/api/recognitions/", {**shape, "page_size": size})) for size in (1, 10, 100)]
    assert counts == [4 + token] * 3
    assert len(queries_of(client, "/api/recognitions/", {"ordering": "date"})) == 3 + token
    nothing = queries_of(client, "/api/recognitions/", {**shape, "date_after": "2100-01-01"})
    assert len(nothing) == 2 + token
    assert "COUNT(*)" in nothing[-1]


def test_the_compiled_queries_are_the_orms(many, rf):
    """The page's SQL is the ORM's for the sliced queryset; the count counts what the ORM counts."""
    from rest_framework.request import Request

    request = Request(rf.get("/api/recognitions/"))
    request.user = AnonymousUser()
    view = views.RecognitionViewSet(request=request, action="list", format_kwarg=None, kwargs={})
    base = view._visible_queryset(request.user)
    abkhazia, dpr = State.objects.get(slug="abkhazia"), State.objects.get(slug="dpr")

    def build(values):
        queryset = base.filter(recognized_state=values[0]).overlapping(after=values[1])
        return lean.RECOGNITIONS.values(queryset)

    sentinels = [Argument(State(pk=918273645546372001), 918273645546372001), sentinel_date(0)]
    for state, day in ((abkhazia, datetime.date(2003, 1, 1)), (dpr, datetime.date(1990, 1, 1))):
        values = [Argument(state, state.pk), Argument(day, connection.ops.adapt_datefield_value(day))]
        page = Statement.compile(build, sentinels, values, alias="default", window=True)
        count = Statement.compile(
            lambda values: build(values).order_by().values("pk"),
            sentinels,
            values,
            alias="default",
            wrap=views.count_of,
        )
        parameters = [value.parameter for value in values]
        orm = build([value.value for value in values])
        assert count.rows(parameters)[0][0] == orm.count() > 0
        for low, high in ((0, 2), (1, 3), (0, 100)):
            sql, params = orm[low:high].query.sql_with_params()
            window = connection.ops.limit_offset_sql(low, high)
            assert page.sql + " " + window == sql
            assert page.parameters(parameters) == list(params)
            assert page.dicts(parameters, low, high) == list(orm[low:high])


def sentinel_date(index):
    day = filtering.sentinel_like(datetime.date(2000, 1, 1), index)
    return Argument(day, connection.ops.adapt_datefield_value(day))


def test_a_statement_is_kept_only_if_it_is_the_orms_for_the_request(many):
    abkhazia = State.objects.get(slug="abkhazia")
    sentinel = Argument(State(pk=918273645546372001, slug="sentinel"), 918273645546372001)
    real = Argument(abkhazia, abkhazia.pk)
    plain = Statement.compile(
        lambda values: Recognition.objects.filter(recognized_state=values[0]).values("id"),
        [sentinel],
        [real],
        alias="default",
    )
    assert plain is not None
    # A query that reads what the sentinel does not stand for (the slug) is not kept.
    by_slug = Statement.compile(
        lambda values: Recognition.objects.filter(recognized_state__slug=values[0].slug).values("id"),
        [sentinel],
        [real],
        alias="default",
    )
    assert by_slug is None
    # Nor one whose SQL depends on the value itself.
    shaped = Statement.compile(
        lambda values: Recognition.objects.filter(
            recognized_state=values[0], **({"action": "withdrawal"} if values[0].pk < 10**6 else {})
        ).values("id"),
        [sentinel],
        [real],
        alias="default",
    )
    assert shaped is None


def test_the_lists_filters_read_what_the_forms_read(demo):
    filters = list_filters(filtersets.RecognitionFilterSet)
    asked = filters.read(QueryDict("recognized=dpr&action=withdrawal&date_after=2014-06-01&ordering=-date&x=1"))
    assert asked.filters == (
        ("recognized", "record", "dpr"),
        ("action", "value", "withdrawal"),
        ("date_after", "value", datetime.date(2014, 6, 1)),
        ("ordering", "order", ("-date",)),
    )
    assert asked.shape() == (("recognized", None), ("action", None), ("date_after", None), ("ordering", ("-date",)))
    for query in (
        "search=x",
        "recognized=a%20b",
        "date_after=soon",
        "action=null",
        "ordering=name",
        "ordering=date,date",
    ):
        assert filters.read(QueryDict(query)) is None, query
    assert filters.read(QueryDict("search=&recognized=")).filters == ()


@pytest.mark.parametrize("kind", ["anonymous", "member", "inactive staff", "staff", "superuser", "bare superuser"])
def test_drafts_seen_by_a_kind_of_reader_are_the_rules_answer(django_user_model, kind):
    """The kind of reader a compiled query is kept for decides what visible_to() shows."""
    if kind == "anonymous":
        user = AnonymousUser()
    else:
        user = django_user_model.objects.create_user(
            kind.replace(" ", "-"),
            is_staff="staff" in kind or kind == "superuser",
            is_superuser="superuser" in kind,
            is_active=kind != "inactive staff",
        )
    assert lean.drafts_seen_by(user) == sees_drafts(user)
    for model in (State, Recognition, Person):
        queryset, _ = lean.visible(model, user)
        assert str(queryset.query) == str(model.objects.visible_to(user).query)


def test_the_browsable_api_and_csv_are_not_the_compiled_lists(many, monkeypatch, admin_client):
    """`?format=api` and `?format=csv` keep their renderers: the serializers' page, every row."""
    spy = FilterSetSpy(monkeypatch)
    page = admin_client.get("/api/recognitions/", {"recognized": "abkhazia", "format": "api"})
    assert page.status_code == 200
    assert page["Content-Type"].startswith("text/html")
    assert b"Recognition List" in page.content
    csv = admin_client.get("/api/recognitions/", {"recognized": "abkhazia", "format": "csv"})
    assert csv["Content-Type"].startswith("text/csv")
    assert spy.calls == 2
    assert b"".join(csv.streaming_content) == b"".join(
        reference(
            monkeypatch, admin_client, "/api/recognitions/", {"recognized": "abkhazia", "format": "csv"}
        ).streaming_content
    )


def test_rate_limits_still_apply_to_the_compiled_list(many, monkeypatch):
    from django.core.cache import cache
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "anon", "2/min")
    cache.clear()
    try:
        client = APIClient()
        statuses = [client.get("/api/recognitions/", {"recognized": "abkhazia"}).status_code for _ in range(3)]
        assert statuses == [200, 200, 429]
    finally:
        cache.clear()


def test_a_count_less_the_acts_naming_a_draft_state_counts_what_the_orm_counts(many, monkeypatch):
    """On SQLite the compiled count of a visitor's list is the acts less those naming a draft
    state, added and taken away term by term (Statement.compile_count_excluding): with acts from
    a draft, to a draft and between two drafts, it says what the visible queryset's count says,
    for every filter, and the compiled path answers in one count query."""
    from events.models import PublicationStatus
    from events.selectors import visible_acts

    drafts = [State.objects.get(slug="abkhazia"), State.objects.get(slug="dpr")]
    State.objects.filter(pk__in=[state.pk for state in drafts]).update(publication_status=PublicationStatus.DRAFT)
    russia = State.objects.get(slug="russia")
    Recognition.objects.create(recognizing_state=drafts[0], recognized_state=drafts[1], date="2012")
    Recognition.objects.create(recognizing_state=drafts[1], recognized_state=drafts[0], date="2013-04")
    Recognition.objects.create(recognizing_state=russia, recognized_state=drafts[1], date="2014")
    every = Recognition.objects.all()
    counts = {
        "": visible_acts(every, AnonymousUser()).count(),
        "state=russia": visible_acts(every.involving(russia), AnonymousUser()).count(),
        "action=withdrawal": visible_acts(every.filter(action="withdrawal"), AnonymousUser()).count(),
        "recognizing=russia": visible_acts(every.filter(recognizing_state=russia), AnonymousUser()).count(),
    }
    # Each of the four terms counts something here.
    named = every.filter(recognizing_state__in=drafts) | every.filter(recognized_state__in=drafts)
    assert every.filter(recognizing_state__in=drafts, recognized_state__in=drafts).exists()
    assert named.count() > every.filter(recognizing_state__in=drafts, recognized_state__in=drafts).count()
    for query, expected in counts.items():
        answer = same_answer(monkeypatch, APIClient(), f"/api/recognitions/?{query}", compiled=True)
        assert answer.json()["count"] == expected, query
        with CaptureQueriesContext(connection) as queries:
            APIClient().get(f"/api/recognitions/?{query}")
        counted = [q["sql"] for q in queries.captured_queries if "COUNT(*)" in q["sql"]]
        assert len(counted) == 1, counted
        if connection.vendor == "sqlite":
            assert counted[0].startswith("SELECT 0 + ("), counted[0]


def test_a_searched_list_counts_its_matches_once(many):
    """With a search, the difference of counts would find the matches once per term: the count
    stays the visible queryset's own, one search."""
    with CaptureQueriesContext(connection) as queries:
        answer = APIClient().get("/api/recognitions/?search=note")
    assert answer.status_code == 200
    assert answer.json()["count"] > 0
    counted = [q["sql"] for q in queries.captured_queries if "COUNT(*)" in q["sql"]]
    assert len(counted) == 1
    assert not counted[0].startswith("SELECT 0 + (")
