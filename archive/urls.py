from django.contrib import admin
from django.urls import include, path

from events.ceiling import ceiling

urlpatterns = [
    path("admin/", admin.site.urls),
    # The benchmark's ceiling (bench/run.py): a constant JSON body, no data.
    path("_bench/ceiling/", ceiling, name="bench-ceiling"),
    # The language switch in the header posts here; URLs are the same in every language.
    path("i18n/", include("django.conf.urls.i18n")),
    # /network/, /map/ and /api/network/: before the API's include so that api/network/ is found.
    path("", include("events.pictures_urls")),
    path("api/", include("events.api.urls")),
    path("", include("events.urls")),
]
