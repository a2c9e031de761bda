"""Signing in and out through the real allauth form."""

from __future__ import annotations

import pytest

from tests.browser.conftest import UI, Community

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_clinician_signs_in_lands_on_home_and_signs_out(page: UI, community: Community) -> None:
    page.visit("/", shot="public-home")
    page.click(page.get_by_role("link", name="Sign in"), shot="sign-in")
    page.locator("input[name=login]").fill("alice")
    page.locator("input[name=password]").fill("correct horse battery")
    page.click(page.locator("main form button[type=submit]"), shot="home-clinician")

    assert page.path == "/home/"
    assert page.get_by_role("heading", level=1).inner_text() == "Welcome, Alice"
    nav = page.get_by_role("navigation", name="Main")
    assert nav.get_by_role("link", name="Clients").is_visible()
    # Navigation is role-aware: reviewing emergency access is an org admin's job.
    assert nav.get_by_role("link", name="Emergency access reviews").count() == 0
    # htmx comes from npm through WhiteNoise, never from a CDN.
    assert page.evaluate("typeof htmx") == "object"
    assert page.locator("script[src*='/static/vendor/htmx/htmx.min.js']").count() == 1
    # MFA is relaxed in test mode, and every page says so.
    assert page.get_by_text("Demonstration mode").is_visible()

    page.sign_out()
    assert page.path == "/"
    assert page.get_by_role("link", name="Sign in").is_visible()
    assert page.get_by_text("Demonstration mode").count() == 0


def test_a_wrong_password_shows_an_error_and_signs_nobody_in(
    page: UI, community: Community
) -> None:
    page.visit("/accounts/login/")
    page.locator("input[name=login]").fill("alice")
    page.locator("input[name=password]").fill("not the password at all")
    page.click(page.locator("main form button[type=submit]"), shot="sign-in-error")

    assert page.path.startswith("/accounts/login/")
    assert "not correct" in page.main_text()
    page.visit("/home/")
    assert page.path.startswith("/accounts/login/")
