"""The acts' tables, a state's status lists and its timeline chart, as a reader sees them.

These rows are written in Python (events/templatetags/tables.py, events/templatetags/pictures.py)
rather than through a template per row. The first tests read the pages: links, escaping, the
draft badge, the "unsourced" mark, names and dates in Russian. The last ones render the same rows
through the templates the pages used before and check that a reader gets the same HTML.
"""

from __future__ import annotations

import datetime
import json
import re
from types import SimpleNamespace

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import AnonymousUser
from django.db.models import Prefetch
from django.template import Context, Template
from django.template.loader import get_template
from django.utils import translation

from events import filtersets
from events.forms import StatusAsOfForm
from events.models import (
    Delegation,
    DelegationCitation,
    Mission,
    MissionCitation,
    Participant,
    Person,
    Recognition,
    RecognitionCitation,
    Source,
    State,
)
from events.pictures import acts_of_records, timeline_chart_data
from events.querysets import recognition_status
from events.selectors import (
    citations_prefetch,
    participants_queryset,
    profile_status,
    table_rows,
    visible_acts,
    with_sources,
)
from events.templatetags.pictures import _chart, records_chart_data
from events.views import prepare_filter_form
from events.widgets import field_group

pytestmark = pytest.mark.django_db

RUSSIAN = {"HTTP_ACCEPT_LANGUAGE": "ru"}
EVIL = 'Evil <script>alert("x")</script> & Co'
QUOTATION = 'He said "yes" <script>steal()</script>'


def page(response) -> BeautifulSoup:
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


def text_of(element) -> str:
    return " ".join(element.get_text().split())


def body_rows(soup: BeautifulSoup, section: str | None = None) -> list:
    scope = soup.select_one(f"section#{section}") if section else soup
    return scope.select("table tbody tr")


def cells(row) -> list[str]:
    return [text_of(td) for td in row.find_all("td")]


@pytest.fixture
def archive(db):
    """Kosaria, recognised by Aldia and (until it withdrew, in 2016) by a state whose name is
    markup; one draft recognition; missions open and closed; a delegation with its head."""
    kosaria = State.objects.create(slug="kosaria", name="Kosaria", name_native="Косария", status="unrecognized")
    aldia = State.objects.create(slug="aldia", name="Aldia", name_native="Алдия", status="un_member")
    evil = State.objects.create(slug="evil", name=EVIL, status="un_member")
    report = Source.objects.create(title="Report", outlet='Outlet <b>"O"</b>', published=datetime.date(2015, 4, 28))
    secret = Source.objects.create(title="Secret file", publication_status="draft")
    untitled = Source.objects.create(title="Title <only>")
    records = {
        "kosaria": kosaria,
        "aldia": aldia,
        "evil": evil,
        "report": report,
        "secret": secret,
        "cited": Recognition.objects.create(
            recognizing_state=evil, recognized_state=kosaria, date="2015-04-28", instrument="Note <script>x</script>"
        ),
        "unsourced": Recognition.objects.create(recognizing_state=aldia, recognized_state=kosaria, date="2014-06"),
        "withdrawal": Recognition.objects.create(
            recognizing_state=evil, recognized_state=kosaria, action="withdrawal", date="2016"
        ),
        "given": Recognition.objects.create(recognizing_state=kosaria, recognized_state=aldia, date="2015-04-28"),
        "draft": Recognition.objects.create(
            recognizing_state=aldia, recognized_state=kosaria, date="2013-01-02", publication_status="draft"
        ),
        "open_mission": Mission.objects.create(
            sending_state=evil, host_state=kosaria, kind="embassy", city="Town <i>", opened="2015-05"
        ),
        "closed_mission": Mission.objects.create(
            sending_state=kosaria, host_state=aldia, kind="consulate_general", opened="2010", closed="2019-03-04"
        ),
        "delegation": Delegation.objects.create(
            sending_state=kosaria, host_state=evil, date="2016-02-03", place="Place <x>", occasion='Talks & "tea"'
        ),
    }
    RecognitionCitation.objects.create(record=records["cited"], source=report, quotation=QUOTATION)
    RecognitionCitation.objects.create(record=records["cited"], source=report, quotation="Second <quote>")
    RecognitionCitation.objects.create(record=records["cited"], source=secret, quotation="hidden")
    RecognitionCitation.objects.create(record=records["given"], source=untitled)
    MissionCitation.objects.create(record=records["open_mission"], source=report)
    DelegationCitation.objects.create(record=records["delegation"], source=report)
    head = Person.objects.create(slug="ivan-petrov", name="Ivan Petrov", name_native="Иван Петров")
    hidden_head = Person.objects.create(slug="hidden", name="Hidden Head", publication_status="draft")
    member = Person.objects.create(slug="member", name="Just A Member")
    Participant.objects.create(delegation=records["delegation"], person=head, role="head", position="Minister <y>")
    Participant.objects.create(delegation=records["delegation"], person=hidden_head, role="head")
    Participant.objects.create(delegation=records["delegation"], person=member, role="member")
    return records


