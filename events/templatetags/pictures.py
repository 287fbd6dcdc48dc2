"""The timeline chart, embedded in a page with the acts the page lists.

Its data travels in an attribute of the figure (escaped like any attribute), not in a script
element, so that the pages it is embedded in hold no inline script of any type.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import lru_cache
from json.encoder import encode_basestring_ascii as _json_string

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.loader import get_template
from django.urls import get_script_prefix, get_urlconf
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext

from events.dates import PartialDate, Precision
from events.models import Delegation, Mission, Recognition, RecognitionAction
from events.models.base import name_in_language, native_names_first
from events.pictures import (
    DELEGATION,
    MISSION_CLOSED,
    MISSION_OPENED,
    RECOGNITION,
    TIMELINE_KINDS,
    WITHDRAWAL,
    timeline_chart_data,
)
from events.templatetags.tables import esc, url_maker

register = template.Library()

# What a mark says when pointed at, per kind of act: events.pictures.timeline_label's texts.
LABELS = {
    RECOGNITION: "%(a)s recognised %(b)s",
    WITHDRAWAL: "%(a)s withdrew its recognition of %(b)s",
    DELEGATION: "Delegation of %(a)s to %(b)s",
    MISSION_OPENED: "%(kind)s of %(a)s opened in %(b)s",
    MISSION_CLOSED: "%(kind)s of %(a)s closed in %(b)s",
}
URL_NAMES = {
    Recognition: "events:recognition-detail",
    Mission: "events:mission-detail",
    Delegation: "events:delegation-detail",
}


def _chart(chart: dict, chart_id: str) -> dict:
    return {"chart": chart, "chart_json": json.dumps(chart, cls=DjangoJSONEncoder), "chart_id": chart_id}


@register.inclusion_tag("includes/timeline_chart.html")
def timeline_chart(acts, chart_id: str = "timeline-chart") -> dict:
    """`{% timeline_chart acts %}`: the acts of events.selectors.timeline_acts on a time axis."""
    return _chart(timeline_chart_data(acts), chart_id)


@lru_cache(maxsize=8192)
def _date_mark(start, precision: str, language: str) -> tuple[str, str, bool, str]:
    """A mark's "start", "end", "span" and "date" for a date stored as its first day and precision."""
    date = PartialDate.from_date(start, precision or Precision.DAY)
    first, last = date.interval()
    return first.isoformat(), last.isoformat(), date.precision is not Precision.DAY, date.display(language)


def _acts(records):
    """events.pictures.acts_of_records as (kind, date's name, sending state, receiving state,
    record), without building a PartialDate per act."""
    for record in records:
        model = record._meta.model  # a record or an events.selectors.TableRow
        if model is Recognition:
            kind = WITHDRAWAL if record.action == RecognitionAction.WITHDRAWAL else RECOGNITION
            yield kind, "date", record.recognizing_state, record.recognized_state, record
        elif model is Mission:
            yield MISSION_OPENED, "opened", record.sending_state, record.host_state, record
            if record.closed_start is not None:
                yield MISSION_CLOSED, "closed", record.sending_state, record.host_state, record
        elif model is Delegation:
            yield DELEGATION, "date", record.sending_state, record.host_state, record


def records_chart_data(records) -> dict:
    """events.pictures.timeline_chart_data(acts_of_records(records)), the same dictionary, with
    what the marks share worked out once: the texts of each kind, each state's name, the
    address pattern of each kind of record, each date's interval and wording."""
    language = translation.get_language() or "en"
    labels = {kind: gettext(text) for kind, text in LABELS.items()}
    urls = {model: url_maker(url_name, "pk", html=False) for model, url_name in URL_NAMES.items()}
    names: dict[int, str] = {}
    # record.get_kind_display()|capfirst: the label of the kind, or the stored value.
    mission_kinds = {value: capfirst(str(label)) for value, label in Mission._meta.get_field("kind").flatchoices}

    def name(state) -> str:
        found = names.get(state.pk)
        if found is None:
            found = names[state.pk] = name_in_language(state.name, state.name_native, language)
        return found

    marks = []
    for kind, date, sending, receiving, record in _acts(records):
        start, end, span, shown = _date_mark(
            getattr(record, f"{date}_start"), getattr(record, f"{date}_precision"), language
        )
        values = {"a": name(sending), "b": name(receiving)}
        if kind in (MISSION_OPENED, MISSION_CLOSED):
            values["kind"] = mission_kinds.get(record.kind) or capfirst(record.kind)
        marks.append(
            {
                "kind": kind,
                "start": start,
                "end": end,
                "span": span,
                "date": shown,
                "label": labels[kind] % values,
                "url": urls[record._meta.model](record.pk),
            }
        )
    present = {mark["kind"] for mark in marks}
    kinds = [{"kind": kind, "label": str(label)} for kind, label in TIMELINE_KINDS.items() if kind in present]
    return {"kinds": kinds, "marks": marks}


# Stands for a record's number in the address pattern of `_chart_attribute`.
_URL_MARK = 987654321


