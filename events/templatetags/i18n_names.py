"""Names in two languages: the heading of the column that holds a record's `other_name`.

A state or a person is shown by `display_name` (`{{ state }}` does it): in Russian the name in
the original language where there is one, in English the English name. A table that also
shows the other name needs a heading that says which language that is.
"""

from django import template
from django.utils.translation import gettext

from events.models.base import native_names_first

register = template.Library()


@register.simple_tag
def other_name_heading() -> str:
    """'Name in its own language' for English readers, 'Название по-английски' for Russian ones."""
    if native_names_first():
        return gettext("Name in English")
    return gettext("Name in its own language")
