"""Reads of referrals: every one asks the policy and leaves an audit row per referral and kind
of information read, permitted or not.

The person's name is general information. Everything else a referral tells about the person
carries its *effective* kinds of information: the referral's own ``data_class`` and what
naming each organization on it discloses (``privacy.rules.implied_class``: being referred by
or to a treatment clinic is substance-use information, by or to the police justice
information...). The reader's own organization is left out of that: telling its own staff
that the person is connected to it discloses nothing to them.

What both sides need to work the referral stays visible to the organizations on it: status,
urgency, dates, the appointment. The other organization's name (and its people's), the
free-text reasons (``status_reason``, the history's reasons, ``reason``) and the handoff notes
are shown only where every effective kind is permitted; so are the service and the outcome,
except to the receiving organization, whose own listing and record they are. What is not shown
comes back as ``None``, with the kinds listed in ``withheld``. Templates and the API read only
these fields, never the referral's own, so nothing can leak by a template.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, Q, QuerySet, prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _

from carecircle.clients.models import Client
from carecircle.partners.models import Jurisdiction, Organization, Role
from carecircle.partners.selectors import Actor, coalition_list
from carecircle.privacy import policy
from carecircle.privacy.audit import audit_append_many, decision_entry
from carecircle.privacy.models import REASON_TEXT, AuditAction, DataClass
from carecircle.privacy.rules import ROLE_CLASSES, Basis, Decision, implied_class
from carecircle.privacy.selectors import people_read, person_read
from carecircle.referrals.deadlines import DEFAULT_RULES, DeadlineRule
from carecircle.referrals.models import (
    ENROLLMENT_LABELS,
    STATUS_LABELS,
    URGENCY_LABELS,
    Referral,
    ReferralEvent,
    ResponseDeadline,
    status_among,
)
from carecircle.referrals.states import (
    OPEN_ANY,
    OPEN_SENT,
    REOPENABLE,
    SENT_STATES,
    STATUSES,
    URGENCY_RANK,
    Side,
    Status,
    allowed_moves,
    sides_for,
)

logger = logging.getLogger(__name__)

MAX_PER_PAGE = 100
#: The last page an inbox serves: a larger number gets this one (never a database error).
MAX_PAGE = 10_000


def _reasons(decisions: dict[str, Decision], withheld: list[str]) -> list[tuple[str, str]]:
    labels = dict(DataClass.choices)
    return [
        (
            str(labels.get(c, c)),
            str(REASON_TEXT.get(decisions[c].code, REASON_TEXT["no_basis"])),
        )
        for c in withheld
    ]


def _why(decisions: dict[str, Decision], withheld: list[str]) -> list[str]:
    """Why things are withheld, each reason once, without naming the kinds: which kind a
    referral's details are is itself what may not be told."""
    return list(
        dict.fromkeys(
            str(REASON_TEXT.get(decisions[c].code, REASON_TEXT["no_basis"])) for c in withheld
        )
    )


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
    return allowed_moves(referral.status, sides, accepted=referral.was_accepted) if sides else []


def _require_role(actor: Actor) -> None:
    if DataClass.GENERAL not in ROLE_CLASSES.get(actor.role, frozenset()):
        raise PermissionDenied(_("Your role does not work with referrals."))


def effective_classes(actor: Actor, referral: Referral) -> list[str]:
    """The kinds of information a referral's details disclose to this reader: its own kind,
    and what naming each organization on it tells (``privacy.rules.implied_class``), except
    the reader's own organization."""
    found = [referral.data_class]
    for organization in (referral.requester_organization, referral.receiving_organization):
        if organization.pk == actor.organization.pk:
            continue
        implied = implied_class(organization.sector)
        if implied is not None:
            found.append(implied)
    return list(dict.fromkeys(found))


def classes_to_ask(actor: Actor, referral: Referral) -> list[str]:
    """What reading the referral asks the policy: the person's name, and its effective kinds."""
    return list(dict.fromkeys([DataClass.GENERAL.value, *effective_classes(actor, referral)]))


def _person_name(user: object) -> str:
    if user is None:
        return ""
    full = getattr(user, "get_full_name", lambda: "")()
    return str(full or getattr(user, "get_username", lambda: "")())


