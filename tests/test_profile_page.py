"""A state's profile reads its sections through queries compiled once per process
(`selectors.state_table_rows`) and its status from rows straight from the cursor
(`querysets.status_act_rows`): they must give what the ORM gives, to visitors and to staff."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser

from events.models import Delegation, Mission, PublicationStatus, Recognition, State
from events.querysets import deciding_act, status_act_rows, status_acts, status_day
from events.selectors import participants_queryset, state_table_rows, table_rows, visible_acts, with_sources
from events.synthetic import ArchiveSize, generate_synthetic_archive

pytestmark = pytest.mark.django_db

SIDES = [
    (Recognition, "recognized_state"),
    (Recognition, "recognizing_state"),
    (Mission, "sending_state"),
    (Mission, "host_state"),
    (Delegation, "sending_state"),
    (Delegation, "host_state"),
]


@pytest.fixture
def archive(django_user_model):
    generate_synthetic_archive(ArchiveSize(states=8, recognitions=300, missions=120, delegations=120, seed=5))
    states = list(State.objects.order_by("pk"))
    states[0].publication_status = PublicationStatus.DRAFT
    states[0].save()
    for model in (Recognition, Mission, Delegation):
        act = model.objects.order_by("pk").first()
        act.publication_status = PublicationStatus.DRAFT
        act.save()
    staff = django_user_model.objects.create_superuser("admin", "admin@example.org", "correct horse battery staple")
    return states, staff


def as_values(rows) -> list[dict]:
    return [dict(row.__dict__) for row in rows]


@pytest.mark.parametrize("limit", [3, 26])
def test_compiled_sections_give_the_orm_rows(archive, limit):
    states, staff = archive
    compared = 0
    for user in (AnonymousUser(), staff):
        for state in states:
            for model, side in SIDES:
                expected = table_rows(visible_acts(model.objects.all(), user).filter(**{side: state})[:limit])
                found = state_table_rows(model, side, state.pk, user, limit)
                assert as_values(found) == as_values(expected), (user, state.slug, model.__name__, side)
                assert all(type(row) is type(other) for row, other in zip(found, expected, strict=True))
                compared += len(expected)
    assert compared > 100


def test_compiled_sections_hide_drafts_from_visitors_only(archive):
    states, staff = archive
    draft = states[0]
    for model, side in SIDES:
        assert state_table_rows(model, side, draft.pk, staff, 26)
        for state in states[1:]:
            for row in state_table_rows(model, side, state.pk, AnonymousUser(), 26):
                assert not row.is_draft
                assert draft.pk not in (row.__dict__[f"{name}_id"] for name in model.objects.none().state_fields)


@pytest.mark.parametrize("day", [datetime.date(1800, 1, 1), datetime.date(1914, 6, 15), datetime.date(2030, 1, 1)])
def test_status_rows_from_compiled_sql_are_the_orm_values(archive, day):
    states, _staff = archive
    for staff in (False, True):
        for state in states:
            found = sorted(status_act_rows(state.pk, day, staff=staff))
            assert found == sorted(status_acts(state.pk, day, staff=staff)), (state.slug, day, staff)
            # The dates come back as the day is compared with them: ISO text on SQLite.
            assert all(type(row[4]) is type(status_day(day)) is type(row[5]) for row in found)
    assert status_act_rows(states[1].pk, datetime.date(2030, 1, 1), staff=False)


def test_status_acts_are_those_of_the_state_that_can_decide_on_the_day(archive):
    """Both halves of the union, each act once, the published ones for visitors: of the acts that
    began by the day, those not yet ended, and of those ended, each pair's last (by start, end,
    id) among the acts the reader sees (migration 0010); acts naming a draft state are left to
    `recognition_status_rows` (tests/test_status_rows.py)."""
    states, _staff = archive
    day = datetime.date(1990, 1, 1)
    for staff in (False, True):
        for state in states:
            acts = Recognition.objects.involving(state).filter(date_start__lte=day)
            if not staff:
                acts = acts.filter(publication_status=PublicationStatus.PUBLISHED)
            last_ended = {}
            for act in acts.filter(date_end__lte=day).order_by("date_start", "date_end", "pk"):
                last_ended[(act.recognizing_state_id, act.recognized_state_id)] = act.pk
            expected = sorted([*last_ended.values(), *acts.filter(date_end__gt=day).values_list("pk", flat=True)])
            assert sorted(row[0] for row in status_act_rows(state.pk, day, staff=staff)) == expected
            assert expected or state == states[0]
            # Fewer than every act begun by the day: the others are eclipsed.
            assert len(expected) < acts.count() or state == states[0]


def test_deciding_acts_have_their_dates_as_dates(archive):
    states, _staff = archive
    for row in status_act_rows(states[1].pk, datetime.date(2030, 1, 1), staff=True):
        act = deciding_act(row)
        record = Recognition.objects.get(pk=act.id)
        assert act == (
            record.pk,
            record.recognizing_state_id,
            record.recognized_state_id,
            record.action,
            record.date_start,
            record.date_end,
            record.date_precision,
        )


@pytest.mark.parametrize("count", [1, 7, 40])
def test_sources_and_heads_read_by_compiled_queries_are_the_orm_ones(archive, count):
    _states, staff = archive
    cited = heads_seen = 0
    for user in (AnonymousUser(), staff):
        for model in (Recognition, Mission, Delegation):
            rows = with_sources(
                table_rows(visible_acts(model.objects.all(), user).order_by("-pk")[:count]), model, user
            )
            assert len(rows) == count
            for row in rows:
                cited += len(row.cited)
                heads_seen += len(getattr(row, "heads", []))
                citations = model.citations.rel.related_model.objects.filter(record_id=row.pk).order_by("pk")
                if not user.is_staff:
                    citations = citations.filter(source__publication_status="published")
                assert [
                    (c.source_id, c.source.outlet, c.source.title, c.source.published, c.quotation) for c in row.cited
                ] == [
                    (c.source_id, c.source.outlet, c.source.title, c.source.published, c.quotation) for c in citations
                ]
                if model is Delegation:
                    heads = participants_queryset(user).filter(delegation_id=row.pk, side="delegation", role="head")
                    assert [(h.side, h.role, h.position, h.person.slug) for h in row.heads] == [
                        (h.side, h.role, h.position, h.person.slug) for h in heads.order_by("side", "role", "pk")
                    ]
    assert cited > count
    assert heads_seen > 0
