"""Writes for notifications: the in-app inbox, email copies and signed webhooks.

Nothing here takes free text. A notification is a fixed *kind* and a site-relative *link*; an
email says the kind's fixed words and the absolute link; a webhook payload holds ids and the
link (see ``webhooks.py``). So no person-level detail can leave through this app: whoever
follows the link signs in and meets the usual consent and access rules.

The privacy audit trail records reads and writes of person-level data; notifications hold
none, so these services log instead (and this app stays independent of ``privacy``).
"""

from __future__ import annotations

import ipaddress
import logging
import re
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, User
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage, get_connection
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from carecircle.notifications import webhooks
from carecircle.notifications.models import (
    DeliveryStatus,
    Notification,
    NotificationKind,
    WebhookDelivery,
    WebhookEndpoint,
)
from carecircle.partners.models import Organization
from carecircle.partners.selectors import Actor

logger = logging.getLogger(__name__)

#: A path on this site: letters, digits and ``. _ ~ - /`` only. No scheme or host (no open
#: redirect), no ``//`` (a protocol-relative URL), no query string or fragment (no data).
LINK_PATTERN = re.compile(r"/(?!/)[A-Za-z0-9._~/-]*")
LINK_MAX_LENGTH = 500

#: First try plus five retries; ``tasks.deliver_webhook`` has ``retries=WEBHOOK_MAX_ATTEMPTS - 1``.
WEBHOOK_MAX_ATTEMPTS = 6
#: Waits between attempts: 1, 3, 9, 27 and 81 minutes, about two hours in all.
WEBHOOK_RETRY_BASE_SECONDS = 60
WEBHOOK_RETRY_FACTOR = 3
WEBHOOK_USER_AGENT = "CareCircle-Webhooks/1"


# --- Validation -------------------------------------------------------------------------------


def validate_link(link: str) -> str:
    """Return ``link`` if it is a plain path on this site, else raise a ValidationError."""
    if not isinstance(link, str) or len(link) > LINK_MAX_LENGTH or not LINK_PATTERN.fullmatch(link):
        raise ValidationError(
            {
                "link": _(
                    "A notification link must be a path on this site, such as /referrals/42/: "
                    "it starts with a single /, has no address of another site and no query "
                    "string, and uses only letters, digits and . _ ~ - /."
                )
            }
        )
    return link


def _validate_kind(kind: str) -> str:
    if kind not in NotificationKind.values:
        raise ValidationError({"kind": _("Unknown notification kind “%(kind)s”.") % {"kind": kind}})
    return kind


def absolute_link(link: str) -> str:
    return f"{settings.SITE_URL}{validate_link(link)}"


def _require_org_admin(actor: Actor) -> None:
    if not actor.is_org_admin:
        raise PermissionDenied(_("Only an organization admin can manage webhooks."))


# --- Inbox and email --------------------------------------------------------------------------


def notification_send(
    *,
    recipients: Iterable[User],
    kind: str,
    link: str,
    organization: Organization | None = None,
    email: bool = True,
) -> list[Notification]:
    """Put one notification in each recipient's inbox and, after commit, email a copy.

    Inactive accounts are skipped; a recipient named twice gets one notification.
    """
    kind = _validate_kind(kind)
    link = validate_link(link)
    users: dict[Any, User] = {}
    for user in recipients:
        if user.is_active and user.pk not in users:
            users[user.pk] = user
    if not users:
        return []
    now = timezone.now()
    with transaction.atomic():
        rows = Notification.objects.bulk_create(
            [
                Notification(
                    recipient=user, organization=organization, kind=kind, link=link, created_at=now
                )
                for user in users.values()
            ]
        )
        to_email = [row.pk for row, user in zip(rows, users.values(), strict=True) if user.email]
        if email and to_email:
            # robust: the rows are committed by then; a queue hiccup is logged, not raised.
            transaction.on_commit(partial(_enqueue_emails, to_email), robust=True)
    logger.info("notification %s sent to %d recipient(s)", kind, len(rows))
    return rows


def _enqueue_emails(notification_ids: list[int]) -> None:
    from carecircle.notifications import tasks

    tasks.send_notification_emails(notification_ids)


def _email_language(notification: Notification) -> str:
    languages = {code for code, _name in settings.LANGUAGES}
    organization = notification.organization
    if organization is not None and organization.jurisdiction.language in languages:
        return organization.jurisdiction.language
    return settings.LANGUAGE_CODE


def notification_email_content(notification: Notification) -> tuple[str, str]:
    """Subject and body: the kind's fixed wording and the absolute link, nothing else."""
    with translation.override(_email_language(notification)):
        wording = str(NotificationKind(notification.kind).label)
    return wording, f"{wording}\n\n{absolute_link(notification.link)}\n"


