"""Browser tests: Playwright drives Debian's chromium against pytest-django's live server.

Without chromium they skip and say why, except in CI (CI=true), where a missing browser fails
the run: .ci/run installs the package first.
"""

import os
import shutil

import pytest

from events.demo import load_demo_data
from tests.conftest import IN_CI

CHROMIUM_NAMES = ("chromium", "chromium-browser")


def chromium_path() -> str | None:
    return next((path for name in CHROMIUM_NAMES if (path := shutil.which(name))), None)


@pytest.fixture(scope="session")
def browser():
    """One headless chromium for the session."""
    path = chromium_path()
    if path is None:
        message = "needs Debian's chromium package (apt-get install chromium); .ci/run installs it"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls
    # (loading the demo data, flushing the database) are still synchronous and safe.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=["--no-sandbox"])
        yield browser
        browser.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def live_demo(transactional_db, live_server):
    """The demo data, committed so that the live server's thread sees it."""
    load_demo_data()
    return live_server


class ConsoleErrors(list):
    """Every console error and uncaught exception a page reports, CSP violations included."""

    def attach(self, page) -> None:
        page.on("console", lambda message: self.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: self.append(str(error)))


@pytest.fixture
def console_errors():
    return ConsoleErrors()


def new_page(browser, console_errors, **context_options):
    context = browser.new_context(accept_downloads=True, **context_options)
    page = context.new_page()
    page.set_default_timeout(15_000)
    console_errors.attach(page)
    return context, page


@pytest.fixture
def page(browser, console_errors, live_demo):
    """A desktop-sized page; the test fails if any page it opened logged a console error."""
    context, page = new_page(browser, console_errors, viewport={"width": 1280, "height": 900})
    yield page
    context.close()
    assert list(console_errors) == []


@pytest.fixture
def phone(browser, console_errors, live_demo):
    """A phone-sized page (375 CSS pixels wide, touch)."""
    context, page = new_page(browser, console_errors, viewport={"width": 375, "height": 740}, has_touch=True)
    yield page
    context.close()
    assert list(console_errors) == []
