"""The API lists' own path (issue #6, performance): what it does differently from the shared
FilterSets and DRF's defaults gives the same answers."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import QueryDict
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from events import filtersets
from events.api.filtering import asked_filters, omissible

pytestmark = pytest.mark.django_db

FILTERSETS = [
    filtersets.RecognitionFilterSet,
    filtersets.MissionFilterSet,
    filtersets.DelegationFilterSet,
    filtersets.StateFilterSet,
    filtersets.PersonFilterSet,
    filtersets.SourceFilterSet,
]

QUERIES = [
    "",
    "recognized=dpr",
    "recognized=nowhere",
    "recognized=",
    "recognizing=russia&recognized=dpr&page_size=5",
    "state=lpr&action=recognition&ordering=-date",
    "action=nonsense&date_after=2014-13-01&ordering=sideways",
    "date_after=2010-01-01&date_before=2020-12-31",
    "search=Donetsk&format=json",
    "sending=russia&host=nowhere&kind=embassy&city=Moscow&active_on=2020-01-01",
    "person=nobody&person=somebody",
    "status=un_member&outlet=&language=en",
    "unknown=1&page=2",
]


def request_for(query: str) -> Request:
    request = Request(APIRequestFactory().get(f"/api/?{query}"))
    request.user = AnonymousUser()
    return request


def test_every_filter_of_the_api_may_be_left_out_when_not_asked_for():
    for filterset_class in FILTERSETS:
        assert omissible(filterset_class) == set(filterset_class.base_filters), filterset_class


@pytest.mark.parametrize("filterset_class", FILTERSETS)
@pytest.mark.parametrize("query", QUERIES)
def test_asked_filters_give_the_whole_filtersets_errors_and_queryset(demo, filterset_class, query):
    request = request_for(query)
    model = filterset_class._meta.model
    whole = filterset_class(data=request.query_params, queryset=model.objects.all(), request=request)
    asked = asked_filters(filterset_class)(data=request.query_params, queryset=model.objects.all(), request=request)
    assert set(asked.form.fields) <= set(whole.form.fields)
    assert set(asked.form.fields) == {name for name in whole.form.fields if name in QueryDict(query)}
    assert asked.is_valid() == whole.is_valid()
    assert asked.errors == whole.errors
    assert list(asked.errors) == list(whole.errors)
    if whole.is_valid():
        assert str(asked.qs.query) == str(whole.qs.query)
        assert list(asked.qs.values_list("pk", flat=True)) == list(whole.qs.values_list("pk", flat=True))


def test_api_list_errors_are_the_filtersets(demo, client):
    response = client.get("/api/recognitions/?recognized=nowhere&action=nonsense&page_size=5")
    assert response.status_code == 400
    whole = filtersets.RecognitionFilterSet(
        data=QueryDict("recognized=nowhere&action=nonsense"), request=request_for("")
    )
    assert response.json() == {name: [str(error) for error in errors] for name, errors in whole.errors.items()}


@pytest.mark.parametrize("staff", [False, True])
def test_nested_lists_compiled_once_give_the_orms_rows(demo, django_user_model, staff):
    from events.compiled import ByIds
    from events.models import Recognition, Source
    from events.models.citations import RecognitionCitation

    user = django_user_model.objects.create_user("someone", is_staff=staff) if staff else AnonymousUser()
    visible = Source.objects.visible_to(user)

    def make(ids):
        citations = RecognitionCitation.objects.filter(record_id__in=ids)
        if visible.query.has_filters():
            citations = citations.filter(source__in=visible)
        return citations.order_by("id").values_list("record_id", "source_id", "source__published", "quotation")

    query = ByIds(make)
    assert query.compiled
    ids = list(Recognition.objects.order_by("id").values_list("id", flat=True))
    assert RecognitionCitation.objects.filter(source__published__isnull=False).exists()
    for some in (ids[:1], ids[:3], ids, [0]):
        assert [tuple(row) for row in query.rows(some)] == list(make(some))


def test_throttles_keep_request_times_as_an_array_with_drfs_decisions(demo, client, monkeypatch):
    from array import array

    from django.core.cache import cache
    from rest_framework.throttling import SimpleRateThrottle

    from events.throttling import AccountRateThrottle, AnonymousRateThrottle

    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "anon", "3/min")
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "user", "5/min")
    cache.clear()
    try:
        assert [client.get("/api/states/").status_code for _ in range(4)] == [200, 200, 200, 429]
        # DRF asks every throttle: the per-account one (by address here) counted the refused request.
        for throttle, counted in ((AnonymousRateThrottle, 3), (AccountRateThrottle, 4)):
            history = cache.get(throttle.cache_format % {"scope": throttle.scope, "ident": "127.0.0.1"})
            assert isinstance(history, array)
            assert len(history) == counted
            assert list(history) == sorted(history, reverse=True)
    finally:
        cache.clear()
