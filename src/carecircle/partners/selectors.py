"""Reads about partners and people. None of this is person-level data."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Exists, OuterRef, QuerySet

from carecircle.partners.models import Membership, Organization, Role


@dataclass(frozen=True)
class Actor:
    """Someone acting for one organization in one role: the subject of every policy question."""

    user_id: int
    username: str
    organization: Organization
    role: str

    @classmethod
    def from_membership(cls, membership: Membership) -> Actor:
        return cls(
            user_id=membership.user_id,
            username=membership.user.get_username(),
            organization=membership.organization,
            role=membership.role,
        )

    @property
    def is_org_admin(self) -> bool:
        return self.role == Role.ORG_ADMIN


def membership_list(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[Membership]:
    if not user.is_authenticated:
        return Membership.objects.none()
    return (
        Membership.objects.filter(user_id=user.pk, is_active=True, organization__is_active=True)
        .select_related("organization", "organization__jurisdiction", "user")
        .order_by("organization__name")
    )


def membership_get(
    *, user: AbstractBaseUser | AnonymousUser, organization_id: int | None
) -> Membership | None:
    """The membership to act with: the one asked for if the user holds it, else the first."""
    return membership_choose(list(membership_list(user=user)), organization_id)


def membership_choose(
    memberships: list[Membership], organization_id: int | None
) -> Membership | None:
    """Of ``memberships`` (``membership_list``), the one for ``organization_id`` if there is
    one, else the first; None when there are none."""
    for membership in memberships:
        if membership.organization_id == organization_id:
            return membership
    return memberships[0] if memberships else None


def organization_list() -> QuerySet[Organization]:
    return Organization.objects.filter(is_active=True).select_related("jurisdiction", "parent")


def coalition_list(*, jurisdiction_id: int) -> QuerySet[Organization]:
    """A jurisdiction's coalitions: its active organizations that belong to no other and have
    at least one active member organization in the same jurisdiction (``Organization.parent``).
    A lone organization without a parent is not a coalition, however it is named."""
    members = Organization.objects.filter(
        parent=OuterRef("pk"), is_active=True, jurisdiction_id=jurisdiction_id
    )
    return (
        Organization.objects.filter(
            jurisdiction_id=jurisdiction_id, parent__isnull=True, is_active=True
        )
        .filter(Exists(members))
        .order_by("name")
    )
