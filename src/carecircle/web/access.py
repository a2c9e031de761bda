"""How a view says who may use it. The URL enumeration test reads these marks."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from carecircle.partners.selectors import Actor

View = TypeVar("View", bound=Callable[..., HttpResponse])


def public(view: View) -> View:
    """Anyone may see this page, signed in or not. It must hold no person-level data."""
    view = login_not_required(view)
    view.public = True  # type: ignore[attr-defined]
    return view


def role_required(
    *roles: str, person_level: bool = False
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Needs a signed-in member acting in one of ``roles`` (any role when none are named).

    ``person_level`` pages get no-store caching and the client-side idle sign-out.
    """
    allowed = frozenset(roles)

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            actor: Actor | None = getattr(request, "actor", None)
            if actor is None:
                raise PermissionDenied("You are not a member of any organization.")
            if allowed and actor.role not in allowed:
                raise PermissionDenied("Your role does not give access to this page.")
            if person_level:
                request.person_level = True  # type: ignore[attr-defined]
            return view(request, *args, **kwargs)

        wrapper.required_roles = allowed  # type: ignore[attr-defined]
        wrapper.person_level = person_level  # type: ignore[attr-defined]
        return wrapper

    return decorator


def actor_of(request: HttpRequest) -> Actor:
    actor: Actor | None = getattr(request, "actor", None)
    if actor is None:
        raise PermissionDenied
    return actor


def roles_with(classes: Iterable[str]) -> tuple[str, ...]:
    """Roles whose entitlement includes any of these data classes."""
    from carecircle.privacy.rules import ROLE_CLASSES

    wanted = set(classes)
    return tuple(sorted(r for r, c in ROLE_CLASSES.items() if wanted & c))
