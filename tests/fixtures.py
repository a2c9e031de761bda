"""The Riverbend personas as pytest fixtures, for the privacy, authorization and API tests.

Import ``riverbend`` into a ``conftest.py`` (or a test module) to use it. Everyone acts through
the real services, so the fixture itself exercises the partners and privacy writes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client as HttpClient

from carecircle.clients.models import Client, ClientEntry
from carecircle.clients.services import client_create
from carecircle.partners import services as partners
from carecircle.partners.models import (
    Jurisdiction,
    Membership,
    Organization,
    PrivacyRegime,
    Role,
    Sector,
)
from carecircle.partners.selectors import Actor
from carecircle.privacy.models import DataClass

PASSWORD = "riverbend-test-password"

#: username -> (organization key, role)
PERSONAS: dict[str, tuple[str, str]] = {
    "alice": ("ed", Role.CLINICIAN),
    "carlos": ("clinic", Role.INTAKE_VOLUNTEER),
    "pat": ("peer", Role.PEER_WORKER),
    "hana": ("housing", Role.CASE_MANAGER),
    "lee": ("police", Role.OUTREACH_WORKER),
    "dana": ("public_health", Role.ANALYST),
    "erin": ("ed", Role.ORG_ADMIN),
    "cora": ("public_health", Role.COORDINATOR),
}

ORGANIZATIONS: dict[str, tuple[str, str]] = {
    "ed": ("Riverbend General Emergency Department", Sector.EMERGENCY_DEPARTMENT),
    "clinic": ("Riverbend MOUD Clinic", Sector.TREATMENT_CLINIC),
    "housing": ("Riverbend Housing First", Sector.HOUSING),
    "police": ("Riverbend Police Service", Sector.POLICE_JUSTICE),
    "peer": ("Riverbend Peer Recovery Network", Sector.PEER_RECOVERY),
    "public_health": ("Riverbend Public Health", Sector.PUBLIC_HEALTH),
}


@dataclass
class Riverbend:
    """A small community: one jurisdiction, six partners and their people."""

    jurisdiction: Jurisdiction
    orgs: dict[str, Organization]
    users: dict[str, Any]  # the user model
    memberships: dict[str, Membership]
    actors: dict[str, Actor] = field(default_factory=dict)
    #: Added to every username, so that two towns can live in one test database.
    suffix: str = ""

    def __getattr__(self, name: str) -> Any:
        # riverbend.alice is the user, riverbend.ed the organization.
        if name in self.__dict__.get("users", {}):
            return self.users[name]
        if name in self.__dict__.get("orgs", {}):
            return self.orgs[name]
        raise AttributeError(name)

    def actor(self, username: str) -> Actor:
        return self.actors[username]

    def http(self, username: str | None = None) -> HttpClient:
        """A browser, signed in as ``username`` (anonymous when None)."""
        browser = HttpClient()
        if username is not None:
            browser.force_login(self.users[username])
        return browser

    def member(self, username: str, org_key: str, role: str) -> Actor:
        """Add a person (created when new) to an organization in a role; return the actor.

        For an existing persona the new membership becomes ``actor(username)`` and
        ``memberships[username]``; the earlier one stays in the database."""
        user = self.users.get(username) or partners.user_create(
            username=f"{username}{self.suffix}", password=PASSWORD
        )
        self.users[username] = user
        membership = partners.membership_create(
            user=user, organization=self.orgs[org_key], role=role
        )
        actor = Actor.from_membership(membership)
        self.memberships[username] = membership
        self.actors[username] = actor
        return actor

    def client_record(
        self,
        *,
        owner: str = "alice",
        name: str = "Sam",
        code: str = "",
        classes: Iterable[str] = DataClass.values,
    ) -> Client:
        """A client owned by ``owner``'s organization, with one entry per data class."""
        actor = self.actor(owner)
        client = client_create(actor=actor, preferred_name=name, identifier_code=code)
        for data_class in classes:
            # Written directly: the fixture needs every class, whatever the owner's role sees.
            ClientEntry.objects.create(
                client=client,
                data_class=data_class,
                organization=actor.organization,
                author_id=actor.user_id,
                body=f"{data_class} entry about {name}",
            )
        return client


def build_riverbend(
    *,
    privacy_regime: str = PrivacyRegime.US_PART2_HIPAA,
    name: str = "Riverbend County",
    suffix: str = "",
) -> Riverbend:
    jurisdiction = partners.jurisdiction_create(
        name=name, country="US", privacy_regime=privacy_regime, time_zone="America/Chicago"
    )
    orgs = {
        key: partners.organization_create(
            name=org_name, sector=sector, jurisdiction=jurisdiction, slug=f"{key}-{jurisdiction.pk}"
        )
        for key, (org_name, sector) in ORGANIZATIONS.items()
    }
    town = Riverbend(jurisdiction=jurisdiction, orgs=orgs, users={}, memberships={}, suffix=suffix)
    for username, (org_key, role) in PERSONAS.items():
        town.member(username, org_key, role)
    town.users["nobody"] = partners.user_create(username=f"nobody{suffix}", password=PASSWORD)
    return town


@pytest.fixture
def riverbend(db: None) -> Riverbend:
    """alice (ED clinician), carlos (clinic intake), pat (peer worker), hana (housing case
    manager), lee (police outreach), dana (public-health analyst), cora (coordinator at public
    health), erin (ED admin) and nobody (signed in, member of no organization)."""
    return build_riverbend()
