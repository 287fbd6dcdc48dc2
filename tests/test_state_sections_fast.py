"""The quick paths of a state's profile sections and chart, on cases the page comparisons of
tests/test_state_page.py may not meet: statements run with named placeholders, a row citing one
source or several, quotations and names holding markup, a mission kind outside the choices, heads
hidden from visitors, a state whose acts cite nothing. Each compared with what the ORM and the
former templates gave."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.template import Context, Template
from django.template.loader import get_template
from django.utils import translation

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
)
from events.selectors import _Named, profile_sections, state_table_rows, table_rows, visible_acts, with_sources
from events.templatetags.pictures import _chart, records_chart_data
from tests.test_views_rendering import BEFORE, DRAFT, SOURCES_CELL, TAG, loaded_as_before, render

pytestmark = pytest.mark.django_db

MARKUP = "Q <b>\"bold\"</b> & 'it'"
SIDES = {
    Recognition: ("recognized_state", "recognizing_state"),
    Mission: ("sending_state", "host_state"),
    Delegation: ("sending_state", "host_state"),
}


@pytest.fixture
def acts():
    """Kosaria's acts, citing no source, one, one twice, or two; a mission of a kind the choices
    do not know; a delegation whose heads are a published person and a draft one; Quiet, whose
    acts cite nothing and whose delegation has no head."""
    kosaria = State.objects.create(slug="kosaria", name="Kosaria", name_native="Косария", status="unrecognized")
    aldia = State.objects.create(slug="aldia", name='Aldia "<i>"', name_native="Алдия & Co", status="un_member")
    quiet = State.objects.create(slug="quiet", name="Quiet", name_native="", status="un_member")
    dated = Source.objects.create(title="Dated", outlet=f"Outlet {MARKUP}", published=datetime.date(1999, 2, 3))
    titled = Source.objects.create(title=f"Title {MARKUP}")
    hidden = Source.objects.create(title="Hidden", publication_status=PublicationStatus.DRAFT)
    recognitions = [
        Recognition.objects.create(recognizing_state=aldia, recognized_state=kosaria, date=f"199{n}") for n in range(5)
    ]
    RecognitionCitation.objects.create(record=recognitions[1], source=dated, quotation=MARKUP)
    RecognitionCitation.objects.create(record=recognitions[2], source=titled)
    RecognitionCitation.objects.create(record=recognitions[3], source=dated, quotation="first")
    RecognitionCitation.objects.create(record=recognitions[3], source=dated, quotation="")
    RecognitionCitation.objects.create(record=recognitions[3], source=dated, quotation="second <q>")
    RecognitionCitation.objects.create(record=recognitions[4], source=titled, quotation="one")
    RecognitionCitation.objects.create(record=recognitions[4], source=hidden, quotation="hidden")
    RecognitionCitation.objects.create(record=recognitions[4], source=dated)
    odd = Mission.objects.create(sending_state=kosaria, host_state=aldia, kind="secret <kind>", opened="2001-02")
    closed = Mission.objects.create(
        sending_state=aldia, host_state=kosaria, kind="embassy", city="", opened="1990", closed="2000-01-02"
    )
    MissionCitation.objects.create(record=odd, source=hidden)
    MissionCitation.objects.create(record=closed, source=titled, quotation=MARKUP)
    delegation = Delegation.objects.create(sending_state=kosaria, host_state=aldia, date="2002-03-04", occasion="Talks")
    DelegationCitation.objects.create(record=delegation, source=dated)
    shown = Person.objects.create(slug="shown", name="Shown <p>", name_native="Показан")
    draft = Person.objects.create(slug="draft-head", name="Draft", publication_status=PublicationStatus.DRAFT)
    Participant.objects.create(delegation=delegation, person=draft, role="head", position="Chief")
    Participant.objects.create(delegation=delegation, person=shown, role="head", position=MARKUP)
    Recognition.objects.create(recognizing_state=quiet, recognized_state=aldia, date="2010")
    Mission.objects.create(sending_state=quiet, host_state=aldia, kind="consulate", opened="2011")
    Delegation.objects.create(sending_state=quiet, host_state=aldia, date="2012", occasion="Visit")
    return [kosaria, aldia, quiet]


def test_named_statements_give_the_rows_of_positional_ones(acts):
    """`_Named` runs a statement with named placeholders (with `%%` left for a literal percent
    sign) and gives the rows of the statement as the ORM wrote it."""
    sql = 'SELECT "slug", "name" FROM "events_state" WHERE "slug" LIKE %s AND "name" NOT LIKE \'%%Z%%\' AND "id" > %s'
    for params in (["%a%", 0], ["k%", 1], ["nothing", 0]):
        with connection.cursor() as cursor:
            cursor.execute(sql + ' ORDER BY "id"', params)
            expected = cursor.fetchall()
        statement = _Named(sql + ' ORDER BY "id"', params, connection.vendor)
        assert statement.named
        assert [tuple(row) for row in statement.rows(params)] == [tuple(row) for row in expected]
    assert not _Named("SELECT 7 % 2, %s", [1], connection.vendor).named
    with pytest.raises(AssertionError):
        _Named("SELECT %s, %s", [1], connection.vendor)


def test_profile_sections_are_the_orm_rows_with_their_sources_and_heads(acts, editor):
    for user in (AnonymousUser(), editor):
        for state in acts:
            found = profile_sections(SIDES, state.pk, user, 26, 25)
            for model, sides in SIDES.items():
                expected = [state_table_rows(model, side, state.pk, user, 26) for side in sides]
                with_sources([row for rows in expected for row in rows], model, user)
                for side, rows in zip(sides, expected, strict=True):
                    assert [row.__dict__ for row in found[(model, side)]] == [row.__dict__ for row in rows]
    heads = profile_sections(SIDES, acts[0].pk, AnonymousUser(), 26, 25)[(Delegation, "sending_state")][0].heads
    assert [head.person.slug for head in heads] == ["shown"]
    assert [type(head.person.name) for head in heads] == [str]


def test_profile_sections_of_a_state_without_acts_of_one_kind(acts, editor):
    """The citations and heads of the kinds a state has acts of, read without a part for the
    kind it has none of (the missions, between the two others in the union): each part's rows
    go to their own kind."""
    aldia = acts[1]
    lone = State.objects.create(slug="lone", name="Lone", name_native="Одинокая", status="un_member")
    dated = Source.objects.get(title="Dated")
    recognition = Recognition.objects.create(recognizing_state=lone, recognized_state=aldia, date="2005")
    RecognitionCitation.objects.create(record=recognition, source=dated, quotation="given")
    delegation = Delegation.objects.create(sending_state=aldia, host_state=lone, date="2006-07", occasion="Visit")
    DelegationCitation.objects.create(record=delegation, source=dated, quotation="hosted")
    Participant.objects.create(delegation=delegation, person=Person.objects.get(slug="shown"), role="head")
    for user in (AnonymousUser(), editor):
        found = profile_sections(SIDES, lone.pk, user, 26, 25)
        for model, sides in SIDES.items():
            expected = [state_table_rows(model, side, lone.pk, user, 26) for side in sides]
            with_sources([row for rows in expected for row in rows], model, user)
            for side, rows in zip(sides, expected, strict=True):
                assert [row.__dict__ for row in found[(model, side)]] == [row.__dict__ for row in rows]
        assert [citation.quotation for citation in found[(Recognition, "recognizing_state")][0].cited] == ["given"]
        assert not found[(Mission, "sending_state")]
        assert not found[(Mission, "host_state")]
        hosted = found[(Delegation, "host_state")][0]
        assert [citation.quotation for citation in hosted.cited] == ["hosted"]
        assert [head.person.slug for head in hosted.heads] == ["shown"]


def test_rows_are_the_html_the_table_templates_wrote(acts, editor):
    for language in ("en", "ru"):
        with translation.override(language):
            for user in (AnonymousUser(), editor):
                for model in (Recognition, Mission, Delegation):
                    before = render(
                        BEFORE[model].replace("DRAFT", DRAFT).replace("SOURCES", SOURCES_CELL),
                        rows=loaded_as_before(model, user),
                    )
                    rows = with_sources(table_rows(visible_acts(model.objects.all(), user)), model, user)
                    assert render(f"{{% {TAG[model]} rows %}}", rows=rows) == before, (language, model)
                    assert render(f"{{% {TAG[model]} rows %}}", rows=loaded_as_before(model, user)) == before


def test_the_chart_attribute_is_the_escaped_json_of_its_data(acts, editor):
    """A mark's label for a mission kind outside the choices, names with markup and quotes."""
    for language in ("en", "ru"):
        with translation.override(language):
            for user in (AnonymousUser(), editor):
                sections = {
                    model.__name__: SimpleNamespace(rows=table_rows(visible_acts(model.objects.all(), user)))
                    for model in (Recognition, Mission, Delegation)
                }
                records = [record for section in sections.values() for record in section.rows]
                data = records_chart_data(records)
                assert any(
                    "Secret &lt;kind&gt;" in mark["label"] or "Secret <kind>" in mark["label"] for mark in data["marks"]
                )
                expected = get_template("includes/timeline_chart.html").render(_chart(data, "timeline-chart"))
                written = Template("{% load pictures %}{% sections_timeline_chart sections %}").render(
                    Context({"sections": sections})
                )
                assert written == expected, (language, user)


