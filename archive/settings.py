"""Settings for the Recognition Archive. Every knob is read from the environment;
.env.example lists them all, and README.md explains each one."""

import base64
import hashlib
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF, UNSAFE_HASHES
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", True)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off (use 50+ random characters)."
        )
    SECRET_KEY = "development-only-key-never-use-in-production-0123456789abcdef"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    # The admin with the archive's own site (autocomplete labels in both languages); see events/admin_site.py.
    "events.admin_site.ArchiveAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "csp",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "import_export",
    "axes",
    "events",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Anonymous GETs served under the data version (events/cache.py); after CSRF and the language.
    "events.cache.ResponseCacheMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# django-axes first: it refuses a locked-out sign-in before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "archive.urls"
WSGI_APPLICATION = "archive.wsgi.application"

TEMPLATES = [
    {
        # Django's own, leaving no reference cycle behind a render (archive/template_backend.py).
        "BACKEND": "archive.template_backend.DjangoTemplates",
        "NAME": "django",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
            ],
        },
    },
]

# SQLite in a file under the project by default; DATABASE_URL selects PostgreSQL in production.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'var' / 'archive.sqlite3'}",
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
# PostgreSQL's planner assumes by default that reading a page at random costs four sequential
# reads, as on spinning disks; the archive's working set sits in memory or on SSD, where 1.1 is
# the usual setting. With the default it sorted a state's every act instead of walking the
# (state, date) index (bench/RESULTS.md). Set per connection; empty leaves the server's own
# (a pooler that refuses startup options, such as PgBouncer in transaction mode, needs that).
PG_RANDOM_PAGE_COST = os.environ.get("DJANGO_PG_RANDOM_PAGE_COST", "1.1").strip()
# Parallel workers per query: 0 by default. The web's queries are small and many run at once;
# starting two workers cost more than they saved (the API's search on the 100,000-act archive:
# 36-39 -> 24-26 ms, each query's workers launched for a few thousand rows), and under load
# they take the cores other requests need. Empty leaves the server's own.
PG_PARALLEL_WORKERS = os.environ.get("DJANGO_PG_MAX_PARALLEL_WORKERS_PER_GATHER", "0").strip()
if DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql"):
    PG_OPTIONS = []
    if PG_RANDOM_PAGE_COST:
        PG_OPTIONS.append(f"-c random_page_cost={float(PG_RANDOM_PAGE_COST)}")
    if PG_PARALLEL_WORKERS:
        PG_OPTIONS.append(f"-c max_parallel_workers_per_gather={int(PG_PARALLEL_WORKERS)}")
    if PG_OPTIONS:
        DATABASES["default"].setdefault("OPTIONS", {})["options"] = " ".join(PG_OPTIONS)
# SQLite keeps the pages it has read in a cache of its own per connection, 2 MiB by default: less
# than one request for a state's page reads (its status, six sections and their citations), so
# every request read most of its pages again from the operating system. 16 MiB holds them: on
# the 100,000-recognition archive /states/kosaria/ 12.6 -> 11.8 ms, /timeline/ 23.6 -> 21.7,
# / 16.6 -> 15.1 (process CPU, the two sizes alternating in one process; 64 MiB bought no more).
# The cache fills only as pages are read, and is dropped whenever another process writes.
SQLITE_CACHE_KIB = 16 * 1024
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
    DATABASES["default"]["OPTIONS"]["init_command"] = f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The response cache (events/cache.py): on unless DEBUG, or DJANGO_RESPONSE_CACHE says otherwise.
# Each process keeps its own entries; the data version in their keys, read from the database on
# every request and bumped by every write, keeps every process fresh after a write.
RESPONSE_CACHE = env_bool("DJANGO_RESPONSE_CACHE", not DEBUG)
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "responses": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "responses",
        "OPTIONS": {"MAX_ENTRIES": 500},
    },
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ru", "Русский")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT") or BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

LOGIN_URL = "admin:login"

