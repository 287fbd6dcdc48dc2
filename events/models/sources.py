from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from events.models.base import ArchiveRecord
from events.querysets import SourceQuerySet


class Source(ArchiveRecord):
    """The document a fact comes from: a news report, a decree, a communiqué."""

    title = models.CharField(_("title"), max_length=500)
    outlet = models.CharField(_("outlet"), max_length=200, blank=True, help_text=_("For example RIA Novosti."))
    author = models.CharField(_("author"), max_length=200, blank=True)
    published = models.DateField(_("published"), null=True, blank=True)
    dateline = models.CharField(
        _("dateline"), max_length=200, blank=True, help_text=_("The city the report was filed from.")
    )
    source_url = models.URLField(_("address (URL)"), max_length=1000, blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True, help_text=_("An ISO 639-1 code: ru, en."))
    summary = models.TextField(_("summary"), blank=True)
    text = models.TextField(_("text or excerpt"), blank=True)

    objects = SourceQuerySet.as_manager()

    class Meta:
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        ordering = ["-published", "title"]

    def __str__(self) -> str:
        parts = [self.outlet, self.published.isoformat() if self.published else "", self.title]
        return " · ".join(part for part in parts if part)

    def get_absolute_url(self) -> str:
        return reverse("events:source-detail", kwargs={"pk": self.pk})

    def citation_text(self) -> str:
        """A ready-to-copy reference: Author, "Title", Outlet (Dateline), date. URL."""
        head = f"{self.author}, " if self.author else ""
        where = self.outlet
        if self.dateline:
            where = f"{where} ({self.dateline})" if where else self.dateline
        parts = [f"{head}“{self.title}”", where, self.published.isoformat() if self.published else ""]
        text = ", ".join(part for part in parts if part) + "."
        if self.source_url:
            text += f" {self.source_url}"
        return text


class Citation(models.Model):
    """One fact's reference to one source. Each citing model gets a concrete subclass
    with a `record` foreign key, built by `citation_model_for`."""

    # A source that facts still cite must not vanish: refuse its deletion.
    source = models.ForeignKey(Source, verbose_name=_("source"), on_delete=models.PROTECT)
    quotation = models.TextField(
        _("quotation"), blank=True, help_text=_("One sentence of the source, word for word, in its language.")
    )
    locator = models.CharField(_("locator"), max_length=200, blank=True, help_text=_("Page, paragraph or time."))

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return str(self.source)
