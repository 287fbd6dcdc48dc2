"""The rows of the acts' tables and of a state's status lists, rendered in Python.

A list page shows up to hundreds of rows and a state's profile six tables and four lists of up
to a few hundred states. Through `{% for %}` with an `{% include %}` per cell and a filter and a
`reverse()` per link, these rows were most of each page's time (README "Performance"). The tags
here write the same HTML as the templates they replace (tests/test_views_rendering.py compares
them), but for the line break that the included cell templates left before two `</td>`s: every
value escaped as the template escaped it, names and dates in the reader's language, a link's
address built from its pattern once per process rather than reversed per row.
"""

from __future__ import annotations

import datetime
from functools import lru_cache
from html import escape as _html_escape

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.defaultfilters import date as date_filter
from django.template.defaultfilters import linebreaksbr
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext

from events.dates import PartialDate, Precision
from events.models import Mission
from events.models.base import native_names_first
from events.querysets import StatusRow

register = template.Library()

# A stand-in value reversed in place of a record's key, then cut out of the address.
_PK_MARK = 987654321
_SLUG_MARK = "slug-mark-0"


def esc(value) -> str:
    """Django's `escape` (the same five characters) for text that is never lazy or already safe.
    Most names and notes hold none of the five: looking for them costs a third of replacing them."""
    if isinstance(value, SafeString):
        return value
    value = str(value)
    if "&" in value or "<" in value or ">" in value or '"' in value or "'" in value:
        return _html_escape(value, quote=True)
    return value


@lru_cache(maxsize=256)
def _url_pattern(name: str, key: str, script_prefix: str, urlconf) -> tuple[str, str]:
    mark = _SLUG_MARK if key == "slug" else _PK_MARK
    head, tail = reverse(name, kwargs={key: mark}, urlconf=urlconf).split(str(mark))
    return head, tail


@lru_cache(maxsize=64)
def _address(name: str, script_prefix: str, urlconf) -> str:
    return reverse(name, urlconf=urlconf)


def address(name: str) -> str:
    """`reverse(name)` of a pattern without arguments (a list's address), reversed once per
    script prefix and URLconf."""
    return _address(name, get_script_prefix(), get_urlconf())


def url_maker(name: str, key: str, *, html: bool = True):
    """`url(value)` giving the address of `name` with `key=value`, from one reverse() per
    script prefix and URLconf: the part before and after the key are fixed, so a row's link
    costs a string concatenation. Escaped for HTML unless `html` is false."""
    head, tail = _url_pattern(name, key, get_script_prefix(), get_urlconf())
    if not html:
        return lambda value: f"{head}{value}{tail}"
    head, tail = esc(head), esc(tail)
    if key == "pk":  # a number: nothing to escape
        return lambda value: f"{head}{value}{tail}"
    return lambda value: f"{head}{esc(value)}{tail}"


@lru_cache(maxsize=8192)
def _date_html(date: PartialDate, language: str) -> str:
    return f'<time datetime="{date.isoformat()}">{esc(date.display(language))}</time>'


@lru_cache(maxsize=8192)
def _stored_date_html(start: datetime.date, precision: str, language: str) -> str:
    return _date_html(PartialDate.from_date(start, precision or Precision.DAY), language)


def _link_opening(name: str) -> tuple[str, str]:
    """`<a href="` and the address of `name` before a record's number, and the rest of it with `">`."""
    head, tail = _url_pattern(name, "pk", get_script_prefix(), get_urlconf())
    return f'<a href="{esc(head)}', f'{esc(tail)}">'


