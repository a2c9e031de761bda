"""Keeping a person's care team: members from several organizations, one lead.

The writes themselves are ``privacy.services`` (the care team is a basis of the policy); these
check the request in the users' terms first, so a mistake gets an error naming the field.
Only the organization that holds the record, in a role that meets the person, keeps the team.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from carecircle.clients.models import Client
from carecircle.clients.services.registry import reject_nul
from carecircle.partners.models import Membership, Organization, Role
from carecircle.partners.selectors import Actor
from carecircle.privacy import services as privacy_services
from carecircle.privacy.models import CareTeamMember
from carecircle.privacy.services import CONSENT_KEEPERS

#: The roles someone plays on a care team (analysts and admins are not on one).
CARE_TEAM_ROLES: tuple[str, ...] = (
    Role.CASE_MANAGER,
    Role.CLINICIAN,
    Role.PEER_WORKER,
    Role.OUTREACH_WORKER,
    Role.COORDINATOR,
    Role.INTAKE_VOLUNTEER,
)


def care_team_may_keep(*, actor: Actor, client: Client) -> bool:
    """The holder of the record, in a role that meets the person, keeps the care team."""
    return (
        client.person.owner_organization_id == actor.organization.pk
        and actor.role in CONSENT_KEEPERS
    )


def _require_keeper(actor: Actor, client: Client) -> None:
    if not care_team_may_keep(actor=actor, client=client):
        raise PermissionDenied(
            _("Only the organization that holds the record keeps the care team.")
        )


def _current(client: Client, member_id: int | None) -> CareTeamMember:
    member = (
        CareTeamMember.objects.select_related("person")
        .filter(
            person=client.person,
            pk=member_id,
            ended_at__isnull=True,
            started_at__lte=timezone.now(),
        )
        .first()
        if member_id is not None
        else None
    )
    if member is None:
        raise ValidationError({"member": _("This member is not on the care team now.")})
    return member


def care_team_member_add(
    *,
    actor: Actor,
    client: Client,
    organization: Organization | None,
    user_id: int | None = None,
    role: str = "",
    is_lead: bool = False,
) -> CareTeamMember:
    """Put an organization (and optionally one of its workers) on the person's care team."""
    _require_keeper(actor, client)
    reject_nul({"role": role})
    errors: dict[str, str] = {}
    if organization is None or not organization.is_active:
        errors["organization"] = _("Choose a partner organization.")
    elif (
        user_id is not None
        and not Membership.objects.filter(
            user_id=user_id, organization=organization, is_active=True
        ).exists()
    ):
        errors["user"] = _("This worker is not a member of that organization.")
    if role not in ("", *CARE_TEAM_ROLES):
        errors["role"] = _("Choose a role on the care team.")
    if (
        organization is not None
        and not errors
        and CareTeamMember.objects.filter(
            person=client.person,
            organization=organization,
            ended_at__isnull=True,
        )
        .filter(Q(user__isnull=True) if user_id is None else Q(user_id=user_id))
        .exists()
    ):
        errors["organization" if user_id is None else "user"] = _("Already on the care team.")
    if errors:
        raise ValidationError(errors)
    assert organization is not None
    with transaction.atomic():
        member = privacy_services.care_team_add(
            actor=actor, person=client.person, organization=organization, user_id=user_id, role=role
        )
        if is_lead:
            # One lead: setting it takes the lead from whoever had it.
            member = privacy_services.care_team_set_lead(actor=actor, member=member)
    return member


def care_team_member_lead(*, actor: Actor, client: Client, member_id: int | None) -> CareTeamMember:
    """Make this current member the care team's lead."""
    _require_keeper(actor, client)
    member = _current(client, member_id)
    return privacy_services.care_team_set_lead(actor=actor, member=member)


def care_team_member_end(*, actor: Actor, client: Client, member_id: int | None) -> CareTeamMember:
    """End a membership: from the next request the care team no longer opens the record to
    that organization."""
    _require_keeper(actor, client)
    member = _current(client, member_id)
    return privacy_services.care_team_end(actor=actor, member=member)
