"""The referrals JSON API (token or session auth), at /api/referrals/.

Thin: each operation parses its input, calls one service or selector and shows the referral as
the reader may see it, from the selectors' withheld-aware fields only (never the referral's own
columns for anything the policy may withhold). What the policy withholds is ``null``, and why is
said in ``withheld`` (without naming the kind of information: that would tell what the referral
is about). A response that carries substance-use treatment information for someone outside the
record's holder carries the 42 CFR 2.32 notice in ``redisclosure_notice``. Domain errors answer
400 naming the fields; a change someone else made first answers 409 and changes nothing.

(No ``from __future__ import annotations`` here: Ninja reads the operations' annotations at
run time, through the ``roles`` wrapper, whose module does not know these schemas.)
"""

from datetime import date, datetime
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

try:
    from ninja import Status
except ImportError:  # django-ninja before 1.7 answers a (status, body) tuple instead
    Status = None  # type: ignore[assignment,misc]

from carecircle.api import roles
from carecircle.clients.models import Client
from carecircle.directory.models import Service
from carecircle.partners.models import Organization
from carecircle.partners.selectors import Actor
from carecircle.privacy.models import DataClass
from carecircle.privacy.notices import PART2_REDISCLOSURE_NOTICE
from carecircle.referrals import selectors, services
from carecircle.referrals.models import Referral
from carecircle.referrals.states import Side
from carecircle.web.access import roles_with

router = Router(tags=["referrals"])

#: Everyone who may see a person's general information works with referrals (not analysts).
REFERRAL_ROLES = roles_with(["general"])


# --- Schemas ----------------------------------------------------------------------------------


WITHHELD = "null when the policy withholds it"


class OrganizationRef(Schema):
    id: int
    name: str


class EventOut(Schema):
    kind: str = Field(
        description="created, status, appointment, outcome, reopened, reminded or escalated"
    )
    from_status: str
    to_status: str
    reason: str | None = Field(description=f'"" when none was given; {WITHHELD}')
    organization: OrganizationRef | None = Field(
        description="null for the system's own steps, or when withheld (organization_withheld)"
    )
    organization_withheld: bool
    actor_name: str | None = Field(description="null for the system, or when withheld")
    at: datetime


class ReferralOut(Schema):
    id: UUID
    version: int = Field(description="Send it back as expected_version with a change.")
    status: str
    status_reason: str | None = Field(description=WITHHELD)
    urgency: str
    data_class: str | None = Field(
        description=f"The kind of information the reason and notes are; {WITHHELD}"
    )
    client_id: int | None = Field(description=WITHHELD)
    client_name: str | None = Field(description=WITHHELD)
    reason: str | None = Field(description=WITHHELD)
    handoff_notes: str | None = Field(description=WITHHELD)
    withheld: list[str] = Field(
        description="Why something is withheld from you, in your language (empty: nothing is)."
    )
    redisclosure_notice: str | None = Field(
        description="The 42 CFR 2.32 notice when the response carries substance-use treatment "
        "information disclosed to you; null otherwise."
    )
    do_not_contact: bool
    requester_organization: OrganizationRef | None = Field(description=WITHHELD)
    receiving_organization: OrganizationRef | None = Field(description=WITHHELD)
    service_id: UUID | None = Field(description=f"null when no service was named, or {WITHHELD}")
    service_name: str | None = Field(description=f'"" when no service was named; {WITHHELD}')
    appointment_at: datetime | None
    accompanied_by: str
    transport: str
    enrollment: str | None = Field(description=f'"" when not recorded; {WITHHELD}')
    outcome_on: date | None = Field(description=f"null when not recorded, or {WITHHELD}")
    created_at: datetime
    requested_at: datetime | None
    responded_at: datetime | None
    closed_at: datetime | None
    due_at: datetime | None
    overdue: bool
    reminded_at: datetime | None
    escalated_at: datetime | None
    reopened_count: int
    side: str = Field(description="requester, receiver or both: your organization's side")
    moves: list[str] = Field(description="The statuses your organization may move it to now.")
    events: list[EventOut] = []


class InboxOut(Schema):
    items: list[ReferralOut]
    total: int
    page: int
    per_page: int
    has_next: bool
    redisclosure_notice: str | None = Field(
        description="The 42 CFR 2.32 notice when an item carries substance-use treatment "
        "information disclosed to you; null otherwise."
    )


class ErrorOut(Schema):
    detail: str
    errors: dict[str, list[str]] = {}


# Every input field is optional in the schema so that a missing one gets the same 400 naming
# it as any other mistake (and the role check comes before any of it).


