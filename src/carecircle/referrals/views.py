"""Referral pages: the inbox, one referral, a new referral. Thin edges over
referrals.selectors (reads: policy + audit) and referrals.services (writes)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from carecircle.clients.models import Client
from carecircle.directory.models import Service, ServiceCapacity
from carecircle.partners.models import Organization
from carecircle.partners.selectors import Actor, coalition_list
from carecircle.privacy.models import REASON_TEXT, DataClass
from carecircle.privacy.rules import ALL_CLASSES, ROLE_CLASSES
from carecircle.privacy.selectors import person_read
from carecircle.referrals import selectors, services
from carecircle.referrals.deadlines import DEFAULT_RULES, WORKDAY_STARTS, DeadlineRule
from carecircle.referrals.forms import (
    BULK_ACTIONS,
    MOVE_LABELS,
    AppointmentForm,
    BulkActionForm,
    DeadlineForm,
    InboxFilterForm,
    OutcomeForm,
    ReferralCreateForm,
    ReopenForm,
    TransitionForm,
    deadline_initial,
)
from carecircle.referrals.models import STATUS_LABELS, Referral
from carecircle.referrals.states import Status
from carecircle.web.access import actor_of, role_required, roles_with

#: Everyone whose role sees a person's name may work referrals; analysts never do.
READERS = roles_with([DataClass.GENERAL])
CONSENT_STATES: dict[str, Any] = {
    "active": gettext_lazy("active"),
    "pending": gettext_lazy("not yet in effect"),
    "expired": gettext_lazy("expired"),
    "revoked": gettext_lazy("revoked"),
}
PER_PAGE = 25
SEARCH_RESULTS = 20
#: Where the receiving organization records the outcome.
WORKING = frozenset({Status.ACCEPTED, Status.IN_PROGRESS, Status.ON_HOLD})


def _zone(actor: Actor) -> str:
    return str(actor.organization.jurisdiction.time_zone)


def _zoneinfo(actor: Actor) -> ZoneInfo:
    try:
        return ZoneInfo(_zone(actor) or "UTC")
    except (ValueError, ZoneInfoNotFoundError):
        return ZoneInfo("UTC")


def _purpose(request: HttpRequest) -> str:
    return str(getattr(request, "purpose", ""))


def _error_dict(exc: ValidationError) -> dict[str | None, list[str]]:
    if hasattr(exc, "error_dict"):
        return {
            (None if field == "__all__" else field): messages_
            for field, messages_ in exc.message_dict.items()
        }
    return {None: list(exc.messages)}


def _add_errors(form: forms.Form, exc: ValidationError) -> None:
    for field, errors in _error_dict(exc).items():
        form.add_error(field if field in form.fields else None, errors)


def _uuid_or_none(value: object) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


def _short(referral_id: object) -> str:
    """A referral named without any person-level detail."""
    return str(referral_id)[:8]


# --- the inbox ----------------------------------------------------------------------------------


def _service_choices(actor: Actor, box: str) -> list[tuple[str, str]]:
    """Services to filter by: the organization's own listings for what it receives; the
    partners' listings for what it sends."""
    if box == "incoming":
        services_qs = Service.objects.filter(organization__partner=actor.organization)
    else:
        services_qs = Service.objects.filter(
            organization__partner__isnull=False, organization__partner__is_active=True
        )
    rows = services_qs.order_by("name").values_list("pk", "name")[:200]
    return [(str(pk), name) for pk, name in rows]


def _query_without_page(query: QueryDict) -> str:
    copy = query.copy()
    copy.pop("page", None)
    return copy.urlencode()


@dataclass(frozen=True)
class _InboxLine:
    """One inbox row as the page shows it, worded here rather than in the template: a page
    of 25 rows costs a quarter of the time this way (the template language resolves every
    variable and tag per row)."""

    pk: str
    url: str
    overdue: bool
    name: str
    pick_label: str
    service: str
    organization: str
    status: str
    status_label: str
    urgency: str
    urgency_label: str
    do_not_contact: bool
    age: str
    due_iso: str
    due: str
    withheld: str