@dataclass(frozen=True)
class EventView:
    """One step of a referral's history, as this reader may see it."""

    kind: str
    from_status: str
    to_status: str
    at: datetime
    #: None when there is none (the system) or when it is withheld (``organization_withheld``).
    organization_id: int | None
    organization_name: str | None
    organization_withheld: bool
    #: Who did it; None when nobody (the system) or withheld with the organization.
    actor_name: str | None
    #: "" when none was given; None when withheld.
    reason: str | None


@dataclass(kw_only=True)
class _Shown:
    """What one reader may see of one referral: the fields shared by the inbox and the page."""

    client_id: int | None
    client_name: str | None
    data_class: str | None
    requester_organization_id: int | None
    requester_organization_name: str | None
    receiving_organization_id: int | None
    receiving_organization_name: str | None
    other_organization_name: str | None
    requester_name: str | None
    service_id: UUID | None
    service_name: str | None
    enrollment: str | None
    outcome_on: date | None
    status_reason: str | None
    reason: str | None
    handoff_notes: str | None
    accompanied_by: str
    transport: str
    details_shown: bool
    effective_classes: list[str]
    withheld: list[str]
    decisions: dict[str, Decision] = field(repr=False)


def _shown(
    actor: Actor, referral: Referral, decisions: dict[str, Decision], sides: frozenset[Side]
) -> _Shown:
    effective = effective_classes(actor, referral)
    asked = list(dict.fromkeys([DataClass.GENERAL.value, *effective]))
    shown = {c: decisions[c] for c in asked}
    withheld = [c for c in asked if not shown[c].permitted]
    general_ok = shown[DataClass.GENERAL].permitted
    details = all(shown[c].permitted for c in effective)
    own = actor.organization.pk

    def nameable(organization: Organization) -> bool:
        # Its own organization, or one whose name says nothing sensitive (an ED, housing...):
        # the receiving intake worker must know who referred, to call them back.
        return (
            organization.pk == own
            or details
            or (general_ok and implied_class(organization.sector) is None)
        )

    def org(organization: Organization) -> tuple[int | None, str | None]:
        if nameable(organization):
            return organization.pk, organization.name
        return None, None

    requester_id, requester_org_name = org(referral.requester_organization)
    receiving_id, receiving_name = org(referral.receiving_organization)
    if Side.RECEIVER in sides and Side.REQUESTER not in sides:
        other = requester_org_name
    else:
        # The requester (or both, or a reader on neither side, in a history) looks at the
        # organization it is sent to.
        other = receiving_name
    requester_name: str | None = None
    if nameable(referral.requester_organization):
        requester_name = _person_name(referral.requester)
    # The service is one of the receiving organization's own listings and the outcome its own
    # record: its staff see them, as they see their organization's name; the sender only with
    # the details.
    receivers_own = referral.receiving_organization_id == own or details
    return _Shown(
        client_id=referral.client_id if general_ok else None,
        client_name=referral.client.display_name if general_ok else None,
        data_class=referral.data_class if shown[referral.data_class].permitted else None,
        requester_organization_id=requester_id,
        requester_organization_name=requester_org_name,
        receiving_organization_id=receiving_id,
        receiving_organization_name=receiving_name,
        other_organization_name=other,
        requester_name=requester_name,
        service_id=referral.service_id if receivers_own else None,
        service_name=referral.service_name if receivers_own else None,
        enrollment=referral.enrollment if receivers_own else None,
        outcome_on=referral.outcome_on if receivers_own else None,
        status_reason=referral.status_reason if details else None,
        reason=referral.reason if details else None,
        handoff_notes=referral.handoff_notes if details else None,
        accompanied_by=referral.accompanied_by,
        transport=referral.transport,
        details_shown=details,
        effective_classes=effective,
        withheld=withheld,
        decisions=shown,
    )


def _events(actor: Actor, events: list[ReferralEvent], details: bool) -> list[EventView]:
    own = actor.organization.pk
    items = []
    for event in events:
        organization = event.organization
        named = organization is not None and (organization.pk == own or details)
        withheld = organization is not None and not named
        items.append(
            EventView(
                kind=event.kind,
                from_status=event.from_status,
                to_status=event.to_status,
                at=event.at,
                organization_id=organization.pk if named and organization else None,
                organization_name=organization.name if named and organization else None,
                organization_withheld=withheld,
                actor_name=(
                    _person_name(event.actor) or None
                    if event.actor is not None and not withheld
                    else None
                ),
                reason=event.reason if details else None,
            )
        )
    return items


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


