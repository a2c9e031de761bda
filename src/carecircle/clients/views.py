"""Client record pages: thin edges over clients.selectors and clients.services."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from carecircle.clients import selectors, services
from carecircle.clients.forms import ClientCreateForm, ClientEntryForm
from carecircle.clients.models import Client
from carecircle.privacy.rules import emergency_access_classes
from carecircle.privacy.selectors import emergency_access_active
from carecircle.web.access import actor_of, role_required, roles_with

READERS = roles_with(["general"])


@role_required(*READERS, person_level=True)
@require_http_methods(["GET"])
def client_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    query = request.GET.get("q", "").strip()[:100]
    clients = selectors.client_list(actor=actor, purpose=request.purpose, query=query)  # type: ignore[attr-defined]
    return render(request, "clients/list.html", {"clients": clients, "query": query})


@role_required(*READERS, person_level=True)
@require_http_methods(["GET", "POST"])
def client_create(request: HttpRequest) -> HttpResponse:
    form = ClientCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            client = services.client_create(actor=actor_of(request), **form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("Client record created."))
            return redirect("clients:detail", client_id=client.pk)
    status = 400 if form.errors else 200
    return render(request, "clients/create.html", {"form": form}, status=status)


@role_required(*READERS, person_level=True)
@require_http_methods(["GET"])
def client_detail(request: HttpRequest, client_id: int) -> HttpResponse:
    actor = actor_of(request)
    purpose: str = request.purpose  # type: ignore[attr-defined]
    try:
        view = selectors.client_get(actor=actor, client_id=client_id, purpose=purpose)
    except Client.DoesNotExist:
        raise Http404 from None
    except PermissionDenied:
        # Refused (and audited). Say so plainly, and offer emergency access where it can help.
        person_id = Client.objects.filter(pk=client_id).values_list("person_id", flat=True).first()
        can_break_glass = bool(
            emergency_access_classes(role=actor.role, sector=actor.organization.sector)
        )
        return render(
            request,
            "clients/refused.html",
            {"person_id": person_id, "can_break_glass": can_break_glass},
            status=403,
        )
    emergency = emergency_access_active(actor=actor, person=view.client.person)
    return render(
        request,
        "clients/detail.html",
        {
            "view": view,
            "client": view.client,
            "entry_form": ClientEntryForm(),
            "emergency": emergency,
            # Offer emergency access only where it could open something still hidden.
            "emergency_can_help": not emergency
            and bool(
                set(view.hidden_classes)
                & emergency_access_classes(role=actor.role, sector=actor.organization.sector)
            ),
            "owns_record": view.client.person.owner_organization_id == actor.organization.pk,
        },
    )


@role_required(*READERS, person_level=True)
@require_POST
def client_entry_add(request: HttpRequest, client_id: int) -> HttpResponse:
    actor = actor_of(request)
    client = Client.objects.select_related("person").filter(pk=client_id).first()
    if client is None:
        raise Http404
    form = ClientEntryForm(request.POST)
    if form.is_valid():
        try:
            services.client_entry_add(actor=actor, client=client, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Entry added."))
    else:
        messages.error(request, _("The entry was not saved: choose a kind and write the entry."))
    return redirect("clients:detail", client_id=client.pk)
