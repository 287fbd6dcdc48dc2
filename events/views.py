"""The researchers' pages: thin views, a queryset and a template each."""

from django.views.generic import DetailView, TemplateView

from events.models import Delegation, Mission, Person, Recognition, Source, State


class VisibleMixin:
    """Drafts only for signed-in staff."""

    def get_queryset(self):
        return super().get_queryset().visible_to(self.request.user)


class HomeView(TemplateView):
    template_name = "events/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["counts"] = {
            model._meta.verbose_name_plural: model.objects.visible_to(user).count()
            for model in (State, Recognition, Mission, Delegation, Person, Source)
        }
        return context


class RecordDetailView(VisibleMixin, DetailView):
    template_name = "events/record_detail.html"


class StateDetailView(RecordDetailView):
    model = State


class RecognitionDetailView(RecordDetailView):
    model = Recognition


class MissionDetailView(RecordDetailView):
    model = Mission


class DelegationDetailView(RecordDetailView):
    model = Delegation


class PersonDetailView(RecordDetailView):
    model = Person


class SourceDetailView(RecordDetailView):
    model = Source
