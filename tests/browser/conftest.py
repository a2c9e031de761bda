"""Browser tests: Playwright for Python driving Debian's Chromium against the live server.

Three checks run on every test without the test asking for them:

* **axe-core** (from npm, ``node_modules/axe-core``) runs on every page the browser loads;
  a serious or critical violation fails the test at once, naming the rule and the element.
  Tests navigate through :class:`UI` (``visit``, ``click``, ``navigates``), which checks the
  page after it loads; a ``load`` listener records every page, and a page that loaded
  without being checked fails the test at teardown, so no test can forget.
* **No third party**: every request the page makes is routed through a handler that lets
  only loopback and ``data:`` URLs through. Anything else (a CDN, fonts, analytics) is
  aborted and fails the test: a person looking for help must not be tracked.
* **No script errors or CSP refusals** in the console.

Chromium is Debian's (``apt install chromium``), never a browser Playwright downloads.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

# Playwright's sync API runs an event loop in the main thread; Django would otherwise refuse
# the ORM calls the fixtures make there ("You cannot call this from an async context").
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
# Serve on the IPv4 loopback: "localhost" makes Chromium try ::1 first on every connection.
os.environ.setdefault("DJANGO_LIVE_TEST_SERVER_ADDRESS", "127.0.0.1")

from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Locator,
    Page,
    Playwright,
    Request,
    Response,
    Route,
    sync_playwright,
)
from playwright.sync_api import Error as PlaywrightError

ROOT = Path(__file__).resolve().parents[2]
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
# scripts/test runs the suite on SQLite and on PostgreSQL at once: each run keeps its own.
ARTIFACTS = ROOT / os.environ.get("CARECIRCLE_TEST_ARTIFACTS", "test-artifacts")
SCREENSHOTS = ARTIFACTS / "screenshots"
# Screenshots of key pages for a person to look at; CARECIRCLE_SCREENSHOTS=0 skips them.
SCREENSHOTS_ON = os.environ.get("CARECIRCLE_SCREENSHOTS", "1") != "0"
PASSWORD = "correct horse battery"  # tests.factories.UserFactory's password

CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
FAILING_IMPACTS = frozenset({"serious", "critical"})
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
LOCAL_SCHEMES = frozenset({"data", "blob", "about"})

AXE_RUN = """async () => {
  const results = await axe.run(document, {resultTypes: ["violations"]});
  return results.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    helpUrl: v.helpUrl,
    count: v.nodes.length,
    target: v.nodes.length ? v.nodes[0].target.join(" ") : "",
    html: v.nodes.length ? v.nodes[0].html.slice(0, 160) : "",
  }));
}"""


def chromium_path() -> str | None:
    return shutil.which("chromium") or (
        "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
    )


def is_local(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in LOCAL_SCHEMES:
        return True
    return parts.scheme in {"http", "https", "ws", "wss"} and parts.hostname in LOOPBACK_HOSTS


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Keep the call phase's report on the item, so fixture teardown can read the outcome."""
    report = yield
    if report.when == "call":
        item.rep_call = report  # type: ignore[attr-defined]
    return report


# --- Playwright and Chromium, once per session ------------------------------------------------


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    executable = chromium_path()
    if executable is None:
        # Never a silent skip: scripts/test installs Chromium, so a missing one is a failure.
        pytest.fail("Debian's Chromium is not installed (scripts/bootstrap --dev installs it)")
    if not AXE_JS.exists():
        pytest.fail(f"{AXE_JS} is missing: run `npm ci` (scripts/bootstrap does)")
    browser = playwright_instance.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def axe_report() -> Iterator[list[dict[str, Any]]]:
    """Moderate and minor findings do not fail a test; they are written down for a person."""
    findings: list[dict[str, Any]] = []
    report = ARTIFACTS / "axe-other-findings.json"
    report.unlink(missing_ok=True)
    yield findings
    if findings:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        report.write_text(json.dumps(findings, indent=2))


