from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from events.models.base import (
    ArchiveRecord,
    BilingualName,
    PartialDateProperty,
    name_in_language,
    partial_date_columns,
)
from events.querysets import StateQuerySet


class StateStatus(models.TextChoices):
    UN_MEMBER = "un_member", _("UN member")
    UN_OBSERVER = "un_observer", _("UN observer")
    PARTIALLY_RECOGNIZED = "partially_recognized", _("partially recognised")
    UNRECOGNIZED = "unrecognized", _("unrecognised")
    FORMER = "former", _("former state")


class State(BilingualName, ArchiveRecord):
    """Any polity that claims statehood, recognised by many, by few or by none."""

    name = models.CharField(_("name (English)"), max_length=200, unique=True)
    name_native = models.CharField(
        _("name (original language)"), max_length=200, blank=True, help_text=_("For example Республика Южная Осетия.")
    )
    short_name = models.CharField(_("short name (English)"), max_length=50, blank=True, help_text=_("For example DPR."))
    short_name_native = models.CharField(
        _("short name (original language)"), max_length=50, blank=True, help_text=_("For example ДНР.")
    )
    slug = models.SlugField(_("slug"), max_length=100, unique=True, help_text=_("Used in the state's address."))
    status = models.CharField(_("status"), max_length=24, choices=StateStatus.choices, db_index=True)
    iso3 = models.CharField(
        _("ISO 3166 alpha-3 code"),
        max_length=3,
        blank=True,
        validators=[RegexValidator(r"^[A-Z]{3}$", _("Enter three capital Latin letters, for example GEO."))],
    )
    capital = models.CharField(_("capital (English)"), max_length=200, blank=True)
    capital_native = models.CharField(_("capital (original language)"), max_length=200, blank=True)
    # A breakaway state's parent must outlive it in the archive: refuse to delete the parent.
    parent = models.ForeignKey(
        "self",
        verbose_name=_("broke away from"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="breakaway_states",
    )
    declared_start, declared_end, declared_precision = partial_date_columns(_("declared"), required=False)
    declared = PartialDateProperty("declared", _("declared"), required=False)
    dissolved_start, dissolved_end, dissolved_precision = partial_date_columns(_("dissolved"), required=False)
    dissolved = PartialDateProperty("dissolved", _("dissolved"), required=False)
    latitude = models.DecimalField(
        _("latitude of the capital"),
        max_digits=8,
        decimal_places=5,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude of the capital"),
        max_digits=8,
        decimal_places=5,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    description = models.TextField(_("description"), blank=True)

    objects = StateQuerySet.as_manager()

    constraint_fields = {
        "state_not_own_parent": "parent",
        "state_dissolved_not_before_declared": "dissolved",
        "state_coordinates_both_or_neither": "longitude",
    }

    class Meta:
        verbose_name = _("state")
        verbose_name_plural = _("states")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(parent=F("pk")),
                name="state_not_own_parent",
                violation_error_message=_("A state cannot break away from itself."),
            ),
            models.CheckConstraint(
                condition=Q(dissolved_start__isnull=True)
                | Q(declared_start__isnull=True)
                | Q(dissolved_end__gte=F("declared_start")),
                name="state_dissolved_not_before_declared",
                violation_error_message=_("A state cannot be dissolved before it was declared."),
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__isnull=False, longitude__isnull=False),
                name="state_coordinates_both_or_neither",
                violation_error_message=_("Give both the latitude and the longitude of the capital, or neither."),
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    def get_absolute_url(self) -> str:
        return reverse("events:state-detail", kwargs={"slug": self.slug})

    @property
    def display_short_name(self) -> str:
        """The short name (DPR / ДНР) in the reader's language, else the full name."""
        return name_in_language(self.short_name, self.short_name_native) or self.display_name

    @property
    def label(self) -> str:
        """English and original names together, as the admin's dropdowns show them."""
        if self.name_native and self.name_native != self.name:
            return f"{self.name} ({self.name_native})"
        return self.name
