import importlib
import os
from collections import defaultdict
from types import SimpleNamespace

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import Group
from django.db import connection
from django.utils import translation
from rest_framework.throttling import SimpleRateThrottle

from events.demo import load_demo_data

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def pytest_collection_modifyitems(config, items):
    """PostgreSQL-only tests run when DATABASE_URL names PostgreSQL; elsewhere they say why they skip."""
    if connection.vendor == "postgresql":
        return
    reason = "needs PostgreSQL: set DATABASE_URL=postgres://... (CI runs it in its PostgreSQL pass)"
    for item in items:
        if "postgresql" in item.keywords:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Tests create many accounts; production's PBKDF2 takes seconds each on a busy machine."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def no_rate_limits(monkeypatch):
    """Tests send requests far faster than people do: the API's rate limits are off unless a test
    sets one (tests/test_rate_limits.py). DRF reads the rates once, into this class attribute."""
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", defaultdict(lambda: None))


@pytest.fixture(autouse=True)
def default_language_afterwards():
    """A request in Russian leaves Russian active in the test's thread (LocaleMiddleware never
    deactivates it); the next test starts in the default language again."""
    yield
    translation.deactivate()


@pytest.fixture
def demo(db):
    load_demo_data()


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser("admin", "admin@example.org", "correct horse battery staple")


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


def _member_of(django_user_model, username: str, group_name: str):
    """A staff account in one of the groups the data migration creates (Editors, Readers)."""
    user = django_user_model.objects.create_user(username, f"{username}@example.org", "correct horse battery staple")
    user.is_staff = True
    user.save()
    if not Group.objects.filter(name=group_name).exists():
        # A transactional test (live server, browser) empties every table, migration data included.
        roles = importlib.import_module("events.migrations.0003_editor_and_reader_groups")
        roles.create_groups(django_apps, SimpleNamespace(connection=connection))
    user.groups.add(Group.objects.get(name=group_name))
    return user


@pytest.fixture
def editor(django_user_model):
    return _member_of(django_user_model, "editor", "Editors")


@pytest.fixture
def reader(django_user_model):
    return _member_of(django_user_model, "reader", "Readers")
