"""Bad input never gives a 500: Schemathesis fuzzes every operation of the OpenAPI schema
in-process (WSGI), as a superuser so that writes reach the models' validation, and checks
that no answer is a server error and that every answer conforms to the schema (status code,
content type, headers, body). Deterministic, so that `make test` gives the same verdict twice."""

import logging

import pytest
import schemathesis
from django.contrib.auth import get_user_model
from django.core import signals
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from archive.wsgi import application
from events.demo import load_demo_data

# Generated requests per operation, valid and invalid ones. Schemathesis' coverage phase (every
# boundary and wrong type of every field) is off: it builds ~3,000 cases while collecting, which
# every test run would pay for; tests/test_api.py covers those cases table by table instead.
FUZZ_EXAMPLES = 40

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
schema.config.generation.update(max_examples=FUZZ_EXAMPLES, deterministic=True)
schema.config.phases.coverage.enabled = False

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def connection_kept_open():
    """What Django's test client does: otherwise the WSGI handler closes the database connection
    after each request (it is in a transaction), and with it the test's data, on PostgreSQL."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture(scope="module")
def token(django_db_setup, django_db_blocker, connection_kept_open):
    """The demo data and a superuser's token, made once for every operation and rolled back after."""
    with django_db_blocker.unblock(), transaction.atomic():
        load_demo_data()
        user = get_user_model().objects.create(username="fuzzer", is_staff=True, is_superuser=True)
        yield Token.objects.create(user=user).key
        transaction.set_rollback(True)


@pytest.fixture
def quiet_request_log():
    """Thousands of expected 4xx answers need no warning each; a 500 is still logged as an error."""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)


@schema.parametrize()
# Hypothesis' health checks judge how examples are generated; here each example is a request on a
# shared machine (slow by their measure) and the fixtures are set up once per operation on purpose.
@settings(deadline=None, database=None, suppress_health_check=list(HealthCheck))
def test_operation_never_fails_and_conforms(case, token, db, quiet_request_log):
    case.call_and_validate(headers={"Authorization": f"Token {token}"}, checks=CHECKS)
