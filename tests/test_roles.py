"""Who may do what in the workbench: anonymous visitors, readers, editors and superusers over
the admin's pages and writes, the create_editor command, and the lockout after failed sign-ins."""

import datetime
import io
import re

import pytest
from axes.models import AccessAttempt
from bs4 import BeautifulSoup
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management import CommandError, call_command
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from events.admin_site import client_ip_address
from events.models import Recognition, RecognitionCitation

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


def admin_url(name: str, *args) -> str:
    return reverse(f"admin:{name}", args=args)


@pytest.fixture
def act(demo) -> Recognition:
    return Recognition.objects.get(recognized_state__slug="dpr")


@pytest.fixture
def role_client(client, request, django_user_model):
    """A client signed in as the role named by the test's `role` parameter."""
    role = request.getfixturevalue("role")
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    return client


# Each row: page, then the status for anonymous, reader, editor, superuser.
ROLES = ["anonymous", "reader", "editor", "superuser"]
PAGES = {
    "admin index": (lambda act: admin_url("index"), (302, 200, 200, 200)),
    "recognition list": (lambda act: admin_url("events_recognition_changelist"), (302, 200, 200, 200)),
    "recognition add": (lambda act: admin_url("events_recognition_add"), (302, 403, 200, 200)),
    "recognition change": (lambda act: admin_url("events_recognition_change", act.pk), (302, 200, 200, 200)),
    "recognition delete": (lambda act: admin_url("events_recognition_delete", act.pk), (302, 403, 200, 200)),
    "recognition history": (lambda act: admin_url("events_recognition_history", act.pk), (302, 200, 200, 200)),
    "recognition version": (
        lambda act: admin_url("events_recognition_simple_history", act.pk, act.history.earliest().history_id),
        (302, 200, 200, 200),
    ),
    "deleted recognitions": (lambda act: admin_url("events_recognition_deleted"), (302, 200, 200, 200)),
    "recognition import": (lambda act: admin_url("events_recognition_import"), (302, 403, 200, 200)),
    "recognition export": (lambda act: admin_url("events_recognition_export"), (302, 200, 200, 200)),
    "delegation import (export only)": (lambda act: admin_url("events_delegation_import"), (302, 403, 403, 403)),
    "source list": (lambda act: admin_url("events_source_changelist"), (302, 200, 200, 200)),
    "user list": (lambda act: admin_url("auth_user_changelist"), (302, 403, 403, 200)),
    "user add": (lambda act: admin_url("auth_user_add"), (302, 403, 403, 200)),
    "group list": (lambda act: admin_url("auth_group_changelist"), (302, 403, 403, 200)),
    "sign-in lockouts": (lambda act: admin_url("axes_accessattempt_changelist"), (302, 403, 403, 200)),
}
MATRIX = [
    pytest.param(page, role, expected[index], id=f"{page}-{role}")
    for page, (_, expected) in PAGES.items()
    for index, role in enumerate(ROLES)
]


@pytest.mark.parametrize(("page", "role", "expected"), MATRIX)
def test_permission_matrix_over_admin_pages(role_client, act, page, role, expected):
    url = PAGES[page][0](act)
    response = role_client.get(url)
    assert response.status_code == expected
    if expected == 302:
        assert response["Location"].startswith(admin_url("login"))


def test_reader_sees_records_read_only_and_no_write_controls(client, reader, act):
    client.force_login(reader)
    soup = BeautifulSoup(client.get(admin_url("events_recognition_change", act.pk)).content, "html.parser")
    assert soup.select_one("input[name=_save]") is None
    assert soup.select_one("a.deletelink") is None
    listing = BeautifulSoup(client.get(admin_url("events_recognition_changelist")).content, "html.parser")
    assert listing.select_one("select[name=action]") is None
    assert listing.select_one("a.import_link") is None
    assert listing.select_one("a.export_link") is not None
    history = client.get(admin_url("events_recognition_simple_history", act.pk, act.history.earliest().history_id))
    assert BeautifulSoup(history.content, "html.parser").select_one("input[value=Revert]") is None


def test_editor_sees_the_write_controls_but_no_user_management(client, editor, act):
    client.force_login(editor)
    listing = BeautifulSoup(client.get(admin_url("events_recognition_changelist")).content, "html.parser")
    actions = {option["value"] for option in listing.select("select[name=action] option")}
    assert {"publish", "move_to_draft", "delete_selected"} <= actions
    assert listing.select_one("a.import_link") is not None
    index = BeautifulSoup(client.get(admin_url("index")).content, "html.parser")
    links = {a["href"] for a in index.select("#content-main a")}
    assert admin_url("events_recognition_changelist") in links
    assert admin_url("auth_user_changelist") not in links
    assert admin_url("auth_group_changelist") not in links


