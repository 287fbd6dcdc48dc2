"""A researcher's questions answered in a real browser, from the home page on, without a query."""

import csv
import io
import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser]


def status_names(page, list_id: str):
    """The state links of one status list, as a locator: `expect(...).to_have_text([...])` waits for them."""
    return page.locator(f"#{list_id} li a[href^='/states/']")


def test_search_open_a_state_and_ask_its_status_on_two_days(page, live_demo, console_errors):
    page.goto(live_demo.url + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Recognition Archive")

    page.get_by_label("Search states, persons, sources and notes").fill("Осетия")
    page.get_by_label("Search states, persons, sources and notes").press("Enter")
    expect(page).to_have_url(re.compile(r"/search/\?q="))
    page.get_by_role("link", name="South Ossetia", exact=True).first.click()

    expect(page.get_by_role("heading", level=1)).to_have_text("South Ossetia")
    given = page.locator("#recognitions_given")
    expect(given.locator("time").first).to_have_text("June 2014")
    expect(given.locator("time").first).to_have_attribute("datetime", "2014-06")

    page.get_by_role("textbox", name="Recognition status as of").fill("2014-05-01")
    page.get_by_role("button", name="Show the status").click()
    expect(page).to_have_url(re.compile(r"date=2014-05-01"))
    expect(page.locator("#status-heading")).to_contain_text("1 May 2014")
    expect(status_names(page, "status-recognizes")).to_have_count(0)

    page.get_by_role("textbox", name="Recognition status as of").fill("2014-07-15")
    page.get_by_role("button", name="Show the status").click()
    expect(page).to_have_url(re.compile(r"date=2014-07-15"))
    expect(page.locator("#status-heading")).to_contain_text("15 July 2014")
    expect(status_names(page, "status-recognizes")).to_have_text(
        ["Donetsk People's Republic", "Luhansk People's Republic"]
    )

    page.locator("#status-recognizes").get_by_role("link", name="Donetsk People's Republic").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Donetsk People's Republic")
    page.get_by_role("textbox", name="Recognition status as of").fill("2014-07-15")
    page.get_by_role("button", name="Show the status").click()
    # Wait for the new page before reading it: the list read mid-navigation is empty.
    expect(page).to_have_url(re.compile(r"/states/dpr/\?date=2014-07-15"))
    expect(page.locator("#status-heading")).to_contain_text("15 July 2014")
    expect(status_names(page, "status-recognized-by")).to_have_text(["South Ossetia"])
    assert console_errors == []


def test_filter_the_recognitions_and_download_the_csv(page, live_demo, console_errors):
    page.goto(live_demo.url + "/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Recognitions").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Recognitions")
    expect(page.locator("table tbody tr")).to_have_count(2)

    page.get_by_label("Recognised state").select_option(label="Luhansk People's Republic")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"recognized=lpr"))
    expect(page.locator("table tbody tr")).to_have_count(1)
    expect(page.locator("table tbody tr td").nth(3)).to_have_text("Luhansk People's Republic")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download CSV").click()
    download = download_info.value
    assert download.suggested_filename == "recognitions.csv"
    with open(download.path(), encoding="utf-8-sig") as file:
        rows = list(csv.DictReader(io.StringIO(file.read())))
    assert [(row["recognizing_state"], row["recognized_state"], row["date"]) for row in rows] == [
        ("south-ossetia", "lpr", "2014-06")
    ]
    assert console_errors == []


def test_a_bad_filter_is_shown_on_the_form(page, live_demo, console_errors):
    page.goto(live_demo.url + "/recognitions/?state=atlantis")
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.locator(".errorlist")).to_contain_text("There is no state “atlantis”")
    # The 400 answer itself is what the browser reports; nothing else may be.
    assert [error for error in console_errors if "400" not in error] == []
    console_errors.clear()


def test_who_led_the_dpr_delegation_and_which_source_says_so(page, live_demo, console_errors):
    page.goto(live_demo.url + "/delegations/")
    row = page.locator("table tbody tr", has_text="Donetsk People's Republic")
    expect(row.locator("td").nth(4)).to_contain_text("Alexander Kofman")
    row.get_by_role("link", name="28 April 2015").click()
    expect(page.locator("blockquote").first).to_contain_text("делегацию ДНР возглавил")
    page.locator("#sources-heading ~ article a").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Представительства ДНР и ЛНР открылись в Южной Осетии")
    expect(page.locator("#reference-text")).to_contain_text("Dina Gassieva")
    assert console_errors == []


def test_keyboard_users_can_skip_to_the_content(page, live_demo):
    page.goto(live_demo.url + "/states/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#content$"))


@pytest.mark.parametrize(
    "path", ["/", "/states/south-ossetia/?date=2014-07-15", "/recognitions/", "/delegations/", "/timeline/"]
)
def test_pages_fit_a_phone_screen(phone, live_demo, console_errors, path):
    phone.goto(live_demo.url + path)
    overflow = phone.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    expect(phone.get_by_role("heading", level=1)).to_be_visible()
    assert console_errors == []
