"""The shapes of the API (issue #4): records with their API and website addresses, partial dates
at their own precision, references that read as small objects and are written as a slug or an id,
nested citations and participants. Every write is validated by the model itself (full_clean), so
the API refuses what the admin refuses, with the message on the same field."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models, transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.settings import api_settings

from events.dates import PartialDate, PartialDateError, Precision, parse_day
from events.models import (
    Delegation,
    Mission,
    Participant,
    Person,
    Recognition,
    RecognitionAction,
    Source,
    State,
    partial_date_properties,
)
from events.models.sources import Citation

PARTIAL_DATE_SCHEMA = {
    "type": "string",
    "pattern": r"^\d{4}(-\d{2}(-\d{2})?)?$",
    "example": "2014-06",
    "description": "ISO 8601 / EDTF level 0 at the precision of the source: YYYY, YYYY-MM or YYYY-MM-DD.",
}


def django_errors_to_drf(error: DjangoValidationError) -> serializers.ValidationError:
    """A model's ValidationError as DRF field errors; errors of no one field go to non_field_errors."""
    if not hasattr(error, "error_dict"):
        return serializers.ValidationError({api_settings.NON_FIELD_ERRORS_KEY: error.messages})
    return serializers.ValidationError(
        {
            (api_settings.NON_FIELD_ERRORS_KEY if field == NON_FIELD_ERRORS else field): messages
            for field, messages in error.message_dict.items()
        }
    )


@extend_schema_field(PARTIAL_DATE_SCHEMA)
class PartialDateField(serializers.Field):
    """A partial date written and read as "2014", "2014-06" or "2014-06-27"."""

    default_error_messages = {"invalid": "Enter a date as text: YYYY, YYYY-MM or YYYY-MM-DD."}

    def to_representation(self, value: PartialDate) -> str:
        return value.isoformat()

    def to_internal_value(self, data) -> PartialDate:
        if not isinstance(data, str):
            self.fail("invalid")
        try:
            return PartialDate.parse(data)
        except PartialDateError as error:
            raise serializers.ValidationError(str(error), code="invalid") from error


@extend_schema_field({"type": "string", "enum": [precision.value for precision in Precision], "readOnly": True})
class PartialDatePrecisionField(serializers.Field):
    """The precision of a partial date: "day", "month" or "year"."""

    def __init__(self, date_name: str, **kwargs) -> None:
        super().__init__(source=date_name, read_only=True, **kwargs)

    def to_representation(self, value: PartialDate) -> str:
        return value.precision.value


@extend_schema_field({"type": "string", "example": "June 2014", "readOnly": True})
class PartialDateDisplayField(serializers.Field):
    """A partial date for people, in the request's language: "June 2014", "июнь 2014"."""

    def __init__(self, date_name: str, **kwargs) -> None:
        super().__init__(source=date_name, read_only=True, **kwargs)

    def to_representation(self, value: PartialDate) -> str:
        return value.display()


@extend_schema_field(OpenApiTypes.URI)
class HtmlUrlField(serializers.Field):
    """The record's page on the website, as an absolute address."""

    def __init__(self, **kwargs) -> None:
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, value: models.Model) -> str:
        path = value.get_absolute_url()
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


def user_of(context: dict):
    request = context.get("request")
    return getattr(request, "user", None)


def sees_drafts(user) -> bool:
    """Whether `visible_to(user)` keeps drafts: asked of the rule itself rather than restated."""
    return not State.objects.visible_to(user).query.has_filters()


# --- References: read as a small object, written as a slug or an id ------------------------------


class StateReferenceSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:state-detail", lookup_field="slug")

    class Meta:
        model = State
        fields = ["slug", "name", "name_native", "url"]


class PersonReferenceSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:person-detail", lookup_field="slug")

    class Meta:
        model = Person
        fields = ["slug", "name", "name_native", "url"]


class SourceReferenceSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:source-detail")

    class Meta:
        model = Source
        fields = ["id", "title", "outlet", "published", "source_url", "url"]


class MissionReferenceSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:mission-detail")

    class Meta:
        model = Mission
        fields = ["id", "kind", "city", "url"]


class ReferenceField(serializers.SlugRelatedField):
    """Another record: read as its summary (`summary` serializer), written as its slug or id.

    Only records the requesting user may see can be referred to; a draft that a non-staff
    reader reaches through a published record reads as null.
    """

    default_error_messages = {
        "does_not_exist": "There is no {model} “{value}”: give its {lookup}.",
        "invalid": "Give the {model}'s {lookup}.",
    }

    def __init__(
        self, *, summary: type[serializers.ModelSerializer], slug_field: str = "slug", example=None, **kwargs
    ) -> None:
        self.summary = summary
        # What the documentation shows (and Swagger UI's "Try it out" sends): a record of the demo data.
        self.example = example
        super().__init__(slug_field=slug_field, **kwargs)

    @property
    def model(self) -> type[models.Model]:
        return self.summary.Meta.model

    def get_queryset(self):
        return self.model.objects.visible_to(user_of(self.context))

    def fail(self, key: str, **kwargs):
        lookup = "id" if self.slug_field == "pk" else "slug"
        kwargs.update(model=self.model._meta.verbose_name, lookup=lookup)
        super().fail(key, **kwargs)

    def to_internal_value(self, data):
        # An id may come as a number (JSON) or as text (a form); a slug only as text.
        accepted = (int, str) if self.slug_field == "pk" else (str,)
        if isinstance(data, bool) or not isinstance(data, accepted):
            self.fail("invalid")
        return super().to_internal_value(data)

    def to_representation(self, obj):
        if obj.is_draft and not sees_drafts(user_of(self.context)):
            return None
        # One summary serializer per field, and each record summarised once per response: building
        # a serializer's fields for every row was most of a list's time (README "Performance").
        summaries = self.__dict__.setdefault("_summaries", {})
        if obj.pk not in summaries:
            if "_summary" not in self.__dict__:
                self._summary = self.summary(context=self.context)
            summaries[obj.pk] = self._summary.to_representation(obj)
        return summaries[obj.pk]

    def get_choices(self, cutoff=None):
        """The browsable API's drop-down: keyed by what is written, labelled by the name."""
        queryset = self.get_queryset()
        if cutoff is not None:
            queryset = queryset[:cutoff]
        return {getattr(obj, self.slug_field): self.display_value(obj) for obj in queryset}


# --- Nested items ------------------------------------------------------------------------------


class WholeItemMixin:
    """An item of a nested list is written whole, even in a PATCH of its record: the list written
    replaces the stored one, and DRF would otherwise let a partial update skip required fields."""

    def validate(self, attrs: dict) -> dict:
        missing = {
            name: [field.error_messages["required"]]
            for name, field in self.fields.items()
            if field.required and not field.read_only and name not in attrs
        }
        if missing:
            raise serializers.ValidationError(missing)
        return super().validate(attrs)


class CitationSerializer(WholeItemMixin, serializers.Serializer):
    """One source cited by a fact, with the sentence quoted and where it stands in the source."""

    source = ReferenceField(summary=SourceReferenceSerializer, slug_field="pk", example=1)
    quotation = serializers.CharField(
        allow_blank=True, required=False, default="", help_text=Citation._meta.get_field("quotation").help_text
    )
    locator = serializers.CharField(
        allow_blank=True,
        required=False,
        default="",
        max_length=Citation._meta.get_field("locator").max_length,
        help_text=Citation._meta.get_field("locator").help_text,
    )


class ParticipantSerializer(WholeItemMixin, serializers.ModelSerializer):
    person = ReferenceField(summary=PersonReferenceSerializer, example="leonid-tibilov")

    class Meta:
        model = Participant
        fields = ["person", "side", "role", "position"]


