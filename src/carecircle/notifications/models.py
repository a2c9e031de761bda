"""Notifications: the in-app inbox, email and signed webhooks.

A notification has a *kind* with fixed wording and a link; it never carries free text, so no
person-level detail can reach an inbox preview, an email body or a webhook payload.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from carecircle.partners.models import Organization


class NotificationKind(models.TextChoices):
    REFERRAL_RECEIVED = "referral_received", _("A referral arrived for your organization")
    REFERRAL_UPDATED = "referral_updated", _("A referral you follow was updated")
    REFERRAL_OVERDUE = "referral_overdue", _("A referral is overdue")
    REFERRAL_ESCALATED = "referral_escalated", _("An overdue referral was escalated to you")
    EMERGENCY_ACCESS = "emergency_access", _("Emergency access to a record needs your review")
    CONSENT_CHANGED = "consent_changed", _("A consent directive changed")
    OVERDOSE_ALERT = "overdose_alert", _("An overdose alert was issued")
    LISTING_UNVERIFIED = "listing_unverified", _("A directory listing needs verifying")
    SYSTEM = "system", _("A message from CareCircle")


class Notification(models.Model):
    """One item in a person's in-app inbox."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=32, choices=NotificationKind.choices)
    link = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    # Set once the email copy went out, so a retried email task never sends it twice.
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["recipient", "read_at", "created_at"])]

    def __str__(self) -> str:
        return str(self.get_kind_display())

    @property
    def title(self) -> str:
        return str(self.get_kind_display())


def _new_secret() -> str:
    return secrets.token_urlsafe(32)


class WebhookEndpoint(models.Model):
    """A partner system's URL that receives signed event notices for one organization."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="webhooks"
    )
    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(max_length=64, default=_new_secret)
    kinds = models.JSONField(_("events"), default=list, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.url

    @property
    def kind_labels(self) -> list[str]:
        """The chosen events in words; an empty list means every event."""
        return [str(NotificationKind(k).label) for k in self.kinds if k in NotificationKind.values]


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


class WebhookDelivery(models.Model):
    """One event on its way to one partner endpoint, with the history of its attempts."""

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    kind = models.CharField(max_length=32, choices=NotificationKind.choices)
    # Our own reference to what the event is about (a referral id, an alert id); kept for
    # support questions and never sent to the partner.
    object_id = models.CharField(max_length=64, blank=True)
    payload = models.JSONField()
    status = models.CharField(
        max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # When the next attempt is due (or, while one runs, when its lease ends); the periodic
    # sweep re-enqueues a pending delivery only once this is well past, i.e. it was lost.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = _("webhook deliveries")
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} → {self.endpoint_id}"