def _inbox_lines(
    rows: list[selectors.InboxRow], *, box: str, zone: ZoneInfo, now: datetime
) -> list[_InboxLine]:
    incoming = box == "incoming"
    # Translated once, and outside an f-string, where makemessages finds it.
    referral_word = _("referral")
    # Every row links to its page: reverse once, then put each id in its place.
    placeholder = uuid.UUID(int=0)
    pattern = reverse("referrals:detail", args=[placeholder])
    lines = []
    for row in rows:
        r = row.referral
        pk = str(r.pk)
        if row.client_name:
            name = pick = row.client_name
        else:
            name = _("Name withheld")
            pick = f"{referral_word} {pk[:8]}"
        if row.service_name is None:
            service = _("Service withheld")
        else:
            service = row.service_name or _("No specific service")
        other = row.other_organization_name
        if other is None:
            organization = (
                _("from an organization withheld from you")
                if incoming
                else _("to an organization withheld from you")
            )
        else:
            organization = (_("from %(org)s") if incoming else _("to %(org)s")) % {"org": other}
        if r.requested_at:
            age = _("Sent %(age)s ago") % {"age": timesince(r.requested_at, now)}
        else:
            age = _("Drafted %(age)s ago") % {"age": timesince(r.created_at, now)}
        due_iso = due = ""
        if r.due_at and r.status == Status.REQUESTED:
            local = r.due_at.astimezone(zone)
            due_iso, due = local.isoformat(), local.strftime("%Y-%m-%d %H:%M")
        lines.append(
            _InboxLine(
                pk=pk,
                url=pattern.replace(str(placeholder), pk),
                overdue=row.overdue,
                name=name,
                pick_label=pick,
                service=service,
                organization=organization,
                status=r.status,
                status_label=row.status_label,
                urgency=r.urgency,
                urgency_label=row.urgency_label,
                do_not_contact=r.do_not_contact,
                age=age,
                due_iso=due_iso,
                due=due,
                withheld=" ".join(row.withheld_why) if row.withheld else "",
            )
        )
    return lines


@role_required(*READERS, person_level=True)
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    box = "outgoing" if request.GET.get("box") == "outgoing" else "incoming"
    form = InboxFilterForm(
        request.GET or None, services=_service_choices(actor, box), initial={"box": box}
    )
    form.is_valid()
    # A bad value drops only that filter (the form says which); the others still apply.
    cleaned: dict[str, Any] = getattr(form, "cleaned_data", {})
    status = cleaned.get("status") or InboxFilterForm.OPEN
    urgency = cleaned.get("urgency") or ""
    service = cleaned.get("service") or ""
    filters = selectors.InboxFilters(
        box=box,
        statuses=() if status in (InboxFilterForm.OPEN, InboxFilterForm.ALL) else (status,),
        urgencies=(urgency,) if urgency else (),
        overdue=bool(cleaned.get("overdue")),
        service_id=uuid.UUID(service) if service else None,
        open_only=status == InboxFilterForm.OPEN,
    )
    page_number = cleaned.get("page") or 1
    result = selectors.referral_inbox(
        actor=actor,
        filters=filters,
        purpose=_purpose(request),
        page=page_number,
        per_page=PER_PAGE,
    )
    base = _query_without_page(request.GET)
    return render(
        request,
        "referrals/inbox.html",
        {
            "box": box,
            "form": form,
            "choice_fields": [form["status"], form["urgency"], form["service"]],
            "result": result,
            "rows": _inbox_lines(result.rows, box=box, zone=_zoneinfo(actor), now=timezone.now()),
            # Words every row repeats, translated once.
            "select_word": _("Select"),
            "dnc_word": _("Do not contact directly"),
            "overdue_word": _("Overdue"),
            "due_word": _("answer due"),
            "withheld_word": _("Some details are withheld:"),
            "bulk_form": BulkActionForm(),
            "bulk_actions": [
                (key, label)
                for key, (to, label) in BULK_ACTIONS.items()
                # Accepting and starting work are the receiver's; cancelling is either side's.
                if box == "incoming" or to == Status.CANCELLED
            ],
            "query": request.GET.urlencode(),
            "page_base": f"?{base}&" if base else "?",
            "previous_page": page_number - 1 if page_number > 1 else None,
            "next_page": page_number + 1 if result.has_next else None,
        },
    )


