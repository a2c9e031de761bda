"""The clients API (/api/clients): records, notes and the care plan, as the policy allows.

Every read asks the policy and is audited, exactly as the pages do. Bad input gets a 400 whose
``errors`` name the fields; a record the caller may not see is a 403, an unknown one a 404.
Request bodies have defaults throughout so that the services, not the schema, name what is
missing.
"""

from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from carecircle.api import roles
from carecircle.clients import selectors, services
from carecircle.clients.models import CarePlanGoal, CarePlanTask, Client
from carecircle.partners.models import Organization
from carecircle.partners.selectors import Actor
from carecircle.web.access import roles_with

router = Router(tags=["clients"])
READERS = roles_with(["general"])


class ErrorOut(Schema):
    detail: str
    errors: dict[str, list[str]] = {}


def _bad(exc: ValidationError) -> Status[ErrorOut]:
    errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    names = ", ".join(sorted(errors))
    return Status(
        400, ErrorOut(detail=_("Check these fields: %(names)s.") % {"names": names}, errors=errors)
    )


def _actor(request: HttpRequest) -> Actor:
    return request.actor  # type: ignore[attr-defined]


def _purpose(request: HttpRequest) -> str:
    return str(request.purpose)  # type: ignore[attr-defined]


def _client(client_id: int) -> Client:
    client = (
        Client.objects.select_related("person", "person__owner_organization")
        .filter(pk=client_id)
        .first()
    )
    if client is None:
        raise Http404
    return client


# --- records --------------------------------------------------------------------------------


class ClientSummaryOut(Schema):
    id: int
    person_id: str
    display_name: str
    identification: str
    identifier_code: str
    pronouns: str


def _summary(client: Client) -> ClientSummaryOut:
    return ClientSummaryOut(
        id=client.pk,
        person_id=str(client.person_id),
        display_name=client.display_name,
        identification=client.identification,
        identifier_code=client.identifier_code,
        pronouns=client.pronouns,
    )


class EntryOut(Schema):
    id: int
    data_class: str
    organization: str = Field(
        ..., description="the author organization; empty where it may not be named to the caller"
    )
    body: str
    created_at: datetime


class SupportOut(Schema):
    id: int
    name: str
    kind: str
    relationship: str
    phone: str
    is_emergency_contact: bool
    may_be_contacted: bool


class ClientOut(Schema):
    id: int
    person_id: str
    identification: str
    display_name: str
    preferred_name: str
    alias: str
    legal_given_name: str
    legal_family_name: str
    identifier_code: str
    birth_date: date | None
    birth_year: int | None
    gender_identity: str
    pronouns: str
    indigenous_identity: str
    two_slgbtq: str
    languages: list[str]
    rural_remote: str
    housing_status: str
    parent_status: str
    phone: str
    email: str
    safe_to_text: str
    safe_to_voicemail: str
    safe_contact_time: str
    contact_notes: str
    supports: list[SupportOut]
    entries: list[EntryOut]
    withheld: dict[str, str]


class ClientIn(Schema):
    """A new record. The identification level, when empty, follows from what is given."""

    identification: str = Field("", description="identified, alias or pseudonymous")
    preferred_name: str = ""
    alias: str = ""
    legal_given_name: str = ""
    legal_family_name: str = ""
    identifier_code: str = ""
    birth_date: str | None = Field(None, description="YYYY-MM-DD")
    age: int | str | None = Field(None, description="instead of the birth date")
    gender_identity: str = ""
    pronouns: str = ""
    indigenous_identity: str = ""
    two_slgbtq: str = ""
    languages: list[str] = []
    rural_remote: str = ""
    housing_status: str = ""
    parent_status: str = ""
    phone: str = ""
    email: str = ""
    safe_to_text: str = ""
    safe_to_voicemail: str = ""
    safe_contact_time: str = ""
    contact_notes: str = ""
    confirm_different_person: bool = Field(
        False, description="create even though records that may be this person exist"
    )


class MatchOut(Schema):
    id: int
    display_name: str
    reasons: list[str]


class DuplicatesOut(Schema):
    detail: str
    matches: list[MatchOut]


class ListQuery(Schema):
    q: str = Field("", description="name, or exact identifier code")
    limit: int = Field(50, ge=1, le=200)