def recognition_post(act, **overrides) -> dict:
    data = {
        "recognizing_state": act.recognizing_state_id,
        "recognized_state": act.recognized_state_id,
        "action": act.action,
        "date": "2014-07",
        "instrument": "changed",
        "notes": act.notes,
        "publication_status": "published",
        "citations-TOTAL_FORMS": "0",
        "citations-INITIAL_FORMS": "0",
        "citations-MIN_NUM_FORMS": "0",
        "citations-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return data


def snapshot() -> list[tuple]:
    """Everything a refused write could have touched."""
    return [
        *Recognition.objects.order_by("pk").values_list("pk", "date_start", "instrument", "publication_status"),
        *RecognitionCitation.objects.order_by("pk").values_list("pk", "record_id", "source_id"),
        *get_user_model().objects.order_by("pk").values_list("pk", "username", "is_staff", "is_superuser"),
        *Group.objects.order_by("pk").values_list("pk", "name"),
        ("editors' permissions", Group.objects.get(name="Editors").permissions.count()),
    ]


def write(name: str, act, client):
    """The admin's writes, each as its form would post it."""
    version = act.history.earliest()
    writes = {
        "add": lambda: client.post(admin_url("events_recognition_add"), recognition_post(act, date="2016")),
        "change": lambda: client.post(admin_url("events_recognition_change", act.pk), recognition_post(act)),
        "delete": lambda: client.post(admin_url("events_recognition_delete", act.pk), {"post": "yes"}),
        "action move to draft": lambda: client.post(
            admin_url("events_recognition_changelist"),
            {"action": "move_to_draft", "_selected_action": [act.pk], "index": "0"},
        ),
        "revert": lambda: client.post(
            admin_url("events_recognition_simple_history", act.pk, version.history_id),
            recognition_post(act, date="2013", instrument="reverted"),
        ),
        "import": lambda: client.post(
            admin_url("events_recognition_import"),
            {
                "format": "0",
                "import_file": io.BytesIO(b"recognizing_state,recognized_state,date\ndpr,lpr,2016\n"),
            },
        ),
        "user add": lambda: client.post(
            admin_url("auth_user_add"),
            {"username": "intruder", "password1": "a-long-password-1", "password2": "a-long-password-1"},
        ),
        "grant editors user management": lambda: client.post(
            admin_url("auth_group_change", Group.objects.get(name="Editors").pk),
            {
                "name": "Editors",
                "permissions": list(Permission.objects.values_list("pk", flat=True)),
            },
        ),
    }
    return writes[name]()


# Each row: write, then the status for anonymous, reader and editor; none of them changes anything.
REFUSED_WRITES = {
    "add": (302, 403, None),
    "change": (302, 403, None),
    "delete": (302, 403, None),
    # The action is not offered to a reader: Django shows the list again and does nothing.
    "action move to draft": (302, 200, None),
    "revert": (302, 403, None),
    "import": (302, 403, None),
    "user add": (302, 403, 403),
    "grant editors user management": (302, 403, 403),
}
REFUSED = [
    pytest.param(name, role, expected[index], id=f"{name}-{role}")
    for name, expected in REFUSED_WRITES.items()
    for index, role in enumerate(ROLES[:3])
    if expected[index] is not None
]


@pytest.mark.parametrize(("name", "role", "expected"), REFUSED)
def test_refused_writes_change_nothing(role_client, act, name, role, expected):
    before = snapshot()
    response = write(name, act, role_client)
    assert response.status_code == expected
    if expected == 302:
        assert response["Location"].startswith(admin_url("login"))
    assert snapshot() == before


ALLOWED = ["add", "change", "delete", "action move to draft", "revert"]


@pytest.mark.parametrize("name", ALLOWED)
@pytest.mark.parametrize("role", ["editor", "superuser"])
def test_editors_and_superusers_may_write_archive_records(role_client, act, name, role):
    before = snapshot()
    response = write(name, act, role_client)
    assert response.status_code == 302, BeautifulSoup(response.content, "html.parser").select(".errorlist")
    assert snapshot() != before


def test_superuser_may_manage_users(admin_client, act):
    response = write("user add", act, admin_client)
    assert response.status_code == 302
    assert get_user_model().objects.filter(username="intruder").exists()


def test_the_groups_carry_exactly_their_roles(db):
    editors = set(Group.objects.get(name="Editors").permissions.values_list("content_type__app_label", "codename"))
    readers = set(Group.objects.get(name="Readers").permissions.values_list("content_type__app_label", "codename"))
    assert {app for app, _ in editors | readers} == {"events"}
    assert ("events", "delete_recognitioncitation") in editors
    assert ("events", "change_historicalrecognition") in editors
    assert ("events", "delete_historicalrecognition") not in editors
    assert all(codename.startswith("view_") for _, codename in readers)
    assert ("events", "view_historicalparticipant") in readers
    assert len(editors) == 60
    assert len(readers) == 20


# create_editor ---------------------------------------------------------------------------------


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_create_editor_prints_a_password_that_signs_in(db, monkeypatch):
    monkeypatch.delenv("EDITOR_PASSWORD", raising=False)
    output = run("create_editor", "nino", "--email", "nino@example.org")
    password = re.search(r"One-time password, shown only now: (\S+)", output).group(1)
    user = get_user_model().objects.get(username="nino")
    assert user.is_staff
    assert not user.is_superuser
    assert list(user.groups.values_list("name", flat=True)) == ["Editors"]
    request = RequestFactory().post(admin_url("login"))
    assert authenticate(request, username="nino", password=password) == user
    assert user.has_perm("events.change_recognition")
    assert not user.has_perm("auth.change_user")


def test_create_editor_takes_the_password_from_the_environment(db, monkeypatch):
    monkeypatch.setenv("EDITOR_PASSWORD", "a long passphrase for tests")
    output = run("create_editor", "giorgi", "--reader")
    assert "a long passphrase" not in output
    user = get_user_model().objects.get(username="giorgi")
    assert user.check_password("a long passphrase for tests")
    assert list(user.groups.values_list("name", flat=True)) == ["Readers"]
    assert not user.has_perm("events.change_recognition")
    assert user.has_perm("events.view_recognition")


@pytest.mark.parametrize(
    ("existing", "password", "message"),
    [
        (True, "a long passphrase for tests", "already an account"),
        (False, "12345", "too weak"),
    ],
)
def test_create_editor_refuses_with_a_reason(db, monkeypatch, django_user_model, existing, password, message):
    if existing:
        django_user_model.objects.create_user("taken", password=PASSWORD)
    monkeypatch.setenv("EDITOR_PASSWORD", password)
    before = django_user_model.objects.count()
    with pytest.raises(CommandError, match=message):
        run("create_editor", "taken" if existing else "newcomer")
    assert django_user_model.objects.count() == before


def test_an_editor_created_by_the_command_signs_in_and_cannot_manage_users(client, demo, monkeypatch):
    monkeypatch.setenv("EDITOR_PASSWORD", "a long passphrase for tests")
    run("create_editor", "tamar")
    response = client.post(admin_url("login"), {"username": "tamar", "password": "a long passphrase for tests"})
    assert response.status_code == 302
    assert client.get(admin_url("events_recognition_import")).status_code == 200
    assert client.get(admin_url("auth_user_changelist")).status_code == 403


# Lockout ---------------------------------------------------------------------------------------


def sign_in(client, password: str):
    return client.post(admin_url("login"), {"username": "editor", "password": password})


def test_sign_in_is_locked_after_the_configured_failures_and_says_so(client, editor, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = sign_in(client, "wrong guess")
        assert response.status_code == 200
        assert BeautifulSoup(response.content, "html.parser").select_one(".errornote")
    response = sign_in(client, "wrong guess")
    assert response.status_code == 429
    text = BeautifulSoup(response.content, "html.parser").select_one("#content-main").get_text(" ", strip=True)
    assert "failed 3 times in a row" in text
    assert "Try again in 15 minutes" in text
    # Even the right password is refused while the lockout lasts.
    assert sign_in(client, PASSWORD).status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_lockout_ends_after_the_cool_off(client, editor, settings):
    settings.AXES_FAILURE_LIMIT = 2
    for _ in range(2):
        sign_in(client, "wrong guess")
    assert sign_in(client, PASSWORD).status_code == 429
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - datetime.timedelta(seconds=1)
    )
    assert sign_in(client, PASSWORD).status_code == 302
    assert client.get(admin_url("index")).status_code == 200


def test_a_successful_sign_in_forgets_earlier_failures(client, editor, settings):
    settings.AXES_FAILURE_LIMIT = 2
    sign_in(client, "wrong guess")
    assert sign_in(client, PASSWORD).status_code == 302
    client.logout()
    assert sign_in(client, "wrong guess").status_code == 200


def test_other_accounts_are_not_locked_by_someone_elses_failures(client, editor, reader, settings):
    settings.AXES_FAILURE_LIMIT = 2
    for _ in range(2):
        sign_in(client, "wrong guess")
    response = client.post(admin_url("login"), {"username": "reader", "password": PASSWORD})
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("proxies", "forwarded_for", "expected"),
    [
        (0, "203.0.113.7", "10.0.0.2"),
        (1, "203.0.113.7", "203.0.113.7"),
        (1, "198.51.100.66, 203.0.113.7", "203.0.113.7"),
        (2, "198.51.100.66, 203.0.113.7, 10.0.0.9", "203.0.113.7"),
        (1, "", "10.0.0.2"),
    ],
)
def test_failures_are_counted_by_the_address_the_trusted_proxies_saw(settings, proxies, forwarded_for, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    meta = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": forwarded_for}
    assert client_ip_address(RequestFactory().post(admin_url("login"), **meta)) == expected


def test_behind_a_proxy_one_clients_failures_do_not_lock_another_client(client, editor, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.AXES_FAILURE_LIMIT = 2
    for _ in range(2):
        client.post(
            admin_url("login"), {"username": "editor", "password": "wrong"}, HTTP_X_FORWARDED_FOR="198.51.100.66"
        )
    locked = client.post(
        admin_url("login"), {"username": "editor", "password": PASSWORD}, HTTP_X_FORWARDED_FOR="198.51.100.66"
    )
    assert locked.status_code == 429
    elsewhere = client.post(
        admin_url("login"), {"username": "editor", "password": PASSWORD}, HTTP_X_FORWARDED_FOR="203.0.113.7"
    )
    assert elsewhere.status_code == 302