# --- Records -----------------------------------------------------------------------------------


class ArchiveRecordSerializer(serializers.ModelSerializer):
    """What every record shares: its website address, publication status, timestamps, and
    validation by the model before anything is written."""

    html_url = HtmlUrlField()
    # Lists of nested items written with the record: name -> the record's related manager.
    nested_fields: tuple[str, ...] = ()

    def validate(self, attrs: dict) -> dict:
        """Put the values on the record and let the model validate it as the admin would."""
        instance = self.instance if self.instance is not None else self.Meta.model()
        for name, value in attrs.items():
            if name not in self.nested_fields:
                setattr(instance, name, value)
        # The columns behind partial dates are validated through the date they belong to.
        columns = [
            f"{prop.name}_{part}" for prop in partial_date_properties(type(instance)) for part in ("start", "end")
        ]
        try:
            instance.full_clean(exclude=columns)
        except DjangoValidationError as error:
            raise django_errors_to_drf(error) from error
        self._validated_instance = instance
        return attrs

    def create(self, validated_data: dict) -> models.Model:
        return self._save(validated_data)

    def update(self, instance: models.Model, validated_data: dict) -> models.Model:
        return self._save(validated_data)

    def _save(self, validated_data: dict) -> models.Model:
        """The record and its nested items in one transaction: all of it or nothing."""
        instance = self._validated_instance
        with transaction.atomic():
            instance.save()
            for name in self.nested_fields:
                if name in validated_data:
                    getattr(self, f"save_{name}")(instance, validated_data[name])
        return instance


class CitedRecordSerializer(ArchiveRecordSerializer):
    """A fact that cites sources: its citations are replaced by the list written, if one is."""

    citations = CitationSerializer(many=True, required=False)
    nested_fields = ("citations",)

    def save_citations(self, instance: models.Model, items: Iterable[dict]) -> None:
        """Keep the citations written again unchanged (no new history), add the new, drop the rest."""
        existing = list(instance.citations.all())
        errors: dict[int, dict] = {}
        for index, item in enumerate(items):
            same = next(
                (
                    citation
                    for citation in existing
                    if citation.source_id == item["source"].pk
                    and citation.quotation == item.get("quotation", "")
                    and citation.locator == item.get("locator", "")
                ),
                None,
            )
            if same is not None:
                existing.remove(same)
                continue
            citation = instance.citations.model(record=instance, **item)
            if error := full_clean_errors(citation, exclude=["record"]):
                errors[index] = error
            else:
                citation.save()
        raise_nested_errors("citations", errors)
        for citation in existing:
            citation.delete()


def full_clean_errors(instance: models.Model, *, exclude: list[str]) -> dict:
    """The model's own validation errors of a nested item, as DRF error details."""
    try:
        instance.full_clean(exclude=exclude)
    except DjangoValidationError as error:
        return django_errors_to_drf(error).detail
    return {}


def raise_nested_errors(name: str, errors: dict[int, dict]) -> None:
    """Refuse the whole write (the transaction rolls back) if any nested item is invalid; errors
    are keyed by the item's index, as DRF reports the items' own field errors."""
    if errors:
        raise serializers.ValidationError({name: errors})


class StateSerializer(ArchiveRecordSerializer):
    """A state. `parent` (the state it broke away from) is written as a slug."""

    url = serializers.HyperlinkedIdentityField(view_name="api:state-detail", lookup_field="slug")
    parent = ReferenceField(summary=StateReferenceSerializer, allow_null=True, required=False, example="ukraine")
    declared = PartialDateField(allow_null=True, required=False)
    declared_precision = PartialDatePrecisionField("declared", allow_null=True)
    declared_display = PartialDateDisplayField("declared", allow_null=True)
    dissolved = PartialDateField(allow_null=True, required=False)
    dissolved_precision = PartialDatePrecisionField("dissolved", allow_null=True)
    dissolved_display = PartialDateDisplayField("dissolved", allow_null=True)

    class Meta:
        model = State
        fields = [
            "id",
            "url",
            "html_url",
            "slug",
            "name",
            "name_native",
            "short_name",
            "short_name_native",
            "status",
            "iso3",
            "capital",
            "capital_native",
            "parent",
            "declared",
            "declared_precision",
            "declared_display",
            "dissolved",
            "dissolved_precision",
            "dissolved_display",
            "latitude",
            "longitude",
            "description",
            "publication_status",
            "created_at",
            "updated_at",
        ]
        extra_kwargs = {"latitude": {"coerce_to_string": False}, "longitude": {"coerce_to_string": False}}


