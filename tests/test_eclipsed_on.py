"""The derived columns `eclipsed_on` and `eclipsed_on_published` of the recognition acts
(migration 0010), which the database's triggers keep and the status's query reads: after every
kind of write (save(), QuerySet.update(), bulk_create(), QuerySet.delete(), raw SQL, moving an
act to another pair, publishing or unpublishing it), each act's values are those worked out here
from the acts alone, and the status built on them still says what the reference status (a window
over the acts, which does not read them) says. On SQLite and, in CI's second pass, PostgreSQL."""

import datetime
import importlib

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from events.models import PublicationStatus, Recognition, State
from events.models.recognitions import RecognitionAction
from events.querysets import recognition_status, recognition_status_rows, status_act_rows
from events.synthetic import ArchiveSize, generate_synthetic_archive

pytestmark = pytest.mark.django_db

migration = importlib.import_module("events.migrations.0010_recognition_eclipsed_on")

DAYS = [datetime.date(1800, 1, 1), datetime.date(1914, 6, 15), datetime.date(1990, 1, 1), datetime.date(2030, 1, 1)]


def stored() -> dict[int, tuple]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, eclipsed_on, eclipsed_on_published FROM events_recognition")
        return {pk: (_date(all_acts), _date(published)) for pk, all_acts, published in cursor.fetchall()}


def _date(value):
    return datetime.date.fromisoformat(value) if isinstance(value, str) else value


def expected() -> dict[int, tuple]:
    """Each act's two values from the acts themselves: the earliest end among the acts of its
    pair ranking after it by (start, end, id), and among the published ones for a published act."""
    pairs: dict[tuple[int, int], list] = {}
    for act in Recognition.objects.order_by("date_start", "date_end", "pk"):
        pairs.setdefault((act.recognizing_state_id, act.recognized_state_id), []).append(act)
    found = {}
    for acts in pairs.values():
        for index, act in enumerate(acts):
            later = acts[index + 1 :]
            ends = [other.date_end for other in later]
            published = [other.date_end for other in later if other.publication_status == PublicationStatus.PUBLISHED]
            found[act.pk] = (
                min(ends, default=None),
                min(published, default=None) if act.publication_status == PublicationStatus.PUBLISHED else None,
            )
    return found


def assert_kept() -> None:
    assert stored() == expected()


def answer(state, day, user) -> dict:
    lists = recognition_status_rows(state=state, day=day, user=user)
    return {name: [entry.act.id for entry in entries] for name, entries in lists.items()}


def reference(state, day, user) -> dict:
    status = recognition_status(state=state, day=day, user=user)
    return {name: [entry.recognition.pk for entry in getattr(status, name)] for name in answer(state, day, user)}


def assert_status_holds(states, staff) -> None:
    for user in (AnonymousUser(), staff):
        for state in states:
            for day in DAYS:
                assert answer(state, day, user) == reference(state, day, user), (state.slug, day, user)


@pytest.fixture
def archive(django_user_model):
    generate_synthetic_archive(ArchiveSize(states=8, recognitions=400, missions=5, delegations=5, seed=11))
    staff = django_user_model.objects.create_superuser("admin", "admin@example.org", "correct horse battery staple")
    return list(State.objects.order_by("pk")), staff


def busiest_pair() -> list[Recognition]:
    """The acts of the pair with the most acts, in rank order."""
    counts: dict[tuple, int] = {}
    for giver, receiver in Recognition.objects.values_list("recognizing_state_id", "recognized_state_id"):
        counts[(giver, receiver)] = counts.get((giver, receiver), 0) + 1
    giver, receiver = max(counts, key=counts.get)
    return list(
        Recognition.objects.filter(recognizing_state_id=giver, recognized_state_id=receiver).order_by(
            "date_start", "date_end", "pk"
        )
    )


def test_a_bulk_insert_leaves_every_act_with_its_values(archive):
    assert_kept()
    values = stored()
    # Not empty: most acts are outranked by a later one, and each pair's last is not.
    assert sum(1 for eclipsed, _published in values.values() if eclipsed is not None) > len(values) / 2
    assert any(eclipsed is None for eclipsed, _published in values.values())


