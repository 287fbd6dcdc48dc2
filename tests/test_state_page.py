"""A state's page, whole, as the template and the view wrote it before its sections were written
in Python (tables.state_sections) and its state looked up through SQL compiled once per process:
every state of an archive with drafts, for a visitor, a reader and an editor who sees drafts, in
English and Russian, today and as of a day. The reference is the page's former template, rendered
with the view's own context but the state as the ORM reads it."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template import engines

from events.models import Delegation, Mission, PublicationStatus, Recognition, Source, State
from events.selectors import is_staff, profile_sections, state_table_rows, with_sources
from events.synthetic import ArchiveSize, generate_synthetic_archive

pytestmark = pytest.mark.django_db

# templates/events/state_detail.html as it was (commit 85e981e).
REFERENCE = r"""{% extends "base.html" %}{% load i18n archive pictures tables %}
{% block title %}{{ object }}{% endblock %}
{% block content %}
<hgroup>
  <h1>{{ object }}{% include "includes/draft.html" with record=object %}</h1>
  {% if object.other_name %}<p>{{ object.other_name }}</p>{% endif %}
</hgroup>

<dl class="record">
  {% if object.short_name or object.short_name_native %}<dt>{% translate "Short name" %}</dt><dd>{{ object.short_name }}{% if object.short_name_native and object.short_name_native != object.short_name %} / {{ object.short_name_native }}{% endif %}</dd>{% endif %}
  <dt>{% translate "Status" %}</dt><dd>{{ object.get_status_display }}</dd>
  {% if object.parent %}<dt>{% translate "Broke away from" %}</dt><dd>{{ object.parent|record_link }}</dd>{% endif %}
  {% if object.declared %}<dt>{% translate "Declared" %}</dt><dd>{{ object.declared|partial_date }}</dd>{% endif %}
  {% if object.dissolved %}<dt>{% translate "Dissolved" %}</dt><dd>{{ object.dissolved|partial_date }}</dd>{% endif %}
  {% if object.capital or object.capital_native %}<dt>{% translate "Capital" %}</dt><dd>{{ object.capital }}{% if object.capital_native and object.capital_native != object.capital %} ({{ object.capital_native }}){% endif %}</dd>{% endif %}
  {% if object.iso3 %}<dt>{% translate "ISO 3166 code" %}</dt><dd>{{ object.iso3 }}</dd>{% endif %}
</dl>
{% if object.description %}<p>{{ object.description|linebreaksbr }}</p>{% endif %}

<section aria-labelledby="status-heading" id="status">
  <h2 id="status-heading">{% translate "Recognition status" %}{% if status_day %} {% translate "as of" %} {{ status_day|partial_date }}{% endif %}</h2>
  <form method="get" action="#status" class="filters">
    {% field_group status_form.date %}
    <div class="filter-actions"><button type="submit">{% translate "Show the status" %}</button>
    <a href="{{ object.get_absolute_url }}#status">{% translate "Today" %}</a></div>
  </form>
  {% if status %}
  <div class="status-lists">
    <article id="status-recognized-by">
      <h3>{% translate "Recognised by" %}</h3>
      <ul>{% status_entries status.recognized_by "recognized_by" %}</ul>
    </article>
    <article id="status-uncertain">
      <h3>{% translate "Uncertain" %}</h3>
      <ul>{% status_entries status.uncertain "uncertain" %}</ul>
    </article>
    <article id="status-withdrawn">
      <h3>{% translate "Withdrew its recognition" %}</h3>
      <ul>{% status_entries status.withdrawn "withdrawn" %}</ul>
    </article>
    <article id="status-recognizes">
      <h3>{% blocktranslate with name=object.display_name %}{{ name }} recognises{% endblocktranslate %}</h3>
      <ul>{% status_entries status.recognizes "recognizes" %}</ul>
    </article>
  </div>
  <p><small class="muted">{% translate "Certain: the act's whole date falls on or before the day. Uncertain: the act is dated only to a month or a year that contains the day, so it may not have happened yet." %}</small></p>
  {% endif %}
</section>

{% sections_timeline_chart sections %}

{% for key, section in sections.items %}
<section aria-labelledby="{{ key }}-heading" id="{{ key }}">
  <h2 id="{{ key }}-heading">{{ section.title }} <small class="muted">({% if section.has_more %}{{ section.rows|length }}+{% else %}{{ section.rows|length }}{% endif %})</small></h2>
  {% if section.rows %}
    {% if key == "recognitions_received" or key == "recognitions_given" %}{% include "includes/recognition_table.html" with rows=section.rows sortable=False %}
    {% elif key == "missions_sent" or key == "missions_hosted" %}{% include "includes/mission_table.html" with rows=section.rows sortable=False %}
    {% else %}{% include "includes/delegation_table.html" with rows=section.rows sortable=False %}{% endif %}
    <p>{% if section.has_more %}<a href="{{ section.list_url }}">{% translate "All of them in the list" %}</a> · {% endif %}<a href="{{ section.list_url }}&amp;format=csv" download>{% translate "Download CSV" %}</a></p>
  {% else %}
    <p class="muted">{% translate "None in the archive." %}</p>
  {% endif %}
</section>
{% endfor %}

