"""Who may do what: anonymous visitors, readers, editors and superusers against every API
operation, every page of the editors' workbench and every form that changes something, each
with the status expected. Every refused write leaves every archive table exactly as it was.
Session-authenticated API writes need the CSRF token; token-authenticated ones do not."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from events.backup import archive_models
from events.models import Delegation, Mission, Person, PublicationStatus, Recognition, Source, State

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "reader", "editor", "superuser"]


def archive_state() -> dict[str, list[dict]]:
    """Every row of every archive table, history included: what a refused write must not touch."""
    return {model._meta.db_table: list(model._base_manager.order_by("pk").values()) for model in archive_models()}


@pytest.fixture
def accounts(demo, reader, editor, superuser) -> dict:
    return {"reader": reader, "editor": editor, "superuser": superuser}


def signed_in(role: str, accounts: dict, **client_options) -> Client:
    client = Client(**client_options)
    if role != "anonymous":
        client.force_login(accounts[role])
    return client


@dataclass(frozen=True)
class Resource:
    """One kind of record: its API name, how to make a record to act on, and bodies the model accepts."""

    name: str
    model: type
    lookup: str
    create: dict
    update: dict
    patch: dict

    def target(self, number: int):
        """A new record of this kind, kept apart from the others by its number, that nothing
        refers to, so that deleting it is allowed."""
        lpr, ukraine = State.objects.get(slug="lpr"), State.objects.get(slug="ukraine")
        year = str(2000 + number)
        values = {
            "states": {"slug": f"target-land-{number}", "name": f"Targetland {number}", "status": "unrecognized"},
            "persons": {"slug": f"target-person-{number}", "name": "Target Person"},
            "sources": {"title": "Target source"},
            "recognitions": {"recognizing_state": lpr, "recognized_state": ukraine, "date": year},
            "missions": {"sending_state": lpr, "host_state": ukraine, "kind": "other", "opened": year},
            "delegations": {"sending_state": lpr, "host_state": ukraine, "date": year},
        }[self.name]
        return self.model.objects.create(**values)


RESOURCES = [
    Resource(
        "states",
        State,
        "slug",
        create={"slug": "newland", "name": "Newland", "status": "unrecognized"},
        update={"slug": "renamed-land", "name": "Renamed Land", "status": "unrecognized"},
        patch={"description": "Changed."},
    ),
    Resource(
        "persons",
        Person,
        "slug",
        create={"slug": "new-person", "name": "New Person"},
        update={"slug": "renamed-person", "name": "Renamed Person"},
        patch={"notes": "Changed."},
    ),
    Resource(
        "sources",
        Source,
        "pk",
        create={"title": "A new source"},
        update={"title": "Target source, renamed"},
        patch={"summary": "Changed."},
    ),
    Resource(
        "recognitions",
        Recognition,
        "pk",
        create={"recognizing_state": "lpr", "recognized_state": "dpr", "date": "2021-05"},
        update={"recognizing_state": "lpr", "recognized_state": "ukraine", "date": "2020", "instrument": "decree"},
        patch={"notes": "Changed."},
    ),
    Resource(
        "missions",
        Mission,
        "pk",
        create={"sending_state": "lpr", "host_state": "dpr", "kind": "embassy", "opened": "2021"},
        update={"sending_state": "lpr", "host_state": "ukraine", "kind": "other", "opened": "2020", "city": "Kyiv"},
        patch={"notes": "Changed."},
    ),
    Resource(
        "delegations",
        Delegation,
        "pk",
        create={"sending_state": "lpr", "host_state": "dpr", "date": "2021-06-01", "occasion": "talks"},
        update={"sending_state": "lpr", "host_state": "ukraine", "date": "2020", "occasion": "renamed"},
        patch={"notes": "Changed."},
    ),
]

# --- The API -----------------------------------------------------------------------------------

OPERATIONS = ("list", "detail", "draft", "create", "update", "patch", "delete")
WRITES = {"create", "update", "patch", "delete"}
# The status of each operation by role, the same for every resource ("draft": a draft's detail).
API_MATRIX = {
    "anonymous": dict(zip(OPERATIONS, (200, 200, 404, 401, 401, 401, 401), strict=True)),
    "reader": dict(zip(OPERATIONS, (200, 200, 200, 403, 403, 403, 403), strict=True)),
    "editor": dict(zip(OPERATIONS, (200, 200, 200, 201, 200, 200, 204), strict=True)),
    "superuser": dict(zip(OPERATIONS, (200, 200, 200, 201, 200, 200, 204), strict=True)),
}


def token_headers(user) -> dict:
    if user is None:
        return {}
    return {"HTTP_AUTHORIZATION": f"Token {Token.objects.get_or_create(user=user)[0].key}"}


def prepare(resource: Resource, operation: str) -> tuple[str, object | None]:
    """The address an operation goes to, and the record it acts on (made before the snapshot)."""
    base = f"/api/{resource.name}/"
    if operation in {"list", "create"}:
        return base, None
    target = resource.target(OPERATIONS.index(operation))
    if operation == "draft":
        target.publication_status = PublicationStatus.DRAFT
        target.save()
    return f"{base}{getattr(target, resource.lookup)}/", target


def send(client: Client, resource: Resource, operation: str, url: str, headers: dict):
    if operation == "create":
        return client.post(url, resource.create, content_type="application/json", **headers)
    if operation == "update":
        return client.put(url, resource.update, content_type="application/json", **headers)
    if operation == "patch":
        return client.patch(url, resource.patch, content_type="application/json", **headers)
    if operation == "delete":
        return client.delete(url, **headers)
    return client.get(url, **headers)


def api_outcome(client: Client, resource: Resource, operation: str, headers: dict) -> tuple[int, str]:
    """The status of one operation, and whether the database shows what that status promises."""
    url, target = prepare(resource, operation)
    before = archive_state()
    count = resource.model.objects.count()
    response = send(client, resource, operation, url, headers)
    status = response.status_code
    if operation not in WRITES:
        return status, "read"
    if status >= 400:
        return status, "unchanged" if archive_state() == before else "CHANGED"
    if operation == "create":
        record = resource.model.objects.filter(pk=response.json()["id"]).first()
        done = resource.model.objects.count() == count + 1 and record.history.get().history_type == "+"
    elif operation == "delete":
        done = not resource.model.objects.filter(pk=target.pk).exists()
    else:
        history = resource.model.objects.get(pk=target.pk).history.order_by("history_id")
        done = [row.history_type for row in history] == ["+", "~"]
    return status, "written" if done else "NOT WRITTEN"


def expected_api_outcome(role: str, operation: str) -> tuple[int, str]:
    status = API_MATRIX[role][operation]
    if operation not in WRITES:
        return status, "read"
    return status, "unchanged" if status >= 400 else "written"


@pytest.mark.parametrize("role", ROLES)
def test_api_operations_by_role(accounts, role):
    """Every resource, every operation, authenticated by token (anonymous: none)."""
    client = Client()
    headers = token_headers(accounts.get(role))
    observed = {
        (resource.name, operation): api_outcome(client, resource, operation, headers)
        for resource in RESOURCES
        for operation in OPERATIONS
    }
    expected = {key: expected_api_outcome(role, key[1]) for key in observed}
    assert {key: (value, expected[key]) for key, value in observed.items() if value != expected[key]} == {}


def test_api_reads_beyond_the_records(accounts):
    """The index, the schema, a state's status and the network: open to every role."""
    urls = [
        "/api/",
        "/api/schema/",
        "/api/states/south-ossetia/recognition-status/?date=2015-05-01",
        "/api/network/?date=2015-05-01",
    ]
    client = Client()
    observed = {
        (role, url): client.get(url, **token_headers(accounts.get(role))).status_code for role in ROLES for url in urls
    }
    assert {key: status for key, status in observed.items() if status != 200} == {}