@lru_cache(maxsize=32)
def _writer_words(language: str, script_prefix: str, urlconf) -> dict:
    """What a RowWriter starts with in `language` (and script prefix and URLconf): the address
    patterns, the translated words. The same for every page: worked out once."""
    recognition_a, mission_a, delegation_a = map(
        _link_opening, ("events:recognition-detail", "events:mission-detail", "events:delegation-detail")
    )
    return {
        "native_first": native_names_first(language),
        "state_url": url_maker("events:state-detail", "slug"),
        "person_url": url_maker("events:person-detail", "slug"),
        "source_url": url_maker("events:source-detail", "pk"),
        "recognition_url": url_maker("events:recognition-detail", "pk"),
        "mission_url": url_maker("events:mission-detail", "pk"),
        "delegation_url": url_maker("events:delegation-detail", "pk"),
        # A record's link before and after its number, in the first cell of its row.
        "recognition_a": recognition_a,
        "mission_a": mission_a,
        "delegation_a": delegation_a,
        "draft": f' <mark class="badge">{esc(gettext("draft"))}</mark>',
        "unsourced": f'<mark class="badge">{esc(gettext("unsourced"))}</mark>',
        "still_open": f'<span class="muted">{esc(gettext("open"))}</span>',
    }


@lru_cache(maxsize=64)
def _choice_labels(meta, field: str, language: str) -> dict[str, str]:
    """The labels of the choices of `meta`'s `field` in `language`, escaped, by stored value."""
    return {str(value): esc(label) for value, label in meta.get_field(field).flatchoices}


@receiver(setting_changed)
def _forget_words(**kwargs) -> None:
    """The translated words kept per language are worked out again after a setting changes (as tests do)."""
    _writer_words.cache_clear()
    _choice_labels.cache_clear()
    _section_words.cache_clear()
    _record_words.cache_clear()


class RowWriter:
    """What every row of one table shares: the reader's language, the address patterns, the
    translated words, and each state's and source's link once it has been written."""

    def __init__(self) -> None:
        self.language = translation.get_language() or "en"
        self.__dict__.update(_writer_words(self.language, get_script_prefix(), get_urlconf()))
        self._states: dict[int, str] = {}
        self._sources: dict[int, tuple[str, str]] = {}
        # The status lists' links to states, by slug (tables.status_entries).
        self.status_links: dict[str, str] = {}

    def name(self, record) -> str:
        """`str(record)` of a state or a person: the name in the reader's language."""
        english, native = record.name, record.name_native
        return (native or english) if self.native_first else (english or native)

    def state_link(self, state) -> str:
        """`state|record_link`."""
        if state is None:
            return "—"
        link = self._states.get(state.pk)
        if link is None:
            link = self._states[state.pk] = f'<a href="{self.state_url(state.slug)}">{esc(self.name(state))}</a>'
        return link

    def date(self, record, name: str) -> str:
        """`record.<name>|partial_date` for a date stored in three columns; None if there is none."""
        start = getattr(record, f"{name}_start")
        if start is None:
            return None
        return _stored_date_html(start, getattr(record, f"{name}_precision"), self.language)

    def partial_date(self, date: PartialDate | None) -> str:
        """`date|partial_date`."""
        if date is None:
            return f'<span class="unknown">{esc(gettext("unknown"))}</span>'
        return _date_html(date, self.language)

    def display(self, record, field: str) -> str:
        """`record.get_<field>_display`, escaped; the labels of a field translated once per language."""
        value = getattr(record, field)
        label = _choice_labels(record._meta, field, self.language).get(value)
        return esc(value) if label is None else label

    def draft_badge(self, record) -> str:
        """includes/draft.html."""
        return self.draft if record.is_draft else ""

    def source_link(self, source) -> tuple[str, str]:
        """A source's <li> before and after the title attribute of its link, written once."""
        parts = self._sources.get(source.pk)
        if parts is None:
            text = esc(source.outlet or source.title)
            if source.published:
                text += f", {_ymd(source.published)}"
            parts = self._sources[source.pk] = (f'<li><a href="{self.source_url(source.pk)}"', f">{text}</a></li>")
        return parts

    def sources(self, record) -> str:
        """The Sources cell: each cited source once, in citation order, with the
        quotations taken from it in its link's title; "unsourced" when there is none."""
        citations = getattr(record, "cited", None)  # events.selectors.with_sources
        if citations is None:
            citations = list(record.citations.all())
        if len(citations) == 1:  # most rows: one source, its quotation if any
            citation = citations[0]
            before, after = self._sources.get(citation.source_id) or self.source_link(citation.source)
            if citation.quotation:
                return f'<ul>{before} title="{esc(citation.quotation)}"{after}</ul>'
            return f"<ul>{before}{after}</ul>"
        # Each source's entry: (source, [quotation, quotation, ...]).
        cited: dict[int, tuple] = {}
        for citation in citations:
            entry = cited.get(citation.source_id)
            if entry is None:
                entry = cited[citation.source_id] = (citation.source, [])
            if citation.quotation:
                entry[1].append(citation.quotation)
        if not cited:
            return self.unsourced
        items = []
        for source, quotations in cited.values():
            before, after = self._sources.get(source.pk) or self.source_link(source)
            if quotations:
                # `quotations|join:' … '` escapes each quotation, then the joined text is safe.
                items.append(f'{before} title="{" … ".join(map(esc, quotations))}"{after}')
            else:
                items.append(f"{before}{after}")
        return f"<ul>{''.join(items)}</ul>"