@dataclass(kw_only=True)
class _Common(_Shown):
    """The fields the inbox and the page share (see ``_Shown``), with the workflow."""

    overdue: bool = False
    #: The states the reader's organization may move it to now.
    moves: list[str] = field(default_factory=list)
    events: list[EventView] = field(default_factory=list)

    @property
    def withheld_reasons(self) -> list[tuple[str, str]]:
        """(kind of information, why it is withheld), in the reader's language."""
        return _reasons(self.decisions, self.withheld)

    @property
    def withheld_why(self) -> list[str]:
        """Why something is withheld, each reason once, without naming the kinds."""
        return _why(self.decisions, self.withheld)

    @property
    def enrollment_label(self) -> str | None:
        """The outcome in the reader's language; "" when none is recorded, None withheld."""
        if self.enrollment is None:
            return None
        return (
            str(ENROLLMENT_LABELS.get(self.enrollment, self.enrollment)) if self.enrollment else ""
        )

    @property
    def data_class_label(self) -> str | None:
        """The referral's kind of information in the reader's language; None withheld."""
        if self.data_class is None:
            return None
        return str(dict(DataClass.choices).get(self.data_class, self.data_class))


@dataclass(kw_only=True)
class InboxRow(_Common):
    """One referral in an inbox. ``events`` is not loaded here (always empty)."""

    referral: Referral

    @property
    def status_label(self) -> str:
        # A plain dict lookup: ``get_status_display`` hashes every lazy label of the choices,
        # a gettext each, for every row of the page.
        return str(STATUS_LABELS[self.referral.status])

    @property
    def urgency_label(self) -> str:
        return str(URGENCY_LABELS[self.referral.urgency])


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
    """The inbox's referrals, unordered. The states are written as the partial indexes write
    them (``status_among``), so the default listing reads only the open referrals' index."""
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
        qs = Referral.objects.filter(receiving_organization=organization)
        # A draft is the requester's alone.
        shown, open_states = SENT_STATES, OPEN_SENT
    else:
        qs = Referral.objects.filter(requester_organization=organization)
        shown, open_states = frozenset(STATUSES), OPEN_ANY
    if filters.statuses:
        states = tuple(sorted(shown & set(filters.statuses)))
    elif filters.open_only:
        states = open_states
    else:
        states = tuple(sorted(shown))
    if not states:
        return qs.none()
    qs = qs.filter(status_among(states))
    if filters.urgencies:
        qs = qs.filter(urgency_rank__in=sorted({URGENCY_RANK[u] for u in filters.urgencies}))
    if filters.overdue:
        qs = qs.filter(_overdue(now))
    if service_id is not None:
        qs = qs.filter(service_id=service_id)
    return qs


def _overdue(now: datetime) -> Q:
    """Waiting for an answer past the deadline (served by the ``referral_*_due`` indexes)."""
    return Q(status_among((Status.REQUESTED.value,)), due_at__lte=now)


#: What an inbox row reads: the referral, and of the people and organizations on it what names
#: them (a client's profile, a user's password hash are not loaded for every row).
_ROW_FIELDS = (
    *(f.name for f in Referral._meta.concrete_fields),
    *(f"client__{name}" for name in Client.NAME_FIELDS),
    "client__person__id",
    "client__person__owner_organization",
    "client__person__created_at",
    *(f"requester__{name}" for name in ("id", "username", "first_name", "last_name")),
    *(
        f"{side}__{name}"
        for side in ("requester_organization", "receiving_organization")
        for name in ("id", "name", "slug", "sector", "jurisdiction", "is_active")
    ),
)

#: Within the overdue ones and within the rest: the most urgent, then the newest.
INBOX_ORDER = ("urgency_rank", "-created_at", "-pk")