def _quoted(text: str) -> str:
    """`text` as json.dumps writes a string (ASCII, quoted), escaped as `{{ }}` escapes it."""
    return f"&quot;{esc(_json_string(text)[1:-1])}&quot;"


@lru_cache(maxsize=8192)
def _date_mark_attribute(start, precision: str, language: str) -> str:
    """A mark's "start", "end", "span" and "date", as `_chart_attribute` writes them."""
    first, last, span, shown = _date_mark(start, precision, language)
    return (
        f"&quot;start&quot;: &quot;{first}&quot;, &quot;end&quot;: &quot;{last}&quot;, "
        f"&quot;span&quot;: {'true' if span else 'false'}, &quot;date&quot;: {_quoted(shown)}"
    )


@lru_cache(maxsize=32)
def _chart_words(language: str, script_prefix: str, urlconf) -> tuple[dict, dict, dict, dict]:
    """What `_chart_attribute` writes the same on every page in one language (and script prefix
    and URLconf), quoted: each kind's opening and label, each model's address around its
    number, each mission kind's label."""
    openings = {kind: f"{{&quot;kind&quot;: &quot;{kind}&quot;, " for kind in LABELS}
    labels = {kind: _quoted(gettext(text)) for kind, text in LABELS.items()}
    urls = {}
    for model, url_name in URL_NAMES.items():
        head, tail = _quoted(url_maker(url_name, "pk", html=False)(_URL_MARK)).split(str(_URL_MARK))
        urls[model] = (", &quot;label&quot;: ", f", &quot;url&quot;: {head}", f"{tail}}}")
    # record.get_kind_display()|capfirst: the label of the kind, or the stored value.
    mission_kinds = {
        value: _quoted(capfirst(str(label)))[6:-6] for value, label in Mission._meta.get_field("kind").flatchoices
    }
    return openings, labels, urls, mission_kinds


@receiver(setting_changed)
def _forget_words(**kwargs) -> None:
    """`_chart_words` are worked out again after a setting changes (as tests do)."""
    _chart_words.cache_clear()


def _chart_setup() -> tuple[str, tuple, Callable]:
    """What a chart's attribute is written with: the reader's language, the chart's words in it
    (`_chart_words`), and a function giving a state's name as the attribute quotes it, each
    state's once per page."""
    language = translation.get_language() or "en"
    words = _chart_words(language, get_script_prefix(), get_urlconf())
    native_first = native_names_first(language)
    names: dict[int, str] = {}

    def name(state) -> str:
        found = names.get(state.pk)
        if found is None:
            english, native = state.name, state.name_native
            shown = (native or english) if native_first else (english or native)
            found = names[state.pk] = _quoted(shown)[6:-6]
        return found

    return language, words, name


def _chart_attribute_of(marks: list[str], present: set[str]) -> tuple[SafeString, int, list[dict]]:
    """The chart's attribute around its written `marks`, with the legend of the kinds `present`,
    the number of marks and the legend's kinds."""
    kinds = [{"kind": kind, "label": str(label)} for kind, label in TIMELINE_KINDS.items() if kind in present]
    legend = ", ".join(
        f"{{&quot;kind&quot;: &quot;{kind['kind']}&quot;, &quot;label&quot;: {_quoted(kind['label'])}}}"
        for kind in kinds
    )
    attribute = f"{{&quot;kinds&quot;: [{legend}], &quot;marks&quot;: [{', '.join(marks)}]}}"
    return mark_safe(attribute), len(marks), kinds


def _chart_attribute(records) -> tuple[SafeString, int, list[dict]]:
    """`escape(json.dumps(records_chart_data(records)))`, the chart's data as its attribute holds it,
    written here mark by mark, with the number of marks and the legend's kinds: building the
    dictionaries, dumping them and escaping the JSON took most of the chart's time. Both escapes
    go character by character, so a label is its quoted text with the quoted names put in, and
    an address the quoted text of its pattern around the record's number. The marks of each
    record as `_acts` gives them, each state's name quoted once per page, the words once per
    language (`_chart_words`)."""
    language, (openings, labels, urls, mission_kinds), name = _chart_setup()

    marks = []
    present = set()
    for record in records:
        model = record._meta.model  # a record or an events.selectors.TableRow
        label, url, end = urls.get(model, (None, None, None))
        if model is Recognition:
            kind = WITHDRAWAL if record.action == RecognitionAction.WITHDRAWAL else RECOGNITION
            values = {"a": name(record.recognizing_state), "b": name(record.recognized_state)}
            dated = _date_mark_attribute(record.date_start, record.date_precision, language)
            marks.append(f"{openings[kind]}{dated}{label}{labels[kind] % values}{url}{record.pk}{end}")
            present.add(kind)
        elif model is Mission:
            shown = mission_kinds.get(record.kind)
            if shown is None:
                shown = _quoted(capfirst(record.kind))[6:-6]
            values = {"a": name(record.sending_state), "b": name(record.host_state), "kind": shown}
            dated = _date_mark_attribute(record.opened_start, record.opened_precision, language)
            marks.append(
                f"{openings[MISSION_OPENED]}{dated}{label}{labels[MISSION_OPENED] % values}{url}{record.pk}{end}"
            )
            present.add(MISSION_OPENED)
            if record.closed_start is not None:
                dated = _date_mark_attribute(record.closed_start, record.closed_precision, language)
                marks.append(
                    f"{openings[MISSION_CLOSED]}{dated}{label}{labels[MISSION_CLOSED] % values}{url}{record.pk}{end}"
                )
                present.add(MISSION_CLOSED)
        elif model is Delegation:
            values = {"a": name(record.sending_state), "b": name(record.host_state)}
            dated = _date_mark_attribute(record.date_start, record.date_precision, language)
            marks.append(f"{openings[DELEGATION]}{dated}{label}{labels[DELEGATION] % values}{url}{record.pk}{end}")
            present.add(DELEGATION)
    return _chart_attribute_of(marks, present)


