"""The editors' workbench."""

from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from events.forms import partial_date_form
from events.models import (
    Delegation,
    DelegationCitation,
    Mission,
    MissionCitation,
    Participant,
    Person,
    Recognition,
    RecognitionCitation,
    Source,
    State,
)


def citation_inline(citation_model):
    """One inline for the citations of any kind of fact."""
    return type(
        f"{citation_model.__name__}Inline",
        (admin.TabularInline,),
        {
            "model": citation_model,
            "extra": 1,
            "autocomplete_fields": ["source"],
            "fields": ["source", "quotation", "locator"],
        },
    )


class ParticipantInline(admin.TabularInline):
    model = Participant
    extra = 1
    autocomplete_fields = ["person"]
    fields = ["person", "side", "role", "position"]


class ArchiveAdmin(SimpleHistoryAdmin):
    """What every archive model's admin shares: forms with partial dates typed as text."""

    save_as = True
    list_per_page = 50

    def get_form(self, request, obj=None, **kwargs):
        kwargs.setdefault("form", partial_date_form(self.model))
        return super().get_form(request, obj, **kwargs)


class CitedAdmin(ArchiveAdmin):
    """Admin of a fact that cites sources: shows how many it cites, flags those that cite none."""

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(source_count=Count("citations", distinct=True))

    @admin.display(description=_("sources"), ordering="source_count")
    def sources(self, obj) -> int:
        return obj.source_count


@admin.register(State)
class StateAdmin(ArchiveAdmin):
    list_display = ["name", "name_native", "short_name", "status", "iso3", "parent", "publication_status"]
    list_filter = ["status", "publication_status"]
    search_fields = ["name", "name_native", "short_name", "short_name_native", "slug", "iso3"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["parent"]
    fieldsets = [
        (None, {"fields": ["name", "name_native", "short_name", "short_name_native", "slug", "status", "iso3"]}),
        (_("History"), {"fields": ["parent", "declared", "dissolved"]}),
        (_("Capital"), {"fields": ["capital", "capital_native", "latitude", "longitude"]}),
        (None, {"fields": ["description", "publication_status"]}),
    ]


@admin.register(Person)
class PersonAdmin(ArchiveAdmin):
    list_display = ["name", "name_native", "publication_status"]
    list_filter = ["publication_status"]
    search_fields = ["name", "name_native", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    fields = ["name", "name_native", "slug", "notes", "publication_status"]


@admin.register(Source)
class SourceAdmin(ArchiveAdmin):
    list_display = ["title", "outlet", "author", "published", "language", "publication_status"]
    list_filter = ["outlet", "language", "publication_status"]
    search_fields = ["title", "outlet", "author", "dateline", "summary"]
    date_hierarchy = "published"
    fields = [
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
    ]


@admin.register(Recognition)
class RecognitionAdmin(CitedAdmin):
    list_display = ["__str__", "recognizing_state", "recognized_state", "action", "date_display", "sources"]
    list_filter = ["action", "date_precision", "publication_status"]
    search_fields = [
        "recognizing_state__name",
        "recognized_state__name",
        "recognizing_state__name_native",
        "recognized_state__name_native",
        "instrument",
        "notes",
    ]
    list_select_related = ["recognizing_state", "recognized_state"]
    autocomplete_fields = ["recognizing_state", "recognized_state"]
    fields = ["recognizing_state", "recognized_state", "action", "date", "instrument", "notes", "publication_status"]
    inlines = [citation_inline(RecognitionCitation)]

    @admin.display(description=_("date"), ordering="date_start")
    def date_display(self, obj) -> str:
        return obj.date.display()


@admin.register(Mission)
class MissionAdmin(CitedAdmin):
    list_display = [
        "__str__",
        "sending_state",
        "host_state",
        "kind",
        "city",
        "opened_display",
        "closed_display",
        "sources",
    ]
    list_filter = ["kind", "opened_precision", "publication_status"]
    search_fields = [
        "sending_state__name",
        "host_state__name",
        "sending_state__name_native",
        "host_state__name_native",
        "city",
        "notes",
    ]
    list_select_related = ["sending_state", "host_state"]
    autocomplete_fields = ["sending_state", "host_state"]
    fields = ["sending_state", "host_state", "kind", "city", "opened", "closed", "notes", "publication_status"]
    inlines = [citation_inline(MissionCitation)]

    @admin.display(description=_("opened"), ordering="opened_start")
    def opened_display(self, obj) -> str:
        return obj.opened.display()

    @admin.display(description=_("closed"), ordering="closed_start")
    def closed_display(self, obj) -> str:
        return obj.closed.display() if obj.closed else "—"


@admin.register(Delegation)
class DelegationAdmin(CitedAdmin):
    list_display = ["__str__", "sending_state", "host_state", "date_display", "place", "occasion", "sources"]
    list_filter = ["date_precision", "publication_status"]
    search_fields = [
        "sending_state__name",
        "host_state__name",
        "place",
        "occasion",
        "notes",
        "participants__person__name",
        "participants__person__name_native",
    ]
    list_select_related = ["sending_state", "host_state"]
    autocomplete_fields = ["sending_state", "host_state", "mission"]
    fields = ["sending_state", "host_state", "date", "place", "occasion", "mission", "notes", "publication_status"]
    inlines = [ParticipantInline, citation_inline(DelegationCitation)]

    @admin.display(description=_("date"), ordering="date_start")
    def date_display(self, obj) -> str:
        return obj.date.display()
