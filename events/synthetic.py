"""A synthetic archive for benchmarks: invented states, acts, missions and delegations at the
scale of two centuries of diplomacy, the same for the same seed, and marked as invented.

The states are generated in "worlds" of at most STATES_PER_WORLD, each from a random stream of
its own (seed, world): a larger archive is more worlds of the same kind, and its first world is
the whole of the smaller archive of the same seed. So the benchmark can ask the same question
of the same state, with the same acts, in an archive ten times larger.

Rows go in with bulk_create, which skips save() and so writes no django-simple-history rows:
synthetic records have no history, which no benchmark reads. Partial dates are still set through
the models' PartialDateProperty, so that every `_start`, `_end` and `_precision` is filled.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.text import slugify

from events.dates import PartialDate, Precision
from events.models import (
    Delegation,
    DelegationCitation,
    Mission,
    MissionCitation,
    MissionKind,
    Participant,
    Person,
    PublicationStatus,
    Recognition,
    RecognitionAction,
    RecognitionCitation,
    Source,
    State,
    StateStatus,
)
from events.planner import archive_tables, gather_statistics

STATES_PER_WORLD = 250
FIRST_DAY = datetime.date(1815, 1, 1)
LAST_DAY = datetime.date(2024, 12, 31)
# Share of records left as drafts, so that "visible to" filters have something to hide.
DRAFT_SHARE = 0.01
# Share of facts that cite a second (invented) report besides the archive's own source.
SECOND_CITATION_SHARE = 0.3
# How unevenly recognition is spread: the acts a state receives fall off as rank ** -SKEW.
SKEW = 0.35

# Invented names are drawn until an unused one comes up; a million-act archive needs a few tries.
NAME_ATTEMPTS = 1000
# Every synthetic record says so in its notes (or description, or summary); MARK finds them.
MARK = "Synthetic archive (seed "

# Syllables with their Cyrillic spelling, so that every invented name exists in both scripts.
SYLLABLES = (
    ("ka", "ка"),
    ("ro", "ро"),
    ("vi", "ви"),
    ("ma", "ма"),
    ("ne", "не"),
    ("sta", "ста"),
    ("lo", "ло"),
    ("dri", "дри"),
    ("zhe", "же"),
    ("bor", "бор"),
    ("vel", "вел"),
    ("mir", "мир"),
    ("tsa", "ца"),
    ("shi", "ши"),
    ("gor", "гор"),
    ("an", "ан"),
    ("ul", "ул"),
    ("tor", "тор"),
    ("da", "да"),
    ("len", "лен"),
    ("sar", "сар"),
    ("ko", "ко"),
    ("ni", "ни"),
    ("pe", "пе"),
)
STATE_ENDINGS = (("ia", "ия"), ("stan", "стан"), ("avia", "авия"), ("ora", "ора"), ("esh", "еш"))
CITY_ENDINGS = (("grad", "град"), ("ovo", "ово"), ("insk", "инск"), ("pol", "поль"), ("ar", "ар"))
FIRST_NAMES = (
    ("Alan", "Алан"),
    ("Kosta", "Коста"),
    ("Natalia", "Наталья"),
    ("Alexander", "Александр"),
    ("Irina", "Ирина"),
    ("Georgy", "Георгий"),
    ("Marina", "Марина"),
    ("Pavel", "Павел"),
    ("Zarina", "Зарина"),
    ("Oleg", "Олег"),
    ("Elena", "Елена"),
    ("Timur", "Тимур"),
)
NATIVE_STATE_FORMS = ("Республика {}", "{}", "Государство {}", "Republika {}", "{}")
STATUSES = (
    (StateStatus.UN_MEMBER, 0.70),
    (StateStatus.UN_OBSERVER, 0.02),
    (StateStatus.PARTIALLY_RECOGNIZED, 0.08),
    (StateStatus.UNRECOGNIZED, 0.08),
    (StateStatus.FORMER, 0.12),
)
PRECISIONS = ((Precision.DAY, 0.6), (Precision.MONTH, 0.25), (Precision.YEAR, 0.15))
# A coarser precision is kept only if its interval does not reach the neighbouring acts.
FALLBACK = {
    Precision.YEAR: (Precision.YEAR, Precision.MONTH, Precision.DAY),
    Precision.MONTH: (Precision.MONTH, Precision.DAY),
    Precision.DAY: (Precision.DAY,),
}
RECOGNITION_INSTRUMENTS = (
    "decree of the president",
    "note verbale",
    "joint communiqué",
    "resolution of parliament",
    "указ президента",
    "нота министерства иностранных дел",
    "",
)
WITHDRAWAL_INSTRUMENTS = ("statement of the foreign ministry", "decree of the president", "заявление МИД", "")
MISSION_KINDS = (
    (MissionKind.EMBASSY, 0.45),
    (MissionKind.CONSULATE_GENERAL, 0.15),
    (MissionKind.CONSULATE, 0.12),
    (MissionKind.REPRESENTATIVE_OFFICE, 0.12),
    (MissionKind.HONORARY_CONSULATE, 0.1),
    (MissionKind.LIAISON_OFFICE, 0.06),
)
OCCASIONS = (
    "Talks on trade",
    "State visit",
    "Inauguration of the president",
    "Signing of a treaty of friendship",
    "Переговоры о сотрудничестве",
    "Consultations of the foreign ministries",
    "Independence day celebrations",
)
DELEGATION_POSITIONS = (
    "Minister of foreign affairs of {name}",
    "Deputy minister of foreign affairs of {name}",
    "Head of the presidential administration of {name}",
    "Ambassador of {name}",
    "Member of parliament of {name}",
    "Посол, {native}",
)
HOST_POSITIONS = (
    "President of {name}",
    "Prime minister of {name}",
    "Minister of foreign affairs of {name}",
    "Мэр столицы, {native}",
)


@dataclass(frozen=True)
class ArchiveSize:
    """How many of each record the archive gets."""

    states: int = 250
    recognitions: int = 100_000
    missions: int = 20_000
    delegations: int = 20_000
    seed: int = 1

    def scaled(self, factor: int) -> ArchiveSize:
        return ArchiveSize(
            states=self.states * factor,
            recognitions=self.recognitions * factor,
            missions=self.missions * factor,
            delegations=self.delegations * factor,
            seed=self.seed,
        )

    @property
    def facts(self) -> int:
        return self.recognitions + self.missions + self.delegations


def kind_name(kind: MissionKind) -> str:
    """The kind in English whatever language is active, so that the data does not depend on it."""
    return kind.value.replace("_", " ")


def marker(seed: int) -> str:
    return f"{MARK}{seed})"


def real_record_counts() -> dict[str, int]:
    """Records that do not carry the synthetic mark, per model: what --force is needed to keep."""
    fields = {State: "description", Person: "notes", Source: "summary"}
    counts = {}
    for model in (State, Person, Source, Recognition, Mission, Delegation):
        counts[model._meta.verbose_name_plural] = model.objects.exclude(
            **{f"{fields.get(model, 'notes')}__contains": MARK}
        ).count()
    return {name: count for name, count in counts.items() if count}


def record_count() -> int:
    return sum(model.objects.count() for model in (State, Person, Source, Recognition, Mission, Delegation))


def split(total: int, weights: Sequence[float]) -> list[int]:
    """`total` shared out in proportion to `weights`, in whole numbers that add up to it."""
    whole = sum(weights)
    shares = [total * weight / whole for weight in weights]
    counts = [int(share) for share in shares]
    by_remainder = sorted(range(len(weights)), key=lambda index: (counts[index] - shares[index], index))
    for index in by_remainder[: total - sum(counts)]:
        counts[index] += 1
    return counts


def pick(rng: random.Random, table: Sequence[tuple[object, float]]):
    return rng.choices([value for value, _ in table], [weight for _, weight in table])[0]


def dated_acts(rng: random.Random, first: datetime.date, last: datetime.date, count: int) -> list[PartialDate]:
    """`count` partial dates in order within [first, last], of mixed precision, whose intervals
    never overlap: a year or month is kept only where it does not reach the next or last act."""
    days = [first + datetime.timedelta(offset) for offset in sorted(rng.sample(range((last - first).days + 1), count))]
    dates = []
    previous_last = first - datetime.timedelta(1)
    for index, day in enumerate(days):
        following = days[index + 1] if index + 1 < count else last + datetime.timedelta(1)
        for precision in FALLBACK[pick(rng, PRECISIONS)]:
            value = PartialDate.from_date(day, precision)
            if value.first_day > previous_last and value.last_day < following:
                break
        dates.append(value)
        previous_last = value.last_day
    return dates


def partial_date(rng: random.Random, day: datetime.date) -> PartialDate:
    """The day, or its month or year, as a source might give it."""
    return PartialDate.from_date(day, pick(rng, PRECISIONS))


def random_day(rng: random.Random, first: datetime.date, last: datetime.date) -> datetime.date:
    return first + datetime.timedelta(rng.randrange((last - first).days + 1))


@dataclass
class Names:
    """Invented names in Latin and Cyrillic, never the same twice in one archive."""

    rng: random.Random
    used: set[str] = field(default_factory=set)

    def _word(self, endings: Sequence[tuple[str, str]], syllables: int) -> tuple[str, str]:
        parts = [self.rng.choice(SYLLABLES) for _ in range(syllables)] + [self.rng.choice(endings)]
        latin = "".join(part for part, _ in parts)
        cyrillic = "".join(part for _, part in parts)
        return latin.capitalize(), cyrillic.capitalize()

    def unique(self, make: Callable[[], tuple[str, str]]) -> tuple[str, str]:
        for _ in range(NAME_ATTEMPTS):
            latin, cyrillic = make()
            if slugify(latin) not in self.used:
                self.used.add(slugify(latin))
                return latin, cyrillic
        raise ValueError(f"No unused invented name left after {NAME_ATTEMPTS} tries: the archive is too large.")

    def state(self) -> tuple[str, str]:
        return self.unique(lambda: self._word(STATE_ENDINGS, self.rng.choice((1, 2, 2, 3))))

    def city(self) -> tuple[str, str]:
        return self._word(CITY_ENDINGS, self.rng.choice((1, 2)))

    def person(self) -> tuple[str, str]:
        def make() -> tuple[str, str]:
            first, first_native = self.rng.choice(FIRST_NAMES)
            endings = (("ov", "ов"), ("ev", "ев"), ("aty", "аты"), ("ishvili", "ишвили"))
            last, last_native = self._word(endings, self.rng.choice((2, 2, 3)))
            return f"{first} {last}", f"{first_native} {last_native}"

        return self.unique(make)


class Table:
    """One model's rows, written in multi-row INSERTs with ids assigned here.

    Django's bulk_create prepares every value through its field, which costs more than the
    insert itself at this scale (a hundred thousand rows a minute on SQLite). The archive is built
    by one writer in one transaction, so ids are counted on from the largest one, and
    PostgreSQL's sequences are reset afterwards. Partial dates are written as their first day,
    last day and precision, as the model's PartialDateProperty would write them.
    """

    FLUSH_ROWS = 5000

    def __init__(self, model: type[models.Model], *, on_flush: Callable[[int], None] | None = None) -> None:
        self.model = model
        self.on_flush = on_flush
        ops = connection.ops
        now = timezone.now()
        self.columns: list[tuple[str, object, Callable | None]] = []
        for column in model._meta.concrete_fields:
            if column.primary_key:
                continue
            default = now if getattr(column, "auto_now", False) or getattr(column, "auto_now_add", False) else None
            adapt = None
            if isinstance(column, models.DateTimeField):
                default = ops.adapt_datetimefield_value(default) if default else None
            elif isinstance(column, models.DateField):
                adapt = ops.adapt_datefield_value
            elif isinstance(column, models.DecimalField):
                adapt = ops.adapt_decimalfield_value
            self.columns.append((column.attname, default if default is not None else column.get_default(), adapt))
        self.attnames = {attname for attname, _, _ in self.columns}
        names = [
            model._meta.pk.column,
            *(column.column for column in model._meta.concrete_fields if not column.primary_key),
        ]
        self.head = (
            f"INSERT INTO {ops.quote_name(model._meta.db_table)} ({', '.join(map(ops.quote_name, names))}) VALUES "
        )
        self.row_sql = "(" + ", ".join(["%s"] * len(names)) + ")"
        limit = 999 if connection.vendor == "sqlite" else 30_000
        self.rows_per_statement = max(1, limit // len(names))
        self.next_id = (model.objects.aggregate(models.Max("pk"))["pk__max"] or 0) + 1
        self.rows: list[list] = []

    def add(self, **values) -> int:
        """Queue one row; values are attribute names (`state_id`, `date_start`); returns its id."""
        if not self.attnames.issuperset(values):
            raise TypeError(f"{self.model.__name__} has no {sorted(set(values) - self.attnames)}")
        row_id = self.next_id
        self.next_id += 1
        row = [row_id]
        for attname, default, adapt in self.columns:
            value = values.get(attname, default)
            row.append(adapt(value) if adapt is not None and value is not None else value)
        self.rows.append(row)
        if len(self.rows) >= self.FLUSH_ROWS:
            self.flush()
        return row_id

    def flush(self) -> None:
        # The backend's own cursor: Django's debug wrapper would format every statement for the log.
        connection.ensure_connection()
        with closing(connection.create_cursor()) as cursor:
            for start in range(0, len(self.rows), self.rows_per_statement):
                chunk = self.rows[start : start + self.rows_per_statement]
                cursor.execute(
                    self.head + ", ".join([self.row_sql] * len(chunk)), [value for row in chunk for value in row]
                )
        if self.on_flush is not None:
            self.on_flush(len(self.rows))
        self.rows.clear()


def date_columns(name: str, value: PartialDate | None) -> dict:
    """The three columns of a partial date, as PartialDateProperty stores them."""
    if value is None:
        return {f"{name}_start": None, f"{name}_end": None, f"{name}_precision": ""}
    return {f"{name}_start": value.first_day, f"{name}_end": value.last_day, f"{name}_precision": value.precision.value}


@dataclass(slots=True)
class InventedState:
    id: int
    name: str
    native: str
    capital: str
    declared: PartialDate | None
    dissolved: PartialDate | None


@dataclass(slots=True)
class InventedMission:
    id: int
    sending: InventedState
    host: InventedState
    kind: MissionKind
    city: str
    opened: PartialDate


@dataclass
class World:
    """One world's states and people, and the random stream that invents its facts."""

    rng: random.Random
    states: list[InventedState]
    persons: list[tuple[int, str]]
    reports: list[int]
    cities: list[str]
    popularity: list[float]