# --- The page wrapper -------------------------------------------------------------------------


class AccessibilityProblem(AssertionError):
    pass


@dataclass
class UI:
    """A Playwright page that checks every page it loads. Other attributes are the Page's.

    Navigate with :meth:`visit`, :meth:`click` or ``with ui.navigates(): ...``; each runs
    axe-core on the page that loads.
    """

    page: Page
    base_url: str
    name: str
    axe_report: list[dict[str, Any]]
    loads: list[str] = field(default_factory=list)
    checked_upto: int = 0
    unchecked: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    scripts_off: bool = False
    console_errors: list[str] = field(default_factory=list)

    def __getattr__(self, attr: str) -> Any:
        return getattr(self.page, attr)

    # -- navigation that is always checked

    def visit(self, path: str, *, shot: str | None = None) -> Response | None:
        url = path if "://" in path else f"{self.base_url}{path}"
        response = self.page.goto(url)
        self.check(shot=shot)
        return response

    goto = visit

    def click(self, target: Locator | str, *, shot: str | None = None) -> None:
        """Click something that loads a new page (a link, a submit button)."""
        locator = self.page.locator(target) if isinstance(target, str) else target
        with self.navigates(shot=shot):
            locator.click()

    @contextmanager
    def navigates(self, *, shot: str | None = None) -> Iterator[None]:
        """Wrap an action that loads a new page (a key press, a form submitted)."""
        with self.page.expect_navigation(wait_until="load"):
            yield
        self.check(shot=shot)

    def check(self, *, shot: str | None = None) -> None:
        """Run axe-core on the page as it is now; fail on serious or critical violations."""
        violations: list[dict[str, Any]] = self.page.evaluate(AXE_RUN)
        # The evaluation above lets Playwright deliver pending events: count loads after it.
        fresh = self.loads[self.checked_upto :]
        self.unchecked.extend(fresh[:-1])
        self.checked_upto = len(self.loads)
        if shot and SCREENSHOTS_ON:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            self.page.screenshot(path=str(SCREENSHOTS / f"{shot}.png"), full_page=True)
        failing = [v for v in violations if v["impact"] in FAILING_IMPACTS]
        path = self.path
        for v in violations:
            if v["impact"] not in FAILING_IMPACTS:
                self.axe_report.append({"test": self.name, "path": path, **v})
        if failing:
            lines = [f"axe-core found serious or critical problems on {path}:"]
            for v in failing:
                lines.append(
                    f"  - {v['id']} ({v['impact']}): {v['help']} — {v['count']} element(s), "
                    f"first: {v['target']}  {v['html']}\n    {v['helpUrl']}"
                )
            raise AccessibilityProblem("\n".join(lines))

    # -- conveniences

    @property
    def path(self) -> str:
        parts = urlsplit(self.page.url)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def main_text(self) -> str:
        return self.page.locator("main").inner_text()

    def sign_in(self, username: str, password: str = PASSWORD) -> None:
        """Sign in through the real allauth form, as a person would."""
        self.visit("/accounts/login/")
        self.page.locator("input[name=login]").fill(username)
        self.page.locator("input[name=password]").fill(password)
        self.click(self.page.locator("main form button[type=submit]"))

    def sign_out(self) -> None:
        self.click(self.page.get_by_role("button", name="Sign out"))

    # -- what the listeners record

    def _on_load(self, page: Page) -> None:
        if not page.url.startswith("about:"):
            self.loads.append(page.url)

    def _on_console(self, message: ConsoleMessage) -> None:
        # A 403 or 404 page logs its own status as "Failed to load resource": expected.
        if message.type == "error" and "Failed to load resource" not in message.text:
            self.console_errors.append(message.text)

    def _on_page_error(self, error: Any) -> None:
        self.console_errors.append(f"script error: {error}")

    def _route(self, route: Route, request: Request) -> None:
        if not is_local(request.url):
            self.blocked.append(request.url)
            route.abort("blockedbyclient")
        elif self.scripts_off and request.resource_type == "script":
            route.abort("blockedbyclient")  # a browser with JavaScript turned off
        else:
            route.continue_()

    def finish(self) -> list[str]:
        """What went wrong beyond the test's own assertions."""
        with suppress(PlaywrightError):  # a closed page has no pending events to deliver
            self.page.evaluate("0")  # deliver any pending load events
        self.unchecked.extend(self.loads[self.checked_upto :])
        problems = []
        if self.unchecked:
            problems.append(
                "pages loaded without an accessibility check (navigate with ui.visit, "
                "ui.click or `with ui.navigates()`): " + ", ".join(self.unchecked)
            )
        if self.blocked:
            problems.append(
                "the page asked for something outside this server (CDN or third party): "
                + ", ".join(sorted(set(self.blocked)))
            )
        if self.console_errors:
            problems.append("console errors: " + " | ".join(self.console_errors))
        return problems


