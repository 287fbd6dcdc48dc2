"""The acts' list pages read their count and rows through SQL compiled once per shape of request
(events.filtersets.compiled_rows): the same HTML, status and queries as the ORM's own path (the
reference of tests/test_list_page.py), the compiled path taken for the benchmark's page and the
common filters, the ORM's path for any other shape, and nothing read kept between requests."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext

from events import filtersets, views
from events.compiled import orm_sql
from events.models import Delegation, Mission, Participant, Person, Recognition, State
from tests import test_list_page
from tests.test_list_page import answer, case, compare

pytestmark = pytest.mark.django_db

# The archive and the visitors of the pages' comparisons (tests/test_list_page.py).
archive = test_list_page.archive
visitor = test_list_page.visitor


@pytest.fixture
def taken(monkeypatch):
    """What each list request's `compiled_rows` gave: a CompiledRows, or None for the ORM's path.
    The shapes compiled are forgotten first, so that each test compiles its own."""
    monkeypatch.setattr(filtersets, "_COMPILED_LISTS", {})
    found = []
    compiled_rows = views.ActListView.compiled_rows

    def spy(self):
        rows = compiled_rows(self)
        found.append(rows)
        return rows

    monkeypatch.setattr(views.ActListView, "compiled_rows", spy)
    return found


COMPILED = [
    ("/recognitions/", {}),
    ("/recognitions/", {"recognized": "kosaria"}),
    ("/recognitions/", {"recognized": "kosaria", "page_size": "2", "page": "2"}),
    ("/recognitions/", {"recognized": "kosaria", "page_size": "2", "page": "last"}),
    ("/recognitions/", {"recognized": "kosaria", "page_size": "3", "page": "3"}),
    ("/recognitions/", {"recognized": "kosaria", "page_size": "7"}),
    ("/recognitions/", {"recognizing": "evil", "state": "kosaria", "action": "recognition", "ordering": "-date"}),
    ("/recognitions/", {"recognized": "kosaria", "ordering": "date"}),
    ("/recognitions/", {"action": "withdrawal"}),
    ("/recognitions/", {"recognizing": "draftland"}),
    ("/recognitions/", {"state": "draftland", "page_size": "1"}),
    ("/recognitions/", {"date_after": "2003-01-01", "date_before": "2005-12-31"}),
    ("/recognitions/", {"state": "kosaria", "date_after": "2003-01-01", "recognized": "kosaria"}),
    ("/recognitions/", {"recognized": "evil"}),
    ("/recognitions/", {"ordering": "-date", "page_size": "3", "page": "3"}),
    ("/missions/", {"host": "kosaria", "kind": "embassy"}),
    ("/missions/", {"host": "kosaria"}),
    ("/missions/", {"sending": "evil", "active_on": "2016-01-01"}),
    ("/missions/", {"state": "kosaria", "date_before": "2020-01-01", "ordering": "-date"}),
    ("/delegations/", {"sending": "kosaria"}),
    ("/delegations/", {"person": "kosta-pukhaev", "ordering": "date"}),
    ("/delegations/", {"person": "hidden"}),
    ("/delegations/", {"host": "draftland", "date_after": "2016-01-01"}),
]

# Shapes left to the ORM: a text filter, an ordering by several fields.
FALLBACK = [
    ("/recognitions/", {"search": "Kosaria"}),
    ("/recognitions/", {"recognized": "kosaria", "search": "<b>x</b>"}),
    ("/recognitions/", {"search": "Kosaria", "ordering": "date,-date"}),
    ("/recognitions/", {"recognized": "kosaria", "ordering": "-date,date"}),
    ("/missions/", {"sending": "evil", "active_on": "2016-01-01", "city": "town <i>"}),
]

# Pages past the end, not numbers, zero: the Paginator's 404s, through the compiled rows.
PAGES = [
    ("/recognitions/", {"recognized": "kosaria", "page_size": "2", "page": "999"}),
    ("/recognitions/", {"recognized": "kosaria", "page_size": "2", "page": "0"}),
    ("/recognitions/", {"recognized": "kosaria", "page": "abc"}),
    ("/recognitions/", {"recognized": "kosaria", "page": "-1"}),
    ("/recognitions/", {"recognized": "kosaria", "page": "2"}),
    ("/recognitions/", {"recognized": "atlantis", "page": "abc"}),
    ("/recognitions/", {"recognizing": "kosaria", "page": "1"}),
    ("/recognitions/", {"recognizing": "kosaria", "page": "2"}),
    ("/missions/", {"host": "kosaria", "page": "last"}),
]


def compiled(found) -> list[bool]:
    return [isinstance(rows, filtersets.CompiledRows) for rows in found]


def afresh(monkeypatch, taken) -> None:
    """Before each case of a loop: no shape compiled yet, no request seen."""
    monkeypatch.setattr(filtersets, "_COMPILED_LISTS", {})
    taken.clear()


def test_compiled_pages_are_the_html_of_the_orm(archive, visitor, monkeypatch, taken):
    """The page that compiles a shape and the next one, which only runs it: the reference's bytes."""
    for path, query in COMPILED:
        for language in ("en", "ru"):
            afresh(monkeypatch, taken)
            with case(path, query, language):
                first = compare(monkeypatch, path, query, visitor, language)
                second = compare(monkeypatch, path, query, visitor, language)
                assert first == second
                if first[0] == 200:
                    assert compiled(taken) == [True, True]
                else:  # a draft state named to a visitor: the form's error, no list read at all
                    assert taken == []