def notification_email_send(*, notification_ids: Sequence[int]) -> int:
    """Email each not-yet-emailed notification to its recipient; return how many went out.

    Each row is claimed (``emailed_at`` set) before sending and released if sending fails, so
    a retried or duplicated task never sends a copy twice.
    """
    pending = (
        Notification.objects.filter(pk__in=list(notification_ids), emailed_at=None)
        .select_related("recipient", "organization__jurisdiction")
        .order_by("pk")
    )
    connection = get_connection()
    sent = 0
    for notification in pending:
        recipient = notification.recipient
        if not recipient.email or not recipient.is_active:
            continue
        claimed = Notification.objects.filter(pk=notification.pk, emailed_at=None).update(
            emailed_at=timezone.now()
        )
        if not claimed:
            continue
        subject, body = notification_email_content(notification)
        try:
            EmailMessage(subject, body, to=[recipient.email], connection=connection).send()
        except Exception:
            Notification.objects.filter(pk=notification.pk).update(emailed_at=None)
            raise
        sent += 1
    return sent


def notification_mark_read(*, user: AbstractBaseUser, notification_ids: Iterable[int]) -> int:
    """Mark these of ``user``'s notifications read; other people's ids are ignored."""
    ids = [int(i) for i in notification_ids]
    with transaction.atomic():
        return Notification.objects.filter(
            recipient_id=user.pk, pk__in=ids, read_at__isnull=True
        ).update(read_at=timezone.now())


def notification_mark_all_read(*, user: AbstractBaseUser) -> int:
    with transaction.atomic():
        return Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True).update(
            read_at=timezone.now()
        )


# --- Webhook endpoints ------------------------------------------------------------------------


def _validate_endpoint(url: str, kinds: Iterable[str]) -> tuple[str, list[str]]:
    errors: dict[str, str] = {}
    url = (url or "").strip()
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        errors["url"] = _("Enter a full web address starting with https:// or http://.")
    else:
        if len(url) > WebhookEndpoint._meta.get_field("url").max_length:  # type: ignore[operator]
            errors["url"] = _("The address is too long (500 characters at most).")
        elif urlsplit(url).username is not None:
            errors["url"] = _("The address must not contain a user name or password.")
    chosen: list[str] = []
    for kind in kinds:
        if kind not in NotificationKind.values:
            errors["kinds"] = _("Unknown event “%(kind)s”.") % {"kind": kind}
            break
        if kind not in chosen:
            chosen.append(kind)
    if errors:
        raise ValidationError(errors)
    return url, sorted(chosen)


def webhook_endpoint_create(
    *, actor: Actor, url: str, kinds: Iterable[str] = ()
) -> WebhookEndpoint:
    """Register a partner system's URL for the actor's organization.

    ``kinds`` lists the events it wants; empty means every event.
    """
    _require_org_admin(actor)
    url, chosen = _validate_endpoint(url, kinds)
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.create(
            organization=actor.organization, url=url, kinds=chosen
        )
    logger.info(
        "webhook endpoint %s created for organization %s by user %s",
        endpoint.pk,
        actor.organization.pk,
        actor.user_id,
    )
    return endpoint


def webhook_endpoint_delete(*, actor: Actor, endpoint: WebhookEndpoint) -> None:
    """Remove an endpoint of the actor's own organization, with its delivery history."""
    _require_org_admin(actor)
    if endpoint.organization_id != actor.organization.pk:
        raise PermissionDenied(_("This endpoint belongs to another organization."))
    endpoint_id = endpoint.pk
    with transaction.atomic():
        endpoint.delete()
    logger.info(
        "webhook endpoint %s deleted for organization %s by user %s",
        endpoint_id,
        actor.organization.pk,
        actor.user_id,
    )


# --- Webhook deliveries -----------------------------------------------------------------------


def webhook_event_publish(
    *, organization: Organization, kind: str, link: str, object_id: str | int = ""
) -> list[WebhookDelivery]:
    """Queue the event for each of the organization's active endpoints that wants it.

    ``object_id`` is our own reference (for support questions); it is never sent.
    """
    kind = _validate_kind(kind)
    url = absolute_link(link)
    object_id = str(object_id)
    if len(object_id) > 64:
        raise ValidationError(
            {"object_id": _("The object id is too long (64 characters at most).")}
        )
    deliveries: list[WebhookDelivery] = []
    # Most organizations have no endpoint: find that out without opening a transaction.
    endpoints = [
        endpoint
        for endpoint in WebhookEndpoint.objects.filter(
            organization=organization, is_active=True
        ).order_by("pk")
        if not endpoint.kinds or kind in endpoint.kinds
    ]
    if not endpoints:
        return deliveries
    with transaction.atomic():
        now = timezone.now()
        for endpoint in endpoints:
            delivery = WebhookDelivery.objects.create(
                endpoint=endpoint,
                kind=kind,
                object_id=object_id,
                payload={},
                created_at=now,
                next_attempt_at=now,
            )
            # The payload names the delivery, so it is written once the row has its id.
            delivery.payload = webhooks.build_payload(
                delivery_id=delivery.pk,
                event=kind,
                occurred_at=now,
                organization=organization.slug,
                link=url,
            )
            delivery.save(update_fields=["payload"])
            deliveries.append(delivery)
        if deliveries:
            # robust: if enqueueing fails, the rows stay pending and the sweep picks them up.
            transaction.on_commit(
                partial(_enqueue_deliveries, [d.pk for d in deliveries]), robust=True
            )
    return deliveries


