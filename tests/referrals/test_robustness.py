"""Bad input and bad configuration get a clear answer naming what is wrong, never a 500 or a
worker that fails for everyone: NUL characters in text, an inbox page out of range, a response
deadline of zero; and a move that lost a race says so (409) rather than "cannot become"."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client as HttpClient
from django.utils import timezone

from carecircle.partners.services import token_create
from carecircle.privacy.models import ConsentDirective
from carecircle.referrals import services
from carecircle.referrals.deadlines import DEFAULT_RULES
from carecircle.referrals.models import Referral, ResponseDeadline
from carecircle.referrals.services import ReferralConflict
from carecircle.referrals.states import Status
from tests.fixtures import Riverbend, riverbend
from tests.referrals.helpers import Loop, build_loop

__all__ = ["riverbend"]

NUL = "\x00"


@pytest.fixture
def loop(riverbend: Riverbend) -> Loop:
    """Sam's consent to the clinic signed on paper (the shared loop records it verbally)."""
    built = build_loop(riverbend)
    ConsentDirective.objects.filter(pk=built.clinic_consent.pk).update(capture_method="paper")
    built.clinic_consent.refresh_from_db()
    return built


def api(town: Riverbend, username: str) -> tuple[HttpClient, dict[str, str]]:
    _token, secret = token_create(user=town.users[username])
    return HttpClient(), {"Authorization": f"Bearer {secret}", "X-Purpose-Of-Use": "treatment"}


def fields_of(error: ValidationError) -> set[str]:
    return set(error.message_dict)


# --- NUL characters ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["reason", "handoff_notes", "accompanied_by", "transport"])
def test_a_nul_character_in_a_new_referral_names_the_field(loop: Loop, name: str) -> None:
    with pytest.raises(ValidationError) as caught:
        loop.refer(**{name: f"before{NUL}after"})
    assert fields_of(caught.value) == {name}
    assert "NUL" in caught.value.message_dict[name][0]
    assert not Referral.objects.exists()


def test_a_nul_character_in_any_change_names_the_field(loop: Loop) -> None:
    town = loop.town
    referral = loop.refer()
    carlos, alice = town.actor("carlos"), town.actor("alice")
    with pytest.raises(ValidationError) as caught:
        services.referral_transition(
            actor=carlos, referral_id=referral.pk, to="rejected", reason=f"Full{NUL}"
        )
    assert fields_of(caught.value) == {"reason"}
    with pytest.raises(ValidationError) as caught:
        services.referral_transition(actor=carlos, referral_id=referral.pk, to=f"accepted{NUL}")
    assert fields_of(caught.value) == {"status"}
    loop.accept(referral)
    at = timezone.now() + timezone.timedelta(days=1)
    for name in ("accompanied_by", "transport", "handoff_notes"):
        with pytest.raises(ValidationError) as caught:
            services.referral_record_appointment(
                actor=alice, referral_id=referral.pk, appointment_at=at, **{name: NUL}
            )
        assert fields_of(caught.value) == {name}
    with pytest.raises(ValidationError) as caught:
        services.referral_record_outcome(
            actor=carlos,
            referral_id=referral.pk,
            enrollment="not_enrolled",
            outcome_on=timezone.localdate(),
            reason=f"Moved{NUL}",
        )
    assert fields_of(caught.value) == {"reason"}
    services.referral_transition(
        actor=carlos, referral_id=referral.pk, to="cancelled", reason="Moved away"
    )
    with pytest.raises(ValidationError) as caught:
        services.referral_reopen(actor=alice, referral_id=referral.pk, reason=f"Back{NUL}")
    assert fields_of(caught.value) == {"reason"}
    result = services.referral_bulk_transition(
        actor=carlos, referral_ids=[referral.pk], to="rejected", reason=NUL
    )
    assert "NUL" in result.failed[referral.pk]
    assert Referral.objects.get(pk=referral.pk).status == Status.CANCELLED


def test_the_api_answers_400_naming_the_field_for_a_nul_character(loop: Loop) -> None:
    http, headers = api(loop.town, "alice")
    body = {
        "client_id": loop.sam.pk,
        "service_id": str(loop.bup.pk),
        "data_class": "substance_use",
        "reason": f"Needs{NUL}help",
    }
    response = http.post(
        "/api/referrals/", data=json.dumps(body), content_type="application/json", headers=headers
    )
    assert response.status_code == 400, response.content
    assert set(response.json()["errors"]) == {"reason"}
    referral = loop.refer()
    carlos, carlos_headers = api(loop.town, "carlos")
    response = carlos.post(
        f"/api/referrals/{referral.pk}/status",
        data=json.dumps({"to": "rejected", "reason": NUL}),
        content_type="application/json",
        headers=carlos_headers,
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"reason"}


# --- the inbox's page -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"page": 0}, "page"),
        ({"page": -3}, "page"),
        ({"page": 10_001}, "page"),
        ({"page": 10**12}, "page"),
        ({"per_page": 0}, "per_page"),
        ({"per_page": 101}, "per_page"),
    ],
)
def test_an_inbox_page_out_of_range_is_a_400_naming_it(
    loop: Loop, params: dict[str, Any], field: str
) -> None:
    http, headers = api(loop.town, "carlos")
    response = http.get("/api/referrals/inbox", params, headers=headers)
    assert response.status_code == 400, response.content
    assert set(response.json()["errors"]) == {field}


