"""Reads of referrals: every one asks the policy and leaves an audit row per referral and kind
of information read, permitted or not.

A referral's workflow (status, urgency, service, dates, appointment, enrollment) and the
person's name are general information; its ``reason`` and ``handoff_notes`` carry the
referral's own kind of information (``referral.data_class``). What the policy withholds comes
back as ``None`` with the kind listed in ``withheld``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, IntegerField, Prefetch, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from carecircle.clients.models import Client
from carecircle.partners.models import Sector
from carecircle.partners.selectors import Actor
from carecircle.privacy import policy
from carecircle.privacy.audit import audit_append_many, decision_entry
from carecircle.privacy.models import REASON_TEXT, AuditAction, DataClass
from carecircle.privacy.rules import ROLE_CLASSES, Basis, Decision
from carecircle.privacy.selectors import people_read, person_read
from carecircle.referrals.models import Referral, ReferralEvent
from carecircle.referrals.states import (
    OPEN_STATES,
    REOPENABLE,
    SENT_STATES,
    STATUSES,
    Side,
    Status,
    Urgency,
    allowed_moves,
    sides_for,
)

MAX_PER_PAGE = 100

#: Inbox order: the most urgent first.
URGENCY_RANK: dict[str, int] = {
    Urgency.STAT: 0,
    Urgency.ASAP: 1,
    Urgency.URGENT: 2,
    Urgency.ROUTINE: 3,
}

#: What the mere name of an organization of this sector tells about a person (being referred
#: to a treatment clinic is itself Part 2 information). A reader who is not on a referral sees
#: it in someone's history only if the policy lets them see these kinds of information too.
SECTOR_CLASS: dict[str, str] = {
    Sector.TREATMENT_CLINIC: DataClass.SUBSTANCE_USE,
    Sector.PEER_RECOVERY: DataClass.SUBSTANCE_USE,
    Sector.MENTAL_HEALTH: DataClass.MENTAL_HEALTH,
    Sector.HARM_REDUCTION: DataClass.HARM_REDUCTION,
    Sector.POLICE_JUSTICE: DataClass.JUSTICE,
}


def _reasons(decisions: dict[str, Decision], withheld: list[str]) -> list[tuple[str, str]]:
    labels = dict(DataClass.choices)
    return [
        (
            str(labels.get(c, c)),
            str(REASON_TEXT.get(decisions[c].code, REASON_TEXT["no_basis"])),
        )
        for c in withheld
    ]


def _side_word(sides: frozenset[Side]) -> str:
    if sides == {Side.REQUESTER, Side.RECEIVER}:
        return "both"
    if Side.REQUESTER in sides:
        return Side.REQUESTER.value
    if Side.RECEIVER in sides:
        return Side.RECEIVER.value
    return ""


def _sides(actor: Actor, referral: Referral) -> frozenset[Side]:
    return sides_for(
        organization_id=actor.organization.pk,
        requester_organization_id=referral.requester_organization_id,
        receiving_organization_id=referral.receiving_organization_id,
        status=referral.status,
    )


def _moves(referral: Referral, sides: frozenset[Side]) -> list[str]:
    return allowed_moves(referral.status, sides) if sides else []


def _require_role(actor: Actor) -> None:
    if DataClass.GENERAL not in ROLE_CLASSES.get(actor.role, frozenset()):
        raise PermissionDenied(_("Your role does not work with referrals."))


# --- The inbox ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class InboxFilters:
    """What an inbox shows. ``statuses`` given: exactly those (``open_only`` is then ignored);
    otherwise the open referrals, or all of them."""

    box: str = "incoming"
    statuses: tuple[str, ...] = ()
    urgencies: tuple[str, ...] = ()
    overdue: bool = False
    service_id: UUID | str | None = None
    open_only: bool = True


@dataclass
class InboxRow:
    referral: Referral
    client_name: str | None
    reason: str | None
    #: The kinds of information (``DataClass`` values) withheld from the reader.
    withheld: list[str]
    overdue: bool
    #: The states the reader's organization may move it to now.
    moves: list[str]
    decisions: dict[str, Decision] = field(default_factory=dict, repr=False)

    @property
    def withheld_reasons(self) -> list[tuple[str, str]]:
        """(kind of information, why it is withheld), in the reader's language."""
        return _reasons(self.decisions, self.withheld)


@dataclass
class InboxPage:
    rows: list[InboxRow]
    total: int
    page: int
    per_page: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def num_pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _inbox_queryset(actor: Actor, filters: InboxFilters, now: datetime) -> QuerySet[Referral]:
    errors: dict[str, str] = {}
    if filters.box not in ("incoming", "outgoing"):
        errors["box"] = _("Choose incoming or outgoing.")
    if any(s not in STATUSES for s in filters.statuses):
        errors["status"] = _("Choose known statuses.")
    if any(u not in URGENCY_RANK for u in filters.urgencies):
        errors["urgency"] = _("Choose known urgencies.")
    service_id: UUID | None = None
    if filters.service_id not in (None, ""):
        try:
            service_id = UUID(str(filters.service_id))
        except ValueError:
            errors["service_id"] = _("Choose a known service.")
    if errors:
        raise ValidationError(errors)
    organization = actor.organization
    if filters.box == "incoming":
        # A draft is the requester's alone.
        qs = Referral.objects.filter(
            receiving_organization=organization, status__in=list(SENT_STATES)
        )
    else:
        qs = Referral.objects.filter(requester_organization=organization)
    if filters.statuses:
        qs = qs.filter(status__in=list(filters.statuses))
    elif filters.open_only:
        qs = qs.filter(status__in=list(OPEN_STATES))
    if filters.urgencies:
        qs = qs.filter(urgency__in=list(filters.urgencies))
    if filters.overdue:
        qs = qs.filter(status=Status.REQUESTED, due_at__lte=now)
    if service_id is not None:
        qs = qs.filter(service_id=service_id)
    return qs


