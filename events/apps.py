from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _


def _casefold(value):
    return value.casefold() if isinstance(value, str) else value


def register_sqlite_functions(sender, connection, **kwargs) -> None:
    """SQLite folds only ASCII letters; give it Python's Unicode case folding for search."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("casefold", 1, _casefold, deterministic=True)


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = _("Recognition archive")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        connection_created.connect(register_sqlite_functions)
