"""Partner pages for keeping listings true: thin edges over directory.selectors and
directory.services.

Only organization admins and coordinators see them, and only for the listings their own
partner organization maintains: anyone else's listing is "not found".
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from carecircle.directory import selectors, services
from carecircle.directory.forms_partner import (
    STATUS_CHOICES,
    CapacityAddForm,
    CapacityAdjustForm,
    ServiceCreateForm,
    ServiceEditForm,
)
from carecircle.directory.models import Location, Metadata, Service, ServiceCapacity
from carecircle.partners.selectors import Actor
from carecircle.web.access import actor_of, role_required

EDITORS = ("org_admin", "coordinator")
LISTINGS_PER_PAGE = 50
HISTORY_PER_PAGE = 50
RECENT_HISTORY = 10


def _listing(actor: Actor, service_id: UUID) -> Service:
    try:
        return selectors.partner_listing_get(actor=actor, service_id=service_id)
    except Service.DoesNotExist:
        raise Http404 from None


def _errors_to_form(form: Form, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def _zone(actor: Actor) -> str:
    return str(actor.organization.jurisdiction.time_zone)


#: Words for the history, by HSDS field name and action; anything else shows as stored.
FIELD_LABELS = {
    "name": _l("Name"),
    "alternate_name": _l("Other name"),
    "description": _l("Description"),
    "application_process": _l("How to get this service"),
    "fees_description": _l("Fees"),
    "fees": _l("Fees"),
    "eligibility_description": _l("Who can use it"),
    "status": _l("Status"),
    "alert": _l("Alert"),
    "available": _l("Available"),
    "maximum": _l("Maximum"),
    "unit": _l("What is counted"),
    "last_verified_at": _l("Verified"),
}
ACTION_LABELS = {"create": _l("Added"), "update": _l("Changed"), "verify": _l("Verified")}


def _history_rows(rows: Iterable[Metadata], service: Service) -> list[Metadata]:
    """Metadata rows with words for people: ``when`` (a time, if the stored date reads as
    one), ``action_label`` and ``field_label`` (naming the unit for a capacity row)."""
    units = {c.pk: c.unit.name for c in service.capacities.all()}
    out = []
    for row in rows:
        when: datetime | None
        try:
            when = datetime.fromisoformat(row.last_action_date)
        except ValueError:
            when = None
        if when is not None and when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        row.when = when  # type: ignore[attr-defined]
        row.action_label = ACTION_LABELS.get(row.last_action_type, row.last_action_type)  # type: ignore[attr-defined]
        label = str(FIELD_LABELS.get(row.field_name, row.field_name))
        if row.resource_id in units:
            label = f"{label} ({units[row.resource_id]})"
        row.field_label = label  # type: ignore[attr-defined]
        out.append(row)
    return out


@role_required(*EDITORS)
@require_GET
def listings(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    now = timezone.now()
    page = Paginator(selectors.partner_listing_list(actor=actor), LISTINGS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    statuses = dict(STATUS_CHOICES)
    rows = [
        {
            "service": s,
            "unverified": selectors.is_unverified(s, now=now),
            "status_label": statuses.get(s.status, s.status),
        }
        for s in page.object_list
    ]
    unverified_count = (
        selectors.partner_listing_list(actor=actor).filter(selectors.unverified_q(now=now)).count()
    )
    return render(
        request,
        "directory/partner/listings.html",
        {
            "page": page,
            "rows": rows,
            "unverified_count": unverified_count,
            "can_create": selectors.partner_organization_list(actor=actor).exists(),
            "zone": _zone(actor),
        },
    )


def _edit_context(actor: Actor, service: Service, **extra: Any) -> dict[str, Any]:
    context: dict[str, Any] = {
        "service": service,
        "capacities": list(service.capacities.all()),
        "add_form": CapacityAddForm(),
        "history": _history_rows(
            selectors.listing_history(service=service)[:RECENT_HISTORY], service
        ),
        "unverified": selectors.is_unverified(service, now=timezone.now()),
        "zone": _zone(actor),
    }
    context.update(extra)
    return context


@role_required(*EDITORS)
@require_http_methods(["GET", "POST"])
def service_edit(request: HttpRequest, service_id: UUID) -> HttpResponse:
    actor = actor_of(request)
    service = _listing(actor, service_id)
    form = ServiceEditForm.for_service(service, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.listing_update(actor=actor, obj=service, changes=dict(form.cleaned_data))
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(request, _("Listing saved."))
            return redirect("directory_partner:service_edit", service_id=service.pk)
    return render(
        request,
        "directory/partner/edit.html",
        _edit_context(actor, service, form=form),
        status=400 if form.errors else 200,
    )


@role_required(*EDITORS)
@require_http_methods(["GET", "POST"])
def service_new(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    organizations = selectors.partner_organization_list(actor=actor)
    if not organizations.exists():
        raise Http404(_("Your organization has no listings in the directory."))
    form = ServiceCreateForm(
        request.POST or None,
        initial={"status": "active"},
        organizations=organizations,
        locations=Location.objects.filter(organization__in=organizations).order_by("name"),
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            service = services.service_create(
                actor=actor,
                organization=data.pop("organization"),
                locations=data.pop("locations"),
                **data,
            )
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(request, _("Service added to the directory."))
            return redirect("directory_partner:service_edit", service_id=service.pk)
    return render(
        request, "directory/partner/new.html", {"form": form}, status=400 if form.errors else 200
    )


@role_required(*EDITORS)
@require_POST
def service_verify(request: HttpRequest, service_id: UUID) -> HttpResponse:
    actor = actor_of(request)
    service = _listing(actor, service_id)
    services.listing_verify(actor=actor, service=service)
    if getattr(request, "htmx", False):
        return render(
            request,
            "directory/partner/_verified.html",
            {"service": service, "unverified": False, "zone": _zone(actor)},
        )
    messages.success(request, _("Thank you: the listing is marked as verified today."))
    if request.POST.get("next") == "list":
        return redirect("directory_partner:listings")
    return redirect("directory_partner:service_edit", service_id=service.pk)


@role_required(*EDITORS)
@require_GET
def service_history(request: HttpRequest, service_id: UUID) -> HttpResponse:
    actor = actor_of(request)
    service = _listing(actor, service_id)
    page = Paginator(selectors.listing_history(service=service), HISTORY_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "directory/partner/history.html",
        {
            "service": service,
            "page": page,
            "history": _history_rows(page.object_list, service),
            "zone": _zone(actor),
        },
    )


@role_required(*EDITORS)
@require_POST
def capacity_add(request: HttpRequest, service_id: UUID) -> HttpResponse:
    actor = actor_of(request)
    service = _listing(actor, service_id)
    form = CapacityAddForm(request.POST)
    if form.is_valid():
        try:
            services.capacity_update(actor=actor, service=service, **form.cleaned_data)
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(request, _("Capacity saved."))
            return redirect("directory_partner:service_edit", service_id=service.pk)
    context = _edit_context(actor, service, form=ServiceEditForm.for_service(service))
    context["add_form"] = form
    return render(request, "directory/partner/edit.html", context, status=400)


@role_required(*EDITORS)
@require_POST
def capacity_adjust(request: HttpRequest, capacity_id: UUID) -> HttpResponse:
    """+1, -1 or a number for one capacity row. With htmx the row is swapped in place (and an
    error is shown in the row, since htmx does not swap error responses); without JavaScript
    the page reloads."""
    actor = actor_of(request)
    try:
        capacity = selectors.partner_capacity_get(actor=actor, capacity_id=capacity_id)
    except ServiceCapacity.DoesNotExist:
        raise Http404 from None
    form = CapacityAdjustForm(request.POST)
    error = ""
    if form.is_valid():
        action, number = form.cleaned_data["action"], form.cleaned_data["available"]
        try:
            if action == "set":
                services.capacity_set(actor=actor, capacity=capacity, available=number)
            else:
                delta = 1.0 if action == "add" else -1.0
                services.capacity_adjust(actor=actor, capacity=capacity, delta=delta)
        except ValidationError as exc:
            error = " ".join(m for ms in exc.message_dict.values() for m in ms)
    else:
        error = " ".join(str(m) for ms in form.errors.values() for m in ms)
    capacity.refresh_from_db()
    if getattr(request, "htmx", False):
        return render(
            request,
            "directory/partner/_capacity.html",
            {"capacity": capacity, "error": error, "zone": _zone(actor)},
        )
    if error:
        messages.error(request, error)
        service = _listing(actor, capacity.service_id)
        context = _edit_context(actor, service, form=ServiceEditForm.for_service(service))
        return render(request, "directory/partner/edit.html", context, status=400)
    messages.success(request, _("Capacity updated."))
    return redirect("directory_partner:service_edit", service_id=capacity.service_id)
