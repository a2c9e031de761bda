"""The language form switches the interface language."""

from __future__ import annotations

import pytest

from tests.browser.conftest import UI

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_choosing_french_sets_the_page_language(page: UI) -> None:
    page.visit("/")
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_role("combobox", name="Language").select_option("fr")
    page.click(page.locator("form.language button[type=submit]"), shot="public-home-fr")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.path == "/"
    # The choice sticks for the next page.
    page.visit("/accounts/login/")
    assert page.locator("html").get_attribute("lang") == "fr"
