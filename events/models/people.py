from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from events.models.base import ArchiveRecord, BilingualName
from events.querysets import PersonQuerySet


class Person(BilingualName, ArchiveRecord):
    """Someone who led, joined or received a delegation. Positions belong to the participation."""

    name = models.CharField(_("name (English)"), max_length=200)
    name_native = models.CharField(_("name (original language)"), max_length=200, blank=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True, help_text=_("Used in the person's address."))
    notes = models.TextField(_("notes"), blank=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.display_name

    def get_absolute_url(self) -> str:
        return reverse("events:person-detail", kwargs={"slug": self.slug})

    @property
    def label(self) -> str:
        if self.name_native and self.name_native != self.name:
            return f"{self.name} ({self.name_native})"
        return self.name
