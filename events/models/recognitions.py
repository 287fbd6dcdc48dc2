from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from events.models.base import ArchiveRecord, PartialDateProperty, partial_date_columns
from events.models.states import State
from events.querysets import RecognitionQuerySet


class RecognitionAction(models.TextChoices):
    RECOGNITION = "recognition", _("recognition")
    WITHDRAWAL = "withdrawal", _("withdrawal of recognition")


class Recognition(ArchiveRecord):
    """One dated act by which one state recognises another's independence, or withdraws it.

    The state of affairs on a day is derived from these acts (querysets.recognition_status),
    never stored. The database keeps, beside each act, when a later act of the same pair
    outranks it (migration 0010, `eclipsed_on`): derived by triggers, not a field of the model.
    """

    # States that act in the record of recognitions must not be deleted from under it.
    recognizing_state = models.ForeignKey(
        State, verbose_name=_("recognising state"), on_delete=models.PROTECT, related_name="recognitions_given"
    )
    recognized_state = models.ForeignKey(
        State, verbose_name=_("recognised state"), on_delete=models.PROTECT, related_name="recognitions_received"
    )
    action = models.CharField(
        _("action"), max_length=11, choices=RecognitionAction.choices, default=RecognitionAction.RECOGNITION
    )
    date_start, date_end, date_precision = partial_date_columns(_("date"), required=True)
    date = PartialDateProperty("date", _("date"), required=True)
    instrument = models.CharField(
        _("instrument"), max_length=300, blank=True, help_text=_("For example presidential decree.")
    )
    notes = models.TextField(_("notes"), blank=True)

    objects = RecognitionQuerySet.as_manager()

    constraint_fields = {
        "recognition_not_self": "recognized_state",
        "recognition_unique_act": "date",
    }

    class Meta:
        verbose_name = _("recognition")
        verbose_name_plural = _("recognitions")
        ordering = ["date_start", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(recognizing_state=F("recognized_state")),
                name="recognition_not_self",
                violation_error_message=_("A state cannot recognise itself: choose two different states."),
            ),
            models.UniqueConstraint(
                fields=["recognizing_state", "recognized_state", "action", "date_start", "date_precision"],
                name="recognition_unique_act",
                violation_error_message=_(
                    "This act is already in the archive: the same states, action and date. "
                    "Add a citation to the existing record instead."
                ),
            ),
        ]
        indexes = [
            models.Index(fields=["recognized_state", "date_start"], name="recognition_received_date"),
            models.Index(fields=["recognizing_state", "date_start"], name="recognition_given_date"),
            models.Index(fields=["date_start", "id"], name="recognition_date"),
            # The acts a state's recognition status folds (querysets.status_acts) are read from
            # two covering indexes that end with columns the model does not declare (migration
            # 0010: recognition_received_deciding and recognition_given_deciding).
            # The timeline and the home page's latest acts (selectors._timeline_parts): every act
            # in (date_start, date_end) order, read from the index alone, each kind walked in
            # order and merged, not every act sorted for a page.
            models.Index(
                fields=[
                    "date_start",
                    "date_end",
                    "action",
                    "publication_status",
                    "recognizing_state",
                    "recognized_state",
                    "date_precision",
                ],
                name="recognition_timeline",
            ),
        ]

    def __str__(self) -> str:
        values = {
            "recognizing": self._state_name("recognizing_state"),
            "recognized": self._state_name("recognized_state"),
            "date": self.date.display() if self.date else "?",
        }
        if self.action == RecognitionAction.WITHDRAWAL:
            return gettext("%(recognizing)s withdrew recognition of %(recognized)s, %(date)s") % values
        return gettext("%(recognizing)s recognised %(recognized)s, %(date)s") % values

    def _state_name(self, field: str) -> str:
        state = getattr(self, field, None) if getattr(self, f"{field}_id") else None
        return str(state) if state else "?"

    def get_absolute_url(self) -> str:
        return reverse("events:recognition-detail", kwargs={"pk": self.pk})
