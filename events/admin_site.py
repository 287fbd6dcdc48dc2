"""The archive's admin site: Django's own, with its titles and with autocomplete answers that
show a state's or a person's name in both languages.

It replaces the default site through ArchiveAdminConfig (INSTALLED_APPS), so `admin.site`
and `@admin.register` keep working everywhere. Nothing here imports the models: this module
is loaded while the app registry is being built.
"""

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _


def choice_label(obj) -> str:
    """How a record reads in a dropdown: its `label` (both names) where it has one."""
    return getattr(obj, "label", None) or str(obj)


class LabelledAutocompleteJsonView(AutocompleteJsonView):
    """Autocomplete results labelled "South Ossetia (Республика Южная Осетия)"."""

    def serialize_result(self, obj, to_field_name):
        return {"id": str(getattr(obj, to_field_name)), "text": choice_label(obj)}


class ArchiveAdminSite(admin.AdminSite):
    site_header = _("Recognition Archive · editors' workbench")
    site_title = _("Recognition Archive")
    index_title = _("Archive records")

    def autocomplete_view(self, request):
        return LabelledAutocompleteJsonView.as_view(admin_site=self)(request)


class ArchiveAdminConfig(AdminConfig):
    default_site = "events.admin_site.ArchiveAdminSite"


def lockout_response(request, original_response=None, credentials=None) -> TemplateResponse:
    """django-axes' answer to a locked-out sign-in: what happened and when to try again, in plain words."""
    # axes.helpers imports models, which this module must not do while the app registry loads.
    from axes.helpers import get_client_username, get_cool_off

    cool_off = get_cool_off(request)
    context = {
        **admin.site.each_context(request),
        "title": _("Sign-in blocked for a while"),
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cool_off_minutes": round(cool_off.total_seconds() / 60) if cool_off else None,
        "username": get_client_username(request, credentials) or "",
    }
    return TemplateResponse(request, "admin/lockout.html", context, status=settings.AXES_HTTP_RESPONSE_CODE).render()


def client_ip_address(request) -> str | None:
    """The address a sign-in comes from, as django-axes counts failures by it.

    Behind TRUSTED_PROXY_COUNT proxies, each appends the address it saw to X-Forwarded-For, so
    the client is the count-th entry from the right; entries further left were written by the
    client and may be forged. With no trusted proxy the header is ignored.
    """
    count = settings.TRUSTED_PROXY_COUNT
    if count:
        hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
        if len(hops) >= count:
            return hops[-count]
    return request.META.get("REMOTE_ADDR")