{% include "includes/cite.html" with cite_title=object.display_name %}
{% endblock %}
"""
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')


@pytest.fixture
def archive():
    generate_synthetic_archive(ArchiveSize(states=8, recognitions=300, missions=120, delegations=120, seed=5))
    states = list(State.objects.order_by("pk"))
    states[0].publication_status = PublicationStatus.DRAFT
    states[0].save()
    states[2].parent = states[0]  # a draft parent: shown to staff only
    states[2].save()
    states[3].parent = states[1]
    states[3].name_native = 'Evil <b>"other"</b> & name'
    states[3].capital = "Cap & <i>ital</i>"
    states[3].save()
    State.objects.create(slug="empty", name="Empty", name_native="Пусто", status=states[1].status)
    for model in (Recognition, Mission, Delegation):
        act = model.objects.order_by("pk").first()
        act.publication_status = PublicationStatus.DRAFT
        act.save()
    source = Source.objects.order_by("pk").first()
    source.publication_status = PublicationStatus.DRAFT
    source.save()
    return State.objects.order_by("pk")


def orm_state(slug: str, user) -> State | None:
    """The state as Django's DetailView read it: one query with its parent, a draft parent hidden."""
    found = State.objects.visible_to(user).select_related("parent").filter(slug=slug).first()
    if found is not None and found.parent_id and found.parent.is_draft and not is_staff(user):
        found.parent = None
    return found


def reference(response, state: State) -> str:
    context = {}
    for layer in response.context:
        for dictionary in layer.dicts:
            context.update(dictionary)
    context.update(object=state, state=state)
    return engines["django"].from_string(REFERENCE).render(context, request=response.wsgi_request)


def same_page(response, state: State) -> None:
    assert response.status_code in (200, 400)
    page = CSRF.sub("", response.content.decode())
    assert page == CSRF.sub("", reference(response, state)), state.slug


@pytest.mark.parametrize("who", ["visitor", "reader", "editor"])
@pytest.mark.parametrize("language", ["en", "ru"])
@pytest.mark.parametrize("query", ["", "?date=2000-01-01", "?date=1990-06", "?date=nonsense"])
def test_every_state_page_is_the_page_the_template_wrote(client, archive, who, language, query, request):
    user = AnonymousUser() if who == "visitor" else request.getfixturevalue(who)
    if who != "visitor":
        client.force_login(user)
    for state in archive:
        response = client.get(f"/states/{state.slug}/{query}", HTTP_ACCEPT_LANGUAGE=language)
        expected = orm_state(state.slug, user)
        if expected is None:
            assert response.status_code == 404
            continue
        same_page(response, expected)


def test_the_object_is_the_orm_record(client, archive, editor):
    """Every field of the state, and of its parent, as the ORM reads them."""
    client.force_login(editor)
    for state in archive:
        found = client.get(f"/states/{state.slug}/").context["object"]
        expected = orm_state(state.slug, editor)
        assert type(found) is State
        assert {f.attname: getattr(found, f.attname) for f in State._meta.concrete_fields} == {
            f.attname: getattr(expected, f.attname) for f in State._meta.concrete_fields
        }
        if expected.parent_id:
            assert found.parent == expected.parent
            assert {f.attname: getattr(found.parent, f.attname) for f in State._meta.concrete_fields} == {
                f.attname: getattr(expected.parent, f.attname) for f in State._meta.concrete_fields
            }
        assert not found._state.adding
        assert found._state.db == expected._state.db


def test_unknown_and_draft_states_are_not_found(client, archive):
    assert client.get("/states/no-such-state/").status_code == 404
    assert client.get(f"/states/{archive[0].slug}/").status_code == 404


SIDES = {
    Recognition: ("recognized_state", "recognizing_state"),
    Mission: ("sending_state", "host_state"),
    Delegation: ("sending_state", "host_state"),
}


def as_values(rows) -> list[dict]:
    return [{name: value for name, value in row.__dict__.items()} for row in rows]


@pytest.mark.parametrize("who", ["visitor", "editor"])
@pytest.mark.parametrize(("limit", "shown"), [(26, 25), (4, 3), (1, 0)])
def test_profile_sections_are_the_rows_and_sources_of_one_section_at_a_time(archive, who, limit, shown, request):
    """`profile_sections` (both sides of a kind in one query, the sources of all in one) gives
    each section the rows of `state_table_rows`, and its first `shown` rows the sources and heads
    of `with_sources`, the same values of the same types."""
    user = AnonymousUser() if who == "visitor" else request.getfixturevalue(who)
    for state in archive:
        found = profile_sections(SIDES, state.pk, user, limit, shown)
        assert set(found) == {(model, side) for model, sides in SIDES.items() for side in sides}
        for model, sides in SIDES.items():
            expected_shown = []
            for side in sides:
                expected = state_table_rows(model, side, state.pk, user, limit)
                assert as_values(found[(model, side)][shown:]) == as_values(expected[shown:]), (state.slug, side)
                expected_shown.append((found[(model, side)][:shown], expected[:shown]))
            with_sources([row for _found, expected in expected_shown for row in expected], model, user)
            for rows, expected in expected_shown:
                assert as_values(rows) == as_values(expected), (state.slug, model.__name__)
                for row, other in zip(rows, expected, strict=True):
                    for citation, other_citation in zip(row.cited, other.cited, strict=True):
                        assert type(citation.source.published) is type(other_citation.source.published)
                    assert [type(value) for value in row.__dict__.values()] == [
                        type(value) for value in other.__dict__.values()
                    ]