# Sign-in protection (django-axes): after DJANGO_AXES_FAILURE_LIMIT wrong passwords for one
# user name from one address, that pair is locked out for DJANGO_AXES_COOLOFF_MINUTES.
AXES_FAILURE_LIMIT = int(os.environ.get("DJANGO_AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("DJANGO_AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# The lockout page says in plain words what happened and how long to wait (templates/admin/lockout.html).
AXES_LOCKOUT_CALLABLE = "events.admin_site.lockout_response"
# Reverse proxies in front of the app, each appending to X-Forwarded-For; with 0 that header,
# which anyone can send, is ignored and the address is the connection's (events.admin_site).
TRUSTED_PROXY_COUNT = int(os.environ.get("DJANGO_TRUSTED_PROXY_COUNT", "0"))
AXES_CLIENT_IP_CALLABLE = "events.admin_site.client_ip_address"

# History: viewing needs the historical model's view permission, reverting its change permission.
SIMPLE_HISTORY_ENFORCE_HISTORY_MODEL_PERMISSIONS = True

# Spreadsheet import runs in one transaction: a file with one bad row writes nothing.
IMPORT_EXPORT_USE_TRANSACTIONS = True

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.DjangoModelPermissionsOrAnonReadOnly"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # page and page_size: 50 by default, at most 500 (events/api/pagination.py).
    "DEFAULT_PAGINATION_CLASS": "events.api.pagination.ArchivePagination",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # Errors of nested items keyed by the item's index, {"citations": {"1": {...}}} (DRF 3.20's only form).
    "LIST_SERIALIZER_ERRORS_AS_DICT": True,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Recognition Archive API",
    "DESCRIPTION": "Diplomatic recognition events, missions and delegations, with their sources.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Separate request and response shapes: a state is written as its slug and read as an object.
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {"PrecisionEnum": ["day", "month", "year"]},
    # Document JSON bodies; forms are still accepted for the browsable API.
    "PARSER_WHITELIST": ["rest_framework.parsers.JSONParser"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "events.api.schema.add_errors_and_anonymous_reads",
    ],
}

# Production hardening: on whenever DEBUG is off. The TLS proxy in front sets X-Forwarded-Proto.
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_REFERRER_POLICY = "same-origin"
    SECURE_CONTENT_TYPE_NOSNIFF = True

# API rate limits (DRF throttling), per client address for anonymous clients and per account for
# signed-in ones, at rates a person browsing never reaches (the network page, playing, asks about
# six times a second); the token endpoint, where passwords could be guessed, allows few requests
# per address. Over a limit: 429 with Retry-After. Counters live in each process's memory.
REST_FRAMEWORK.update(
    {
        "DEFAULT_THROTTLE_CLASSES": [
            # DRF's AnonRateThrottle and UserRateThrottle, storing request times compactly.
            "events.throttling.AnonymousRateThrottle",
            "events.throttling.AccountRateThrottle",
            "events.throttling.SignInRateThrottle",
        ],
        "DEFAULT_THROTTLE_RATES": {
            "anon": os.environ.get("DJANGO_THROTTLE_ANON") or "600/min",
            "user": os.environ.get("DJANGO_THROTTLE_USER") or "1200/min",
            "sign_in": os.environ.get("DJANGO_THROTTLE_SIGN_IN") or "10/min",
        },
        # The client's address for throttling is the one the outermost trusted proxy saw.
        "NUM_PROXIES": TRUSTED_PROXY_COUNT,
        # DRF's parsers, with JSON nested too deeply for Python refused as malformed (events/parsers.py).
        "DEFAULT_PARSER_CLASSES": [
            "events.parsers.JSONParser",
            "rest_framework.parsers.FormParser",
            "rest_framework.parsers.MultiPartParser",
        ],
    }
)

# Content Security Policy (django-csp): only the archive's own files; an inline <script> or
# <style> runs only with the per-request nonce ({{ CSP_NONCE }} in templates), never an inline
# event handler or style attribute. Swagger UI draws its icons from data: URIs; ReDoc searches
# in a worker it builds from a blob: URL and always shows its maker's logo from their server
# (that one file, nothing else from there).


def csp_hash(text: str) -> str:
    return f"'sha256-{base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()}'"


# Inline attributes in third-party admin templates, allowed by their exact text and nothing else:
# django-simple-history's history paginator and django-import-export's export form.
THIRD_PARTY_STYLE_ATTRIBUTES = ["border-top: 0", "padding: 0;", "font-weight: bold;"]
THIRD_PARTY_EVENT_HANDLERS = ["onSelectToggleChange(event)"]

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "style-src-attr": [UNSAFE_HASHES, *map(csp_hash, THIRD_PARTY_STYLE_ATTRIBUTES)],
        "script-src-attr": [UNSAFE_HASHES, *map(csp_hash, THIRD_PARTY_EVENT_HANDLERS)],
        "img-src": [SELF, "data:", "https://cdn.redoc.ly/redoc/logo-mini.svg"],
        "worker-src": [SELF, "blob:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
}
FORMS_URLFIELD_ASSUME_HTTPS = True
