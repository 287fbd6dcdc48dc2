"""Template helpers of the researchers' pages: a date at its precision, a link to a record."""

from __future__ import annotations

import datetime
from functools import lru_cache

from django import template
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.html import format_html
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from events.dates import PartialDate
from events.widgets import field_group as _field_group

register = template.Library()


@register.filter
def partial_date(value: PartialDate | datetime.date | None) -> str:
    """`<time datetime="2014-06">June 2014</time>`: the date as precise as the source, no more."""
    value = PartialDate.coerce(value)
    if value is None:
        return format_html('<span class="unknown">{}</span>', _("unknown"))
    return format_html('<time datetime="{}">{}</time>', value.isoformat(), value.display())


@register.filter
def record_link(record) -> str:
    """A link to the record's page, named by the record itself; a dash for no record."""
    if record is None:
        return "—"
    return format_html('<a href="{}">{}</a>', record.get_absolute_url(), record)


@lru_cache(maxsize=256)
def _reversed(url_name: str, prefix: str, urlconf, language: str | None) -> str:
    return reverse(url_name, urlconf=urlconf)


def reverse_once(url_name: str) -> str:
    """`reverse(url_name)` of a URL without arguments, worked out once per process for each
    script prefix, URLconf and language rather than on every page (the navigation has nine)."""
    return _reversed(url_name, get_script_prefix(), get_urlconf(), get_language())


@register.simple_tag(takes_context=True)
def nav_link(context, url_name: str, label: str) -> str:
    """A link of the main navigation, marked as the current section on its pages."""
    url = reverse_once(url_name)
    request = context.get("request")
    path = request.path if request is not None else ""
    if path == url or (url != "/" and path.startswith(url)):
        return format_html('<a href="{}" aria-current="page">{}</a>', url, label)
    return format_html('<a href="{}">{}</a>', url, label)


@register.filter
def cited_sources(citations) -> list[tuple]:
    """Each cited source once, in citation order, with the quotations taken from it."""
    sources: dict[int, tuple] = {}
    for citation in citations:
        entry = sources.setdefault(citation.source_id, (citation.source, []))
        if citation.quotation:
            entry[1].append(citation.quotation)
    return list(sources.values())


@register.simple_tag
def field_group(field) -> str:
    """`{{ field.as_field_group }}`, the same HTML written without templates (events/widgets.py):
    a list page's filter form has eight fields, each through two or three templates."""
    return _field_group(field)
