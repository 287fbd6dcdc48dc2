"""The editors' workbench: every archive model's list, form, history, import and export.

Editors work here with a source in one hand, so the lists say at a glance what a record is,
whether it is a draft and whether it cites a source; every change is kept with who made it
and can be reverted; a deleted record can be restored from its history; spreadsheets are
previewed, row by row, before anything is written.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from itertools import pairwise

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import models, transaction
from django.db.models import Count
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from import_export.admin import ImportExportMixin
from import_export.formats.base_formats import CSV, XLSX
from simple_history.admin import SimpleHistoryAdmin
from simple_history.utils import get_history_model_for_model

from events.admin_site import choice_label
from events.dates import PartialDate
from events.forms import partial_date_form
from events.models import (
    Delegation,
    DelegationCitation,
    Mission,
    MissionCitation,
    Participant,
    Person,
    PublicationStatus,
    Recognition,
    RecognitionCitation,
    Source,
    State,
    partial_date_properties,
)
from events.resources import (
    DelegationResource,
    MissionResource,
    PersonResource,
    RecognitionResource,
    SourceResource,
    StateResource,
    import_report,
)

# Rows cascade-deleted with a record are recorded within moments of it, in the same transaction.
CASCADE_WINDOW = datetime.timedelta(seconds=10)
DELETED_RECORDS_PER_PAGE = 100
# Columns that change on every save or never: not worth a line in a diff.
UNDIFFED_FIELDS = {"id", "created_at", "updated_at"}


class LabelledChoicesMixin:
    """Dropdowns and autocomplete boxes name a state or a person in both languages."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        formfield = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if formfield is not None and hasattr(db_field.related_model, "label"):
            formfield.label_from_instance = choice_label
        return formfield


def citation_inline(citation_model):
    """One inline for the citations of any kind of fact."""
    return type(
        f"{citation_model.__name__}Inline",
        (LabelledChoicesMixin, admin.TabularInline),
        {
            "model": citation_model,
            "extra": 1,
            "autocomplete_fields": ["source"],
            "fields": ["source", "quotation", "locator"],
        },
    )


class ParticipantInline(LabelledChoicesMixin, admin.TabularInline):
    model = Participant
    extra = 1
    autocomplete_fields = ["person"]
    fields = ["person", "side", "role", "position"]


class HasSourceFilter(admin.SimpleListFilter):
    """Every fact should cite a source; this finds the ones that do not yet."""

    title = _("sources")
    parameter_name = "has_source"

    def lookups(self, request, model_admin):
        return [("no", _("has no source")), ("yes", _("has a source"))]

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.filter(source_count=0)
        if self.value() == "yes":
            return queryset.filter(source_count__gt=0)
        return queryset


# ---------------------------------------------------------------------------------------------
# History: readable differences between versions, and what a restore brings back.


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: str
    new: str


def _display(record, model_field: models.Field) -> str:
    """A historical value as an editor reads it: choice labels, related names, "—" for nothing."""
    value = getattr(record, model_field.attname)
    if value in (None, ""):
        return "—"
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if model_field.is_relation:
        try:
            return str(getattr(record, model_field.name))
        except ObjectDoesNotExist:
            return f"#{value} ({_('deleted')})"
    return str(value)


def _partial_date_display(record, name: str) -> str:
    start = getattr(record, f"{name}_start")
    if start is None:
        return "—"
    return PartialDate.from_date(start, getattr(record, f"{name}_precision") or "day").display()


def readable_changes(model: type[models.Model], older, newer) -> list[FieldChange]:
    """What changed between two versions, one line per field, a partial date as one field."""
    changes = []
    date_columns = set()
    for prop in partial_date_properties(model):
        columns = [f"{prop.name}_{part}" for part in ("start", "end", "precision")]
        date_columns.update(columns)
        if any(getattr(older, column) != getattr(newer, column) for column in columns):
            old, new = _partial_date_display(older, prop.name), _partial_date_display(newer, prop.name)
            changes.append(FieldChange(capfirst(prop.verbose_name), old, new))
    for model_field in model._meta.concrete_fields:
        if model_field.name in UNDIFFED_FIELDS or model_field.name in date_columns:
            continue
        if getattr(older, model_field.attname) != getattr(newer, model_field.attname):
            old, new = _display(older, model_field), _display(newer, model_field)
            changes.append(FieldChange(capfirst(model_field.verbose_name), old, new))
    return changes