@router.get("", response=list[ClientSummaryOut], summary="Clients of this organization")
@roles(*READERS)
def client_list(request: HttpRequest, filters: Query[ListQuery]) -> list[ClientSummaryOut]:
    clients = selectors.client_list(
        actor=_actor(request),
        purpose=_purpose(request),
        query=filters.q[:100],
        limit=filters.limit,
    )
    return [_summary(c) for c in clients]


@router.post(
    "",
    response={201: ClientSummaryOut, 400: ErrorOut, 409: DuplicatesOut},
    summary="Create a client record (after the duplicate check)",
)
@roles(*READERS)
def client_create(request: HttpRequest, payload: ClientIn) -> Any:
    actor = _actor(request)
    values = payload.dict(exclude={"confirm_different_person"})
    try:
        cleaned = services.client_profile_clean(values)
    except ValidationError as exc:
        return _bad(exc)
    if not payload.confirm_different_person:
        matches = selectors.client_duplicates(
            actor=actor, purpose=_purpose(request), values=cleaned
        )
        if matches:
            return Status(
                409,
                DuplicatesOut(
                    detail=_(
                        "Records that may be this person exist. Check them, or send "
                        "confirm_different_person: true."
                    ),
                    matches=[
                        MatchOut(
                            id=m.client.pk,
                            display_name=m.client.display_name,
                            reasons=list(m.reasons),
                        )
                        for m in matches
                    ],
                ),
            )
    try:
        client = services.client_create(actor=actor, **values)
    except ValidationError as exc:
        return _bad(exc)
    return Status(201, _summary(client))


@router.get("/{client_id}", response=ClientOut, summary="One client's record, as the policy allows")
@roles(*READERS)
def client_get(request: HttpRequest, client_id: int) -> ClientOut:
    try:
        view = selectors.client_get(
            actor=_actor(request), client_id=client_id, purpose=_purpose(request)
        )
    except Client.DoesNotExist:
        raise Http404 from None
    client = view.client
    return ClientOut(
        id=client.pk,
        person_id=str(client.person_id),
        identification=client.identification,
        display_name=client.display_name,
        preferred_name=client.preferred_name,
        alias=client.alias,
        legal_given_name=client.legal_given_name,
        legal_family_name=client.legal_family_name,
        identifier_code=client.identifier_code,
        birth_date=client.birth_date,
        birth_year=client.birth_year,
        gender_identity=client.gender_identity,
        pronouns=client.pronouns,
        indigenous_identity=client.indigenous_identity,
        two_slgbtq=client.two_slgbtq,
        languages=list(client.languages or []),
        rural_remote=client.rural_remote,
        housing_status=client.housing_status,
        parent_status=client.parent_status,
        phone=client.phone,
        email=client.email,
        safe_to_text=client.safe_to_text,
        safe_to_voicemail=client.safe_to_voicemail,
        safe_contact_time=client.safe_contact_time,
        contact_notes=client.contact_notes,
        supports=[
            SupportOut(
                id=s.pk,
                name=s.name,
                kind=s.kind,
                relationship=s.relationship,
                phone=s.phone,
                is_emergency_contact=s.is_emergency_contact,
                may_be_contacted=s.may_be_contacted,
            )
            for s in view.supports
        ],
        entries=_entries(view),
        withheld=_withheld(view.decisions),
    )


def _entries(view: selectors.ClientView) -> list[EntryOut]:
    return [
        EntryOut(
            id=e.pk,
            data_class=e.data_class,
            # Empty where the organization may not be named to the caller (records.Naming):
            # only the holder's notes are ever listed so.
            organization=org_name or "",
            body=e.body,
            created_at=e.created_at,
        )
        for e, org_name in view.entry_rows
    ]


def _withheld(decisions: dict[str, Any]) -> dict[str, str]:
    return {c: d.reason for c, d in decisions.items() if not d.permitted}


# --- notes ----------------------------------------------------------------------------------


class NotesOut(Schema):
    notes: list[EntryOut]
    withheld: dict[str, str]


class NoteIn(Schema):
    data_class: str = Field("", description="the kind of information the note holds")
    body: str = ""


