"""Page-number pagination of every list: `page` and `page_size` (50 by default, at most 500)."""

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination

from events.compiled import Statement

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500


class ArchivePagination(PageNumberPagination):
    """A page past the end is a 404; a `page_size` above the maximum is capped, not refused,
    and one that is not a whole number from 1 is a 400 (DRF would silently use the default)."""

    page_size = DEFAULT_PAGE_SIZE
    page_size_query_param = "page_size"
    page_size_query_description = (
        f"Results per page: {DEFAULT_PAGE_SIZE} by default, at most {MAX_PAGE_SIZE} (a larger value is capped)."
    )
    max_page_size = MAX_PAGE_SIZE

    def get_page_size(self, request) -> int:
        value = request.query_params.get(self.page_size_query_param, "")
        if value == "":
            return self.page_size
        digits = value.lstrip("0")
        if not (value.isascii() and value.isdigit() and digits):
            raise ValidationError(
                {
                    self.page_size_query_param: [
                        f"Enter a whole number from 1 (above {MAX_PAGE_SIZE} means {MAX_PAGE_SIZE})."
                    ]
                }
            )
        # Long digit strings are large numbers: cap them without converting them.
        return min(int(digits[:7]) if len(digits) <= 7 else self.max_page_size, self.max_page_size)

    def get_schema_operation_parameters(self, view) -> list[dict]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
        return parameters


class CompiledRows:
    """A list's rows as Django's Paginator reads them (`count()`, a slice per page), from its
    count and page queries compiled once (events.compiled.Statement) and the request's
    parameters: DRF's pagination itself then answers, links, errors and all."""

    # Ordered by the statement's own ORDER BY (the Paginator warns about unordered lists).
    ordered = True

    def __init__(self, page: Statement, count: Statement, parameters: list) -> None:
        self.page = page
        self.counted = count
        self.parameters = parameters

    def count(self) -> int:
        return self.counted.rows(self.parameters)[0][0]

    def __getitem__(self, window: slice) -> list[dict]:
        if not isinstance(window, slice) or window.step is not None:
            raise TypeError("a page of rows is read as a slice")
        low, high = window.start or 0, window.stop
        if high is not None and high <= low:
            return []  # as a queryset's empty slice: no query
        return self.page.dicts(self.parameters, low, high)
