"""Form pieces shared by the admin and the website: the partial date as one text field."""

from django import forms
from django.utils.translation import gettext_lazy as _

from events.dates import PartialDate, PartialDateError
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
