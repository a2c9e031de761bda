"""The browser harness itself: it catches what it promises to catch."""

from __future__ import annotations

import pytest
from playwright.sync_api import Route

from tests.browser.conftest import UI, AccessibilityProblem, is_local

pytestmark = pytest.mark.browser

GOOD_PAGE = "<!doctype html><html lang=en><title>t</title><main><h1>Fine</h1>{}</main></html>"


def _serve(ui: UI, path: str, html: str) -> str:
    url = f"{ui.base_url}{path}"

    def fulfil(route: Route) -> None:
        route.fulfill(body=html, content_type="text/html")

    ui.page.route(url, fulfil)
    return url


def _forget(ui: UI) -> None:
    """Clear what the harness recorded on purpose, so this test's teardown passes."""
    ui.unchecked.clear()
    ui.blocked.clear()
    ui.console_errors.clear()
    ui.checked_upto = len(ui.loads)


def test_it_fails_on_serious_accessibility_problems(page: UI) -> None:
    _serve(page, "/harness/bad", "<!doctype html><html><body><img src='data:,'></body></html>")
    with pytest.raises(AccessibilityProblem) as problem:
        page.visit("/harness/bad")
    assert "html-has-lang (serious)" in str(problem.value)
    assert "image-alt (critical)" in str(problem.value)
    page.axe_report[:] = [f for f in page.axe_report if f["test"] != page.name]


def test_it_notices_a_page_loaded_without_a_check(page: UI) -> None:
    page.page.goto(_serve(page, "/harness/unchecked", GOOD_PAGE.format("")))
    problems = page.finish()
    assert any(
        "without an accessibility check" in p and "/harness/unchecked" in p for p in problems
    )
    _forget(page)


def test_it_blocks_and_reports_any_request_outside_this_server(page: UI) -> None:
    third_party = "https://cdn.example.org/lib.js"
    _serve(page, "/harness/cdn", GOOD_PAGE.format(f"<script src='{third_party}'></script>"))
    page.visit("/harness/cdn")
    problems = page.finish()
    assert any("outside this server" in p and third_party in p for p in problems)
    _forget(page)


def test_only_loopback_and_inline_urls_count_as_local() -> None:
    assert is_local("http://127.0.0.1:8000/static/x.css")
    assert is_local("http://localhost:8000/")
    assert is_local("data:image/png;base64,AAAA")
    assert not is_local("https://unpkg.com/htmx.org")
    assert not is_local("http://127.0.0.1.example.org/")
    assert not is_local("https://fonts.googleapis.com/css")