def _inbox_url(query: str) -> str:
    # Rebuilt from its parts, so a posted "query" can only ever lead back to the inbox.
    params = QueryDict(query[:2000]).copy()
    keep = QueryDict(mutable=True)
    for key in ("box", "status", "urgency", "overdue", "service", "page"):
        if key in params:
            keep.setlist(key, params.getlist(key)[:1])
    encoded = keep.urlencode()
    return reverse("referrals:inbox") + (f"?{encoded}" if encoded else "")


@role_required(*READERS, person_level=True)
@require_POST
def bulk(request: HttpRequest) -> HttpResponse:
    """One action on many referrals; each succeeds or fails on its own, and the page says
    which and why."""
    actor = actor_of(request)
    back = _inbox_url(request.POST.get("query", ""))
    form = BulkActionForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect(back)
    result = services.referral_bulk_transition(
        actor=actor,
        referral_ids=[uuid.UUID(value) for value in form.cleaned_data["referral"]],
        to=form.cleaned_data["to"],
        reason=form.cleaned_data.get("reason", ""),
        purpose=_purpose(request),
    )
    if result.done:
        count = len(result.done)
        messages.success(
            request,
            ngettext("%(count)d referral updated.", "%(count)d referrals updated.", count)
            % {"count": count},
        )
    for referral_id, why in result.failed.items():
        messages.error(
            request,
            _("Referral %(ref)s was not changed: %(why)s")
            % {"ref": _short(referral_id), "why": why},
        )
    return redirect(back)


# --- one referral -------------------------------------------------------------------------------


def _view_or_404(request: HttpRequest, referral_id: uuid.UUID) -> Any:
    try:
        return selectors.referral_get(
            actor=actor_of(request), referral_id=referral_id, purpose=_purpose(request)
        )
    except Referral.DoesNotExist:
        raise Http404 from None


def _capacities(view: Any) -> list[ServiceCapacity]:
    """The capacity of the referral's service, where the reader may know which service it is
    (a unit's name can tell it)."""
    if view.service_id is None:
        return []
    return list(
        ServiceCapacity.objects.filter(service_id=view.service_id)
        .select_related("unit")
        .order_by("unit__name")
    )


#: What a history step is called, by its kind (referrals.services' ReferralEvent kinds); a
#: change of state is named by where it went.
EVENT_LABELS: dict[str, Any] = {
    "reminded": gettext_lazy("Reminder sent to the receiving organization"),
    "escalated": gettext_lazy("Escalated to the receiving organization's administrators"),
    "appointment": gettext_lazy("Appointment recorded"),
    "outcome": gettext_lazy("Outcome recorded"),
    "reopened": gettext_lazy("Reopened"),
}
REASON_LABELS: dict[str, Any] = {
    Status.REJECTED: gettext_lazy("Why decline?"),
    Status.CANCELLED: gettext_lazy("Why cancel?"),
    Status.ON_HOLD: gettext_lazy("Why put it on hold?"),
    Status.FAILED: gettext_lazy("Why was it not completed?"),
    Status.ENTERED_IN_ERROR: gettext_lazy("What was wrong? (optional)"),
}


