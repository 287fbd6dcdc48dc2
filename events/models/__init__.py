from events.models.base import ArchiveRecord, PartialDateProperty, PublicationStatus, partial_date_properties
from events.models.citations import CITATION_MODELS, DelegationCitation, MissionCitation, RecognitionCitation
from events.models.delegations import Delegation, Participant, Role, Side
from events.models.missions import Mission, MissionKind
from events.models.people import Person
from events.models.recognitions import Recognition, RecognitionAction
from events.models.sources import Citation, Source
from events.models.states import State, StateStatus

__all__ = [
    "CITATION_MODELS",
    "ArchiveRecord",
    "Citation",
    "Delegation",
    "DelegationCitation",
    "Mission",
    "MissionCitation",
    "MissionKind",
    "PartialDateProperty",
    "Participant",
    "Person",
    "PublicationStatus",
    "Recognition",
    "RecognitionAction",
    "RecognitionCitation",
    "Role",
    "Side",
    "Source",
    "State",
    "StateStatus",
    "partial_date_properties",
]
