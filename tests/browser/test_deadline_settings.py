"""The response deadlines page, in the browser: the coalition's coordinator changes a deadline
and puts it back; a clinic's clinician reads them; it fits a 360-pixel phone without
JavaScript.

axe-core runs on every page (the ``UI`` wrapper checks each page it loads).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import UI, Community, visible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MAIN_WIDTH = "() => document.querySelector('main').scrollWidth"


@pytest.fixture
def coalition(community: Community) -> Any:
    """Riverbend's partners are members of its coalition, which cora coordinates."""
    from carecircle.partners.models import Organization, Role, Sector
    from carecircle.partners.services import membership_create, organization_create
    from tests.factories import UserFactory

    coalition = organization_create(
        name="Riverbend Overdose Response Coalition",
        sector=Sector.COMMUNITY,
        jurisdiction=community.jurisdiction,
    )
    Organization.objects.exclude(pk=coalition.pk).update(parent=coalition)
    cora: Any = UserFactory(username="cora", first_name="Cora")
    membership_create(user=cora, organization=coalition, role=Role.COORDINATOR)
    return coalition


def test_the_coordinator_changes_a_deadline_and_puts_the_default_back(
    page: UI, coalition: Any
) -> None:
    page.sign_in("cora")
    page.click(page.locator("main").get_by_role("link", name="Referral response deadlines"))
    assert page.path == "/referrals/deadlines/"
    urgent = page.get_by_role("region", name="Urgent")
    assert visible(urgent.inner_text(), "4 hours")
    change = urgent.get_by_role("group", name="Change the deadline: Urgent")
    change.get_by_role("radio", name="hours on the clock").check()
    change.get_by_label("Answer within (number of hours or business days)").fill("2")
    page.click(page.get_by_role("button", name="Save the deadlines"), shot="deadlines-saved")
    text = page.main_text()
    assert "Response deadlines saved." in text
    urgent = page.get_by_role("region", name="Urgent")
    assert visible(urgent.inner_text(), "2 hours")
    assert visible(urgent.inner_text(), "Riverbend")

    urgent.get_by_label("Use the default instead").check()
    page.click(page.get_by_role("button", name="Save the deadlines"))
    urgent = page.get_by_role("region", name="Urgent")
    assert visible(urgent.inner_text(), "4 hours")
    assert visible(urgent.inner_text(), "The default")


def test_a_clinician_reads_the_deadlines_from_the_inbox(page: UI, coalition: Any) -> None:
    page.sign_in("alice")
    page.visit("/referrals/")
    page.click(page.locator("main").get_by_role("link", name="Response deadlines"))
    text = page.main_text()
    assert visible(text, "3 business days (Monday to Friday, from 9:00)")
    assert visible(text, "Riverbend Overdose Response Coalition")
    assert page.get_by_role("button", name="Save the deadlines").count() == 0


def test_the_page_fits_a_phone_and_names_mistakes_without_javascript(
    no_js_page: UI, coalition: Any
) -> None:
    no_js_page.sign_in("cora")
    no_js_page.visit("/referrals/deadlines/", shot="phone-deadlines")
    assert no_js_page.evaluate(MAIN_WIDTH) <= 360
    routine = no_js_page.get_by_role("region", name="Routine")
    routine.get_by_label("Answer within (number of hours or business days)").fill("0")
    no_js_page.click(no_js_page.get_by_role("button", name="Save the deadlines"))
    assert no_js_page.evaluate(MAIN_WIDTH) <= 360
    alert = no_js_page.get_by_role("alert").filter(has_text="Nothing was saved.")
    assert visible(alert.inner_text(), "whole number of business days from 1 to 30")
    routine = no_js_page.get_by_role("region", name="Routine")
    assert visible(routine.inner_text(), "3 business days")  # nothing was written