def test_a_recognition_row_links_its_act_states_and_sources(client, archive):
    soup = page(client.get("/recognitions/?recognized=kosaria&ordering=-date"))
    row = next(row for row in body_rows(soup) if "28 April 2015" in text_of(row))
    date, recognizing, act, recognized, instrument, sources = row.find_all("td")
    assert date.a["href"] == f"/recognitions/{archive['cited'].pk}/"
    assert str(date.a.time) == '<time datetime="2015-04-28">28 April 2015</time>'
    assert (recognizing.a["href"], recognizing.a.get_text()) == ("/states/evil/", EVIL)
    assert text_of(act) == "recognition"
    assert (recognized.a["href"], recognized.a.get_text()) == ("/states/kosaria/", "Kosaria")
    assert instrument.get_text() == "Note <script>x</script>"
    # One link per source, the quotations taken from it in its title; the draft source hidden.
    [link] = sources.select("li a")
    assert link["href"] == f"/sources/{archive['report'].pk}/"
    assert link.get_text() == 'Outlet <b>"O"</b>, 2015-04-28'
    assert link["title"] == f"{QUOTATION} … Second <quote>"
    # The names and texts with markup are shown as text, never run.
    assert not soup.find("script", string=re.compile("alert|steal"))
    assert b"Evil &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co" in client.get("/recognitions/").content


def test_unsourced_rows_say_so_and_a_source_without_outlet_shows_its_title(client, archive):
    soup = page(client.get("/recognitions/"))
    by_date = {cells(row)[0]: row for row in body_rows(soup)}
    assert by_date["June 2014"].select_one("mark.badge").get_text() == "unsourced"
    assert by_date["2016"].select_one("td:last-child mark.badge").get_text() == "unsourced"
    assert by_date["28 April 2015"].select_one("td:last-child mark") is None
    given = next(row for row in body_rows(soup) if cells(row)[1] == "Kosaria")
    assert text_of(given.find_all("td")[-1]) == "Title <only>"
    assert given.find_all("td")[-1].a.get("title") is None


def test_drafts_are_marked_for_staff_and_hidden_from_visitors(client, editor, archive):
    visitor = page(client.get("/recognitions/"))
    assert "2 January 2013" not in [cells(row)[0] for row in body_rows(visitor)]
    assert not visitor.select("tbody mark.badge:-soup-contains('draft')")
    client.force_login(editor)
    staff = page(client.get("/recognitions/"))
    draft = next(row for row in body_rows(staff) if cells(row)[0].startswith("2 January 2013"))
    first = draft.find("td")
    assert first.a["href"] == f"/recognitions/{archive['draft'].pk}/"
    assert first.select_one("mark.badge").get_text() == "draft"
    assert cells(draft)[0] == "2 January 2013 draft"
    # Staff see the draft source too, with its quotation.
    cited = next(row for row in body_rows(staff) if cells(row)[0] == "28 April 2015")
    assert [link.get_text() for link in cited.select("td:last-child a")] == [
        'Outlet <b>"O"</b>, 2015-04-28',
        "Secret file",
    ]
    assert cited.select("td:last-child a")[1]["title"] == "hidden"