class ReferralIn(Schema):
    client_id: int | None = Field(None, description="Required.")
    receiving_organization_id: int | None = Field(
        None, description="Required unless service_id names a partner's service."
    )
    service_id: UUID | None = None
    data_class: str = Field("general", description="What the referral is about.")
    urgency: str = Field("routine", description="routine, urgent, asap or stat")
    reason: str = Field("", description="What the person needs.")
    do_not_contact: bool = False
    appointment_at: datetime | None = None
    accompanied_by: str = ""
    transport: str = ""
    handoff_notes: str = ""
    send: bool = Field(True, description="false keeps it as a draft.")
    waitlist_ok: bool = Field(False, description="Send even if the service has no capacity.")


class StatusIn(Schema):
    to: str | None = Field(None, description="Required: the new status.")
    reason: str = Field("", description="Required to decline, cancel, hold or fail.")
    expected_version: int | None = None


class AppointmentIn(Schema):
    appointment_at: datetime | None = Field(None, description="Required.")
    accompanied_by: str | None = Field(None, description="Left as it was when absent.")
    transport: str | None = Field(None, description="Left as it was when absent.")
    handoff_notes: str | None = Field(None, description="Left as it was when absent.")
    expected_version: int | None = None


class OutcomeIn(Schema):
    enrollment: str | None = Field(None, description="enrolled, not_enrolled or waitlisted")
    outcome_on: date | None = Field(None, description="Required.")
    reason: str = ""
    expected_version: int | None = None


class ReopenIn(Schema):
    reason: str = Field("", description="Required: why it is reopened.")
    expected_version: int | None = None


# --- Helpers ----------------------------------------------------------------------------------


def _actor(request: HttpRequest) -> Actor:
    return request.actor  # type: ignore[attr-defined]


def _purpose(request: HttpRequest) -> str:
    return str(getattr(request, "purpose", ""))


def _answer(status: int, body: Any) -> Any:
    return Status(status, body) if Status is not None else (status, body)


def _errors(exc: ValidationError) -> Any:
    if isinstance(exc, services.ReferralConflict):
        return _answer(409, {"detail": " ".join(str(m) for m in exc.messages), "errors": {}})
    if hasattr(exc, "error_dict"):
        fields = {name: [str(m) for m in messages] for name, messages in exc.message_dict.items()}
        detail = " ".join(m for messages in fields.values() for m in messages)
    else:
        fields = {}
        detail = " ".join(str(m) for m in exc.messages)
    return _answer(400, {"detail": detail, "errors": fields})


def _required(**values: object) -> None:
    missing = {name: [_("This field is required.")] for name, v in values.items() if v is None}
    if missing:
        raise ValidationError(missing)


def _org(organization_id: int | None, name: str | None) -> OrganizationRef | None:
    if organization_id is None or name is None:
        return None
    return OrganizationRef(id=organization_id, name=name)


def _event(event: selectors.EventView) -> EventOut:
    return EventOut(
        kind=event.kind,
        from_status=event.from_status,
        to_status=event.to_status,
        reason=event.reason,
        organization=_org(event.organization_id, event.organization_name),
        organization_withheld=event.organization_withheld,
        actor_name=event.actor_name,
        at=event.at,
    )


def _inbox_part2(actor: Actor, row: selectors.InboxRow, side: str) -> bool:
    """The page's ``shows_part2_notice``, for an inbox row (the same rule)."""
    referral = row.referral
    owner_id = referral.client.person.owner_organization_id
    return (
        referral.data_class == DataClass.SUBSTANCE_USE
        and owner_id != actor.organization.pk
        and (row.details_shown or side == Side.RECEIVER)
    )


def _out(
    view: selectors.ReferralView | selectors.InboxRow, *, side: str, part2: bool
) -> ReferralOut:
    # Only workflow columns come from the referral itself; everything the policy may withhold
    # comes from the selector's fields.
    r: Referral = view.referral
    return ReferralOut(
        id=r.pk,
        version=r.version,
        status=r.status,
        status_reason=view.status_reason,
        urgency=r.urgency,
        data_class=view.data_class,
        client_id=view.client_id,
        client_name=view.client_name,
        reason=view.reason,
        handoff_notes=view.handoff_notes,
        withheld=list(view.withheld_why),
        redisclosure_notice=str(PART2_REDISCLOSURE_NOTICE) if part2 else None,
        do_not_contact=r.do_not_contact,
        requester_organization=_org(
            view.requester_organization_id, view.requester_organization_name
        ),
        receiving_organization=_org(
            view.receiving_organization_id, view.receiving_organization_name
        ),
        service_id=view.service_id,
        service_name=view.service_name,
        appointment_at=r.appointment_at,
        accompanied_by=view.accompanied_by,
        transport=view.transport,
        enrollment=view.enrollment,
        outcome_on=view.outcome_on,
        created_at=r.created_at,
        requested_at=r.requested_at,
        responded_at=r.responded_at,
        closed_at=r.closed_at,
        due_at=r.due_at,
        overdue=view.overdue,
        reminded_at=r.reminded_at,
        escalated_at=r.escalated_at,
        reopened_count=r.reopened_count,
        side=side,
        moves=list(view.moves),
        events=[_event(e) for e in view.events],
    )


