"""Reminders to verify listings nobody has confirmed for 180 days."""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any, cast

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from carecircle.directory.models import (
    Organization,
    Service,
    VerificationReminder,
)
from carecircle.directory.selectors import unverified_q
from carecircle.directory.services.common import (
    REMINDER_EVERY_DAYS,
    _owner,
)
from carecircle.partners.models import Membership, Role

logger = logging.getLogger(__name__)


# --- Verification reminders -------------------------------------------------------------------


def listing_unverified_remind(*, now: datetime | None = None) -> int:
    """Remind each partner's admins of its listings nobody has verified for 180 days.

    One notification per partner organization per run: to the listing's edit page when one
    listing is due, to "Your listings" (which flags them) when several are. A listing is
    included at most once every 30 days; a partner with no admin to tell is tried again next
    time. Returns the number of notifications sent.
    """
    from carecircle.notifications.models import NotificationKind
    from carecircle.notifications.services import notification_send

    now = now or timezone.now()
    recent = now - timedelta(days=REMINDER_EVERY_DAYS)
    due = (
        Service.objects.filter(unverified_q(now=now), organization__partner__isnull=False)
        .exclude(status="defunct")
        .exclude(reminder__reminded_at__gt=recent)
        .select_related("organization__partner")
        .order_by("organization__partner_id", "name", "id")
    )
    by_partner: dict[int, list[Service]] = defaultdict(list)
    for service in due:
        organization = _owner(service)
        assert organization is not None
        assert organization.partner_id is not None
        by_partner[organization.partner_id].append(service)
    if not by_partner:
        return 0
    admins: dict[int, list[Any]] = defaultdict(list)
    memberships = Membership.objects.filter(
        organization_id__in=list(by_partner),
        role=Role.ORG_ADMIN,
        is_active=True,
        user__is_active=True,
    ).select_related("user", "organization")
    for membership in memberships:
        admins[membership.organization_id].append(membership.user)
    sent = 0
    for partner_id, listings in by_partner.items():
        recipients = admins.get(partner_id, [])
        if not recipients:
            continue
        partner = cast(Organization, _owner(listings[0])).partner
        if len(listings) == 1:
            link = reverse("directory_partner:service_edit", args=[listings[0].pk])
        else:
            link = reverse("directory_partner:listings")
        with transaction.atomic():
            notifications = notification_send(
                recipients=recipients,
                kind=NotificationKind.LISTING_UNVERIFIED,
                link=link,
                organization=partner,
            )
            if not notifications:
                continue
            listing_ids = [s.pk for s in listings]
            VerificationReminder.objects.filter(service_id__in=listing_ids).delete()
            VerificationReminder.objects.bulk_create(
                VerificationReminder(service_id=service_id, reminded_at=now)
                for service_id in listing_ids
            )
        sent += 1
        logger.info("reminded partner %s to verify %d listing(s)", partner_id, len(listings))
    return sent
