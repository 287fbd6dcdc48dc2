"""The API's JSON parser: DRF's, except that JSON nested deeper than Python's parser can follow
(a few thousand brackets) is a 400 like any other malformed body, not a server error."""

from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as error:
            raise ParseError("JSON parse error - the body is nested too deeply.") from error