def test_other_shapes_are_the_orm_s(archive, visitor, monkeypatch, taken):
    for path, query in FALLBACK:
        afresh(monkeypatch, taken)
        with case(path, query):
            compare(monkeypatch, path, query, visitor, "en")
            assert compiled(taken) == [False]


def test_page_numbers_give_the_same_answer(archive, visitor, monkeypatch, taken):
    for path, query in PAGES:
        afresh(monkeypatch, taken)
        with case(path, query):
            compare(monkeypatch, path, query, visitor, "en")
            compare(monkeypatch, path, query, visitor, "en")


def test_the_benchmark_page_is_compiled_and_runs_four_queries(archive, taken):
    query = {"recognized": "kosaria"}
    for _ in range(2):
        status, _body, queries = answer(views.RecognitionListView, "/recognitions/", query, AnonymousUser(), "en")
        assert (status, queries) == (200, 4)  # the dropdowns' states, the count, the rows, their sources
    assert compiled(taken) == [True, True]
    assert [shape for *_key, shape in filtersets._COMPILED_LISTS] == [(("recognized", None),)]


def test_compiling_runs_no_query_of_its_own(archive, taken):
    """The count is compiled from the SQL the ORM would send, stopped before it is sent: the page
    that compiles a shape runs the queries of the page that only runs it."""
    query = {"recognizing": "evil", "action": "recognition", "date_after": "2001-01-01"}
    counts = [answer(views.RecognitionListView, "/recognitions/", query, AnonymousUser(), "en")[2] for _ in range(2)]
    assert counts == [4, 4]
    assert compiled(taken) == [True, True]


def test_orm_sql_is_the_sql_the_orm_sends(archive):
    """events.compiled.orm_sql: what `count()` sends, SQL and parameters, without sending it."""
    kosaria = State.objects.get(slug="kosaria")
    for queryset in (
        views.visible_acts(Recognition.objects.all(), AnonymousUser()).filter(recognized_state=kosaria),
        Delegation.objects.filter(participants__person__slug="x").distinct(),
        Mission.objects.active_on(datetime.date(2016, 1, 1)).filter(kind="embassy"),
    ):
        with CaptureQueriesContext(connection) as queries:
            stopped = orm_sql(queryset.count, connection.alias)
        assert len(queries.captured_queries) == 0
        sent = []

        def record(execute, sql, params, many, context, sent=sent):
            sent.append((sql, tuple(params)))
            return execute(sql, params, many, context)

        with connection.execute_wrapper(record):
            queryset.count()
        assert sent == [stopped]
    # A query the ORM knows to be empty sends nothing.
    assert orm_sql(Recognition.objects.filter(pk__in=[]).count, connection.alias) is None


def test_a_shape_that_does_not_compile_is_left_to_the_orm(archive, monkeypatch, taken):
    """Where a statement does not reproduce the ORM's SQL (here: made to fail), the shape is the
    ORM's, on the request that tried and on the next."""
    monkeypatch.setattr(filtersets.Statement, "compile", classmethod(lambda cls, *args, **kwargs: None))
    for _ in range(2):
        compare(monkeypatch, "/recognitions/", {"recognized": "kosaria"}, AnonymousUser(), "en")
    assert compiled(taken) == [False, False]
    assert list(filtersets._COMPILED_LISTS.values()) == [None]


def test_a_count_that_does_not_compile_is_left_to_the_orm(archive, monkeypatch, taken):
    monkeypatch.setattr(filtersets, "compile_count", lambda *args, **kwargs: None)
    compare(monkeypatch, "/missions/", {"host": "kosaria"}, AnonymousUser(), "en")
    assert compiled(taken) == [False]