def _open(
    browser: Browser,
    live_server: Any,
    request: pytest.FixtureRequest,
    axe_report: list[dict[str, Any]],
    scripts_off: bool = False,
    **context_options: Any,
) -> Iterator[UI]:
    context: BrowserContext = browser.new_context(locale="en", **context_options)
    context.set_default_timeout(10_000)
    # An init script is not subject to the page's CSP, unlike an injected <script> tag.
    context.add_init_script(path=str(AXE_JS))
    page = context.new_page()
    ui = UI(page=page, base_url=live_server.url, name=request.node.nodeid, axe_report=axe_report)
    ui.scripts_off = scripts_off
    context.route("**/*", ui._route)
    page.on("load", ui._on_load)
    page.on("console", ui._on_console)
    page.on("pageerror", ui._on_page_error)
    try:
        yield ui
        problems = ui.finish()
    finally:
        context.close()
    report = getattr(request.node, "rep_call", None)
    # A test that already failed has said what matters; its half-done page would add noise.
    if problems and report is not None and report.passed:
        pytest.fail("\n".join(problems))


@pytest.fixture
def page(
    browser: Browser,
    live_server: Any,
    request: pytest.FixtureRequest,
    axe_report: list[dict[str, Any]],
) -> Iterator[UI]:
    """A desktop browser tab (1280x800, English) in a fresh context."""
    yield from _open(
        browser, live_server, request, axe_report, viewport={"width": 1280, "height": 800}
    )


@pytest.fixture
def phone(
    browser: Browser,
    live_server: Any,
    request: pytest.FixtureRequest,
    axe_report: list[dict[str, Any]],
) -> Iterator[UI]:
    """A small phone (360x740, touch) in a fresh context."""
    yield from _open(
        browser,
        live_server,
        request,
        axe_report,
        viewport={"width": 360, "height": 740},
        is_mobile=True,
        has_touch=True,
    )


@pytest.fixture
def no_js_page(
    browser: Browser,
    live_server: Any,
    request: pytest.FixtureRequest,
    axe_report: list[dict[str, Any]],
) -> Iterator[UI]:
    """A phone-sized tab where the page's JavaScript never runs: every script it asks for is
    refused, and the CSP already forbids inline scripts. (``java_script_enabled=False`` would
    also stop axe-core, whose timers would never fire; Playwright injects axe-core itself.)"""
    yield from _open(
        browser,
        live_server,
        request,
        axe_report,
        scripts_off=True,
        viewport={"width": 360, "height": 740},
    )


@pytest.fixture
def second_page(
    browser: Browser,
    live_server: Any,
    request: pytest.FixtureRequest,
    axe_report: list[dict[str, Any]],
) -> Iterator[UI]:
    """Another person's browser (own cookies), alongside ``page``."""
    yield from _open(
        browser, live_server, request, axe_report, viewport={"width": 1280, "height": 800}
    )


