"""The timeline page and the home page's latest acts, written in Python (tables.timeline_rows,
pictures.timeline_acts_chart, selectors.timeline_acts' TableRows), are the pages the former
templates wrote from the ORM's records, byte for byte.

Each page is asked for twice: as the site renders it, and with the former templates found first
(tests/templates_reference_timeline: includes/timeline_table.html and events/timeline.html as
they were) and the former `timeline_acts` (records read by `in_bulk` with their states and a
delegation's visible heads prefetched) in place of the new one. The two answers must be the same
bytes but for the CSRF token and the CSP nonce. Every kind of act, a delegation with heads and a
draft head, occasions, cities and names holding markup characters, a mission kind outside the
choices; visitors and staff, English and Russian; pages, years, states, invalid filters, no acts.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import Prefetch
from django.test import override_settings

from events import selectors, views
from events.compiled import Statement
from events.dates import PartialDate
from events.models import Delegation, Mission, Participant, Person, PublicationStatus, Recognition, State
from events.models.delegations import Role, Side
from events.selectors import (
    DELEGATION,
    MISSION,
    RECOGNITION,
    TABLE_OF_KIND,
    TimelineAct,
    _timeline_parts,
    participants_queryset,
)
from events.synthetic import ArchiveSize, generate_synthetic_archive

pytestmark = pytest.mark.django_db

REFERENCE = Path(__file__).resolve().parent / "templates_reference_timeline"
MASKS = (
    (re.compile(rb'name="csrfmiddlewaretoken" value="[^"]*"'), b'name="csrfmiddlewaretoken" value="TOKEN"'),
    (re.compile(rb'nonce="[^"]*"'), b'nonce="NONCE"'),
)


def masked(content: bytes) -> bytes:
    for pattern, replacement in MASKS:
        content = pattern.sub(replacement, content)
    return content


# --- The former selectors (commit 77e0e6f) ---------------------------------------------------------


def former_records_by_table(user) -> dict:
    heads = participants_queryset(user).filter(side=Side.DELEGATION, role=Role.HEAD)
    return {
        RECOGNITION: Recognition.objects.select_related("recognizing_state", "recognized_state"),
        MISSION: Mission.objects.select_related("sending_state", "host_state"),
        DELEGATION: Delegation.objects.select_related("sending_state", "host_state").prefetch_related(
            Prefetch("participants", queryset=heads, to_attr="heads")
        ),
    }


def former_timeline_acts(rows, *, user) -> list[TimelineAct]:
    rows = list(rows)
    wanted: dict[str, set[int]] = {}
    for row in rows:
        wanted.setdefault(TABLE_OF_KIND[row["act"]], set()).add(row["record_id"])
    querysets = former_records_by_table(user)
    records = {table: querysets[table].in_bulk(ids) for table, ids in wanted.items()}
    acts = []
    for row in rows:
        record = records[TABLE_OF_KIND[row["act"]]].get(row["record_id"])
        if record is not None:
            date = PartialDate.from_date(row["day_start"], row["precision"] or "day")
            acts.append(TimelineAct(kind=row["act"], date=date, record=record))
    return acts


def former_recent_acts(*, user, count: int) -> list[TimelineAct]:
    rows = []
    for part in _timeline_parts(user=user):
        rows.extend(part.order_by("-day_start", "-day_end", "-record_id")[:count])
    rows.sort(key=lambda row: (row["day_start"], row["day_end"], row["act"], row["record_id"]), reverse=True)
    return former_timeline_acts(rows[:count], user=user)


def former_pages(monkeypatch):
    """The former templates found first, the former selectors in the views' place."""
    monkeypatch.setattr(views, "timeline_acts", former_timeline_acts)
    monkeypatch.setattr(views, "recent_acts", former_recent_acts)
    engine = dict(settings.TEMPLATES[0])
    engine["DIRS"] = [REFERENCE, *engine["DIRS"]]
    return override_settings(TEMPLATES=[engine, *settings.TEMPLATES[1:]])


# --- The archive -----------------------------------------------------------------------------------


def make_archive() -> list[State]:
    generate_synthetic_archive(ArchiveSize(states=8, recognitions=150, missions=60, delegations=60, seed=7))
    states = list(State.objects.order_by("pk"))
    State.objects.filter(pk=states[1].pk).update(name='Evil <b>"State"</b> & Co', name_native="Злое & <i>имя</i>")
    State.objects.filter(pk=states[2].pk).update(name="", name_native="Только родное")
    State.objects.filter(pk=states[3].pk).update(publication_status=PublicationStatus.DRAFT)
    missions = list(Mission.objects.order_by("pk"))
    Mission.objects.filter(pk=missions[0].pk).update(city='Ci<t>y & "town"')
    Mission.objects.filter(pk=missions[1].pk).update(city="")
    Mission.objects.filter(pk=missions[2].pk).update(kind="odd<&kind")
    Mission.objects.filter(pk=missions[3].pk).update(publication_status=PublicationStatus.DRAFT)
    delegations = list(Delegation.objects.order_by("pk"))
    Delegation.objects.filter(pk=delegations[0].pk).update(occasion='Talks on <b>"peace"</b> & trade')
    Delegation.objects.filter(pk=delegations[1].pk).update(occasion="")
    Delegation.objects.filter(pk=delegations[4].pk).update(publication_status=PublicationStatus.DRAFT)
    Recognition.objects.filter(pk=Recognition.objects.order_by("pk").first().pk).update(
        publication_status=PublicationStatus.DRAFT
    )
    people = [
        Person.objects.create(slug="p-one", name='One <&> "Head"', name_native="Первый"),
        Person.objects.create(slug="p-two", name="Two", name_native=""),
        Person.objects.create(
            slug="p-draft", name="Draft Head", name_native="", publication_status=PublicationStatus.DRAFT
        ),
        Person.objects.create(slug="p-member", name="Member", name_native=""),
    ]
    for delegation, heads in (
        (delegations[0], people[:3]),
        (delegations[2], [people[2]]),
        (delegations[3], people[1:2]),
    ):
        Participant.objects.filter(delegation=delegation).delete()
        for person in heads:
            Participant.objects.create(delegation=delegation, person=person, side=Side.DELEGATION, role=Role.HEAD)
        Participant.objects.create(delegation=delegation, person=people[3], side=Side.DELEGATION, role=Role.MEMBER)
    return states


