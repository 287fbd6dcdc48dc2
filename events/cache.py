"""Server-side caching of anonymous GET responses, and conditional GET, that a write can never
leave stale.

Every write to an archive table bumps one data version in the same transaction: database
triggers (migration 0004) do it, so it happens for save(), QuerySet.update(), bulk_create(),
deletes, raw SQL and imports alike, and it commits or rolls back with the write itself. Each
cacheable request reads the version first (one primary-key query) and looks for a response
stored under it; a reader that starts after a write commits sees the new version and so never
a response rendered before it, in any worker of any server sharing the database.

Only requests that carry no credentials are served or stored: no session cookie, no
Authorization header, no cookie but the CSRF and language ones. Signed-in staff see drafts,
so their pages are always rendered. A response is stored only if it is a plain 200 that sets
no cookie, is not marked private or no-store, and used no per-request CSP nonce. The CSRF
token in a page's forms is the one per-visitor part of an HTML page: it is stored as a
placeholder and each visitor gets their own token in its place.

Entries live in the "responses" cache (settings.CACHES); any backend works, since the version
in the key, not expiry, is what keeps them fresh.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import MiddlewareNotUsed
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date

CACHE_ALIAS = "responses"
DATA_VERSION_TABLE = "events_dataversion"
# Paths never served from the cache: the editors' workbench and the benchmark's ceiling.
SKIPPED_PREFIXES = ("/admin/", "/_bench/")
# Larger bodies (exports) are rendered each time rather than crowd out the pages.
MAX_STORED_BYTES = 1_000_000
TOKEN_FIELD = re.compile(rb'(<input type="hidden" name="csrfmiddlewaretoken" value=")[^"]*(">)')
TOKEN_PLACEHOLDER = b"\x00csrf-token\x00"
# Headers that belong to one response, not to the page.
UNSTORED_HEADERS = {"content-length", "set-cookie", "x-cache"}


@dataclass(frozen=True)
class DataVersion:
    number: int
    changed_at: float
    database_now: float

    @property
    def last_modified(self) -> float | None:
        """The time of the last write, once it is a whole second old.

        HTTP dates have whole seconds: were the last write within the current second, a later
        write in the same second would carry the same Last-Modified, and a client asking
        If-Modified-Since would be told wrongly that nothing changed.
        """
        return self.changed_at if self.database_now - self.changed_at >= 1 else None


def current_data_version() -> DataVersion:
    """The data version, with the database's clock; one query on the primary key."""
    now = (
        "(julianday('now') - 2440587.5) * 86400.0"
        if connection.vendor == "sqlite"
        else "extract(epoch from clock_timestamp())"
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT version, changed_at, {now} FROM {DATA_VERSION_TABLE} WHERE id = 1")
        row = cursor.fetchone()
    if row is None:
        return DataVersion(0, 0.0, 0.0)
    return DataVersion(int(row[0]), float(row[1]), float(row[2]))


def is_anonymous(request: HttpRequest) -> bool:
    """No credentials of any kind: a stored response cannot hold anything meant for one user."""
    allowed = {settings.CSRF_COOKIE_NAME, settings.LANGUAGE_COOKIE_NAME}
    return "HTTP_AUTHORIZATION" not in request.META and set(request.COOKIES) <= allowed


def cache_key(request: HttpRequest, version: DataVersion) -> str:
    parts = [
        str(version.number),
        getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE),
        request.scheme,
        request.get_host(),
        request.get_full_path(),
        request.META.get("HTTP_ACCEPT", ""),
    ]
    return "response:" + hashlib.sha256("\n".join(parts).encode()).hexdigest()


def storable(request: HttpRequest, response: HttpResponse) -> bool:
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    if isinstance(getattr(request, "_csp_nonce", None), str):
        return False
    cache_control = response.get("Cache-Control", "").lower()
    if any(word in cache_control for word in ("private", "no-store")):
        return False
    return len(response.content) <= MAX_STORED_BYTES


@dataclass(frozen=True)
class StoredResponse:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    has_token: bool
    etag: str

    @classmethod
    def store(cls, response: HttpResponse, version: DataVersion) -> StoredResponse:
        """What is kept of a response, after giving it its validators: an ETag of the page
        without its CSRF tokens, Last-Modified from the data version, and no-cache, so that
        browsers ask again each time and get a 304 while nothing changed."""
        body, tokens = TOKEN_FIELD.subn(rb"\1" + TOKEN_PLACEHOLDER + rb"\2", response.content)
        etag = f'W/"{hashlib.sha256(body).hexdigest()[:32]}"'
        response["ETag"] = etag
        if version.last_modified:
            response["Last-Modified"] = http_date(version.last_modified)
        if "Cache-Control" not in response:
            patch_cache_control(response, no_cache=True)
        headers = tuple((name, value) for name, value in response.items() if name.lower() not in UNSTORED_HEADERS)
        return cls(response.status_code, headers, body, bool(tokens), etag)

    def response(self, request: HttpRequest) -> HttpResponse:
        body = self.body.replace(TOKEN_PLACEHOLDER, get_token(request).encode()) if self.has_token else self.body
        response = HttpResponse(body, status=self.status)
        for name, value in self.headers:
            response[name] = value
        return response


class ResponseCacheMiddleware:
    """Serve anonymous GETs from the cache under the current data version; answer conditional
    GETs with 304. Sits after CsrfViewMiddleware (which sets each visitor's CSRF cookie) and
    LocaleMiddleware (whose choice of language is part of the key), before authentication."""

    def __init__(self, get_response) -> None:
        if not settings.RESPONSE_CACHE:
            raise MiddlewareNotUsed
        self.get_response = get_response
        self.cache = caches[CACHE_ALIAS]

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method != "GET" or request.path.startswith(SKIPPED_PREFIXES) or not is_anonymous(request):
            return self.get_response(request)
        version = current_data_version()
        key = cache_key(request, version)
        stored = self.cache.get(key)
        if stored is None:
            response = self.get_response(request)
            if not storable(request, response):
                return response
            stored = StoredResponse.store(response, version)
            self.cache.set(key, stored, None)
            response["X-Cache"] = "miss"
        else:
            response = stored.response(request)
            response["X-Cache"] = "hit"
        last_modified = version.last_modified
        return get_conditional_response(
            request, etag=stored.etag, last_modified=int(last_modified) if last_modified else None, response=response
        )
