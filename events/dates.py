"""The partial date: a day, a month or a year, as precise as the source and no more.

This module is the only place that knows about precision. A partial date is an interval
(June 2014 is 2014-06-01..2014-06-30); it sorts by its first day and is written as an
ISO 8601 / EDTF level 0 string at its own precision ("2014-06", "2015-04-28", "2008").
"""

from __future__ import annotations

import calendar
import datetime
import re
from dataclasses import dataclass
from enum import StrEnum

from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

MIN_YEAR = 1
MAX_YEAR = 9999

_ISO_PATTERN = re.compile(r"^(?P<year>\d{4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2}))?)?$")

MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
# Russian needs the nominative for "июнь 2014" and the genitive for "28 апреля 2015".
MONTHS_RU_NOMINATIVE = (
    "январь",
    "февраль",
    "март",
    "апрель",
    "май",
    "июнь",
    "июль",
    "август",
    "сентябрь",
    "октябрь",
    "ноябрь",
    "декабрь",
)
MONTHS_RU_GENITIVE = (
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
)


class Precision(StrEnum):
    DAY = "day"
    MONTH = "month"
    YEAR = "year"

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(cls.DAY.value, _("day")), (cls.MONTH.value, _("month")), (cls.YEAR.value, _("year"))]


class PartialDateError(ValueError):
    """A string that is not a partial date, with a message an editor can act on."""


@dataclass(frozen=True, order=False)
class PartialDate:
    year: int
    month: int | None = None
    day: int | None = None

    def __post_init__(self) -> None:
        if not MIN_YEAR <= self.year <= MAX_YEAR:
            raise PartialDateError(
                gettext("The year must be between %(first)s and %(last)s.")
                % {"first": f"{MIN_YEAR:04d}", "last": MAX_YEAR}
            )
        if self.day is not None and self.month is None:
            raise PartialDateError(gettext("A day needs a month."))
        if self.month is not None and not 1 <= self.month <= 12:
            raise PartialDateError(
                gettext("There is no month %(month)s: months run from 01 to 12.") % {"month": f"{self.month:02d}"}
            )
        if self.day is not None:
            last = calendar.monthrange(self.year, self.month)[1]
            if not 1 <= self.day <= last:
                raise PartialDateError(
                    gettext("%(month)s has no day %(day)s: it has %(last)s days.")
                    % {"month": PartialDate(self.year, self.month).display(), "day": self.day, "last": last}
                )

    @classmethod
    def parse(cls, text: str) -> PartialDate:
        """Read "2014", "2014-06" or "2014-06-27"; anything else raises PartialDateError."""
        if not isinstance(text, str):
            raise PartialDateError(gettext("Enter a date as text: YYYY, YYYY-MM or YYYY-MM-DD."))
        match = _ISO_PATTERN.match(text.strip())
        if match is None:
            raise PartialDateError(
                gettext("Enter a date as YYYY, YYYY-MM or YYYY-MM-DD (for example 2014, 2014-06 or 2014-06-27).")
            )
        month = match["month"]
        day = match["day"]
        return cls(int(match["year"]), int(month) if month else None, int(day) if day else None)

    @classmethod
    def from_date(cls, value: datetime.date, precision: Precision | str = Precision.DAY) -> PartialDate:
        precision = Precision(precision)
        if precision is Precision.YEAR:
            return cls(value.year)
        if precision is Precision.MONTH:
            return cls(value.year, value.month)
        return cls(value.year, value.month, value.day)

    @classmethod
    def coerce(cls, value: PartialDate | str | datetime.date | None) -> PartialDate | None:
        """Accept what models, forms and serializers are handed; "" and None mean no date."""
        if value is None or value == "":
            return None
        if isinstance(value, PartialDate):
            return value
        if isinstance(value, datetime.date):
            return cls.from_date(value)
        return cls.parse(value)

    @property
    def precision(self) -> Precision:
        if self.day is not None:
            return Precision.DAY
        if self.month is not None:
            return Precision.MONTH
        return Precision.YEAR

    @property
    def first_day(self) -> datetime.date:
        return datetime.date(self.year, self.month or 1, self.day or 1)

    @property
    def last_day(self) -> datetime.date:
        if self.day is not None:
            return self.first_day
        if self.month is not None:
            return datetime.date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])
        return datetime.date(self.year, 12, 31)

    def interval(self) -> tuple[datetime.date, datetime.date]:
        """The first and the last day the date may stand for."""
        return self.first_day, self.last_day

    def contains(self, day: datetime.date) -> bool:
        return self.first_day <= day <= self.last_day

    def isoformat(self) -> str:
        if self.precision is Precision.YEAR:
            return f"{self.year:04d}"
        if self.precision is Precision.MONTH:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"

    def display(self, language: str | None = None) -> str:
        """'June 2014', '28 April 2015', '2008'; in Russian 'июнь 2014', '28 апреля 2015'."""
        language = (language or translation.get_language() or "en")[:2]
        if self.precision is Precision.YEAR:
            return str(self.year)
        if language == "ru":
            if self.precision is Precision.MONTH:
                return f"{MONTHS_RU_NOMINATIVE[self.month - 1]} {self.year}"
            return f"{self.day} {MONTHS_RU_GENITIVE[self.month - 1]} {self.year}"
        if self.precision is Precision.MONTH:
            return f"{MONTHS_EN[self.month - 1]} {self.year}"
        return f"{self.day} {MONTHS_EN[self.month - 1]} {self.year}"

    def sort_key(self) -> tuple[datetime.date, datetime.date]:
        return self.interval()

    def __lt__(self, other: PartialDate) -> bool:
        return self.sort_key() < other.sort_key()

    def __le__(self, other: PartialDate) -> bool:
        return self.sort_key() <= other.sort_key()

    def __gt__(self, other: PartialDate) -> bool:
        return self.sort_key() > other.sort_key()

    def __ge__(self, other: PartialDate) -> bool:
        return self.sort_key() >= other.sort_key()

    def __str__(self) -> str:
        return self.isoformat()


def parse_day(text: str) -> datetime.date:
    """A full day (YYYY-MM-DD), as the "as of" questions need one."""
    value = PartialDate.parse(text)
    if value.precision is not Precision.DAY:
        raise PartialDateError(gettext("Enter a full day as YYYY-MM-DD (for example 2014-07-15)."))
    return value.first_day