def _enqueue_deliveries(delivery_ids: list[int]) -> None:
    from carecircle.notifications import tasks

    for delivery_id in delivery_ids:
        tasks.deliver_webhook(delivery_id)


def webhook_retry_delay(attempts: int) -> int:
    """Seconds to wait after the ``attempts``-th failed attempt."""
    return int(WEBHOOK_RETRY_BASE_SECONDS * WEBHOOK_RETRY_FACTOR ** max(attempts - 1, 0))


@dataclass(frozen=True)
class DeliveryOutcome:
    """What one attempt came to: ``delivered``, ``retry`` (after ``retry_in`` seconds),
    ``failed`` (for good) or ``skipped`` (not pending, not due, or another worker has it)."""

    status: str
    retry_in: int = 0
    status_code: int | None = None
    error: str = ""


class DestinationRefused(Exception):
    """The endpoint's address is not one we send to."""


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # A redirect could turn the signed POST into a GET elsewhere, or point inside our network.
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _check_destination(url: str) -> None:
    """Outside development, refuse addresses inside our own network (SSRF).

    The name is resolved again when connecting; this stops plain mistakes and abuse, and a
    deployment that needs stronger isolation sends webhooks through an egress proxy.
    """
    allow_private = settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES
    if allow_private:
        return
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        infos = socket.getaddrinfo(host, parts.port or 443, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as exc:
        raise DestinationRefused(f"cannot resolve host: {exc}") from None
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if not address.is_global:
            raise DestinationRefused("the address is not a public internet address")


def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int | None, str]:
    """POST ``body``; return the HTTP status (None if there was no answer) and an error."""
    try:
        _check_destination(url)
    except DestinationRefused as exc:
        return None, f"refused: {exc}"
    # The scheme was checked when the endpoint was saved (http or https only).
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    opener = urllib.request.build_opener(_NoRedirects)
    try:
        with opener.open(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as response:
            response.read(4096)
            status = int(response.status)
    except urllib.error.HTTPError as exc:
        exc.close()
        note = " (redirects are not followed)" if 300 <= exc.code < 400 else ""
        return exc.code, f"HTTP {exc.code}{note}"
    except urllib.error.URLError as exc:
        return None, f"no answer: {exc.reason}"
    except (TimeoutError, OSError, ValueError) as exc:
        return None, f"no answer: {type(exc).__name__}: {exc}"
    if 200 <= status < 300:
        return status, ""
    return status, f"HTTP {status}"


def webhook_delivery_attempt(*, delivery_id: int) -> DeliveryOutcome:
    """Make one attempt at a pending delivery and record how it went.

    The attempt is claimed first (attempt counted, lease set) with one conditional UPDATE, so
    two workers never post the same delivery at once; no transaction stays open during the
    HTTP request.
    """
    now = timezone.now()
    lease_until = now + timedelta(seconds=settings.WEBHOOK_TIMEOUT_SECONDS + 60)
    claimed = WebhookDelivery.objects.filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
        pk=delivery_id,
        status=DeliveryStatus.PENDING,
    ).update(attempts=F("attempts") + 1, next_attempt_at=lease_until)
    if not claimed:
        return DeliveryOutcome("skipped")
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    endpoint = delivery.endpoint
    if not endpoint.is_active:
        return _record_failure(delivery, None, "the endpoint is switched off", final=True)
    body = webhooks.encode_payload(delivery.payload)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": WEBHOOK_USER_AGENT,
        webhooks.SIGNATURE_HEADER: webhooks.sign(endpoint.secret, int(time.time()), body),
        webhooks.EVENT_HEADER: delivery.kind,
        webhooks.DELIVERY_HEADER: str(delivery.pk),
    }
    status_code, error = _post(endpoint.url, body, headers)
    if status_code is not None and 200 <= status_code < 300:
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.DELIVERED,
            delivered_at=timezone.now(),
            last_status_code=status_code,
            last_error="",
            next_attempt_at=None,
        )
        return DeliveryOutcome("delivered", status_code=status_code)
    return _record_failure(
        delivery, status_code, error, final=delivery.attempts >= WEBHOOK_MAX_ATTEMPTS
    )


def _record_failure(
    delivery: WebhookDelivery, status_code: int | None, error: str, *, final: bool
) -> DeliveryOutcome:
    error = error[: WebhookDelivery._meta.get_field("last_error").max_length or 300]
    if final:
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.FAILED,
            last_status_code=status_code,
            last_error=error,
            next_attempt_at=None,
        )
        logger.warning(
            "webhook delivery %s failed after %d attempt(s): %s",
            delivery.pk,
            delivery.attempts,
            error,
        )
        return DeliveryOutcome("failed", status_code=status_code, error=error)
    retry_in = webhook_retry_delay(delivery.attempts)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        last_status_code=status_code,
        last_error=error,
        next_attempt_at=timezone.now() + timedelta(seconds=retry_in),
    )
    return DeliveryOutcome("retry", retry_in=retry_in, status_code=status_code, error=error)
