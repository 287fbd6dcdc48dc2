"""The timeline chart, embedded in a page with the acts the page lists."""

from __future__ import annotations

from django import template

from events.pictures import acts_of_records, timeline_chart_data

register = template.Library()


@register.inclusion_tag("includes/timeline_chart.html")
def timeline_chart(acts, chart_id: str = "timeline-chart") -> dict:
    """`{% timeline_chart acts %}`: the acts of events.selectors.timeline_acts on a time axis."""
    return {"chart": timeline_chart_data(acts), "chart_id": chart_id, "data_id": f"{chart_id}-data"}


@register.inclusion_tag("includes/timeline_chart.html")
def sections_timeline_chart(sections: dict, chart_id: str = "timeline-chart") -> dict:
    """`{% sections_timeline_chart sections %}`: the records a state's page lists, in all its
    sections, on one time axis; the chart shows what the tables show."""
    records = [record for section in sections.values() for record in section.rows]
    return timeline_chart(acts_of_records(records), chart_id)
