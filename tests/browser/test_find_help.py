"""Acceptance: a person looking for help finds a same-day buprenorphine start open now near
them, opens it, and sees its hours, its capacity and the crisis line — with JavaScript, without
it, and in French. (Every page is checked by axe-core and may ask nothing of a third party.)"""

from __future__ import annotations

from typing import Any

import pytest

from carecircle.directory import taxonomy
from tests.browser.conftest import UI, visible
from tests.directory.find_help_data import (
    CRISIS_NAME,
    CRISIS_PHONE,
    HERE,
    FindHelp,
    build_find_help,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

POINT = f"{HERE[0]},{HERE[1]}"
SCROLL_WIDTH = "() => document.documentElement.scrollWidth"


@pytest.fixture
def directory(transactional_db: Any) -> FindHelp:
    return build_find_help()


def _search(ui: UI, *, near: str, what_label: str, open_now_label: str, search_label: str) -> None:
    ui.visit("/find-help/")
    ui.get_by_label(what_label, exact=True).select_option(taxonomy.BUP_SAME_DAY)
    ui.locator("#id_near").fill(near)
    ui.get_by_label(open_now_label, exact=True).check()
    ui.click(ui.get_by_role("button", name=search_label, exact=True))


def _the_journey(ui: UI, fh: FindHelp, *, shot: str) -> None:
    _search(
        ui, near=POINT, what_label="Type of help", open_now_label="Open now", search_label="Search"
    )
    ui.check(shot=f"{shot}-results")
    assert ui.path.startswith("/find-help/?")
    results = ui.locator(".result")
    assert results.count() == 1  # the far clinic (33 km) is beyond the 20 km default
    card = results.first
    assert visible(card.inner_text(), fh.bup.name)
    assert visible(card.inner_text(), "Open now")
    assert visible(card.inner_text(), "2.8 km away")
    assert visible(card.inner_text(), "3 same-day slots available")
    assert ui.locator(".crisis").is_visible()
    ui.click(card.get_by_role("link", name=fh.bup.name), shot=f"{shot}-service")
    text = ui.main_text()
    assert visible(text, fh.bup.name)
    assert visible(text, "Open now")
    assert visible(text, "Open 24 hours")  # hours
    assert visible(text, "3 of 5 same-day slots available")  # capacity
    assert visible(text, "Updated 2 hours ago")
    assert visible(text, "100 Main Street")
    banner = ui.locator(".crisis")
    assert visible(banner.inner_text(), CRISIS_NAME)
    assert banner.get_by_role("link", name=f"Call {CRISIS_PHONE}").get_attribute("href") == (
        "tel:18005550199"
    )
    assert ui.get_by_role("link", name="Call 555-0100").first.get_attribute("href") == "tel:5550100"


def test_a_person_finds_a_same_day_buprenorphine_start_open_now_near_them(
    page: UI, directory: FindHelp
) -> None:
    _the_journey(page, directory, shot="find-help")
    # With JavaScript, the results have a map (markers on a blank background: no tile server
    # is configured, so no request leaves this server) and "use my location" appears.
    page.go_back()
    page.check()
    page.locator("#results-map").wait_for(state="visible")
    assert page.locator("#results-map .leaflet-marker-icon").count() == 1
    page.visit("/find-help/")
    assert page.get_by_role("button", name="Use my location").is_visible()


def test_the_same_journey_works_without_javascript(no_js_page: UI, directory: FindHelp) -> None:
    _the_journey(no_js_page, directory, shot="find-help-no-js")
    assert no_js_page.evaluate(SCROLL_WIDTH) <= 360
    no_js_page.visit("/find-help/")
    assert no_js_page.get_by_role("button", name="Use my location").count() == 0
    no_js_page.visit(f"/find-help/?near={POINT}")
    assert no_js_page.locator("#results-map").is_hidden()  # no map without JavaScript


def test_the_same_journey_works_in_french(page: UI, directory: FindHelp) -> None:
    page.visit("/find-help/")
    page.get_by_role("combobox", name="Language").select_option("fr")
    page.click(page.locator("form.language button[type=submit]"))
    assert page.locator("html").get_attribute("lang") == "fr"
    _search(
        page,
        near=POINT,
        what_label="Type d’aide",
        open_now_label="Ouvert maintenant",
        search_label="Rechercher",
    )
    page.check(shot="find-help-fr-results")
    card = page.locator(".result").first
    assert visible(card.inner_text(), "Ouvert maintenant")
    assert visible(card.inner_text(), "à 2,8 km")
    page.click(card.get_by_role("link", name=directory.bup.name), shot="find-help-fr-service")
    text = page.main_text()
    assert visible(text, "Horaire")
    assert visible(text, "Ouvert 24 heures sur 24")
    assert visible(text, "3 sur 5 (same-day slots) disponibles")
    assert visible(text, "Places disponibles maintenant")
    assert visible(page.locator(".crisis").inner_text(), CRISIS_NAME)
    assert visible(page.locator(".crisis").inner_text(), f"Appelez le {CRISIS_PHONE}")


def test_a_confidential_address_stays_off_the_public_pages(phone: UI, directory: FindHelp) -> None:
    phone.visit(f"/find-help/?near={POINT}&q=shelter")
    assert visible(phone.main_text(), directory.shelter.name)
    assert "Hidden Lane" not in phone.content()
    phone.click(phone.get_by_role("link", name=directory.shelter.name))
    assert "Hidden Lane" not in phone.content()
    assert visible(phone.main_text(), "This is a confidential location")
    assert phone.evaluate(SCROLL_WIDTH) <= 360


def test_on_a_phone_the_map_is_fetched_only_when_asked_for(phone: UI, directory: FindHelp) -> None:
    fetched: list[str] = []
    phone.page.on("request", lambda request: fetched.append(request.url))
    phone.visit(f"/find-help/?near={POINT}")
    assert not [url for url in fetched if "leaflet" in url]
    assert phone.locator("#results-map").is_hidden()
    phone.get_by_role("button", name="Show the results on a map").click()
    phone.locator("#results-map .leaflet-marker-icon").first.wait_for(state="visible")
    assert [url for url in fetched if url.endswith("leaflet.js")]
    phone.check(shot="find-help-phone-map")
    assert phone.evaluate(SCROLL_WIDTH) <= 360