def restore_cascaded_children(parent: models.Model, *, deleted_at: datetime.datetime, user) -> tuple[int, int]:
    """Bring back the citations and participants deleted together with `parent`.

    They were deleted by the database's cascade in the same transaction, so their last
    historical record is a deletion within CASCADE_WINDOW before the parent's. A child that
    no longer validates (its source was deleted since) stays deleted. Returns (restored, not restored).
    """
    restored = failed = 0
    for relation in parent._meta.related_objects:
        child_model = relation.related_model
        if relation.on_delete is not models.CASCADE or not hasattr(child_model, "history"):
            continue
        deletions = child_model.history.filter(
            **{relation.field.attname: parent.pk},
            history_type="-",
            history_date__range=(deleted_at - CASCADE_WINDOW, deleted_at),
        )
        present = set(child_model.objects.filter(pk__in=[d.id for d in deletions]).values_list("pk", flat=True))
        for deletion in deletions:
            if deletion.id in present:
                continue
            child = deletion.instance
            try:
                child.full_clean()
            except ValidationError:
                failed += 1
                continue
            child._history_user = user
            child._change_reason = "Restored with its record"
            child.save()
            present.add(child.pk)
            restored += 1
    return restored, failed


# ---------------------------------------------------------------------------------------------
# Actions on the lists.


@admin.action(description=_("Publish selected %(verbose_name_plural)s"), permissions=["change"])
def publish(modeladmin, request, queryset):
    modeladmin.set_publication_status(request, queryset, PublicationStatus.PUBLISHED)


@admin.action(description=_("Move selected %(verbose_name_plural)s to draft"), permissions=["change"])
def move_to_draft(modeladmin, request, queryset):
    modeladmin.set_publication_status(request, queryset, PublicationStatus.DRAFT)


# ---------------------------------------------------------------------------------------------
# The admins.


