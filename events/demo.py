"""The demo data: every fact of the seed article (RIA Novosti, Tskhinval, 28 April 2015),
each citing the report with a short quotation. Loading it twice changes nothing."""

from __future__ import annotations

import datetime
from pathlib import Path

from django.db import transaction

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

SEED_TEXT = Path(__file__).resolve().parent / "fixtures" / "ria-novosti-2015-04-28.txt"

SOURCE = {
    "title": "Представительства ДНР и ЛНР открылись в Южной Осетии",
    "outlet": "RIA Novosti",
    "author": "Dina Gassieva (Дина Гассиева)",
    "published": datetime.date(2015, 4, 28),
    "dateline": "Tskhinval (Цхинвал)",
    "language": "ru",
    "summary": (
        "The representative offices of the DPR and LPR opened in South Ossetia on 28 April 2015; "
        "South Ossetia had recognised both in June 2014 and opened its own offices there in April 2015. "
        "The title is supplied by the archive: the stored text carries none."
    ),
}

QUOTE_RECOGNITION = "Южная Осетия признала независимость ДНР и ЛНР в июне 2014 года."
QUOTE_SO_OFFICES = "В апреле 2015 года представительства Южной Осетии были открыты на территории ЛНР и ДНР."
QUOTE_OFFICES_IN_SO = (
    "Представительства самопровозглашенных Донецкой и Луганской народных республик открылись "
    "во вторник в Южной Осетии, сообщили РИА Новости в югоосетинском МИД."
)
QUOTE_DELEGATIONS = (
    "Делегацию ЛНР возглавила руководитель администрации главы республики Наталья Хоршева, "
    "делегацию ДНР возглавил министр иностранных дел Александр Кофман."
)
QUOTE_HOSTS = (
    "С югоосетинской стороны в церемонии приняли участие первый заместитель руководителя "
    "администрации президента Коста Пухаев и заместитель министра иностранных дел Алан Кочиев."
)
BACKGROUND = (
    "Proclaimed at rallies in early April 2014; after the referendums of May 2014 the republic declared "
    "its sovereignty and later formed the union “Novorossiya” with the {other}; heads and parliament "
    "were elected on 2 November 2014. Kyiv does not recognise it (a non-event, not a recognition). "
    "Source: RIA Novosti, 28 April 2015."
)

STATES = [
    {
        "slug": "ukraine",
        "name": "Ukraine",
        "name_native": "Украина",
        "short_name": "Ukraine",
        "short_name_native": "Украина",
        "status": "un_member",
        "iso3": "UKR",
        "capital": "Kyiv",
        "capital_native": "Киев",
        "latitude": "50.45010",
        "longitude": "30.52340",
    },
    {
        "slug": "south-ossetia",
        "name": "South Ossetia",
        "name_native": "Республика Южная Осетия",
        "short_name": "South Ossetia",
        "short_name_native": "Южная Осетия",
        "status": "partially_recognized",
        "capital": "Tskhinval",
        "capital_native": "Цхинвал",
        "latitude": "42.22630",
        "longitude": "43.97050",
        "description": "The Republic of South Ossetia. Its president in April 2015 was Leonid Tibilov.",
    },
    {
        "slug": "dpr",
        "name": "Donetsk People's Republic",
        "name_native": "Донецкая народная республика",
        "short_name": "DPR",
        "short_name_native": "ДНР",
        "status": "unrecognized",
        "parent": "ukraine",
        "declared": "2014-05",
        "capital": "Donetsk",
        "capital_native": "Донецк",
        "latitude": "48.01590",
        "longitude": "37.80280",
        "description": BACKGROUND.format(other="LPR"),
    },
    {
        "slug": "lpr",
        "name": "Luhansk People's Republic",
        "name_native": "Луганская народная республика",
        "short_name": "LPR",
        "short_name_native": "ЛНР",
        "status": "unrecognized",
        "parent": "ukraine",
        "declared": "2014-05",
        "capital": "Luhansk",
        "capital_native": "Луганск",
        "latitude": "48.57400",
        "longitude": "39.30780",
        "description": BACKGROUND.format(other="DPR"),
    },
]

PERSONS = [
    {"slug": "natalia-khorsheva", "name": "Natalia Khorsheva", "name_native": "Наталья Хоршева"},
    {"slug": "alexander-kofman", "name": "Alexander Kofman", "name_native": "Александр Кофман"},
    {"slug": "kosta-pukhaev", "name": "Kosta Pukhaev", "name_native": "Коста Пухаев"},
    {"slug": "alan-kochiev", "name": "Alan Kochiev", "name_native": "Алан Кочиев"},
    {"slug": "leonid-tibilov", "name": "Leonid Tibilov", "name_native": "Леонид Тибилов"},
]

RECOGNITIONS = [
    {
        "recognizing": "south-ossetia",
        "recognized": recognized,
        "date": "2014-06",
        "instrument": "presidential decree",
        "notes": (
            "The president of South Ossetia signed decrees of recognition and instructed the foreign "
            "ministry to establish diplomatic relations. The article gives the month only."
        ),
        "quotation": QUOTE_RECOGNITION,
    }
    for recognized in ("dpr", "lpr")
]

