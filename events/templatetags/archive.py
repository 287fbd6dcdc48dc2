"""Template helpers of the researchers' pages: a date at its precision, a link to a record."""

from __future__ import annotations

import datetime
from functools import lru_cache

from django import template
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.base import render_value_in_context
from django.templatetags.static import static
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, get_language_info, gettext_noop
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


# The page frame of templates/base.html (tests/templates_reference/base.html is the template it
# replaced, and tests/test_base_template.py compares the two byte for byte). Everything in it but
# a few values of the request is the same on every page in one language: the translations, the
# URLs of the navigation and the static files. Those are put together once per process, language,
# script prefix and URLconf (and again after a setting changes, as tests do); the request's own
# values are filled in on every page: the <html lang>, the CSRF field, the language form's `next`,
# the current section's aria-current, the search box's text and the workbench link of editors.
# Nothing read from the database is kept.

_FRAMES: dict[tuple, dict] = {}

_SECTIONS = (
    ("events:state-list", gettext_noop("States")),
    ("events:recognition-list", gettext_noop("Recognitions")),
    ("events:mission-list", gettext_noop("Missions")),
    ("events:delegation-list", gettext_noop("Delegations")),
    ("events:person-list", gettext_noop("Persons")),
    ("events:source-list", gettext_noop("Sources")),
    ("events:timeline", gettext_noop("Timeline")),
    ("pictures:network", gettext_noop("Network")),
    ("pictures:map", gettext_noop("Map")),
)


@receiver(setting_changed)
def _forget_frames(**kwargs) -> None:
    _FRAMES.clear()


def _t(translation: str) -> str:
    """What `{% translate "message" %}` writes: the translation as it is. A template's literal is
    safe, and so is its translation (gettext keeps the mark), so the template never escaped it."""
    return mark_safe(translation)


def _frame() -> dict:
    key = (get_language(), get_script_prefix(), get_urlconf())
    frame = _FRAMES.get(key)
    if frame is None:
        frame = _FRAMES[key] = _build_frame()
    return frame


def _build_frame() -> dict:
    def url(name: str) -> str:
        return conditional_escape(reverse_once(name))

    def static_url(path: str) -> str:
        return conditional_escape(static(path))

    archive = _t(_("Recognition Archive"))
    current = get_language()
    buttons = []
    for language in (get_language_info(code) for code, _name in settings.LANGUAGES):
        code = conditional_escape(language["code"])
        current_one = language["code"] == current
        state = 'class="contrast" aria-current="true"' if current_one else 'class="secondary outline"'
        buttons.append(
            f'\n              <button type="submit" name="language" value="{code}" lang="{code}" '
            f"{state}>{conditional_escape(language['name_local'])}</button>"
        )
    sections = []
    for url_name, label in _SECTIONS:
        href = reverse_once(url_name)
        # `_("States")` in a template tag's arguments: a literal, so safe, and so not escaped.
        text = conditional_escape(_(mark_safe(label)))
        sections.append(
            (
                href,
                f'\n        <li><a href="{conditional_escape(href)}">{text}</a></li>',
                f'\n        <li><a href="{conditional_escape(href)}" aria-current="page">{text}</a></li>',
            )
        )
    search = _t(_("Search the archive"))
    workbench = _t(_("Editors' workbench"))
    footer = _t(
        _("Recognition Archive: dated acts of diplomatic recognition, missions and delegations, each with its source.")
    )
    return {
        "head": (
            '<!doctype html>\n<html lang="{}">\n<head>\n  <meta charset="utf-8">\n'
            '  <meta name="viewport" content="width=device-width, initial-scale=1">\n  <title>'
        ),
        "title": archive,
        "top": (
            f" · {archive}</title>\n"
            f'  <link rel="icon" href="{static_url("favicon.svg")}" type="image/svg+xml">\n'
            f'  <link rel="stylesheet" href="{static_url("vendor/pico/pico.min.css")}">\n'
            f'  <link rel="stylesheet" href="{static_url("css/archive.css")}">\n'
            f'  <script src="{static_url("js/archive.js")}" defer></script>\n'
            "</head>\n<body>\n"
            f'  <a class="skip-link" href="#content">{_t(_("Skip to content"))}</a>\n'
            '  <header class="container">\n'
            f'    <nav aria-label="{_t(_("Main"))}">\n'
            "      <ul>\n"
            f'        <li><a href="{url("events:home")}"><strong>{archive}</strong></a></li>\n'
            "        <li>\n"
            f'          <form method="post" action="{url("set_language")}" class="language-switch" '
            f'aria-label="{_t(_("Language"))}">\n'
            "            "
        ),
        "languages": (
            '">\n            \n            <fieldset role="group">'
            + "".join(buttons)
            + "\n            </fieldset>\n          </form>\n        </li>\n      </ul>\n"
            '      <ul class="sections">'
        ),
        "sections": tuple(sections),
        "search": (
            "\n      </ul>\n    </nav>\n"
            f'    <form method="get" action="{url("events:search")}" role="search" '
            f'aria-label="{search}">\n'
            '      <fieldset role="group">\n'
            '        <input type="search" name="q" id="site-search" value="'
        ),
        "main": (
            '" maxlength="200"\n'
            f'               placeholder="{_t(_("States, persons, sources, notes…"))}" '
            f'aria-label="{search}">\n'
            f'        <button type="submit">{_t(_("Search"))}</button>\n'
            "      </fieldset>\n    </form>\n  </header>\n"
            '  <main class="container" id="content" tabindex="-1">\n    '
        ),
        "footer": (f'\n  </main>\n  <footer class="container">\n    <small>\n      {footer}\n      '),
        "workbench": f'<a href="{url("admin:index")}">{workbench}</a>',
        "end": "\n    </small>\n  </footer>\n</body>\n</html>",
    }


def _value(context, value) -> str:
    """`{{ value|default:'' }}`: nothing for a falsy value, else the value as a template writes it."""
    return render_value_in_context(value, context) if value else ""


@register.simple_tag(takes_context=True)
def page_head(context) -> str:
    """base.html up to its <title>'s own text."""
    language = _value(context, context.get("LANGUAGE_CODE")) or "en"
    return mark_safe(_frame()["head"].format(language))


@register.simple_tag
def site_title() -> str:
    """`{% translate "Recognition Archive" %}`, the title of a page that names none."""
    return mark_safe(_frame()["title"])


@register.simple_tag(takes_context=True)
def page_header(context) -> str:
    """base.html from the end of the <title> to the page's content: the header, its navigation
    with the current section marked, the language form and the search box."""
    frame = _frame()
    request = context.get("request")
    token = context.get("csrf_token")
    if not token or token == "NOTPROVIDED":
        csrf_field = ""
    else:
        csrf_field = format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', token)
    if request is not None:
        path = request.path
        next_path = render_value_in_context(request.get_full_path(), context)
    else:
        path = next_path = ""
    parts = [
        frame["top"],
        csrf_field,
        '<input type="hidden" name="next" value="',
        next_path,
        frame["languages"],
    ]
    for href, plain, current in frame["sections"]:
        parts.append(current if path == href or (href != "/" and path.startswith(href)) else plain)
    parts.append(frame["search"])
    parts.append(_value(context, context.get("q")))
    parts.append(frame["main"])
    return mark_safe("".join(parts))


@register.simple_tag(takes_context=True)
def page_footer(context) -> str:
    """base.html after the page's content: the footer, with the workbench link for editors."""
    frame = _frame()
    user = context.get("user")
    workbench = frame["workbench"] if getattr(user, "is_staff", False) else ""
    return mark_safe(frame["footer"] + workbench + frame["end"])
