"""The Content Security Policy in a real browser: every kind of page — the website, the API's
documentation and browsable pages, the editors' workbench — loads without a single violation
or console error, and the policy really is enforced (an injected inline script does not run)."""

import pytest
from django.urls import reverse

from events.models import Delegation, Mission, Recognition, Source, State

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Registered before any page script: every violation the browser reports, with what it blocked.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI || "inline"} `
    + `at ${event.sourceFile}:${event.lineNumber} ${event.sample}`);
});
"""

PUBLIC_PAGES = [
    "events:home",
    "events:search",
    "events:timeline",
    "events:state-list",
    "events:recognition-list",
    "events:mission-list",
    "events:delegation-list",
    "events:person-list",
    "events:source-list",
    "pictures:network",
    "pictures:map",
    "api:api-root",
    "api:docs",
    "api:redoc",
]
ADMIN_PAGES = [
    ("admin:index", ()),
    ("admin:events_recognition_changelist", ()),
    ("admin:events_recognition_add", ()),
    ("admin:events_state_changelist", ()),
    ("admin:events_recognition_import", ()),
    ("admin:events_recognition_export", ()),
    ("admin:events_recognition_deleted", ()),
]


def detail_pages() -> list[str]:
    return [
        State.objects.get(slug="south-ossetia").get_absolute_url(),
        Recognition.objects.first().get_absolute_url(),
        Mission.objects.first().get_absolute_url(),
        Delegation.objects.first().get_absolute_url(),
        Source.objects.first().get_absolute_url(),
    ]


class PageProblems:
    """A page's CSP violations and console errors, collected while it loads and settles."""

    def __init__(self, context) -> None:
        self.page = context.new_page()
        self.console: list[str] = []
        self.page.on("console", lambda message: message.type == "error" and self.console.append(message.text))
        self.page.on("pageerror", lambda error: self.console.append(str(error)))

    def visit(self, url: str) -> list[str]:
        self.console.clear()
        response = self.page.goto(url, wait_until="networkidle")
        assert response is not None
        assert response.status == 200, f"{url}: {response.status}"
        assert "default-src 'self'" in response.headers["content-security-policy"]
        # Documentation pages draw after fetching the schema; give them a moment to finish.
        self.page.wait_for_timeout(300)
        return self.page.evaluate("window.__cspViolations") + self.console


# ReDoc shows its maker's logo from their server, which the policy allows; this machine may have
# no way out, so the test answers for that server.
REDOC_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"
SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>'


@pytest.fixture
def context(browser):
    context = browser.new_context()
    context.add_init_script(RECORD_VIOLATIONS)
    context.route(REDOC_LOGO, lambda route: route.fulfill(content_type="image/svg+xml", body=SVG))
    yield context
    context.close()


def test_public_pages_load_without_violations(live_demo, context):
    problems = PageProblems(context)
    urls = [reverse(name) for name in PUBLIC_PAGES] + detail_pages()
    found = {url: problems.visit(live_demo.url + url) for url in urls}
    problems_found = {url: errors for url, errors in found.items() if errors}
    assert not problems_found, "\n".join(f"{url}: {e}" for url, errors in problems_found.items() for e in errors)


def test_swagger_ui_and_redoc_render_the_schema(live_demo, context):
    problems = PageProblems(context)
    assert problems.visit(live_demo.url + reverse("api:docs")) == []
    problems.page.wait_for_selector(".swagger-ui .opblock-tag", timeout=15000)
    assert problems.page.locator(".swagger-ui .opblock").count() > 5
    assert problems.visit(live_demo.url + reverse("api:redoc")) == []
    problems.page.wait_for_selector("[role=menuitem], .menu-content label", timeout=15000)
    assert problems.page.evaluate("window.__cspViolations") == []


def test_editors_workbench_loads_without_violations(live_demo, context, superuser):
    problems = PageProblems(context)
    problems.visit(live_demo.url + reverse("admin:login"))
    problems.page.fill("#id_username", superuser.username)
    problems.page.fill("#id_password", "correct horse battery staple")
    problems.page.click("input[type=submit]")
    problems.page.wait_for_url(f"{live_demo.url}{reverse('admin:index')}")
    urls = [reverse(name, args=args) for name, args in ADMIN_PAGES]
    recognition = Recognition.objects.first()
    urls += [
        reverse("admin:events_recognition_change", args=[recognition.pk]),
        reverse("admin:events_recognition_history", args=[recognition.pk]),
        reverse("admin:events_delegation_change", args=[Delegation.objects.first().pk]),
    ]
    found = {url: problems.visit(live_demo.url + url) for url in urls}
    problems_found = {url: errors for url, errors in found.items() if errors}
    assert not problems_found, "\n".join(f"{url}: {e}" for url, errors in problems_found.items() for e in errors)


def test_an_injected_inline_script_does_not_run(live_demo, context):
    """The policy is enforced, not merely sent: a script without the nonce is refused."""
    page = context.new_page()
    page.goto(live_demo.url + reverse("events:home"))
    page.evaluate(
        """() => {
        const script = document.createElement("script");
        script.textContent = "window.__injected = true";
        document.body.appendChild(script);
    }"""
    )
    page.wait_for_timeout(100)
    assert page.evaluate("window.__injected === undefined")
    assert any("script-src" in violation for violation in page.evaluate("window.__cspViolations"))
