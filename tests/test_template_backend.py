"""The template backend (archive/template_backend.py) leaves no reference cycle behind a render:
what a page was given is freed when the render returns, not at the collector's next pass, which
in a gunicorn worker (a raised threshold) came as one pause of 16-28 ms every few dozen pages."""

import gc
import weakref

import pytest
from django.template import engines
from django.template.backends.django import Template as DjangoTemplate
from django.test import RequestFactory

SOURCE = "{% with rows=payload.rows %}{% for row in rows %}{{ row }}{% endfor %}{% endwith %}"


class Payload:
    def __init__(self) -> None:
        self.rows = ["Abkhazia", "Kosovo"]


@pytest.fixture
def collector_off():
    gc.collect()
    gc.disable()
    yield
    gc.enable()


def render_and_watch(template) -> tuple[str, weakref.ref]:
    """Rendered as a view renders a page: with its request, so in a RequestContext, whose
    context processors' values and the view's are layers of their own."""
    payload = Payload()
    watched = weakref.ref(payload)
    html = template.render({"payload": payload}, request=RequestFactory().get("/"))
    del payload
    return html, watched


def test_what_a_render_was_given_is_freed_when_it_returns(collector_off):
    template = engines["django"].from_string(SOURCE)
    html, watched = render_and_watch(template)
    assert html == "AbkhaziaKosovo"
    assert watched() is None


def test_django_s_own_render_would_have_left_it_to_the_collector(collector_off):
    """Why the backend exists: the same template through Django's own Template wrapper."""
    ours = engines["django"].from_string(SOURCE)
    stock = DjangoTemplate(ours.template, ours.backend)
    html, watched = render_and_watch(stock)
    assert html == "AbkhaziaKosovo"
    assert watched() is not None
    gc.collect()
    assert watched() is None


def test_a_missing_template_still_says_which():
    from django.template import TemplateDoesNotExist

    with pytest.raises(TemplateDoesNotExist) as raised:
        engines["django"].get_template("events/no-such-template.html")
    assert raised.value.backend is engines["django"]