def _show(request: HttpRequest, referral_id: UUID | str) -> ReferralOut:
    try:
        view = selectors.referral_get(
            actor=_actor(request), referral_id=referral_id, purpose=_purpose(request)
        )
    except Referral.DoesNotExist:
        raise Http404 from None
    return _out(view, side=view.side, part2=view.shows_part2_notice)


def _write(request: HttpRequest, referral_id: UUID, write: Any) -> Any:
    try:
        write()
    except Referral.DoesNotExist:
        raise Http404 from None
    except ValidationError as exc:
        return _errors(exc)
    return _answer(200, _show(request, referral_id))


RESPONSES: dict[int, Any] = {200: ReferralOut, 400: ErrorOut, 409: ErrorOut}


# --- Operations -------------------------------------------------------------------------------


@router.post(
    "/",
    response={201: ReferralOut, 400: ErrorOut},
    summary="Refer a person to a partner organization or service",
)
@roles(*REFERRAL_ROLES)
def referral_create(request: HttpRequest, payload: ReferralIn) -> Any:
    actor = _actor(request)
    try:
        if payload.client_id is None:
            raise ValidationError({"client_id": [_("This field is required.")]})
        if payload.receiving_organization_id is None and payload.service_id is None:
            raise ValidationError(
                {"receiving_organization_id": [_("Name the organization or the service.")]}
            )
        client = Client.objects.select_related("person").filter(pk=payload.client_id).first()
        if client is None:
            raise ValidationError({"client_id": [_("No such client.")]})
        service = None
        if payload.service_id is not None:
            service = (
                Service.objects.select_related("organization").filter(pk=payload.service_id).first()
            )
            if service is None:
                raise ValidationError({"service_id": [_("No such service.")]})
        organization_id = payload.receiving_organization_id
        if organization_id is None and service is not None:
            organization_id = getattr(service.organization, "partner_id", None)
        organization = (
            Organization.objects.select_related("jurisdiction").filter(pk=organization_id).first()
            if organization_id is not None
            else None
        )
        if organization is None:
            raise ValidationError(
                {"receiving_organization_id": [_("No such partner organization.")]}
            )
        referral = services.referral_create(
            actor=actor,
            client=client,
            receiving_organization=organization,
            data_class=payload.data_class,
            purpose=_purpose(request),
            service=service,
            urgency=payload.urgency,
            reason=payload.reason,
            do_not_contact=payload.do_not_contact,
            appointment_at=payload.appointment_at,
            accompanied_by=payload.accompanied_by,
            transport=payload.transport,
            handoff_notes=payload.handoff_notes,
            send=payload.send,
            waitlist_ok=payload.waitlist_ok,
        )
    except ValidationError as exc:
        return _errors(exc)
    # Answered from the referral as written (the policy asked and the read audited again),
    # not read back from the database.
    view = selectors.referral_view_of(actor=actor, referral=referral, purpose=_purpose(request))
    return _answer(201, _out(view, side=view.side, part2=view.shows_part2_notice))


def _split(values: list[str] | None) -> tuple[str, ...]:
    found: list[str] = []
    for value in values or []:
        found.extend(v.strip() for v in value.split(",") if v.strip())
    return tuple(dict.fromkeys(found))