def _ymd(day: datetime.date) -> str:
    """`day|date:"Y-m-d"`."""
    return f"{day.year:04d}-{day.month:02d}-{day.day:02d}"


def row_writer(context) -> RowWriter:
    """One RowWriter for the tables and lists of one template (an included table template has
    its own), in one language, so that each state's link is written once for them."""
    language = translation.get_language() or "en"
    writer = context.render_context.get(RowWriter)
    if writer is None or writer.language != language:
        writer = context.render_context[RowWriter] = RowWriter()
    return writer


def _table(writer: RowWriter, rows, empty_colspan: int, empty: str, cells) -> SafeString:
    """The rows between <tbody> and </tbody>, laid out as the `{% for %}` of the table's template
    laid them out; the empty row, saying `empty` translated, when there are none."""
    out = []
    for record in rows:
        out.append("\n    <tr>\n      <td>" + "</td>\n      <td>".join(cells(writer, record)) + "</td>\n    </tr>\n  ")
    if not out:
        out.append(f'\n    <tr><td colspan="{empty_colspan}">{esc(gettext(empty))}</td></tr>\n  ')
    return mark_safe("".join(out))


def _recognition_cells(writer: RowWriter, record) -> list[str]:
    opening, closing = writer.recognition_a
    return [
        f"{opening}{record.pk}{closing}{_stored_date_html(record.date_start, record.date_precision, writer.language)}"
        f"</a>{writer.draft if record.is_draft else ''}",
        writer.state_link(record.recognizing_state),
        writer.display(record, "action"),
        writer.state_link(record.recognized_state),
        esc(record.instrument),
        writer.sources(record),
    ]


def _mission_cells(writer: RowWriter, record) -> list[str]:
    opening, closing = writer.mission_a
    opened = record.opened_start
    if opened is not None:
        opened = _stored_date_html(opened, record.opened_precision, writer.language)
    closed = record.closed_start
    return [
        f"{opening}{record.pk}{closing}{opened}</a>{writer.draft if record.is_draft else ''}",
        writer.still_open if closed is None else _stored_date_html(closed, record.closed_precision, writer.language),
        writer.display(record, "kind"),
        writer.state_link(record.sending_state),
        writer.state_link(record.host_state),
        esc(record.city or "—"),
        writer.sources(record),
    ]


def _heads(writer: RowWriter, record) -> str:
    """A delegation's heads from its participants."""
    participants = getattr(record, "heads", None)  # events.selectors.with_sources
    if participants is None:
        participants = record.participants.all()
    items = []
    for participant in participants:
        if participant.side == "delegation" and participant.role == "head":
            person = participant.person
            position = f', <span class="muted">{esc(participant.position)}</span>' if participant.position else ""
            items.append(
                f'<li><a href="{writer.person_url(person.slug)}">{esc(writer.name(person))}</a>{position}</li>'
            )
    return f"<ul>{''.join(items)}</ul>"


