"""What drf-spectacular cannot infer from the code: how references read and write, the error
responses every operation can give, and that reads need no credentials."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import build_basic_type
from drf_spectacular.types import OpenApiTypes

SAFE_METHODS = {"get", "head", "options"}
WRITE_METHODS = {"post", "put", "patch"}
TOKEN_PATH = "/api/auth/token/"

ERROR_COMPONENTS: dict[str, dict[str, Any]] = {
    "Error": {
        "type": "object",
        "description": "What went wrong, in a sentence.",
        "properties": {"detail": {"type": "string"}},
        "required": ["detail"],
    },
    "ValidationError": {
        "description": (
            "The request was refused as it stands. Either `detail` says why (a body that is not valid "
            "JSON), or each key names the query parameter or field at fault with its messages: "
            '`{"date": ["June 2014 has no day 31: it has 30 days."]}`. Errors of nested items are '
            'keyed by the item\'s index: `{"citations": {"1": {"source": ["..."]}}}`; errors '
            "that concern no one field are under `non_field_errors`."
        ),
        "anyOf": [
            {"$ref": "#/components/schemas/Error"},
            {
                "type": "object",
                "additionalProperties": {"anyOf": [{"type": "array", "items": {}}, {"type": "object"}]},
            },
        ],
    },
}

ERROR_DESCRIPTIONS = {
    "400": "Invalid input: a query parameter or a field is named with what is wrong with it.",
    "401": "Credentials are missing (writes need a token) or wrong.",
    "403": "The credentials are good but the user lacks the model permission for this write.",
    "404": "No such record (or it is a draft), or a page past the last one.",
    "409": "The record is still referred to by others and cannot be deleted; the message says by what.",
    "415": "The body is not JSON (or a form).",
    "429": "Too many requests: wait before trying again.",
}


# Records of the demo data (`manage.py load_demo_data`) the documentation's addresses show.
SLUG_EXAMPLES = {"states": "south-ossetia", "persons": "leonid-tibilov"}


def lookup_example(path: str, name: str) -> str | int:
    """An address of the demo data for a path parameter: /api/states/south-ossetia/, /api/missions/1/."""
    return SLUG_EXAMPLES.get(path.split("/")[2], "") if name == "slug" else 1


def error_codes(method: str, path: str, operation: dict) -> list[str]:
    """The error status codes an operation can answer with, beyond its success. Every operation
    but the token's reads credentials, so any can answer 401 to a wrong token."""
    detail = "{" in path
    filters = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"} - {"format", "page_size"}
    if path == TOKEN_PATH:
        codes = ["400", "415"]
    elif method in SAFE_METHODS:
        codes = ["401"] + (["400"] if filters - {"page"} else []) + (["404"] if detail or "page" in filters else [])
    elif method in WRITE_METHODS:
        codes = ["400", "401", "403", "415"] + (["404"] if detail else [])
    else:
        codes = ["401", "403", "404", "409"]
    if settings.REST_FRAMEWORK.get("DEFAULT_THROTTLE_CLASSES"):
        codes.append("429")
    return codes


def add_errors_and_anonymous_reads(result: dict, generator, request, public: bool) -> dict:
    """drf-spectacular post-processing hook: document the error shapes of every operation, and
    that reading needs no credentials (DjangoModelPermissionsOrAnonReadOnly)."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    for name, schema in ERROR_COMPONENTS.items():
        schemas.setdefault(name, schema)
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for code in error_codes(method, path, operation):
                component = "ValidationError" if code == "400" else "Error"
                responses.setdefault(
                    code,
                    {
                        "description": ERROR_DESCRIPTIONS[code],
                        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{component}"}}},
                    },
                )
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path":
                    parameter.setdefault("example", lookup_example(path, parameter["name"]))
            security = operation.get("security")
            if method in SAFE_METHODS and security and {} not in security:
                security.append({})
    return result


class ReferenceFieldExtension(OpenApiSerializerFieldExtension):
    """A reference reads as its summary object and is written as the record's slug or id."""

    target_class = "events.api.serializers.ReferenceField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        field = self.target
        if direction == "response":
            return auto_schema.resolve_serializer(field.summary, direction).ref
        model = field.summary.Meta.model._meta.verbose_name
        if field.slug_field == "pk":
            schema = build_basic_type(OpenApiTypes.INT)
            schema["description"] = f"The {model}'s id."
        else:
            schema = build_basic_type(OpenApiTypes.STR)
            schema["description"] = f"The {model}'s slug."
        if field.example is not None:
            schema["example"] = field.example
        return schema