class PersonSerializer(ArchiveRecordSerializer):
    """A person, with names in English and in the original language."""

    url = serializers.HyperlinkedIdentityField(view_name="api:person-detail", lookup_field="slug")

    class Meta:
        model = Person
        fields = [
            "id",
            "url",
            "html_url",
            "slug",
            "name",
            "name_native",
            "notes",
            "publication_status",
            "created_at",
            "updated_at",
        ]


class SourceSerializer(ArchiveRecordSerializer):
    """A source document; `source_url` is the document's own address."""

    url = serializers.HyperlinkedIdentityField(view_name="api:source-detail")

    class Meta:
        model = Source
        fields = [
            "id",
            "url",
            "html_url",
            "title",
            "outlet",
            "author",
            "published",
            "dateline",
            "source_url",
            "language",
            "summary",
            "text",
            "publication_status",
            "created_at",
            "updated_at",
        ]


class RecognitionSerializer(CitedRecordSerializer):
    """One act of recognition or of withdrawal. States are written as slugs, citations as
    `[{"source": <id>, "quotation": "...", "locator": ""}]`; a list written replaces the citations."""

    url = serializers.HyperlinkedIdentityField(view_name="api:recognition-detail")
    recognizing_state = ReferenceField(summary=StateReferenceSerializer, example="south-ossetia")
    recognized_state = ReferenceField(summary=StateReferenceSerializer, example="dpr")
    date = PartialDateField()
    date_precision = PartialDatePrecisionField("date")
    date_display = PartialDateDisplayField("date")

    class Meta:
        model = Recognition
        fields = [
            "id",
            "url",
            "html_url",
            "recognizing_state",
            "recognized_state",
            "action",
            "date",
            "date_precision",
            "date_display",
            "instrument",
            "notes",
            "citations",
            "publication_status",
            "created_at",
            "updated_at",
        ]


class MissionSerializer(CitedRecordSerializer):
    """A mission, opened (and perhaps closed) on partial dates. A mission closes after it opens."""

    url = serializers.HyperlinkedIdentityField(view_name="api:mission-detail")
    sending_state = ReferenceField(summary=StateReferenceSerializer, example="dpr")
    host_state = ReferenceField(summary=StateReferenceSerializer, example="south-ossetia")
    opened = PartialDateField()
    opened_precision = PartialDatePrecisionField("opened")
    opened_display = PartialDateDisplayField("opened")
    closed = PartialDateField(allow_null=True, required=False)
    closed_precision = PartialDatePrecisionField("closed", allow_null=True)
    closed_display = PartialDateDisplayField("closed", allow_null=True)

    class Meta:
        model = Mission
        fields = [
            "id",
            "url",
            "html_url",
            "sending_state",
            "host_state",
            "kind",
            "city",
            "opened",
            "opened_precision",
            "opened_display",
            "closed",
            "closed_precision",
            "closed_display",
            "notes",
            "citations",
            "publication_status",
            "created_at",
            "updated_at",
        ]


