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
from django.forms.widgets import Widget
from django.utils.choices import BaseChoiceIterator
from django.utils.encoding import force_str
from django.utils.functional import Promise
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeData, mark_safe
from django.utils.translation import gettext
from django_filters.widgets import BaseCSVWidget


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


def _stringformat(value) -> str:
    """`{{ value|stringformat:'s' }}` with autoescaping: a value marked safe stays as it is."""
    try:
        text = "%s" % value  # noqa: UP031 (the filter is `"%" + arg % value`)
    except (TypeError, ValueError):
        return ""
    return text if isinstance(value, SafeData) else escape(text)


def _attrs_html(attrs: dict) -> str:
    """django/forms/attrs.html: ` name="value"` in the attributes' order, a True one bare,
    a False one left out."""
    parts = []
    for name, value in attrs.items():
        if value is True:
            parts.append(f" {conditional_escape(name)}")
        elif value is not False:
            parts.append(f' {conditional_escape(name)}="{_stringformat(value)}"')
    return "".join(parts)


def _input_html(context: dict) -> str:
    """django/forms/widgets/input.html (text.html, date.html, ... include it)."""
    value = context["value"]
    value_html = "" if value is None else f' value="{_stringformat(value)}"'
    return (
        f'<input type="{conditional_escape(context["type"])}" name="{conditional_escape(context["name"])}"'
        f"{value_html}{_attrs_html(context['attrs'])}>"
    )


def _option_html(option: dict) -> str:
    """django/forms/widgets/select_option.html, with the line break that ends the file."""
    return (
        f'<option value="{_stringformat(option["value"])}"{_attrs_html(option["attrs"])}>'
        f"{conditional_escape(str(option['label']))}</option>\n"
    )


def _select_html(context: dict) -> str:
    """django/forms/widgets/select.html, its optgroups and options."""
    parts = [f'<select name="{conditional_escape(context["name"])}"{_attrs_html(context["attrs"])}>']
    for group_name, group_choices, _group_index in context["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        for option in group_choices:
            if option["template_name"] != SELECT_OPTION or not isinstance(option["label"], (str, Promise)):
                return None
            parts.append(f"\n  {_option_html(option)}")
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


WIDGETS = "django/forms/widgets/"
SELECT_OPTION = WIDGETS + "select_option.html"
# Django's widget templates written in Python: each of these files is the one include of
# input.html, or select.html. A widget with a template of its own goes through the renderer.
TEMPLATE_WRITERS = {
    **{
        f"{WIDGETS}{name}.html": _input_html
        for name in ("input", "text", "date", "search", "number", "email", "url", "password", "hidden")
    },
    f"{WIDGETS}select.html": _select_html,
}


def widget_html(field) -> str:
    """`str(field)` (BoundField.as_widget): the field's widget with the attributes the bound
    field gives it (id, aria-describedby, aria-invalid, required), rendered as its template
    renders it but without the template engine, for the widgets of TEMPLATE_WRITERS and the
    QuickSelects; any other widget through Django's own rendering."""
    widget = field.field.widget
    if field.field.localize:
        widget.is_localized = True
    attrs = field.build_widget_attrs({}, widget)
    if field.auto_id and "id" not in widget.attrs:
        attrs.setdefault("id", field.auto_id)
    name = field.html_name
    value = field.value()
    render = type(widget).render
    if render is QuickSelect.render:
        return widget.render(name, value, attrs)
    if render is BaseCSVWidget.render:
        # django_filters' CSV widget (an OrderingFilter's dropdown): one value in its own
        # widget, several joined in a text box (BaseCSVWidget.render).
        values = value if widget._isiterable(value) else [value]
        if len(values) <= 1:
            value = values[0] if values else ""
        else:
            value = ",".join([force_str(widget.surrogate.format_value(v)) for v in values])
            widget = widget.surrogate
        if isinstance(widget, BaseCSVWidget):
            render = super(BaseCSVWidget, widget).render.__func__
        else:
            render = type(widget).render
    writer = TEMPLATE_WRITERS.get(widget.template_name)
    if render is Widget.render and type(widget)._render is Widget._render and writer is not None:
        html = writer(widget.get_context(name, value, attrs)["widget"])
        if html is not None:
            return mark_safe(html)
    return widget.render(name=name, value=value, attrs=attrs, renderer=field.form.renderer)


def label_html(field) -> str:
    """`field.label_tag()` without its template (django/forms/label.html), for a field whose
    label takes no extra attributes."""
    contents = field.label
    if isinstance(contents, Promise):
        contents = str(contents)
    label_suffix = field.field.label_suffix if field.field.label_suffix is not None else field.form.label_suffix
    if label_suffix and contents and contents[-1] not in gettext(":?.!"):
        contents = f"{conditional_escape(contents)}{conditional_escape(str(label_suffix))}"
    else:
        contents = conditional_escape(contents)
    widget = field.field.widget
    id_ = widget.attrs.get("id") or field.auto_id
    if not id_:
        return contents
    attrs = {}
    id_for_label = widget.id_for_label(id_)
    if id_for_label:
        attrs["for"] = id_for_label
    if field.field.required and hasattr(field.form, "required_css_class"):
        attrs["class"] = field.form.required_css_class
    return f"<label{_attrs_html(attrs)}>{contents}</label>"


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
    errors = field.errors
    errors = str(errors) if errors else ""
    html = f"\n  {label}\n\n{help_text}\n{errors}\n{widget_html(field)}\n"
    return mark_safe(html.strip())
