"""The bad-input corpus (tests/data/bad_inputs.json) thrown at every API write, every filter of
the API and of the website's lists, and the workbench's forms: never a 500; a refusal is a 400
or a form error that names the field, and changes nothing; text that is accepted is stored as
sent and shown escaped on the pages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from django.db import models
from django.test import Client
from django.urls import reverse
from django.utils.html import escape
from rest_framework.authtoken.models import Token

from events.api.urls import router
from events.backup import archive_models
from events.models import Delegation, Mission, Person, Recognition, Source, State

pytestmark = pytest.mark.django_db

CORPUS_FILE = Path(__file__).parent / "data" / "bad_inputs.json"


def expand(value):
    """A corpus value as sent: {"repeat": s, "times": n} is s repeated n times."""
    if isinstance(value, dict) and "repeat" in value:
        return value["repeat"] * value["times"]
    if isinstance(value, dict) and "bytes_hex" in value:
        return bytes.fromhex(value["bytes_hex"])
    if isinstance(value, dict) and value.get("wrong_shapes"):
        return WRONG_SHAPES
    return value


WRONG_SHAPES = object()


CORPUS = json.loads(CORPUS_FILE.read_text(encoding="utf-8"))
TEXTS = {name: expand(value) for name, value in CORPUS["texts"].items()}
DATES = [expand(value) for value in CORPUS["dates"]]
FILTER_VALUES = [expand(value) for value in CORPUS["filter_values"]]
BODIES = {name: expand(value) for name, value in CORPUS["bodies"].items()}

# Each API resource: a valid body to create one (with a slot for a unique value), its model, the
# website list that shows it, and its partial or plain dates with whether they are required.
RESOURCES = {
    "states": (State, {"slug": "bad-{n}", "name": "Badland {n}", "status": "unrecognized"}, {"declared": False}),
    "persons": (Person, {"slug": "bad-person-{n}", "name": "Bad Person {n}"}, {}),
    "sources": (Source, {"title": "Bad source {n}"}, {"published": False}),
    "recognitions": (
        Recognition,
        {"recognizing_state": "lpr", "recognized_state": "ukraine", "date": "19{n:02d}"},
        {"date": True},
    ),
    "missions": (
        Mission,
        {"sending_state": "lpr", "host_state": "ukraine", "kind": "other", "opened": "19{n:02d}"},
        {"opened": True, "closed": False},
    ),
    "delegations": (
        Delegation,
        {"sending_state": "lpr", "host_state": "ukraine", "date": "19{n:02d}"},
        {"date": True},
    ),
}
# The workbench's own tests cover its date messages; these are the corpus's worst.
WORKBENCH_DATES = ["0000-00-00", "2014-02-30", "99999-01-01", "yesterday", "2014-06-01' OR '1'='1"]
# Date inputs a date field may accept, with the one value they can mean.
LENIENT_DATES = {None: None, "": None, "2014-6-1": "2014-06-01"}
WEBSITE_LISTS = ["state-list", "person-list", "source-list", "recognition-list", "mission-list", "delegation-list"]
WEBSITE_PAGES = [*WEBSITE_LISTS, "search", "timeline"]


# Characters that mean something in HTML or in templates: texts with them are looked at on the page.
MARKUP = set("<>&\"'{")


def free_text_fields(model: type[models.Model]) -> list[models.Field]:
    """The columns where any text is allowed: no choices, no slug or URL format, no pattern."""
    return [
        field
        for field in model._meta.concrete_fields
        if isinstance(field, (models.CharField, models.TextField))
        and field.editable
        and not field.choices
        and not isinstance(field, (models.SlugField, models.URLField))
        and not any(type(validator).__name__ == "RegexValidator" for validator in field.validators)
        and field.name not in {"language"}
    ]


def archive_state() -> dict[str, list[dict]]:
    return {model._meta.db_table: list(model._base_manager.order_by("pk").values()) for model in archive_models()}


def body_for(resource: str, number: int, **overrides) -> dict:
    _, template, _ = RESOURCES[resource]
    body = {key: value.format(n=number) if isinstance(value, str) else value for key, value in template.items()}
    return body | overrides


def utf8_json(body: dict) -> str:
    """JSON as clients send it, in UTF-8 rather than \\u escapes: a 100,000-character text in every
    field of a record then stays below Django's 2.5 MB limit on a request body."""
    return json.dumps(body, ensure_ascii=False)


@pytest.fixture
def api(demo, editor) -> Client:
    client = Client()
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {Token.objects.create(user=editor).key}"
    return client


