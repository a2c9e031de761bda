"""Breaking the glass: refused, a stated reason, a red banner, and the owner's review."""

from __future__ import annotations

import pytest

from tests.browser.conftest import ENTRY_TEXT, UI, Community, visible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_clinician_elsewhere_breaks_the_glass_and_the_owner_reviews_it(
    page: UI, second_page: UI, community: Community
) -> None:
    nadia, edna = page, second_page

    # A clinician at the MOUD clinic, not on the care team, is refused the record.
    nadia.sign_in("nadia")
    response = nadia.visit(community.client_path(), shot="client-refused")
    assert response is not None
    assert response.status == 403
    assert not visible(nadia.main_text(), ENTRY_TEXT["health"])

    # Breaking the glass needs a reason of some length; a short one is refused.
    nadia.visit(community.emergency_path())
    nadia.get_by_label("Why is this an emergency?").fill("urgent")
    nadia.click(nadia.get_by_role("button", name="Open the record in an emergency"))
    assert nadia.path == community.emergency_path()
    assert nadia.get_by_label("Why is this an emergency?").is_visible()

    nadia.get_by_label("Why is this an emergency?").fill(
        "Arrived unconscious after an overdose; need the medication history."
    )
    nadia.click(
        nadia.get_by_role("button", name="Open the record in an emergency"),
        shot="client-emergency-access",
    )
    assert nadia.path == community.client_path()
    banner = nadia.get_by_role("alert").filter(has_text="Emergency access is active")
    assert banner.is_visible()
    assert "banner-danger" in (banner.get_attribute("class") or "")
    assert visible(nadia.main_text(), ENTRY_TEXT["health"])

    # The ED's admin sees the pending review on their landing page and records it.
    edna.sign_in("edna")
    nav = edna.get_by_role("navigation", name="Main")
    assert nav.get_by_role("link", name="Emergency access reviews").is_visible()
    assert "1 emergency access awaits your review." in edna.main_text()
    edna.click(edna.locator("main").get_by_role("link", name="Review emergency access"))
    review = edna.locator("main article").filter(has_text="nadia")
    assert visible(review.inner_text(), "Arrived unconscious after an overdose")
    review.get_by_role("radio", name="Justified", exact=True).check()
    review.get_by_label("Note").fill("Confirmed with the attending physician.")
    edna.click(review.get_by_role("button", name="Record review"), shot="emergency-reviewed")
    assert "Review recorded." in edna.main_text()
    assert "Nothing to review." in edna.main_text()
    edna.visit("/home/")
    assert "0 emergency accesses await your review." in edna.main_text()


def test_someone_else_cannot_review_the_grant(page: UI, community: Community) -> None:
    """Only the owning organization's admin reviews; a clinician has no review page."""
    page.sign_in("alice")
    response = page.visit("/privacy/emergency-reviews/")
    assert response is not None
    assert response.status == 403
