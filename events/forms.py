"""Form pieces shared by the admin and the website: the partial date as one text field."""

from django import forms
from django.utils.translation import gettext_lazy as _

from events.dates import MAX_YEAR, MIN_YEAR, PartialDate, PartialDateError, parse_day
from events.models import partial_date_properties

PARTIAL_DATE_HELP = _("YYYY, YYYY-MM or YYYY-MM-DD, as precise as the source: 2014, 2014-06, 2014-06-27.")


class PartialDateFormField(forms.CharField):
    """Typed as "2014-06"; cleans to a PartialDate whose precision is what was typed."""

    def __init__(self, *, required: bool = True, **kwargs) -> None:
        kwargs.setdefault("help_text", PARTIAL_DATE_HELP)
        kwargs.setdefault("widget", forms.TextInput(attrs={"placeholder": "YYYY-MM-DD", "size": 12, "maxlength": 10}))
        super().__init__(required=required, **kwargs)

    def prepare_value(self, value):
        if isinstance(value, PartialDate):
            return value.isoformat()
        return value

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            return PartialDate.parse(value)
        except PartialDateError as error:
            raise forms.ValidationError(str(error), code="invalid_partial_date") from error


class PartialDateModelForm(forms.ModelForm):
    """Puts each typed partial date on the instance before the model validates itself."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for prop in partial_date_properties(self._meta.model):
            if prop.name in self.fields and not self.is_bound:
                self.initial.setdefault(prop.name, getattr(self.instance, prop.name))

    def clean(self):
        cleaned_data = super().clean()
        for prop in partial_date_properties(self._meta.model):
            if prop.name in self.fields and prop.name not in self.errors:
                setattr(self.instance, prop.name, cleaned_data.get(prop.name))
        return cleaned_data


def partial_date_form(model) -> type[PartialDateModelForm]:
    """A ModelForm for `model` with one text field per partial date it declares."""
    attrs = {
        prop.name: PartialDateFormField(required=prop.required, label=prop.verbose_name)
        for prop in partial_date_properties(model)
    }
    attrs["Meta"] = type("Meta", (), {"model": model, "fields": "__all__"})
    return type(f"{model.__name__}Form", (PartialDateModelForm,), attrs)


class StatusAsOfForm(forms.Form):
    """The day of "Recognition status as of [day]" on a state's page (`?date=YYYY-MM-DD`)."""

    date = forms.CharField(
        label=_("Recognition status as of"),
        required=False,
        max_length=10,
        help_text=_("A full day, YYYY-MM-DD. Empty means today."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def clean_date(self):
        text = self.cleaned_data["date"]
        if not text:
            return None
        try:
            return parse_day(text)
        except PartialDateError as error:
            raise forms.ValidationError(str(error), code="invalid_day") from error


class TimelineForm(forms.Form):
    """The timeline's filters: a state on either side of the act, and a year."""

    state = forms.ModelChoiceField(
        label=_("State (either side)"),
        queryset=None,
        to_field_name="slug",
        required=False,
        empty_label=_("any state"),
        error_messages={"invalid_choice": _("There is no state “%(value)s”: choose one from the list.")},
    )
    year = forms.IntegerField(label=_("Year"), required=False, min_value=MIN_YEAR, max_value=MAX_YEAR)

    def __init__(self, *args, states, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["state"].queryset = states
