"""Inbox, email and webhook services: what they write, what they refuse, what leaves the site."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from carecircle.notifications import services
from carecircle.notifications.models import (
    DeliveryStatus,
    Notification,
    NotificationKind,
    WebhookDelivery,
    WebhookEndpoint,
)
from tests.factories import UserFactory
from tests.notifications.helpers import actor

pytestmark = pytest.mark.django_db

LINK = "/referrals/42/"


# --- notification_send ------------------------------------------------------------------------


def test_notification_send_puts_one_row_in_each_inbox(alice, pat, ed):
    rows = services.notification_send(
        recipients=[alice.user, pat.user, alice.user],
        kind=NotificationKind.REFERRAL_RECEIVED,
        link=LINK,
        organization=ed,
        email=False,
    )
    assert len(rows) == 2
    assert {n.recipient_id for n in Notification.objects.all()} == {alice.user_id, pat.user_id}
    assert all(n.link == LINK and n.read_at is None for n in Notification.objects.all())


def test_the_email_holds_only_the_fixed_wording_and_the_link(
    alice, ed, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.notification_send(
            recipients=[alice.user],
            kind=NotificationKind.REFERRAL_RECEIVED,
            link=LINK,
            organization=ed,
        )
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    wording = "A referral arrived for your organization"
    assert message.to == [alice.user.email]
    assert message.subject == wording
    assert message.body == f"{wording}\n\n{settings.SITE_URL}{LINK}\n"
    assert not message.attachments
    assert Notification.objects.get().emailed_at is not None


def test_no_email_leaves_before_the_transaction_commits(alice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.notification_send(recipients=[alice.user], kind="system", link="/")
    assert len(callbacks) == 1
    assert mail.outbox == []


def test_email_false_and_people_without_an_address_get_only_the_inbox(
    alice, django_capture_on_commit_callbacks
):
    no_address = UserFactory(username="no-address", email="")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.notification_send(recipients=[alice.user], kind="system", link="/", email=False)
        services.notification_send(recipients=[no_address], kind="system", link="/")
    assert callbacks == []
    assert mail.outbox == []
    assert Notification.objects.count() == 2


def test_inactive_accounts_get_nothing(alice):
    alice.user.is_active = False
    alice.user.save()
    assert services.notification_send(recipients=[alice.user], kind="system", link="/") == []
    assert not Notification.objects.exists()


def test_each_copy_is_emailed_once_even_when_the_task_runs_again(
    alice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        rows = services.notification_send(recipients=[alice.user], kind="system", link="/")
    assert services.notification_email_send(notification_ids=[rows[0].pk]) == 0
    assert len(mail.outbox) == 1


def test_a_failed_send_releases_the_copy_for_the_retry(alice, monkeypatch):
    (row,) = services.notification_send(
        recipients=[alice.user], kind="system", link="/", email=False
    )

    def broken(self, fail_silently=False):
        raise ConnectionError("mail server down")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", broken)
    with pytest.raises(ConnectionError):
        services.notification_email_send(notification_ids=[row.pk])
    row.refresh_from_db()
    assert row.emailed_at is None


@pytest.mark.parametrize(
    "link",
    [
        "https://evil.example",
        "javascript:alert(document.cookie)",
        "//evil.example/login",
        "/\\evil.example",
        "http://127.0.0.1:8000/referrals/1/",
        "data:text/html,hello",
        "referrals/42/",
        "",
        "/clients/?name=Jane+Doe",
        "/referrals/42/#notes",
        "/referrals/42/\nBcc: someone@example.org",
        "/" + "a" * 500,
    ],
)
def test_it_rejects_a_link_that_is_not_a_plain_path_and_writes_nothing(
    link, alice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError) as info:
        services.notification_send(recipients=[alice.user], kind="system", link=link)
    assert "link" in info.value.message_dict
    assert "must be a path on this site" in info.value.message_dict["link"][0]
    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_it_rejects_an_unknown_kind(alice):
    with pytest.raises(ValidationError) as info:
        services.notification_send(recipients=[alice.user], kind="free text here", link="/")
    assert "kind" in info.value.message_dict
    assert not Notification.objects.exists()


# --- marking read -----------------------------------------------------------------------------


def test_mark_read_marks_my_own_notification(alice):
    (row,) = services.notification_send(
        recipients=[alice.user], kind="system", link="/", email=False
    )
    assert services.notification_mark_read(user=alice.user, notification_ids=[row.pk]) == 1
    row.refresh_from_db()
    assert row.read_at is not None


def test_someone_else_cannot_mark_my_notification_read(alice, pat):
    (row,) = services.notification_send(
        recipients=[alice.user], kind="system", link="/", email=False
    )
    assert services.notification_mark_read(user=pat.user, notification_ids=[row.pk]) == 0
    assert services.notification_mark_all_read(user=pat.user) == 0
    row.refresh_from_db()
    assert row.read_at is None


def test_mark_all_read_touches_only_my_notifications(alice, pat):
    services.notification_send(
        recipients=[alice.user, pat.user], kind="system", link="/", email=False
    )
    services.notification_send(recipients=[alice.user], kind="system", link="/x/", email=False)
    assert services.notification_mark_all_read(user=alice.user) == 2
    assert Notification.objects.get(recipient=pat.user).read_at is None


# --- webhook endpoints ------------------------------------------------------------------------


def test_an_org_admin_registers_an_endpoint(admin):
    endpoint = services.webhook_endpoint_create(
        actor=actor(admin),
        url=" https://partner.example/hooks ",
        kinds=["referral_updated", "referral_received", "referral_updated"],
    )
    assert endpoint.organization == admin.organization
    assert endpoint.url == "https://partner.example/hooks"
    assert endpoint.kinds == ["referral_received", "referral_updated"]
    assert len(endpoint.secret) >= 40


def test_someone_who_is_not_an_admin_cannot_register_an_endpoint(alice):
    with pytest.raises(PermissionDenied):
        services.webhook_endpoint_create(actor=actor(alice), url="https://partner.example/")
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize(
    ("url", "kinds", "field"),
    [
        ("ftp://partner.example/", [], "url"),
        ("javascript:alert(1)", [], "url"),
        ("partner.example/hooks", [], "url"),
        ("https://user:password@partner.example/", [], "url"),
        ("https://partner.example/" + "a" * 500, [], "url"),
        ("https://partner.example/", ["no_such_event"], "kinds"),
    ],
)
def test_it_rejects_a_bad_endpoint_naming_the_field(admin, url, kinds, field):
    with pytest.raises(ValidationError) as info:
        services.webhook_endpoint_create(actor=actor(admin), url=url, kinds=kinds)
    assert field in info.value.message_dict
    assert not WebhookEndpoint.objects.exists()


def test_an_admin_removes_their_own_endpoint(admin):
    endpoint = services.webhook_endpoint_create(actor=actor(admin), url="https://partner.example/")
    services.webhook_endpoint_delete(actor=actor(admin), endpoint=endpoint)
    assert not WebhookEndpoint.objects.exists()


def test_an_admin_of_another_organization_cannot_remove_it(admin, hana, alice):
    endpoint = services.webhook_endpoint_create(actor=actor(admin), url="https://partner.example/")
    for someone in (hana, alice):
        with pytest.raises(PermissionDenied):
            services.webhook_endpoint_delete(actor=actor(someone), endpoint=endpoint)
    assert WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()


# --- publishing events ------------------------------------------------------------------------


def test_an_event_goes_to_each_active_subscribed_endpoint_of_the_organization(
    admin, hana, django_capture_on_commit_callbacks
):
    ed = actor(admin)
    every = services.webhook_endpoint_create(actor=ed, url="https://all.example/")
    wanted = services.webhook_endpoint_create(
        actor=ed, url="https://wanted.example/", kinds=["referral_received"]
    )
    services.webhook_endpoint_create(
        actor=ed, url="https://other.example/", kinds=["overdose_alert"]
    )
    off = services.webhook_endpoint_create(actor=ed, url="https://off.example/")
    WebhookEndpoint.objects.filter(pk=off.pk).update(is_active=False)
    services.webhook_endpoint_create(actor=actor(hana), url="https://housing.example/")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        deliveries = services.webhook_event_publish(
            organization=admin.organization, kind="referral_received", link=LINK, object_id=42
        )
    assert {d.endpoint_id for d in deliveries} == {every.pk, wanted.pk}
    assert len(callbacks) == 1
    for delivery in WebhookDelivery.objects.all():
        assert delivery.status == DeliveryStatus.PENDING
        assert delivery.object_id == "42"
        assert set(delivery.payload) == {"id", "event", "occurred_at", "organization", "link"}
        assert delivery.payload["id"] == delivery.pk
        assert delivery.payload["event"] == "referral_received"
        assert delivery.payload["organization"] == admin.organization.slug
        assert delivery.payload["link"] == f"{settings.SITE_URL}{LINK}"


def test_publishing_with_a_bad_link_writes_nothing(admin, django_capture_on_commit_callbacks):
    services.webhook_endpoint_create(actor=actor(admin), url="https://all.example/")
    with (
        django_capture_on_commit_callbacks(execute=False) as callbacks,
        pytest.raises(ValidationError) as info,
    ):
        services.webhook_event_publish(
            organization=admin.organization, kind="system", link="https://evil.example"
        )
    assert "link" in info.value.message_dict
    assert callbacks == []
    assert not WebhookDelivery.objects.exists()


def test_publishing_with_no_endpoint_enqueues_nothing(ed, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert services.webhook_event_publish(organization=ed, kind="system", link="/") == []
    assert callbacks == []
