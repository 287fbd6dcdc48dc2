"""How the database reads a page of a long list (issue #6, performance): the API's lists, unfiltered
or filtered by anything but a state, walk the acts' (date, id) index and stop at the page,
rather than read every act and sort them all for 50. With the draft states said as joins
(`states.publication_status = 'published'`), SQLite began with the states, read all 100,000
acts and sorted them: 350 ms for a page of the unfiltered list, 380 ms for ?action=withdrawal.

Planned on a synthetic archive of a few thousand acts with the planner's statistics gathered
(ANALYZE), as `make bench` gathers them, on SQLite (EXPLAIN QUERY PLAN) and PostgreSQL (EXPLAIN)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from events.synthetic import ArchiveSize, generate_synthetic_archive

pytestmark = pytest.mark.django_db

SIZE = ArchiveSize(states=60, recognitions=6000, missions=1500, delegations=1000, seed=5)

# The page query of each list, and the table whose (date, id) order it should walk.
LISTS = [
    ("/api/recognitions/", "events_recognition"),
    ("/api/recognitions/?action=withdrawal", "events_recognition"),
    ("/api/missions/", "events_mission"),
    ("/api/delegations/", "events_delegation"),
]


def page_query(client, path: str, table: str) -> str:
    """The SQL of the query that read the page's rows: the one that selects the table's rows
    with LIMIT (the count has none)."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200, path
    assert len(response.json()["results"]) == 50, path
    pages = [
        query["sql"]
        for query in queries.captured_queries
        if query["sql"].startswith("SELECT") and f'FROM "{table}"' in query["sql"] and "LIMIT 50" in query["sql"]
    ]
    assert len(pages) == 1, (path, [query["sql"][:120] for query in queries.captured_queries])
    return pages[0]


def plan(sql: str) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
            return "\n".join(row[3] for row in cursor.fetchall())
        cursor.execute(f"EXPLAIN {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


def test_a_page_of_a_long_list_reads_the_page_not_the_whole_table(client):
    generate_synthetic_archive(SIZE)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    for path, table in LISTS:
        planned = plan(page_query(client, path, table))
        if connection.vendor == "sqlite":
            # The acts in (date, id) order from their index, each state looked up by its key:
            # no sort of every act.
            assert "TEMP B-TREE FOR ORDER BY" not in planned, (path, planned)
            assert f"SCAN {table} USING INDEX" in planned, (path, planned)
        else:
            # A top-N sort would mean every act read; an index scan in date order stops at 50.
            assert "Index Scan" in planned, (path, planned)
            assert "Sort" not in planned.split("Index Scan")[0], (path, planned)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's plan of a union (PostgreSQL's is its own)")
def test_the_timeline_and_the_latest_acts_walk_each_kind_in_date_order(client):
    """The timeline's page and the home page's latest acts read each kind of act in date order
    from its index (migration 0009) and merge them: with only (date, id) indexes, SQLite sorted
    every act of each kind in a temporary B-tree, 270 ms for the timeline's first page."""
    generate_synthetic_archive(SIZE)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    for path in ("/timeline/", "/"):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200
        dated = [
            query["sql"]
            for query in queries.captured_queries
            if '"day_start"' in query["sql"] and " LIMIT " in query["sql"] and "COUNT(" not in query["sql"]
        ]
        assert dated, path
        for sql in dated:
            planned = plan(sql)
            # Ties of (start, end) are put in id order ("RIGHT PART"); the acts themselves are not sorted.
            assert "TEMP B-TREE FOR ORDER BY" not in planned, (path, planned)
            assert "USING COVERING INDEX" in planned, (path, planned)


