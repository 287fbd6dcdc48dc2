"""Django's template backend, with each render's context taken apart when the render is done.

A template's Context holds its layers (`context.dicts`), and each layer Django pushes holds the
Context back (`ContextDict.context`): a reference cycle, so everything the page was given (a
list's rows, a state's status and sections, the forms) outlives the response until the cyclic
garbage collector finds it. With the workers' collection threshold raised (archive/gunicorn.conf.py),
that came to one collection of some 50,000 objects every 27 state pages or 60 list pages,
taking 16-28 ms in the middle of one request: most of those pages' p99 latency. Emptying the
layers once the render is over leaves no cycle, and reference counting frees the page's objects
as soon as the response is written (tests/test_template_backend.py, tests/test_answers_freed.py).
"""

from django.template import TemplateDoesNotExist
from django.template.backends import django as django_backend
from django.template.context import make_context


class Template(django_backend.Template):
    def render(self, context=None, request=None):
        context = make_context(context, request, autoescape=self.backend.engine.autoescape)
        try:
            return self.template.render(context)
        except TemplateDoesNotExist as exc:
            django_backend.reraise(exc, self.backend)
        finally:
            context.dicts.clear()


class DjangoTemplates(django_backend.DjangoTemplates):
    """settings.TEMPLATES' backend: Django's own, rendering through `Template` above."""

    def from_string(self, template_code):
        return Template(self.engine.from_string(template_code), self)

    def get_template(self, template_name):
        try:
            return Template(self.engine.get_template(template_name), self)
        except TemplateDoesNotExist as exc:
            django_backend.reraise(exc, self)