def referral_inbox(
    *,
    actor: Actor,
    filters: InboxFilters,
    purpose: str,
    page: int = 1,
    per_page: int = 25,
) -> InboxPage:
    """One page of the organization's incoming or outgoing referrals: overdue first, then the
    most urgent, then the newest. The same number of queries whatever the page size; each row
    shown is a read of the person's general information and of the referral's kind, audited."""
    _require_role(actor)
    now = timezone.now()
    per_page = max(1, min(int(per_page), MAX_PER_PAGE))
    page = max(1, int(page))
    qs = _inbox_queryset(actor, filters, now)
    total = qs.count()
    ordered = qs.annotate(
        overdue_rank=Case(
            When(status=Status.REQUESTED, due_at__lte=now, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        ),
        urgency_rank=Case(
            *[When(urgency=u, then=Value(rank)) for u, rank in URGENCY_RANK.items()],
            default=Value(len(URGENCY_RANK)),
            output_field=IntegerField(),
        ),
    ).order_by("overdue_rank", "urgency_rank", "-created_at", "-pk")
    start = (page - 1) * per_page
    # Sort the narrow rows first and join only the page: sorting thousands of joined rows
    # costs more than one more query.
    ids = list(ordered.values_list("pk", flat=True)[start : start + per_page + 1])
    by_id = Referral.objects.select_related(
        "client__person",
        "requester",
        "requester_organization",
        "receiving_organization",
    ).in_bulk(ids)
    found = [by_id[pk] for pk in ids if pk in by_id]
    has_next = len(found) > per_page
    referrals = found[:per_page]
    decisions = people_read(
        actor=actor,
        reads=[
            (
                r.client.person,
                list(dict.fromkeys([DataClass.GENERAL.value, r.data_class])),
                "referral",
                str(r.pk),
            )
            for r in referrals
        ],
        purpose=purpose,
    )
    rows = []
    for referral in referrals:
        person_decisions = decisions.get(referral.client.person_id, {})
        shown = {c: person_decisions[c] for c in (DataClass.GENERAL, referral.data_class)}
        withheld = [c for c, d in shown.items() if not d.permitted]
        rows.append(
            InboxRow(
                referral=referral,
                client_name=(
                    referral.client.display_name if shown[DataClass.GENERAL].permitted else None
                ),
                reason=referral.reason if shown[referral.data_class].permitted else None,
                withheld=list(dict.fromkeys(withheld)),
                overdue=referral.is_overdue(now),
                moves=_moves(referral, _sides(actor, referral)),
                decisions=shown,
            )
        )
    return InboxPage(rows=rows, total=total, page=page, per_page=per_page, has_next=has_next)


# --- One referral ---------------------------------------------------------------------------------


@dataclass
class ReferralView:
    referral: Referral
    client_name: str | None
    reason: str | None
    handoff_notes: str | None
    #: The kinds of information (``DataClass`` values) withheld from the reader.
    withheld: list[str]
    events: list[ReferralEvent]
    moves: list[str]
    can_reopen: bool
    #: "requester", "receiver", "both", or "" for a reader who is on neither side (history).
    side: str
    shows_part2_notice: bool
    decisions: dict[str, Decision] = field(default_factory=dict, repr=False)

    #: Past its response deadline and still unanswered, when it was read.
    overdue: bool = False

    @property
    def withheld_reasons(self) -> list[tuple[str, str]]:
        """(kind of information, why it is withheld), in the reader's language."""
        return _reasons(self.decisions, self.withheld)


def _view(
    actor: Actor,
    referral: Referral,
    decisions: dict[str, Decision],
    events: list[ReferralEvent],
) -> ReferralView:
    sides = _sides(actor, referral)
    shown = {c: decisions[c] for c in (DataClass.GENERAL, referral.data_class)}
    withheld = list(dict.fromkeys(c for c, d in shown.items() if not d.permitted))
    detail_ok = shown[referral.data_class].permitted
    owner_id = referral.client.person.owner_organization_id
    part2 = (
        referral.data_class == DataClass.SUBSTANCE_USE
        and owner_id != actor.organization.pk
        and (detail_ok or Side.RECEIVER in sides)
    )
    return ReferralView(
        referral=referral,
        client_name=referral.client.display_name if shown[DataClass.GENERAL].permitted else None,
        reason=referral.reason if detail_ok else None,
        handoff_notes=referral.handoff_notes if detail_ok else None,
        withheld=withheld,
        events=events,
        moves=_moves(referral, sides),
        can_reopen=bool(sides) and referral.status in REOPENABLE,
        side=_side_word(sides),
        shows_part2_notice=part2,
        decisions=shown,
        overdue=referral.is_overdue(timezone.now()),
    )


def _with_relations(qs: QuerySet[Referral]) -> QuerySet[Referral]:
    events = Prefetch(
        "events",
        queryset=ReferralEvent.objects.select_related("organization", "actor").order_by("at", "pk"),
    )
    return qs.select_related(
        "client__person__owner_organization",
        "requester",
        "requester_organization",
        "receiving_organization__jurisdiction",
        "service",
        "consent",
    ).prefetch_related(events)


def referral_get(*, actor: Actor, referral_id: UUID | str, purpose: str) -> ReferralView:
    """One referral, for an organization on it. Raises ``Referral.DoesNotExist`` (also for a
    draft seen by the organization it is not yet sent to) or PermissionDenied (not on the
    referral, or the person's general information is withheld); the read is audited."""
    _require_role(actor)
    try:
        referral = _with_relations(Referral.objects.filter(pk=referral_id)).get()
    except (ValidationError, ValueError):
        raise Referral.DoesNotExist from None
    sides = _sides(actor, referral)
    person = referral.client.person
    if not sides:
        if referral.receiving_organization_id == actor.organization.pk:
            raise Referral.DoesNotExist  # a draft, not yet sent to this organization
        audit_append_many(
            actor=actor,
            entries=[
                decision_entry(
                    decision=Decision(False, Basis.NONE, "not on the referral"),
                    action=AuditAction.READ,
                    purpose=purpose,
                    person_id=person.pk,
                    owner_organization_id=person.owner_organization_id,
                    data_class=DataClass.GENERAL,
                    object_type="referral",
                    object_id=str(referral.pk),
                )
            ],
        )
        raise PermissionDenied(_("Only the organizations on a referral see it."))
    decisions = person_read(
        actor=actor,
        person=person,
        data_classes=[DataClass.GENERAL, referral.data_class],
        purpose=purpose,
        object_type="referral",
        object_id=str(referral.pk),
    )
    general = decisions[DataClass.GENERAL]
    if not general.permitted:
        raise PermissionDenied(str(REASON_TEXT.get(general.code, REASON_TEXT["no_basis"])))
    return _view(actor, referral, decisions, list(referral.events.all()))


def _visible_in_history(actor: Actor, referral: Referral, decisions: dict[str, Decision]) -> bool:
    sides = _sides(actor, referral)
    if sides:
        return True
    if referral.status == Status.DRAFT:
        return False  # the requester's alone
    # Not on it: shown only where the referral itself tells nothing the policy withholds.
    implied = {referral.data_class}
    for organization in (referral.requester_organization, referral.receiving_organization):
        if organization.pk != actor.organization.pk and organization.sector in SECTOR_CLASS:
            implied.add(SECTOR_CLASS[organization.sector])
    return all(decisions[c].permitted for c in implied)


def referral_history(*, actor: Actor, client: Client, purpose: str) -> list[ReferralView]:
    """Every referral of the person the reader may see, whichever organizations made and
    received it (the history follows the person across organizations), newest first.

    The organizations on a referral always see it (with what the policy withholds left out);
    anyone else who may read the person's general information sees a referral only where its
    kind of information, and what its organizations' names reveal (a treatment clinic, a
    mental-health service...), are also permitted. Each referral shown is audited.
    """
    _require_role(actor)
    person = client.person
    decisions = policy.evaluate_many(
        actor=actor, person=person, data_classes=DataClass.values, purpose=purpose
    )
    general = decisions[DataClass.GENERAL]
    if not general.permitted:
        audit_append_many(
            actor=actor,
            entries=[
                decision_entry(
                    decision=general,
                    action=AuditAction.READ,
                    purpose=purpose,
                    person_id=person.pk,
                    owner_organization_id=person.owner_organization_id,
                    data_class=DataClass.GENERAL,
                    object_type="referral_history",
                    object_id=str(client.pk),
                )
            ],
        )
        raise PermissionDenied(str(REASON_TEXT.get(general.code, REASON_TEXT["no_basis"])))
    referrals = list(
        _with_relations(Referral.objects.filter(client=client)).order_by("-created_at", "-pk")
    )
    for referral in referrals:
        # Everything hangs off this one person: no query per row.
        referral.client = client
    shown = [r for r in referrals if _visible_in_history(actor, r, decisions)]
    audit_append_many(
        actor=actor,
        entries=[
            decision_entry(
                decision=decisions[data_class],
                action=AuditAction.READ,
                purpose=purpose,
                person_id=person.pk,
                owner_organization_id=person.owner_organization_id,
                data_class=data_class,
                object_type="referral",
                object_id=str(referral.pk),
            )
            for referral in shown
            for data_class in dict.fromkeys([DataClass.GENERAL.value, referral.data_class])
        ],
    )
    return [_view(actor, r, decisions, list(r.events.all())) for r in shown]
