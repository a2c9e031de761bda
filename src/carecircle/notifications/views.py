"""Inbox and webhook pages: thin edges over notifications.selectors and notifications.services."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from carecircle.notifications import selectors, services
from carecircle.notifications.forms import WebhookEndpointForm
from carecircle.notifications.models import Notification, WebhookEndpoint
from carecircle.web.access import actor_of, role_required

PAGE_SIZE = 50
#: Session key holding the id of the endpoint whose secret is shown once after creation.
REVEAL_SESSION_KEY = "notifications_reveal_endpoint"


def _signed_in(request: HttpRequest) -> AbstractBaseUser:
    user = request.user
    if not isinstance(user, AbstractBaseUser):  # role_required already turned anonymous away
        raise PermissionDenied
    return user


def _inbox_context(request: HttpRequest, page_number: str | None) -> dict[str, Any]:
    paginator = Paginator(selectors.notification_list(user=request.user), PAGE_SIZE)
    page = paginator.get_page(page_number)
    return {
        "page": page,
        "items": page.object_list,
        "unread_count": selectors.notification_unread_count(user=request.user),
    }


@role_required()
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    return render(
        request, "notifications/inbox.html", _inbox_context(request, request.GET.get("page"))
    )


def _after_marking(request: HttpRequest) -> HttpResponse:
    page = request.POST.get("page", "")
    if getattr(request, "htmx", False):
        return render(request, "notifications/_inbox.html", _inbox_context(request, page))
    url = reverse("notifications:inbox")
    if page.isdigit() and page != "1":
        url = f"{url}?page={page}"
    return redirect(url)


@role_required()
@require_POST
def mark_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    try:
        selectors.notification_get(user=request.user, notification_id=notification_id)
    except Notification.DoesNotExist:
        raise Http404 from None
    services.notification_mark_read(user=_signed_in(request), notification_ids=[notification_id])
    return _after_marking(request)


@role_required()
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    services.notification_mark_all_read(user=_signed_in(request))
    return _after_marking(request)


@role_required("org_admin")
@require_http_methods(["GET", "POST"])
@never_cache  # the page may show a signing secret; keep it out of every cache
def webhooks(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    form = WebhookEndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint = services.webhook_endpoint_create(actor=actor, **form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            # Only the id goes into the session; the page shows the secret once, then never.
            request.session[REVEAL_SESSION_KEY] = endpoint.pk
            messages.success(request, _("Webhook endpoint added."))
            return redirect("notifications:webhooks")
    endpoints = list(selectors.webhook_endpoint_list(actor=actor))
    reveal_id = request.session.pop(REVEAL_SESSION_KEY, None) if request.method == "GET" else None
    revealed = next((e for e in endpoints if e.pk == reveal_id), None)
    return render(
        request,
        "notifications/webhooks.html",
        {
            "form": form,
            "endpoints": endpoints,
            "revealed": revealed,
            "deliveries": selectors.webhook_delivery_list(actor=actor),
        },
        status=400 if form.errors else 200,
    )


@role_required("org_admin")
@require_POST
def webhook_delete(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    actor = actor_of(request)
    try:
        endpoint = selectors.webhook_endpoint_get(actor=actor, endpoint_id=endpoint_id)
    except WebhookEndpoint.DoesNotExist:
        raise Http404 from None
    services.webhook_endpoint_delete(actor=actor, endpoint=endpoint)
    messages.success(request, _("Webhook endpoint removed."))
    return redirect("notifications:webhooks")
