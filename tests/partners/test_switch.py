"""The organization switcher: someone who works for two partners chooses whom they act for."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from carecircle.partners.selectors import Actor
from tests.fixtures import Riverbend


def acting_for(browser: object) -> dict[str, object]:
    return browser.get("/api/me").json()  # type: ignore[attr-defined]


def acting_actor(browser: Any) -> Actor | None:
    """Who the next request acts as, as the middleware resolves it."""
    return browser.get(reverse("web:home")).wsgi_request.actor


def test_switching_to_an_organization_the_user_belongs_to(riverbend: Riverbend) -> None:
    riverbend.member("alice", "clinic", "intake_volunteer")
    browser = riverbend.http("alice")
    # Two memberships; before any choice she acts for the first by name, the ED.
    before = acting_actor(browser)
    assert before is not None
    assert (before.organization, before.role) == (riverbend.ed, "clinician")

    response = browser.post(reverse("web:switch"), {"organization": riverbend.clinic.pk})
    assert response.status_code == 302
    assert response["Location"] == reverse("web:home")
    assert browser.session["acting_org_id"] == riverbend.clinic.pk
    actor = acting_actor(browser)
    assert actor is not None
    assert (actor.organization, actor.role) == (riverbend.clinic, "intake_volunteer")
    assert actor.user_id == riverbend.alice.pk
    assert acting_for(browser) == {
        "username": "alice",
        "organization_id": riverbend.clinic.pk,
        "organization": riverbend.clinic.name,
        "role": "intake_volunteer",
    }

    # And back again.
    browser.post(reverse("web:switch"), {"organization": riverbend.ed.pk})
    assert browser.session["acting_org_id"] == riverbend.ed.pk
    back = acting_actor(browser)
    assert back is not None
    assert (back.organization, back.role) == (riverbend.ed, "clinician")


def test_switching_to_an_organization_the_user_does_not_belong_to_does_nothing(
    riverbend: Riverbend,
) -> None:
    riverbend.member("alice", "clinic", "intake_volunteer")
    browser = riverbend.http("alice")
    browser.post(reverse("web:switch"), {"organization": riverbend.clinic.pk})
    assert browser.session["acting_org_id"] == riverbend.clinic.pk
    for refused in (riverbend.police.pk, "police", "", "-1"):
        browser.post(reverse("web:switch"), {"organization": refused})
        assert browser.session["acting_org_id"] == riverbend.clinic.pk
        actor = acting_actor(browser)
        assert actor is not None
        assert (actor.organization, actor.role) == (riverbend.clinic, "intake_volunteer")
    assert acting_for(browser)["organization_id"] == riverbend.clinic.pk


def test_someone_with_one_membership_cannot_switch_into_another(riverbend: Riverbend) -> None:
    browser = riverbend.http("alice")
    browser.post(reverse("web:switch"), {"organization": riverbend.police.pk})
    assert "acting_org_id" not in browser.session
    actor = acting_actor(browser)
    assert actor is not None
    assert actor.organization == riverbend.ed


def test_switching_the_purpose_of_use(riverbend: Riverbend) -> None:
    browser = riverbend.http("alice")
    browser.post(reverse("web:switch"), {"purpose": "research"})
    assert browser.session["purpose"] == "research"
    browser.post(reverse("web:switch"), {"purpose": "curiosity"})
    assert browser.session["purpose"] == "research"


def test_the_switcher_only_redirects_within_the_site(riverbend: Riverbend) -> None:
    browser = riverbend.http("alice")
    inside = browser.post(reverse("web:switch"), {"next": "/clients/"})
    assert inside["Location"] == "/clients/"
    outside = browser.post(reverse("web:switch"), {"next": "https://evil.example/"})
    assert outside["Location"] == reverse("web:home")


def test_an_ended_membership_is_no_longer_offered(riverbend: Riverbend) -> None:
    from carecircle.partners.services import membership_end

    riverbend.member("alice", "clinic", "intake_volunteer")
    clinic_membership = riverbend.memberships["alice"]
    browser = riverbend.http("alice")
    browser.post(reverse("web:switch"), {"organization": riverbend.clinic.pk})
    assert acting_for(browser)["organization_id"] == riverbend.clinic.pk
    membership_end(membership=clinic_membership)
    assert acting_for(browser)["organization_id"] == riverbend.ed.pk
