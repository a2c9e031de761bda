"""Reading a person's care team: who is on it, from which organization, in which role.

Seeing the team is a read of general data, audited. An organization whose sector says something
about the person (a treatment program, a mental-health service, ...) is shown only to readers
the policy lets see that class, and the holder only as ``records.Naming`` allows; the others are
left out, never shown unnamed.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from carecircle.clients.models import Client
from carecircle.clients.selectors.records import Naming, naming_classes
from carecircle.partners.selectors import Actor
from carecircle.privacy.models import CareTeamMember, DataClass
from carecircle.privacy.rules import Decision
from carecircle.privacy.selectors import person_read
from carecircle.privacy.services import CONSENT_KEEPERS


@dataclass(frozen=True)
class CareTeamRow:
    member: CareTeamMember
    organization_name: str
    worker_name: str

    @property
    def role_label(self) -> str:
        return str(self.member.get_role_display()) if self.member.role else ""


@dataclass
class CareTeamView:
    client: Client
    decisions: dict[str, Decision]
    current: list[CareTeamRow]
    past: list[CareTeamRow]
    #: The reader's organization holds the record in a role that keeps the team.
    may_keep: bool
    #: Which organizations may be named to this reader (see ``records.Naming``).
    naming: Naming

    @property
    def lead(self) -> CareTeamRow | None:
        return next((row for row in self.current if row.member.is_lead), None)

    @property
    def holder_name(self) -> str | None:
        """The holder's name, or None: then nothing at all is said about the holder."""
        owner = self.client.person.owner_organization
        return owner.name if self.naming.names_holder else None


def care_team_get(*, actor: Actor, client_id: int, purpose: str) -> CareTeamView:
    """The person's care team, current and past; refused (and audited) without general access."""
    client = (
        Client.objects.select_related("person", "person__owner_organization__jurisdiction")
        .filter(pk=client_id)
        .first()
    )
    if client is None:
        raise Client.DoesNotExist
    members = list(
        CareTeamMember.objects.filter(person=client.person)
        .select_related("organization", "user")
        .order_by("-is_lead", "started_at", "pk")
    )
    holder_id = client.person.owner_organization_id
    classes = [
        DataClass.GENERAL,
        *naming_classes(
            actor=actor,
            holder_organization_id=holder_id,
            sectors={m.organization.sector for m in members if m.organization_id != holder_id},
        ),
    ]
    decisions = person_read(
        actor=actor,
        person=client.person,
        data_classes=classes,
        purpose=purpose,
        object_type="care_team",
        object_id=client.pk,
    )
    if not decisions[DataClass.GENERAL].permitted:
        raise PermissionDenied(decisions[DataClass.GENERAL].reason)
    view = CareTeamView(
        client=client,
        decisions=decisions,
        current=[],
        past=[],
        may_keep=client.person.owner_organization_id == actor.organization.pk
        and actor.role in CONSENT_KEEPERS,
        naming=Naming(
            reader_organization_id=actor.organization.pk,
            holder_organization_id=holder_id,
            decisions=decisions,
        ),
    )
    now = timezone.now()
    for member in members:
        if not view.naming.may_name(member.organization):
            # Left out, not shown unnamed: an unnamed member would say which kind it is.
            continue
        user = member.user
        row = CareTeamRow(
            member=member,
            organization_name=member.organization.name,
            worker_name=(user.get_full_name() or user.get_username()) if user else "",
        )
        active = member.ended_at is None or member.ended_at > now
        (view.current if active and member.started_at <= now else view.past).append(row)
    return view
