"""The pictures and the two languages in a real browser: the timeline chart, the recognition
network over time, the map of missions, and the site read in Russian. Every test also fails on
any console error (the `page` fixture of tests/browser/conftest.py)."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser]

# Counts the pixels a canvas has painted, so that a test can tell a picture with arrows from one without.
PAINTED_PIXELS = """(canvas) => {
  const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let index = 3; index < data.length; index += 4) painted += data[index] > 0 ? 1 : 0;
  return painted;
}"""


def edge_rows(page) -> list[list[str]]:
    rows = page.locator("#network-edges tbody tr")
    return [row.locator("td").all_inner_texts() for row in rows.all()]


def test_timeline_chart_draws_the_demo_acts_and_a_mark_opens_its_record(page, live_demo):
    page.goto(live_demo.url + "/timeline/")
    chart = page.locator("figure.timeline-chart")
    expect(chart).to_be_visible()
    marks = chart.locator("a.timeline-mark")
    expect(marks).to_have_count(8)
    expect(chart.locator("a.timeline-mark[data-kind=recognition] rect.span")).to_have_count(2)
    expect(chart.locator("a.timeline-mark[data-kind=delegation] circle")).to_have_count(2)
    first = chart.locator("a.timeline-mark[data-kind=recognition]").first
    expect(first.locator("title")).to_have_text(re.compile(r"South Ossetia recognised .* June 2014"))
    first.click()
    expect(page).to_have_url(re.compile(r"/recognitions/\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("South Ossetia")


SPAN_WIDTH = """document.querySelector("figure.timeline-chart a.timeline-mark[data-kind=recognition] rect")
  .getBoundingClientRect().width"""


def test_timeline_chart_zooms_with_its_buttons(page, live_demo):
    page.goto(live_demo.url + "/states/south-ossetia/")
    expect(page.locator("figure.timeline-chart a.timeline-mark")).to_have_count(8)
    before = page.evaluate(SPAN_WIDTH)
    page.locator("figure.timeline-chart [data-zoom=in]").click()
    page.wait_for_function(f"(before) => {SPAN_WIDTH} > before * 1.5", arg=before)
    page.locator("figure.timeline-chart [data-zoom=reset]").click()
    page.wait_for_function(f"(before) => Math.abs({SPAN_WIDTH} - before) < 1", arg=before)


def test_network_grows_an_edge_from_south_ossetia_to_the_dpr_in_june_2014(page, live_demo):
    page.goto(live_demo.url + "/network/?date=2014-05-01")
    figure = page.locator("#network-figure")
    canvas = page.locator("#network-canvas")
    expect(figure).to_have_attribute("data-date", "2014-05-01")
    expect(figure).to_have_attribute("data-edges", "0")
    assert edge_rows(page) == []
    expect(page.locator("#network-edges-empty")).to_be_visible()
    nodes_only = canvas.evaluate(PAINTED_PIXELS)
    assert nodes_only > 0

    page.get_by_label("Recognitions in force on").fill("2014-07-15")
    expect(figure).to_have_attribute("data-date", "2014-07-15")
    expect(figure).to_have_attribute("data-edges", "2")
    assert ["South Ossetia", "Donetsk People's Republic", "June 2014", "certain"] in edge_rows(page)
    assert canvas.evaluate(PAINTED_PIXELS) > nodes_only
    expect(page.locator("#network-summary")).to_have_text(
        "On 15 July 2014: 4 states, 2 recognitions certainly in force, 0 uncertain."
    )
    expect(page).to_have_url(re.compile(r"\?date=2014-07-15$"))


def test_network_slider_plays_through_time(page, live_demo):
    page.goto(live_demo.url + "/network/?date=2014-01-01")
    figure = page.locator("#network-figure")
    expect(figure).to_have_attribute("data-edges", "0")
    page.get_by_role("button", name="Play").click()
    expect(figure).to_have_attribute("data-edges", "2", timeout=30_000)
    page.get_by_role("button", name="Pause").click()
    assert figure.get_attribute("data-date") >= "2014-06"
    expect(page.get_by_role("button", name="Play")).to_have_attribute("aria-pressed", "false")


def test_clicking_a_state_in_the_network_opens_its_page(page, live_demo):
    page.goto(live_demo.url + "/network/?date=2014-07-15")
    expect(page.locator("#network-figure")).to_have_attribute("data-edges", "2")
    position = page.evaluate("window.NetworkPicture.positionOf('south-ossetia')")
    page.locator("#network-canvas").click(position=position)
    expect(page).to_have_url(re.compile(r"/states/south-ossetia/$"))


def test_network_filters_by_status(page, live_demo):
    page.goto(live_demo.url + "/network/?date=2014-07-15")
    page.get_by_label("unrecognised").check()
    expect(page.locator("#network-figure")).to_have_attribute("data-edges", "0")
    expect(page.locator("#network-states tbody tr")).to_have_count(2)
    expect(page).to_have_url(re.compile(r"status=unrecognized"))


def test_map_shows_the_representative_offices_in_tskhinval(page, live_demo):
    page.goto(live_demo.url + "/map/")
    offices = page.locator("#map-canvas a[data-host=south-ossetia]")
    expect(offices).to_have_count(2)
    assert sorted(office.get_attribute("data-sending") for office in offices.all()) == ["dpr", "lpr"]
    for office in offices.all():
        expect(office.locator("title")).to_contain_text("Tskhinval")
        expect(office.locator("path.mission.kind-representative_office")).to_be_visible()
    expect(page.locator("#map-canvas path.country").first).to_be_attached()
    expect(page.locator("#map-canvas a[href^='/states/'] title")).to_have_text(
        ["Donetsk People's Republic", "Luhansk People's Republic", "South Ossetia", "Ukraine"]
    )


def test_map_filters_by_kind_and_day(page, live_demo):
    page.goto(live_demo.url + "/map/")
    page.get_by_label("Kind of mission").select_option("embassy")
    expect(page.locator("#map-canvas a[data-mission]")).to_have_count(0)
    expect(page.locator("#map-missions-empty")).to_be_visible()
    page.get_by_label("Kind of mission").select_option("representative_office")
    page.get_by_label("Open on").fill("2015-04-15")
    page.get_by_label("Open on").dispatch_event("change")
    missions = page.locator("#map-canvas a[data-mission]")
    expect(missions).to_have_count(2)
    expect(page.locator("#map-canvas a[data-host=south-ossetia]")).to_have_count(0)
    expect(page.locator("#map-canvas path.mission.uncertain")).to_have_count(2)
    expect(page.locator("#map-missions tbody tr")).to_have_count(2)
    expect(page).to_have_url(re.compile(r"kind=representative_office&date=2015-04-15"))


def test_switching_to_russian_reads_south_ossetia_in_russian(page, live_demo):
    page.goto(live_demo.url + "/states/south-ossetia/")
    expect(page.get_by_role("heading", level=1)).to_have_text("South Ossetia")
    page.get_by_role("button", name="Русский").click()
    expect(page).to_have_url(live_demo.url + "/states/south-ossetia/")
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Южная Осетия")
    expect(page.locator("#recognitions_given time").first).to_have_text("июнь 2014")
    expect(page.locator("figure.timeline-chart .lane-label").first).to_have_text("признания")
    page.get_by_role("link", name="Сеть признаний").click()
    expect(page.locator("#network-day")).to_have_text(re.compile(r"^\d+ [а-я]+ \d{4}$"))
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Recognition network")
