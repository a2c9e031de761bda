"""Client record pages: thin edges over clients.selectors and clients.services."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from carecircle.clients import selectors, services
from carecircle.clients.forms import (
    CareTeamMemberForm,
    ClientEntryForm,
    ClientForm,
    GoalForm,
    GoalStatusForm,
    IdForm,
    SupportContactForm,
    TaskForm,
)
from carecircle.clients.models import CarePlanGoal, CarePlanTask, Client
from carecircle.partners.selectors import Actor
from carecircle.privacy.models import DataClass
from carecircle.privacy.rules import emergency_access_classes
from carecircle.privacy.selectors import emergency_access_active
from carecircle.web.access import actor_of, role_required, roles_with

READERS = roles_with(["general"])


def _purpose(request: HttpRequest) -> str:
    return str(request.purpose)  # type: ignore[attr-defined]


def _form_errors(form: Form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _messages(request: HttpRequest, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


def _client(client_id: int) -> Client:
    client = (
        Client.objects.select_related("person", "person__owner_organization")
        .filter(pk=client_id)
        .first()
    )
    if client is None:
        raise Http404
    return client


def _refused(request: HttpRequest, actor: Actor, client_id: int) -> HttpResponse:
    """Refused (and audited by the selector). Say so plainly, and offer emergency access where
    it can help."""
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


# --- the registry ---------------------------------------------------------------------------


@role_required(*READERS, person_level=True)
@require_http_methods(["GET"])
def client_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    query = request.GET.get("q", "").strip()[:100]
    clients = selectors.client_list(actor=actor, purpose=_purpose(request), query=query)
    return render(request, "clients/list.html", {"clients": clients, "query": query})


@role_required(*READERS, person_level=True)
@require_http_methods(["GET", "POST"])
def client_create(request: HttpRequest) -> HttpResponse:
    """New record. Before saving, records that may be the same person are shown (only those
    the user may see); the user opens one or confirms this is a different person."""
    actor = actor_of(request)
    form = ClientForm(request.POST or None)
    matches: list[selectors.DuplicateMatch] = []
    if request.method == "POST" and form.is_valid():
        try:
            values = services.client_profile_clean(form.profile())
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            if request.POST.get("different_person") != "1":
                matches = selectors.client_duplicates(
                    actor=actor, purpose=_purpose(request), values=values
                )
            if not matches:
                try:
                    client = services.client_create(actor=actor, **form.profile())
                except ValidationError as exc:
                    _form_errors(form, exc)
                else:
                    messages.success(request, _("Client record created."))
                    return redirect("clients:detail", client_id=client.pk)
    status = 400 if form.errors else 200
    return render(request, "clients/create.html", {"form": form, "matches": matches}, status=status)


@role_required(*READERS, person_level=True)
@require_http_methods(["GET"])
def client_detail(request: HttpRequest, client_id: int) -> HttpResponse:
    actor = actor_of(request)
    try:
        view = selectors.client_get(actor=actor, client_id=client_id, purpose=_purpose(request))
    except Client.DoesNotExist:
        raise Http404 from None
    except PermissionDenied:
        return _refused(request, actor, client_id)
    emergency = emergency_access_active(actor=actor, person=view.client.person)
    owns_record = view.client.person.owner_organization_id == actor.organization.pk
    return render(
        request,
        "clients/detail.html",
        {
            "view": view,
            "client": view.client,
            "entry_form": ClientEntryForm(classes=view.writable_classes),
            "support_form": SupportContactForm() if owns_record else None,
            "emergency": emergency,
            # Offer emergency access only where it could open something still hidden.
            "emergency_can_help": not emergency
            and bool(
                set(view.hidden_classes)
                & emergency_access_classes(role=actor.role, sector=actor.organization.sector)
            ),
            "owns_record": owns_record,
        },
    )


@role_required(*READERS, person_level=True)
@require_http_methods(["GET", "POST"])
def client_edit(request: HttpRequest, client_id: int) -> HttpResponse:
    """Only the organization holding the record edits its general data."""
    actor = actor_of(request)
    try:
        view = selectors.client_get(actor=actor, client_id=client_id, purpose=_purpose(request))
    except Client.DoesNotExist:
        raise Http404 from None
    except PermissionDenied:
        return _refused(request, actor, client_id)
    client = view.client
    if client.person.owner_organization_id != actor.organization.pk:
        raise PermissionDenied(_("Only the organization that holds the record may change it."))
    form = ClientForm(request.POST or None, initial=ClientForm.initial_for(client))
    if request.method == "POST" and form.is_valid():
        try:
            services.client_update(
                actor=actor, client=client, changes=form.profile(), purpose=_purpose(request)
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Record updated."))
            return redirect("clients:detail", client_id=client.pk)
    return render(
        request,
        "clients/edit.html",
        {"form": form, "client": client},
        status=400 if form.errors else 200,
    )


@role_required(*READERS, person_level=True)
@require_POST
def client_entry_add(request: HttpRequest, client_id: int) -> HttpResponse:
    actor = actor_of(request)
    client = _client(client_id)
    form = ClientEntryForm(request.POST)
    if form.is_valid():
        try:
            services.client_entry_add(
                actor=actor, client=client, purpose=_purpose(request), **form.cleaned_data
            )
        except ValidationError as exc:
            _messages(request, exc)
        else:
            messages.success(request, _("Note added."))
    else:
        messages.error(request, _("The note was not saved: choose a kind and write the note."))
    return redirect(reverse("clients:detail", kwargs={"client_id": client.pk}) + "#notes-h")


@role_required(*READERS, person_level=True)
@require_POST
def support_add(request: HttpRequest, client_id: int) -> HttpResponse:
    actor = actor_of(request)
    client = _client(client_id)
    form = SupportContactForm(request.POST)
    if form.is_valid():
        try:
            services.support_contact_add(
                actor=actor, client=client, purpose=_purpose(request), **form.cleaned_data
            )
        except ValidationError as exc:
            _messages(request, exc)
        else:
            messages.success(request, _("Added to the support network."))
    else:
        messages.error(request, _("Not added: give a name and a relationship."))
    return redirect(reverse("clients:detail", kwargs={"client_id": client.pk}) + "#supports-h")


@role_required(*READERS, person_level=True)
@require_POST
def support_remove(request: HttpRequest, client_id: int) -> HttpResponse:
    actor = actor_of(request)
    client = _client(client_id)
    form = IdForm(request.POST)
    if form.is_valid():
        try:
            services.support_contact_remove(
                actor=actor,
                client=client,
                contact_id=form.cleaned_data["id"],
                purpose=_purpose(request),
            )
        except ValidationError as exc:
            _messages(request, exc)
        else:
            messages.success(request, _("Removed from the support network."))
    return redirect(reverse("clients:detail", kwargs={"client_id": client.pk}) + "#supports-h")


# --- the care team ------------------------------------------------------------------------


@role_required(*READERS, person_level=True)
@require_http_methods(["GET", "POST"])
def care_team(request: HttpRequest, client_id: int) -> HttpResponse:
    """The care team; its keeper (the record holder) adds members here."""
    actor = actor_of(request)
    try:
        view = selectors.care_team_get(actor=actor, client_id=client_id, purpose=_purpose(request))
    except Client.DoesNotExist:
        raise Http404 from None
    except PermissionDenied:
        return _refused(request, actor, client_id)
    form = CareTeamMemberForm(request.POST or None) if view.may_keep else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied(
                _("Only the organization that holds the record keeps the care team.")
            )
        if form.is_valid():
            worker = form.cleaned_data["worker"]
            try:
                services.care_team_member_add(
                    actor=actor,
                    client=view.client,
                    organization=form.cleaned_data["organization"],
                    user_id=worker.user_id if worker else None,
                    role=form.cleaned_data["role"],
                    is_lead=form.cleaned_data["is_lead"],
                )
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, _("Added to the care team."))
                return redirect("clients:care_team", client_id=client_id)
    return render(
        request,
        "clients/care_team.html",
        {"view": view, "client": view.client, "form": form},
        status=400 if form is not None and form.errors else 200,
    )


def _member_action(request: HttpRequest, client_id: int, *, lead: bool) -> HttpResponse:
    actor = actor_of(request)
    client = _client(client_id)
    form = IdForm(request.POST)
    member_id = form.cleaned_data["id"] if form.is_valid() else None
    try:
        if lead:
            services.care_team_member_lead(actor=actor, client=client, member_id=member_id)
        else:
            services.care_team_member_end(actor=actor, client=client, member_id=member_id)
    except ValidationError as exc:
        _messages(request, exc)
    else:
        messages.success(
            request,
            _("The care team's lead is changed.") if lead else _("The membership has ended."),
        )
    return redirect("clients:care_team", client_id=client.pk)


@role_required(*READERS, person_level=True)
@require_POST
def care_team_lead(request: HttpRequest, client_id: int) -> HttpResponse:
    return _member_action(request, client_id, lead=True)


@role_required(*READERS, person_level=True)
@require_POST
def care_team_end(request: HttpRequest, client_id: int) -> HttpResponse:
    return _member_action(request, client_id, lead=False)


# --- the care plan ------------------------------------------------------------------------


def _care_plan_page(
    request: HttpRequest,
    view: selectors.CarePlanView,
    *,
    goal_form: GoalForm | None = None,
    task_form: TaskForm | None = None,
    status: int = 200,
) -> HttpResponse:
    context: dict[str, Any] = {
        "view": view,
        "client": view.client,
        "goal_form": goal_form or GoalForm(classes=view.writable_classes),
        "task_form": task_form,
        "owners": view.owner_choices,
        "status_form": GoalStatusForm(),
    }
    return render(request, "clients/care_plan.html", context, status=status)


@role_required(*READERS, person_level=True)
@require_http_methods(["GET"])
def care_plan(request: HttpRequest, client_id: int) -> HttpResponse:
    actor = actor_of(request)
    try:
        view = selectors.care_plan_get(actor=actor, client_id=client_id, purpose=_purpose(request))
    except Client.DoesNotExist:
        raise Http404 from None
    except PermissionDenied:
        return _refused(request, actor, client_id)
    return _care_plan_page(request, view)


def _plan_redirect(client: Client, anchor: str = "") -> HttpResponse:
    url = reverse("clients:care_plan", kwargs={"client_id": client.pk})
    return redirect(url + (f"#{anchor}" if anchor else ""))


def _refused_write(request: HttpRequest) -> None:
    messages.error(
        request,
        _("Not saved: you may not record this kind of information for this person."),
    )


@role_required(*READERS, person_level=True)
@require_POST
def goal_add(request: HttpRequest, client_id: int) -> HttpResponse:
    actor = actor_of(request)
    client = _client(client_id)
    # Any known class parses; the service decides whether this reader may write it.
    form = GoalForm(request.POST, classes=DataClass.choices)
    if not form.is_valid():
        messages.error(request, _("Not saved: choose a life area and write the goal."))
        return _plan_redirect(client, "goal-h")
    try:
        goal = services.care_plan_goal_add(
            actor=actor, client=client, purpose=_purpose(request), **form.cleaned_data
        )
    except ValidationError as exc:
        _messages(request, exc)
        return _plan_redirect(client, "goal-h")
    except PermissionDenied:
        _refused_write(request)
        return _plan_redirect(client, "goal-h")
    messages.success(request, _("Goal added."))
    return _plan_redirect(client, f"goal-{goal.pk}")


@role_required(*READERS, person_level=True)
@require_POST
def goal_status(request: HttpRequest, client_id: int) -> HttpResponse:
    actor = actor_of(request)
    client = _client(client_id)
    form = GoalStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a status."))
        return _plan_redirect(client)
    try:
        goal = selectors.care_plan_goal_get(client=client, goal_id=form.cleaned_data["id"])
        services.care_plan_goal_update(
            actor=actor, goal=goal, status=form.cleaned_data["status"], purpose=_purpose(request)
        )
    except ValidationError as exc:
        _messages(request, exc)
    except (PermissionDenied, CarePlanGoal.DoesNotExist):
        # The same answer for a goal of a class the reader may not see and for no goal at
        # all: the page must not tell which goals exist.
        _refused_write(request)
    else:
        messages.success(request, _("Goal updated."))
        return _plan_redirect(client, f"goal-{goal.pk}")
    return _plan_redirect(client)


@role_required(*READERS, person_level=True)
@require_POST
def task_add(request: HttpRequest, client_id: int) -> HttpResponse:
    actor = actor_of(request)
    client = _client(client_id)
    form = TaskForm(request.POST, owners=_any_owner(request.POST.get("owner", "")))
    if not form.is_valid():
        messages.error(request, _("Not saved: say what will be done, by whom, and a valid date."))
        return _plan_redirect(client)
    try:
        goal = selectors.care_plan_goal_get(client=client, goal_id=form.cleaned_data["goal"])
        services.care_plan_task_add(
            actor=actor,
            goal=goal,
            description=form.cleaned_data["description"],
            due_on=form.cleaned_data["due_on"],
            purpose=_purpose(request),
            **form.owner_fields(),
        )
    except ValidationError as exc:
        _messages(request, exc)
    except (PermissionDenied, CarePlanGoal.DoesNotExist):
        # The same answer for a goal of a class the reader may not see and for no goal at
        # all: the page must not tell which goals exist.
        _refused_write(request)
    else:
        messages.success(request, _("Step added."))
        return _plan_redirect(client, f"goal-{goal.pk}")
    return _plan_redirect(client)


def _any_owner(value: str) -> list[tuple[str, str]]:
    """Accept any well-formed owner: the service checks it belongs to the care team."""
    kind, _sep, rest = value.partition(":")
    parts = rest.split(":") if rest else []
    well_formed = (
        (kind == "person" and not parts)
        or (kind == "org" and len(parts) == 1 and parts[0].isdigit())
        or (kind == "user" and len(parts) == 2 and all(p.isdigit() for p in parts))
    )
    return [(value, value)] if well_formed else []


@role_required(*READERS, person_level=True)
@require_POST
def task_done(request: HttpRequest, client_id: int) -> HttpResponse:
    actor = actor_of(request)
    client = _client(client_id)
    form = IdForm(request.POST)
    if not form.is_valid():
        _refused_write(request)
        return _plan_redirect(client)
    try:
        task = selectors.care_plan_task_get(client=client, task_id=form.cleaned_data["id"])
        services.care_plan_task_complete(actor=actor, task=task, purpose=_purpose(request))
    except ValidationError as exc:
        _messages(request, exc)
    except (PermissionDenied, CarePlanTask.DoesNotExist):
        _refused_write(request)
    else:
        messages.success(request, _("Step marked done."))
        return _plan_redirect(client, f"goal-{task.goal_id}")
    return _plan_redirect(client)
