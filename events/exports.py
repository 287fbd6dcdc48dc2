"""Flat CSV rows, one per record, shared by the website's "Download CSV" and the API's
`?format=csv`: ISO dates at their precision and both states' slugs and names (dyadic form)."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator

from django.db.models import Prefetch, QuerySet
from django.http import StreamingHttpResponse

from events.models import Delegation, Mission, Person, Recognition, Source, State

CSV_CHUNK_SIZE = 2000

Column = tuple[str, Callable]


def _iso(value) -> str:
    return value.isoformat() if value else ""


def _state_columns(field: str) -> list[Column]:
    return [
        (field, lambda obj: getattr(obj, field).slug),
        (f"{field}_name", lambda obj: getattr(obj, field).name),
        (f"{field}_name_native", lambda obj: getattr(obj, field).name_native),
    ]


def _date_columns(name: str) -> list[Column]:
    return [
        (name, lambda obj: _iso(getattr(obj, name))),
        (f"{name}_precision", lambda obj: getattr(obj, f"{name}_precision")),
        (f"{name}_start", lambda obj: _iso(getattr(obj, f"{name}_start"))),
        (f"{name}_end", lambda obj: _iso(getattr(obj, f"{name}_end"))),
    ]


def _source_ids(obj) -> str:
    return ";".join(dict.fromkeys(str(citation.source_id) for citation in obj.citations.all()))


def _participants(obj) -> str:
    return "; ".join(
        f"{p.person.name} ({p.side}, {p.role}{', ' + p.position if p.position else ''})" for p in obj.participants.all()
    )


COLUMNS: dict[type, list[Column]] = {
    Recognition: [
        ("id", lambda obj: obj.pk),
        *_state_columns("recognizing_state"),
        *_state_columns("recognized_state"),
        ("action", lambda obj: obj.action),
        *_date_columns("date"),
        ("instrument", lambda obj: obj.instrument),
        ("notes", lambda obj: obj.notes),
        ("source_ids", _source_ids),
    ],
    Mission: [
        ("id", lambda obj: obj.pk),
        *_state_columns("sending_state"),
        *_state_columns("host_state"),
        ("kind", lambda obj: obj.kind),
        ("city", lambda obj: obj.city),
        *_date_columns("opened"),
        *_date_columns("closed"),
        ("notes", lambda obj: obj.notes),
        ("source_ids", _source_ids),
    ],
    Delegation: [
        ("id", lambda obj: obj.pk),
        *_state_columns("sending_state"),
        *_state_columns("host_state"),
        *_date_columns("date"),
        ("place", lambda obj: obj.place),
        ("occasion", lambda obj: obj.occasion),
        ("mission_id", lambda obj: obj.mission_id or ""),
        ("participants", _participants),
        ("notes", lambda obj: obj.notes),
        ("source_ids", _source_ids),
    ],
    State: [
        ("slug", lambda obj: obj.slug),
        ("name", lambda obj: obj.name),
        ("name_native", lambda obj: obj.name_native),
        ("short_name", lambda obj: obj.short_name),
        ("short_name_native", lambda obj: obj.short_name_native),
        ("status", lambda obj: obj.status),
        ("iso3", lambda obj: obj.iso3),
        ("capital", lambda obj: obj.capital),
        ("capital_native", lambda obj: obj.capital_native),
        ("parent", lambda obj: obj.parent.slug if obj.parent_id else ""),
        *_date_columns("declared"),
        *_date_columns("dissolved"),
        ("latitude", lambda obj: obj.latitude if obj.latitude is not None else ""),
        ("longitude", lambda obj: obj.longitude if obj.longitude is not None else ""),
    ],
    Person: [
        ("slug", lambda obj: obj.slug),
        ("name", lambda obj: obj.name),
        ("name_native", lambda obj: obj.name_native),
        ("notes", lambda obj: obj.notes),
    ],
    Source: [
        ("id", lambda obj: obj.pk),
        ("title", lambda obj: obj.title),
        ("outlet", lambda obj: obj.outlet),
        ("author", lambda obj: obj.author),
        ("published", lambda obj: _iso(obj.published)),
        ("dateline", lambda obj: obj.dateline),
        ("source_url", lambda obj: obj.source_url),
        ("language", lambda obj: obj.language),
        ("summary", lambda obj: obj.summary),
    ],
}

# What each export reads beyond the rows themselves, fetched once per chunk.
RELATED: dict[type, tuple[list[str], list[str]]] = {
    Recognition: (["recognizing_state", "recognized_state"], ["citations"]),
    Mission: (["sending_state", "host_state"], ["citations"]),
    Delegation: (["sending_state", "host_state"], ["citations", "participants"]),
    State: (["parent"], []),
    Person: ([], []),
    Source: ([], []),
}

# The record each item of a nested list refers to, which its reader must be allowed to see.
NESTED_REFERENCES = {"citations": "source", "participants": "person"}


def visible_nested(model: type, name: str, user) -> Prefetch:
    """A record's nested list (`citations`, `participants`) without the items that refer to a
    draft hidden from `user` (anyone but signed-in staff), with what they refer to."""
    item_model = model._meta.get_field(name).related_model
    reference = NESTED_REFERENCES[name]
    visible = item_model._meta.get_field(reference).related_model.objects.visible_to(user)
    items = item_model.objects.select_related(reference).filter(**{f"{reference}__in": visible})
    return Prefetch(name, queryset=items)


def csv_header(model: type) -> list[str]:
    return [name for name, _ in COLUMNS[model]] + ["url"]


def csv_rows(queryset: QuerySet, *, base_url: str = "", user=None) -> Iterator[list]:
    """The header, then one flat row per record; `base_url` makes the record's link absolute.
    Citations and participants are those `user` may see (None: an anonymous reader's)."""
    model = queryset.model
    select, nested = RELATED[model]
    columns = COLUMNS[model]
    yield csv_header(model)
    rows = queryset.select_related(*select).prefetch_related(*(visible_nested(model, name, user) for name in nested))
    for obj in rows.iterator(chunk_size=CSV_CHUNK_SIZE):
        yield [accessor(obj) for _, accessor in columns] + [base_url + obj.get_absolute_url()]


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_response(rows: Iterable[list], filename: str) -> StreamingHttpResponse:
    """Stream the rows as a UTF-8 CSV download (with a BOM, so that spreadsheets read Cyrillic)."""
    writer = csv.writer(_Echo())

    def lines():
        yield "\ufeff"
        for row in rows:
            yield writer.writerow(row)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
