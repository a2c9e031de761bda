"""The inbox and the webhook pages: it works for the owner, and someone else cannot."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from carecircle.notifications import services
from carecircle.notifications.models import Notification, WebhookEndpoint
from tests.factories import UserFactory
from tests.notifications.helpers import actor, signed_in

pytestmark = pytest.mark.django_db

INBOX = reverse("notifications:inbox")
WEBHOOKS = reverse("notifications:webhooks")
HTMX = {"HTTP_HX_REQUEST": "true"}


def _notify(membership, kind="system", link="/", count=1) -> list[Notification]:
    rows: list[Notification] = []
    for _ in range(count):
        rows += services.notification_send(
            recipients=[membership.user], kind=kind, link=link, email=False
        )
    return rows


def _assert_no_inline_script_or_style(html: str) -> None:
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert "<style" not in html
    assert not re.search(r"\sstyle=", html)
    assert not re.search(r"\son[a-z]+=", html)


# --- inbox ------------------------------------------------------------------------------------


def test_the_inbox_lists_my_notifications_unread_first_with_a_count(alice):
    old, new = _notify(alice, kind="referral_received", link="/referrals/1/", count=2)
    read = _notify(alice, kind="consent_changed", link="/privacy/x/")[0]
    services.notification_mark_read(user=alice.user, notification_ids=[read.pk])

    response = signed_in(alice).get(INBOX)

    assert response.status_code == 200
    assert response.context["unread_count"] == 2
    assert [n.pk for n in response.context["items"]] == [new.pk, old.pk, read.pk]
    html = response.content.decode()
    assert "2 unread notifications" in html
    assert 'href="/referrals/1/"' in html
    assert "A referral arrived for your organization" in html
    _assert_no_inline_script_or_style(html)


def test_someone_else_does_not_see_my_notifications(alice, pat):
    _notify(alice, kind="emergency_access", link="/privacy/reviews/")
    response = signed_in(pat).get(INBOX)
    assert response.status_code == 200
    assert list(response.context["items"]) == []
    assert response.context["unread_count"] == 0
    assert "/privacy/reviews/" not in response.content.decode()


def test_the_inbox_needs_a_signed_in_member(alice):
    assert signed_in(alice).get(INBOX).status_code == 200
    assert Client().get(INBOX).status_code == 302
    outsider = Client()
    outsider.force_login(
        UserFactory(username="no-membership"), backend="django.contrib.auth.backends.ModelBackend"
    )
    assert outsider.get(INBOX).status_code == 403


def test_the_inbox_shows_fifty_a_page(alice):
    _notify(alice, count=51)
    client = signed_in(alice)
    assert len(client.get(INBOX).context["items"]) == 50
    assert len(client.get(INBOX, {"page": 2}).context["items"]) == 1
    assert len(client.get(INBOX, {"page": "nonsense"}).context["items"]) == 50


def test_the_inbox_query_count_does_not_grow_with_the_list(alice):
    client = signed_in(alice)
    _notify(alice, count=2)
    client.get(INBOX)
    with CaptureQueriesContext(connection) as few:
        client.get(INBOX)
    _notify(alice, count=30)
    with CaptureQueriesContext(connection) as many:
        client.get(INBOX)
    assert len(many) == len(few)


def test_i_mark_one_of_mine_read(alice):
    row = _notify(alice)[0]
    response = signed_in(alice).post(reverse("notifications:mark_read", args=[row.pk]))
    assert response.status_code == 302
    assert response["Location"] == INBOX
    row.refresh_from_db()
    assert row.read_at is not None


def test_with_htmx_marking_read_returns_the_inbox_fragment(alice):
    rows = _notify(alice, count=2)
    response = signed_in(alice).post(
        reverse("notifications:mark_read", args=[rows[0].pk]), {"page": "1"}, **HTMX
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.startswith('<section id="inbox"')
    assert "<html" not in html
    assert "1 unread notification" in html
    _assert_no_inline_script_or_style(html)


def test_someone_else_cannot_mark_my_notification_read(alice, pat):
    row = _notify(alice)[0]
    client = signed_in(pat)
    assert client.post(reverse("notifications:mark_read", args=[row.pk])).status_code == 404
    assert client.post(reverse("notifications:mark_read", args=[row.pk]), **HTMX).status_code == 404
    client.post(reverse("notifications:mark_all_read"))
    row.refresh_from_db()
    assert row.read_at is None


def test_mark_all_read_marks_only_mine(alice, pat):
    _notify(alice, count=3)
    theirs = _notify(pat)[0]
    response = signed_in(alice).post(reverse("notifications:mark_all_read"), {"page": "2"})
    assert response.status_code == 302
    assert response["Location"] == f"{INBOX}?page=2"
    assert not Notification.objects.filter(recipient=alice.user, read_at=None).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_marking_read_needs_a_post(alice):
    row = _notify(alice)[0]
    client = signed_in(alice)
    assert client.get(reverse("notifications:mark_read", args=[row.pk])).status_code == 405
    assert client.get(reverse("notifications:mark_all_read")).status_code == 405
    row.refresh_from_db()
    assert row.read_at is None


# --- webhook endpoints ------------------------------------------------------------------------


def test_an_admin_sees_the_webhooks_page(admin):
    services.webhook_endpoint_create(actor=actor(admin), url="https://partner.example/hooks")
    response = signed_in(admin).get(WEBHOOKS)
    assert response.status_code == 200
    html = response.content.decode()
    assert "https://partner.example/hooks" in html
    assert 'for="id_url"' in html
    assert "<legend>Events to send:</legend>" in html
    _assert_no_inline_script_or_style(html)


def test_someone_who_is_not_an_admin_cannot_use_the_webhooks_page(alice):
    client = signed_in(alice)
    assert client.get(WEBHOOKS).status_code == 403
    response = client.post(WEBHOOKS, {"url": "https://partner.example/hooks"})
    assert response.status_code == 403
    assert not WebhookEndpoint.objects.exists()


def test_an_admin_adds_an_endpoint_and_sees_its_secret_once(admin):
    client = signed_in(admin)
    response = client.post(
        WEBHOOKS, {"url": "https://partner.example/hooks", "kinds": ["referral_received"]}
    )
    assert response.status_code == 302
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.organization == admin.organization
    assert endpoint.kinds == ["referral_received"]
    first = client.get(WEBHOOKS)
    assert endpoint.secret in first.content.decode()
    assert "no-store" in first["Cache-Control"]
    assert endpoint.secret not in client.get(WEBHOOKS).content.decode()


def test_a_bad_address_is_refused_with_a_clear_error(admin):
    response = signed_in(admin).post(WEBHOOKS, {"url": "ftp://partner.example/"})
    assert response.status_code == 400
    assert response.context["form"].errors["url"]
    assert not WebhookEndpoint.objects.exists()


def test_an_admin_removes_their_endpoint(admin):
    endpoint = services.webhook_endpoint_create(actor=actor(admin), url="https://partner.example/")
    response = signed_in(admin).post(reverse("notifications:webhook_delete", args=[endpoint.pk]))
    assert response.status_code == 302
    assert not WebhookEndpoint.objects.exists()


def test_an_admin_of_another_organization_cannot_remove_it(admin, hana):
    endpoint = services.webhook_endpoint_create(actor=actor(admin), url="https://partner.example/")
    client = signed_in(hana)
    assert (
        client.post(reverse("notifications:webhook_delete", args=[endpoint.pk])).status_code == 404
    )
    assert "https://partner.example/" not in client.get(WEBHOOKS).content.decode()
    assert WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()
