from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest


class AccountAdapter(DefaultAccountAdapter):
    """Staff accounts are created by organization admins, never by open sign-up."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False


def axes_username(request: HttpRequest, credentials: dict[str, object] | None) -> str | None:
    """The username django-axes counts failures against, however the sign-in form names it."""
    for source in (credentials or {}, request.POST):
        for key in ("username", "login"):
            value = source.get(key)
            if value:
                return str(value).strip().lower()
    return None