#: History steps that carry a reason whatever state they lead to.
REASONED_KINDS = frozenset({"reopened", "outcome"})
#: States an outcome leads to: the page says the outcome is withheld there.
OUTCOME_STATES = frozenset({Status.COMPLETED, Status.FAILED, Status.ON_HOLD})


def _event_label(kind: str, to_status: str) -> Any:
    if kind in ("created", "status") and to_status == Status.REQUESTED:
        return gettext_lazy("Sent")
    if kind == "created":
        return gettext_lazy("Drafted")
    if kind in EVENT_LABELS:
        label = EVENT_LABELS[kind]
        if kind == "outcome" and to_status in STATUS_LABELS:
            return f"{label}: {STATUS_LABELS[to_status]}"
        return label
    if to_status in STATUS_LABELS:
        return STATUS_LABELS[to_status]
    return kind.replace("_", " ").capitalize()


def _timeline(events: list[selectors.EventView]) -> list[dict[str, Any]]:
    """The history's steps from the selector's events: what the reader may not see is None
    there and said to be withheld here."""
    return [
        {
            "at": event.at,
            "label": _event_label(event.kind, event.to_status),
            "organization": event.organization_name or "",
            "organization_withheld": event.organization_withheld,
            "by": event.actor_name or "",
            "reason": event.reason,
            # Said only where a step has a reason to withhold: the others never had one.
            "reason_withheld": event.reason is None
            and (event.to_status in REASON_LABELS or event.kind in REASONED_KINDS),
        }
        for event in events
    ]


def transition_form(to: str, data: Any = None, initial: Any = None) -> TransitionForm:
    """One move's form; its fields get ids of their own (several share the page)."""
    form = TransitionForm(data, initial=initial, auto_id=f"move-{to}-%s")
    if to in REASON_LABELS:
        form.fields["reason"].label = REASON_LABELS[to]
    return form


def appointment_form_for(
    view: Any, *, bound: forms.Form | None = None, initial: Any = None
) -> forms.Form:
    form = bound or AppointmentForm(initial=initial, auto_id="appointment-%s")
    if view.handoff_notes is None and "handoff_notes" in form.fields:
        # The notes hold a kind of information this reader does not see: they are neither
        # shown nor written from here.
        del form.fields["handoff_notes"]
    return form


