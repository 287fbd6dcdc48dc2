"""The benchmark's ceiling: the cheapest answer Django gives here, a small constant JSON body
through the whole middleware stack, touching no data. `make bench` compares every page with it.

It is always on because it is harmless (no data, no state, no cost) and because a URL that
exists only under a benchmark flag would mean benchmarking a configuration that is not the
deployed one.
"""

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe


@never_cache
@require_safe
def ceiling(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"service": "Recognition Archive", "ok": True})
