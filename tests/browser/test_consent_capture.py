"""Consent capture in the browser: signed on a phone, attested without JavaScript."""

from __future__ import annotations

import re

import pytest

from carecircle.privacy.models import ConsentDirective
from tests.browser.conftest import UI, Community, visible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _answer(ui: UI, community: Community) -> None:
    ui.get_by_role("checkbox", name=community.clinic.name).check()
    ui.get_by_role("checkbox", name=re.compile("^Substance-use treatment")).check()
    ui.get_by_role("checkbox", name=re.compile("^Coordinating care")).check()
    ui.get_by_role("radio", name="Yes, they may see it").check()


def test_the_person_signs_on_a_phone_and_gets_a_summary(phone: UI, community: Community) -> None:
    phone.sign_in("alice")
    phone.visit(f"/clients/{community.client.pk}/consents/new/", shot="consent-new-phone")
    _answer(phone, community)
    canvas = phone.locator("canvas.signature-canvas")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    assert box is not None
    phone.mouse.move(box["x"] + 20, box["y"] + 40)
    phone.mouse.down()
    for step in range(1, 12):
        phone.mouse.move(box["x"] + 20 + step * 20, box["y"] + 40 + (step % 3) * 25)
    phone.mouse.up()
    assert phone.get_by_role("radio", name="Signed on screen").is_checked()
    phone.click(
        phone.get_by_role("button", name="Record the consent"), shot="consent-summary-phone"
    )
    text = phone.main_text()
    assert visible(
        text,
        f"You agreed that {community.clinic.name} may see your substance-use treatment "
        "information for coordinating care, until you say stop.",
    ), text
    assert "42 CFR Part 2" in text
    consent = ConsentDirective.objects.get()
    assert consent.capture_method == "signature"
    assert consent.signature.startswith("data:image/png;base64,")
    assert phone.locator("img.signature-image").is_visible()
    phone.visit(phone.path + "?lang=fr", shot="consent-summary-fr")
    phone.visit(f"/clients/{community.client.pk}/access/", shot="consent-access")
    phone.visit(f"/clients/{community.client.pk}/consents/", shot="consent-list")


def test_without_javascript_the_worker_attests(no_js_page: UI, community: Community) -> None:
    ui = no_js_page
    ui.sign_in("alice")
    ui.visit(f"/clients/{community.client.pk}/consents/new/", shot="consent-new-nojs")
    assert not ui.get_by_role("radio", name="Signed on screen").is_visible()
    ui.get_by_role("checkbox", name=community.clinic.name).check()
    ui.get_by_role("checkbox", name=re.compile("^Health")).check()
    ui.get_by_role("checkbox", name=re.compile("^Coordinating care")).check()
    ui.get_by_role("radio", name="Yes, they may see it").check()
    ui.get_by_role("radio", name=re.compile("^Verbal consent")).check()
    ui.click(ui.get_by_role("button", name="Record the consent"), shot="consent-error-nojs")
    assert "Tick the box to attest" in ui.main_text()
    ui.get_by_role("checkbox", name=re.compile("^I read this consent aloud")).check()
    ui.click(ui.get_by_role("button", name="Record the consent"))
    assert "The worker attested" in ui.main_text()