class DelegationSerializer(CitedRecordSerializer):
    """A delegation with its participants (`{"person": <slug>, "side", "role", "position"}`) and
    citations; a list written replaces the one stored. `mission` is written as its id."""

    url = serializers.HyperlinkedIdentityField(view_name="api:delegation-detail")
    sending_state = ReferenceField(summary=StateReferenceSerializer, example="dpr")
    host_state = ReferenceField(summary=StateReferenceSerializer, example="south-ossetia")
    date = PartialDateField()
    date_precision = PartialDatePrecisionField("date")
    date_display = PartialDateDisplayField("date")
    mission = ReferenceField(
        summary=MissionReferenceSerializer, slug_field="pk", allow_null=True, required=False, example=3
    )
    participants = ParticipantSerializer(many=True, required=False)
    nested_fields = ("citations", "participants")

    class Meta:
        model = Delegation
        fields = [
            "id",
            "url",
            "html_url",
            "sending_state",
            "host_state",
            "date",
            "date_precision",
            "date_display",
            "place",
            "occasion",
            "mission",
            "participants",
            "notes",
            "citations",
            "publication_status",
            "created_at",
            "updated_at",
        ]

    def validate_participants(self, items: list[dict]) -> list[dict]:
        slugs = [item["person"].slug for item in items]
        duplicates = sorted({slug for slug in slugs if slugs.count(slug) > 1})
        if duplicates:
            raise serializers.ValidationError(f"A person takes part once per delegation: {', '.join(duplicates)}.")
        return items

    def save_participants(self, instance: Delegation, items: Iterable[dict]) -> None:
        """Participants are keyed by person: update those written again, add new, drop the rest."""
        existing = {participant.person_id: participant for participant in instance.participants.all()}
        errors: dict[int, dict] = {}
        for index, item in enumerate(items):
            participant = existing.pop(item["person"].pk, None) or Participant(delegation=instance)
            values = {name: value for name, value in item.items() if getattr(participant, name, None) != value}
            for name, value in values.items():
                setattr(participant, name, value)
            if not values:
                continue
            if error := full_clean_errors(participant, exclude=["delegation"]):
                errors[index] = error
            else:
                participant.save()
        raise_nested_errors("participants", errors)
        for participant in existing.values():
            participant.delete()


# --- Recognition status as of a day ------------------------------------------------------------


class StatusEntrySerializer(serializers.Serializer):
    """A state whose recognition is (or was withdrawn) since the act it dates from."""

    state = StateReferenceSerializer()
    since = PartialDateField()
    recognition = serializers.IntegerField(source="recognition.pk", help_text="The id of the deciding act.")


class UncertainEntrySerializer(serializers.Serializer):
    """A state whose act, dated too coarsely to say, may or may not have happened by the day."""

    state = StateReferenceSerializer()
    date = PartialDateField(source="recognition.date")
    action = serializers.ChoiceField(source="recognition.action", choices=RecognitionAction.choices)
    recognition = serializers.IntegerField(source="recognition.pk", help_text="The id of the uncertain act.")


class RecognitionStatusSerializer(serializers.Serializer):
    """Who recognised the state on the day, who may have, who withdrew, and whom it recognises."""

    state = StateReferenceSerializer()
    date = serializers.DateField(source="day")
    recognized_by = StatusEntrySerializer(many=True)
    uncertain = UncertainEntrySerializer(many=True)
    withdrawn = StatusEntrySerializer(many=True)
    recognizes = StatusEntrySerializer(many=True)


@extend_schema_field(OpenApiTypes.DATE)
class DayField(serializers.Field):
    """A full day, YYYY-MM-DD, with the archive's own message when it is not one."""

    def to_internal_value(self, data) -> datetime.date:
        if not isinstance(data, str):
            raise serializers.ValidationError("Enter a full day as YYYY-MM-DD (for example 2014-07-15).")
        try:
            return parse_day(data)
        except PartialDateError as error:
            raise serializers.ValidationError(str(error)) from error

    def to_representation(self, value: datetime.date) -> str:
        return value.isoformat()


class StatusQuerySerializer(serializers.Serializer):
    date = DayField(required=False, help_text="The day, YYYY-MM-DD; today when not given.")
