"""The pictures' pages and their endpoint; included by archive/urls.py before the API's own routes."""

from django.urls import path

from events import pictures

app_name = "pictures"

urlpatterns = [
    path("network/", pictures.NetworkView.as_view(), name="network"),
    path("map/", pictures.MapView.as_view(), name="map"),
    path("api/network/", pictures.NetworkAPIView.as_view(), name="api-network"),
]