@router.get(
    "/inbox",
    response={200: InboxOut, 400: ErrorOut},
    summary="The organization's incoming or outgoing referrals",
    description="Overdue first, then the most urgent, then the newest. status and urgency may "
    "be repeated or comma-separated; without status, only open referrals are listed "
    "(status=all lists every one).",
)
@roles(*REFERRAL_ROLES)
def referral_inbox(
    request: HttpRequest,
    box: str = "incoming",
    status: list[str] | None = Query(None),  # noqa: B008 - Ninja's way to declare a list
    urgency: list[str] | None = Query(None),  # noqa: B008
    overdue: bool = False,
    service_id: UUID | None = None,
    page: int = 1,
    per_page: int = 25,
) -> Any:
    # Checked here (not by the schema, which would answer 422) so that a page out of range
    # is a 400 naming it, like every other mistake; a huge page would be a huge OFFSET.
    bounds = {"page": (page, selectors.MAX_PAGE), "per_page": (per_page, selectors.MAX_PER_PAGE)}
    out_of_range = {
        name: [_("Choose a number from 1 to %(last)d.") % {"last": last}]
        for name, (value, last) in bounds.items()
        if not 1 <= value <= last
    }
    if out_of_range:
        return _errors(ValidationError(out_of_range))
    statuses = _split(status)
    every = "all" in statuses
    filters = selectors.InboxFilters(
        box=box,
        statuses=tuple(s for s in statuses if s != "all"),
        urgencies=_split(urgency),
        overdue=overdue,
        service_id=service_id,
        open_only=not every,
    )
    try:
        result = selectors.referral_inbox(
            actor=_actor(request),
            filters=filters,
            purpose=_purpose(request),
            page=page,
            per_page=per_page,
        )
    except ValidationError as exc:
        return _errors(exc)
    side = {"incoming": Side.RECEIVER.value, "outgoing": Side.REQUESTER.value}.get(box, "")
    actor = _actor(request)
    items = [_out(row, side=side, part2=_inbox_part2(actor, row, side)) for row in result.rows]
    return _answer(
        200,
        InboxOut(
            items=items,
            total=result.total,
            page=result.page,
            per_page=result.per_page,
            has_next=result.has_next,
            redisclosure_notice=(
                str(PART2_REDISCLOSURE_NOTICE)
                if any(item.redisclosure_notice for item in items)
                else None
            ),
        ),
    )


@router.get(
    "/{uuid:referral_id}",
    response=ReferralOut,
    summary="One referral, with its history, as the policy allows",
)
@roles(*REFERRAL_ROLES)
def referral_get(request: HttpRequest, referral_id: UUID) -> ReferralOut:
    return _show(request, referral_id)


@router.post(
    "/{uuid:referral_id}/status",
    response=RESPONSES,
    summary="Move a referral to another status (accept, decline, cancel...)",
    description="409 when someone changed it since expected_version, or made this move first.",
)
@roles(*REFERRAL_ROLES)
def referral_status(request: HttpRequest, referral_id: UUID, payload: StatusIn) -> Any:
    def write() -> None:
        _required(to=payload.to)
        services.referral_transition(
            actor=_actor(request),
            referral_id=referral_id,
            to=str(payload.to),
            reason=payload.reason,
            expected_version=payload.expected_version,
            purpose=_purpose(request),
        )

    return _write(request, referral_id, write)


@router.post(
    "/{uuid:referral_id}/appointment",
    response=RESPONSES,
    summary="Record the warm handoff: appointment, who goes along, transport",
)
@roles(*REFERRAL_ROLES)
def referral_appointment(request: HttpRequest, referral_id: UUID, payload: AppointmentIn) -> Any:
    def write() -> None:
        services.referral_record_appointment(
            actor=_actor(request),
            referral_id=referral_id,
            appointment_at=payload.appointment_at,
            accompanied_by=payload.accompanied_by,
            transport=payload.transport,
            handoff_notes=payload.handoff_notes,
            expected_version=payload.expected_version,
            purpose=_purpose(request),
        )

    return _write(request, referral_id, write)


@router.post(
    "/{uuid:referral_id}/outcome",
    response=RESPONSES,
    summary="Record the outcome: enrolled, not enrolled or waitlisted",
)
@roles(*REFERRAL_ROLES)
def referral_outcome(request: HttpRequest, referral_id: UUID, payload: OutcomeIn) -> Any:
    def write() -> None:
        services.referral_record_outcome(
            actor=_actor(request),
            referral_id=referral_id,
            enrollment=payload.enrollment or "",
            outcome_on=payload.outcome_on,
            reason=payload.reason,
            expected_version=payload.expected_version,
            purpose=_purpose(request),
        )

    return _write(request, referral_id, write)


@router.post(
    "/{uuid:referral_id}/reopen",
    response=RESPONSES,
    summary="Reopen a closed referral (its history is kept)",
)
@roles(*REFERRAL_ROLES)
def referral_reopen(request: HttpRequest, referral_id: UUID, payload: ReopenIn) -> Any:
    def write() -> None:
        services.referral_reopen(
            actor=_actor(request),
            referral_id=referral_id,
            reason=payload.reason,
            expected_version=payload.expected_version,
            purpose=_purpose(request),
        )

    return _write(request, referral_id, write)
