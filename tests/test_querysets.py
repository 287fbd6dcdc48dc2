"""The questions asked of the data: status as of a day, overlapping dates, active missions, search."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser

from events.models import Mission, Recognition, Source, State
from events.querysets import recognition_status

pytestmark = pytest.mark.django_db

D = datetime.date.fromisoformat


@pytest.fixture
def states():
    return {
        slug: State.objects.create(slug=slug, name=slug.title(), status="partially_recognized")
        for slug in ["target", "early", "late", "flip", "maybe", "back"]
    }


def act(states, recognizing, date, action="recognition", recognized="target", **extra):
    return Recognition.objects.create(
        recognizing_state=states[recognizing], recognized_state=states[recognized], date=date, action=action, **extra
    )


@pytest.fixture
def history(states):
    act(states, "early", "2008-08-26")
    act(states, "late", "2014-06")
    act(states, "flip", "2010")
    act(states, "flip", "2013-07-12", action="withdrawal")
    act(states, "maybe", "2014")
    act(states, "back", "2009-01-01")
    act(states, "back", "2011-05", action="withdrawal")
    act(states, "back", "2012-02-02")
    act(states, "target", "2015-03-03", recognized="early")
    return states


def names(entries):
    return [entry.state.slug for entry in entries]


@pytest.mark.parametrize(
    ("day", "recognized_by", "uncertain", "withdrawn"),
    [
        ("2008-08-25", [], [], []),
        ("2008-08-26", ["early"], [], []),
        ("2011-06-01", ["early", "flip"], [], ["back"]),
        ("2014-05-01", ["back", "early"], ["maybe"], ["flip"]),
        ("2014-06-15", ["back", "early"], ["late", "maybe"], ["flip"]),
        ("2014-06-30", ["back", "early", "late"], ["maybe"], ["flip"]),
        ("2015-01-01", ["back", "early", "late", "maybe"], [], ["flip"]),
    ],
)
def test_status_as_of_a_day(history, day, recognized_by, uncertain, withdrawn):
    status = recognition_status(state=history["target"], day=D(day))
    assert names(status.recognized_by) == recognized_by
    assert names(status.uncertain) == uncertain
    assert names(status.withdrawn) == withdrawn


def test_recognition_given_again_counts_since_the_new_act(history):
    status = recognition_status(state=history["target"], day=D("2013-01-01"))
    back = next(entry for entry in status.recognized_by if entry.state.slug == "back")
    assert back.since.isoformat() == "2012-02-02"


def test_recognizes_is_the_other_direction(history):
    assert names(recognition_status(state=history["target"], day=D("2015-03-02")).recognizes) == []
    assert names(recognition_status(state=history["target"], day=D("2015-03-03")).recognizes) == ["early"]


def test_an_uncertain_withdrawal_of_a_recognition_is_uncertain(states):
    act(states, "early", "2008")
    act(states, "early", "2014", action="withdrawal")
    status = recognition_status(state=states["target"], day=D("2014-06-01"))
    assert names(status.uncertain) == ["early"]
    assert status.uncertain[0].recognition.action == "withdrawal"
    assert status.recognized_by == []


def test_status_takes_two_queries_whatever_the_number_of_states(history, django_assert_num_queries):
    with django_assert_num_queries(2):
        recognition_status(state=history["target"], day=D("2014-06-15"))
    for index in range(20):
        extra = State.objects.create(slug=f"extra-{index}", name=f"Extra {index}", status="un_member")
        Recognition.objects.create(recognizing_state=extra, recognized_state=history["target"], date="2001")
    with django_assert_num_queries(2):
        status = recognition_status(state=history["target"], day=D("2014-06-15"))
    assert len(status.recognized_by) == 22


def test_drafts_do_not_count_for_anonymous_users(history, admin_user):
    Recognition.objects.filter(recognizing_state__slug="early").update(publication_status="draft")
    State.objects.filter(slug="back").update(publication_status="draft")
    anonymous = recognition_status(state=history["target"], day=D("2015-01-01"), user=AnonymousUser())
    assert names(anonymous.recognized_by) == ["late", "maybe"]
    staff = recognition_status(state=history["target"], day=D("2015-01-01"), user=admin_user)
    assert names(staff.recognized_by) == ["back", "early", "late", "maybe"]


@pytest.mark.parametrize(
    ("after", "before", "expected"),
    [
        ("2014-06-15", "2014-12-31", ["late", "maybe"]),
        ("2014-07-01", None, ["maybe", "target"]),
        (None, "2009-12-31", ["early", "back"]),
        ("2014-06-30", "2014-06-30", ["late", "maybe"]),
    ],
)
def test_dates_filter_keeps_acts_whose_interval_overlaps(history, after, before, expected):
    acts = Recognition.objects.overlapping(after=after and D(after), before=before and D(before))
    assert sorted(a.recognizing_state.slug for a in acts) == sorted(expected)


def test_missions_active_on_a_day(states):
    Mission.objects.create(sending_state=states["early"], host_state=states["target"], kind="embassy", opened="2010")
    Mission.objects.create(
        sending_state=states["late"], host_state=states["target"], kind="embassy", opened="2010", closed="2012-05"
    )
    active = Mission.objects.active_on
    assert active(D("2009-12-31")).count() == 0
    assert active(D("2012-05-15")).count() == 2
    assert [m.sending_state.slug for m in active(D("2012-06-01"))] == ["early"]


def test_search_folds_cyrillic_case(demo):
    assert list(State.objects.search("осетия").values_list("slug", flat=True)) == ["south-ossetia"]
    assert list(State.objects.search("ДНР").values_list("slug", flat=True)) == ["dpr"]
    found = Recognition.objects.search("луганская")
    assert [r.recognized_state.slug for r in found] == ["lpr"]


def test_search_ignores_nul_bytes_and_empty_text(demo):
    assert State.objects.search("\x00").count() == State.objects.count()
    assert State.objects.search("ос\x00етия").count() == 0


@pytest.mark.postgresql
def test_postgresql_full_text_search_stems_russian(demo):
    assert Source.objects.search("представительство").count() == 1
    assert Source.objects.search("открытие представительств").count() == 1
    assert Source.objects.search("independence").count() == 0
    assert State.objects.search("Осет").count() == 1


@pytest.mark.postgresql
def test_postgresql_search_uses_the_gin_index(demo):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        plan = Source.objects.search("представительство").explain()
        cursor.execute("RESET enable_seqscan")
    assert "source_search" in plan


@pytest.mark.postgresql
def test_postgresql_connections_plan_for_data_in_memory(demo):
    """Each connection sets random_page_cost (DJANGO_PG_RANDOM_PAGE_COST, 1.1 by default): with
    the server's default of 4, PostgreSQL sorted a state's every act rather than walk its
    (state, date) index for a page of them."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW random_page_cost")
        assert float(cursor.fetchone()[0]) == 1.1


@pytest.mark.postgresql
def test_postgresql_connections_start_no_parallel_workers(demo):
    """Each connection sets max_parallel_workers_per_gather (DJANGO_PG_MAX_PARALLEL_WORKERS_PER_GATHER,
    0 by default): workers launched for a search's few thousand rows cost more than they saved."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        assert cursor.fetchone()[0] == "0"
