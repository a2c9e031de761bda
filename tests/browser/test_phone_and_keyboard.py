"""Usable on a 360-pixel phone, and by keyboard alone."""

from __future__ import annotations

import pytest

from tests.browser.conftest import UI, Community

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCROLL_WIDTH = "() => document.documentElement.scrollWidth"


def test_pages_fit_a_360_pixel_phone_without_sideways_scrolling(
    phone: UI, community: Community
) -> None:
    phone.visit("/", shot="phone-public-home")
    assert phone.evaluate(SCROLL_WIDTH) <= 360
    phone.sign_in("alice")
    phone.check(shot="phone-home")
    assert phone.evaluate(SCROLL_WIDTH) <= 360
    phone.visit(community.client_path(), shot="phone-client")
    assert phone.evaluate(SCROLL_WIDTH) <= 360
    phone.visit(community.consents_path(), shot="phone-consents")
    assert phone.evaluate(SCROLL_WIDTH) <= 360


def _focused(ui: UI) -> dict[str, str]:
    return ui.evaluate(
        """() => ({id: document.activeElement.id, name: document.activeElement.name || "",
                   cls: document.activeElement.className || "",
                   text: (document.activeElement.innerText || "").trim()})"""
    )


def test_the_skip_link_comes_first_and_moves_focus_to_the_main_content(
    page: UI, community: Community
) -> None:
    page.sign_in("alice")
    page.keyboard.press("Tab")
    focused = _focused(page)
    assert focused["cls"] == "skip-link"
    assert page.locator(".skip-link").is_visible()  # visible once focused
    page.keyboard.press("Enter")
    assert _focused(page)["id"] == "main"


def test_signing_in_works_with_the_keyboard_alone(page: UI, community: Community) -> None:
    page.visit("/accounts/login/")
    for _ in range(15):
        page.keyboard.press("Tab")
        if _focused(page)["name"] == "login":
            break
    else:
        pytest.fail("Tab never reached the username field")
    page.keyboard.type("alice")
    page.keyboard.press("Tab")
    assert _focused(page)["name"] == "password"
    page.keyboard.type("correct horse battery")
    with page.navigates():
        page.keyboard.press("Enter")
    assert page.path == "/home/"