@router.get("/{client_id}/notes", response=NotesOut, summary="The notes the caller may read")
@roles(*READERS)
def note_list(request: HttpRequest, client_id: int) -> NotesOut:
    try:
        view = selectors.client_get(
            actor=_actor(request), client_id=client_id, purpose=_purpose(request)
        )
    except Client.DoesNotExist:
        raise Http404 from None
    return NotesOut(notes=_entries(view), withheld=_withheld(view.decisions))


@router.post(
    "/{client_id}/notes",
    response={201: EntryOut, 400: ErrorOut},
    summary="Add a note labelled with a data class (needs permission to read that class)",
)
@roles(*READERS)
def note_add(request: HttpRequest, client_id: int, payload: NoteIn) -> Any:
    actor = _actor(request)
    client = _client(client_id)
    try:
        entry = services.client_entry_add(
            actor=actor,
            client=client,
            data_class=payload.data_class,
            body=payload.body,
            purpose=_purpose(request),
        )
    except ValidationError as exc:
        return _bad(exc)
    return Status(
        201,
        EntryOut(
            id=entry.pk,
            data_class=entry.data_class,
            organization=actor.organization.name,
            body=entry.body,
            created_at=entry.created_at,
        ),
    )


# --- the care plan --------------------------------------------------------------------------


class TaskOut(Schema):
    id: int
    goal_id: int
    description: str
    owner: str
    owner_is_person: bool
    owner_organization_id: int | None
    owner_user_id: int | None
    due_on: date | None
    done_at: datetime | None
    overdue: bool


class GoalOut(Schema):
    id: int
    domain: str
    own_words: str
    data_class: str
    status: str
    organization: str
    created_at: datetime
    tasks: list[TaskOut]


class CarePlanOut(Schema):
    goals: list[GoalOut]
    withheld: dict[str, str]


class GoalIn(Schema):
    domain: str = Field(
        "", description="treatment, housing, income, family, health, cultural, wellbeing"
    )
    own_words: str = ""
    data_class: str = Field("", description="empty: the life area's usual class")
    status: str = "active"


class TaskIn(Schema):
    goal_id: int | str | None = None
    description: str = ""
    owner_is_person: bool = False
    owner_organization_id: int | None = Field(None, description="empty: the caller's organization")
    owner_user_id: int | None = None
    due_on: str | None = Field(None, description="YYYY-MM-DD")


class TaskDoneIn(Schema):
    task_id: int | str | None = None


class TaskDoneOut(Schema):
    id: int
    goal_id: int
    done_at: datetime | None


def _task_out(row: selectors.TaskRow) -> TaskOut:
    task = row.task
    return TaskOut(
        id=task.pk,
        goal_id=task.goal_id,
        description=task.description,
        owner=row.owner_label,
        owner_is_person=task.owner_is_person,
        # Ids are left out where the organization may not be named (records.Naming).
        owner_organization_id=task.owner_organization_id if row.owner_named else None,
        owner_user_id=task.owner_user_id if row.owner_named else None,
        due_on=task.due_on,
        done_at=task.done_at,
        overdue=row.overdue,
    )


def _goal_out(row: selectors.GoalRow) -> GoalOut:
    goal = row.goal
    return GoalOut(
        id=goal.pk,
        domain=goal.domain,
        own_words=goal.own_words,
        data_class=goal.data_class,
        status=goal.status,
        organization=row.organization_name or "",
        created_at=goal.created_at,
        tasks=[_task_out(t) for t in row.tasks],
    )


def _plan(request: HttpRequest, client_id: int) -> selectors.CarePlanView:
    try:
        return selectors.care_plan_get(
            actor=_actor(request), client_id=client_id, purpose=_purpose(request)
        )
    except Client.DoesNotExist:
        raise Http404 from None


@router.get(
    "/{client_id}/care-plan", response=CarePlanOut, summary="The care plan, as the policy allows"
)
@roles(*READERS)
def care_plan_get(request: HttpRequest, client_id: int) -> CarePlanOut:
    view = _plan(request, client_id)
    return CarePlanOut(goals=[_goal_out(g) for g in view.goals], withheld=_withheld(view.decisions))