def assert_no_injected_markup(html: str) -> None:
    """What the corpus's markup would become if it were not escaped."""
    soup = BeautifulSoup(html, "html.parser")
    assert not [tag for tag in soup.find_all("script") if "alert" in tag.get_text()]
    assert not soup.find_all(attrs={"onerror": True})
    assert not soup.find_all(attrs={"onfocus": True})
    assert not [tag for tag in soup.find_all("b") if tag.get_text() == "bold"]


# --- API writes ----------------------------------------------------------------------------------


def expected_refusals(model: type[models.Model], text: str) -> set[str]:
    """The fields that must refuse `text`: none takes a NUL; a short one refuses a long text."""
    fields = free_text_fields(model)
    if "\x00" in text:
        return {field.name for field in fields}
    return {field.name for field in fields if isinstance(field, models.CharField) and len(text) > field.max_length}


@pytest.mark.parametrize("resource", RESOURCES)
def test_hostile_text_in_every_text_field_of_the_api(api, resource):
    model = RESOURCES[resource][0]
    fields = free_text_fields(model)
    assert fields, f"{resource} has free text fields"
    for number, (name, text) in enumerate(TEXTS.items()):
        before = archive_state()
        body = body_for(resource, number, **{field.name: text for field in fields})
        response = api.post(f"/api/{resource}/", utf8_json(body), content_type="application/json")
        refusals = expected_refusals(model, text)
        if refusals:
            assert response.status_code == 400, (name, response.status_code)
            assert refusals <= set(response.json()), (name, response.content[:500])
            assert archive_state() == before, name
            continue
        assert response.status_code == 201, (name, response.content[:300])
        assert all(response.json()[field.name] == text for field in fields), name
        record = model.objects.get(pk=response.json()["id"])
        assert all(getattr(record, field.name) == text for field in fields), name
        if not MARKUP.intersection(text):
            continue
        page = Client().get(record.get_absolute_url())
        assert page.status_code == 200, name
        html = page.content.decode()
        assert_no_injected_markup(html)
        assert escape(text) in html or escape(text[:200]) in html, f"{name}: not shown, or not escaped"


@pytest.mark.parametrize("resource", [name for name, (_, _, dates) in RESOURCES.items() if dates])
def test_bad_dates_are_refused_naming_the_field(api, resource):
    model, _, dates = RESOURCES[resource]
    for number, (field, required) in enumerate(dates.items()):
        for value in DATES:
            before = archive_state()
            response = api.post(
                f"/api/{resource}/", body_for(resource, 50 + number, **{field: value}), content_type="application/json"
            )
            if response.status_code == 201:
                # Only "no date" for a date that may be unknown, and a plain date written without
                # leading zeros, are requests with one reading.
                record = model.objects.get(pk=response.json()["id"])
                stored = getattr(record, field)
                assert not required, (field, value)
                assert value in LENIENT_DATES, (field, value)
                assert (stored.isoformat() if stored else None) == LENIENT_DATES[value], (field, value)
                record.delete()
                continue
            assert response.status_code == 400, (field, value, response.status_code)
            assert field in response.json(), (field, value, response.json())
            assert archive_state() == before, (field, value)


@pytest.mark.parametrize("resource", RESOURCES)
def test_bodies_that_are_not_an_object_are_refused(api, resource):
    model = RESOURCES[resource][0]
    target = api.post(f"/api/{resource}/", body_for(resource, 90), content_type="application/json").json()["url"]
    shapes = {field.name: [["x"], {"a": 1}][n % 2] for n, field in enumerate(free_text_fields(model))}
    for name, body in BODIES.items():
        body = json.dumps(shapes) if body is WRONG_SHAPES else body
        for method, url in (("post", f"/api/{resource}/"), ("patch", target)):
            before = archive_state()
            response = getattr(api, method)(url, body, content_type="application/json")
            if method == "patch" and name == "empty":
                assert response.status_code == 200, "an empty PATCH changes nothing and says so"
                continue
            assert response.status_code == 400, (name, method, response.status_code, response.content[:200])
            assert isinstance(response.json(), dict), (name, method)
            assert archive_state() == before, (name, method)
    assert model.objects.count() > 0


def test_the_token_endpoint_refuses_malformed_bodies(demo, editor):
    client = Client()
    for name, body in BODIES.items():
        body = "{}" if body is WRONG_SHAPES else body
        response = client.post("/api/auth/token/", body, content_type="application/json")
        assert response.status_code == 400, (name, response.status_code)
        assert "token" not in response.json()
    assert not Token.objects.exists()


@pytest.mark.parametrize("content_type", CORPUS["content_types"])
def test_wrong_content_types_are_refused_or_understood(api, content_type):
    before = archive_state()
    body = json.dumps(body_for("sources", 95))
    response = api.post("/api/sources/", body, content_type=content_type)
    assert response.status_code in {201, 400, 415}, (content_type, response.status_code)
    if response.status_code == 201:
        # Only JSON in another declared charset is a request the API should understand.
        assert content_type.startswith("application/json")
    else:
        assert archive_state() == before
        assert isinstance(response.json(), dict)


