"""Background work: emails, webhook deliveries against a real local HTTP server, retries, sweep."""

from __future__ import annotations

import datetime as dt
import json
import socket
import time
from itertools import pairwise

import pytest
from django.core import mail
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from carecircle.notifications import services, tasks, webhooks
from carecircle.notifications.models import DeliveryStatus, Notification, WebhookDelivery
from tests.notifications.helpers import Partner, actor, run_scheduled_retries

pytestmark = pytest.mark.django_db


def _publish(
    admin, partner: Partner, capture, *, kind: str = "referral_received"
) -> WebhookDelivery:
    endpoint = services.webhook_endpoint_create(actor=actor(admin), url=partner.url)
    with capture(execute=True):
        (delivery,) = services.webhook_event_publish(
            organization=endpoint.organization, kind=kind, link="/referrals/7/", object_id="7"
        )
    delivery.refresh_from_db()
    return delivery


def test_the_email_task_sends_the_copies(alice):
    (row,) = services.notification_send(
        recipients=[alice.user], kind="system", link="/", email=False
    )
    tasks.send_notification_emails([row.pk])
    assert len(mail.outbox) == 1
    assert Notification.objects.get().emailed_at is not None


def test_a_delivery_reaches_the_partner_signed_and_records_200(
    admin, partner, django_capture_on_commit_callbacks
):
    delivery = _publish(admin, partner, django_capture_on_commit_callbacks)

    assert delivery.status == DeliveryStatus.DELIVERED
    assert delivery.last_status_code == 200
    assert delivery.attempts == 1
    assert delivery.delivered_at is not None
    assert delivery.last_error == ""
    (request,) = partner.received
    secret = delivery.endpoint.secret
    header = request.headers[webhooks.SIGNATURE_HEADER.lower()]
    assert webhooks.verify(secret, header, request.body, now=time.time())
    assert not webhooks.verify(secret, header, request.body + b" ", now=time.time())
    assert request.headers["content-type"] == "application/json"
    assert request.headers[webhooks.EVENT_HEADER.lower()] == "referral_received"
    assert request.headers[webhooks.DELIVERY_HEADER.lower()] == str(delivery.pk)
    body = json.loads(request.body)
    assert body == delivery.payload
    assert set(body) == {"id", "event", "occurred_at", "organization", "link"}
    assert body["link"].endswith("/referrals/7/")


def test_a_500_records_the_failure_and_retries_later(
    admin, partner, django_capture_on_commit_callbacks
):
    partner.statuses = [500]
    before = timezone.now()
    delivery = _publish(admin, partner, django_capture_on_commit_callbacks)

    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.attempts == 1
    assert delivery.last_status_code == 500
    assert delivery.last_error == "HTTP 500"
    assert delivery.next_attempt_at is not None
    wait = delivery.next_attempt_at - before
    assert dt.timedelta(seconds=59) < wait < dt.timedelta(seconds=70)
    assert len(HUEY.scheduled()) == 1

    assert run_scheduled_retries() == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED
    assert delivery.attempts == 2
    assert delivery.last_status_code == 200
    assert delivery.last_error == ""
    assert len(partner.received) == 2


def test_it_waits_longer_each_time_and_gives_up_after_the_last_attempt(
    admin, partner, django_capture_on_commit_callbacks
):
    partner.statuses = [503] * 10
    delivery = _publish(admin, partner, django_capture_on_commit_callbacks)
    etas = []
    for _ in range(10):
        scheduled = HUEY.scheduled()
        if not scheduled:
            break
        etas.append(scheduled[0].eta)
        run_scheduled_retries(limit=1)

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == services.WEBHOOK_MAX_ATTEMPTS == 6
    assert delivery.last_status_code == 503
    assert delivery.next_attempt_at is None
    assert len(partner.received) == 6
    assert HUEY.scheduled() == []
    gaps = [(later - earlier).total_seconds() for earlier, later in pairwise(etas)]
    assert all(later > earlier for earlier, later in pairwise(gaps))


def test_redirects_are_not_followed(admin, partner, django_capture_on_commit_callbacks):
    partner.statuses = [302]
    delivery = _publish(admin, partner, django_capture_on_commit_callbacks)
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.last_status_code == 302
    assert "redirects are not followed" in delivery.last_error
    assert len(partner.received) == 1


def test_no_answer_is_recorded_as_an_error(admin, django_capture_on_commit_callbacks):
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    partner = Partner(url=f"http://127.0.0.1:{port}/nobody-listens")
    delivery = _publish(admin, partner, django_capture_on_commit_callbacks)
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.last_status_code is None
    assert delivery.last_error.startswith("no answer")


def test_private_addresses_are_refused_where_configured(
    admin, partner, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    delivery = _publish(admin, partner, django_capture_on_commit_callbacks)
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.last_error.startswith("refused")
    assert partner.received == []


def test_a_second_worker_skips_a_delivery_already_in_hand(
    admin, partner, django_capture_on_commit_callbacks
):
    partner.statuses = [500]
    delivery = _publish(admin, partner, django_capture_on_commit_callbacks)
    # The retry is not due yet: another worker picking the delivery up does nothing.
    assert services.webhook_delivery_attempt(delivery_id=delivery.pk).status == "skipped"
    assert len(partner.received) == 1


def test_a_switched_off_endpoint_fails_the_delivery(
    admin, partner, django_capture_on_commit_callbacks
):
    partner.statuses = [500]
    delivery = _publish(admin, partner, django_capture_on_commit_callbacks)
    delivery.endpoint.is_active = False
    delivery.endpoint.save()
    run_scheduled_retries()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert len(partner.received) == 1


def test_the_sweep_re_enqueues_lost_deliveries_only(
    admin, partner, django_capture_on_commit_callbacks
):
    endpoint = services.webhook_endpoint_create(actor=actor(admin), url=partner.url)
    with django_capture_on_commit_callbacks(execute=False):
        lost, waiting, fresh = (
            services.webhook_event_publish(
                organization=endpoint.organization, kind="system", link="/"
            )[0]
            for _ in range(3)
        )
    long_ago = timezone.now() - dt.timedelta(minutes=30)
    WebhookDelivery.objects.filter(pk=lost.pk).update(created_at=long_ago, next_attempt_at=long_ago)
    WebhookDelivery.objects.filter(pk=waiting.pk).update(
        created_at=long_ago, next_attempt_at=timezone.now() + dt.timedelta(minutes=5)
    )

    assert tasks.requeue_lost_webhook_deliveries.call_local() == 1

    statuses = dict(WebhookDelivery.objects.values_list("pk", "status"))
    assert statuses == {
        lost.pk: DeliveryStatus.DELIVERED,
        waiting.pk: DeliveryStatus.PENDING,
        fresh.pk: DeliveryStatus.PENDING,
    }
    assert len(partner.received) == 1


def test_the_sweep_runs_every_ten_minutes():
    validate = tasks.requeue_lost_webhook_deliveries.s().validate_datetime
    assert validate(dt.datetime(2026, 11, 21, 7, 30))  # noqa: DTZ001 - huey's naive UTC
    assert not validate(dt.datetime(2026, 11, 21, 7, 35))  # noqa: DTZ001