def test_missions_and_delegations_rows(client, archive):
    missions = {cells(row)[0]: cells(row) for row in body_rows(page(client.get("/missions/")))}
    assert missions["May 2015"] == [
        "May 2015",
        "open",
        "embassy",
        EVIL,
        "Kosaria",
        "Town <i>",
        'Outlet <b>"O"</b>, 2015-04-28',
    ]
    assert missions["2010"] == ["2010", "4 March 2019", "consulate general", "Kosaria", "Aldia", "—", "unsourced"]
    [row] = body_rows(page(client.get("/delegations/")))
    assert cells(row)[:4] == ["3 February 2016", "Kosaria", EVIL, 'Talks & "tea" (Place <x>)']
    # Only the delegation's heads, and no draft person for a visitor.
    assert [(a["href"], text_of(li)) for li in row.select("td:nth-of-type(5) li") for a in li.select("a")] == [
        ("/persons/ivan-petrov/", "Ivan Petrov, Minister <y>")
    ]


def test_rows_in_russian(client, archive):
    soup = page(client.get("/recognitions/?recognized=kosaria", **RUSSIAN))
    assert [cells(row)[:4] for row in body_rows(soup)] == [
        ["июнь 2014", "Алдия", "признание", "Косария"],
        ["28 апреля 2015", EVIL, "признание", "Косария"],
        ["2016", EVIL, "отзыв признания", "Косария"],
    ]
    heads = page(client.get("/delegations/", **RUSSIAN)).select("tbody td:nth-of-type(5) a")
    assert [text_of(a) for a in heads] == ["Иван Петров"]
    assert text_of(page(client.get("/missions/", **RUSSIAN)).select("tbody tr")[1].find_all("td")[1]) == "действует"


def test_the_status_lists_of_a_profile(client, archive):
    soup = page(client.get("/states/kosaria/?date=2017-01-01"))

    def entries(list_id: str) -> list[tuple[str, list[str]]]:
        items = soup.select(f"#{list_id} li")
        return [(text_of(li), [a["href"] for a in li.select("a")]) for li in items]

    unsourced, given = archive["unsourced"], archive["given"]
    withdrawal = archive["withdrawal"]
    assert entries("status-recognized-by") == [
        ("Aldia since June 2014", ["/states/aldia/", f"/recognitions/{unsourced.pk}/"]),
    ]
    assert entries("status-withdrawn") == [(f"{EVIL} in 2016", ["/states/evil/", f"/recognitions/{withdrawal.pk}/"])]
    assert entries("status-uncertain") == [("None.", [])]
    assert entries("status-recognizes") == [
        ("Aldia since 28 April 2015", ["/states/aldia/", f"/recognitions/{given.pk}/"])
    ]
    # Within the year of the withdrawal, it may not have happened yet.
    soup = page(client.get("/states/kosaria/?date=2016-05-01"))
    assert entries("status-uncertain") == [
        (
            f"{EVIL} — a withdrawal dated 2016, which contains this day",
            ["/states/evil/", f"/recognitions/{withdrawal.pk}/"],
        )
    ]
    soup = page(client.get("/states/kosaria/?date=2015-01-01", **RUSSIAN))
    assert entries("status-recognized-by") == [
        ("Алдия с июнь 2014", ["/states/aldia/", f"/recognitions/{unsourced.pk}/"])
    ]
    assert [text_of(li) for li in soup.select("#status-recognizes li")] == [
        "Ни одно государство, насколько известно архиву."
    ]


def test_a_profile_shows_each_section_and_its_chart(client, archive):
    soup = page(client.get("/states/kosaria/"))
    received = body_rows(soup, "recognitions_received")
    assert [cells(row)[0] for row in received] == ["June 2014", "28 April 2015", "2016"]
    assert [cells(row)[:2] for row in body_rows(soup, "missions_sent")] == [["2010", "4 March 2019"]]
    assert [text_of(a) for a in soup.select("section#delegations_sent tbody td:nth-of-type(5) a")] == ["Ivan Petrov"]
    chart = json.loads(soup.select_one("figure[data-timeline-chart]")["data-timeline-chart"])
    labels = [mark["label"] for mark in chart["marks"]]
    assert f"{EVIL} recognised Kosaria" in labels
    assert "Consulate general of Kosaria closed in Aldia" in labels
    assert {mark["url"] for mark in chart["marks"]} >= {f"/recognitions/{archive['cited'].pk}/"}


