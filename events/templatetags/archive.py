"""Template helpers of the researchers' pages: a date at its precision, a link to a record."""

from __future__ import annotations

import datetime

from django import template
from django.urls import reverse
from django.utils.html import format_html
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


@register.simple_tag(takes_context=True)
def nav_link(context, url_name: str, label: str) -> str:
    """A link of the main navigation, marked as the current section on its pages."""
    url = reverse(url_name)
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
