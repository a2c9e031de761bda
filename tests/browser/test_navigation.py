"""Every page in a role's navigation opens, marks itself current, and passes axe-core."""

from __future__ import annotations

import pytest

from tests.browser.conftest import UI, Community

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_clinician_walks_every_page_of_her_navigation(page: UI, community: Community) -> None:
    page.sign_in("alice")
    nav = page.get_by_role("navigation", name="Main")
    labels = nav.get_by_role("link").all_inner_texts()
    assert labels == ["Home", "Clients", "Referrals", "Partners", "Notifications"]
    for label in labels:
        link = nav.get_by_role("link", name=label, exact=True)
        page.click(link)
        assert link.get_attribute("aria-current") == "page"

    page.visit("/clients/")
    page.click(page.locator("main").get_by_role("link", name="New client record"))
    page.visit(community.client_path())
    page.click(page.locator("main").get_by_role("link", name="Accounting of disclosures"))
