"""Cross-cutting request handling: request ids, deny by default, MFA, idle timeout, acting context.

The web layer hosts these because they wrap every request; they call down into partners and
privacy, never the other way round.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _

from carecircle.partners.selectors import Actor, membership_choose, membership_list
from carecircle.requestctx import set_request_id

ALWAYS_OPEN_PREFIXES = ("/static/", "/accounts/", "/i18n/", "/healthz")
#: The default purpose of use for each role, until the person picks another in the header.
DEFAULT_PURPOSE = {
    "clinician": "treatment",
    "peer_worker": "treatment",
    "outreach_worker": "treatment",
    "analyst": "payment_operations",
    "org_admin": "payment_operations",
}


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        # Accept a proxy's id only if it is short and plain, so it cannot smuggle anything.
        request_id = set_request_id(
            incoming if incoming.isalnum() and len(incoming) <= 64 else None
        )
        response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response


class SecurityHeadersMiddleware:
    """Headers Django does not set itself."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=(self), payment=()"
        )
        response.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        if getattr(request, "person_level", False):
            # Person-level pages must not linger in shared or browser caches.
            response["Cache-Control"] = "no-store, private"
        return response


class DenyByDefaultMiddleware(LoginRequiredMiddleware):
    """Every page needs a signed-in user unless its view is marked public.

    The JSON API answers 401 itself (token or session), so it is left to Ninja's auth.
    """

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponseBase | None:
        if request.path.startswith("/api/"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


#: How stale the session's "last seen" may be before it is written again.
LAST_SEEN_RESOLUTION_SECONDS = 60


class IdleTimeoutMiddleware:
    """Sign out a session idle for longer than CARECIRCLE_IDLE_TIMEOUT_MINUTES."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated and not request.path.startswith("/static/"):
            now = int(time.time())
            last_seen = request.session.get("last_seen")
            if last_seen is not None and now - int(last_seen) > settings.IDLE_TIMEOUT_SECONDS:
                logout(request)
                messages.info(request, _("You were signed out after a period of inactivity."))
                if request.path.startswith("/api/"):
                    return HttpResponse(status=401)
                return HttpResponseRedirect(f"{reverse('account_login')}?next={request.path}")
            # Written at most once a minute: a session saved on every request costs every page
            # a write, and the timeout needs no finer clock.
            if last_seen is None or now - int(last_seen) >= LAST_SEEN_RESOLUTION_SECONDS:
                request.session["last_seen"] = now
        return self.get_response(request)


class RequireMFAMiddleware:
    """Where MFA is required, a signed-in user must have set it up *and* used it this session.

    Without a factor they may only set one up or sign out. With one but no "mfa" record in the
    session (a sign-in that went around allauth's MFA stage), the session is ended.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            settings.MFA_REQUIRED
            and request.user.is_authenticated
            and not request.path.startswith(ALWAYS_OPEN_PREFIXES)
        ):
            from allauth.account.authentication import get_authentication_records
            from allauth.mfa.utils import is_mfa_enabled

            if not is_mfa_enabled(request.user):
                if request.path.startswith("/api/"):
                    return HttpResponse(status=403)
                messages.warning(request, _("Set up two-step verification to continue."))
                return HttpResponseRedirect(reverse("mfa_activate_totp"))
            records = get_authentication_records(request, request.user)
            if not any(record.get("method") == "mfa" for record in records):
                logout(request)
                if request.path.startswith("/api/"):
                    return HttpResponse(status=401)
                messages.info(request, _("Sign in again with your two-step verification."))
                return HttpResponseRedirect(f"{reverse('account_login')}?next={request.path}")
        return self.get_response(request)


class ActingContextMiddleware:
    """Resolve who the user acts for: ``request.actor`` (or None) and their memberships."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.actor = None  # type: ignore[attr-defined]
        request.memberships = []  # type: ignore[attr-defined]
        request.purpose = ""  # type: ignore[attr-defined]
        if request.user.is_authenticated:
            memberships = list(membership_list(user=request.user))
            request.memberships = memberships  # type: ignore[attr-defined]
            membership = membership_choose(memberships, request.session.get("acting_org_id"))
            if membership is not None:
                actor = Actor.from_membership(membership)
                request.actor = actor  # type: ignore[attr-defined]
                request.purpose = request.session.get(  # type: ignore[attr-defined]
                    "purpose", DEFAULT_PURPOSE.get(actor.role, "care_coordination")
                )
        return self.get_response(request)
