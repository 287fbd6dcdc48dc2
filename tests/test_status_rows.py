"""The lean recognition status (`recognition_status_rows`, read by the API and, through
`profile_status`, by a state's page) folds the acts in Python; it must say exactly what the
window-function version (`recognition_status`, model instances) says, for every state, on
every kind of day, to visitors and to staff who see drafts."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser

from events.models import PublicationStatus, Recognition, State
from events.querysets import recognition_status, recognition_status_rows
from events.selectors import profile_status
from events.synthetic import ArchiveSize, generate_synthetic_archive

pytestmark = pytest.mark.django_db

LISTS = ("recognized_by", "uncertain", "withdrawn", "recognizes")
# Before any act, inside the archive's years (where month- and year-dated acts are uncertain),
# and after every act.
DAYS = [datetime.date(1800, 1, 1), datetime.date(1914, 6, 15), datetime.date(1990, 1, 1), datetime.date(2030, 1, 1)]


@pytest.fixture
def archive(django_user_model):
    generate_synthetic_archive(ArchiveSize(states=12, recognitions=600, missions=10, delegations=10, seed=3))
    # Drafts on both sides: a draft state and a draft act must be hidden from visitors only.
    states = list(State.objects.order_by("pk"))
    states[0].publication_status = PublicationStatus.DRAFT
    states[0].save()
    act = Recognition.objects.exclude(recognizing_state=states[0]).exclude(recognized_state=states[0]).first()
    act.publication_status = PublicationStatus.DRAFT
    act.save()
    staff = django_user_model.objects.create_superuser("admin", "admin@example.org", "correct horse battery staple")
    return states, staff


def window_answer(state, day, user) -> dict[str, list[tuple]]:
    status = recognition_status(state=state, day=day, user=user)
    return {
        name: [(entry.state.pk, entry.state.slug, entry.recognition.pk, entry.recognition.action) for entry in entries]
        for name, entries in ((name, getattr(status, name)) for name in LISTS)
    }


def row_answer(state, lists) -> dict[str, list[tuple]]:
    """The lean status's lists in `window_answer`'s terms: the other state, its slug, the act."""
    return {
        name: [
            (
                entry.act.recognizing_state_id
                if entry.act.recognized_state_id == state.pk
                else entry.act.recognized_state_id,
                entry.slug,
                entry.act.id,
                entry.act.action,
            )
            for entry in entries
        ]
        for name, entries in lists.items()
    }


def test_the_rows_say_what_the_window_function_says(archive):
    states, staff = archive
    compared = 0
    for user in (AnonymousUser(), staff):
        for state in states:
            for day in DAYS:
                expected = window_answer(state, day, user)
                rows = recognition_status_rows(state=state, day=day, user=user)
                found = row_answer(state, {name: rows[name] for name in LISTS})
                assert found == expected, (user, state.slug, day)
                compared += sum(len(entries) for entries in expected.values())
    # The comparison covered real answers, uncertain ones included.
    assert compared > 100


def test_uncertain_entries_and_hidden_drafts_are_covered(archive):
    states, _staff = archive
    visitor = AnonymousUser()
    uncertain = sum(
        len(recognition_status_rows(state=state, day=datetime.date(1914, 6, 15), user=visitor)["uncertain"])
        + len(recognition_status_rows(state=state, day=datetime.date(1990, 1, 1), user=visitor)["uncertain"])
        for state in states[1:]
    )
    assert uncertain > 0
    draft = states[0]
    for state in states[1:]:
        listed = {
            entry.slug
            for entries in recognition_status_rows(state=state, day=DAYS[-1], user=visitor).values()
            for entry in entries
        }
        assert draft.slug not in listed


def test_the_state_page_status_has_the_same_entries(archive):
    states, staff = archive
    for user in (AnonymousUser(), staff):
        for state in states[1:4]:
            for day in DAYS:
                expected = window_answer(state, day, user)
                status = profile_status(state=state, day=day, user=user)
                found = row_answer(state, {name: getattr(status, name) for name in LISTS})
                assert found == expected
                for entries in (getattr(status, name) for name in LISTS):
                    for entry in entries:
                        record = Recognition.objects.select_related("recognizing_state", "recognized_state").get(
                            pk=entry.act.id
                        )
                        other = (
                            record.recognizing_state
                            if record.recognized_state_id == state.pk
                            else record.recognized_state
                        )
                        assert entry.date == record.date
                        assert (entry.slug, entry.name, entry.name_native) == (
                            other.slug,
                            other.name,
                            other.name_native,
                        )


def test_a_draft_state_has_no_status_for_visitors_and_its_own_for_staff(archive):
    states, staff = archive
    draft = states[0]
    for day in DAYS:
        assert all(not rows for rows in recognition_status_rows(state=draft, day=day, user=AnonymousUser()).values())
    listed = recognition_status_rows(state=draft, day=DAYS[-1], user=staff)
    assert any(listed.values())
    assert {name: [(row.slug, row.act.id) for row in rows] for name, rows in listed.items()} == {
        name: [(slug, pk) for _pk, slug, pk, _action in entries]
        for name, entries in window_answer(draft, DAYS[-1], staff).items()
    }
