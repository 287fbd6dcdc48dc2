from django.urls import path

from events import views

app_name = "events"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("states/<slug:slug>/", views.StateDetailView.as_view(), name="state-detail"),
    path("recognitions/<int:pk>/", views.RecognitionDetailView.as_view(), name="recognition-detail"),
    path("missions/<int:pk>/", views.MissionDetailView.as_view(), name="mission-detail"),
    path("delegations/<int:pk>/", views.DelegationDetailView.as_view(), name="delegation-detail"),
    path("persons/<slug:slug>/", views.PersonDetailView.as_view(), name="person-detail"),
    path("sources/<int:pk>/", views.SourceDetailView.as_view(), name="source-detail"),
]
