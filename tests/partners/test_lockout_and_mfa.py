"""Signing in: two-step verification cannot be gone around, and guessing passwords locks out.

The admin's own login form knows nothing of allauth's MFA stage, so it is wrapped to send
everyone through allauth; and a session whose sign-in never passed the MFA stage is ended.
django-axes locks one username (from one address) after repeated failures, even for the
right password, without locking out everyone else behind the same address.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import axes.utils
import pytest
from allauth.account.authentication import get_authentication_records
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from django.conf import settings as django_settings
from django.core.cache import cache
from django.test import Client as HttpClient
from django.urls import reverse

from tests.fixtures import PASSWORD, Riverbend

#: A fixed base32 TOTP secret for the tests (160 bits, as allauth generates).
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@pytest.fixture(autouse=True)
def _fresh_counters(db: None) -> Iterator[None]:
    """allauth's rate limits and used-code marks live in the cache, axes' attempts in the
    database: start and end each test with neither."""
    cache.clear()
    axes.utils.reset()
    yield
    axes.utils.reset()
    cache.clear()


def totp_code(secret: str = TOTP_SECRET) -> str:
    counter = int(time.time()) // mfa_settings.TOTP_PERIOD
    return format_hotp_value(hotp_value(secret, counter))


def signed_in(browser: HttpClient) -> bool:
    return "_auth_user_id" in browser.session


@pytest.fixture
def staff_alice(riverbend: Riverbend, settings: Any) -> Any:
    """Alice, staff (she may open the admin), with a TOTP authenticator; MFA is required."""
    settings.MFA_REQUIRED = True
    alice = riverbend.alice
    alice.is_staff = True
    alice.save(update_fields=["is_staff"])
    TOTP.activate(alice, TOTP_SECRET)
    return alice


# --- MFA -------------------------------------------------------------------------------------


def test_the_admin_login_with_only_a_password_gives_no_session(
    riverbend: Riverbend, staff_alice: Any
) -> None:
    browser = HttpClient()
    response = browser.post(
        "/admin/login/?next=/admin/", {"username": "alice", "password": PASSWORD}
    )
    # Sent to allauth's sign-in (which has the MFA stage), not signed in by the admin form.
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert not signed_in(browser)
    clients = browser.get(reverse("clients:list"))
    assert clients.status_code == 302
    assert clients["Location"].startswith(reverse("account_login"))
    admin = browser.get("/admin/", follow=True)
    # The admin sends anonymous visitors to its login, which is now allauth's sign-in.
    assert admin.redirect_chain[-1][0].startswith(reverse("account_login"))
    assert not signed_in(browser)


def test_a_password_only_sign_in_through_allauth_stops_at_the_mfa_stage(
    riverbend: Riverbend, staff_alice: Any
) -> None:
    browser = HttpClient()
    response = browser.post(reverse("account_login"), {"login": "alice", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_authenticate"))
    assert not signed_in(browser)
    assert browser.get(reverse("clients:list")).status_code == 302


def test_signing_in_with_password_and_code_opens_the_clients_and_the_admin(
    riverbend: Riverbend, staff_alice: Any
) -> None:
    browser = HttpClient()
    browser.post(reverse("account_login"), {"login": "alice", "password": PASSWORD})
    verified = browser.post(reverse("mfa_authenticate"), {"code": totp_code()})
    assert verified.status_code == 302, verified.content.decode()[:500]
    assert signed_in(browser)
    clients = browser.get(reverse("clients:list"))
    assert clients.status_code == 200
    records = get_authentication_records(clients.wsgi_request, staff_alice)
    assert any(record.get("method") == "mfa" for record in records)
    assert browser.get("/admin/").status_code == 200


def test_a_session_without_an_mfa_record_is_signed_out(
    riverbend: Riverbend, staff_alice: Any
) -> None:
    # force_login stands for any sign-in that went around allauth's MFA stage.
    browser = riverbend.http("alice")
    assert signed_in(browser)
    response = browser.get(reverse("clients:list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert not signed_in(browser)
    # Signed out, not just bounced once.
    assert browser.get(reverse("clients:list")).status_code == 302
    assert not signed_in(browser)


def test_a_session_without_an_mfa_record_is_refused_by_the_api_and_the_admin(
    riverbend: Riverbend, staff_alice: Any
) -> None:
    api = riverbend.http("alice")
    assert api.get("/api/me").status_code in {401, 403}
    assert not signed_in(api)
    admin = riverbend.http("alice")
    response = admin.get("/admin/")
    assert response.status_code == 302
    assert not signed_in(admin)


def test_mfa_records_of_another_user_do_not_count(riverbend: Riverbend, staff_alice: Any) -> None:
    # Hana verified with her own factor; the session then changes hands to Alice.
    TOTP.activate(riverbend.hana, TOTP_SECRET)
    browser = HttpClient()
    browser.post(reverse("account_login"), {"login": "hana", "password": PASSWORD})
    assert browser.post(reverse("mfa_authenticate"), {"code": totp_code()}).status_code == 302
    assert browser.get(reverse("clients:list")).status_code == 200
    browser.force_login(riverbend.alice)
    response = browser.get(reverse("clients:list"))
    assert response.status_code == 302
    assert not signed_in(browser)


# --- lockout -----------------------------------------------------------------------------------


def _sign_in(browser: HttpClient, username: str, password: str) -> Any:
    return browser.post(reverse("account_login"), {"login": username, "password": password})


def _locked_out(response: Any) -> bool:
    templates = {t.name for t in getattr(response, "templates", []) or []}
    return response.status_code == 429 or django_settings.AXES_LOCKOUT_TEMPLATE in templates


@pytest.mark.parametrize("allauth_rate_limits", [False, True], ids=["axes-alone", "with-allauth"])
def test_after_repeated_failures_even_the_right_password_is_refused(
    riverbend: Riverbend, settings: Any, allauth_rate_limits: bool
) -> None:
    assert settings.AXES_ENABLED is not False
    if not allauth_rate_limits:
        # Without allauth's own login_failed limit, only axes can refuse the right password.
        settings.ACCOUNT_RATE_LIMITS = False
    browser = HttpClient()
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(browser, "alice", "not-the-password")
        assert not signed_in(browser)
    response = _sign_in(browser, "alice", PASSWORD)
    assert not signed_in(browser)
    if not allauth_rate_limits:
        assert _locked_out(response), (response.status_code, response.content.decode()[:300])
    else:
        assert response.status_code != 302
    assert browser.get(reverse("clients:list")).status_code == 302

    # Someone else behind the same address still signs in.
    colleague = HttpClient()
    welcome = _sign_in(colleague, "hana", PASSWORD)
    assert welcome.status_code == 302
    assert welcome["Location"] == reverse("web:home")
    assert signed_in(colleague)
    assert colleague.get(reverse("clients:list")).status_code == 200


def test_fewer_failures_than_the_limit_do_not_lock_out(riverbend: Riverbend, settings: Any) -> None:
    settings.ACCOUNT_RATE_LIMITS = False
    browser = HttpClient()
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        _sign_in(browser, "alice", "not-the-password")
    response = _sign_in(browser, "alice", PASSWORD)
    assert response.status_code == 302
    assert signed_in(browser)
