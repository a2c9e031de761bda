"""Listings that Riverbend partners maintain, for the services, task and partner-page tests.

The Riverbend General ED (``riverbend.ed``) runs "ED bridge clinic", a same-day buprenorphine
start with a few same-day slots, at its hospital site in Chicago time. Erin is the ED's
organization admin and maintains it; Cora is a coordinator at public health, which maintains
its own naloxone listing. Alice is an ED clinician: she works there but does not edit listings.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from carecircle.directory import models as m
from carecircle.directory import services
from carecircle.directory.taxonomy import BUP_SAME_DAY, NALOXONE, ensure_builtin_taxonomy
from carecircle.partners.selectors import Actor
from tests.fixtures import Riverbend, riverbend

__all__ = ["Listings", "listings", "riverbend"]


@dataclass
class Listings:
    town: Riverbend
    ed: m.Organization  # the directory organization the ED partner maintains
    public_health: m.Organization
    hospital: m.Location
    bridge: m.Service
    slots: m.ServiceCapacity
    kits: m.Service

    def actor(self, username: str) -> Actor:
        return self.town.actor(username)


@pytest.fixture
def listings(riverbend: Riverbend) -> Listings:
    ensure_builtin_taxonomy()
    # Directory organizations come from imports or the operator, not from a partner's page.
    ed = m.Organization.objects.create(
        name="Riverbend General", description="The county hospital", partner=riverbend.ed
    )
    public_health = m.Organization.objects.create(
        name="Riverbend Public Health",
        description="The county health unit",
        partner=riverbend.public_health,
    )
    hospital = m.Location.objects.create(
        organization=ed, name="Riverbend General, main site", time_zone="America/Chicago"
    )
    clinic_office = m.Location.objects.create(
        organization=public_health, name="Health unit", time_zone="America/Chicago"
    )
    erin, cora = riverbend.actor("erin"), riverbend.actor("cora")
    bridge = services.service_create(
        actor=erin,
        organization=ed,
        name="ED bridge clinic",
        description="Start buprenorphine today, in the emergency department.",
        locations=[hospital],
        taxonomy_terms=m.TaxonomyTerm.objects.filter(code=BUP_SAME_DAY),
    )
    slots = services.capacity_update(
        actor=erin, service=bridge, unit_name="same-day slots", available=3, maximum=6
    )
    kits = services.service_create(
        actor=cora,
        organization=public_health,
        name="Naloxone kits",
        locations=[clinic_office],
        taxonomy_terms=m.TaxonomyTerm.objects.filter(code=NALOXONE),
    )
    return Listings(riverbend, ed, public_health, hospital, bridge, slots, kits)
