"""Two people acting on the same referral at the same moment, on PostgreSQL (row locks):
exactly one wins, the other is told, and no update is lost.

Each thread has its own database connection; a barrier starts them together, and the first
to take the row lock lingers inside its transaction so that the other is truly waiting on it.
Run with ``pytest --postgres``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection, connections
from django.utils import timezone

from carecircle.privacy.models import AuditAction, AuditEvent, ConsentDirective
from carecircle.referrals import services
from carecircle.referrals.models import Referral, ReferralEvent
from carecircle.referrals.services import ReferralConflict
from carecircle.referrals.states import Status
from tests.fixtures import Riverbend, riverbend
from tests.referrals.helpers import Loop, build_loop

__all__ = ["riverbend"]


@pytest.fixture
def loop(riverbend: Riverbend) -> Loop:
    """The shared loop, with Sam's consent to the clinic signed on paper: substance-use
    information goes to a Part 2 program only under a signed consent (42 CFR 2.31)."""
    built = build_loop(riverbend)
    ConsentDirective.objects.filter(pk=built.clinic_consent.pk).update(capture_method="paper")
    built.clinic_consent.refresh_from_db()
    return built


pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]

LINGER = 0.3


@pytest.fixture(autouse=True)
def _postgres_only(db: None) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL: run with --postgres")


@pytest.fixture
def lingering(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The first change to run while holding the row lock waits a moment before writing."""
    order: list[str] = []
    lock = threading.Lock()
    original_act = services._act

    def act(**kwargs: Any) -> Referral:
        change = kwargs["change"]

        def slow_change(context: services._Context) -> services._Change:
            with lock:
                first = not order
                order.append(threading.current_thread().name)
            if first:
                time.sleep(LINGER)
            return change(context)

        return original_act(**{**kwargs, "change": slow_change})

    monkeypatch.setattr(services, "_act", act)
    return order


def race(*calls: Callable[[], Any]) -> list[tuple[str, Any]]:
    """Run the calls in threads released together; each gives ("ok", value) or ("error", e).
    How long each took is in ``race.elapsed``."""
    barrier = threading.Barrier(len(calls))
    results: list[tuple[str, Any]] = [("missing", None)] * len(calls)
    elapsed = [0.0] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=10)
            start = time.monotonic()
            try:
                results[index] = ("ok", call())
            finally:
                elapsed[index] = time.monotonic() - start
        except Exception as error:
            results[index] = ("error", error)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=run, args=(i, call), name=f"racer-{i}")
        for i, call in enumerate(calls)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(t.is_alive() for t in threads)
    race.elapsed = elapsed  # type: ignore[attr-defined]
    return results


def accept(loop: Loop, who: str, referral: Referral, **kw: Any) -> Callable[[], Any]:
    return lambda: services.referral_transition(
        actor=loop.town.actor(who), referral_id=referral.pk, to="accepted", **kw
    )


@pytest.mark.parametrize("expected_version", [1, None])
def test_two_staff_accept_at_the_same_moment(
    loop: Loop, lingering: list[str], expected_version: int | None
) -> None:
    loop.town.member("cleo", "clinic", "clinician")
    referral = loop.refer()
    kw = {} if expected_version is None else {"expected_version": expected_version}
    results = race(accept(loop, "carlos", referral, **kw), accept(loop, "cleo", referral, **kw))

    assert sorted(kind for kind, _value in results) == ["error", "ok"]
    error = next(value for kind, value in results if kind == "error")
    assert isinstance(error, ReferralConflict), error
    if expected_version is None:
        assert "already accepted by someone else" in error.messages[0]
    else:
        assert "Someone else changed this referral" in error.messages[0]
    # The loser waited for the winner's lock (the winner lingered inside its transaction)
    # and then saw the referral as the winner left it.
    loser = next(i for i, (kind, _value) in enumerate(results) if kind == "error")
    assert race.elapsed[loser] >= LINGER / 2  # type: ignore[attr-defined]
    assert len(lingering) == (1 if expected_version else 2)

    referral.refresh_from_db()
    assert referral.status == Status.ACCEPTED
    assert referral.version == 2
    assert ReferralEvent.objects.filter(referral=referral, to_status="accepted").count() == 1
    writes = AuditEvent.objects.filter(
        action=AuditAction.WRITE,
        object_type="referral",
        object_id=str(referral.pk),
        actor_username__in=["carlos", "cleo"],
    )
    assert writes.count() == 1  # the one accept; the refused one rolled back


