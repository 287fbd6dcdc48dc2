"""Every rule of the data, rejected both by the database and by the model's validation."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from events.models import Delegation, Mission, Person, Recognition, State

pytestmark = pytest.mark.django_db


@pytest.fixture
def states():
    return {
        slug: State.objects.create(slug=slug, name=name, status="partially_recognized")
        for slug, name in [("a", "Alpha"), ("b", "Beta"), ("c", "Gamma")]
    }


def assert_database_refuses(make):
    with pytest.raises(IntegrityError), transaction.atomic():
        make()


def test_partial_date_is_stored_as_first_day_last_day_and_precision(states):
    recognition = Recognition.objects.create(
        recognizing_state=states["a"], recognized_state=states["b"], date="2014-06"
    )
    recognition.refresh_from_db()
    assert (str(recognition.date_start), str(recognition.date_end), recognition.date_precision) == (
        "2014-06-01",
        "2014-06-30",
        "month",
    )
    assert recognition.date.display("en") == "June 2014"


def test_an_impossible_date_is_refused_on_assignment(states):
    with pytest.raises(ValidationError) as error:
        Recognition(recognizing_state=states["a"], recognized_state=states["b"], date="2014-02-30")
    assert "February 2014 has no day 30" in error.value.message_dict["date"][0]


def test_a_state_cannot_recognise_itself(states):
    act = Recognition(recognizing_state=states["a"], recognized_state=states["a"], date="2014")
    with pytest.raises(ValidationError) as error:
        act.full_clean()
    assert "cannot recognise itself" in error.value.message_dict["recognized_state"][0]
    assert_database_refuses(act.save)


def test_two_identical_acts_are_refused(states):
    Recognition.objects.create(recognizing_state=states["a"], recognized_state=states["b"], date="2014-06")
    twin = Recognition(recognizing_state=states["a"], recognized_state=states["b"], date="2014-06")
    with pytest.raises(ValidationError) as error:
        twin.full_clean()
    assert "already in the archive" in error.value.message_dict["date"][0]
    assert_database_refuses(twin.save)


def test_the_same_pair_may_act_again_on_another_date_or_withdraw(states):
    Recognition.objects.create(recognizing_state=states["a"], recognized_state=states["b"], date="2014-06")
    for action, date in [("withdrawal", "2014-06"), ("recognition", "2014-06-27"), ("recognition", "2016")]:
        act = Recognition(recognizing_state=states["a"], recognized_state=states["b"], action=action, date=date)
        act.full_clean()
        act.save()
    assert Recognition.objects.count() == 4


def test_a_mission_needs_two_different_states(states):
    mission = Mission(sending_state=states["a"], host_state=states["a"], kind="embassy", opened="2015")
    with pytest.raises(ValidationError) as error:
        mission.full_clean()
    assert "sending and host states differ" in error.value.message_dict["host_state"][0]
    assert_database_refuses(mission.save)


@pytest.mark.parametrize(
    ("opened", "closed", "allowed"),
    [
        ("2015-04-28", "2014", False),
        ("2015-04-28", "2015-04-27", False),
        ("2015-04-28", "2015", True),
        ("2015-04", "2015-04-01", True),
        ("2015-04-28", "2015-04-28", True),
        ("2015", "2016-01", True),
    ],
)
def test_a_mission_does_not_close_before_it_opens_comparing_intervals(states, opened, closed, allowed):
    mission = Mission(sending_state=states["a"], host_state=states["b"], kind="embassy", opened=opened, closed=closed)
    if allowed:
        mission.full_clean()
        mission.save()
        return
    with pytest.raises(ValidationError) as error:
        mission.full_clean()
    assert "cannot close before it opens" in error.value.message_dict["closed"][0]
    assert_database_refuses(mission.save)


def test_a_delegation_needs_two_different_states(states):
    delegation = Delegation(sending_state=states["a"], host_state=states["a"], date="2015")
    with pytest.raises(ValidationError) as error:
        delegation.full_clean()
    assert "host_state" in error.value.message_dict
    assert_database_refuses(delegation.save)


def test_a_delegation_links_only_a_mission_between_its_states(states):
    mission = Mission.objects.create(sending_state=states["a"], host_state=states["c"], kind="embassy", opened="2015")
    delegation = Delegation(sending_state=states["a"], host_state=states["b"], date="2015", mission=mission)
    with pytest.raises(ValidationError) as error:
        delegation.full_clean()
    assert "not between" in error.value.message_dict["mission"][0]


def test_a_state_cannot_break_away_from_itself(states):
    state = states["a"]
    state.parent = state
    with pytest.raises(ValidationError) as error:
        state.full_clean()
    assert "break away from itself" in error.value.message_dict["parent"][0]
    assert_database_refuses(state.save)


def test_a_state_is_not_dissolved_before_it_is_declared(states):
    state = states["a"]
    state.declared = "2014-05"
    state.dissolved = "2013"
    with pytest.raises(ValidationError) as error:
        state.full_clean()
    assert "dissolved before it was declared" in error.value.message_dict["dissolved"][0]
    assert_database_refuses(state.save)


def test_coordinates_come_in_pairs(states):
    state = states["a"]
    state.latitude = 42
    with pytest.raises(ValidationError):
        state.full_clean()
    assert_database_refuses(state.save)


def test_deleting_a_state_that_acts_in_a_record_is_refused_and_names_the_record(states):
    Recognition.objects.create(recognizing_state=states["a"], recognized_state=states["b"], date="2014-06")
    with pytest.raises(ProtectedError) as error:
        states["b"].delete()
    assert "Alpha recognised Beta, June 2014" in {str(obj) for obj in error.value.protected_objects}
    assert State.objects.filter(slug="b").exists()


def test_deleting_a_person_who_took_part_is_refused(demo):
    with pytest.raises(ProtectedError):
        Person.objects.get(slug="alexander-kofman").delete()


def test_records_read_as_sentences_not_object_numbers(states):
    recognition = Recognition.objects.create(
        recognizing_state=states["a"], recognized_state=states["b"], date="2014-06"
    )
    mission = Mission.objects.create(
        sending_state=states["a"], host_state=states["b"], kind="representative_office", city="Tskhinval", opened="2015"
    )
    assert str(recognition) == "Alpha recognised Beta, June 2014"
    assert str(mission) == "representative office of Alpha in Beta, Tskhinval"