def test_the_filter_dropdowns_escape_names_and_keep_the_choice(client, archive):
    soup = page(client.get("/recognitions/?recognized=kosaria"))
    recognized = soup.select_one("select[name=recognized]")
    assert [option["value"] for option in recognized.select("option[selected]")] == ["kosaria"]
    assert soup.select_one("select[name=recognizing] option[selected]")["value"] == ""
    assert EVIL in [option.get_text() for option in recognized.select("option")]
    assert soup.select_one("select[name=state] option[value=evil]").get_text() == EVIL
    assert not soup.find("script", string=re.compile("alert"))


# --- The same HTML as the templates the rows replaced --------------------------------------

SOURCES_CELL = (
    "{% with cited=record.citations.all|cited_sources %}{% if cited %}<ul>{% for source, quotations in cited %}"
    '<li><a href="{{ source.get_absolute_url }}"{% if quotations %} title="{{ quotations|join:\' … \' }}"{% endif %}>'
    '{{ source.outlet|default:source.title }}{% if source.published %}, {{ source.published|date:"Y-m-d" }}{% endif %}'
    '</a></li>{% endfor %}</ul>{% else %}<mark class="badge">{% translate "unsourced" %}</mark>{% endif %}{% endwith %}'
)
DRAFT = '{% if record.is_draft %} <mark class="badge">{% translate "draft" %}</mark>{% endif %}'
BEFORE = {
    Recognition: """{% for record in rows %}
    <tr>
      <td><a href="{{ record.get_absolute_url }}">{{ record.date|partial_date }}</a>DRAFT</td>
      <td>{{ record.recognizing_state|record_link }}</td>
      <td>{{ record.get_action_display }}</td>
      <td>{{ record.recognized_state|record_link }}</td>
      <td>{{ record.instrument }}</td>
      <td>SOURCES</td>
    </tr>
  {% empty %}
    <tr><td colspan="6">{% translate "No recognitions." %}</td></tr>
  {% endfor %}""",
    Mission: """{% for record in rows %}
    <tr>
      <td><a href="{{ record.get_absolute_url }}">{{ record.opened|partial_date }}</a>DRAFT</td>
      <td>{% if record.closed %}{{ record.closed|partial_date }}{% else %}<span class="muted">{% translate "open" %}</span>{% endif %}</td>
      <td>{{ record.get_kind_display }}</td>
      <td>{{ record.sending_state|record_link }}</td>
      <td>{{ record.host_state|record_link }}</td>
      <td>{{ record.city|default:"—" }}</td>
      <td>SOURCES</td>
    </tr>
  {% empty %}
    <tr><td colspan="7">{% translate "No missions." %}</td></tr>
  {% endfor %}""",
    Delegation: """{% for record in rows %}
    <tr>
      <td><a href="{{ record.get_absolute_url }}">{{ record.date|partial_date }}</a>DRAFT</td>
      <td>{{ record.sending_state|record_link }}</td>
      <td>{{ record.host_state|record_link }}</td>
      <td>{{ record.occasion }}{% if record.place %} <span class="muted">({{ record.place }})</span>{% endif %}</td>
      <td><ul>{% for participant in record.participants.all %}{% if participant.side == "delegation" and participant.role == "head" %}<li><a href="{{ participant.person.get_absolute_url }}">{{ participant.person }}</a>{% if participant.position %}, <span class="muted">{{ participant.position }}</span>{% endif %}</li>{% endif %}{% endfor %}</ul></td>
      <td>SOURCES</td>
    </tr>
  {% empty %}
    <tr><td colspan="6">{% translate "No delegations." %}</td></tr>
  {% endfor %}""",
}
TAG = {Recognition: "recognition_rows", Mission: "mission_rows", Delegation: "delegation_rows"}
STATUS_BEFORE = {
    "recognized_by": '{% for entry in entries %}<li>{{ entry.state|record_link }} <span class="muted">{% translate "since" %} <a href="{{ entry.recognition.get_absolute_url }}">{{ entry.since|partial_date }}</a></span></li>{% empty %}<li class="muted">{% translate "No state, as far as the archive knows." %}</li>{% endfor %}',
    "uncertain": '{% for entry in entries %}<li>{{ entry.state|record_link }} <span class="muted">— {% if entry.recognition.action == "withdrawal" %}{% translate "a withdrawal dated" %}{% else %}{% translate "a recognition dated" %}{% endif %} <a href="{{ entry.recognition.get_absolute_url }}">{{ entry.since|partial_date }}</a>, {% translate "which contains this day" %}</span></li>{% empty %}<li class="muted">{% translate "None." %}</li>{% endfor %}',
    "withdrawn": '{% for entry in entries %}<li>{{ entry.state|record_link }} <span class="muted">{% translate "in" %} <a href="{{ entry.recognition.get_absolute_url }}">{{ entry.since|partial_date }}</a></span></li>{% empty %}<li class="muted">{% translate "None." %}</li>{% endfor %}',
    "recognizes": '{% for entry in entries %}<li>{{ entry.state|record_link }} <span class="muted">{% translate "since" %} <a href="{{ entry.recognition.get_absolute_url }}">{{ entry.since|partial_date }}</a></span></li>{% empty %}<li class="muted">{% translate "No state, as far as the archive knows." %}</li>{% endfor %}',
}


