"""The citation of each kind of fact: one abstract Citation, one concrete table per fact."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from events.models.delegations import Delegation
from events.models.missions import Mission
from events.models.recognitions import Recognition
from events.models.sources import Citation


class RecognitionCitation(Citation):
    record = models.ForeignKey(
        Recognition, verbose_name=_("recognition"), on_delete=models.CASCADE, related_name="citations"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("citation")
        verbose_name_plural = _("citations")
        ordering = ["id"]
        default_related_name = "recognition_citations"


class MissionCitation(Citation):
    record = models.ForeignKey(Mission, verbose_name=_("mission"), on_delete=models.CASCADE, related_name="citations")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("citation")
        verbose_name_plural = _("citations")
        ordering = ["id"]
        default_related_name = "mission_citations"


class DelegationCitation(Citation):
    record = models.ForeignKey(
        Delegation, verbose_name=_("delegation"), on_delete=models.CASCADE, related_name="citations"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("citation")
        verbose_name_plural = _("citations")
        ordering = ["id"]
        default_related_name = "delegation_citations"


CITATION_MODELS = (RecognitionCitation, MissionCitation, DelegationCitation)