def _delegation_cells(writer: RowWriter, record) -> list[str]:
    place = f' <span class="muted">({esc(record.place)})</span>' if record.place else ""
    opening, closing = writer.delegation_a
    return [
        f"{opening}{record.pk}{closing}{_stored_date_html(record.date_start, record.date_precision, writer.language)}"
        f"</a>{writer.draft if record.is_draft else ''}",
        writer.state_link(record.sending_state),
        writer.state_link(record.host_state),
        f"{esc(record.occasion)}{place}",
        _heads(writer, record),
        writer.sources(record),
    ]


# Each kind of table: its template, its number of columns, what it says with no rows, its cells.
TABLES = {
    "recognition": ("includes/recognition_table.html", 6, "No recognitions.", _recognition_cells),
    "mission": ("includes/mission_table.html", 7, "No missions.", _mission_cells),
    "delegation": ("includes/delegation_table.html", 6, "No delegations.", _delegation_cells),
}


def _rows_html(writer: RowWriter, kind: str, rows) -> SafeString:
    _template, columns, empty, cells = TABLES[kind]
    return _table(writer, rows, columns, empty, cells)


@register.simple_tag(takes_context=True)
def recognition_rows(context, rows) -> SafeString:
    """The rows of includes/recognition_table.html."""
    return _rows_html(row_writer(context), "recognition", rows)


@register.simple_tag(takes_context=True)
def mission_rows(context, rows) -> SafeString:
    """The rows of includes/mission_table.html."""
    return _rows_html(row_writer(context), "mission", rows)


@register.simple_tag(takes_context=True)
def delegation_rows(context, rows) -> SafeString:
    """The rows of includes/delegation_table.html: a delegation's heads from its participants."""
    return _rows_html(row_writer(context), "delegation", rows)


@lru_cache(maxsize=32)
def _table_frame(kind: str, language: str, script_prefix: str, urlconf) -> tuple[str, str]:
    """What includes/<kind>_table.html writes around its rows when it is included unsortable
    (a state's sections), in `language`: the template rendered once, with no rows, and cut
    at its empty row. It reads nothing of the request when unsortable."""
    from django.template.loader import get_template

    name, columns, empty, _cells = TABLES[kind]
    html = get_template(name).render({"rows": [], "sortable": False})
    empty_row = f'\n    <tr><td colspan="{columns}">{esc(gettext(empty))}</td></tr>\n  '
    head, tail = html.split(empty_row)
    return head, tail


# The table of each of a state's sections (events.views.StateDetailView.section_kinds).
SECTION_TABLES = {
    "recognitions_received": "recognition",
    "recognitions_given": "recognition",
    "missions_sent": "mission",
    "missions_hosted": "mission",
}


@lru_cache(maxsize=8)
def _section_words(language: str) -> tuple[str, str, str]:
    """What a state's sections say around their tables in `language`, escaped."""
    return esc(gettext("All of them in the list")), esc(gettext("Download CSV")), esc(gettext("None in the archive."))


@register.simple_tag(takes_context=True)
def state_sections(context, sections: dict) -> SafeString:
    """A state's profile sections (events.views.ProfileSection), as state_detail.html's
    `{% for %}` over them with an `{% include %}` of each table wrote them: each table's frame
    from its template once per language, its rows written here, one RowWriter for them all."""
    writer = row_writer(context)
    language = writer.language
    prefix, urlconf = get_script_prefix(), get_urlconf()
    out = []
    all_of_them, download, none = _section_words(language)
    for key, section in sections.items():
        rows = section.rows
        count = f"{len(rows)}+" if section.has_more else str(len(rows))
        out.append(
            f'\n<section aria-labelledby="{key}-heading" id="{key}">\n  <h2 id="{key}-heading">'
            f'{esc(section.title)} <small class="muted">({count})</small></h2>\n  '
        )
        if rows:
            kind = SECTION_TABLES.get(key, "delegation")
            head, tail = _table_frame(kind, language, prefix, urlconf)
            url = esc(section.list_url)
            more = f'<a href="{url}">{all_of_them}</a> · ' if section.has_more else ""
            # The `{% if %}` choosing the table left a line break after an include but the last.
            after = "" if kind == "delegation" else "\n    "
            out.append(
                f"\n    {head}{_rows_html(writer, kind, rows)}{tail}{after}\n    "
                f'<p>{more}<a href="{url}&amp;format=csv" download>{download}</a></p>\n  '
            )
        else:
            out.append(f'\n    <p class="muted">{none}</p>\n  ')
        out.append("\n</section>\n")
    return mark_safe("".join(out))


