"""Background work for notifications, run by the huey worker. Each task calls a service."""

from __future__ import annotations

import logging

from django.utils import timezone
from huey import crontab
from huey.api import Task
from huey.contrib.djhuey import db_periodic_task, db_task

from carecircle.notifications import selectors, services

logger = logging.getLogger(__name__)


class WebhookDeliveryFailed(Exception):
    """Raised so huey schedules the next attempt; the reason is on the delivery row."""


@db_task(retries=3, retry_delay=60)
def send_notification_emails(notification_ids: list[int]) -> int:
    """Email the copies of these notifications. Safe to retry: each copy goes out once."""
    return services.notification_email_send(notification_ids=notification_ids)


@db_task(
    retries=services.WEBHOOK_MAX_ATTEMPTS - 1,
    retry_delay=services.WEBHOOK_RETRY_BASE_SECONDS,
    context=True,
)
def deliver_webhook(delivery_id: int, task: Task | None = None) -> str:
    """One attempt at a delivery; on failure huey retries it with a growing wait.

    The delivery row counts attempts and decides when to give up, so a delivery re-enqueued
    by the sweep below still stops at ``WEBHOOK_MAX_ATTEMPTS``.
    """
    outcome = services.webhook_delivery_attempt(delivery_id=delivery_id)
    if outcome.status == "retry":
        if task is not None:
            # Set on this task instance, so the wait grows with the attempts made (it works on
            # every huey version, unlike ``retry_backoff``) and matches ``next_attempt_at``.
            task.retry_delay = outcome.retry_in
        raise WebhookDeliveryFailed(
            f"delivery {delivery_id}: {outcome.error}; next attempt in {outcome.retry_in}s"
        )
    return outcome.status


@db_periodic_task(crontab(minute="*/10"))
def requeue_lost_webhook_deliveries() -> int:
    """Enqueue again the pending deliveries whose task was lost (e.g. a worker crash)."""
    lost = selectors.webhook_delivery_lost_ids(now=timezone.now())
    for delivery_id in lost:
        deliver_webhook(delivery_id)
    if lost:
        logger.info("re-enqueued %d lost webhook deliveries", len(lost))
    return len(lost)
