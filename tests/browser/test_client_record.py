"""A client's record across organizations: consent opens it, revocation closes it at once."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import ENTRY_TEXT, UI, Community, visible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _open_the_record(ui: UI, name: str = "Jordan Rivers") -> None:
    ui.click(ui.get_by_role("navigation", name="Main").get_by_role("link", name="Clients"))
    ui.click(ui.locator("main").get_by_role("link", name=name))


def test_the_ed_clinician_sees_the_health_entries_of_her_own_record(
    page: UI, community: Community
) -> None:
    page.sign_in("alice")
    _open_the_record(page)
    page.check(shot="client-record-alice")
    text = page.main_text()
    for body in ENTRY_TEXT.values():
        assert visible(text, body)
    # Justice data is hidden from a clinician's role, and breaking the glass cannot change
    # that, so no emergency access link is offered.
    assert "Justice — Your role does not include this kind of information." in text
    assert page.locator("main").get_by_role("link", name="Emergency access").count() == 0


def test_consent_opens_harm_reduction_to_the_police_and_revocation_closes_it(
    page: UI, second_page: UI, community: Community
) -> None:
    alice, lee = page, second_page
    harm_reduction = ENTRY_TEXT["harm_reduction"]
    health = ENTRY_TEXT["health"]

    # Before any consent the police co-responder, on the care team, sees general data only.
    lee.sign_in("lee")
    _open_the_record(lee)
    text = lee.main_text()
    assert visible(text, ENTRY_TEXT["general"])
    assert not visible(text, harm_reduction)
    assert not visible(text, health)
    assert "Police and justice need a consent naming their organization." in text

    # Alice records the person's consent: health and harm reduction, for the police, to treat.
    # The person answers out loud; alice attests that she read it to them.
    alice.sign_in("alice")
    _open_the_record(alice)
    alice.click(alice.locator("main").get_by_role("link", name="Consent", exact=True))
    alice.click(alice.locator("main").get_by_role("link", name="Record consent"))
    alice.get_by_role("checkbox", name=community.police.name).check()
    information = alice.get_by_role("group", name="2. Which kinds of information?")
    information.get_by_role("checkbox", name=re.compile("^Health")).check()
    information.get_by_role("checkbox", name=re.compile("^Harm reduction")).check()
    purposes = alice.get_by_role("group", name="3. What for?")
    purposes.get_by_role("checkbox", name=re.compile("^Care and treatment")).check()
    alice.get_by_role("radio", name="Yes, they may see it").check()
    alice.get_by_role("radio", name=re.compile("^Verbal consent")).check()
    alice.get_by_role("checkbox", name=re.compile("^I read this consent aloud")).check()
    alice.click(alice.get_by_role("button", name="Record the consent"), shot="consent-recorded")
    assert "The worker attested" in alice.main_text()

    # Lee's next page load shows the harm-reduction entry. Health stays hidden: an outreach
    # worker's role never sees health data, whatever the consent says.
    lee.visit(community.client_path(), shot="client-record-lee-consented")
    text = lee.main_text()
    assert visible(text, harm_reduction)
    assert not visible(text, health)
    assert "Health — Your role does not include this kind of information." in text

    # Alice withdraws it in one step from the record; lee's very next page load no longer
    # shows it.
    alice.visit(community.client_path())
    alice.get_by_label("Why is it withdrawn?").fill("The person asked to withdraw consent.")
    alice.click(alice.get_by_role("button", name="Withdraw this consent"))

    lee.visit(community.client_path())
    text = lee.main_text()
    assert not visible(text, harm_reduction)
    assert "Police and justice need a consent naming their organization." in text


def test_emergency_access_does_not_open_protected_classes_to_the_police(
    page: UI, community: Community
) -> None:
    page.sign_in("lee")
    page.visit(community.client_path())
    # The link is offered: justice information is one thing emergency access can open for lee.
    page.click(page.locator("main").get_by_role("link", name="Emergency access"))
    page.get_by_label("Why is this an emergency?").fill(
        "The person is unresponsive at the scene and cannot be asked."
    )
    page.click(page.get_by_role("button", name="Open the record in an emergency"))
    assert page.path == community.client_path()
    text = page.main_text()
    assert "Emergency access is active" in text
    for data_class in ("health", "substance_use", "mental_health", "harm_reduction"):
        assert not visible(text, ENTRY_TEXT[data_class])
    assert "Police and justice need a consent naming their organization." in text