def test_saves_updates_moves_and_deletes_keep_them(archive):
    states, staff = archive
    acts = busiest_pair()
    assert len(acts) >= 3
    first, middle, last = acts[0], acts[len(acts) // 2], acts[-1]

    # A new last act of the pair, by save().
    Recognition.objects.create(
        recognizing_state_id=last.recognizing_state_id,
        recognized_state_id=last.recognized_state_id,
        action=RecognitionAction.WITHDRAWAL if last.action == RecognitionAction.RECOGNITION else "recognition",
        date_start=datetime.date(2029, 3, 1),
        date_end=datetime.date(2029, 3, 31),
        date_precision="month",
    )
    assert_kept()
    # An act's dates changed by save(): the first becomes the last.
    first.date_start = first.date_end = datetime.date(2029, 6, 1)
    first.date_precision = "day"
    first.save()
    assert_kept()
    # An act moved to another pair: both pairs change.
    other = next(state for state in states if state.pk not in (middle.recognizing_state_id, middle.recognized_state_id))
    middle.recognized_state = other
    middle.save()
    assert_kept()
    # Unpublished and published again by QuerySet.update().
    Recognition.objects.filter(pk__in=[acts[1].pk, last.pk]).update(publication_status=PublicationStatus.DRAFT)
    assert_kept()
    assert_status_holds(states, staff)
    Recognition.objects.filter(pk=last.pk).update(publication_status=PublicationStatus.PUBLISHED)
    assert_kept()
    # Deleted one by one and by a QuerySet.
    last.delete()
    assert_kept()
    Recognition.objects.filter(recognized_state=states[0], date_start__year__lt=1900).delete()
    assert_kept()
    assert_status_holds(states, staff)


def test_bulk_create_and_raw_sql_keep_them(archive):
    states, staff = archive
    acts = busiest_pair()
    giver, receiver = acts[0].recognizing_state_id, acts[0].recognized_state_id
    Recognition.objects.bulk_create(
        [
            Recognition(
                recognizing_state_id=giver,
                recognized_state_id=receiver,
                action=action,
                date_start=start,
                date_end=start,
                date_precision="day",
            )
            for action, start in (("withdrawal", datetime.date(1950, 2, 2)), ("recognition", datetime.date(1951, 3, 3)))
        ]
    )
    assert_kept()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE events_recognition SET date_end = date_start WHERE recognized_state_id = %s", [states[1].pk]
        )
    assert_kept()
    assert_status_holds(states, staff)


def test_an_edit_to_other_columns_writes_nothing_more(archive):
    act = busiest_pair()[0]
    act.notes = "checked against the gazette"
    with CaptureQueriesContext(connection) as queries:
        Recognition.objects.filter(pk=act.pk).update(notes=act.notes)
    assert len(queries.captured_queries) == 1
    assert_kept()


def test_a_rolled_back_write_leaves_the_values_as_they_were(archive):
    before = stored()
    act = busiest_pair()[0]
    inside = {}

    def abandoned_write() -> None:
        with transaction.atomic():
            day = datetime.date(2031, 1, 1)
            Recognition.objects.filter(pk=act.pk).update(date_start=day, date_end=day)
            inside.update(stored())
            raise RuntimeError("abandoned")

    with pytest.raises(RuntimeError):
        abandoned_write()
    assert inside != before
    assert stored() == before


def test_the_migration_fills_them_for_acts_already_there(archive):
    with connection.cursor() as cursor:
        # Not a watched column: the triggers leave this alone, as if the columns were new.
        cursor.execute("UPDATE events_recognition SET eclipsed_on = NULL, eclipsed_on_published = NULL")
        assert set(stored().values()) == {(None, None)}
        sql = migration.recompute(migration.ALL_PAIRS)
        cursor.execute(migration.sqlite(sql) if connection.vendor == "sqlite" else sql)
    assert_kept()


def test_the_status_reads_only_the_acts_that_can_decide(archive):
    """What the columns are for: of a state's acts, the status reads each pair's last certain one
    and those still uncertain, not every act that ended by the day."""
    states, _staff = archive
    state = max(states, key=lambda state: state.recognitions_received.count() + state.recognitions_given.count())
    day = datetime.date(2030, 1, 1)
    read = status_act_rows(state.pk, day, staff=True)
    every = Recognition.objects.involving(state).filter(date_start__lte=day).count()
    pairs = {(row[1], row[2]) for row in read}
    assert len(read) == len(pairs) < every
