from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from events.models.base import ArchiveRecord, PartialDateProperty, partial_date_columns
from events.models.states import State
from events.querysets import MissionQuerySet


class MissionKind(models.TextChoices):
    EMBASSY = "embassy", _("embassy")
    CONSULATE_GENERAL = "consulate_general", _("consulate general")
    CONSULATE = "consulate", _("consulate")
    REPRESENTATIVE_OFFICE = "representative_office", _("representative office")
    HONORARY_CONSULATE = "honorary_consulate", _("honorary consulate")
    LIAISON_OFFICE = "liaison_office", _("liaison office")
    OTHER = "other", _("other")


class Mission(ArchiveRecord):
    """A standing representation of a sending state in a host state."""

    sending_state = models.ForeignKey(
        State, verbose_name=_("sending state"), on_delete=models.PROTECT, related_name="missions_sent"
    )
    host_state = models.ForeignKey(
        State, verbose_name=_("host state"), on_delete=models.PROTECT, related_name="missions_hosted"
    )
    kind = models.CharField(_("kind"), max_length=24, choices=MissionKind.choices, db_index=True)
    city = models.CharField(_("city"), max_length=200, blank=True)
    opened_start, opened_end, opened_precision = partial_date_columns(_("opened"), required=True)
    opened = PartialDateProperty("opened", _("opened"), required=True)
    closed_start, closed_end, closed_precision = partial_date_columns(_("closed"), required=False)
    closed = PartialDateProperty("closed", _("closed"), required=False)
    notes = models.TextField(_("notes"), blank=True)

    objects = MissionQuerySet.as_manager()

    constraint_fields = {
        "mission_states_differ": "host_state",
        "mission_closes_after_opening": "closed",
        "mission_unique": "opened",
    }

    class Meta:
        verbose_name = _("mission")
        verbose_name_plural = _("missions")
        ordering = ["opened_start", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(sending_state=F("host_state")),
                name="mission_states_differ",
                violation_error_message=_("A mission is sent to another state: the sending and host states differ."),
            ),
            # Compared as intervals: "2015" may close a mission opened "2015-04-28", "2014" may not.
            models.CheckConstraint(
                condition=Q(closed_start__isnull=True) | Q(closed_end__gte=F("opened_start")),
                name="mission_closes_after_opening",
                violation_error_message=_("A mission cannot close before it opens: check both dates."),
            ),
            models.UniqueConstraint(
                fields=["sending_state", "host_state", "kind", "city", "opened_start", "opened_precision"],
                name="mission_unique",
                violation_error_message=_(
                    "This mission is already in the archive: same states, kind, city and opening."
                ),
            ),
        ]
        indexes = [
            models.Index(fields=["host_state", "opened_start"], name="mission_host_opened"),
            models.Index(fields=["sending_state", "opened_start"], name="mission_sending_opened"),
            models.Index(fields=["opened_start", "id"], name="mission_opened"),
            # The timeline's openings and closings (selectors._timeline_parts), from the index alone.
            models.Index(
                fields=[
                    "opened_start",
                    "opened_end",
                    "publication_status",
                    "sending_state",
                    "host_state",
                    "opened_precision",
                ],
                name="mission_opened_timeline",
            ),
            models.Index(
                fields=[
                    "closed_start",
                    "closed_end",
                    "publication_status",
                    "sending_state",
                    "host_state",
                    "closed_precision",
                ],
                name="mission_closed_timeline",
            ),
        ]

    def __str__(self) -> str:
        where = f", {self.city}" if self.city else ""
        sending = self.sending_state if self.sending_state_id else "?"
        host = self.host_state if self.host_state_id else "?"
        values = {"kind": self.get_kind_display(), "sending": sending, "host": host}
        return gettext("%(kind)s of %(sending)s in %(host)s") % values + where

    def get_absolute_url(self) -> str:
        return reverse("events:mission-detail", kwargs={"pk": self.pk})
