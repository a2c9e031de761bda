"""The JSON API (Django Ninja): OpenAPI at /api/openapi.json, docs at /api/docs.

Partner systems send ``Authorization: Bearer <token>``; a signed-in browser session works too
(with its CSRF token). Every operation declares the roles it needs with :func:`roles`.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.security import APIKeyCookie, HttpBearer

from carecircle import __version__
from carecircle.partners.selectors import Actor
from carecircle.partners.services import token_authenticate
from carecircle.privacy.models import Purpose

F = TypeVar("F", bound=Callable[..., Any])


def _mfa_ok(user: Any) -> bool:
    if not settings.MFA_REQUIRED:
        return True
    from allauth.mfa.utils import is_mfa_enabled

    return bool(is_mfa_enabled(user))


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = token_authenticate(token)
        if found is None:
            return None
        api_token, membership = found
        if not _mfa_ok(membership.user):
            return None
        purpose = request.headers.get("X-Purpose-Of-Use", "care_coordination")
        if purpose not in Purpose.values:
            # It is recorded in every audit row: an unknown one must not reach the policy.
            raise HttpError(400, f"X-Purpose-Of-Use must be one of {', '.join(Purpose.values)}.")
        request.user = membership.user
        request.actor = Actor.from_membership(membership)  # type: ignore[attr-defined]
        request.purpose = purpose  # type: ignore[attr-defined]
        return api_token


class SessionActor(APIKeyCookie):
    """A signed-in browser session, acting as the web middleware resolved it."""

    param_name = settings.SESSION_COOKIE_NAME

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        if request.user.is_authenticated and getattr(request, "actor", None) is not None:
            return request.user
        return None


api = NinjaAPI(
    title="CareCircle API",
    version=__version__,
    description="The coalition's shared system. Every person-level read is consent-governed "
    "and audited.",
    auth=[BearerToken(), SessionActor()],
    urls_namespace="api",
)


def roles(*allowed: str) -> Callable[[F], F]:
    """Require an actor (any member when no role is named) in one of ``allowed`` roles."""
    allowed_set = frozenset(allowed)

    def decorator(func: F) -> F:
        @wraps(func)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            actor: Actor | None = getattr(request, "actor", None)
            if actor is None:
                raise AuthenticationError()
            if allowed_set and actor.role not in allowed_set:
                raise PermissionDenied("Your role does not give access to this operation.")
            # Answers to signed-in callers may hold person-level data: never cache them.
            request.person_level = True  # type: ignore[attr-defined]
            return func(request, *args, **kwargs)

        wrapper.required_roles = allowed_set  # type: ignore[attr-defined]
        # Ninja reads the handler's parameters from the wrapper: give it the resolved ones, so
        # a module using postponed annotations still gets its schemas.
        wrapper.__signature__ = inspect.signature(func, eval_str=True)  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorator


def public_operation(func: F) -> F:
    """Mark an operation open to anyone, signed in or not (its router has ``auth=None``): the
    URL-authorization sweep then checks that it answers anonymously instead of refusing."""
    func.public = True  # type: ignore[attr-defined]
    return func


@api.exception_handler(PermissionDenied)
def _permission_denied(request: HttpRequest, exc: PermissionDenied) -> Any:
    return api.create_response(request, {"detail": str(exc) or "Forbidden"}, status=403)


def _register() -> None:
    from carecircle.clients.api import router as clients_router
    from carecircle.directory.api import router as hsds_router
    from carecircle.partners.api import router as partners_router
    from carecircle.referrals.api import router as referrals_router

    api.add_router("/", partners_router)
    api.add_router("/clients", clients_router)
    api.add_router("/hsds", hsds_router)
    api.add_router("/referrals", referrals_router)


_register()
