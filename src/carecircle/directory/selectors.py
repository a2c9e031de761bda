"""Reads for partners maintaining their own listings (the public search is ``search.py``).

Directory listings are not person-level data, so these reads are not audited; they are scoped
to the listings a partner organization maintains (``Organization.partner``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from django.db.models import Prefetch, Q, QuerySet

from carecircle.directory.models import Metadata, Organization, Service, ServiceCapacity
from carecircle.partners.models import Role
from carecircle.partners.selectors import Actor

#: A listing nobody has confirmed for this long is flagged and its owners reminded.
UNVERIFIED_AFTER = timedelta(days=180)
#: The roles that maintain their organization's listings.
EDITOR_ROLES = frozenset({Role.ORG_ADMIN, Role.COORDINATOR})


def can_edit_listings(*, actor: Actor | None, organization: Organization) -> bool:
    """May this actor edit the listings of this directory organization?"""
    return (
        actor is not None
        and actor.role in EDITOR_ROLES
        and organization.partner_id is not None
        and organization.partner_id == actor.organization.pk
    )


def unverified_q(*, now: datetime) -> Q:
    """Services nobody has verified for :data:`UNVERIFIED_AFTER`: verified before then, or
    never verified and last modified before then (or never dated at all)."""
    cutoff = now - UNVERIFIED_AFTER
    never = Q(last_verified_at__isnull=True)
    return Q(last_verified_at__lt=cutoff) | (
        never & (Q(last_modified__lt=cutoff) | Q(last_modified__isnull=True))
    )


def is_unverified(service: Service, *, now: datetime) -> bool:
    """The same test as :func:`unverified_q`, for one service in memory."""
    cutoff = now - UNVERIFIED_AFTER
    if service.last_verified_at is not None:
        return service.last_verified_at < cutoff
    return service.last_modified is None or service.last_modified < cutoff


def partner_organization_list(*, actor: Actor) -> QuerySet[Organization]:
    """The directory organizations the actor's partner maintains (none for other roles)."""
    if actor.role not in EDITOR_ROLES:
        return Organization.objects.none()
    return Organization.objects.filter(partner_id=actor.organization.pk).order_by("name")


def partner_listing_list(*, actor: Actor) -> QuerySet[Service]:
    """The services the actor may maintain, with their capacities, by name."""
    capacities = ServiceCapacity.objects.select_related("unit").order_by("unit__name")
    return (
        Service.objects.filter(organization__in=partner_organization_list(actor=actor))
        .select_related("organization", "last_verified_by")
        .prefetch_related(Prefetch("capacities", queryset=capacities))
        .order_by("name", "id")
    )


def partner_listing_get(*, actor: Actor, service_id: UUID) -> Service:
    """One service the actor may maintain; ``Service.DoesNotExist`` for anyone else's."""
    return partner_listing_list(actor=actor).get(pk=service_id)


def partner_capacity_get(*, actor: Actor, capacity_id: UUID) -> ServiceCapacity:
    """One capacity row of a service the actor may maintain; DoesNotExist otherwise."""
    return ServiceCapacity.objects.select_related("unit", "service__organization").get(
        pk=capacity_id, service__in=partner_listing_list(actor=actor)
    )


def listing_history(*, service: Service) -> QuerySet[Metadata]:
    """The change history of a service and of its capacity rows, newest first."""
    capacity_ids = ServiceCapacity.objects.filter(service=service).values("id")
    return Metadata.objects.filter(
        Q(resource_id=service.pk) | Q(resource_id__in=capacity_ids)
    ).order_by("-last_action_date", "field_name", "id")
