"""The search page is the HTML it was before its results were named in Python (issue 6).

The reference is the page as it was built before: each kind of record read as model instances
with their states, each result written by `{{ result|record_link }}` (the record's `__str__`
and `get_absolute_url()`) and its other name through the template. The page now must be byte
for byte that HTML, for visitors and staff, in English and in Russian, for texts that find
every kind of record, none, or more than a section shows, with no more queries.
"""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.template import engines
from django.template.response import TemplateResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode

from events import views
from events.models import Delegation, Mission, Person, Recognition, Source, State

pytestmark = pytest.mark.django_db

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')
RESULTS_BEFORE = (
    "<ul>{% for result in section.results %}<li>{{ result|record_link }}{% if result.other_name %} "
    '<span class="muted">({{ result.other_name }})</span>{% endif %}</li>{% endfor %}</ul>'
)


class ReferenceSearchView(views.SearchView):
    """SearchView as it was: model instances with their states, written by the template."""

    def get_context_data(self, **kwargs):
        context = super(views.SearchView, self).get_context_data(**kwargs)
        text = views.clean_search_text(self.request.GET.get("q", ""))
        context["q"] = text
        if not text:
            context["sections"] = []
            return context
        user = self.request.user
        acts = views.visible_acts
        searches = [
            (views._("States"), State.objects.visible_to(user).search(text), "events:state-list"),
            (views._("Persons"), Person.objects.visible_to(user).search(text), "events:person-list"),
            (views._("Sources"), Source.objects.visible_to(user).search(text), "events:source-list"),
            (
                views._("Recognitions (notes and instruments)"),
                self.own_text(acts(Recognition.objects.all(), user), text).select_related(
                    "recognizing_state", "recognized_state"
                ),
                "events:recognition-list",
            ),
            (
                views._("Missions (notes and cities)"),
                self.own_text(acts(Mission.objects.all(), user), text).select_related("sending_state", "host_state"),
                "events:mission-list",
            ),
            (
                views._("Delegations (notes, places and occasions)"),
                self.own_text(acts(Delegation.objects.all(), user), text).select_related("sending_state", "host_state"),
                "events:delegation-list",
            ),
        ]
        sections = []
        for title, queryset, list_name in searches:
            results = list(queryset[: views.SEARCH_ROWS + 1])
            sections.append(
                views.SearchSection(
                    title=title,
                    results=results[: views.SEARCH_ROWS],
                    list_url=f"{reverse(list_name)}?{urlencode({'search': text})}",
                    has_more=len(results) > views.SEARCH_ROWS,
                )
            )
        context["sections"] = sections
        context["found"] = sum(len(section.results) for section in sections)
        return context

    def render_to_response(self, context, **response_kwargs):
        with open(engines["django"].engine.find_template("events/search.html")[1].name) as file:
            source = file.read()
        source = source.replace("<ul>{{ section.items }}</ul>", RESULTS_BEFORE)
        assert RESULTS_BEFORE in source
        return TemplateResponse(self.request, engines["django"].from_string(source), context)


def answer(view_class, query, user, language):
    request = RequestFactory().get("/search/", query, secure=True)
    request.user = user
    with translation.override(language), CaptureQueriesContext(connection) as queries:
        response = view_class.as_view()(request)
        response.render()
    body = CSRF.sub('name="csrfmiddlewaretoken" value=""', response.content.decode())
    return response.status_code, body, len(queries.captured_queries)


@pytest.fixture
def archive(demo):
    """The demo archive, with markup in names and texts, a draft state and its act, a withdrawal,
    missions with and without a city, a delegation without a date's day, and more recognitions
    of Kosaria than a section shows."""
    evil = State.objects.create(slug="evil", name='Evil <b>"Kosaria"</b>', name_native="", status="un_member")
    kosaria = State.objects.create(slug="kosaria", name="Kosaria", name_native="Косария", status="unrecognized")
    native = State.objects.create(slug="native", name="", name_native="Только <родное>", status="unrecognized")
    draftland = State.objects.create(slug="draftland", name="Draftland Kosaria", publication_status="draft")
    for year in range(1990, 2015):
        Recognition.objects.create(
            recognizing_state=evil, recognized_state=kosaria, date=str(year), notes=f"Kosaria note {year}"
        )
    Recognition.objects.create(
        recognizing_state=native, recognized_state=kosaria, date="2015-06", action="withdrawal", notes="kosaria"
    )
    Recognition.objects.create(recognizing_state=draftland, recognized_state=evil, date="2016-01-02", notes="Kosaria")
    Recognition.objects.create(
        recognizing_state=evil, recognized_state=native, date="2017", notes="Kosaria", publication_status="draft"
    )
    Mission.objects.create(sending_state=evil, host_state=kosaria, kind="embassy", city="Kosaria <City>", opened="2015")
    Mission.objects.create(sending_state=native, host_state=evil, kind="other", notes="kosaria", opened="2016-03")
    Mission.objects.create(
        sending_state=kosaria, host_state=evil, kind="liaison_office", opened="2011-02-03", notes="Kosaria mission"
    )
    Delegation.objects.create(sending_state=kosaria, host_state=native, date="2016-02", occasion="Kosaria talks")
    Delegation.objects.create(sending_state=evil, host_state=kosaria, date="2018-05-06", notes="Kosaria & co")
    Person.objects.create(slug="kosarian", name="A Kosarian", name_native="Косариец")
    Person.objects.create(slug="hidden", name="Hidden Kosarian", publication_status="draft")
    Source.objects.create(title="On Kosaria", outlet="<Outlet>")
    Source.objects.create(title="Kosaria, secret", publication_status="draft")


@pytest.fixture(params=["anonymous", "editor"])
def visitor(request, django_user_model):
    if request.param == "anonymous":
        return AnonymousUser()
    return request.getfixturevalue(request.param)


TEXTS = ["Kosaria", "kosaria note", "Ko", "Косар", "Южная Осетия", "Кофман", "<b>", "nothing-at-all", "", "  "]


def test_the_search_page_is_the_html_it_was(archive, visitor):
    """Every text in both languages, in a loop: the archive is built once per visitor."""
    for text in TEXTS:
        for language in ("en", "ru"):
            new = answer(views.SearchView, {"q": text}, visitor, language)
            old = answer(ReferenceSearchView, {"q": text}, visitor, language)
            assert new[:2] == old[:2], f"q={text!r} in {language}"
            assert new[2] <= old[2], f"q={text!r} in {language}: {new[2]} queries against {old[2]}"


def test_a_full_section_links_to_the_list(archive):
    status, body, queries = answer(views.SearchView, {"q": "Kosaria"}, AnonymousUser(), "en")
    assert status == 200
    assert body.count("More in the list") >= 1
    assert "Draftland" not in body
    assert queries == 6


def test_drafts_only_for_staff(archive, editor):
    assert "Draftland" in answer(views.SearchView, {"q": "Kosaria"}, editor, "en")[1]
    assert "Hidden Kosarian" in answer(views.SearchView, {"q": "Kosarian"}, editor, "en")[1]
    assert "Hidden Kosarian" not in answer(views.SearchView, {"q": "Kosarian"}, AnonymousUser(), "en")[1]


def test_through_the_site_in_russian(archive, client):
    """The whole stack (middleware, language from the browser) gives the same page."""
    response = client.get("/search/", {"q": "Kosaria"}, HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 200
    body = CSRF.sub('name="csrfmiddlewaretoken" value=""', response.content.decode())
    assert body == answer(ReferenceSearchView, {"q": "Kosaria"}, AnonymousUser(), "ru")[1]
