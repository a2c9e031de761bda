"""Shared set-up for the referral backend tests.

alice (ED clinician) holds Sam's record. Sam's consent lets the ED's partners see what the
person chose: general and substance-use information to the MOUD clinic (carlos, intake
volunteer, sees general only) and general information to housing (hana, case manager).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from carecircle.clients.models import Client
from carecircle.directory import models as directory
from carecircle.notifications.models import Notification
from carecircle.partners.models import Organization
from carecircle.privacy.models import ConsentDirective, DataClass, Purpose
from carecircle.privacy.services import consent_record
from carecircle.referrals import services
from carecircle.referrals.models import Referral
from tests.fixtures import Riverbend

NEED = "Wants to start buprenorphine today; in withdrawal since this morning."
NOTES = "Prefers a morning appointment; has a bus pass."
HOUSING_NEED = "Needs a place to stay this week."


def listing(
    organization: Organization, *, name: str, available: float | None = 3
) -> directory.Service:
    """A directory service run by a partner, with one capacity row (none when ``available`` is
    None)."""
    entry = directory.Organization.objects.create(
        name=organization.name, description="Partner listing", partner=organization
    )
    service = directory.Service.objects.create(organization=entry, name=name)
    if available is not None:
        unit = directory.Unit.objects.create(name="slots")
        directory.ServiceCapacity.objects.create(service=service, unit=unit, available=available)
    return service


@dataclass
class Loop:
    town: Riverbend
    sam: Client
    clinic_consent: ConsentDirective
    housing_consent: ConsentDirective
    bup: directory.Service

    def refer(self, **overrides: Any) -> Referral:
        """alice refers Sam to the clinic's same-day buprenorphine start (urgent)."""
        values: dict[str, Any] = {
            "actor": self.town.actor("alice"),
            "client": self.sam,
            "receiving_organization": self.town.clinic,
            "data_class": DataClass.SUBSTANCE_USE,
            "purpose": Purpose.TREATMENT,
            "service": self.bup,
            "urgency": "urgent",
            "reason": NEED,
            "handoff_notes": NOTES,
        }
        return services.referral_create(**(values | overrides))

    def refer_housing(self, **overrides: Any) -> Referral:
        values: dict[str, Any] = {
            "actor": self.town.actor("alice"),
            "client": self.sam,
            "receiving_organization": self.town.housing,
            "data_class": DataClass.GENERAL,
            "purpose": Purpose.CARE_COORDINATION,
            "reason": HOUSING_NEED,
        }
        return services.referral_create(**(values | overrides))

    def accept(self, referral: Referral, who: str = "carlos") -> Referral:
        return services.referral_transition(
            actor=self.town.actor(who), referral_id=referral.pk, to="accepted"
        )


def build_loop(town: Riverbend) -> Loop:
    sam = town.client_record(name="Sam Rivers")
    alice = town.actor("alice")
    clinic_consent = consent_record(
        actor=alice,
        person=sam.person,
        decision="permit",
        data_classes=[DataClass.GENERAL, DataClass.SUBSTANCE_USE],
        purposes=[Purpose.TREATMENT, Purpose.CARE_COORDINATION],
        recipient_organizations=[town.clinic],
        # 42 CFR Part 2: sharing substance-use information needs the person's signature.
        capture_method="paper",
    )
    housing_consent = consent_record(
        actor=alice,
        person=sam.person,
        decision="permit",
        data_classes=[DataClass.GENERAL],
        purposes=[Purpose.CARE_COORDINATION],
        recipient_organizations=[town.housing],
    )
    bup = listing(town.clinic, name="Same-day buprenorphine start")
    return Loop(
        town=town,
        sam=sam,
        clinic_consent=clinic_consent,
        housing_consent=housing_consent,
        bup=bup,
    )


@pytest.fixture
def loop(riverbend: Riverbend) -> Loop:
    return build_loop(riverbend)


def notifications_of(username: str, town: Riverbend) -> list[Notification]:
    return list(Notification.objects.filter(recipient=town.users[username]).order_by("pk"))


def kinds_of(username: str, town: Riverbend) -> list[str]:
    return [n.kind for n in notifications_of(username, town)]