MISSIONS = [
    {
        "sending": "south-ossetia",
        "host": host,
        "city": "",
        "opened": "2015-04",
        "notes": "The article names neither the city nor the day.",
        "quotation": QUOTE_SO_OFFICES,
    }
    for host in ("lpr", "dpr")
] + [
    {
        "sending": sending,
        "host": "south-ossetia",
        "city": "Tskhinval",
        "opened": "2015-04-28",
        "notes": "Opened with a ceremony in Tskhinval on Tuesday 28 April 2015.",
        "quotation": QUOTE_OFFICES_IN_SO,
    }
    for sending in ("dpr", "lpr")
]

HOSTS = [
    ("kosta-pukhaev", "member", "First deputy head of the presidential administration of South Ossetia"),
    ("alan-kochiev", "member", "Deputy minister of foreign affairs of South Ossetia"),
    ("leonid-tibilov", "head", "President of South Ossetia (met the delegations)"),
]

DELEGATIONS = [
    {
        "sending": "lpr",
        "head": ("natalia-khorsheva", "Head of the administration of the Head of the LPR"),
    },
    {
        "sending": "dpr",
        "head": ("alexander-kofman", "Minister of foreign affairs of the DPR"),
    },
]


def _field_values(instance) -> dict:
    return {
        field.attname: field.to_python(getattr(instance, field.attname))
        for field in instance._meta.concrete_fields
        if field.attname not in {"created_at", "updated_at"}
    }


def upsert(model, lookup: dict, values: dict | None = None):
    """Find the record by `lookup` (or make it) and save it only if `values` change it,
    so that loading the demo twice writes nothing and adds no history."""
    instance = model.objects.filter(**lookup).first()
    created = instance is None
    if created:
        instance = model()
    before = _field_values(instance)
    for key, value in {**lookup, **(values or {})}.items():
        setattr(instance, key, value)
    after = _field_values(instance)
    if created or before != after:
        instance.full_clean()
        instance.save()
    return instance


@transaction.atomic
def load_demo_data() -> None:
    """Create or update every demo record to match the data above."""
    text = SEED_TEXT.read_text(encoding="utf-8").strip()
    source = upsert(
        Source,
        {"outlet": SOURCE["outlet"], "published": SOURCE["published"], "title": SOURCE["title"]},
        {**SOURCE, "text": text},
    )
    states = {}
    for data in STATES:
        data = dict(data)
        parent = data.pop("parent", None)
        values = {"declared": data.pop("declared", None), "parent": states.get(parent), **data}
        states[data["slug"]] = upsert(State, {"slug": data["slug"]}, values)
    persons = {data["slug"]: upsert(Person, {"slug": data["slug"]}, data) for data in PERSONS}

    for data in RECOGNITIONS:
        probe = Recognition(date=data["date"])
        recognition = upsert(
            Recognition,
            {
                "recognizing_state": states[data["recognizing"]],
                "recognized_state": states[data["recognized"]],
                "action": "recognition",
                "date_start": probe.date_start,
                "date_precision": probe.date_precision,
            },
            {"date": data["date"], "instrument": data["instrument"], "notes": data["notes"]},
        )
        upsert(
            RecognitionCitation,
            {"record": recognition, "source": source},
            {"quotation": data["quotation"], "locator": "paragraph 1"},
        )

    missions = {}
    for data in MISSIONS:
        probe = Mission(opened=data["opened"])
        mission = upsert(
            Mission,
            {
                "sending_state": states[data["sending"]],
                "host_state": states[data["host"]],
                "kind": "representative_office",
                "city": data["city"],
                "opened_start": probe.opened_start,
                "opened_precision": probe.opened_precision,
            },
            {"opened": data["opened"], "notes": data["notes"]},
        )
        missions[(data["sending"], data["host"])] = mission
        upsert(MissionCitation, {"record": mission, "source": source}, {"quotation": data["quotation"]})

    for data in DELEGATIONS:
        sending = data["sending"]
        probe = Delegation(date="2015-04-28")
        delegation = upsert(
            Delegation,
            {
                "sending_state": states[sending],
                "host_state": states["south-ossetia"],
                "date_start": probe.date_start,
                "date_precision": probe.date_precision,
                "occasion": f"Opening of the {sending.upper()} representative office in South Ossetia",
            },
            {
                "date": "2015-04-28",
                "place": "Tskhinval",
                "mission": missions[(sending, "south-ossetia")],
                "notes": "President Leonid Tibilov met the delegations.",
            },
        )
        head_slug, head_position = data["head"]
        upsert(
            Participant,
            {"delegation": delegation, "person": persons[head_slug]},
            {"side": "delegation", "role": "head", "position": head_position},
        )
        for slug, role, position in HOSTS:
            upsert(
                Participant,
                {"delegation": delegation, "person": persons[slug]},
                {"side": "host", "role": role, "position": position},
            )
        for quotation in (QUOTE_DELEGATIONS, QUOTE_HOSTS):
            upsert(DelegationCitation, {"record": delegation, "source": source, "quotation": quotation})
