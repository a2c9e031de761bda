"""The referral's life, as a pure kernel (no Django): the HL7 Gravity SDOH Clinical Care
referral Task states, which side may move each, and which moves need a reason.

    draft -> requested -> accepted | rejected | cancelled
    accepted -> in-progress | on-hold | completed | failed | cancelled
    in-progress -> on-hold | completed | failed | cancelled
    on-hold -> in-progress | completed | failed | cancelled
    any state -> entered-in-error

The requester owns draft, requested and entered-in-error; the receiving organization owns the
rest; either may cancel. Rejected, cancelled, on-hold and failed need a reason. When the
person's consent lapses, the system puts an open sent referral on hold (CONSENT_HOLD_FROM). A closed
referral (completed, failed, rejected, cancelled) may be reopened; it goes back to where work
resumes (requested for the requester, in-progress for the receiver) and its history is kept.
Labels for people live in :mod:`carecircle.referrals.models`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Status(StrEnum):
    """The Gravity / FHIR Task status codes a referral uses."""

    DRAFT = "draft"
    REQUESTED = "requested"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    IN_PROGRESS = "in-progress"
    ON_HOLD = "on-hold"
    COMPLETED = "completed"
    FAILED = "failed"
    ENTERED_IN_ERROR = "entered-in-error"


STATUSES: tuple[str, ...] = tuple(s.value for s in Status)


class Urgency(StrEnum):
    """FHIR request priority."""

    ROUTINE = "routine"
    URGENT = "urgent"
    ASAP = "asap"
    STAT = "stat"


class Enrollment(StrEnum):
    UNKNOWN = ""
    ENROLLED = "enrolled"
    NOT_ENROLLED = "not_enrolled"
    WAITLISTED = "waitlisted"


class Side(StrEnum):
    REQUESTER = "requester"
    RECEIVER = "receiver"


OPEN_STATES = frozenset(
    {Status.DRAFT, Status.REQUESTED, Status.ACCEPTED, Status.IN_PROGRESS, Status.ON_HOLD}
)
CLOSED_STATES = frozenset(
    {Status.REJECTED, Status.CANCELLED, Status.COMPLETED, Status.FAILED, Status.ENTERED_IN_ERROR}
)
#: States the receiving organization sees in its inbox (a draft is the requester's alone).
SENT_STATES = frozenset(set(STATUSES) - {Status.DRAFT})
#: The open states as fixed, sorted tuples: what an inbox lists by default, written the same
#: way in the partial indexes that serve it and in the queries that use them.
OPEN_SENT: tuple[str, ...] = tuple(sorted(s.value for s in OPEN_STATES if s in SENT_STATES))
OPEN_ANY: tuple[str, ...] = tuple(sorted(s.value for s in OPEN_STATES))
#: Inbox order: the most urgent first.
URGENCY_RANK: dict[str, int] = {
    Urgency.STAT.value: 0,
    Urgency.ASAP.value: 1,
    Urgency.URGENT.value: 2,
    Urgency.ROUTINE.value: 3,
}
REASON_REQUIRED = frozenset({Status.REJECTED, Status.CANCELLED, Status.ON_HOLD, Status.FAILED})
#: Where a reopened referral resumes, by the side reopening it.
REOPEN_TO = {Side.REQUESTER: Status.REQUESTED, Side.RECEIVER: Status.IN_PROGRESS}
REOPENABLE = frozenset({Status.REJECTED, Status.CANCELLED, Status.COMPLETED, Status.FAILED})
#: Sent and still open: when the person's consent no longer allows the sharing, the follow-up
#: worker (no side: the system) puts a referral in one of these states on hold, whatever the
#: moves people may make. Work resumes (on-hold -> in-progress) once a consent allows it again.
CONSENT_HOLD_FROM = frozenset(
    {Status.REQUESTED, Status.ACCEPTED, Status.IN_PROGRESS, Status.ON_HOLD}
)

_WORKING = (Status.ACCEPTED, Status.IN_PROGRESS, Status.ON_HOLD)

#: (from, to) -> the sides that may make that move.
TRANSITIONS: dict[tuple[str, str], frozenset[Side]] = {
    (Status.DRAFT, Status.REQUESTED): frozenset({Side.REQUESTER}),
    (Status.DRAFT, Status.CANCELLED): frozenset({Side.REQUESTER}),
    (Status.REQUESTED, Status.ACCEPTED): frozenset({Side.RECEIVER}),
    (Status.REQUESTED, Status.REJECTED): frozenset({Side.RECEIVER}),
    (Status.REQUESTED, Status.CANCELLED): frozenset({Side.REQUESTER, Side.RECEIVER}),
    (Status.ACCEPTED, Status.IN_PROGRESS): frozenset({Side.RECEIVER}),
    (Status.ON_HOLD, Status.IN_PROGRESS): frozenset({Side.RECEIVER}),
    (Status.ACCEPTED, Status.ON_HOLD): frozenset({Side.RECEIVER}),
    (Status.IN_PROGRESS, Status.ON_HOLD): frozenset({Side.RECEIVER}),
}
for _state in _WORKING:
    TRANSITIONS[(_state, Status.COMPLETED)] = frozenset({Side.RECEIVER})
    TRANSITIONS[(_state, Status.FAILED)] = frozenset({Side.RECEIVER})
    TRANSITIONS[(_state, Status.CANCELLED)] = frozenset({Side.REQUESTER, Side.RECEIVER})
for _code in STATUSES:
    if _code != Status.ENTERED_IN_ERROR:
        TRANSITIONS[(_code, Status.ENTERED_IN_ERROR)] = frozenset({Side.REQUESTER})


class TransitionError(ValueError):
    """A move the rules do not allow; ``field`` names what to fix.

    ``code`` says which rule refused it and ``params`` fill its message, so the services can
    tell people in their own language (this kernel has no translations).
    """

    def __init__(
        self,
        message: str,
        field: str = "status",
        *,
        code: str = "not_allowed",
        params: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.field = field
        self.code = code
        self.params = params or {}


@dataclass(frozen=True)
class Move:
    from_status: str
    to_status: str
    side: Side
    reopen: bool = False


def _allowed(status: str, to: str, accepted: bool) -> frozenset[Side] | None:
    """The sides that may make a move, or None. A referral the system put on hold before the
    receiving organization accepted it (its consent lapsed while it waited for an answer) has
    not been accepted: it resumes where it stood, waiting to be accepted or declined, never
    straight into work (Gravity's on-hold follows an acceptance)."""
    if status == Status.ON_HOLD and not accepted:
        if to == Status.REQUESTED:
            return None
        return TRANSITIONS.get((Status.REQUESTED, to))
    return TRANSITIONS.get((status, to))


def allowed_moves(
    status: str, sides: frozenset[Side] | set[Side], *, accepted: bool = True
) -> list[str]:
    """The states these sides may move a referral in ``status`` to, in the order of
    :class:`Status` (for buttons). ``accepted``: whether the receiving organization has
    accepted it (see ``_allowed``)."""
    wanted = set(sides)
    return [
        to
        for to in STATUSES
        if to != status and (allowed := _allowed(status, to, accepted)) and allowed & wanted
    ]


def check_move(
    *,
    status: str,
    to: str,
    sides: frozenset[Side] | set[Side],
    reason: str,
    accepted: bool = True,
) -> Move:
    """Validate a move; return which side makes it. Raises :class:`TransitionError`.
    ``accepted``: whether the receiving organization has accepted the referral."""
    params = {"from": status, "to": to}
    if to not in STATUSES:
        raise TransitionError(f"unknown status {to!r}", code="unknown", params=params)
    if status == to:
        raise TransitionError(f"the referral is already {to}", code="already", params=params)
    allowed = _allowed(status, to, accepted)
    if allowed is None:
        raise TransitionError(
            f"a {status} referral cannot become {to}", code="not_allowed", params=params
        )
    acting = allowed & set(sides)
    if not acting:
        owner = " or ".join(sorted(allowed))
        raise TransitionError(
            f"only the {owner} organization may make a {status} referral {to}",
            code="wrong_side",
            params={**params, "owner": owner},
        )
    if to in REASON_REQUIRED and not reason.strip():
        raise TransitionError(
            f"say why the referral is {to}", field="reason", code="reason", params=params
        )
    # Where an organization is on both sides (a referral within one organization), the move
    # is the requester's if the requester may make it.
    side = Side.REQUESTER if Side.REQUESTER in acting else Side.RECEIVER
    return Move(status, to, side)


def check_reopen(
    *, status: str, sides: frozenset[Side] | set[Side], reason: str, accepted: bool = True
) -> Move:
    """Reopen a closed referral: the side says why; it resumes where that side works.

    ``accepted`` says whether the receiving organization had accepted it before it closed (a
    referral cancelled while still requested had not)."""
    params = {"from": status}
    if status not in REOPENABLE:
        raise TransitionError(
            f"a {status} referral cannot be reopened", code="not_reopenable", params=params
        )
    if not sides:
        raise TransitionError(
            "only the organizations on the referral may reopen it", code="wrong_side", params=params
        )
    if not reason.strip():
        raise TransitionError(
            "say why the referral is reopened", field="reason", code="reason", params=params
        )
    # The receiver resumes work it had accepted; a referral it never accepted (declined, or
    # cancelled before acceptance) goes back to the requester's "requested".
    resumable = accepted and status != Status.REJECTED
    side = Side.RECEIVER if Side.RECEIVER in sides and resumable else Side.REQUESTER
    if side == Side.REQUESTER and Side.REQUESTER not in sides:
        raise TransitionError(
            "only the requesting organization may reopen a referral that was never accepted",
            code="reopen_declined",
            params=params,
        )
    return Move(status, REOPEN_TO[side], side, reopen=True)


def sides_for(
    *,
    organization_id: int,
    requester_organization_id: int,
    receiving_organization_id: int,
    status: str,
) -> frozenset[Side]:
    """Which sides of a referral an organization is on. A draft is the requester's alone: the
    receiving organization is not on it until it is sent."""
    sides: set[Side] = set()
    if organization_id == requester_organization_id:
        sides.add(Side.REQUESTER)
    if organization_id == receiving_organization_id and status != Status.DRAFT:
        sides.add(Side.RECEIVER)
    return frozenset(sides)