def render(text: str, **context) -> str:
    return Template("{% load i18n archive tables %}" + text).render(Context(context))


def loaded_as_before(model, user):
    """The rows as the pages read them before: whole records, sources and participants in managers."""
    queryset = visible_acts(model.objects.all(), user).select_related(*model.objects.none().state_fields)
    prefetches = [citations_prefetch(model, user)]
    if model is Delegation:
        prefetches.append(Prefetch("participants", queryset=participants_queryset(user)))
    return list(queryset.prefetch_related(*prefetches))


@pytest.fixture(params=["visitor", "staff"])
def user(request, editor):
    return editor if request.param == "staff" else AnonymousUser()


@pytest.mark.parametrize("language", ["en", "ru"])
@pytest.mark.parametrize("model", [Recognition, Mission, Delegation])
def test_rows_are_the_html_the_table_templates_wrote(archive, user, language, model):
    with translation.override(language):
        before = render(
            BEFORE[model].replace("DRAFT", DRAFT).replace("SOURCES", SOURCES_CELL), rows=loaded_as_before(model, user)
        )
        rows = with_sources(table_rows(visible_acts(model.objects.all(), user)), model, user)
        assert render(f"{{% {TAG[model]} rows %}}", rows=rows) == before
        assert render(f"{{% {TAG[model]} rows %}}", rows=[]) == render(BEFORE[model], rows=[])


@pytest.mark.parametrize("language", ["en", "ru"])
@pytest.mark.parametrize("day", ["2015-01-01", "2016-05-01", "2017-01-01"])
def test_status_lists_are_the_html_the_template_wrote(archive, user, language, day):
    with translation.override(language):
        status = recognition_status(state=archive["kosaria"], day=datetime.date.fromisoformat(day), user=user)
        for kind, before in STATUS_BEFORE.items():
            entries = getattr(status, kind)
            assert render(f'{{% status_entries entries "{kind}" %}}', entries=entries) == render(
                before, entries=entries
            )


@pytest.mark.parametrize("language", ["en", "ru"])
@pytest.mark.parametrize("day", ["2015-01-01", "2016-05-01", "2017-01-01"])
def test_the_profile_status_lists_are_the_html_the_template_wrote(archive, user, language, day):
    """The page's status (StatusRows of `profile_status`), as the template wrote the reference's
    entries (`recognition_status`, records), the same links written once for both lists."""
    day = datetime.date.fromisoformat(day)
    with translation.override(language):
        for state in State.objects.all():
            status = recognition_status(state=state, day=day, user=user)
            rows = profile_status(state=state, day=day, user=user)
            both = "".join(
                f'{{% status_entries {name}.{kind} "{kind}" %}}'
                for kind in STATUS_BEFORE
                for name in ("rows", "entries")
            )
            before = "".join(render(STATUS_BEFORE[kind], entries=getattr(status, kind)) * 2 for kind in STATUS_BEFORE)
            assert render(both, rows=rows, entries=status) == before, state.slug