@router.post(
    "/{client_id}/care-plan/goals",
    response={201: GoalOut, 400: ErrorOut},
    summary="Add a goal in the person's own words",
)
@roles(*READERS)
def care_plan_goal_add(request: HttpRequest, client_id: int, payload: GoalIn) -> Any:
    client = _client(client_id)
    try:
        goal = services.care_plan_goal_add(
            actor=_actor(request), client=client, purpose=_purpose(request), **payload.dict()
        )
    except ValidationError as exc:
        return _bad(exc)
    return Status(
        201,
        GoalOut(
            id=goal.pk,
            domain=goal.domain,
            own_words=goal.own_words,
            data_class=goal.data_class,
            status=goal.status,
            organization=_actor(request).organization.name,
            created_at=goal.created_at,
            tasks=[],
        ),
    )


@router.post(
    "/{client_id}/care-plan/tasks",
    response={201: TaskOut, 400: ErrorOut, 404: ErrorOut},
    summary="Add a step to a goal, with its owner and due date",
)
@roles(*READERS)
def care_plan_task_add(request: HttpRequest, client_id: int, payload: TaskIn) -> Any:
    actor = _actor(request)
    client = _client(client_id)
    if payload.goal_id in (None, ""):
        return _bad(ValidationError({"goal_id": _("Name the goal.")}))
    errors: dict[str, str] = {}
    due_on = None
    if payload.due_on:
        try:
            due_on = date.fromisoformat(payload.due_on)
        except ValueError:
            errors["due_on"] = _("Give a date as YYYY-MM-DD.")
    organization = None
    if payload.owner_organization_id is not None:
        organization = Organization.objects.filter(
            pk=payload.owner_organization_id, is_active=True
        ).first()
        if organization is None:
            errors["owner_organization_id"] = _("No partner organization with this id.")
    if errors:
        return _bad(ValidationError(errors))
    try:
        goal = selectors.care_plan_goal_get(client=client, goal_id=payload.goal_id)
        task = services.care_plan_task_add(
            actor=actor,
            goal=goal,
            description=payload.description,
            owner_organization=organization,
            owner_user_id=payload.owner_user_id,
            owner_is_person=payload.owner_is_person,
            due_on=due_on,
            purpose=_purpose(request),
        )
    except ValidationError as exc:
        return _bad(
            _renamed(
                exc, {"owner_organization": "owner_organization_id", "owner_user": "owner_user_id"}
            )
        )
    except (CarePlanGoal.DoesNotExist, PermissionDenied):
        # The same answer for a goal the caller may not see and for no goal at all.
        return Status(
            404, ErrorOut(detail=_("goal_id: no goal of this client's plan you may see."))
        )
    # The service let the caller assign this owner, so the caller may see it named.
    return Status(
        201,
        _task_out(
            selectors.task_row(
                task,
                today=selectors.reader_today(actor),
                organization_name=task.owner_organization.name,
            )
        ),
    )


@router.post(
    "/{client_id}/care-plan/tasks/complete",
    response={200: TaskDoneOut, 400: ErrorOut, 404: ErrorOut},
    summary="Mark a step done",
)
@roles(*READERS)
def care_plan_task_complete(request: HttpRequest, client_id: int, payload: TaskDoneIn) -> Any:
    actor = _actor(request)
    client = _client(client_id)
    if payload.task_id in (None, ""):
        return _bad(ValidationError({"task_id": _("Name the step.")}))
    try:
        task = selectors.care_plan_task_get(client=client, task_id=payload.task_id)
        task = services.care_plan_task_complete(actor=actor, task=task, purpose=_purpose(request))
    except ValidationError as exc:
        return _bad(_renamed(exc, {"task": "task_id"}))
    except (CarePlanTask.DoesNotExist, PermissionDenied):
        return Status(
            404, ErrorOut(detail=_("task_id: no step of this client's plan you may see."))
        )
    return Status(200, TaskDoneOut(id=task.pk, goal_id=task.goal_id, done_at=task.done_at))


def _renamed(exc: ValidationError, names: dict[str, str]) -> ValidationError:
    """The service's field names, as this API spells them."""
    if not hasattr(exc, "error_dict"):
        return exc
    return ValidationError({names.get(k, k): v for k, v in exc.message_dict.items()})
