"""The REST API for API consumers: thin viewsets over the shared FilterSets, serializers that
validate through the models, the OpenAPI schema and its documentation pages (issue #4)."""