def test_a_count_is_kept_only_if_the_request_s_own_sql_matches(archive):
    """compile_count checks the request's own count against the statement filled in."""
    base = Recognition.objects.all()
    kosaria = State.objects.get(slug="kosaria")
    sentinel = filtersets.Argument(State(pk=filtersets.SENTINEL_KEY), filtersets.SENTINEL_KEY)
    real = filtersets.Argument(kosaria, kosaria.pk)

    def build(values):
        return base.filter(recognized_state=values[0])

    statement = filtersets.compile_count(build, [sentinel], [real], connection.alias)
    assert statement is not None
    assert statement.rows([kosaria.pk]) == [(Recognition.objects.filter(recognized_state=kosaria).count(),)]

    def build_differently(values):
        # Another query for the request's own values than for the sentinels': not kept.
        state = values[0]
        if state.pk == filtersets.SENTINEL_KEY:
            return base.filter(recognized_state=state)
        return base.filter(recognizing_state=state)

    assert filtersets.compile_count(build_differently, [sentinel], [real], connection.alias) is None


def test_nothing_read_is_kept_between_requests(archive, monkeypatch, taken):
    """The count and rows of the next request are read anew: an act added, or made a draft, shows."""
    query = {"recognized": "kosaria", "page_size": "3"}
    first = compare(monkeypatch, "/recognitions/", query, AnonymousUser(), "en")
    kosaria, evil = State.objects.get(slug="kosaria"), State.objects.get(slug="evil")
    Recognition.objects.create(recognizing_state=evil, recognized_state=kosaria, date="1999-09-09")
    Recognition.objects.filter(date_start__year=2001).update(publication_status="draft")
    second = compare(monkeypatch, "/recognitions/", query, AnonymousUser(), "en")
    assert first[1] != second[1]
    assert "1999" in second[1]
    assert compiled(taken) == [True, True]


def test_a_person_filter_is_compiled_with_its_distinct(archive, monkeypatch, taken):
    """The person filter is DISTINCT: the count the ORM runs over a subquery, compiled as such."""
    evil, kosaria = State.objects.get(slug="evil"), State.objects.get(slug="kosaria")
    person = Person.objects.create(slug="twice", name="Twice")
    for year in ("2017", "2018"):
        delegation = Delegation.objects.create(sending_state=evil, host_state=kosaria, date=year, occasion="Visit")
        Participant.objects.create(delegation=delegation, person=person, side="delegation", role="head")
    for _ in range(2):
        status, body, _queries = compare(monkeypatch, "/delegations/", {"person": "twice"}, AnonymousUser(), "en")
        assert status == 200
        assert "<strong>2</strong>" in body
    assert compiled(taken) == [True, True]


def test_each_form_has_fields_of_its_own(archive, rf):
    """The forms' fields are copied lighter than by deepcopy (filtersets._Fields), still each
    form's own: a widget, its attributes, error messages, validators, the choices' queryset."""
    request = rf.get("/recognitions/")
    request.user = AnonymousUser()
    first = filtersets.RecognitionFilterSet(request.GET, request=request).form
    second = filtersets.RecognitionFilterSet(request.GET, request=request).form
    assert type(first) is type(second)
    base = type(first).base_fields
    for name, field in first.fields.items():
        other = second.fields[name]
        assert field is not other
        assert field is not base[name]
        assert field.widget is not other.widget
        assert field.widget.attrs is not other.widget.attrs
        assert field.error_messages is not other.error_messages
        assert field.error_messages == other.error_messages
        assert field.validators is not other.validators
    first.fields["action"].widget.attrs["class"] = "mine"
    assert "class" not in second.fields["action"].widget.attrs
    assert "class" not in base["action"].widget.attrs
    assert list(first.fields["action"].choices) == list(base["action"].choices)
    assert first.fields["recognized"].queryset is not second.fields["recognized"].queryset
    assert set(first.fields["recognized"].queryset.values_list("slug", flat=True)) == set(
        State.objects.filter(publication_status="published").values_list("slug", flat=True)
    )


def test_a_visitor_s_count_less_the_acts_naming_draft_states_is_the_orm_s(archive, monkeypatch, taken):
    """On SQLite a visitor's count is the published acts less those naming a draft state, term by
    term (Statement.compile_count_excluding); with acts from, to and between two draft states it
    gives the ORM's page, count and all."""
    from events.models import PublicationStatus

    draftland = State.objects.get(slug="draftland")
    other = State.objects.create(name="Otherdraft", slug="otherdraft", publication_status=PublicationStatus.DRAFT)
    kosaria = State.objects.get(slug="kosaria")
    Recognition.objects.create(recognizing_state=draftland, recognized_state=other, date="2015")
    Recognition.objects.create(recognizing_state=other, recognized_state=draftland, date="2016-02")
    Recognition.objects.create(recognizing_state=other, recognized_state=kosaria, date="2017")
    for query in ({}, {"recognized": "kosaria"}, {"action": "recognition"}):
        afresh(monkeypatch, taken)
        with case("/recognitions/", query):
            compare(monkeypatch, "/recognitions/", query, AnonymousUser(), "en")
            assert compiled(taken) == [True]
            if connection.vendor == "sqlite":
                assert taken[0].compiled.count.sql.startswith("SELECT 0 + (")
