"""API rate limits: over the limit a client gets 429 with Retry-After; anonymous clients are
counted by address, signed-in ones by account; the token endpoint and the admin sign-in stop
password guessing."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import cache
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.throttling import SimpleRateThrottle

from events.models import Source

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def rates(monkeypatch):
    """Set some rates for one test; the others stay off (tests/conftest.py)."""
    cache.clear()

    def set_rates(**values: str) -> None:
        for scope, rate in values.items():
            monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, scope, rate)

    yield set_rates
    cache.clear()


def statuses(client, count: int, url: str, **extra) -> list[int]:
    return [client.get(url, **extra).status_code for _ in range(count)]


def test_anonymous_clients_over_the_limit_get_429_with_retry_after(client, demo, rates):
    rates(anon="3/min")
    url = reverse("api:state-list")
    assert statuses(client, 3, url) == [200, 200, 200]
    response = client.get(url)
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert "Expected available in" in response.json()["detail"]


def test_anonymous_clients_are_counted_by_address_and_cannot_forge_one(client, demo, rates):
    rates(anon="2/min")
    url = reverse("api:state-list")
    assert statuses(client, 2, url, REMOTE_ADDR="192.0.2.1") == [200, 200]
    # Without trusted proxies (DJANGO_TRUSTED_PROXY_COUNT=0) a forged X-Forwarded-For changes nothing.
    assert client.get(url, REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR="198.51.100.7").status_code == 429
    assert client.get(url, REMOTE_ADDR="192.0.2.2").status_code == 200


def test_behind_one_trusted_proxy_the_address_it_saw_counts(client, demo, rates, monkeypatch):
    from rest_framework.settings import api_settings

    monkeypatch.setattr(api_settings, "NUM_PROXIES", 1)
    rates(anon="1/min")
    url = reverse("api:state-list")
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    assert client.get(url, HTTP_X_FORWARDED_FOR="203.0.113.5", **proxy).status_code == 200
    assert client.get(url, HTTP_X_FORWARDED_FOR="203.0.113.5", **proxy).status_code == 429
    assert client.get(url, HTTP_X_FORWARDED_FOR="203.0.113.6", **proxy).status_code == 200


def test_signed_in_clients_have_their_own_allowance(client, demo, editor, rates):
    rates(anon="1/min", user="3/min")
    url = reverse("api:state-list")
    assert statuses(client, 2, url) == [200, 429]
    token = Token.objects.create(user=editor)
    auth = {"HTTP_AUTHORIZATION": f"Token {token.key}"}
    assert statuses(client, 4, url, **auth) == [200, 200, 200, 429]


def test_writes_count_against_the_same_allowance(client, demo, editor, rates):
    rates(user="2/min")
    token = Token.objects.create(user=editor)
    auth = {"HTTP_AUTHORIZATION": f"Token {token.key}"}
    url = reverse("api:source-list")
    first = client.post(url, {"title": "One"}, content_type="application/json", **auth)
    second = client.get(url, **auth)
    third = client.post(url, {"title": "Three"}, content_type="application/json", **auth)
    assert [first.status_code, second.status_code, third.status_code] == [201, 200, 429]
    assert not Source.objects.filter(title="Three").exists()


def test_the_token_endpoint_allows_few_attempts_per_address(client, demo, editor, rates):
    rates(sign_in="3/min")
    url = reverse("api:token")
    attempts = [
        client.post(url, {"username": name, "password": "guess"}, content_type="application/json").status_code
        for name in ("editor", "someone", "anyone")
    ]
    assert attempts == [400, 400, 400]
    right = client.post(url, {"username": "editor", "password": "correct horse battery staple"})
    assert right.status_code == 429
    assert int(right["Retry-After"]) > 0
    assert not Token.objects.filter(user=editor).exists()
    # Reading the API is not what that limit is about.
    assert client.get(reverse("api:state-list")).status_code == 200
    # Another address is not held back by this one's guesses.
    other = client.post(
        url, {"username": "editor", "password": "correct horse battery staple"}, REMOTE_ADDR="192.0.2.9"
    )
    assert other.status_code == 200


def test_repeated_wrong_passwords_lock_the_token_endpoint_for_that_user(client, demo, editor, settings):
    url = reverse("api:token")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = client.post(url, {"username": "editor", "password": "wrong"}, content_type="application/json")
        assert response.status_code in {400, 403}
    # django-axes refuses the right password too, and DRF answers as for a wrong one.
    right = client.post(url, {"username": "editor", "password": "correct horse battery staple"})
    assert right.status_code == 400
    assert "token" not in right.json()
    assert not Token.objects.filter(user=editor).exists()
    elsewhere = client.post(
        url, {"username": "editor", "password": "correct horse battery staple"}, REMOTE_ADDR="192.0.2.9"
    )
    assert elsewhere.status_code == 200


def test_repeated_wrong_passwords_lock_the_admin_sign_in(client, editor, settings):
    url = reverse("admin:login")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(url, {"username": "editor", "password": "wrong"})
    response = client.post(url, {"username": "editor", "password": "correct horse battery staple"})
    assert response.status_code in {403, 429}
    assert "_auth_user_id" not in client.session


def test_rates_come_from_the_environment():
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_THROTTLE")}
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.REST_FRAMEWORK['DEFAULT_THROTTLE_RATES'])"
    )
    defaults = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert defaults.stdout.strip() == "{'anon': '600/min', 'user': '1200/min', 'sign_in': '10/min'}"
    env.update(DJANGO_THROTTLE_ANON="30/min", DJANGO_THROTTLE_USER="5/second", DJANGO_THROTTLE_SIGN_IN="2/hour")
    configured = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert configured.stdout.strip() == "{'anon': '30/min', 'user': '5/second', 'sign_in': '2/hour'}"