def test_every_account_gets_its_own_token(accounts):
    for role in ("reader", "editor", "superuser"):
        response = Client().post(
            "/api/auth/token/", {"username": accounts[role].username, "password": "correct horse battery staple"}
        )
        assert response.status_code == 200, role
        assert response.json()["token"] == Token.objects.get(user=accounts[role]).key


# --- CSRF on session-authenticated writes --------------------------------------------------------


def csrf_token(client: Client) -> str:
    """The token a signed-in page hands to the browser (the admin's index sets the cookie)."""
    client.get(reverse("admin:index"))
    return client.cookies["csrftoken"].value


def test_session_writes_without_the_csrf_token_are_refused(accounts):
    client = signed_in("editor", accounts, enforce_csrf_checks=True)
    target = RESOURCES[2].target(1)
    before = archive_state()
    attempts = {
        "create": client.post("/api/sources/", {"title": "Forged"}, content_type="application/json"),
        "patch": client.patch(f"/api/sources/{target.pk}/", {"title": "Forged"}, content_type="application/json"),
        "delete": client.delete(f"/api/sources/{target.pk}/"),
    }
    assert {name: response.status_code for name, response in attempts.items()} == dict.fromkeys(attempts, 403)
    assert all("CSRF" in response.json()["detail"] for response in attempts.values())
    assert archive_state() == before


def test_session_writes_with_the_csrf_token_are_accepted(accounts):
    client = signed_in("editor", accounts, enforce_csrf_checks=True)
    token = csrf_token(client)
    response = client.post(
        "/api/sources/", {"title": "Sent from the page"}, content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert response.status_code == 201
    assert Source.objects.filter(title="Sent from the page").exists()


def test_token_writes_need_no_csrf_token(accounts):
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/api/sources/",
        {"title": "Sent by a script"},
        content_type="application/json",
        **token_headers(accounts["editor"]),
    )
    assert response.status_code == 201
    assert Source.objects.filter(title="Sent by a script").exists()