@lru_cache(maxsize=8)
def _record_words(language: str) -> dict[str, str]:
    """The labels of state_detail.html's record in `language`, as `{% translate %}` wrote them:
    the translation as it is (a template's literal is safe, and so is its translation)."""
    return {
        "draft": gettext("draft"),
        "short_name": gettext("Short name"),
        "status": gettext("Status"),
        "broke_away": gettext("Broke away from"),
        "declared": gettext("Declared"),
        "dissolved": gettext("Dissolved"),
        "capital": gettext("Capital"),
        "iso3": gettext("ISO 3166 code"),
    }


@register.simple_tag(takes_context=True)
def state_record(context, state) -> SafeString:
    """The heading and record of a state's page, as state_detail.html wrote them with `{% if %}`s
    and `{{ }}`s (tests/test_state_page.py and test_state_sections_fast.py compare the two): its
    names, short names, status, parent, dates, capital, code and description, 0.1 ms a page. The
    template took 0.25 ms more (the status's label from its choices, each date, each value's
    escaping: on the 100,000 archive, the page's render alternating the two templates)."""
    writer = row_writer(context)
    words = _record_words(writer.language)
    draft = f' <mark class="badge">{words["draft"]}</mark>' if state.is_draft else ""
    other = state.other_name
    other = f"<p>{esc(other)}</p>" if other else ""
    short, short_native = state.short_name, state.short_name_native
    if short or short_native:
        also = f" / {esc(short_native)}" if short_native and short_native != short else ""
        short = f"<dt>{words['short_name']}</dt><dd>{esc(short)}{also}</dd>"
    status = writer.display(state, "status")
    parent = state.parent
    if parent:
        parent = f'<dt>{words["broke_away"]}</dt><dd><a href="{esc(parent.get_absolute_url())}">{esc(parent)}</a></dd>'
    declared, dissolved = state.declared, state.dissolved
    declared = f"<dt>{words['declared']}</dt><dd>{writer.partial_date(declared)}</dd>" if declared else ""
    dissolved = f"<dt>{words['dissolved']}</dt><dd>{writer.partial_date(dissolved)}</dd>" if dissolved else ""
    capital, capital_native = state.capital, state.capital_native
    if capital or capital_native:
        also = f" ({esc(capital_native)})" if capital_native and capital_native != capital else ""
        capital = f"<dt>{words['capital']}</dt><dd>{esc(capital)}{also}</dd>"
    iso3 = f"<dt>{words['iso3']}</dt><dd>{esc(state.iso3)}</dd>" if state.iso3 else ""
    description = state.description
    description = f"<p>{linebreaksbr(description, autoescape=True)}</p>" if description else ""
    return mark_safe(
        f"<hgroup>\n  <h1>{esc(state)}{draft}\n</h1>\n  {other}\n</hgroup>\n\n"
        f'<dl class="record">\n  {short or ""}\n  <dt>{words["status"]}</dt><dd>{status}</dd>\n  {parent or ""}\n'
        f"  {declared}\n  {dissolved}\n  {capital or ''}\n  {iso3}\n</dl>\n{description}"
    )


