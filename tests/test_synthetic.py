"""The synthetic archive: the same for the same seed, realistic enough to benchmark, marked as
invented, and kept away from a database that holds real records."""

import re
from collections import Counter, defaultdict

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from events import synthetic
from events.dates import PartialDate
from events.models import (
    Delegation,
    DelegationCitation,
    Mission,
    MissionCitation,
    Participant,
    Person,
    Recognition,
    RecognitionCitation,
    Source,
    State,
)
from events.synthetic import ArchiveSize, generate_synthetic_archive

pytestmark = pytest.mark.django_db

SMALL = ArchiveSize(states=12, recognitions=300, missions=60, delegations=40, seed=1)
TABLES = [
    State,
    Person,
    Source,
    Recognition,
    RecognitionCitation,
    Mission,
    MissionCitation,
    Delegation,
    Participant,
    DelegationCitation,
]
CYRILLIC = re.compile(r"[а-яА-Я]")


def snapshot():
    """Every row of every table but its timestamps."""
    return {
        model.__name__: [
            {key: value for key, value in row.items() if key not in {"created_at", "updated_at"}}
            for row in model.objects.order_by("pk").values()
        ]
        for model in TABLES
    }


def clear():
    """Empty the archive in plain SQL: deleting through the ORM would write history for each row."""
    State.objects.update(parent=None)
    with connection.cursor() as cursor:
        for model in reversed(TABLES):
            cursor.execute(f"DELETE FROM {model._meta.db_table}")


@pytest.fixture
def small():
    generate_synthetic_archive(SMALL)


def test_the_same_seed_gives_the_same_archive_and_another_seed_another():
    generate_synthetic_archive(SMALL)
    first = snapshot()
    clear()
    generate_synthetic_archive(SMALL)
    assert snapshot() == first
    clear()
    generate_synthetic_archive(ArchiveSize(**{**SMALL.__dict__, "seed": 2}))
    assert snapshot()["Recognition"] != first["Recognition"]
    assert snapshot()["State"] != first["State"]


def test_a_larger_archive_begins_with_the_smaller_one(monkeypatch):
    """The benchmark asks the same state the same question in an archive ten times larger."""
    monkeypatch.setattr(synthetic, "STATES_PER_WORLD", 6)
    size = ArchiveSize(states=6, recognitions=80, missions=10, delegations=8, seed=3)

    def acts():
        return sorted(
            Recognition.objects.values_list(
                "recognizing_state__slug", "recognized_state__slug", "action", "date_start", "date_precision"
            )
        )

    generate_synthetic_archive(size)
    smaller = acts()
    clear()
    generate_synthetic_archive(size.scaled(3))
    assert State.objects.count() == 18
    assert Recognition.objects.count() == 240
    first_world = {slug for _, slug, *_ in smaller}
    assert [act for act in acts() if act[1] in first_world] == smaller


def test_it_makes_exactly_what_was_asked(small):
    assert State.objects.count() == 12
    assert Recognition.objects.count() == 300
    assert Mission.objects.count() == 60
    assert Delegation.objects.count() == 40


def test_dates_come_at_every_precision_and_read_back_through_the_model(small):
    precisions = Counter(Recognition.objects.values_list("date_precision", flat=True))
    assert set(precisions) == {"day", "month", "year"}
    for act in Recognition.objects.all():
        assert PartialDate.parse(act.date.isoformat()).interval() == (act.date_start, act.date_end)
    assert {mission.opened.precision for mission in Mission.objects.all()} == {"day", "month", "year"}
    assert Mission.objects.filter(closed_start__isnull=False).exists()


def test_recognition_is_withdrawn_and_given_again(small):
    acts = defaultdict(list)
    for act in Recognition.objects.order_by("date_start"):
        acts[(act.recognizing_state_id, act.recognized_state_id)].append(act.action)
    sequences = list(acts.values())
    assert ["recognition", "withdrawal", "recognition"] in [sequence[:3] for sequence in sequences]
    for sequence in sequences:
        assert sequence[::2] == ["recognition"] * len(sequence[::2])
        assert sequence[1::2] == ["withdrawal"] * len(sequence[1::2])


def test_the_records_pass_the_models_own_validation(small):
    for model in (State, Person, Recognition, Mission, Delegation):
        for record in model.objects.all()[:40]:
            record.full_clean()


def test_delegations_have_two_to_six_participants_on_both_sides(small):
    for delegation in Delegation.objects.prefetch_related("participants"):
        participants = list(delegation.participants.all())
        assert 2 <= len(participants) <= 6
        assert {participant.side for participant in participants} == {"delegation", "host"}
        for side in ("delegation", "host"):
            assert [participant.role for participant in participants if participant.side == side].count("head") == 1


def test_names_come_in_latin_and_cyrillic(small):
    for state in State.objects.all():
        assert state.name.isascii()
        assert CYRILLIC.search(state.short_name_native)
    for person in Person.objects.all():
        assert person.name.isascii()
        assert CYRILLIC.search(person.name_native)


def test_every_record_says_it_is_synthetic_and_every_fact_cites_the_archive(small):
    source = Source.objects.get(title="Synthetic archive (seed 1)")
    assert "None of it is true" in source.summary
    assert not State.objects.exclude(description__startswith="Synthetic archive (seed 1)").exists()
    assert not Person.objects.exclude(notes__startswith="Synthetic archive (seed 1)").exists()
    for model in (Recognition, Mission, Delegation):
        assert not model.objects.exclude(notes__startswith="Synthetic archive (seed 1)").exists()
        assert not model.objects.exclude(citations__source=source).exists()
    assert RecognitionCitation.objects.count() > Recognition.objects.count()


def test_some_records_are_drafts():
    generate_synthetic_archive(ArchiveSize(states=20, recognitions=2000, missions=10, delegations=10))
    drafts = Recognition.objects.filter(publication_status="draft").count()
    assert 0 < drafts < 100
    assert Recognition.objects.visible_to(None).count() == 2000 - drafts


def command(**options):
    call_command(
        "generate_synthetic_archive",
        states=SMALL.states,
        recognitions=SMALL.recognitions,
        missions=SMALL.missions,
        delegations=SMALL.delegations,
        verbosity=0,
        **options,
    )


def test_the_command_refuses_a_database_with_real_records(demo):
    with pytest.raises(CommandError, match="real"):
        command()
    assert not Source.objects.filter(title__startswith="Synthetic").exists()
    command(force=True)
    assert Recognition.objects.count() == 300 + 2
    assert State.objects.filter(slug="south-ossetia").exists()


def test_the_command_refuses_to_add_a_second_synthetic_archive():
    command()
    with pytest.raises(CommandError, match="synthetic archive already"):
        command()
    command(force=True, seed=2)
    assert Recognition.objects.count() == 600
