"""The organization switcher: someone who works for two partners chooses whom they act for."""

from __future__ import annotations

from django.urls import reverse

from tests.fixtures import Riverbend


def acting_for(browser: object) -> dict[str, object]:
    return browser.get("/api/me").json()  # type: ignore[attr-defined]


def test_switching_to_an_organization_the_user_belongs_to(riverbend: Riverbend) -> None:
    riverbend.member("alice", "clinic", "intake_volunteer")
    browser = riverbend.http("alice")
    first = acting_for(browser)["organization_id"]
    other = riverbend.clinic if first == riverbend.ed.pk else riverbend.ed
    response = browser.post(reverse("web:switch"), {"organization": other.pk})
    assert response.status_code == 302
    assert response["Location"] == reverse("web:home")
    me = acting_for(browser)
    assert me["organization_id"] == other.pk
    assert me["role"] == ("intake_volunteer" if other == riverbend.clinic else "clinician")


def test_switching_to_an_organization_the_user_does_not_belong_to_does_nothing(
    riverbend: Riverbend,
) -> None:
    browser = riverbend.http("alice")
    browser.post(reverse("web:switch"), {"organization": riverbend.police.pk})
    assert acting_for(browser)["organization_id"] == riverbend.ed.pk
    browser.post(reverse("web:switch"), {"organization": "police"})
    assert acting_for(browser)["organization_id"] == riverbend.ed.pk


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