@register.filter
def state_address(state) -> str:
    """`state.get_absolute_url`, from the address pattern reversed once (`url_maker`) rather than
    reversed on every page (45 µs)."""
    return url_maker("events:state-detail", "slug", html=False)(state.slug)


@register.filter
def ymd(day) -> str:
    """`day|date:"Y-m-d"` of a date, without Django's date formatting (50 µs); anything else
    (a datetime, which that filter first turns to local time) through that filter itself."""
    if type(day) is datetime.date:
        return _ymd(day)
    return date_filter(day, "Y-m-d")


def _status_words(kind: str) -> tuple[str, ...]:
    """What an entry of the status list `kind` says around its link, translated and escaped."""
    if kind == "uncertain":
        return (
            esc(gettext("a withdrawal dated")),
            esc(gettext("a recognition dated")),
            esc(gettext("which contains this day")),
        )
    return (esc(gettext("in") if kind == "withdrawn" else gettext("since")),)


def _status_rows(writer: RowWriter, rows: list[StatusRow], kind: str, words: tuple[str, ...]) -> list[str]:
    """The <li>s of the StatusRows of `querysets.recognition_status_rows` (a state's page): each
    other state's link written once per page and language (by its slug: the row has no id), each
    act's address and date from patterns and caches, no object per entry."""
    head, tail = _url_pattern("events:recognition-detail", "pk", get_script_prefix(), get_urlconf())
    head, tail = esc(head), esc(tail)
    links = writer.status_links
    language = writer.language
    items = []
    if kind == "uncertain":
        withdrawal, recognition, contains = words
        for row in rows:
            act = row.act
            link = links.get(row.slug)
            if link is None:
                link = links[row.slug] = f'<a href="{writer.state_url(row.slug)}">{esc(writer.name(row))}</a>'
            what = withdrawal if act.action == "withdrawal" else recognition
            shown = _stored_date_html(act.date_start, act.date_precision, language)
            items.append(
                f'<li>{link} <span class="muted">— {what} <a href="{head}{act.id}{tail}">{shown}</a>, {contains}</span></li>'
            )
        return items
    opening = f' <span class="muted">{words[0]} <a href="{head}'
    for row in rows:
        act = row.act
        link = links.get(row.slug)
        if link is None:
            link = links[row.slug] = f'<a href="{writer.state_url(row.slug)}">{esc(writer.name(row))}</a>'
        shown = _stored_date_html(act.date_start, act.date_precision, language)
        items.append(f'<li>{link}{opening}{act.id}{tail}">{shown}</a></span></li>')
    return items


@register.simple_tag(takes_context=True)
def status_entries(context, entries, kind: str) -> SafeString:
    """The <li>s of one of a state's status lists (state_detail.html): each state linked, and the
    act its status dates from. `kind` is the list: recognized_by, uncertain, withdrawn, recognizes.
    `entries` are StatusRows (the page's, `selectors.profile_status`) or StatusEntries of
    `querysets.recognition_status` (records), written alike."""
    writer = row_writer(context)
    words = _status_words(kind)
    if entries and isinstance(entries[0], StatusRow):
        items = _status_rows(writer, entries, kind, words)
    else:
        items = _status_entries(writer, entries, kind, words)
    if not items:
        empty = gettext("No state, as far as the archive knows.") if kind in ("recognized_by", "recognizes") else None
        items.append(f'<li class="muted">{esc(empty or gettext("None."))}</li>')
    return mark_safe("".join(items))


def _status_entries(writer: RowWriter, entries, kind: str, words: tuple[str, ...]) -> list[str]:
    """The <li>s of StatusEntries (`querysets.recognition_status`): a record or a StateName for
    the state, a record or anything with `pk`, `action` and a date for the act."""
    recognition_url = url_maker("events:recognition-detail", "pk")
    items = []
    for entry in entries:
        act = entry.recognition
        # The act's stored date where it has one (a record), else the entry's PartialDate.
        start = getattr(act, "date_start", None)
        shown = writer.date(act, "date") if start is not None else writer.partial_date(entry.since)
        dated = f'<a href="{recognition_url(act.pk)}">{shown}</a>'
        if kind == "uncertain":
            withdrawal, recognition, contains = words
            what = withdrawal if act.action == "withdrawal" else recognition
            note = f"— {what} {dated}, {contains}"
        else:
            note = f"{words[0]} {dated}"
        items.append(f'<li>{writer.state_link(entry.state)} <span class="muted">{note}</span></li>')
    return items


