from django.urls import path

from events import views

app_name = "events"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("timeline/", views.TimelineView.as_view(), name="timeline"),
    path("states/", views.StateListView.as_view(), name="state-list"),
    path("states/<slug:slug>/", views.StateDetailView.as_view(), name="state-detail"),
    path("recognitions/", views.RecognitionListView.as_view(), name="recognition-list"),
    path("recognitions/<int:pk>/", views.RecognitionDetailView.as_view(), name="recognition-detail"),
    path("missions/", views.MissionListView.as_view(), name="mission-list"),
    path("missions/<int:pk>/", views.MissionDetailView.as_view(), name="mission-detail"),
    path("delegations/", views.DelegationListView.as_view(), name="delegation-list"),
    path("delegations/<int:pk>/", views.DelegationDetailView.as_view(), name="delegation-detail"),
    path("persons/", views.PersonListView.as_view(), name="person-list"),
    path("persons/<slug:slug>/", views.PersonDetailView.as_view(), name="person-detail"),
    path("sources/", views.SourceListView.as_view(), name="source-list"),
    path("sources/<int:pk>/", views.SourceDetailView.as_view(), name="source-detail"),
]
