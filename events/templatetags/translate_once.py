"""`{% translate "literal" %}` with each literal's translation written once per language.

`{% load translate_once %}` after `{% load i18n %}` gives a template this library's `translate`
(and `trans`) in place of Django's. Django's node resolves its literal to a lazy translation on
every render, then turns it into text through gettext and the template's escaping: some 13 µs a
tag, 0.2 ms for the nineteen of a state's page (100,000-recognition archive, in process). Here a
tag whose message is a plain literal (no filter, context, `noop` or `as`) keeps what Django's node
wrote, by language and autoescaping, and writes that again; any other tag is Django's own. The
messages stay `{% translate %}` tags, so makemessages finds them as before
(tests/test_translate_once.py compares the two libraries' output).
"""

from __future__ import annotations

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.templatetags.i18n import TranslateNode, do_translate
from django.utils import translation

register = template.Library()

# What Django's TranslateNode wrote, by (literal, language, autoescape).
_WRITTEN: dict[tuple, str] = {}


@receiver(setting_changed)
def _forget_written(**kwargs) -> None:
    """Translations are written again after a setting changes (as tests do)."""
    _WRITTEN.clear()


class TranslatedOnce(TranslateNode):
    """A TranslateNode of a plain literal, its output kept per language and autoescaping."""

    def render(self, context) -> str:
        key = (self.filter_expression.var.literal, translation.get_language(), context.autoescape)
        written = _WRITTEN.get(key)
        if written is None:
            written = _WRITTEN[key] = super().render(context)
        return written


def _plain_literal(node: TranslateNode) -> bool:
    expression = node.filter_expression
    return (
        not node.noop
        and node.asvar is None
        and node.message_context is None
        and not expression.filters
        and getattr(expression.var, "lookups", True) is None
        and isinstance(getattr(expression.var, "literal", None), str)
    )


@register.tag("translate")
@register.tag("trans")
def translate_once(parser, token) -> TranslateNode:
    """Django's `{% translate %}`, its output kept per language for a plain literal."""
    node = do_translate(parser, token)
    if type(node) is TranslateNode and _plain_literal(node):
        node.__class__ = TranslatedOnce
    return node
