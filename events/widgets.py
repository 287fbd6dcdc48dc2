"""Form widgets that render in Python where Django's template-per-option rendering is the cost.

A filter form of a list page has three dropdowns of every state; Django renders each <option>
through two templates, which at a few hundred states took most of the page's time (README
"Performance", bench/RESULTS.md). The HTML is the same as Django's, without the line breaks
Django's templates put between options. `field_group` writes a field's label, help text and
errors as Django's field template does (tests/test_views_rendering.py compares them).
"""

from functools import lru_cache
from html import escape

from django import forms
from django.forms.utils import flatatt
from django.utils.choices import BaseChoiceIterator
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext


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


@lru_cache(maxsize=32)
def shared_choices(choices: tuple[tuple[str, str], ...]) -> QuickChoices:
    """The QuickChoices of these (value, label) pairs, written once per process: every list page
    offers the same states in the same language until one changes (a new tuple, new options)."""
    return QuickChoices(choices)


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


def _attrs_html(attrs: dict) -> str:
    """django/forms/attrs.html: ` name="value"` in the attributes' order, a True one bare,
    a False one left out."""
    parts = []
    for name, value in attrs.items():
        if value is True:
            parts.append(f" {escape(str(name))}")
        elif value is not False:
            parts.append(f' {escape(str(name))}="{conditional_escape(value)}"')
    return "".join(parts)


def label_html(field) -> str:
    """`field.label_tag()` without its template (django/forms/label.html), for a field whose
    label takes no extra attributes."""
    contents = field.label
    label_suffix = field.field.label_suffix if field.field.label_suffix is not None else field.form.label_suffix
    if label_suffix and contents and contents[-1] not in gettext(":?.!"):
        contents = format_html("{}{}", contents, label_suffix)
    widget = field.field.widget
    id_ = widget.attrs.get("id") or field.auto_id
    if not id_:
        return conditional_escape(contents)
    attrs = {}
    id_for_label = widget.id_for_label(id_)
    if id_for_label:
        attrs["for"] = id_for_label
    if field.field.required and hasattr(field.form, "required_css_class"):
        attrs["class"] = field.form.required_css_class
    return f"<label{_attrs_html(attrs)}>{conditional_escape(contents)}</label>"


def field_group(field) -> str:
    """`field.as_field_group()` (django/forms/field.html) written without templates: the label,
    the help text, the errors and the widget, laid out as that template lays them out. A field
    drawn in a fieldset (radio buttons, checkboxes) goes through Django's template."""
    if field.use_fieldset:
        return field.as_field_group()
    label = label_html(field) if field.label else ""
    help_text = ""
    if field.help_text:
        helptext_id = f' id="{escape(str(field.auto_id))}_helptext"' if field.auto_id else ""
        help_text = f'<div class="helptext"{helptext_id}>{field.help_text}</div>'
    errors = str(field.errors) if field.errors else ""
    html = f"\n  {label}\n\n{help_text}\n{errors}\n{field}\n"
    return mark_safe(html.strip())