class ArchiveAdmin(LabelledChoicesMixin, ImportExportMixin, SimpleHistoryAdmin):
    """What every archive model's admin shares: partial dates typed as text, publication status
    actions, spreadsheet import and export, readable history with revert, deleted records."""

    save_as = True
    list_per_page = 50
    actions = [publish, move_to_draft]
    formats = [CSV, XLSX]
    import_template_name = "admin/events/import.html"
    import_export_change_list_template = "admin/events/workbench_change_list.html"
    deleted_records_template = "admin/events/deleted_records.html"
    # False where the spreadsheet is for export only.
    importable = True
    # Relations the export reads for every row.
    export_prefetch: tuple[str, ...] = ()

    class Media:
        css = {"all": ["events/admin/workbench.css"]}

    def get_form(self, request, obj=None, **kwargs):
        kwargs.setdefault("form", partial_date_form(self.model))
        return super().get_form(request, obj, **kwargs)

    @admin.display(description=_("publication"), ordering="publication_status")
    def publication(self, obj) -> str:
        if obj.is_draft:
            return format_html('<span class="draft-marker">{}</span>', _("draft"))
        return _("published")

    def set_publication_status(self, request, queryset, status: PublicationStatus) -> None:
        """Saved one by one, so that each change is in the record's history with its author."""
        changed = 0
        with transaction.atomic():
            for obj in queryset.exclude(publication_status=status):
                obj.publication_status = status
                obj._change_reason = f"Set to {status.label} from the list"
                obj.save(update_fields=["publication_status", "updated_at"])
                self.log_change(request, obj, [{"changed": {"fields": ["publication status"]}}])
                changed += 1
        opts = self.model._meta
        name = opts.verbose_name if changed == 1 else opts.verbose_name_plural
        self.message_user(
            request,
            _("%(count)d %(name)s set to %(status)s.") % {"count": changed, "name": name, "status": status.label},
            messages.SUCCESS,
        )

    # Import and export ------------------------------------------------------------------------

    def has_import_permission(self, request) -> bool:
        """Importing creates and changes records: editors may, readers may not."""
        return self.importable and self.has_add_permission(request) and self.has_change_permission(request)

    def has_export_permission(self, request) -> bool:
        return self.has_view_permission(request)

    def get_export_queryset(self, request):
        queryset = super().get_export_queryset(request)
        return queryset.prefetch_related(*self.export_prefetch) if self.export_prefetch else queryset

    def get_import_data_kwargs(self, **kwargs):
        """One transaction for the whole file, rolled back on any row's error, not only a crash."""
        kwargs = super().get_import_data_kwargs(**kwargs)
        kwargs.setdefault("rollback_on_validation_errors", True)
        return kwargs

    def import_action(self, request, **kwargs):
        response = super().import_action(request, **kwargs)
        result = getattr(response, "context_data", {}).get("result")
        if result is not None:
            response.context_data["report"] = import_report(result)
        return response

    def process_result(self, result, request):
        """A confirmed import that failed wrote nothing; show why instead of "Import finished"."""
        if not (result.has_errors() or result.has_validation_errors()):
            return super().process_result(result, request)
        messages.error(request, _("Nothing was imported: the file has errors, listed below."))
        form = self.get_import_form_class(request)(self.get_import_formats(), self.get_import_resource_classes(request))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import"),
            "opts": self.model._meta,
            "form": form,
            "media": self.media + form.media,
            "result": result,
            "report": import_report(result),
            "fields_list": [
                (resource.get_display_name(), resource.column_names())
                for resource in self.get_import_resource_classes(request)
            ],
            "import_error_display": self.import_error_display,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, [self.import_template_name], context)

    # History ------------------------------------------------------------------------------------

    def set_history_delta_changes(self, request, historical_records, foreign_keys_are_objs=True):
        """Each version lists what changed since the one before it, in words."""
        records = list(historical_records)
        for newer, older in pairwise(records):
            newer.history_delta_changes = [change.__dict__ for change in readable_changes(self.model, older, newer)]

    def may_revert(self, request, obj, *, restoring: bool) -> bool:
        """Reverting changes the record (restoring a deleted one adds it back) and needs the
        right to change its history; simple-history checks neither on POST."""
        allowed = self.has_add_permission(request) if restoring else self.has_change_permission(request, obj)
        return allowed and self.has_change_history_permission(request, obj)

    def history_view(self, request, object_id, extra_context=None):
        try:
            self.model._meta.pk.to_python(unquote(object_id))
        except ValidationError as error:
            raise Http404(_("There is no such record.")) from error
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        history_model = get_history_model_for_model(self.model)
        try:
            pk = self.model._meta.pk.to_python(unquote(object_id))
            history_model._meta.pk.to_python(version_id)
        except ValidationError as error:
            raise Http404(_("There is no such version.")) from error
        exists = self.model._default_manager.filter(pk=pk).exists()
        if request.method == "POST" and not self.may_revert(request, None, restoring=not exists):
            raise PermissionDenied
        if not exists:
            extra_context = {**(extra_context or {}), "restoring": True}
        response = super().history_form_view(request, object_id, version_id, extra_context)
        if request.method == "POST" and not exists and self.model._default_manager.filter(pk=pk).exists():
            self.after_restore(request, self.model._default_manager.get(pk=pk))
        return response

    def after_restore(self, request, obj) -> None:
        deletion = obj.history.filter(history_type="-").order_by("-history_date").first()
        if deletion is None:
            return
        restored, failed = restore_cascaded_children(obj, deleted_at=deletion.history_date, user=request.user)
        if restored:
            self.message_user(
                request,
                ngettext(
                    "%(count)d citation or participant deleted with it was restored too.",
                    "%(count)d citations or participants deleted with it were restored too.",
                    restored,
                )
                % {"count": restored},
                messages.SUCCESS,
            )
        if failed:
            self.message_user(
                request,
                ngettext(
                    "%(count)d citation or participant could not be restored: what it refers to is gone.",
                    "%(count)d citations or participants could not be restored: what they refer to is gone.",
                    failed,
                )
                % {"count": failed},
                messages.WARNING,
            )

    # Deleted records ----------------------------------------------------------------------------

    def get_urls(self):
        opts = self.model._meta
        urls = [
            path(
                "deleted/",
                self.admin_site.admin_view(self.deleted_records_view),
                name=f"{opts.app_label}_{opts.model_name}_deleted",
            )
        ]
        return urls + super().get_urls()

    def deleted_records(self) -> list:
        """The last version of every record that was deleted and not restored, newest first."""
        history = get_history_model_for_model(self.model)
        present = self.model._default_manager.values("pk")
        deletions = history.objects.filter(history_type="-").exclude(id__in=present).order_by("-history_date", "-pk")
        latest = {}
        for deletion in deletions.select_related("history_user"):
            latest.setdefault(deletion.id, deletion)
        return list(latest.values())

    def deleted_records_view(self, request):
        if not self.has_view_history_permission(request):
            raise PermissionDenied
        opts = self.model._meta
        page = Paginator(self.deleted_records(), DELETED_RECORDS_PER_PAGE).get_page(request.GET.get("p"))
        for deletion in page.object_list:
            # The deletion's own record holds the values the record had when it was deleted.
            deletion.restore_url = reverse(
                f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_simple_history",
                args=[deletion.id, deletion.history_id],
            )
        context = {
            **self.admin_site.each_context(request),
            "title": _("Deleted %(name)s") % {"name": opts.verbose_name_plural},
            "opts": opts,
            "page_obj": page,
            "can_restore": self.may_revert(request, None, restoring=True),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.deleted_records_template, context)

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "has_view_history_permission": self.has_view_history_permission(request),
        }
        return super().changelist_view(request, extra_context)