def test_the_timeline_and_home_pages_are_the_pages_the_templates_wrote(client, editor, monkeypatch):
    states = make_archive()
    first = Recognition.objects.order_by("date_start").first().date_start.year
    kinds = {act.kind for act in former_timeline_acts(selectors.timeline_dates(user=editor)[:1000], user=editor)}
    assert kinds == {"recognition", "withdrawal", "mission_opened", "mission_closed", "delegation"}
    busy_year = Mission.objects.order_by("pk").first().opened_start.year
    paths = [
        "/",
        "/timeline/",
        "/timeline/?page=2",
        "/timeline/?page=3",
        "/timeline/?page=2&page_size=25",
        f"/timeline/?year={busy_year}",
        f"/timeline/?year={first}",
        f"/timeline/?state={states[0].slug}",
        f"/timeline/?state={states[1].slug}",
        f"/timeline/?state={states[1].slug}&year={busy_year}",
        f"/timeline/?state={states[3].slug}",  # a draft state: unknown to visitors
        "/timeline/?year=1200",  # no acts
        "/timeline/?year=nonsense",
        "/timeline/?state=no-such-state",
        "/timeline/?state=<b>&year=x\"'",
    ]
    assert Participant.objects.filter(person__slug="p-draft").exists()
    seen = {"delegation": False, "draft head": False, "city": False, "odd kind": False, "empty": False}
    for who in ("visitor", "editor"):
        client.logout()
        if who == "editor":
            client.force_login(editor)
        for language in ("en", "ru"):
            for path in paths:
                new = client.get(path, HTTP_ACCEPT_LANGUAGE=language)
                with monkeypatch.context() as patch, former_pages(patch):
                    old = client.get(path, HTTP_ACCEPT_LANGUAGE=language)
                assert new.status_code == old.status_code, (who, language, path)
                assert masked(new.content) == masked(old.content), (who, language, path)
                page = new.content.decode()
                seen["delegation"] |= "/persons/p-one/" in page
                seen["draft head"] |= "/persons/p-draft/" in page
                seen["city"] |= "Ci&lt;t&gt;y &amp; &quot;town&quot;" in page
                seen["odd kind"] |= "Odd&lt;&amp;kind" in page
                seen["empty"] |= '<tr><td colspan="2">' in page
                if who == "visitor":
                    assert "/persons/p-draft/" not in page
    assert all(seen.values()), seen
    assert client.get("/timeline/?year=nonsense").status_code == 400


def test_the_acts_are_table_rows_of_visible_records(editor):
    """`timeline_acts` gives each act its TableRow, a delegation's visible heads in order."""
    make_archive()
    for user in (AnonymousUser(), editor):
        rows = list(selectors.timeline_dates(user=user))
        new = selectors.timeline_acts(rows, user=user)
        old = former_timeline_acts(rows, user=user)
        assert [(act.kind, act.date, act.record.pk) for act in new] == [
            (act.kind, act.date, act.record.pk) for act in old
        ]
        for found, expected in zip(new, old, strict=True):
            assert found.sending_state.slug == expected.sending_state.slug
            assert found.receiving_state.slug == expected.receiving_state.slug
            assert [head.person.slug for head in found.heads] == [head.person.slug for head in expected.heads]


def test_the_latest_acts_are_the_orm_latest_acts(editor):
    """`recent_acts` through its compiled queries: the ORM's acts, for visitors and staff, for
    several counts, and after a state turns draft (its acts leave the visitors' list)."""
    states = make_archive()
    for _round in range(2):
        for user in (AnonymousUser(), editor):
            for count in (1, 10, 37):
                new = selectors.recent_acts(user=user, count=count)
                old = former_recent_acts(user=user, count=count)
                assert [(act.kind, act.date, act.record.pk) for act in new] == [
                    (act.kind, act.date, act.record.pk) for act in old
                ]
                assert len(new) == count
                assert all(isinstance(query, Statement) for query in selectors._recent_queries(user, count))
        State.objects.filter(pk__in=[state.pk for state in states[:3]]).update(
            publication_status=PublicationStatus.DRAFT
        )
