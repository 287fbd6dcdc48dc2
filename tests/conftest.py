import os

import pytest
from django.db import connection

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