@pytest.mark.parametrize("language", ["en", "ru"])
def test_the_profile_chart_is_the_data_of_timeline_chart_data(archive, user, language):
    with translation.override(language):
        rows = [
            row
            for model in (Recognition, Mission, Delegation)
            for row in table_rows(visible_acts(model.objects.all(), user))
        ]
        records = [record for model in (Recognition, Mission, Delegation) for record in loaded_as_before(model, user)]
        assert records_chart_data(rows) == timeline_chart_data(acts_of_records(records))
        kinds = {mark["kind"] for mark in records_chart_data(rows)["marks"]}
        assert kinds == {"recognition", "withdrawal", "mission_opened", "mission_closed", "delegation"}


@pytest.mark.parametrize("language", ["en", "ru"])
def test_the_profile_chart_attribute_is_the_escaped_json_of_its_data(archive, user, language):
    """The state page's chart writes its escaped JSON itself (`sections_timeline_chart`): the same
    HTML as the chart's template given `records_chart_data` and json.dumps."""
    with translation.override(language):
        sections = {
            model.__name__: SimpleNamespace(
                rows=with_sources(table_rows(visible_acts(model.objects.all(), user)), model, user)
            )
            for model in (Recognition, Mission, Delegation)
        }
        records = [record for section in sections.values() for record in section.rows]
        expected = get_template("includes/timeline_chart.html").render(
            _chart(records_chart_data(records), "timeline-chart")
        )
        assert "&quot;marks&quot;" in expected
        assert "&lt;script&gt;" in expected
        assert (
            Template("{% load pictures %}{% sections_timeline_chart sections %}").render(
                Context({"sections": sections})
            )
            == expected
        )
        empty = {"none": SimpleNamespace(rows=[])}
        assert Template("{% load pictures %}{% sections_timeline_chart sections %}").render(
            Context({"sections": empty})
        ) == (get_template("includes/timeline_chart.html").render(_chart(records_chart_data([]), "timeline-chart")))


FILTER_PAGES = [
    (filtersets.RecognitionFilterSet, {"recognized": "kosaria", "action": "withdrawal", "date_after": "2015-01-01"}),
    (filtersets.RecognitionFilterSet, {"recognizing": "nowhere", "date_before": "not a date", "ordering": "-date"}),
    (filtersets.MissionFilterSet, {"kind": "embassy", "host": "kosaria"}),
    (filtersets.DelegationFilterSet, {"sending": "kosaria", "person": "no-such-person"}),
    (filtersets.StateFilterSet, {}),
    (filtersets.PersonFilterSet, {"search": '<script>"x"</script>'}),
    (filtersets.SourceFilterSet, {}),
]


@pytest.mark.parametrize("language", ["en", "ru"])
@pytest.mark.parametrize("query", [{}, {"date": "2015-06-01"}, {"date": "June"}])
def test_the_status_day_field_is_the_html_of_as_field_group(language, query):
    with translation.override(language):
        form = StatusAsOfForm(query)
        form.is_valid()
        assert field_group(form["date"]) == str(form["date"].as_field_group())


@pytest.mark.parametrize("language", ["en", "ru"])
@pytest.mark.parametrize(("filterset_class", "query"), FILTER_PAGES)
def test_filter_fields_are_the_html_of_as_field_group(rf, archive, language, filterset_class, query):
    """The filter forms' fields, labels, help texts and errors, as Django's field template wrote them."""
    request = rf.get("/", query)
    request.user = AnonymousUser()
    with translation.override(language):
        filterset = filterset_class(request.GET, queryset=filterset_class._meta.model.objects.all(), request=request)
        filterset.is_valid()
        form = prepare_filter_form(filterset.form, request.user)
        for field in form:
            assert field_group(field) == str(field.as_field_group()), field.name


def test_the_filter_form_keeps_each_choice_and_shows_errors(client, archive):
    soup = page(client.get("/recognitions/?action=withdrawal&ordering=-date&search=<b>x</b>"))
    assert soup.select_one("select[name=action] option[selected]")["value"] == "withdrawal"
    assert soup.select_one("select[name=ordering] option[selected]")["value"] == "-date"
    assert soup.select_one("input[name=search]")["value"] == "<b>x</b>"
    assert soup.select_one("label[for=id_action]").get_text() == "Action:"
    response = client.get("/recognitions/?date_after=soon")
    assert response.status_code == 400
    errors = BeautifulSoup(response.content, "html.parser").select_one("input[name=date_after]").find_previous("ul")
    assert "errorlist" in errors["class"]
