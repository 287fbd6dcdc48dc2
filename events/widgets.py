"""Form widgets that render in Python where Django's template-per-option rendering is the cost.

A filter form of a list page has three dropdowns of every state; Django renders each <option>
through two templates, which at a few hundred states took most of the page's time (README
"Performance", bench/RESULTS.md). The HTML is the same as Django's.
"""

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

SELECTED = mark_safe(" selected")


class QuickSelect(forms.Select):
    """A single-choice <select> of flat (value, label) choices, rendered without templates."""

    def render(self, name, value, attrs=None, renderer=None):
        selected = set(self.format_value(value))
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            ((choice, SELECTED if str(choice) in selected else "", label) for choice, label in self.choices),
        )
        return format_html(
            '<select name="{}"{}>{}</select>', name, flatatt(self.build_attrs(self.attrs, attrs)), options
        )
