"""The timeline chart, embedded in a page with the acts the page lists.

Its data travels in an attribute of the figure (escaped like any attribute), not in a script
element, so that the pages it is embedded in hold no inline script of any type.
"""

from __future__ import annotations

import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder

from events.pictures import acts_of_records, timeline_chart_data

register = template.Library()


@register.inclusion_tag("includes/timeline_chart.html")
def timeline_chart(acts, chart_id: str = "timeline-chart") -> dict:
    """`{% timeline_chart acts %}`: the acts of events.selectors.timeline_acts on a time axis."""
    chart = timeline_chart_data(acts)
    return {"chart": chart, "chart_json": json.dumps(chart, cls=DjangoJSONEncoder), "chart_id": chart_id}


@register.inclusion_tag("includes/timeline_chart.html")
def sections_timeline_chart(sections: dict, chart_id: str = "timeline-chart") -> dict:
    """`{% sections_timeline_chart sections %}`: the records a state's page lists, in all its
    sections, on one time axis; the chart shows what the tables show."""
    records = [record for section in sections.values() for record in section.rows]
    return timeline_chart(acts_of_records(records), chart_id)