# --- Filters and pages -----------------------------------------------------------------------------


def filters_of(resource: str) -> list[str]:
    """Every filter the API list takes: its FilterSet's, shared with the website."""
    viewset = next(viewset for prefix, viewset, _ in router.registry if prefix == resource)
    return list(viewset.filterset_class.base_filters)


@pytest.mark.parametrize("resource", RESOURCES)
def test_every_api_filter_answers_bad_values_with_400_or_results(demo, resource):
    client = Client()
    names = filters_of(resource)
    for value in FILTER_VALUES:
        response = client.get(f"/api/{resource}/", dict.fromkeys(names, value))
        assert response.status_code in {200, 400}, (value[:50], response.status_code)
        if response.status_code == 400:
            assert set(response.json()) <= set(names), response.json()
    for page in CORPUS["pages"]:
        assert client.get(f"/api/{resource}/", {"page": page}).status_code in {200, 400, 404}, page
    for size in CORPUS["page_sizes"]:
        assert client.get(f"/api/{resource}/", {"page_size": size}).status_code in {200, 400}, size


@pytest.mark.parametrize("page", WEBSITE_PAGES)
def test_every_website_list_filter_answers_bad_values_without_error(demo, page):
    client = Client()
    url = reverse(f"events:{page}")
    names = ["search", "q", "state", "sending", "host", "person", "recognizing", "recognized", "status", "kind"]
    names += ["city", "active_on", "date_after", "date_before", "action", "outlet", "language", "ordering", "date"]
    for value in FILTER_VALUES:
        response = client.get(url, dict.fromkeys(names, value))
        assert response.status_code in {200, 400}, (page, value[:50], response.status_code)
        assert_no_injected_markup(response.content.decode())
    for number in CORPUS["pages"]:
        assert client.get(url, {"page": number}).status_code in {200, 400, 404}, (page, number)


def test_invalid_utf8_and_odd_query_strings_never_fail(demo):
    client = Client()
    urls = [f"/api/{resource}/" for resource in RESOURCES] + [reverse(f"events:{page}") for page in WEBSITE_PAGES]
    statuses = {
        (url, raw): client.get(f"{url}?{raw}").status_code for raw in CORPUS["raw_query_strings"] for url in urls
    }
    assert {key: status for key, status in statuses.items() if status not in {200, 400, 404}} == {}


# --- The workbench's forms -------------------------------------------------------------------------


def form_errors(response) -> set[str]:
    """The fields a Django admin form marks as wrong (Django names each error list id_<field>_error)."""
    soup = BeautifulSoup(response.content, "html.parser")
    return {
        element["id"].removeprefix("id_").removesuffix("_error")
        for element in soup.select("ul.errorlist[id]")
        if element["id"].endswith("_error")
    }


def test_hostile_text_in_the_workbench_forms(admin_client, demo):
    fields = [field.name for field in free_text_fields(Person)]
    for number, (name, text) in enumerate(TEXTS.items()):
        before = archive_state()
        data = {"slug": f"hostile-{number}", "publication_status": "published", **dict.fromkeys(fields, text)}
        response = admin_client.post(reverse("admin:events_person_add"), data)
        refusals = expected_refusals(Person, text)
        if refusals:
            assert response.status_code == 200, name
            assert refusals <= form_errors(response), (name, form_errors(response))
            assert archive_state() == before, name
            continue
        assert response.status_code == 302, (name, form_errors(response))
        person = Person.objects.get(slug=f"hostile-{number}")
        assert person.name == text
        for url in (reverse("admin:events_person_changelist"), person.get_absolute_url()):
            html = admin_client.get(url).content.decode()
            assert_no_injected_markup(html)


def test_bad_dates_in_the_workbench_forms_name_the_field(admin_client, demo):
    states = {state.slug: state.pk for state in State.objects.all()}
    management = {
        "citations-TOTAL_FORMS": "0",
        "citations-INITIAL_FORMS": "0",
        "citations-MIN_NUM_FORMS": "0",
        "citations-MAX_NUM_FORMS": "1000",
    }
    for value in WORKBENCH_DATES:
        before = archive_state()
        data = {
            "recognizing_state": states["lpr"],
            "recognized_state": states["ukraine"],
            "action": "recognition",
            "date": value,
            "publication_status": "published",
            **management,
        }
        response = admin_client.post(reverse("admin:events_recognition_add"), data)
        assert response.status_code == 200, value
        assert "date" in form_errors(response), (value, form_errors(response))
        assert archive_state() == before, value
