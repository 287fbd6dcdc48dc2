from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from events.models.base import ArchiveRecord, PartialDateProperty, partial_date_columns
from events.models.missions import Mission
from events.models.people import Person
from events.models.states import State
from events.querysets import DelegationQuerySet


class Delegation(ArchiveRecord):
    """People sent by one state to another on a date, for an occasion."""

    sending_state = models.ForeignKey(
        State, verbose_name=_("sending state"), on_delete=models.PROTECT, related_name="delegations_sent"
    )
    host_state = models.ForeignKey(
        State, verbose_name=_("host state"), on_delete=models.PROTECT, related_name="delegations_received"
    )
    date_start, date_end, date_precision = partial_date_columns(_("date"), required=True)
    date = PartialDateProperty("date", _("date"), required=True)
    place = models.CharField(_("place"), max_length=200, blank=True)
    occasion = models.CharField(_("occasion"), max_length=300, blank=True)
    # The delegation stays a fact of its own if the mission record goes.
    mission = models.ForeignKey(
        Mission,
        verbose_name=_("mission whose opening it attended"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="delegations",
    )
    notes = models.TextField(_("notes"), blank=True)

    objects = DelegationQuerySet.as_manager()

    constraint_fields = {"delegation_states_differ": "host_state", "delegation_unique": "date"}

    class Meta:
        verbose_name = _("delegation")
        verbose_name_plural = _("delegations")
        ordering = ["date_start", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(sending_state=F("host_state")),
                name="delegation_states_differ",
                violation_error_message=_("A delegation goes to another state: the sending and host states differ."),
            ),
            models.UniqueConstraint(
                fields=["sending_state", "host_state", "date_start", "date_precision", "occasion"],
                name="delegation_unique",
                violation_error_message=_("This delegation is already in the archive: same states, date and occasion."),
            ),
        ]
        indexes = [
            models.Index(fields=["host_state", "date_start"], name="delegation_host_date"),
            models.Index(fields=["sending_state", "date_start"], name="delegation_sending_date"),
            models.Index(fields=["date_start", "id"], name="delegation_date"),
            # The timeline (selectors._timeline_parts), from the index alone.
            models.Index(
                fields=[
                    "date_start",
                    "date_end",
                    "publication_status",
                    "sending_state",
                    "host_state",
                    "date_precision",
                ],
                name="delegation_timeline",
            ),
        ]

    def __str__(self) -> str:
        sending = self.sending_state if self.sending_state_id else "?"
        host = self.host_state if self.host_state_id else "?"
        date = self.date.display() if self.date else "?"
        values = {"sending": sending, "host": host, "date": date}
        return gettext("Delegation of %(sending)s to %(host)s, %(date)s") % values

    def get_absolute_url(self) -> str:
        return reverse("events:delegation-detail", kwargs={"pk": self.pk})

    def clean(self) -> None:
        super().clean()
        if self.mission_id and self.sending_state_id and self.host_state_id:
            mission_states = {self.mission.sending_state_id, self.mission.host_state_id}
            if mission_states != {self.sending_state_id, self.host_state_id}:
                raise ValidationError(
                    {"mission": _("This mission is not between the delegation's sending and host states.")}
                )


class Side(models.TextChoices):
    DELEGATION = "delegation", _("delegation")
    HOST = "host", _("host")


class Role(models.TextChoices):
    HEAD = "head", _("head")
    MEMBER = "member", _("member")


class Participant(models.Model):
    """A person's part in a delegation, on either side, with the position held at the time."""

    delegation = models.ForeignKey(
        Delegation, verbose_name=_("delegation"), on_delete=models.CASCADE, related_name="participants"
    )
    # A person who took part in a recorded delegation is part of the record: refuse deletion.
    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="participations"
    )
    side = models.CharField(_("side"), max_length=10, choices=Side.choices, default=Side.DELEGATION)
    role = models.CharField(_("role"), max_length=6, choices=Role.choices, default=Role.MEMBER)
    position = models.CharField(
        _("position held at the time"),
        max_length=300,
        blank=True,
        help_text=_("For example minister of foreign affairs."),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        ordering = ["delegation", "side", "role", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["delegation", "person"],
                name="participant_once_per_delegation",
                violation_error_message=_("This person is already listed in this delegation."),
            ),
        ]

    def __str__(self) -> str:
        person = self.person if self.person_id else "?"
        return f"{person} ({self.get_side_display()}, {self.get_role_display()})"