class CitedAdmin(ArchiveAdmin):
    """Admin of a fact that cites sources: shows how many it cites, flags those that cite none."""

    export_prefetch = ("citations",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(source_count=Count("citations", distinct=True))

    @admin.display(description=_("sources"), ordering="source_count")
    def sources(self, obj) -> str:
        if obj.source_count == 0:
            return format_html('<span class="unsourced">{}</span>', _("none"))
        return str(obj.source_count)


@admin.register(State)
class StateAdmin(ArchiveAdmin):
    list_display = ["name", "name_native", "short_name", "status", "iso3", "parent", "publication"]
    list_filter = ["status", "publication_status"]
    search_fields = ["name", "name_native", "short_name", "short_name_native", "slug", "iso3"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["parent"]
    list_select_related = ["parent"]
    date_hierarchy = "declared_start"
    resource_classes = [StateResource]
    fieldsets = [
        (None, {"fields": ["name", "name_native", "short_name", "short_name_native", "slug", "status", "iso3"]}),
        (_("History"), {"fields": ["parent", "declared", "dissolved"]}),
        (_("Capital"), {"fields": ["capital", "capital_native", "latitude", "longitude"]}),
        (None, {"fields": ["description", "publication_status"]}),
    ]


@admin.register(Person)
class PersonAdmin(ArchiveAdmin):
    list_display = ["name", "name_native", "publication"]
    list_filter = ["publication_status"]
    search_fields = ["name", "name_native", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    resource_classes = [PersonResource]
    fields = ["name", "name_native", "slug", "notes", "publication_status"]


@admin.register(Source)
class SourceAdmin(ArchiveAdmin):
    list_display = ["title", "outlet", "author", "published", "language", "publication"]
    list_filter = ["outlet", "language", "publication_status"]
    search_fields = ["title", "outlet", "author", "dateline", "summary"]
    date_hierarchy = "published"
    resource_classes = [SourceResource]
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
    list_display = [
        "__str__",
        "recognizing_state",
        "recognized_state",
        "action",
        "date_display",
        "publication",
        "sources",
    ]
    list_filter = [HasSourceFilter, "action", "date_precision", "publication_status"]
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
    date_hierarchy = "date_start"
    resource_classes = [RecognitionResource]
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
        "publication",
        "sources",
    ]
    list_filter = [HasSourceFilter, "kind", "opened_precision", "publication_status"]
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
    date_hierarchy = "opened_start"
    resource_classes = [MissionResource]
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
    list_display = [
        "__str__",
        "sending_state",
        "host_state",
        "date_display",
        "place",
        "occasion",
        "publication",
        "sources",
    ]
    list_filter = [HasSourceFilter, "date_precision", "publication_status"]
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
    date_hierarchy = "date_start"
    resource_classes = [DelegationResource]
    importable = False
    export_prefetch = ("citations", "participants__person")
    fields = ["sending_state", "host_state", "date", "place", "occasion", "mission", "notes", "publication_status"]
    inlines = [ParticipantInline, citation_inline(DelegationCitation)]

    @admin.display(description=_("date"), ordering="date_start")
    def date_display(self, obj) -> str:
        return obj.date.display()
