"""Base pages: the public front door, each role's landing page, the organization switcher."""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from carecircle.partners.selectors import organization_list
from carecircle.privacy.models import Purpose
from carecircle.privacy.selectors import emergency_access_for_review
from carecircle.web.access import actor_of, public, role_required


@public
@require_GET
def public_home(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("web:home")
    return render(request, "web/public_home.html")


@public
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok", "env": settings.CARECIRCLE_ENV})


@role_required()
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Each role lands on what it does most."""
    actor = actor_of(request)
    context: dict[str, object] = {"role": actor.role}
    if actor.is_org_admin:
        context["pending_reviews"] = emergency_access_for_review(actor=actor).count()
    return render(request, "web/home.html", context)


@role_required()
@require_GET
def partners(request: HttpRequest) -> HttpResponse:
    organizations = organization_list().order_by("sector", "name")
    return render(request, "web/partners.html", {"organizations": organizations})


@role_required()
@require_POST
def switch_context(request: HttpRequest) -> HttpResponse:
    """Switch the organization the user acts for, or the purpose of use, for this session."""
    memberships = {m.organization_id: m for m in getattr(request, "memberships", [])}
    org_raw = request.POST.get("organization", "")
    if org_raw.isdigit() and int(org_raw) in memberships:
        if request.session.get("acting_org_id") != int(org_raw):
            request.session.pop("purpose", None)
        request.session["acting_org_id"] = int(org_raw)
    purpose = request.POST.get("purpose", "")
    if purpose in Purpose.values:
        request.session["purpose"] = purpose
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ""
    return redirect(next_url or "web:home")
