import datetime

import pytest

from events.dates import PartialDate, PartialDateError, Precision, parse_day


@pytest.mark.parametrize(
    ("text", "precision", "first", "last", "iso"),
    [
        ("2014", Precision.YEAR, "2014-01-01", "2014-12-31", "2014"),
        ("2014-06", Precision.MONTH, "2014-06-01", "2014-06-30", "2014-06"),
        ("2014-02", Precision.MONTH, "2014-02-01", "2014-02-28", "2014-02"),
        ("2016-02", Precision.MONTH, "2016-02-01", "2016-02-29", "2016-02"),
        ("2015-04-28", Precision.DAY, "2015-04-28", "2015-04-28", "2015-04-28"),
        (" 2008 ", Precision.YEAR, "2008-01-01", "2008-12-31", "2008"),
        ("0988", Precision.YEAR, "0988-01-01", "0988-12-31", "0988"),
    ],
)
def test_parse_gives_precision_interval_and_iso(text, precision, first, last, iso):
    value = PartialDate.parse(text)
    assert value.precision is precision
    assert value.interval() == (datetime.date.fromisoformat(first), datetime.date.fromisoformat(last))
    assert value.isoformat() == iso


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2014-02-30", "February 2014 has no day 30"),
        ("2015-02-29", "February 2015 has no day 29"),
        ("2014-13", "There is no month 13"),
        ("2014-00", "There is no month 00"),
        ("2014-06-00", "June 2014 has no day 0"),
        ("0000", "The year must be between"),
        ("0000-00-00", "The year must be between"),
        ("99999-01-01", "Enter a date as YYYY"),
        ("June 2014", "Enter a date as YYYY"),
        ("2014/06/27", "Enter a date as YYYY"),
        ("", "Enter a date as YYYY"),
        ("2014-6", "Enter a date as YYYY"),
        ("2014-06-27T00:00", "Enter a date as YYYY"),
    ],
)
def test_impossible_or_malformed_dates_are_rejected_with_a_clear_message(text, message):
    with pytest.raises(PartialDateError, match=message):
        PartialDate.parse(text)


@pytest.mark.parametrize(
    ("text", "english", "russian"),
    [
        ("2014-06", "June 2014", "июнь 2014"),
        ("2015-04-28", "28 April 2015", "28 апреля 2015"),
        ("2008", "2008", "2008"),
        ("2014-05-01", "1 May 2014", "1 мая 2014"),
    ],
)
def test_display_in_both_languages(text, english, russian):
    value = PartialDate.parse(text)
    assert value.display("en") == english
    assert value.display("ru") == russian


def test_sorting_is_by_first_day_then_last_day():
    values = [PartialDate.parse(text) for text in ["2015-04-28", "2014", "2014-06", "2014-06-27", "2014-01-01"]]
    assert [value.isoformat() for value in sorted(values)] == [
        "2014-01-01",
        "2014",
        "2014-06",
        "2014-06-27",
        "2015-04-28",
    ]


@pytest.mark.parametrize(
    ("text", "day", "contains"),
    [("2014-06", "2014-06-15", True), ("2014-06", "2014-07-01", False), ("2014", "2014-12-31", True)],
)
def test_interval_contains_day(text, day, contains):
    assert PartialDate.parse(text).contains(datetime.date.fromisoformat(day)) is contains


def test_coerce_accepts_what_models_are_given():
    assert PartialDate.coerce(None) is None
    assert PartialDate.coerce("") is None
    assert PartialDate.coerce(datetime.date(2014, 6, 27)).precision is Precision.DAY
    value = PartialDate.parse("2014-06")
    assert PartialDate.coerce(value) is value


def test_parse_day_wants_a_whole_day():
    assert parse_day("2014-07-15") == datetime.date(2014, 7, 15)
    with pytest.raises(PartialDateError, match="full day"):
        parse_day("2014-07")