def _page_ids(
    qs: QuerySet[Referral], now: datetime, start: int, want: int
) -> tuple[list[UUID], int]:
    """The ids of ``want`` referrals from ``start`` in inbox order (the overdue ones first),
    and how many there are in all. Overdue is a matter of the clock, so no index can hold that
    order: the overdue referrals and the others are read apart, each through an index in its
    order, and put end to end. The ids alone, from the referrals' table alone, so that the
    planner walks the index in order and stops (joined, SQLite sorts every open referral).
    The queries do not depend on ``want``: the count, the overdue ones and the others; beyond
    the first page, also the count of the overdue ones (where the others start)."""
    total = qs.count()
    if not total:
        return [], 0
    overdue = qs.filter(_overdue(now))
    late_first = overdue.order_by(*INBOX_ORDER).values_list("pk", flat=True)
    rest = qs.exclude(_overdue(now)).order_by(*INBOX_ORDER).values_list("pk", flat=True)
    if start == 0:
        ids = list(late_first[:want])
        # Fewer than asked: that is all of the overdue ones; the others fill the page (at
        # least one is asked for, so that every first page makes the same queries).
        ids += list(rest[: max(1, want - len(ids))])
        return ids[:want], total
    late = overdue.count()
    ids = list(late_first[start : start + want])
    offset = max(0, start - late)
    ids += list(rest[offset : offset + max(1, want - len(ids))])
    return ids[:want], total


def _page_number(page: object) -> int:
    """1 for anything below 1; a ValidationError naming ``page`` beyond ``MAX_PAGE``."""
    try:
        number = int(page)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise ValidationError({"page": _("Choose a page number.")}) from None
    if number > MAX_PAGE:
        raise ValidationError({"page": _("Choose a page from 1 to %(last)d.") % {"last": MAX_PAGE}})
    return max(1, number)


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
    shown is a read of the person's general information and of the referral's effective kinds
    of information, audited. ``page`` beyond ``MAX_PAGE`` is a ValidationError naming it."""
    _require_role(actor)
    now = timezone.now()
    per_page = max(1, min(int(per_page), MAX_PER_PAGE))
    page = _page_number(page)
    qs = _inbox_queryset(actor, filters, now)
    ids, total = _page_ids(qs, now, (page - 1) * per_page, per_page + 1)
    by_id = (
        Referral.objects.select_related(
            "client__person",
            "requester",
            "requester_organization",
            "receiving_organization",
        )
        .only(*_ROW_FIELDS)
        .order_by()
        .in_bulk(ids)
    )
    found = [by_id[pk] for pk in ids if pk in by_id]
    has_next = len(found) > per_page
    referrals = found[:per_page]
    # One question to the policy for the whole page: the name and every effective kind.
    decisions = people_read(
        actor=actor,
        reads=[
            (r.client.person, classes_to_ask(actor, r), "referral", str(r.pk)) for r in referrals
        ],
        purpose=purpose,
    )
    rows = []
    for referral in referrals:
        sides = _sides(actor, referral)
        shown = _shown(actor, referral, decisions.get(referral.client.person_id, {}), sides)
        rows.append(
            InboxRow(
                **vars(shown),
                referral=referral,
                overdue=referral.is_overdue(now),
                moves=_moves(referral, sides),
            )
        )
    return InboxPage(rows=rows, total=total, page=page, per_page=per_page, has_next=has_next)


# --- One referral ---------------------------------------------------------------------------------


@dataclass(kw_only=True)
class ReferralView(_Common):
    """One referral as this reader may see it, with its history."""

    referral: Referral
    can_reopen: bool = False
    #: "requester", "receiver", "both", or "" for a reader who is on neither side (history).
    side: str = ""
    shows_part2_notice: bool = False


def _view(
    actor: Actor,
    referral: Referral,
    decisions: dict[str, Decision],
    events: list[ReferralEvent],
) -> ReferralView:
    sides = _sides(actor, referral)
    shown = _shown(actor, referral, decisions, sides)
    owner_id = referral.client.person.owner_organization_id
    part2 = (
        referral.data_class == DataClass.SUBSTANCE_USE
        and owner_id != actor.organization.pk
        and (shown.details_shown or Side.RECEIVER in sides)
    )
    return ReferralView(
        **vars(shown),
        referral=referral,
        events=_events(actor, events, shown.details_shown),
        moves=_moves(referral, sides),
        can_reopen=bool(sides) and referral.status in REOPENABLE,
        side=_side_word(sides),
        shows_part2_notice=part2,
        overdue=referral.is_overdue(timezone.now()),
    )


def _events_prefetch() -> Prefetch:
    return Prefetch(
        "events",
        queryset=ReferralEvent.objects.select_related("organization", "actor").order_by("at", "pk"),
    )


def _with_relations(qs: QuerySet[Referral]) -> QuerySet[Referral]:
    events = _events_prefetch()
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
    return _read(actor, referral, purpose)


def referral_view_of(*, actor: Actor, referral: Referral, purpose: str) -> ReferralView:
    """The referral a service has just written and handed back, as this actor may see it:
    what :func:`referral_get` answers (the policy asked, the read audited) without reading
    the referral again; only its history is read."""
    _require_role(actor)
    prefetch_related_objects([referral], _events_prefetch())
    if "requester" not in referral._state.fields_cache:
        # The requester made the first event: their account came with the history.
        for event in referral.events.all():
            if event.actor_id == referral.requester_id and event.actor is not None:
                referral.requester = event.actor
                break
    return _read(actor, referral, purpose)


def _read(actor: Actor, referral: Referral, purpose: str) -> ReferralView:
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
        data_classes=classes_to_ask(actor, referral),
        purpose=purpose,
        object_type="referral",
        object_id=str(referral.pk),
    )
    general = decisions[DataClass.GENERAL]
    if not general.permitted:
        raise PermissionDenied(str(REASON_TEXT.get(general.code, REASON_TEXT["no_basis"])))
    return _view(actor, referral, decisions, list(referral.events.all()))


def _visible_in_history(actor: Actor, referral: Referral, decisions: dict[str, Decision]) -> bool:
    """The organizations on a referral see it (with its details withheld as for the page);
    anyone else only where every effective kind of information is permitted, so that nothing
    is shown withheld to someone who is not on it."""
    if _sides(actor, referral):
        return True
    if referral.status == Status.DRAFT:
        return False  # the requester's alone
    return all(decisions[c].permitted for c in classes_to_ask(actor, referral))


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
            for data_class in classes_to_ask(actor, referral)
        ],
    )
    return [_view(actor, r, decisions, list(r.events.all())) for r in shown]


# --- Response deadlines -------------------------------------------------------------------------
# A jurisdiction's rules, not anyone's data: these reads ask no policy and leave no audit row.

#: Roles that may change their jurisdiction's response deadlines, acting for its coalition.
DEADLINE_MANAGER_ROLES = frozenset({Role.COORDINATOR.value, Role.ORG_ADMIN.value})


def response_deadlines_may_manage(*, actor: Actor, jurisdiction: Jurisdiction) -> bool:
    """May ``actor`` change ``jurisdiction``'s response deadlines? Only a coordinator or an
    organization admin acting for a coalition of that jurisdiction
    (:func:`carecircle.partners.selectors.coalition_list`): the deadlines bind every partner
    there, so the body they answer to sets them. Everyone else only reads them."""
    organization = actor.organization
    if actor.role not in DEADLINE_MANAGER_ROLES or organization.jurisdiction_id != jurisdiction.pk:
        return False
    return coalition_list(jurisdiction_id=jurisdiction.pk).filter(pk=organization.pk).exists()


@dataclass(frozen=True)
class DeadlineSetting:
    """One urgency's deadline as it applies in a jurisdiction: its own, or the default."""

    urgency: str
    label: str
    rule: DeadlineRule
    own: bool


