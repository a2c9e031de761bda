from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from carecircle.privacy.models import Purpose
from carecircle.web.navigation import navigation_for


def carecircle(request: HttpRequest) -> dict[str, Any]:
    actor = getattr(request, "actor", None)
    return {
        "mfa_relaxed": not settings.MFA_REQUIRED,
        "carecircle_env": settings.CARECIRCLE_ENV,
        "actor": actor,
        "memberships": getattr(request, "memberships", []),
        "purpose": getattr(request, "purpose", ""),
        "navigation": navigation_for(actor),
        "idle_timeout_seconds": settings.IDLE_TIMEOUT_SECONDS,
        "purposes": Purpose.choices,
    }
