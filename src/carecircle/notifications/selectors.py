"""Reads for notifications. None of this is person-level data: kinds, links and ids only."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet

from carecircle.notifications.models import (
    DeliveryStatus,
    Notification,
    WebhookDelivery,
    WebhookEndpoint,
)
from carecircle.partners.selectors import Actor

#: A pending delivery whose attempt was due this long ago and never ran was lost (a crash,
#: a flushed queue); the periodic sweep enqueues it again.
LOST_AFTER = timedelta(minutes=10)


def notification_list(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[Notification]:
    """The user's own notifications, unread first, newest first."""
    return (
        Notification.objects.filter(recipient_id=user.pk)
        .annotate(is_unread=ExpressionWrapper(Q(read_at__isnull=True), output_field=BooleanField()))
        .order_by("-is_unread", "-created_at", "-pk")
    )


def notification_unread_count(*, user: AbstractBaseUser | AnonymousUser) -> int:
    return Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True).count()


def notification_get(
    *, user: AbstractBaseUser | AnonymousUser, notification_id: int
) -> Notification:
    """One of the user's own notifications; someone else's raises DoesNotExist."""
    return Notification.objects.get(recipient_id=user.pk, pk=notification_id)


def webhook_endpoint_list(*, actor: Actor) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.filter(organization=actor.organization).order_by("created_at")


def webhook_endpoint_get(*, actor: Actor, endpoint_id: int) -> WebhookEndpoint:
    """An endpoint of the actor's organization; another organization's raises DoesNotExist."""
    return WebhookEndpoint.objects.get(organization=actor.organization, pk=endpoint_id)


def webhook_delivery_list(*, actor: Actor, limit: int = 20) -> list[WebhookDelivery]:
    return list(
        WebhookDelivery.objects.filter(endpoint__organization=actor.organization)
        .select_related("endpoint")
        .order_by("-created_at", "-pk")[:limit]
    )


def webhook_delivery_lost_ids(*, now: datetime) -> list[int]:
    """Pending deliveries created and due more than ``LOST_AFTER`` ago.

    A delivery waiting for a scheduled retry, or leased by a running attempt, has its
    ``next_attempt_at`` in the future or recent past, so it is not picked twice.
    """
    cutoff = now - LOST_AFTER
    return list(
        WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING, created_at__lt=cutoff)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lt=cutoff))
        .order_by("pk")
        .values_list("pk", flat=True)[:1000]
    )