def test_admin_forms_without_the_csrf_token_are_refused(accounts):
    client = signed_in("editor", accounts, enforce_csrf_checks=True)
    before = archive_state()
    response = client.post(reverse("admin:events_source_add"), {"title": "Forged", "publication_status": "published"})
    assert response.status_code == 403
    assert archive_state() == before


# --- The editors' workbench ----------------------------------------------------------------------

ADMIN_PAGES = ("changelist", "add", "change", "history", "delete")
# GET of each workbench page of an archive model, by role (anonymous: redirected to sign in).
ADMIN_MATRIX = {
    "anonymous": dict.fromkeys(ADMIN_PAGES, 302),
    "reader": {"changelist": 200, "add": 403, "change": 200, "history": 200, "delete": 403},
    "editor": dict.fromkeys(ADMIN_PAGES, 200),
    "superuser": dict.fromkeys(ADMIN_PAGES, 200),
}
# Accounts, groups and API tokens are the superuser's alone.
ACCOUNT_PAGES = ("admin:auth_user_changelist", "admin:auth_group_changelist", "admin:authtoken_tokenproxy_changelist")
ACCOUNT_MATRIX = {"anonymous": 302, "reader": 403, "editor": 403, "superuser": 200}
# POST of the forms that change something: the status, and whether the change happened.
ADMIN_WRITE_MATRIX = {
    "anonymous": (302, "unchanged"),
    "reader": (403, "unchanged"),
    "editor": (302, "written"),
    "superuser": (302, "written"),
}


def admin_url(model: type, page: str, obj=None) -> str:
    name = f"admin:events_{model._meta.model_name}_{page}"
    return reverse(name, args=[obj.pk]) if page in {"change", "history", "delete"} else reverse(name)


@pytest.mark.parametrize("role", ROLES)
def test_workbench_pages_by_role(accounts, role):
    client = signed_in(role, accounts)
    observed = {}
    for number, resource in enumerate(RESOURCES):
        target = resource.target(number)
        for page in ADMIN_PAGES:
            response = client.get(admin_url(resource.model, page, target))
            observed[(resource.name, page)] = response.status_code
            if response.status_code == 302:
                assert response["Location"].startswith(reverse("admin:login"))
    for name in ACCOUNT_PAGES:
        observed[(name, "changelist")] = client.get(reverse(name)).status_code
    expected = {key: ADMIN_MATRIX[role][key[1]] for key in observed if key[0] not in ACCOUNT_PAGES}
    expected |= {(name, "changelist"): ACCOUNT_MATRIX[role] for name in ACCOUNT_PAGES}
    assert {key: (value, expected[key]) for key, value in observed.items() if value != expected[key]} == {}


def admin_writes(client: Client) -> dict[str, tuple[int, str]]:
    """Each kind of workbench form that changes the archive, sent once; what happened."""
    outcomes = {}

    def attempt(name: str, url: str, data: dict, happened) -> None:
        before = archive_state()
        status = client.post(url, data).status_code
        if happened():
            outcomes[name] = (status, "written")
        else:
            outcomes[name] = (status, "unchanged" if archive_state() == before else "CHANGED")

    attempt(
        "add a person",
        admin_url(Person, "add"),
        {"name": "Added Person", "slug": "added-person", "publication_status": "published"},
        lambda: Person.objects.filter(slug="added-person").exists(),
    )
    person = RESOURCES[1].target(1)
    attempt(
        "change a person",
        admin_url(Person, "change", person),
        {"name": "Changed Person", "slug": person.slug, "publication_status": "published"},
        lambda: Person.objects.filter(name="Changed Person").exists(),
    )
    for number, resource in enumerate(RESOURCES, start=2):
        target = resource.target(number)
        attempt(
            f"delete a {resource.model._meta.model_name}",
            admin_url(resource.model, "delete", target),
            {"post": "yes"},
            lambda resource=resource, target=target: not resource.model.objects.filter(pk=target.pk).exists(),
        )
    draft = RESOURCES[2].target(9)
    draft.publication_status = PublicationStatus.DRAFT
    draft.save()
    attempt(
        "publish a draft",
        admin_url(Source, "changelist"),
        {"action": "publish", "_selected_action": [draft.pk]},
        lambda: Source.objects.get(pk=draft.pk).publication_status == PublicationStatus.PUBLISHED,
    )
    return outcomes


@pytest.mark.parametrize("role", ROLES)
def test_workbench_forms_by_role(accounts, role):
    observed = admin_writes(signed_in(role, accounts))
    expected = dict.fromkeys(observed, ADMIN_WRITE_MATRIX[role])
    if role == "reader":
        # The publish action is not offered to readers: the list answers and does nothing.
        expected["publish a draft"] = (200, "unchanged")
    assert {key: (value, expected[key]) for key, value in observed.items() if value != expected[key]} == {}


def test_the_language_switch_changes_no_record(accounts):
    """The website's one form: it sets the reader's language and nothing else."""
    before = archive_state()
    for role in ROLES:
        response = signed_in(role, accounts).post(reverse("set_language"), {"language": "ru", "next": "/"})
        assert response.status_code == 302, role
    assert archive_state() == before
