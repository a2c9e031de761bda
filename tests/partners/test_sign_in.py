"""Signed-in sessions: they idle out, and where MFA is required nothing opens without it."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from allauth.mfa.models import Authenticator
from django.conf import settings as django_settings
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from carecircle.partners.services import token_create
from tests.fixtures import Riverbend


def test_an_idle_session_is_signed_out_on_the_next_person_level_request(
    riverbend: Riverbend,
) -> None:
    browser = riverbend.http("alice")
    url = reverse("clients:list")
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        assert browser.get(url).status_code == 200
    idle = django_settings.IDLE_TIMEOUT_SECONDS
    with time_machine.travel(start + timedelta(seconds=idle - 30), tick=False):
        assert browser.get(url).status_code == 200  # still within the timeout; resets the clock
    later = start + timedelta(seconds=2 * idle)
    with time_machine.travel(later, tick=False):
        response = browser.get(url)
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('account_login')}?next={url}"
        again = browser.get(url)
        assert again.status_code == 302  # signed out, not just bounced once
        assert "_auth_user_id" not in browser.session


def test_last_seen_is_written_at_most_once_a_minute(riverbend: Riverbend) -> None:
    browser = riverbend.http("alice")
    url = reverse("clients:list")
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        assert browser.get(url).status_code == 200
    first = browser.session["last_seen"]
    with time_machine.travel(start + timedelta(seconds=30), tick=False):
        assert browser.get(url).status_code == 200
    assert browser.session["last_seen"] == first  # no session write for this request
    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        assert browser.get(url).status_code == 200
    assert browser.session["last_seen"] == first + 61


def test_an_idle_session_is_refused_by_the_api(riverbend: Riverbend) -> None:
    browser = riverbend.http("alice")
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        assert browser.get("/api/me").status_code == 200
    with time_machine.travel(start + timedelta(seconds=django_settings.IDLE_TIMEOUT_SECONDS + 5)):
        assert browser.get("/api/me").status_code == 401


def test_with_mfa_required_a_member_without_it_is_sent_to_set_it_up(
    riverbend: Riverbend, settings: object
) -> None:
    settings.MFA_REQUIRED = True  # type: ignore[attr-defined]
    _token, secret = token_create(user=riverbend.alice)
    browser = riverbend.http("alice")
    response = browser.get(reverse("clients:list"))
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")
    # The set-up pages stay open (allauth may first ask to re-enter the password): no loop.
    setup = browser.get(reverse("mfa_activate_totp"))
    assert setup.status_code == 200 or setup["Location"].startswith("/accounts/reauthenticate/")
    assert browser.get("/api/me").status_code == 403
    by_token = HttpClient(headers={"Authorization": f"Bearer {secret}"})
    assert by_token.get("/api/me").status_code == 401


def test_with_mfa_required_a_member_with_it_gets_in(riverbend: Riverbend, settings: object) -> None:
    settings.MFA_REQUIRED = True  # type: ignore[attr-defined]
    Authenticator.objects.create(
        user=riverbend.alice, type=Authenticator.Type.TOTP, data={"secret": "unused-in-this-test"}
    )
    _token, secret = token_create(user=riverbend.alice)
    # A session must also have passed the second factor: a password-only session (here
    # force_login) is signed out. The full TOTP sign-in is in test_lockout_and_mfa.py.
    assert riverbend.http("alice").get(reverse("clients:list")).status_code == 302
    by_token = HttpClient(headers={"Authorization": f"Bearer {secret}"})
    assert by_token.get("/api/me").status_code == 200
