"""The referral state kernel (Gravity SDOH Task states), swept with hypothesis."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carecircle.referrals.states import (
    CLOSED_STATES,
    OPEN_STATES,
    REASON_REQUIRED,
    REOPEN_TO,
    REOPENABLE,
    SENT_STATES,
    STATUSES,
    TRANSITIONS,
    Move,
    Side,
    Status,
    TransitionError,
    allowed_moves,
    check_move,
    check_reopen,
    sides_for,
)

statuses = st.sampled_from(STATUSES)
side_sets = st.sets(st.sampled_from(list(Side)))
reasons = st.one_of(st.just(""), st.just("   "), st.text(min_size=1, max_size=20))

REQUESTER_OWNS = {Status.DRAFT, Status.REQUESTED, Status.ENTERED_IN_ERROR}


def attempt(check: Callable[..., Move], **kwargs: Any) -> Move | TransitionError:
    """The move, or the kernel's refusal, as a value (hypothesis explores both)."""
    try:
        return check(**kwargs)
    except TransitionError as error:
        return error


def test_states_are_open_or_closed() -> None:
    assert set(STATUSES) == OPEN_STATES | CLOSED_STATES
    assert not OPEN_STATES & CLOSED_STATES
    assert set(STATUSES) - {Status.DRAFT} == SENT_STATES


def test_the_issue_s_moves_are_all_there() -> None:
    expected = {
        (Status.DRAFT, Status.REQUESTED),
        (Status.REQUESTED, Status.ACCEPTED),
        (Status.REQUESTED, Status.REJECTED),
        (Status.REQUESTED, Status.CANCELLED),
        *{
            (Status.ACCEPTED, to)
            for to in (Status.IN_PROGRESS, Status.ON_HOLD, Status.COMPLETED, Status.FAILED)
        },
        *{(s, Status.ENTERED_IN_ERROR) for s in STATUSES if s != Status.ENTERED_IN_ERROR},
    }
    assert expected <= set(TRANSITIONS)


@given(status=statuses, to=statuses, sides=side_sets, reason=reasons)
def test_every_allowed_move_respects_sides_and_reasons(
    status: str, to: str, sides: set[Side], reason: str
) -> None:
    move = attempt(check_move, status=status, to=to, sides=sides, reason=reason)
    if isinstance(move, TransitionError):
        assert move.field in {"status", "reason"}
        assert move.code in {"already", "not_allowed", "wrong_side", "reason"}
        if move.field == "reason":
            assert to in REASON_REQUIRED
            assert not reason.strip()
        return
    assert (status, to) in TRANSITIONS
    assert move.side in sides
    assert move.side in TRANSITIONS[(status, to)]
    if to in REASON_REQUIRED:
        assert reason.strip()
    # The requester owns draft, requested and entered-in-error; the receiver the rest;
    # either may cancel.
    if to == Status.CANCELLED:
        pass
    elif to in REQUESTER_OWNS:
        assert move.side == Side.REQUESTER
    else:
        assert move.side == Side.RECEIVER
    assert to in allowed_moves(status, sides)


@given(status=statuses, sides=side_sets, accepted=st.booleans())
def test_allowed_moves_are_exactly_the_checked_ones(
    status: str, sides: set[Side], accepted: bool
) -> None:
    for to in STATUSES:
        listed = to in allowed_moves(status, sides, accepted=accepted)
        move = attempt(
            check_move, status=status, to=to, sides=sides, reason="because", accepted=accepted
        )
        assert listed == isinstance(move, Move)


@given(sides=side_sets, reason=reasons)
def test_a_hold_before_acceptance_resumes_as_a_request_does(sides: set[Side], reason: str) -> None:
    """Held by the system while it waited for an answer: the moves are those of a request
    (accept, decline, cancel, entered in error), never straight into work or to an outcome."""
    held = allowed_moves(Status.ON_HOLD, sides, accepted=False)
    assert held == [to for to in allowed_moves(Status.REQUESTED, sides) if to != Status.ON_HOLD]
    for to in (Status.IN_PROGRESS, Status.COMPLETED, Status.FAILED):
        refused = attempt(
            check_move, status=Status.ON_HOLD, to=to, sides=sides, reason=reason, accepted=False
        )
        assert isinstance(refused, TransitionError)
    # Once accepted, a hold is Gravity's: work resumes.
    if Side.RECEIVER in sides:
        assert Status.IN_PROGRESS in allowed_moves(Status.ON_HOLD, sides)


@given(to=statuses, sides=side_sets, reason=reasons)
def test_nothing_leaves_entered_in_error(to: str, sides: set[Side], reason: str) -> None:
    assert allowed_moves(Status.ENTERED_IN_ERROR, sides) == []
    left = attempt(check_move, status=Status.ENTERED_IN_ERROR, to=to, sides=sides, reason=reason)
    assert isinstance(left, TransitionError)
    reopened = attempt(check_reopen, status=Status.ENTERED_IN_ERROR, sides=sides, reason=reason)
    assert isinstance(reopened, TransitionError)


@given(status=statuses, sides=side_sets, reason=reasons, accepted=st.booleans())
def test_reopen_only_from_closed(
    status: str, sides: set[Side], reason: str, accepted: bool
) -> None:
    move = attempt(check_reopen, status=status, sides=sides, reason=reason, accepted=accepted)
    if isinstance(move, TransitionError):
        assert (
            status not in REOPENABLE
            or not sides
            or not reason.strip()
            or move.code == "reopen_declined"
        )
        return
    assert status in REOPENABLE
    assert status in CLOSED_STATES
    assert reason.strip()
    assert move.side in sides
    assert move.reopen
    assert move.to_status in OPEN_STATES
    assert move.to_status == REOPEN_TO[move.side]
    if status == Status.REJECTED or not accepted:
        # Never accepted: it goes back to the requester's "requested".
        assert move.to_status == Status.REQUESTED


def test_a_declined_referral_is_the_requester_s_to_reopen() -> None:
    move = check_reopen(status=Status.REJECTED, sides={Side.REQUESTER}, reason="slots now")
    assert move.to_status == Status.REQUESTED
    with pytest.raises(TransitionError) as caught:
        check_reopen(status=Status.REJECTED, sides={Side.RECEIVER}, reason="slots now")
    assert caught.value.code == "reopen_declined"


@given(
    org=st.integers(1, 4),
    requester=st.integers(1, 4),
    receiver=st.integers(1, 4),
    status=statuses,
)
def test_sides_for(org: int, requester: int, receiver: int, status: str) -> None:
    sides = sides_for(
        organization_id=org,
        requester_organization_id=requester,
        receiving_organization_id=receiver,
        status=status,
    )
    assert (Side.REQUESTER in sides) == (org == requester)
    assert (Side.RECEIVER in sides) == (org == receiver and status != Status.DRAFT)
