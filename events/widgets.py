"""Form widgets that render in Python where Django's template-per-option rendering is the cost.

A filter form of a list page has three dropdowns of every state; Django renders each <option>
through two templates, which at a few hundred states took most of the page's time (README
"Performance", bench/RESULTS.md). The HTML is the same as Django's.
"""

from html import escape

from django import forms
from django.forms.utils import flatatt
from django.utils.choices import BaseChoiceIterator
from django.utils.html import format_html
from django.utils.safestring import mark_safe


class QuickChoices(BaseChoiceIterator):
    """Flat (value, label) choices with their <option>s written once, escaped as Django escapes,
    and shared by every dropdown that offers them: a form's three state dropdowns cost one pass
    over the states, and a dropdown marks its selected options by replacing their opening tags."""

    def __init__(self, choices) -> None:
        self.choices = [(value, str(label)) for value, label in choices]
        self.openings = {}
        options = []
        for value, label in self.choices:
            opening = f'<option value="{escape(str(value))}"'
            self.openings.setdefault(str(value), opening + ">")
            options.append(f"{opening}>{escape(label)}</option>")
        self.options = "".join(options)

    def __iter__(self):
        return iter(self.choices)

    def __len__(self) -> int:
        return len(self.choices)

    def render(self, selected: set[str]) -> str:
        options = self.options
        for value in selected:
            opening = self.openings.get(value)
            if opening is not None:
                options = options.replace(opening, opening[:-1] + " selected>")
        return options


class QuickSelect(forms.Select):
    """A single-choice <select> of flat (value, label) choices, rendered without templates.
    Give it a QuickChoices to share the written options between dropdowns."""

    def __init__(self, attrs=None, choices=()):
        super().__init__(attrs, choices if isinstance(choices, QuickChoices) else QuickChoices(choices))

    def render(self, name, value, attrs=None, renderer=None):
        options = self.choices.render(set(self.format_value(value)))
        return format_html(
            '<select name="{}"{}>{}</select>', name, flatatt(self.build_attrs(self.attrs, attrs)), mark_safe(options)
        )