ARCHIVE_MODELS = (
    Source,
    State,
    Person,
    Recognition,
    RecognitionCitation,
    Mission,
    MissionCitation,
    Delegation,
    Participant,
    DelegationCitation,
)
FACT_MODELS = (Recognition, Mission, Delegation)


class SyntheticArchive:
    """Builds the archive world by world."""

    def __init__(self, size: ArchiveSize, *, progress: Callable[[int], None] = lambda count: None) -> None:
        self.size = size
        self.mark = marker(size.seed)
        self.names = Names(random.Random(size.seed))
        self.names.used |= {slugify(name) for name in State.objects.values_list("name", flat=True)}
        self.names.used |= set(State.objects.values_list("slug", flat=True))
        self.names.used |= set(Person.objects.values_list("slug", flat=True))
        self.tables = {
            model: Table(model, on_flush=progress if model in FACT_MODELS else None) for model in ARCHIVE_MODELS
        }

    @transaction.atomic
    def build(self) -> None:
        self.archive_source = self.tables[Source].add(
            title=f"Synthetic archive (seed {self.size.seed})",
            outlet="Synthetic archive",
            language="en",
            summary=(
                f"{self.mark}: invented states, acts, missions, delegations and people, generated by "
                f"manage.py generate_synthetic_archive --seed {self.size.seed} for benchmarks. None of it is true."
            ),
        )
        worlds = -(-self.size.states // STATES_PER_WORLD)
        state_counts = split(self.size.states, [1] * worlds)
        shares = {
            kind: split(getattr(self.size, kind), state_counts) for kind in ("recognitions", "missions", "delegations")
        }
        for index, count in enumerate(state_counts):
            world = self.make_world(index, count, persons=max(20, shares["delegations"][index] // 4))
            self.add_recognitions(world, shares["recognitions"][index])
            missions = self.add_missions(world, shares["missions"][index])
            self.add_delegations(world, shares["delegations"][index], missions)
            for table in self.tables.values():
                table.flush()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                for statement in connection.ops.sequence_reset_sql(no_style(), ARCHIVE_MODELS):
                    cursor.execute(statement)

    def status(self, rng: random.Random) -> str:
        return PublicationStatus.DRAFT if rng.random() < DRAFT_SHARE else PublicationStatus.PUBLISHED

    def cite(self, rng: random.Random, world: World, model: type[models.Model], record_id: int, quotation: str) -> None:
        """Every fact cites the archive's own source; some a second, invented report too."""
        table = self.tables[model]
        table.add(record_id=record_id, source_id=self.archive_source, quotation=quotation, locator="entry")
        if rng.random() < SECOND_CITATION_SHARE:
            table.add(record_id=record_id, source_id=rng.choice(world.reports), locator=f"p. {rng.randint(1, 40)}")

    # --- states, people, reports -----------------------------------------------------------------

    def make_world(self, index: int, count: int, *, persons: int) -> World:
        rng = random.Random(self.size.seed * 1_000_003 + index)
        specs = [self.state_values(rng) for _ in range(count)]
        members = [number for number, spec in enumerate(specs) if spec["status"] == StateStatus.UN_MEMBER]
        first_id = self.tables[State].next_id
        for spec in specs:
            if members and spec["status"] in {StateStatus.PARTIALLY_RECOGNIZED, StateStatus.UNRECOGNIZED}:
                spec["parent_id"] = first_id + rng.choice(members)
        states = []
        for spec in specs:
            declared, dissolved = spec.pop("declared"), spec.pop("dissolved")
            state_id = self.tables[State].add(
                **spec, **date_columns("declared", declared), **date_columns("dissolved", dissolved)
            )
            states.append(
                InventedState(state_id, spec["name"], spec["short_name_native"], spec["capital"], declared, dissolved)
            )

        people = []
        for _ in range(persons):
            name, native = self.names.person()
            person_id = self.tables[Person].add(
                name=name,
                name_native=native,
                slug=slugify(name),
                notes=f"{self.mark}: an invented person.",
                publication_status=self.status(rng),
            )
            people.append((person_id, name))

        reports = []
        for number in range(1, 21):
            outlet = rng.choice(states)
            reports.append(
                self.tables[Source].add(
                    title=f"Вестник {outlet.native}, выпуск {number}",
                    outlet=f"Herald of {outlet.name}",
                    author=rng.choice(people)[1],
                    published=random_day(rng, FIRST_DAY, LAST_DAY),
                    dateline=outlet.capital,
                    language=rng.choice(("ru", "en")),
                    summary=f"{self.mark}: an invented report.",
                )
            )

        ranks = rng.sample(range(count), count)
        popularity = [(rank + 1) ** -SKEW for rank in ranks]
        return World(rng, states, people, reports, [self.names.city()[0] for _ in range(200)], popularity)

    def state_values(self, rng: random.Random) -> dict:
        name, native = self.names.state()
        status = pick(rng, STATUSES)
        capital, capital_native = self.names.city()
        values = {
            "name": name,
            "name_native": rng.choice(NATIVE_STATE_FORMS).format(native),
            "short_name": name,
            "short_name_native": native,
            "slug": slugify(name),
            "status": status.value,
            "iso3": name[:3].upper(),
            "capital": capital,
            "capital_native": capital_native,
            "latitude": Decimal(rng.randint(-8_999_999, 8_999_999)) / 100_000,
            "longitude": Decimal(rng.randint(-17_999_999, 17_999_999)) / 100_000,
            "description": f"{self.mark}: an invented state, not a real polity.",
            "publication_status": self.status(rng),
            "declared": None,
            "dissolved": None,
        }
        if rng.random() < 0.7:
            declared = partial_date(rng, random_day(rng, datetime.date(1700, 1, 1), datetime.date(2010, 12, 31)))
            values["declared"] = declared
            if status == StateStatus.FORMER:
                first = min(declared.last_day + datetime.timedelta(days=365 * 20), datetime.date(2019, 1, 1))
                values["dissolved"] = partial_date(rng, random_day(rng, first, datetime.date(2020, 12, 31)))
        return values

    # --- facts ---------------------------------------------------------------------------------

    def window(self, *states: InventedState) -> tuple[datetime.date, datetime.date]:
        """The days on which acts between these states are invented: after they were declared and
        before they were dissolved, where that leaves ten years, else the whole two centuries."""
        first = max([FIRST_DAY, *(state.declared.first_day for state in states if state.declared)])
        last = min([LAST_DAY, *(state.dissolved.last_day for state in states if state.dissolved)])
        if (last - first).days < 3650:
            return FIRST_DAY, LAST_DAY
        return first, last

    def add_recognitions(self, world: World, total: int) -> None:
        """Acts shared out unevenly among the states; per pair they alternate recognition and withdrawal."""
        rng = world.rng
        for index, target in enumerate(split(total, world.popularity)):
            recognized = world.states[index]
            others = world.states[:index] + world.states[index + 1 :]
            if not target or not others:
                continue
            recognizers = rng.sample(others, min(len(others), max(1, round(target / 1.6))))
            lengths = [1] * len(recognizers)
            for extra in rng.choices(range(len(recognizers)), k=target - len(recognizers)):
                lengths[extra] += 1
            for recognizer, length in zip(recognizers, lengths, strict=True):
                for number, date in enumerate(dated_acts(rng, *self.window(recognized), length)):
                    withdrawal = number % 2 == 1
                    action = RecognitionAction.WITHDRAWAL if withdrawal else RecognitionAction.RECOGNITION
                    verb = "withdrew its recognition of" if withdrawal else "recognised"
                    verb_native = "отозвало признание" if withdrawal else "признало"
                    act_id = self.tables[Recognition].add(
                        recognizing_state_id=recognizer.id,
                        recognized_state_id=recognized.id,
                        action=action.value,
                        **date_columns("date", date),
                        instrument=rng.choice(WITHDRAWAL_INSTRUMENTS if withdrawal else RECOGNITION_INSTRUMENTS),
                        notes=f"{self.mark}: {recognizer.name} {verb} {recognized.name}.",
                        publication_status=self.status(rng),
                    )
                    quotation = f"{recognizer.native} {verb_native}: {recognized.native}, {date.display('ru')}."
                    self.cite(rng, world, RecognitionCitation, act_id, quotation)

    def pair(self, world: World) -> tuple[InventedState, InventedState]:
        sending, host = world.rng.choices(world.states, world.popularity, k=2)
        while host is sending:
            host = world.rng.choice(world.states)
        return sending, host

    def add_missions(self, world: World, total: int) -> list[InventedMission]:
        rng = world.rng
        seen = set()
        missions = []
        while len(missions) < total:
            sending, host = self.pair(world)
            kind = pick(rng, MISSION_KINDS)
            city = host.capital if rng.random() < 0.7 else rng.choice(world.cities)
            closes = rng.random() < 0.35
            dates = dated_acts(rng, *self.window(sending, host), 2 if closes else 1)
            key = (sending.id, host.id, kind, city, dates[0].first_day, dates[0].precision)
            if key in seen:
                continue
            seen.add(key)
            mission_id = self.tables[Mission].add(
                sending_state_id=sending.id,
                host_state_id=host.id,
                kind=kind.value,
                city=city,
                **date_columns("opened", dates[0]),
                **date_columns("closed", dates[1] if closes else None),
                notes=f"{self.mark}: an invented {kind_name(kind)} of {sending.name} in {host.name}.",
                publication_status=self.status(rng),
            )
            missions.append(InventedMission(mission_id, sending, host, kind, city, dates[0]))
            self.cite(rng, world, MissionCitation, mission_id, f"Открыто: {dates[0].display('ru')}.")
        return missions

    def add_delegations(self, world: World, total: int, missions: list[InventedMission]) -> None:
        """A quarter attended a mission's opening; each has one to four members and one or two hosts."""
        rng = world.rng
        seen = set()
        made = 0
        while made < total:
            mission = rng.choice(missions) if missions and rng.random() < 0.25 else None
            if mission is not None:
                sending, host, date, place = mission.sending, mission.host, mission.opened, mission.city
                occasion = f"Opening of the {kind_name(mission.kind)} of {sending.name} in {host.name}"
            else:
                sending, host = self.pair(world)
                date = dated_acts(rng, *self.window(sending, host), 1)[0]
                occasion = rng.choice(OCCASIONS)
                place = host.capital if rng.random() < 0.8 else rng.choice(world.cities)
            key = (sending.id, host.id, date.first_day, date.precision, occasion)
            if key in seen:
                continue
            seen.add(key)
            made += 1
            delegation_id = self.tables[Delegation].add(
                sending_state_id=sending.id,
                host_state_id=host.id,
                **date_columns("date", date),
                place=place,
                occasion=occasion,
                mission_id=mission.id if mission else None,
                notes=f"{self.mark}: an invented delegation of {sending.name} to {host.name}.",
                publication_status=self.status(rng),
            )
            members = rng.randint(1, 4)
            people = rng.sample(world.persons, members + rng.randint(1, 2))
            for number, (person_id, _) in enumerate(people):
                side, state, positions = (
                    ("delegation", sending, DELEGATION_POSITIONS)
                    if number < members
                    else ("host", host, HOST_POSITIONS)
                )
                self.tables[Participant].add(
                    delegation_id=delegation_id,
                    person_id=person_id,
                    side=side,
                    role="head" if number in (0, members) else "member",
                    position=rng.choice(positions).format(name=state.name, native=state.native),
                )
            self.cite(rng, world, DelegationCitation, delegation_id, f"{occasion}, {date.display('ru')}.")


def generate_synthetic_archive(size: ArchiveSize, *, progress: Callable[[int], None] = lambda count: None) -> None:
    """Fill the database with the synthetic archive of `size`, in one transaction, then gather the
    query planner's statistics of its tables (events/planner.py)."""
    SyntheticArchive(size, progress=progress).build()
    gather_statistics(archive_tables())
