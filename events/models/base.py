"""Abstract bases shared by every archive record: publication status, timestamps, history,
and the three columns behind each partial date."""

from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, router
from django.utils import translation
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from events.dates import PartialDate, PartialDateError, Precision
from events.querysets import ArchiveQuerySet


class PublicationStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    PUBLISHED = "published", _("published")


def partial_date_columns(verbose_name: str, *, required: bool) -> tuple[models.Field, ...]:
    """The stored form of one partial date: its first day, its last day and its precision.

    Sorting and filtering happen on the first and last day in the database; the
    PartialDateProperty of the same name turns the three back into one value.
    """
    null = not required
    return (
        models.DateField(format_lazy("{} ({})", verbose_name, _("first day")), null=null, blank=null, editable=False),
        models.DateField(format_lazy("{} ({})", verbose_name, _("last day")), null=null, blank=null, editable=False),
        models.CharField(
            format_lazy("{} ({})", verbose_name, _("precision")),
            max_length=5,
            choices=Precision.choices(),
            blank=True,
            editable=False,
        ),
    )


class PartialDateProperty(property):
    """`record.date` reads and writes a PartialDate over `date_start`, `date_end`, `date_precision`.

    It subclasses property so that Model(**kwargs) and objects.create() accept it by name.
    """

    def __init__(self, name: str, verbose_name: str, *, required: bool) -> None:
        self.name = name
        self.verbose_name = verbose_name
        self.required = required
        super().__init__(self._get, self._set)

    def _get(self, obj: models.Model) -> PartialDate | None:
        start = getattr(obj, f"{self.name}_start")
        if start is None:
            return None
        return PartialDate.from_date(start, getattr(obj, f"{self.name}_precision") or Precision.DAY)

    def _set(self, obj: models.Model, value: PartialDate | str | None) -> None:
        try:
            value = PartialDate.coerce(value)
        except PartialDateError as error:
            raise ValidationError({self.name: str(error)}) from error
        setattr(obj, f"{self.name}_start", value.first_day if value else None)
        setattr(obj, f"{self.name}_end", value.last_day if value else None)
        setattr(obj, f"{self.name}_precision", value.precision.value if value else "")


def partial_date_properties(model: type[models.Model]) -> list[PartialDateProperty]:
    """Every partial date a model declares, in declaration order."""
    found = []
    for klass in reversed(model.__mro__):
        for attribute in vars(klass).values():
            if isinstance(attribute, PartialDateProperty) and attribute not in found:
                found.append(attribute)
    return found


def native_names_first(language: str | None = None) -> bool:
    """Russian readers, like the archive's sources, name states and persons in the original
    language; English readers in English."""
    return (language or translation.get_language() or "en")[:2] == "ru"


def name_in_language(english: str, native: str, language: str | None = None) -> str:
    """The name in the original language where there is one, falling back to English, for
    readers who put native names first; the reverse for the others."""
    return (native or english) if native_names_first(language) else (english or native)


class BilingualName:
    """A record named in English (`name`) and in its original language (`name_native`), shown by
    the name of the reader's language (`display_name`) with the other beside it (`other_name`)."""

    name: str
    name_native: str

    @property
    def display_name(self) -> str:
        return name_in_language(self.name, self.name_native)

    @property
    def other_name(self) -> str:
        """The name in the other language, or "" when there is none or it reads the same."""
        other = self.name if self.display_name == self.name_native else self.name_native
        return "" if other == self.display_name else other


class ArchiveRecord(models.Model):
    """What every record of the archive has: a publication status, timestamps and history."""

    publication_status = models.CharField(
        _("publication status"),
        max_length=9,
        choices=PublicationStatus.choices,
        default=PublicationStatus.PUBLISHED,
        db_index=True,
        help_text=_("Drafts are seen only by signed-in staff."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords(inherit=True)

    objects = ArchiveQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def is_draft(self) -> bool:
        return self.publication_status == PublicationStatus.DRAFT

    # Which field an editor should look at when a named constraint fails.
    constraint_fields: dict[str, str] = {}

    def clean(self) -> None:
        super().clean()
        for prop in partial_date_properties(type(self)):
            if prop.required and getattr(self, f"{prop.name}_start") is None:
                raise ValidationError({prop.name: _("Enter a date: YYYY, YYYY-MM or YYYY-MM-DD.")})

    def validate_constraints(self, exclude=None) -> None:
        """Check the database constraints before saving, each message on the field it concerns.

        The columns behind partial dates are never form fields, so forms would exclude them
        and skip the constraints on dates; they are always validated here instead.
        """
        columns = {
            f"{prop.name}_{part}"
            for prop in partial_date_properties(type(self))
            for part in ("start", "end", "precision")
        }
        exclude = set(exclude or ()) - columns
        errors: dict[str, list[ValidationError]] = {}
        for model_class, constraints in self.get_constraints():
            for constraint in constraints:
                try:
                    constraint.validate(model_class, self, exclude=exclude, using=router.db_for_write(model_class))
                except ValidationError as error:
                    field = self.constraint_fields.get(constraint.name, NON_FIELD_ERRORS)
                    errors.setdefault(field, []).append(error)
        if errors:
            raise ValidationError(errors)