# Stands for the chart's attribute in the chart's template rendered once (`_chart_frame`).
_ATTRIBUTE_MARK = "chart-attribute-mark-0"


@lru_cache(maxsize=512)
def _chart_frame(kinds: tuple[tuple[str, str], ...], count: int, chart_id: str, language: str) -> tuple[str, ...]:
    """includes/timeline_chart.html as `sections_timeline_chart` gives it its context, rendered
    once per legend, number of marks, id and language, and cut where the attribute goes: the
    template reads nothing else (its addresses of static files are the process's own)."""
    context = {
        "chart": {"kinds": [{"kind": kind, "label": label} for kind, label in kinds], "marks": range(count)},
        "chart_json": _ATTRIBUTE_MARK,
        "chart_id": chart_id,
    }
    html = get_template("includes/timeline_chart.html").render(context)
    return tuple(html.split(_ATTRIBUTE_MARK))


@register.simple_tag
def sections_timeline_chart(sections: dict, chart_id: str = "timeline-chart") -> SafeString:
    """`{% sections_timeline_chart sections %}`: the records a state's page lists, in all its
    sections, on one time axis; the chart shows what the tables show. What includes/timeline_chart.html
    wrote with `chart` (of which it reads only the kinds and the number of marks) and `chart_json`
    (escaped): its text around the attribute from `_chart_frame`, the attribute written here."""
    records = [record for section in sections.values() for record in section.rows]
    attribute, count, kinds = _chart_attribute(records)
    language = translation.get_language() or "en"
    frame = _chart_frame(tuple((kind["kind"], kind["label"]) for kind in kinds), count, chart_id, language)
    return mark_safe(attribute.join(frame))


# Where each kind of timeline act's date is stored on its record (events.selectors._timeline_parts).
_ACT_DATES = {
    RECOGNITION: ("date_start", "date_precision"),
    WITHDRAWAL: ("date_start", "date_precision"),
    MISSION_OPENED: ("opened_start", "opened_precision"),
    MISSION_CLOSED: ("closed_start", "closed_precision"),
    DELEGATION: ("date_start", "date_precision"),
}


def _timeline_attribute(acts) -> tuple[SafeString, int, list[dict]]:
    """`escape(json.dumps(timeline_chart_data(acts)))` for the acts of events.selectors.timeline_acts
    (each record a TableRow), written mark by mark as `_chart_attribute` writes a state's
    records' marks: one mark per act, dated by the act's own date."""
    language, (openings, labels, urls, mission_kinds), name = _chart_setup()

    marks = []
    present = set()
    for act in acts:
        kind, record = act.kind, act.record
        _label, url, end = urls[record._meta.model]
        if kind in (RECOGNITION, WITHDRAWAL):
            values = {"a": name(record.recognizing_state), "b": name(record.recognized_state)}
        else:
            values = {"a": name(record.sending_state), "b": name(record.host_state)}
            if kind != DELEGATION:
                shown = mission_kinds.get(record.kind)
                if shown is None:
                    shown = _quoted(capfirst(record.kind))[6:-6]
                values["kind"] = shown
        start, precision = _ACT_DATES[kind]
        dated = _date_mark_attribute(getattr(record, start), getattr(record, precision), language)
        marks.append(f"{openings[kind]}{dated}{_label}{labels[kind] % values}{url}{record.pk}{end}")
        present.add(kind)
    return _chart_attribute_of(marks, present)


@register.simple_tag
def timeline_acts_chart(acts, chart_id: str = "timeline-chart") -> SafeString:
    """`{% timeline_acts_chart acts %}`: what `{% timeline_chart acts %}` writes for the acts of
    events.selectors.timeline_acts, its attribute written by `_timeline_attribute` and the rest
    of includes/timeline_chart.html from `_chart_frame`."""
    attribute, count, kinds = _timeline_attribute(acts)
    language = translation.get_language() or "en"
    frame = _chart_frame(tuple((kind["kind"], kind["label"]) for kind in kinds), count, chart_id, language)
    return mark_safe(attribute.join(frame))
