"""The API's addresses under /api/: the resources on a DefaultRouter (its root lists them),
the token endpoint, the OpenAPI schema and its two documentation pages."""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from events.api import views

app_name = "api"

router = DefaultRouter()
# Formats are chosen with ?format=, not with suffixes such as /api/states.json.
router.include_format_suffixes = False
router.register("states", views.StateViewSet, basename="state")
router.register("recognitions", views.RecognitionViewSet, basename="recognition")
router.register("missions", views.MissionViewSet, basename="mission")
router.register("delegations", views.DelegationViewSet, basename="delegation")
router.register("persons", views.PersonViewSet, basename="person")
router.register("sources", views.SourceViewSet, basename="source")

urlpatterns = [
    path("auth/token/", views.TokenView.as_view(), name="token"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
    *router.urls,
    # Last: any other address ending in a slash under /api/ is a JSON 404.
    re_path(r"^.+/$", views.not_found, name="not-found"),
]