def _render_detail(
    request: HttpRequest,
    view: Any,
    *,
    bound: dict[str, forms.Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The referral page. ``bound`` replaces the blank form of that name with the one the
    person sent, errors and all."""
    bound = bound or {}
    referral: Referral = view.referral
    zone = _zone(actor_of(request))
    version = {"expected_version": referral.version}
    side = str(view.side)
    moves = []
    # The one-tap moves first, then those that ask why.
    for to in sorted(view.moves, key=lambda move: move in REASON_LABELS):
        key = f"move-{to}"
        moves.append(
            {
                "to": to,
                "label": MOVE_LABELS.get(to, to),
                "shows_reason": to in REASON_LABELS,
                "danger": to in (Status.REJECTED, Status.CANCELLED, Status.ENTERED_IN_ERROR),
                "form": bound.get(key) or transition_form(to, initial={"to": to, **version}),
            }
        )
    appointment_form = None
    if referral.is_open:
        appointment_form = appointment_form_for(
            view,
            bound=bound.get("appointment"),
            initial={
                **version,
                "appointment_at": referral.appointment_at,
                "accompanied_by": referral.accompanied_by,
                "transport": referral.transport,
                "handoff_notes": view.handoff_notes or "",
            },
        )
    outcome_form = None
    if side in ("receiver", "both") and referral.status in WORKING:
        outcome_form = bound.get("outcome") or OutcomeForm(
            initial={**version, "outcome_on": timezone.localdate(timezone=ZoneInfo(zone))},
            auto_id="outcome-%s",
        )
    reopen_form = None
    if view.can_reopen:
        reopen_form = bound.get("reopen") or ReopenForm(initial=version, auto_id="reopen-%s")
    why = list(view.withheld_why)
    return render(
        request,
        "referrals/detail.html",
        {
            "view": view,
            "referral": referral,
            "overdue": view.overdue,
            "moves": moves,
            "appointment_form": appointment_form,
            "outcome_form": outcome_form,
            "reopen_form": reopen_form,
            "capacities": _capacities(view),
            "consent": referral.consent,
            "consent_state": CONSENT_STATES.get(referral.consent.state(), "")
            if referral.consent
            else "",
            "requester_name": view.requester_name,
            "withheld": why,
            "withheld_reason": " ".join(why),
            "timeline": _timeline(view.events),
            "reason_states": [str(s) for s in REASON_LABELS],
            "outcome_states": [str(s) for s in OUTCOME_STATES],
            "zone": zone,
        },
        status=status,
    )


@role_required(*READERS, person_level=True)
@require_GET
def detail(request: HttpRequest, referral_id: uuid.UUID) -> HttpResponse:
    return _render_detail(request, _view_or_404(request, referral_id))


def _change(
    request: HttpRequest,
    referral_id: uuid.UUID,
    *,
    key: str,
    form: forms.Form,
    write: Callable[[Actor, dict[str, Any]], object],
    done: str,
) -> HttpResponse:
    """Validate ``form``, make the change; on a conflict say so and show the referral as it
    is now; on any other refusal show the form again with the reasons."""
    actor = actor_of(request)
    here = reverse("referrals:detail", kwargs={"referral_id": referral_id})
    if form.is_valid():
        try:
            write(actor, form.cleaned_data)
        except services.ReferralConflict as exc:
            # Someone changed it since the page was shown: nothing is overwritten.
            messages.error(request, " ".join(exc.messages))
            return redirect(here)
        except Referral.DoesNotExist:
            raise Http404 from None
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, done)
            return redirect(here)
    messages.error(request, _("The change was not saved: see the form below."))
    return _render_detail(
        request, _view_or_404(request, referral_id), bound={key: form}, status=400
    )


def _local(request: HttpRequest) -> Any:
    """Date-times typed on these forms are in the jurisdiction's local time."""
    return timezone.override(_zone(actor_of(request)))


@role_required(*READERS, person_level=True)
@require_POST
def transition(request: HttpRequest, referral_id: uuid.UUID) -> HttpResponse:
    to = request.POST.get("to", "")
    to = to if to in STATUS_LABELS else ""
    form = transition_form(to, request.POST)

    def write(actor: Actor, data: dict[str, Any]) -> object:
        if data["to"] == Status.REQUESTED:
            return services.referral_send(
                actor=actor,
                referral_id=referral_id,
                expected_version=data["expected_version"],
                purpose=_purpose(request),
            )
        return services.referral_transition(
            actor=actor,
            referral_id=referral_id,
            to=data["to"],
            reason=data.get("reason", ""),
            expected_version=data["expected_version"],
            purpose=_purpose(request),
        )

    return _change(
        request,
        referral_id,
        key=f"move-{to}",
        form=form,
        write=write,
        done=_("Referral updated."),
    )


@role_required(*READERS, person_level=True)
@require_POST
def appointment(request: HttpRequest, referral_id: uuid.UUID) -> HttpResponse:
    with _local(request):
        form = AppointmentForm(request.POST, auto_id="appointment-%s")
        if "handoff_notes" not in request.POST:
            # Not on the page of someone who may not see them: leave them as they are.
            del form.fields["handoff_notes"]
        form.is_valid()

    def write(actor: Actor, data: dict[str, Any]) -> object:
        return services.referral_record_appointment(
            actor=actor,
            referral_id=referral_id,
            appointment_at=data["appointment_at"],
            accompanied_by=data.get("accompanied_by", ""),
            transport=data.get("transport", ""),
            handoff_notes=data.get("handoff_notes"),
            expected_version=data["expected_version"],
            purpose=_purpose(request),
        )

    return _change(
        request,
        referral_id,
        key="appointment",
        form=form,
        write=write,
        done=_("Appointment recorded."),
    )


@role_required(*READERS, person_level=True)
@require_POST
def outcome(request: HttpRequest, referral_id: uuid.UUID) -> HttpResponse:
    form = OutcomeForm(request.POST, auto_id="outcome-%s")

    def write(actor: Actor, data: dict[str, Any]) -> object:
        return services.referral_record_outcome(
            actor=actor,
            referral_id=referral_id,
            enrollment=data["enrollment"],
            outcome_on=data["outcome_on"],
            reason=data.get("reason", ""),
            expected_version=data["expected_version"],
            purpose=_purpose(request),
        )

    return _change(
        request,
        referral_id,
        key="outcome",
        form=form,
        write=write,
        done=_("Outcome recorded."),
    )


@role_required(*READERS, person_level=True)
@require_POST
def reopen(request: HttpRequest, referral_id: uuid.UUID) -> HttpResponse:
    form = ReopenForm(request.POST, auto_id="reopen-%s")

    def write(actor: Actor, data: dict[str, Any]) -> object:
        return services.referral_reopen(
            actor=actor,
            referral_id=referral_id,
            reason=data["reason"],
            expected_version=data["expected_version"],
            purpose=_purpose(request),
        )

    return _change(
        request,
        referral_id,
        key="reopen",
        form=form,
        write=write,
        done=_("Referral reopened."),
    )


# --- a new referral -----------------------------------------------------------------------------


def _partner_services() -> QuerySet[Service]:
    """Directory services of partner organizations: the ones a referral can reach."""
    return Service.objects.filter(
        status="active",
        organization__partner__isnull=False,
        organization__partner__is_active=True,
    ).select_related("organization", "organization__partner")


def _with_capacity(services_qs: QuerySet[Service]) -> QuerySet[Service]:
    return services_qs.prefetch_related(
        Prefetch(
            "capacities",
            queryset=ServiceCapacity.objects.select_related("unit").order_by("unit__name"),
        )
    )


def _service_rows(found: list[Service]) -> list[dict[str, Any]]:
    rows = []
    for service in found:
        capacities = list(service.capacities.all())
        listing: Any = service.organization  # the directory organization, linked to a partner
        rows.append(
            {
                "service": service,
                "partner": listing.partner if listing is not None else None,
                "capacities": capacities,
                # Counted, and nothing free: the referral needs "waitlist anyway".
                "full": bool(capacities) and all(c.available <= 0 for c in capacities),
            }
        )
    return rows


def _consent_link(client: Client) -> str:
    for name, kwargs in (
        ("clients:consent_new", {"client_id": client.pk}),
        ("privacy:consents", {"person_id": client.person_id}),
    ):
        try:
            return reverse(name, kwargs=kwargs)
        except NoReverseMatch:
            continue
    return reverse("clients:detail", kwargs={"client_id": client.pk})


def _client_for_referral(request: HttpRequest) -> Client:
    raw = request.POST.get("client") or request.GET.get("client") or ""
    if not raw.isdigit():
        raise Http404
    client = Client.objects.select_related("person").filter(pk=int(raw)).first()
    if client is None:
        raise Http404
    # Naming the person on this page is a read of their general information: ask and audit.
    decision = person_read(
        actor=actor_of(request),
        person=client.person,
        data_classes=[DataClass.GENERAL],
        purpose=_purpose(request),
        object_type="client",
        object_id=str(client.pk),
    )[DataClass.GENERAL]
    if not decision.permitted:
        raise PermissionDenied(str(REASON_TEXT.get(decision.code, REASON_TEXT["no_basis"])))
    return client


@role_required(*READERS, person_level=True)
@require_http_methods(["GET", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    client = _client_for_referral(request)
    query = request.GET.get("q", "").strip()[:100]
    offered = _partner_services()
    data_classes = [c for c in ALL_CLASSES if c in ROLE_CLASSES.get(actor.role, frozenset())]
    with _local(request):
        form = ReferralCreateForm(
            request.POST or None,
            services=offered,
            organizations=Organization.objects.filter(is_active=True).order_by("name"),
            data_classes=data_classes,
            initial={"urgency": "routine", "data_class": DataClass.GENERAL},
        )
        valid = request.method == "POST" and form.is_valid()
    consent_missing = False
    if valid:
        data = form.cleaned_data
        try:
            referral = services.referral_create(
                actor=actor,
                client=client,
                receiving_organization=data["receiving_organization"],
                data_class=data["data_class"],
                purpose=_purpose(request),
                service=data.get("service"),
                urgency=data["urgency"],
                reason=data.get("reason", ""),
                do_not_contact=data.get("do_not_contact", False),
                appointment_at=data.get("appointment_at"),
                accompanied_by=data.get("accompanied_by", ""),
                transport=data.get("transport", ""),
                handoff_notes=data.get("handoff_notes", ""),
                send="draft" not in request.POST,
                waitlist_ok=data.get("waitlist_ok", False),
            )
        except ValidationError as exc:
            errors = _error_dict(exc)
            consent_missing = "consent" in errors
            _add_errors(form, exc)
        else:
            if referral.status == Status.DRAFT:
                messages.success(request, _("Referral saved as a draft."))
            else:
                messages.success(request, _("Referral sent."))
            return redirect("referrals:detail", referral_id=referral.pk)

    searched = offered
    if query:
        searched = searched.filter(
            Q(name__icontains=query)
            | Q(organization__name__icontains=query)
            | Q(organization__partner__name__icontains=query)
        )
    found = list(_with_capacity(searched.order_by("name"))[:SEARCH_RESULTS])
    chosen = _uuid_or_none(form["service"].value())
    if chosen and str(chosen) not in {str(s.pk) for s in found}:
        # Keep the service chosen before a new search (or an error) on the page.
        found = list(_with_capacity(offered.filter(pk=chosen))) + found
    return render(
        request,
        "referrals/create.html",
        {
            "client": client,
            "form": form,
            "query": query,
            "service_rows": _service_rows(found),
            "chosen_service": str(chosen or ""),
            "consent_missing": consent_missing,
            "consent_link": _consent_link(client),
            "zone": _zone(actor),
        },
        status=400 if form.errors else 200,
    )


# --- the jurisdiction's response deadlines ------------------------------------------------------


def deadline_words(rule: DeadlineRule) -> str:
    """A deadline in plain words: "4 hours", "3 business days (Monday to Friday, from 9:00)"."""
    if rule.hours is not None:
        return ngettext("%(count)d hour", "%(count)d hours", rule.hours) % {"count": rule.hours}
    days = rule.business_days or 0
    return ngettext(
        "%(count)d business day (Monday to Friday, from %(start)s)",
        "%(count)d business days (Monday to Friday, from %(start)s)",
        days,
    ) % {"count": days, "start": f"{WORKDAY_STARTS.hour}:{WORKDAY_STARTS.minute:02d}"}


def escalation_words(rule: DeadlineRule) -> str:
    hours = rule.escalate_after_hours
    return ngettext(
        "%(count)d hour after the deadline",
        "%(count)d hours after the deadline",
        hours,
    ) % {"count": hours}


#: Where each of the service's rule fields is on a deadline form.
DEADLINE_FIELDS = {
    "hours": "amount",
    "business_days": "amount",
    "escalate_after_hours": "escalate_after_hours",
}


def _deadline_errors(exc: ValidationError, forms_by_urgency: dict[str, DeadlineForm]) -> list[str]:
    """The service's refusal onto the forms (its keys are ``"<urgency>.<field>"``); what belongs
    to no row comes back for the top of the page."""
    left: list[str] = []
    for key, messages_ in _error_dict(exc).items():
        urgency, _dot, name = (key or "").partition(".")
        form = forms_by_urgency.get(urgency)
        if form is None:
            left.extend(messages_)
        else:
            form.add_error(DEADLINE_FIELDS.get(name), messages_)
    return left


def _error_summary(forms_: list[DeadlineForm]) -> list[dict[str, str]]:
    """Every mistake on the page, each naming its urgency and field, linked to the field."""
    summary: list[dict[str, str]] = []
    for form in forms_:
        for name, errors in form.errors.items():
            if name in form.fields:
                where = f"{form.label}: {form.fields[name].label}"
                anchor = form[name].auto_id
            else:
                where, anchor = str(form.label), f"deadline-{form.urgency}"
            summary.extend({"where": where, "message": str(e), "anchor": anchor} for e in errors)
    return summary


@role_required()
@require_http_methods(["GET", "POST"])
def response_deadlines(request: HttpRequest) -> HttpResponse:
    """The acting organization's jurisdiction's response deadlines, by urgency. Every member
    reads them (they hold no person-level data); coordinators and organization admins of the
    jurisdiction's coalition change them (``selectors.response_deadlines_may_manage``)."""
    actor = actor_of(request)
    jurisdiction = actor.organization.jurisdiction
    may_manage = selectors.response_deadlines_may_manage(actor=actor, jurisdiction=jurisdiction)
    if request.method == "POST" and not may_manage:
        raise PermissionDenied(
            _(
                "Only coordinators and organization admins of the jurisdiction's coalition "
                "may change its response deadlines."
            )
        )
    current = selectors.response_deadline_list(jurisdiction=jurisdiction)
    data = request.POST if request.method == "POST" else None
    forms_by_urgency: dict[str, DeadlineForm] = {}
    if may_manage:
        forms_by_urgency = {
            s.urgency: DeadlineForm(
                data,
                urgency=s.urgency,
                label=s.label,
                own=s.own,
                initial=deadline_initial(s.rule),
            )
            for s in current
        }
    forms_ = list(forms_by_urgency.values())
    page_errors: list[str] = []
    if data is not None:
        # Every form is checked (not only up to the first bad one), so every mistake is shown.
        valid = [form.is_valid() for form in forms_]
        if all(valid):
            try:
                changed = services.response_deadlines_set(
                    actor=actor,
                    jurisdiction=jurisdiction,
                    rules={f.urgency: f.rule for f in forms_ if f.has_changed()},
                )
            except ValidationError as exc:
                page_errors = _deadline_errors(exc, forms_by_urgency)
            else:
                if changed:
                    messages.success(
                        request,
                        _(
                            "Response deadlines saved. A new deadline applies to referrals sent "
                            "from now on; a new escalation time to those still waiting too."
                        ),
                    )
                else:
                    messages.info(request, _("Nothing was changed."))
                return redirect("referrals:deadlines")
    coalitions = list(
        coalition_list(jurisdiction_id=jurisdiction.pk).values_list("name", flat=True)
    )
    rows = [
        {
            "urgency": s.urgency,
            "label": s.label,
            "deadline": deadline_words(s.rule),
            "escalation": escalation_words(s.rule),
            "own": s.own,
            "default_deadline": deadline_words(DEFAULT_RULES[s.urgency]),
            "default_escalation": escalation_words(DEFAULT_RULES[s.urgency]),
            "form": forms_by_urgency.get(s.urgency),
        }
        for s in current
    ]
    summary = _error_summary(forms_)
    return render(
        request,
        "referrals/deadlines.html",
        {
            "jurisdiction": jurisdiction,
            "rows": rows,
            "may_manage": may_manage,
            "coalitions": ", ".join(coalitions),
            "page_errors": page_errors,
            "error_summary": summary,
        },
        status=400 if page_errors or summary else 200,
    )