# --- The timeline's table (includes/timeline_table.html) -----------------------------------------

# The sentences of the timeline's acts: the msgids `{% blocktranslate %}` compiled its texts to.
_TIMELINE_SENTENCES = {
    "recognition": "%(a)s recognised %(b)s",
    "withdrawal": "%(a)s withdrew its recognition of %(b)s",
    "mission_opened": "%(kind)s of %(a)s opened in %(b)s",
    "mission_closed": "%(kind)s of %(a)s closed in %(b)s",
    "delegation": "Delegation of %(a)s to %(b)s",
}


@lru_cache(maxsize=32)
def _timeline_words(language: str) -> tuple[dict[str, str], str, dict[str, str]]:
    """The timeline's sentences translated (not escaped: `{% blocktranslate %}` escapes only the
    values put in), "led by" as `{% translate %}` writes it, each mission kind's label as
    `get_kind_display|capfirst` gives it to `{% blocktranslate %}`, escaped."""
    sentences = {kind: gettext(text) for kind, text in _TIMELINE_SENTENCES.items()}
    kinds = {str(value): esc(capfirst(str(label))) for value, label in Mission._meta.get_field("kind").flatchoices}
    return sentences, esc(gettext("led by")), kinds


@receiver(setting_changed)
def _forget_timeline_words(**kwargs) -> None:
    """The timeline's words are worked out again after a setting changes (as tests do)."""
    _timeline_words.cache_clear()


def _timeline_cells(writer: RowWriter, act) -> list[str]:
    """The two cells of an act (events.selectors.TimelineAct of a TableRow) as the former
    template wrote them: its date linking to its record, and what happened."""
    record = act.record
    kind = act.kind
    sentences, led_by, mission_kinds = writer.timeline_words
    if kind == "recognition" or kind == "withdrawal":
        opening, closing = writer.recognition_a
        values = {"a": writer.state_link(record.recognizing_state), "b": writer.state_link(record.recognized_state)}
        text = sentences[kind] % values
    elif kind == "mission_opened" or kind == "mission_closed":
        opening, closing = writer.mission_a
        shown = mission_kinds.get(record.kind)
        if shown is None:
            shown = esc(capfirst(record.kind))
        values = {
            "kind": shown,
            "a": writer.state_link(record.sending_state),
            "b": writer.state_link(record.host_state),
        }
        text = sentences[kind] % values
        if record.city:
            text += f" ({esc(record.city)})"
    else:
        opening, closing = writer.delegation_a
        values = {"a": writer.state_link(record.sending_state), "b": writer.state_link(record.host_state)}
        text = sentences["delegation"] % values
        first = True
        for head in getattr(record, "heads", ()):
            person = head.person
            link = f'<a href="{writer.person_url(person.slug)}">{esc(writer.name(person))}</a>'
            text += f", {led_by} {link}" if first else f", {link}"
            first = False
        if record.occasion:
            text += f' <span class="muted">— {esc(record.occasion)}</span>'
    return [
        f"{opening}{record.pk}{closing}{_date_html(act.date, writer.language)}</a>",
        f"\n        {text}\n        \n      ",
    ]


@register.simple_tag(takes_context=True)
def timeline_rows(context, acts) -> SafeString:
    """The rows of includes/timeline_table.html: each act of events.selectors.timeline_acts, or
    the row saying there are none."""
    writer = row_writer(context)
    writer.timeline_words = _timeline_words(writer.language)
    return _table(writer, acts, 2, "No acts.", _timeline_cells)