# --- The people and the record the journeys use ------------------------------------------------


@dataclass
class Community:
    """Riverbend: an ED, a MOUD clinic, the police, a peer organization, and one client."""

    jurisdiction: Any
    ed: Any
    clinic: Any
    police: Any
    peers: Any
    client: Any
    entries: dict[str, Any]

    def client_path(self) -> str:
        return f"/clients/{self.client.pk}/"

    def consents_path(self) -> str:
        return f"/privacy/people/{self.client.person_id}/consents/"

    def emergency_path(self) -> str:
        return f"/privacy/people/{self.client.person_id}/emergency/"


ENTRY_TEXT = {
    "general": "Prefers to be contacted by text message.",
    "health": "Wound on the left forearm cleaned and dressed.",
    "substance_use": "Started buprenorphine; next visit in three days.",
    "mental_health": "Reports low mood; a follow-up call is arranged.",
    "harm_reduction": "Took a naloxone kit and fentanyl test strips.",
}


@pytest.fixture
def community(transactional_db: Any) -> Community:
    """The personas, created for the live server to see (transactional, so committed).

    alice: clinician at the ED; pat: peer worker at the peer organization and the ED;
    lee: outreach worker at the police (co-responder, on the client's care team);
    nadia: clinician at the MOUD clinic, not on the care team; edna: the ED's org admin.
    """
    from carecircle.clients.services import client_create, client_entry_add
    from carecircle.partners.models import PrivacyRegime, Role, Sector
    from carecircle.partners.selectors import Actor
    from carecircle.partners.services import (
        jurisdiction_create,
        membership_create,
        organization_create,
    )
    from carecircle.privacy.services import care_team_add
    from tests.factories import UserFactory

    riverbend = jurisdiction_create(
        name="Riverbend",
        country="US",
        region="Riverbend County",
        privacy_regime=PrivacyRegime.US_PART2_HIPAA,
        time_zone="America/Chicago",
    )

    def org(name: str, sector: str) -> Any:
        return organization_create(name=name, sector=sector, jurisdiction=riverbend)

    ed = org("Riverbend General Hospital", Sector.EMERGENCY_DEPARTMENT)
    clinic = org("Riverbend Recovery Clinic", Sector.TREATMENT_CLINIC)
    police = org("Riverbend Police Department", Sector.POLICE_JUSTICE)
    peers = org("Peer Support Network", Sector.PEER_RECOVERY)

    def member(username: str, first_name: str, organization: Any, role: str) -> Any:
        user: Any = UserFactory(username=username, first_name=first_name)  # get-or-create
        return membership_create(user=user, organization=organization, role=role)

    alice = member("alice", "Alice", ed, Role.CLINICIAN)
    member("pat", "Pat", peers, Role.PEER_WORKER)
    member("pat", "Pat", ed, Role.PEER_WORKER)
    member("lee", "Lee", police, Role.OUTREACH_WORKER)
    member("nadia", "Nadia", clinic, Role.CLINICIAN)
    member("edna", "Edna", ed, Role.ORG_ADMIN)

    actor = Actor.from_membership(alice)
    client = client_create(actor=actor, preferred_name="Jordan Rivers")
    entries = {
        data_class: client_entry_add(actor=actor, client=client, data_class=data_class, body=body)
        for data_class, body in ENTRY_TEXT.items()
    }
    # A police co-responder program: the police are on the care team, which alone shows
    # them general information only.
    care_team_add(actor=actor, person=client.person, organization=police)
    return Community(
        jurisdiction=riverbend,
        ed=ed,
        clinic=clinic,
        police=police,
        peers=peers,
        client=client,
        entries=entries,
    )


def visible(text: str, needle: str) -> bool:
    """Whitespace-insensitive containment, for text that wraps."""
    return re.sub(r"\s+", " ", needle) in re.sub(r"\s+", " ", text)