def test_the_timeline_of_a_year_reads_from_the_year_before_and_misses_no_act(client):
    """`selectors._in_year` also bounds the start of an act to the year before (a partial date
    spans a year at most), so that the (start, end) index is read from there: the same acts as
    the overlap alone, for every year of the archive, each kind of act and either reader."""
    import datetime

    from django.contrib.auth.models import AnonymousUser

    from events import selectors
    from events.models import Mission, Recognition

    generate_synthetic_archive(SIZE)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    # The archive's acts do span a year at most: the bound's premise, on the data it runs on.
    for model, name in ((Recognition, "date"), (Mission, "opened"), (Mission, "closed")):
        for start, end in model.objects.exclude(**{f"{name}_start": None}).values_list(f"{name}_start", f"{name}_end"):
            assert datetime.timedelta(0) <= end - start <= datetime.timedelta(days=365)
    visitor = AnonymousUser()
    years = sorted({day.year for day in Recognition.objects.values_list("date_start", flat=True)})
    assert len(years) > 100
    original = selectors._in_year

    def overlap_alone(queryset, date_name, year):
        if year is None:
            return queryset
        first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
        return queryset.filter(**{f"{date_name}_end__gte": first, f"{date_name}_start__lte": last})

    for year in [*years[::7], years[0], years[-1], years[-1] + 1]:
        bounded = list(selectors.timeline_dates(user=visitor, year=year))
        selectors._in_year = overlap_alone
        try:
            expected = list(selectors.timeline_dates(user=visitor, year=year))
        finally:
            selectors._in_year = original
        assert bounded == expected, year
    if connection.vendor == "sqlite":
        sql, params = selectors._timeline_parts(user=visitor, year=1990)[0].query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            planned = "\n".join(row[3] for row in cursor.fetchall())
        assert "date_start>? AND date_start<?" in planned, planned


def test_the_home_page_and_the_timeline_count_what_each_reader_may_see(client, django_user_model):
    """`selectors.visible_count` (the home page's counts, the unfiltered timeline's): on SQLite
    the published acts less those naming a draft state, elsewhere the visible acts counted as
    they are; either way the number of acts `visible_acts` lists, for a visitor and for staff,
    with draft states and draft acts."""
    from django.contrib.auth.models import AnonymousUser

    from events import selectors
    from events.models import Delegation, Mission, PublicationStatus, Recognition, State

    generate_synthetic_archive(SIZE)
    drafted = State.objects.order_by("pk")[:3]
    State.objects.filter(pk__in=[state.pk for state in drafted]).update(publication_status=PublicationStatus.DRAFT)
    Recognition.objects.filter(pk__in=Recognition.objects.order_by("-pk").values("pk")[:40]).update(
        publication_status=PublicationStatus.DRAFT
    )
    staff = django_user_model.objects.create_user("curator", password="x", is_staff=True)
    for user in (AnonymousUser(), staff):
        for model in (Recognition, Mission, Delegation):
            expected = selectors.visible_acts(model.objects.all(), user).count()
            assert selectors.visible_count(model, user) == expected, (model, user)
        if user.is_staff:
            assert selectors.visible_count(Recognition, user) == Recognition.objects.count()
        else:
            hidden = Recognition.objects.count() - selectors.visible_count(Recognition, user)
            assert hidden > 40  # the draft acts and the acts of the three draft states
    page = client.get("/").content.decode()
    visible = selectors.visible_acts(Recognition.objects.all(), AnonymousUser()).count()
    assert f'<a href="/recognitions/">{visible} recognitions</a>' in page
    # The unfiltered timeline counts kind by kind (`timeline_count`): what its union holds; and
    # pages it (`CountedDates`: on PostgreSQL its first pages merged from each kind) as the union.
    for user in (AnonymousUser(), staff):
        union = selectors.timeline_dates(user=user)
        assert selectors.timeline_count(user=user) == union.count(), user
        dates = selectors.CountedDates(user)
        assert dates.count() == union.count(), user
        for start, stop in ((0, 100), (100, 200), (900, 1000), (950, 1050), (5000, 5100), (0, 1)):
            assert dates[start:stop] == list(union[start:stop]), (user, start, stop)
    union = selectors.timeline_dates(user=AnonymousUser()).count()
    page = client.get("/timeline/").content.decode()
    assert f"<strong>{union}</strong>" in page
    last = -(-union // 100)
    assert client.get(f"/timeline/?page={last}").status_code == 200
    assert client.get(f"/timeline/?page={last + 1}").status_code == 404
