"""events/templatetags/translate_once.py: its `{% translate %}` writes what Django's writes, for a
plain literal (kept per language) and for every other form (left to Django's node), in each
language, with and without autoescaping, the first time and again."""

from __future__ import annotations

from django.template import Context, Template
from django.template.loader import get_template
from django.templatetags.i18n import TranslateNode
from django.utils import translation

from events.templatetags.translate_once import TranslatedOnce

TAGS = """{% translate "Recognition status" %}|{% trans "Status" %}|{% translate "Uncertain" %}|\
{% translate "100%% <sure> & 'quoted'" %}|{% translate "Today" noop %}|{% translate "May" context "month name" %}|\
{% translate "Capital" as capital %}[{{ capital }}]|{% translate word %}|{% translate "Status"|upper %}|\
{% translate "A message no catalogue holds" %}"""
CONTEXT = {"word": "Declared <b>"}


def render(libraries: str, autoescape: bool) -> str:
    template = Template(f"{{% load {libraries} %}}{TAGS}")
    return template.render(Context(CONTEXT, autoescape=autoescape))


def test_translate_once_writes_what_djangos_translate_writes():
    """Both languages and both escapings in one test: what is kept for one is not written for another."""
    for _round in range(2):  # the second time, from what the first kept
        for language in ("en", "ru", "en"):
            for autoescape in (True, False):
                with translation.override(language):
                    expected = render("i18n", autoescape)
                    assert render("i18n translate_once", autoescape) == expected, (language, autoescape)


def test_only_plain_literals_are_kept():
    template = Template(f"{{% load i18n translate_once %}}{TAGS}")
    kept = [node for node in template.nodelist if isinstance(node, TranslatedOnce)]
    assert [str(node.filter_expression.var.literal) for node in kept] == [
        "Recognition status",
        "Status",
        "Uncertain",
        "100%% <sure> & 'quoted'",
        "A message no catalogue holds",
    ]


def test_the_state_page_translates_once():
    """state_detail.html loads the library after i18n, so its tags are this library's."""
    nodes = get_template("events/state_detail.html").template.nodelist.get_nodes_by_type(TranslateNode)
    assert nodes
    assert all(isinstance(node, TranslatedOnce) for node in nodes)