def usable_rule(row: ResponseDeadline) -> DeadlineRule | None:
    """The row as a rule, or None (logged) when the kernel refuses it: a row written before
    the checks existed, or by hand in the admin (a huge number), must cost its jurisdiction
    the default for that urgency, not every referral sent there its deadline."""
    try:
        return DeadlineRule(
            hours=row.hours,
            business_days=row.business_days,
            escalate_after_hours=row.escalate_after_hours,
        )
    except (TypeError, ValueError) as error:
        logger.warning(
            "response deadline %s (jurisdiction %s, %s) is unusable, the default applies: %s",
            row.pk,
            row.jurisdiction_id,
            row.urgency,
            error,
        )
        return None


def response_deadline_list(*, jurisdiction: Jurisdiction) -> list[DeadlineSetting]:
    """Each urgency's deadline in ``jurisdiction``, most urgent first: one query."""
    rows = {
        row.urgency: row for row in ResponseDeadline.objects.filter(jurisdiction_id=jurisdiction.pk)
    }
    settings = []
    for urgency in sorted(URGENCY_RANK, key=URGENCY_RANK.__getitem__):
        row = rows.get(urgency)
        own = usable_rule(row) if row is not None else None
        settings.append(
            DeadlineSetting(
                urgency=urgency,
                label=str(URGENCY_LABELS[urgency]),
                rule=own or DEFAULT_RULES[urgency],
                own=own is not None,
            )
        )
    return settings