# The heading and record of templates/events/state_detail.html before `{% state_record %}`.
RECORD_BEFORE = """<hgroup>
  <h1>{{ object }}{% if object.is_draft %} <mark class="badge">{% translate "draft" %}</mark>{% endif %}
</h1>
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
{% if object.description %}<p>{{ object.description|linebreaksbr }}</p>{% endif %}"""


def test_the_state_record_is_what_the_template_wrote(acts):
    """`{% state_record %}`, `|state_address` and `|ymd` against the template they replaced, for
    states with every field and with none, markup and line breaks, a draft, a parent, a status
    outside the choices."""
    kosaria, aldia, quiet = acts
    full = State.objects.create(
        slug="full",
        name=MARKUP,
        name_native="Полная <b>",
        short_name="F&F",
        short_name_native="Ф",
        capital="Cap <i>",
        capital_native="Кап & <u>",
        iso3="FUL",
        status="partially_recognized",
        parent=aldia,
        declared="1991-08",
        dissolved="2001",
        description="First line <b>\r\nsecond & last\nthird",
        publication_status=PublicationStatus.DRAFT,
    )
    same = State.objects.create(
        slug="same",
        name="Same",
        name_native="Same",
        short_name="S",
        short_name_native="S",
        capital="C",
        capital_native="C",
        status="not a choice",
        declared="1990-01-02",
    )
    only_native = State.objects.create(
        slug="native", name="", name_native="Родная", short_name_native="Р", capital_native="Ск"
    )
    for language in ("en", "ru"):
        with translation.override(language):
            for state in (kosaria, aldia, quiet, full, same, only_native):
                state = State.objects.select_related("parent").get(pk=state.pk)
                assert render("{% state_record object %}", object=state) == render(RECORD_BEFORE, object=state), (
                    language,
                    state.slug,
                )
                assert render("{{ object|state_address }}", object=state) == render(
                    "{{ object.get_absolute_url }}", object=state
                )
    for day in (datetime.date(2024, 1, 2), datetime.date(987, 11, 30)):
        assert render("{{ day|ymd }}", day=day) == render('{{ day|date:"Y-m-d" }}', day=day)
    moment = datetime.datetime(2024, 1, 2, 23, 30, tzinfo=datetime.UTC)
    assert render("{{ day|ymd }}", day=moment) == render('{{ day|date:"Y-m-d" }}', day=moment)