def test_an_appointment_and_a_status_change_at_once_lose_nothing(
    loop: Loop, lingering: list[str]
) -> None:
    referral = loop.refer()
    loop.accept(referral)
    at = timezone.now() + timezone.timedelta(days=1)
    results = race(
        lambda: services.referral_record_appointment(
            actor=loop.town.actor("alice"),
            referral_id=referral.pk,
            appointment_at=at,
            transport="bus pass",
        ),
        lambda: services.referral_transition(
            actor=loop.town.actor("carlos"), referral_id=referral.pk, to="in-progress"
        ),
    )
    assert [kind for kind, _value in results] == ["ok", "ok"], results
    referral.refresh_from_db()
    # Both changes are there: neither overwrote the other.
    assert referral.appointment_at == at
    assert referral.transport == "bus pass"
    assert referral.status == Status.IN_PROGRESS
    assert referral.version == 4
    kinds = set(referral.events.values_list("kind", flat=True))
    assert {"appointment", "status"} <= kinds


def test_a_stale_appointment_is_refused_not_lost(loop: Loop, lingering: list[str]) -> None:
    referral = loop.refer()
    loop.accept(referral)
    at = timezone.now() + timezone.timedelta(days=1)
    results = race(
        lambda: services.referral_record_appointment(
            actor=loop.town.actor("alice"),
            referral_id=referral.pk,
            appointment_at=at,
            expected_version=2,
        ),
        lambda: services.referral_transition(
            actor=loop.town.actor("carlos"),
            referral_id=referral.pk,
            to="on-hold",
            reason="Waiting for ID",
            expected_version=2,
        ),
    )
    assert sorted(kind for kind, _value in results) == ["error", "ok"]
    error = next(value for kind, value in results if kind == "error")
    assert isinstance(error, ReferralConflict)
    referral.refresh_from_db()
    assert referral.version == 3
    won = next(value for kind, value in results if kind == "ok")
    if won.status == Status.ON_HOLD:
        assert referral.status == Status.ON_HOLD
        assert referral.appointment_at is None
    else:
        assert referral.status == Status.ACCEPTED
        assert referral.appointment_at == at


def test_an_accept_and_a_decline_at_the_same_moment_the_loser_is_told(
    loop: Loop, lingering: list[str]
) -> None:
    # No expected_version: the loser's move no longer fits the state the winner left, and it
    # is told what happened (409), not that the move "cannot" be made (400).
    loop.town.member("cleo", "clinic", "clinician")
    referral = loop.refer()
    results = race(
        accept(loop, "carlos", referral),
        lambda: services.referral_transition(
            actor=loop.town.actor("cleo"),
            referral_id=referral.pk,
            to="rejected",
            reason="No slot today",
        ),
    )
    assert sorted(kind for kind, _value in results) == ["error", "ok"]
    error = next(value for kind, value in results if kind == "error")
    assert isinstance(error, ReferralConflict), error
    referral.refresh_from_db()
    if referral.status == Status.ACCEPTED:
        assert error.messages[0].startswith(
            "This referral was accepted by someone else a moment ago."
        )
    else:
        assert referral.status == Status.REJECTED
        assert error.messages[0].startswith(
            "This referral was declined by someone else a moment ago."
        )
    assert referral.version == 2
    assert ReferralEvent.objects.filter(referral=referral, kind="status").count() == 1


def test_a_send_and_a_consent_revocation_at_once_never_send_without_consent(
    loop: Loop,
) -> None:
    # The send locks the consent it relies on: either the revocation comes first and the send
    # is refused, or the send commits first and the referral carries the consent then revoked
    # (the follow-up worker puts it on hold).
    from carecircle.privacy.models import ConsentDirective
    from carecircle.privacy.services import consent_revoke

    draft = loop.refer(send=False)
    consent = ConsentDirective.objects.get(pk=loop.clinic_consent.pk)
    results = race(
        lambda: services.referral_send(actor=loop.town.actor("alice"), referral_id=draft.pk),
        lambda: consent_revoke(actor=loop.town.actor("alice"), consent=consent, reason="No"),
    )
    sent, revoked = results
    assert revoked[0] == "ok", revoked
    draft.refresh_from_db()
    consent.refresh_from_db()
    assert consent.revoked_at is not None
    if sent[0] == "ok":
        assert draft.status == Status.REQUESTED
        sent_rows = AuditEvent.objects.filter(
            action=AuditAction.DISCLOSE, permitted=True, object_id=str(draft.pk)
        )
        assert all(row.occurred_at <= consent.revoked_at for row in sent_rows)
    else:
        assert draft.status == Status.DRAFT