def test_the_last_allowed_page_is_empty_not_an_error(loop: Loop) -> None:
    loop.refer()
    http, headers = api(loop.town, "carlos")
    response = http.get("/api/referrals/inbox", {"page": 10_000}, headers=headers)
    assert response.status_code == 200
    assert response.json()["items"] == []
    assert response.json()["total"] == 1


# --- response deadlines -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "values",
    [
        {"hours": 0},
        {"business_days": 0},
        {"hours": 4, "escalate_after_hours": 0},
    ],
)
def test_a_deadline_of_zero_is_refused_by_validation_and_by_the_database(
    riverbend: Riverbend, values: dict[str, int]
) -> None:
    row = ResponseDeadline(jurisdiction=riverbend.jurisdiction, urgency="urgent", **values)
    with pytest.raises(ValidationError) as caught:
        row.full_clean()
    assert set(caught.value.message_dict) & {"hours", "business_days", "escalate_after_hours"}
    with pytest.raises(IntegrityError), transaction.atomic():
        row.save()


def test_an_unusable_deadline_row_costs_only_its_own_rule(
    riverbend: Riverbend, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # A row written before the checks existed (the database refuses one now).
    jurisdiction = riverbend.jurisdiction
    good = ResponseDeadline.objects.create(
        jurisdiction=jurisdiction, urgency="routine", business_days=2
    )
    bad = ResponseDeadline(pk=999, jurisdiction=jurisdiction, urgency="urgent", hours=0)

    class Rows:
        def all(self) -> list[ResponseDeadline]:
            return [bad, good]

        def filter(self, **kwargs: Any) -> Any:
            found = [r for r in (bad, good) if r.urgency == kwargs["urgency"]]

            class First:
                def first(self) -> ResponseDeadline | None:
                    return found[0] if found else None

            return First()

    monkeypatch.setattr(ResponseDeadline, "objects", Rows())
    with caplog.at_level(logging.WARNING, logger="carecircle.referrals.services"):
        rules = services.deadline_rules()
    assert set(rules) == {(jurisdiction.pk, "routine")}
    assert rules[(jurisdiction.pk, "routine")].business_days == 2
    assert "unusable" in caplog.text
    assert (
        services.deadline_rule(jurisdiction_id=jurisdiction.pk, urgency="urgent")
        == DEFAULT_RULES["urgent"]
    )


def test_a_huge_deadline_written_in_the_admin_costs_the_default_not_every_send(
    loop: Loop,
) -> None:
    # The database takes it (at least one hour); the calendar could not hold it.
    ResponseDeadline.objects.create(
        jurisdiction=loop.town.jurisdiction, urgency="urgent", hours=10**9
    )
    referral = loop.refer()  # urgent
    assert referral.requested_at is not None
    assert referral.due_at is not None
    assert referral.due_at - referral.requested_at == timezone.timedelta(hours=4)
    Referral.objects.filter(pk=referral.pk).update(
        due_at=timezone.now() - timezone.timedelta(hours=1)
    )
    assert services.referrals_follow_up()["reminded"] == 1


def test_the_worker_still_follows_up_when_a_deadline_row_is_unusable(
    loop: Loop, monkeypatch: pytest.MonkeyPatch
) -> None:
    referral = loop.refer()
    Referral.objects.filter(pk=referral.pk).update(
        due_at=timezone.now() - timezone.timedelta(hours=1)
    )
    bad = ResponseDeadline(pk=999, jurisdiction=loop.town.jurisdiction, urgency="urgent", hours=0)
    real = ResponseDeadline.objects

    class Rows:
        def all(self) -> list[ResponseDeadline]:
            return [bad]

        def __getattr__(self, name: str) -> Any:
            return getattr(real, name)

    monkeypatch.setattr(ResponseDeadline, "objects", Rows())
    counts = services.referrals_follow_up()
    assert counts["reminded"] == 1


# --- a move that lost a race ------------------------------------------------------------------


def test_a_decline_that_lost_to_an_accept_is_a_conflict_saying_so(
    loop: Loop, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without expected_version: carlos declines what he saw as requested, but cleo's accept
    landed first (simulated: carlos's request loaded the referral just before)."""
    loop.town.member("cleo", "clinic", "clinician")
    referral = loop.refer()
    seen = services._load(referral.pk)  # what carlos's request read, before cleo's accept
    loop.accept(referral, "cleo")
    monkeypatch.setattr(services, "_load", lambda referral_id: seen)
    with pytest.raises(ReferralConflict) as caught:
        services.referral_transition(
            actor=loop.town.actor("carlos"),
            referral_id=referral.pk,
            to="rejected",
            reason="No slot",
        )
    assert caught.value.messages[0].startswith(
        "This referral was accepted by someone else a moment ago."
    )
    assert Referral.objects.get(pk=referral.pk).status == Status.ACCEPTED


def test_the_same_move_later_is_still_a_plain_refusal(loop: Loop) -> None:
    # Not a race: carlos saw it accepted and asks for something the rules do not allow.
    referral = loop.refer()
    loop.accept(referral)
    with pytest.raises(ValidationError) as caught:
        services.referral_transition(
            actor=loop.town.actor("carlos"), referral_id=referral.pk, to="rejected", reason="x"
        )
    assert not isinstance(caught.value, ReferralConflict)
    assert fields_of(caught.value) == {"status"}
