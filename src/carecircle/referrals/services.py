"""Writes for closed-loop referrals: create and send, move through the Gravity states, record
the warm handoff and the outcome, reopen, and the follow-through (reminders, escalation).

Every write here:

- checks that the actor's organization is on the referral (the requesting side, the receiving
  side, or both) and that the policy lets the actor see the person's general information;
- checks the move against the pure kernel (:mod:`carecircle.referrals.states`);
- runs in one transaction that locks the referral row and refuses a stale ``version``, so two
  people acting at once cannot both win and nothing is silently overwritten;
- bumps ``version``, writes a :class:`ReferralEvent` and an audit row, and after commit tells
  the other side (in-app and email notifications with no person details, signed webhooks).

Sending a referral discloses the person's information to another organization: its general
information, what the referral is about, and what the organizations' names say about the person
(being referred by or to a treatment clinic is substance-use information: the referral's
*effective classes*, :func:`carecircle.referrals.models.effective_classes`). The sender must be
allowed to see what they send, and the person's consent must allow every one of those kinds of
information to go to the receiving organization (signed, for substance-use information under
42 CFR Part 2). Sending leaves a DISCLOSE audit row per kind of information, which the person's
accounting of disclosures lists; a refused send leaves refused rows. When the consent lapses
(withdrawn, expired, or a refusal recorded), the follow-up worker puts the referral on hold and
tells both sides, once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import partial
from typing import Any, NoReturn
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from carecircle.clients.models import Client
from carecircle.directory.models import Service, ServiceCapacity
from carecircle.notifications.models import NotificationKind
from carecircle.notifications.services import notification_send, webhook_event_publish
from carecircle.partners.models import Jurisdiction, Membership, Organization, PrivacyRegime, Role
from carecircle.partners.selectors import Actor
from carecircle.privacy import policy
from carecircle.privacy.audit import AuditEntry, audit_append_many, decision_entry
from carecircle.privacy.models import (
    REASON_TEXT,
    AuditAction,
    ConsentDecision,
    ConsentDirective,
    DataClass,
    Person,
    Purpose,
)
from carecircle.privacy.rules import ROLE_CLASSES, Basis, Decision, implied_class
from carecircle.referrals import deadlines, selectors
from carecircle.referrals.models import (
    STATUS_LABELS,
    Referral,
    ReferralEvent,
    ResponseDeadline,
    effective_classes,
)
from carecircle.referrals.states import (
    CLOSED_STATES,
    CONSENT_HOLD_FROM,
    OPEN_STATES,
    Enrollment,
    Side,
    Status,
    TransitionError,
    Urgency,
    check_move,
    check_reopen,
    sides_for,
)

logger = logging.getLogger(__name__)

REASON_MAX = 2000
TEXT_MAX = 200
FOLLOW_UP_BATCH = 500

#: Referral work is care coordination or treatment: a write that names no purpose is allowed
#: under the first of these the policy permits.
WORK_PURPOSES: tuple[str, ...] = (Purpose.CARE_COORDINATION, Purpose.TREATMENT)

#: Where an outcome takes the referral.
OUTCOME_STATUS: dict[str, str] = {
    Enrollment.ENROLLED: Status.COMPLETED,
    Enrollment.NOT_ENROLLED: Status.FAILED,
    Enrollment.WAITLISTED: Status.ON_HOLD,
}

#: ReferralEvent kinds.
EVENT_CREATED = "created"
EVENT_STATUS = "status"
EVENT_APPOINTMENT = "appointment"
EVENT_OUTCOME = "outcome"
EVENT_REOPENED = "reopened"
EVENT_REMINDED = "reminded"
EVENT_ESCALATED = "escalated"


class ReferralConflict(ValidationError):
    """Someone changed the referral between the moment the person saw it and their change:
    nothing was written. The message says what happened, in the reader's language."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="conflict")


@dataclass
class BulkResult:
    """A bulk action: the referrals changed, and why each of the others was not."""

    done: list[Referral] = field(default_factory=list)
    failed: dict[UUID, str] = field(default_factory=dict)


def referral_link(referral_id: object) -> str:
    """The only thing a notification or webhook says about a referral: where to look."""
    return f"/referrals/{referral_id}/"


def _status_word(status: str) -> str:
    return str(STATUS_LABELS.get(status, status)).lower()


def _move_error(error: TransitionError) -> ValidationError:
    """The kernel's refusal, in the reader's language, naming the field to fix."""
    words = {k: _status_word(v) for k, v in error.params.items() if k in ("from", "to")}
    if error.code == "unknown":
        message = _("“%(to)s” is not a referral status.") % {"to": error.params.get("to", "")}
    elif error.code == "already":
        message = _("The referral is already %(to)s.") % words
    elif error.code == "wrong_side":
        owner = error.params.get("owner", "")
        if Side.REQUESTER in owner and Side.RECEIVER not in owner:
            message = _("Only the referring organization may do this.")
        elif Side.RECEIVER in owner and Side.REQUESTER not in owner:
            message = _("Only the receiving organization may do this.")
        else:
            message = _("Only the organizations on the referral may do this.")
    elif error.code == "reason":
        message = _("Say why, so the other organization knows.")
    elif error.code == "not_reopenable":
        message = _(
            "Only a closed referral (completed, not completed, declined or cancelled) can be "
            "reopened."
        )
    elif error.code == "reopen_declined":
        message = _(
            "Only the referring organization may reopen a referral that was never accepted."
        )
    else:
        message = _("A referral that is %(from)s cannot become %(to)s.") % words
    return ValidationError({error.field: message})


def _withheld_text(decision: Decision) -> str:
    return str(REASON_TEXT.get(decision.code, REASON_TEXT["no_basis"]))


# --- Deadlines --------------------------------------------------------------------------------


def _zone(jurisdiction: Jurisdiction) -> ZoneInfo:
    try:
        return ZoneInfo(jurisdiction.time_zone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _default_rule(urgency: str) -> deadlines.DeadlineRule:
    return deadlines.DEFAULT_RULES.get(urgency, deadlines.DEFAULT_RULES[Urgency.ROUTINE])


def deadline_rule(*, jurisdiction_id: int, urgency: str) -> deadlines.DeadlineRule:
    """The jurisdiction's own rule for this urgency, else the default."""
    row = ResponseDeadline.objects.filter(jurisdiction_id=jurisdiction_id, urgency=urgency).first()
    rule = selectors.usable_rule(row) if row is not None else None
    return rule or _default_rule(urgency)


def deadline_rules() -> dict[tuple[int, str], deadlines.DeadlineRule]:
    """Every jurisdiction's own usable rules, keyed by (jurisdiction id, urgency): one query.
    A row that cannot be a rule is logged and left out (the default applies)."""
    rules: dict[tuple[int, str], deadlines.DeadlineRule] = {}
    for row in ResponseDeadline.objects.all():
        rule = selectors.usable_rule(row)
        if rule is not None:
            rules[(row.jurisdiction_id, row.urgency)] = rule
    return rules


#: Each number of a deadline rule, and the most it may be.
_DEADLINE_LIMITS: tuple[tuple[str, int], ...] = (
    ("hours", deadlines.MAX_HOURS),
    ("business_days", deadlines.MAX_BUSINESS_DAYS),
    ("escalate_after_hours", deadlines.MAX_ESCALATE_AFTER_HOURS),
)


def _deadline_limit_message(name: str, limit: int) -> str:
    if name == "hours":
        message = _("Give the deadline as a whole number of hours from 1 to %(max)d.")
    elif name == "business_days":
        message = _("Give the deadline as a whole number of business days from 1 to %(max)d.")
    else:
        message = _("Give the escalation as a whole number of hours from 1 to %(max)d.")
    return message % {"max": limit}


def _checked_deadline(urgency: str, rule: object) -> deadlines.DeadlineRule:
    """``rule`` checked against the limits and built again by the kernel (whatever the caller
    passed); a ValidationError keyed ``"<urgency>.<field>"`` says what is wrong."""
    values: dict[str, Any] = {name: getattr(rule, name, None) for name, _limit in _DEADLINE_LIMITS}
    errors: dict[str, str] = {}
    if (values["hours"] is None) == (values["business_days"] is None):
        errors[urgency] = _("Give the deadline either in hours on the clock or in business days.")
    for name, limit in _DEADLINE_LIMITS:
        value = values[name]
        if value is None and name != "escalate_after_hours":
            continue
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= limit:
            errors[f"{urgency}.{name}"] = _deadline_limit_message(name, limit)
    if errors:
        raise ValidationError(errors)
    try:
        # The kernel has the last word on what a rule is.
        return deadlines.DeadlineRule(**values)
    except (TypeError, ValueError) as error:
        raise ValidationError({urgency: _("This deadline cannot be used.")}) from error


def _deadline_summary(changes: Mapping[str, deadlines.DeadlineRule | None]) -> str:
    words = []
    for urgency, rule in changes.items():
        if rule is None:
            words.append(f"{urgency}=default")
        elif rule.hours is not None:
            words.append(f"{urgency}={rule.hours}h,escalate+{rule.escalate_after_hours}h")
        else:
            words.append(f"{urgency}={rule.business_days}bd,escalate+{rule.escalate_after_hours}h")
    return " ".join(words)


def response_deadlines_set(
    *,
    actor: Actor,
    jurisdiction: Jurisdiction,
    rules: Mapping[str, deadlines.DeadlineRule | None],
) -> list[str]:
    """Set ``jurisdiction``'s own response deadlines: for each urgency in ``rules`` its rule,
    or None to go back to the default (its own row is deleted). Urgencies left out keep what
    they have. All or nothing: one bad rule and nothing is written.

    Only a coordinator or an organization admin acting for a coalition of the jurisdiction may
    (:func:`carecircle.referrals.selectors.response_deadlines_may_manage`). A new deadline
    applies to referrals sent from then on: those already sent keep the due time they were
    sent with. The escalation delay is read when the follow-up worker runs, so a new one
    applies to referrals still waiting too.

    Returns the urgencies that changed. Deadlines are no one's personal information, and the
    privacy audit trail records reads and writes of person-level data: the change is logged
    instead (who, for which organization, which jurisdiction, what), once committed.
    """
    with transaction.atomic():
        # Locked, so that two people saving at once are applied one after the other.
        locked = Jurisdiction.objects.select_for_update().filter(pk=jurisdiction.pk).first()
        if locked is None or not selectors.response_deadlines_may_manage(
            actor=actor, jurisdiction=locked
        ):
            raise PermissionDenied(
                _(
                    "Only coordinators and organization admins of the jurisdiction's coalition "
                    "may change its response deadlines."
                )
            )
        known = {urgency.value for urgency in Urgency}
        errors: dict[str, list[str]] = {}
        checked: dict[str, deadlines.DeadlineRule | None] = {}
        for urgency, rule in rules.items():
            if urgency not in known:
                errors["urgency"] = [_("Choose one of the urgencies listed.")]
            elif rule is None:
                checked[urgency] = None
            else:
                try:
                    checked[urgency] = _checked_deadline(urgency, rule)
                except ValidationError as error:
                    errors.update(error.message_dict)
        if errors:
            raise ValidationError(errors)
        rows = {
            row.urgency: row for row in ResponseDeadline.objects.filter(jurisdiction_id=locked.pk)
        }
        changes: dict[str, deadlines.DeadlineRule | None] = {}
        for urgency, rule in checked.items():
            row = rows.get(urgency)
            if rule is None:
                if row is not None:
                    row.delete()
                    changes[urgency] = None
                continue
            values = {
                "hours": rule.hours,
                "business_days": rule.business_days,
                "escalate_after_hours": rule.escalate_after_hours,
            }
            if row is None:
                ResponseDeadline.objects.create(jurisdiction=locked, urgency=urgency, **values)
            elif any(getattr(row, name) != value for name, value in values.items()):
                ResponseDeadline.objects.filter(pk=row.pk).update(**values)
            else:
                continue
            changes[urgency] = rule
        if changes:
            _after_commit(
                partial(
                    logger.info,
                    "response deadlines of jurisdiction %s changed by user %s acting for "
                    "organization %s as %s: %s",
                    locked.pk,
                    actor.user_id,
                    actor.organization.pk,
                    actor.role,
                    _deadline_summary(changes),
                )
            )
    return list(changes)


def _due_at(organization: Organization, urgency: str, sent: datetime) -> datetime:
    # The receiving organization must answer, so its jurisdiction's clock and rules apply.
    jurisdiction = organization.jurisdiction
    rule = deadline_rule(jurisdiction_id=jurisdiction.pk, urgency=urgency)
    return deadlines.due_at(sent, rule, _zone(jurisdiction))


# --- Who is told ------------------------------------------------------------------------------


def _members(organization_id: int, *, roles: Iterable[str] = ()) -> list[Any]:
    """Active people of an organization who work with referrals (analysts never see them)."""
    memberships = Membership.objects.filter(
        organization_id=organization_id, is_active=True, user__is_active=True
    ).exclude(role=Role.ANALYST)
    wanted = list(roles)
    if wanted:
        memberships = memberships.filter(role__in=wanted)
    return [m.user for m in memberships.select_related("user").order_by("pk")]


def _tell(
    *,
    referral_id: UUID,
    organization: Organization,
    kind: str,
    users: Sequence[Any] | None = None,
    roles: Iterable[str] = (),
    skip_user_id: int | None = None,
) -> None:
    """Notify people of one organization, and its partner systems, of a referral event. Runs
    in the worker (:func:`referral_notify`); says nothing but the kind and the link."""
    recipients = list(users) if users is not None else _members(organization.pk, roles=roles)
    if users is None and roles and not recipients:
        # An organization without anyone in that role still hears of it.
        recipients = _members(organization.pk)
    recipients = [u for u in recipients if u.pk != skip_user_id]
    link = referral_link(referral_id)
    notification_send(recipients=recipients, kind=kind, link=link, organization=organization)
    webhook_event_publish(
        organization=organization, kind=kind, link=link, object_id=str(referral_id)
    )


def _tell_requester(referral: Referral, *, kind: str, skip_user_id: int | None) -> None:
    """The person who made the referral, while still at that organization; else everyone
    there who works with referrals."""
    requester_active = Membership.objects.filter(
        organization_id=referral.requester_organization_id,
        user_id=referral.requester_id,
        is_active=True,
        user__is_active=True,
    ).exists()
    users = [referral.requester] if requester_active else None
    _tell(
        referral_id=referral.pk,
        organization=referral.requester_organization,
        kind=kind,
        users=users,
        skip_user_id=skip_user_id,
    )


def _after_commit(func: Callable[[], None]) -> None:
    # robust: the referral is committed by then; a notification hiccup is logged, not raised.
    transaction.on_commit(func, robust=True)


def referral_notify(
    *,
    referral_id: UUID | str,
    side: str,
    kind: str,
    roles: Sequence[str] = (),
    skip_user_id: int | None = None,
) -> None:
    """Tell one side of a referral that something happened to it: the receiving
    organization's people who work with referrals (those in ``roles`` when given), or the
    person who made it. In-app notifications and the organization's webhooks; the worker runs
    this once the change has committed. Says nothing but the kind and the link."""
    referral = (
        Referral.objects.select_related(
            "requester", "requester_organization", "receiving_organization"
        )
        .filter(pk=referral_id)
        .first()
    )
    if side not in (Side.RECEIVER, Side.REQUESTER):
        raise ValueError(f"unknown side of a referral: {side!r}")
    if referral is None:
        # Queued by a change that committed, so it exists unless an operator removed it since.
        logger.warning("referral %s to notify of %s is gone", referral_id, kind)
        return
    if side == Side.RECEIVER:
        _tell(
            referral_id=referral.pk,
            organization=referral.receiving_organization,
            kind=kind,
            roles=roles,
            skip_user_id=skip_user_id,
        )
    else:
        _tell_requester(referral, kind=kind, skip_user_id=skip_user_id)


def _notify_later(
    referral: Referral,
    *,
    side: Side,
    kind: str,
    roles: Sequence[str] = (),
    skip_user_id: int | None = None,
) -> None:
    """Once the change commits, queue :func:`referral_notify` for the worker: telling a whole
    organization (its members, their inboxes, its partner systems) is no part of the answer
    the person who made the change waits for."""
    _after_commit(
        partial(
            _enqueue_notify,
            str(referral.pk),
            side.value,
            str(kind),
            [str(role) for role in roles],
            skip_user_id,
        )
    )


def _enqueue_notify(
    referral_id: str, side: str, kind: str, roles: list[str], skip_user_id: int | None
) -> None:
    from carecircle.referrals import tasks  # tasks call services

    tasks.notify_referral(referral_id, side, kind, roles, skip_user_id)


def _notify_other_side(
    referral: Referral, *, acting: Side, was_draft: bool, actor: Actor, kind: str
) -> None:
    if acting == Side.REQUESTER:
        if was_draft and kind != NotificationKind.REFERRAL_RECEIVED:
            return  # the receiving organization never saw the draft
        _notify_later(referral, side=Side.RECEIVER, kind=kind, skip_user_id=actor.user_id)
    else:
        _notify_later(referral, side=Side.REQUESTER, kind=kind, skip_user_id=actor.user_id)


# --- Audit ------------------------------------------------------------------------------------


def _entries(
    *,
    referral: Referral,
    person: Person,
    decisions: dict[str, Decision],
    classes: Iterable[str],
    action: str,
    purpose: str,
) -> list[AuditEntry]:
    return [
        decision_entry(
            decision=decisions[data_class],
            action=action,
            purpose=purpose,
            person_id=person.pk,
            owner_organization_id=person.owner_organization_id,
            data_class=data_class,
            object_type="referral",
            object_id=str(referral.pk) if referral.pk else "",
        )
        for data_class in dict.fromkeys(classes)
    ]


def _disclosures(
    *, referral: Referral, person: Person, sending: _Sending, purpose: str
) -> list[AuditEntry]:
    """The accounting of disclosures' rows: each kind of this person's information the
    referral discloses went to the receiving organization, under the consent covering it."""
    return [
        AuditEntry(
            action=AuditAction.DISCLOSE,
            permitted=True,
            purpose=purpose,
            person_id=person.pk,
            owner_organization_id=person.owner_organization_id,
            data_class=data_class,
            basis=Basis.CONSENT.value,
            consent_id=consent.pk,
            object_type="referral",
            object_id=str(referral.pk),
            recipient_organization_id=referral.receiving_organization_id,
        )
        for data_class, consent in sending.by_class.items()
    ]


def _refuse(
    *,
    actor: Actor,
    person: Person,
    decisions: dict[str, Decision],
    purpose: str,
    object_id: str = "",
    message: str = "",
) -> NoReturn:
    """Record the refused attempt (it stays in the trail) and raise PermissionDenied."""
    refused = {c: d for c, d in decisions.items() if not d.permitted}
    audit_append_many(
        actor=actor,
        entries=[
            decision_entry(
                decision=decision,
                action=AuditAction.WRITE,
                purpose=purpose,
                person_id=person.pk,
                owner_organization_id=person.owner_organization_id,
                data_class=data_class,
                object_type="referral",
                object_id=object_id,
            )
            for data_class, decision in refused.items()
        ],
    )
    first = next(iter(refused.values()))
    raise PermissionDenied(message or _withheld_text(first))


def _require_referral_role(actor: Actor, *classes: str) -> None:
    allowed = ROLE_CLASSES.get(actor.role, frozenset())
    if DataClass.GENERAL not in allowed:
        raise PermissionDenied(_("Your role does not work with referrals."))
    if any(c not in allowed for c in classes):
        raise PermissionDenied(_("Your role does not include this kind of information."))


def _decide(
    *, actor: Actor, person: Person, classes: Sequence[str], purpose: str | None
) -> tuple[dict[str, Decision], str]:
    """The policy's decisions for these classes, under the given purpose or the first work
    purpose that permits general information."""
    purposes = [purpose] if purpose else list(WORK_PURPOSES)
    decisions: dict[str, Decision] = {}
    for used in purposes:
        decisions = policy.evaluate_many(
            actor=actor, person=person, data_classes=classes, purpose=used
        )
        if decisions[DataClass.GENERAL].permitted:
            return decisions, used
    return decisions, purposes[0]


class _Refusal(Exception):
    """A refusal found inside a write's transaction: the transaction rolls back, then the
    refused attempt is audited (it stays in the trail) and ``error`` is raised."""

    def __init__(self, error: Exception, entries: list[AuditEntry]) -> None:
        super().__init__(str(error))
        self.error = error
        self.entries = entries


@dataclass
class _Sending:
    """What sending a referral discloses, and under which consent."""

    #: The referral's effective classes, general first.
    classes: tuple[str, ...]
    #: The referral's consent (the one for its most sensitive information); None within one
    #: organization, where nothing leaves it.
    consent: ConsentDirective | None
    #: The consent covering each class (empty within one organization).
    by_class: dict[str, ConsentDirective]


def _sender_classes(referral: Referral) -> list[str]:
    """What the sender must be allowed to see to send the referral: the person's general
    information, what the referral is about, and what their own organization's name says. The
    receiving organization's name is the sender's choice, not the person's record: the
    person's consent to it is what allows that (police may refer someone to a clinic that the
    person agreed to be referred to, and still never see substance-use information)."""
    classes = [DataClass.GENERAL.value, referral.data_class]
    implied = implied_class(referral.requester_organization.sector)
    if implied is not None:
        classes.append(implied)
    return list(dict.fromkeys(classes))


def _no_consent(organization: Organization) -> ValidationError:
    return ValidationError(
        {
            "consent": _(
                "No consent allows sharing this with %(organization)s. Record the person's "
                "consent first."
            )
            % {"organization": organization.name}
        }
    )


def _unsigned_consent(organization: Organization) -> ValidationError:
    return ValidationError(
        {
            "consent": _(
                "Sharing this with %(organization)s discloses substance-use treatment "
                "information, which needs the person's signed consent (42 CFR Part 2). The "
                "consent on file was given verbally: ask the person to sign one on screen or on "
                "paper first."
            )
            % {"organization": organization.name}
        }
    )


def _refused_disclosures(
    *, referral: Referral, person: Person, classes: Iterable[str], purpose: str, object_id: str
) -> list[AuditEntry]:
    return [
        AuditEntry(
            action=AuditAction.DISCLOSE,
            permitted=False,
            purpose=purpose,
            person_id=person.pk,
            owner_organization_id=person.owner_organization_id,
            data_class=data_class,
            basis=Basis.NONE.value,
            object_type="referral",
            object_id=object_id,
            recipient_organization_id=referral.receiving_organization_id,
        )
        for data_class in classes
    ]


def _signed_classes(person: Person, classes: Sequence[str]) -> frozenset[str]:
    """Classes whose consent must carry the person's signature: substance-use information
    held under 42 CFR Part 2 (42 CFR 2.31(a)(8)), as ``consent_record`` requires."""
    if DataClass.SUBSTANCE_USE in classes and policy.owner_regime(person) == (
        PrivacyRegime.US_PART2_HIPAA
    ):
        return frozenset({DataClass.SUBSTANCE_USE.value})
    return frozenset()


def _disclosure_basis(
    *, person: Person, referral: Referral, purpose: str, at: datetime | None = None
) -> _Sending | None:
    """The consents that allow sending this referral to its receiving organization now, or
    None. Within one organization nothing leaves it: no consent is needed."""
    classes = effective_classes(
        data_class=referral.data_class,
        requester_sector=referral.requester_organization.sector,
        receiver_sector=referral.receiving_organization.sector,
    )
    if referral.requester_organization_id == referral.receiving_organization_id:
        return _Sending(classes=classes, consent=None, by_class={})
    by_class: dict[str, ConsentDirective] = {}
    consent = policy.disclosure_consent(
        person=person,
        recipient=referral.receiving_organization,
        data_classes=classes,
        purpose=purpose,
        at=at,
        signed_classes=_signed_classes(person, classes),
        by_class=by_class,
    )
    if consent is None:
        return None
    return _Sending(classes=classes, consent=consent, by_class=by_class)


def _authorize_sending(
    *,
    actor: Actor,
    person: Person,
    referral: Referral,
    purpose: str,
    object_id: str,
) -> tuple[_Sending, dict[str, Decision]]:
    """Inside the sending transaction: may the actor send what the referral discloses, and
    does the person's consent allow every kind of it to go to the receiving organization? The
    consents used are locked, so a revocation cannot slip between this check and the send.
    Raises :class:`_Refusal` (the refused attempt is then audited)."""
    decisions = policy.evaluate_many(
        actor=actor, person=person, data_classes=_sender_classes(referral), purpose=purpose
    )
    refused = {c: d for c, d in decisions.items() if not d.permitted}
    if refused:
        first = next(iter(refused.values()))
        raise _Refusal(
            PermissionDenied(_withheld_text(first)),
            [
                decision_entry(
                    decision=decision,
                    action=AuditAction.WRITE,
                    purpose=purpose,
                    person_id=person.pk,
                    owner_organization_id=person.owner_organization_id,
                    data_class=data_class,
                    object_type="referral",
                    object_id=object_id,
                )
                for data_class, decision in refused.items()
            ],
        )
    sending = _disclosure_basis(person=person, referral=referral, purpose=purpose)
    if sending is not None and sending.by_class:
        ids = {c.pk for c in sending.by_class.values()}
        # Lock the consents relied on: a revocation waits for this send to commit (and the
        # follow-up worker then puts the referral on hold) or commits first and is seen here.
        locked = list(
            ConsentDirective.objects.select_for_update()
            .filter(pk__in=ids)
            .values_list("pk", "revoked_at", "period_end")
        )
        now = timezone.now()
        if len(locked) != len(ids) or any(
            (revoked is not None and revoked <= now) or (end is not None and end <= now)
            for _pk, revoked, end in locked
        ):
            sending = None
    if sending is None:
        classes = effective_classes(
            data_class=referral.data_class,
            requester_sector=referral.requester_organization.sector,
            receiver_sector=referral.receiving_organization.sector,
        )
        signed = _signed_classes(person, classes)
        unsigned = bool(signed) and (
            policy.disclosure_consent(
                person=person,
                recipient=referral.receiving_organization,
                data_classes=classes,
                purpose=purpose,
            )
            is not None
        )
        organization = referral.receiving_organization
        raise _Refusal(
            _unsigned_consent(organization) if unsigned else _no_consent(organization),
            _refused_disclosures(
                referral=referral,
                person=person,
                classes=classes,
                purpose=purpose,
                object_id=object_id,
            ),
        )
    return sending, decisions


# --- Create -----------------------------------------------------------------------------------

#: PostgreSQL cannot store a NUL character in text; SQLite would store a string that later
#: breaks exports. Refused with the field named, like any other mistake.
NUL = "\x00"


def _nul_message() -> str:
    return _("Remove the invisible NUL character from this text: it cannot be saved.")


def _clean_text(errors: dict[str, str], name: str, value: str | None, limit: int) -> str:
    value = (value or "").strip()
    if NUL in value:
        errors[name] = _nul_message()
    elif len(value) > limit:
        errors[name] = _("Keep this under %(limit)d characters.") % {"limit": limit}
    return value


def _clean_reason(value: str | None) -> str:
    errors: dict[str, str] = {}
    reason = _clean_text(errors, "reason", value, REASON_MAX)
    if errors:
        raise ValidationError(errors)
    return reason


def _check_service(
    errors: dict[str, str], service: Service | None, receiving_organization: Organization
) -> None:
    if service is None:
        return
    # The directory lists the service under its own organization, linked to the partner.
    partner_id = getattr(service.organization, "partner_id", None)
    if partner_id != receiving_organization.pk:
        errors["service"] = _("This service is not offered by %(organization)s.") % {
            "organization": receiving_organization.name
        }
    elif service.status != "active":
        errors["service"] = _("This service is not taking referrals (it is not active).")


def _check_capacity(service: Service | None, waitlist_ok: bool) -> None:
    if service is None or waitlist_ok:
        return
    # Read now, inside the sending transaction (not from a list loaded earlier).
    available = list(
        ServiceCapacity.objects.filter(service_id=service.pk).values_list("available", flat=True)
    )
    if available and max(available) <= 0:
        raise ValidationError(
            {
                "service": _(
                    "%(service)s has no places available right now. Send the referral to its "
                    "waitlist, or choose another service."
                )
                % {"service": service.name}
            }
        )


def referral_create(
    *,
    actor: Actor,
    client: Client,
    receiving_organization: Organization,
    data_class: str,
    purpose: str,
    service: Service | None = None,
    urgency: str = Urgency.ROUTINE,
    reason: str = "",
    do_not_contact: bool = False,
    appointment_at: datetime | None = None,
    accompanied_by: str = "",
    transport: str = "",
    handoff_notes: str = "",
    send: bool = True,
    waitlist_ok: bool = False,
) -> Referral:
    """Refer a person to another organization (or one of its directory services).

    ``send=False`` keeps it as a draft for the requester alone: nothing leaves the
    organization, so no consent is needed yet. Sending needs the actor to see what the
    referral carries and the person's consent to share every kind of information it discloses
    (:func:`carecircle.referrals.models.effective_classes`) with the receiving organization for
    ``purpose``; it is recorded as a disclosure. The policy, the consent and the service's
    capacity are checked inside the transaction that writes. Errors name the field and
    nothing is written but the audit row of a refused attempt.
    """
    errors: dict[str, str] = {}
    if data_class not in DataClass.values:
        errors["data_class"] = _("Choose a known kind of information.")
    if urgency not in {u.value for u in Urgency}:
        errors["urgency"] = _("Choose a known urgency.")
    if purpose not in Purpose.values:
        errors["purpose"] = _("Choose a known purpose of use.")
    reason = _clean_text(errors, "reason", reason, REASON_MAX)
    handoff_notes = _clean_text(errors, "handoff_notes", handoff_notes, REASON_MAX)
    accompanied_by = _clean_text(errors, "accompanied_by", accompanied_by, TEXT_MAX)
    transport = _clean_text(errors, "transport", transport, TEXT_MAX)
    if not receiving_organization.is_active:
        errors["receiving_organization"] = _("This organization no longer takes referrals.")
    if appointment_at is not None and timezone.is_naive(appointment_at):
        errors["appointment_at"] = _("Give the appointment's time zone.")
    _check_service(errors, service, receiving_organization)
    if errors:
        raise ValidationError(errors)
    _require_referral_role(actor, data_class)
    if appointment_at is not None:
        # Kept as the database will hand it back, so the referral as written reads the same.
        appointment_at = appointment_at.astimezone(UTC)

    person = client.person
    now = timezone.now()
    status = Status.REQUESTED if send else Status.DRAFT
    referral = Referral(
        client=client,
        requester_organization=actor.organization,
        requester_id=actor.user_id,
        receiving_organization=receiving_organization,
        service=service,
        service_name=service.name if service is not None else "",
        data_class=data_class,
        status=status.value,
        urgency=urgency,
        reason=reason,
        do_not_contact=do_not_contact,
        appointment_at=appointment_at,
        accompanied_by=accompanied_by,
        transport=transport,
        handoff_notes=handoff_notes,
        created_at=now,
        updated_at=now,
    )
    try:
        with transaction.atomic():
            sending: _Sending | None = None
            if send:
                sending, decisions = _authorize_sending(
                    actor=actor, person=person, referral=referral, purpose=purpose, object_id=""
                )
                referral.consent = sending.consent
            else:
                # A draft stays with the requester: it needs what it carries, not a consent.
                classes = list(dict.fromkeys([DataClass.GENERAL.value, data_class]))
                decisions = policy.evaluate_many(
                    actor=actor, person=person, data_classes=classes, purpose=purpose
                )
                if not all(d.permitted for d in decisions.values()):
                    refused = {c: d for c, d in decisions.items() if not d.permitted}
                    raise _Refusal(
                        PermissionDenied(_withheld_text(next(iter(refused.values())))),
                        [
                            decision_entry(
                                decision=decision,
                                action=AuditAction.WRITE,
                                purpose=purpose,
                                person_id=person.pk,
                                owner_organization_id=person.owner_organization_id,
                                data_class=data_class_,
                                object_type="referral",
                            )
                            for data_class_, decision in refused.items()
                        ],
                    )
            _check_capacity(service, waitlist_ok)
            if send:
                referral.requested_at = now
                referral.due_at = _due_at(receiving_organization, urgency, now)
            referral.save(force_insert=True)
            ReferralEvent.objects.create(
                referral=referral,
                kind=EVENT_CREATED,
                to_status=status.value,
                organization=actor.organization,
                actor_id=actor.user_id,
                at=now,
            )
            entries = _entries(
                referral=referral,
                person=person,
                decisions=decisions,
                classes=decisions,
                action=AuditAction.WRITE,
                purpose=purpose,
            )
            if sending is not None and sending.by_class:
                entries += _disclosures(
                    referral=referral, person=person, sending=sending, purpose=purpose
                )
            audit_append_many(actor=actor, entries=entries)
            if send:
                _notify_other_side(
                    referral,
                    acting=Side.REQUESTER,
                    was_draft=True,
                    actor=actor,
                    kind=NotificationKind.REFERRAL_RECEIVED,
                )
    except _Refusal as refusal:
        audit_append_many(actor=actor, entries=refusal.entries)
        raise refusal.error from None
    logger.info("referral %s created (%s)", referral.pk, status.value)
    return referral


# --- Changing a referral ----------------------------------------------------------------------


@dataclass
class _Change:
    """What one write does to a referral (built while the row is locked)."""

    fields: dict[str, Any]
    event: dict[str, Any]
    acting: Side
    written: list[str] = field(default_factory=lambda: [DataClass.GENERAL.value])
    notify: str = NotificationKind.REFERRAL_UPDATED
    disclose: _Sending | None = None


@dataclass
class _Context:
    actor: Actor
    referral: Referral  # locked, current
    sides: frozenset[Side]
    decisions: dict[str, Decision]
    purpose: str
    now: datetime


def _referral_uuid(referral_id: UUID | str) -> UUID:
    """The id as a UUID; anything else names no referral (a 404, like a missing one)."""
    if isinstance(referral_id, UUID):
        return referral_id
    try:
        return UUID(str(referral_id))
    except (TypeError, ValueError):
        raise Referral.DoesNotExist from None


def _load(referral_id: UUID) -> Referral:
    return Referral.objects.select_related(
        "client__person",
        "requester",
        "requester_organization",
        "receiving_organization__jurisdiction",
    ).get(pk=referral_id)


def _conflict_stale(referral: Referral) -> ReferralConflict:
    return ReferralConflict(
        _(
            "Someone else changed this referral while you had it open: it is now %(status)s. "
            "Nothing was saved; look at it again and decide."
        )
        % {"status": _status_word(referral.status)}
    )


def _conflict_raced(referral: Referral) -> ReferralConflict:
    """Someone else's move landed between the moment this one was asked for and its turn
    (no ``expected_version`` was given): say what happened rather than why the move no
    longer fits."""
    messages = {
        Status.ACCEPTED: _("This referral was accepted by someone else a moment ago."),
        Status.REJECTED: _("This referral was declined by someone else a moment ago."),
        Status.CANCELLED: _("This referral was cancelled by someone else a moment ago."),
        Status.COMPLETED: _("This referral was completed by someone else a moment ago."),
        Status.FAILED: _("This referral was marked not completed by someone else a moment ago."),
        Status.ON_HOLD: _("This referral was put on hold by someone else a moment ago."),
        Status.IN_PROGRESS: _("Someone else started work on this referral a moment ago."),
        Status.ENTERED_IN_ERROR: _(
            "This referral was marked entered in error by someone else a moment ago."
        ),
    }
    message = messages.get(referral.status)  # type: ignore[call-overload]
    if message is None:
        return _conflict_stale(referral)
    return ReferralConflict(message + " " + _("Nothing was changed."))


def _act(
    *,
    actor: Actor,
    referral_id: UUID | str,
    expected_version: int | None,
    purpose: str | None,
    classes: Callable[[Referral], Sequence[str]] = lambda referral: (),
    change: Callable[[_Context], _Change],
) -> Referral:
    """The frame of every change: authorize, lock, check the version, apply, record, tell."""
    _require_referral_role(actor)
    referral = _load(_referral_uuid(referral_id))
    person = referral.client.person
    wanted = list(dict.fromkeys([DataClass.GENERAL.value, *classes(referral)]))
    on_it = sides_for(
        organization_id=actor.organization.pk,
        requester_organization_id=referral.requester_organization_id,
        receiving_organization_id=referral.receiving_organization_id,
        status=referral.status,
    )
    if not on_it and referral.receiving_organization_id == actor.organization.pk:
        # A draft is the requester's alone: to the organization it is not yet sent to, it
        # does not exist (the same answer as a missing referral, so nothing is revealed).
        raise Referral.DoesNotExist
    if not on_it:
        _refuse(
            actor=actor,
            person=person,
            decisions={DataClass.GENERAL.value: Decision(False, Basis.NONE, "not on the referral")},
            purpose=purpose or WORK_PURPOSES[0],
            object_id=str(referral.pk),
            message=_("Only the organizations on a referral may change it."),
        )
    decisions, used = _decide(actor=actor, person=person, classes=wanted, purpose=purpose)
    if not decisions[DataClass.GENERAL].permitted:
        _refuse(
            actor=actor,
            person=person,
            decisions={DataClass.GENERAL.value: decisions[DataClass.GENERAL]},
            purpose=used,
            object_id=str(referral.pk),
        )

    try:
        with transaction.atomic():
            # of=("self",): lock the referral row only, not the joined rows.
            current = (
                Referral.objects.select_for_update(of=("self",))
                .select_related("client__person")
                .get(pk=referral.pk)
            )
            current.requester = referral.requester
            current.requester_organization = referral.requester_organization
            current.receiving_organization = referral.receiving_organization
            if expected_version is not None and current.version != expected_version:
                raise _conflict_stale(current)
            sides = sides_for(
                organization_id=actor.organization.pk,
                requester_organization_id=current.requester_organization_id,
                receiving_organization_id=current.receiving_organization_id,
                status=current.status,
            )
            if not sides:
                raise Referral.DoesNotExist  # only a draft hides a referral from one side
            now = timezone.now()
            context = _Context(actor, current, sides, decisions, used, now)
            was_draft = current.status == Status.DRAFT
            try:
                step = change(context)
            except ReferralConflict:
                raise
            except ValidationError:
                if expected_version is None and current.status != referral.status:
                    # Someone else's change landed while this one waited for the row: that,
                    # not the rules, is why it no longer fits.
                    raise _conflict_raced(current) from None
                raise
            fields = {**step.fields, "updated_at": now, "version": current.version + 1}
            if current.consent_lapsed_at is not None and (
                step.disclose is not None
                or fields.get("status", current.status) not in (Status.ON_HOLD, current.status)
            ):
                # Sent again, or work resumed under a consent that allows it again.
                fields["consent_lapsed_at"] = None
            # Conditional on the version read under the lock: even where the database takes
            # no row locks (SQLite), a concurrent change makes this update match nothing.
            updated = Referral.objects.filter(pk=current.pk, version=current.version).update(
                **fields
            )
            if not updated:
                raise _conflict_stale(current)
            for name, value in fields.items():
                setattr(current, name, value)
            ReferralEvent.objects.create(
                referral=current,
                organization=actor.organization,
                actor_id=actor.user_id,
                at=now,
                **step.event,
            )
            entries = _entries(
                referral=current,
                person=person,
                decisions=decisions,
                classes=step.written,
                action=AuditAction.WRITE,
                purpose=used,
            )
            if step.disclose is not None and step.disclose.by_class:
                entries += _disclosures(
                    referral=current, person=person, sending=step.disclose, purpose=used
                )
            audit_append_many(actor=actor, entries=entries)
            _notify_other_side(
                current, acting=step.acting, was_draft=was_draft, actor=actor, kind=step.notify
            )
    except _Refusal as refusal:
        audit_append_many(actor=actor, entries=refusal.entries)
        raise refusal.error from None
    return current


def _send_fields(context: _Context) -> tuple[dict[str, Any], _Sending, list[str]]:
    """A referral going (back) to the receiving organization: the sender and the consent are
    checked again, under the lock, and the response clock starts. Returns the fields, what is
    disclosed, and the classes the sender wrote."""
    referral = context.referral
    sending, decisions = _authorize_sending(
        actor=context.actor,
        person=referral.client.person,
        referral=referral,
        purpose=context.purpose,
        object_id=str(referral.pk),
    )
    context.decisions.update(decisions)
    fields: dict[str, Any] = {
        "requested_at": context.now,
        "due_at": _due_at(referral.receiving_organization, referral.urgency, context.now),
        "reminded_at": None,
        "escalated_at": None,
        "responded_at": None,
        "consent": sending.consent,
    }
    return fields, sending, list(decisions)


def _already(context: _Context, to: str) -> ReferralConflict:
    last = (
        context.referral.events.filter(to_status=to).order_by("-at", "-pk").only("actor_id").first()
    )
    if last is not None and last.actor_id == context.actor.user_id:
        return ReferralConflict(
            _("The referral is already %(status)s.") % {"status": _status_word(to)}
        )
    return ReferralConflict(
        _("This referral was already %(status)s by someone else. Nothing was changed.")
        % {"status": _status_word(to)}
    )


def referral_transition(
    *,
    actor: Actor,
    referral_id: UUID | str,
    to: str,
    reason: str = "",
    expected_version: int | None = None,
    purpose: str | None = None,
) -> Referral:
    """Move a referral to another state (accept, decline, cancel, put on hold...).

    ``expected_version`` is the version the person saw; when someone changed the referral
    since, or made this very move first, :class:`ReferralConflict` is raised and nothing
    changes. A move the rules refuse raises a ValidationError naming ``status`` or ``reason``.
    """
    reason = _clean_reason(reason)
    to = str(to or "")
    if NUL in to:
        raise ValidationError({"status": _nul_message()})

    def change(context: _Context) -> _Change:
        referral = context.referral
        if to == referral.status:
            raise _already(context, to)
        try:
            move = check_move(
                status=referral.status,
                to=to,
                sides=context.sides,
                reason=reason,
                accepted=referral.was_accepted,
            )
        except TransitionError as error:
            raise _move_error(error) from None
        fields: dict[str, Any] = {"status": to, "status_reason": reason}
        disclose = None
        written = [DataClass.GENERAL.value]
        notify = NotificationKind.REFERRAL_UPDATED
        if referral.status == Status.DRAFT and to == Status.REQUESTED:
            sent, disclose, written = _send_fields(context)
            fields.update(sent)
            notify = NotificationKind.REFERRAL_RECEIVED
        if (
            referral.consent_lapsed_at is not None
            and to in (Status.IN_PROGRESS, Status.ACCEPTED)
            and _disclosure_basis(
                person=referral.client.person, referral=referral, purpose=context.purpose
            )
            is None
        ):
            raise ValidationError(
                {
                    "status": _(
                        "The person's consent no longer allows sharing this with "
                        "%(organization)s. Work resumes once their consent is recorded again."
                    )
                    % {"organization": referral.receiving_organization.name}
                }
            )
        if not referral.was_accepted and to in (Status.ACCEPTED, Status.REJECTED):
            # Answered now: from "requested", or from a hold that came before any answer.
            fields["responded_at"] = context.now
        if to in CLOSED_STATES:
            fields["closed_at"] = context.now
        return _Change(
            fields=fields,
            event={
                "kind": EVENT_STATUS,
                "from_status": referral.status,
                "to_status": to,
                "reason": reason,
            },
            acting=move.side,
            written=written,
            notify=notify,
            disclose=disclose,
        )

    return _act(
        actor=actor,
        referral_id=referral_id,
        expected_version=expected_version,
        purpose=purpose,
        change=change,
    )


def referral_send(
    *,
    actor: Actor,
    referral_id: UUID | str,
    expected_version: int | None = None,
    purpose: str | None = None,
) -> Referral:
    """Send a draft: it becomes requested, the receiving organization is told and the
    disclosure is recorded."""
    return referral_transition(
        actor=actor,
        referral_id=referral_id,
        to=Status.REQUESTED,
        expected_version=expected_version,
        purpose=purpose,
    )


def referral_record_appointment(
    *,
    actor: Actor,
    referral_id: UUID | str,
    appointment_at: datetime | None,
    accompanied_by: str | None = None,
    transport: str | None = None,
    handoff_notes: str | None = None,
    expected_version: int | None = None,
    purpose: str | None = None,
) -> Referral:
    """Record the warm handoff: when, who goes with the person, how they get there.

    Either organization may, while the referral is open (the receiving one once it was
    sent). ``None`` leaves a detail as it was. Handoff notes carry the referral's kind of
    information: only someone who may see that kind may write them.
    """
    errors: dict[str, str] = {}
    if appointment_at is None:
        errors["appointment_at"] = _("Give the appointment's date and time.")
    elif timezone.is_naive(appointment_at):
        errors["appointment_at"] = _("Give the appointment's time zone.")
    texts: dict[str, str] = {}
    for name, value, limit in (
        ("accompanied_by", accompanied_by, TEXT_MAX),
        ("transport", transport, TEXT_MAX),
        ("handoff_notes", handoff_notes, REASON_MAX),
    ):
        if value is not None:
            texts[name] = _clean_text(errors, name, value, limit)
    if errors:
        raise ValidationError(errors)

    def change(context: _Context) -> _Change:
        referral = context.referral
        if referral.status not in OPEN_STATES:
            raise ValidationError(
                {
                    "appointment_at": _(
                        "This referral is closed: reopen it to record an appointment."
                    )
                }
            )
        fields: dict[str, Any] = {"appointment_at": appointment_at}
        written = [DataClass.GENERAL.value]
        for name in ("accompanied_by", "transport"):
            if name in texts:
                fields[name] = texts[name]
        notes = texts.get("handoff_notes")
        if notes is not None and notes != referral.handoff_notes:
            decision = context.decisions.get(referral.data_class)
            if decision is None or not decision.permitted:
                if notes:
                    raise ValidationError(
                        {
                            "handoff_notes": _(
                                "You cannot write handoff notes on this referral: they hold a "
                                "kind of information you do not see."
                            )
                        }
                    )
                # Someone who cannot see the notes leaves them as they are.
            else:
                fields["handoff_notes"] = notes
                written.append(referral.data_class)
        acting = Side.RECEIVER if Side.RECEIVER in context.sides else Side.REQUESTER
        return _Change(
            fields=fields,
            event={
                "kind": EVENT_APPOINTMENT,
                "from_status": referral.status,
                "to_status": referral.status,
            },
            acting=acting,
            written=written,
        )

    return _act(
        actor=actor,
        referral_id=referral_id,
        expected_version=expected_version,
        purpose=purpose,
        classes=lambda r: [r.data_class],
        change=change,
    )


def _local_today(organization: Organization) -> date:
    return timezone.now().astimezone(_zone(organization.jurisdiction)).date()


def referral_record_outcome(
    *,
    actor: Actor,
    referral_id: UUID | str,
    enrollment: str,
    outcome_on: date | None,
    reason: str = "",
    expected_version: int | None = None,
    purpose: str | None = None,
) -> Referral:
    """The receiving organization records what came of it: enrolled (the referral is
    completed), not enrolled (not completed; say why) or waitlisted (on hold)."""
    errors: dict[str, str] = {}
    reason = _clean_text(errors, "reason", reason, REASON_MAX)
    if enrollment not in OUTCOME_STATUS:
        errors["enrollment"] = _("Choose enrolled, not enrolled or waitlisted.")
    if outcome_on is None:
        errors["outcome_on"] = _("Give the date.")
    if enrollment == Enrollment.NOT_ENROLLED and not reason:
        errors["reason"] = _("Say why the person was not enrolled.")
    if errors:
        raise ValidationError(errors)
    if enrollment == Enrollment.WAITLISTED and not reason:
        reason = _("Waitlisted")

    def change(context: _Context) -> _Change:
        referral = context.referral
        if Side.RECEIVER not in context.sides:
            raise PermissionDenied(_("Only the receiving organization records the outcome."))
        assert outcome_on is not None
        if outcome_on > _local_today(referral.receiving_organization):
            raise ValidationError({"outcome_on": _("The date cannot be in the future.")})
        if referral.status == Status.REQUESTED or not referral.was_accepted:
            raise ValidationError(
                {"enrollment": _("Accept the referral first, then record its outcome.")}
            )
        target = OUTCOME_STATUS[enrollment]
        fields: dict[str, Any] = {
            "enrollment": enrollment,
            "outcome_on": outcome_on,
            "status_reason": reason,
        }
        if target != referral.status:
            try:
                check_move(status=referral.status, to=target, sides={Side.RECEIVER}, reason=reason)
            except TransitionError as error:
                raise _move_error(error) from None
            fields["status"] = target
            if target in CLOSED_STATES:
                fields["closed_at"] = context.now
        return _Change(
            fields=fields,
            event={
                "kind": EVENT_OUTCOME,
                "from_status": referral.status,
                "to_status": target,
                "reason": reason,
            },
            acting=Side.RECEIVER,
        )

    return _act(
        actor=actor,
        referral_id=referral_id,
        expected_version=expected_version,
        purpose=purpose,
        change=change,
    )


def referral_reopen(
    *,
    actor: Actor,
    referral_id: UUID | str,
    reason: str,
    expected_version: int | None = None,
    purpose: str | None = None,
) -> Referral:
    """Reopen a closed referral, saying why. Its history stays; the receiving organization
    resumes work it had accepted, otherwise it goes back to "requested" (the consent is checked
    again and the response clock restarts)."""
    reason = _clean_reason(reason)

    def change(context: _Context) -> _Change:
        referral = context.referral
        accepted = referral.was_accepted
        try:
            move = check_reopen(
                status=referral.status, sides=context.sides, reason=reason, accepted=accepted
            )
        except TransitionError as error:
            raise _move_error(error) from None
        fields: dict[str, Any] = {
            "status": move.to_status,
            "status_reason": reason,
            "closed_at": None,
            "enrollment": "",
            "outcome_on": None,
            "reopened_count": referral.reopened_count + 1,
        }
        disclose = None
        written = [DataClass.GENERAL.value]
        notify = NotificationKind.REFERRAL_UPDATED
        if move.to_status == Status.REQUESTED:
            sent, disclose, written = _send_fields(context)
            fields.update(sent)
            notify = NotificationKind.REFERRAL_RECEIVED
        return _Change(
            fields=fields,
            event={
                "kind": EVENT_REOPENED,
                "from_status": referral.status,
                "to_status": move.to_status,
                "reason": reason,
            },
            acting=move.side,
            written=written,
            notify=notify,
            disclose=disclose,
        )

    return _act(
        actor=actor,
        referral_id=referral_id,
        expected_version=expected_version,
        purpose=purpose,
        change=change,
    )


def _message(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return " ".join(str(m) for m in error.messages)
    if isinstance(error, Referral.DoesNotExist):
        return _("No such referral.")
    return str(error) or _("You may not change this referral.")


def referral_bulk_transition(
    *,
    actor: Actor,
    referral_ids: Iterable[UUID | str],
    to: str,
    reason: str = "",
    purpose: str | None = None,
) -> BulkResult:
    """The same move on many referrals, each on its own (one transaction each): those that
    cannot move are reported with the reason, the others move."""
    result = BulkResult()
    for raw_id in dict.fromkeys(referral_ids):
        try:
            referral_id = raw_id if isinstance(raw_id, UUID) else UUID(str(raw_id))
        except ValueError:
            continue
        try:
            referral = referral_transition(
                actor=actor, referral_id=referral_id, to=to, reason=reason, purpose=purpose
            )
        except (ValidationError, PermissionDenied, Referral.DoesNotExist) as error:
            result.failed[referral_id] = _message(error)
        else:
            result.done.append(referral)
    return result


# --- Follow-through ---------------------------------------------------------------------------


def _system_audit(referral: Referral) -> None:
    """The worker's own write (no user): reminded or escalated."""
    person_id, owner_id = referral.client.person_id, referral.client.person.owner_organization_id
    audit_append_many(
        actor=None,
        entries=[
            AuditEntry(
                action=AuditAction.WRITE,
                permitted=True,
                purpose=Purpose.CARE_COORDINATION,
                person_id=person_id,
                owner_organization_id=owner_id,
                data_class=DataClass.GENERAL,
                object_type="referral",
                object_id=str(referral.pk),
            )
        ],
    )


def _follow_up_step(referral: Referral, now: datetime, *, stamp: str, event_kind: str) -> bool:
    """Claim one follow-up step (``stamp`` is ``reminded_at`` or ``escalated_at``) for a
    referral still waiting for an answer, once: the event, a system audit row. False when the
    step was taken already or the referral was answered meanwhile."""
    with transaction.atomic():
        claimed = Referral.objects.filter(
            pk=referral.pk, status=Status.REQUESTED, **{f"{stamp}__isnull": True}
        ).update(**{stamp: now})
        if not claimed:
            return False
        ReferralEvent.objects.create(
            referral=referral,
            kind=event_kind,
            from_status=Status.REQUESTED,
            to_status=Status.REQUESTED,
            organization_id=referral.receiving_organization_id,
            at=now,
        )
        _system_audit(referral)
    return True


def _remind(referral: Referral, now: datetime) -> bool:
    with transaction.atomic():
        if not _follow_up_step(referral, now, stamp="reminded_at", event_kind=EVENT_REMINDED):
            return False
        _notify_later(referral, side=Side.RECEIVER, kind=NotificationKind.REFERRAL_OVERDUE)
    return True


def _escalate(referral: Referral, now: datetime) -> bool:
    with transaction.atomic():
        if not _follow_up_step(referral, now, stamp="escalated_at", event_kind=EVENT_ESCALATED):
            return False
        _notify_later(
            referral,
            side=Side.RECEIVER,
            kind=NotificationKind.REFERRAL_ESCALATED,
            roles=[Role.ORG_ADMIN],
        )
        # The requester sees it: the event is on the referral, and they are told.
        _notify_later(referral, side=Side.REQUESTER, kind=NotificationKind.REFERRAL_UPDATED)
    return True


def _lapse_candidates(now: datetime) -> list[UUID]:
    """Open sent referrals between two organizations whose basis may have lapsed since they
    were sent: the person has a consent that was revoked or expired since then, or a refusal
    recorded since then (or the referral carries no consent at all). One query; the policy
    then decides each one."""
    since_sent = (
        Q(revoked_at__lte=now, revoked_at__gt=OuterRef("requested_at"))
        | Q(period_end__lte=now, period_end__gt=OuterRef("requested_at"))
        | Q(decision=ConsentDecision.DENY, recorded_at__gt=OuterRef("requested_at"))
    )
    changed = ConsentDirective.objects.filter(person_id=OuterRef("client__person_id")).filter(
        since_sent
    )
    return list(
        Referral.objects.filter(status__in=list(CONSENT_HOLD_FROM), consent_lapsed_at__isnull=True)
        .exclude(requester_organization_id=F("receiving_organization_id"))
        .filter(Q(consent__isnull=True) | Exists(changed))
        .order_by("requested_at", "pk")
        .values_list("pk", flat=True)
    )


def _basis_holds(referral: Referral, now: datetime) -> bool:
    """Does a consent still allow what this referral disclosed to be with the receiving
    organization, for a work purpose?"""
    person = referral.client.person
    return any(
        _disclosure_basis(person=person, referral=referral, purpose=purpose, at=now) is not None
        for purpose in WORK_PURPOSES
    )


def _lapse_reason(referral: Referral, now: datetime) -> str:
    withdrawn = ConsentDirective.objects.filter(person_id=referral.client.person_id).filter(
        Q(revoked_at__lte=now) | Q(decision=ConsentDecision.DENY, period_start__lte=now)
    )
    if referral.requested_at is not None:
        withdrawn = withdrawn.filter(
            Q(revoked_at__gt=referral.requested_at) | Q(recorded_at__gt=referral.requested_at)
        )
    if referral.consent_id is None or withdrawn.exists():
        return _("The person withdrew their consent")
    return _("The person's consent has expired")


def _hold_for_consent(referral_id: UUID, now: datetime) -> bool:
    """Put one referral on hold because its basis lapsed (re-checked under the lock), and
    tell both sides. The system acts: the event and the audit row have no user."""
    with transaction.atomic():
        referral = (
            Referral.objects.select_for_update(of=("self",))
            .select_related(
                "client__person", "requester", "requester_organization", "receiving_organization"
            )
            .get(pk=referral_id)
        )
        if referral.status not in CONSENT_HOLD_FROM or referral.consent_lapsed_at is not None:
            return False
        if _basis_holds(referral, now):
            return False
        reason = _lapse_reason(referral, now)
        fields: dict[str, Any] = {
            "status": Status.ON_HOLD.value,
            "status_reason": reason,
            "consent_lapsed_at": now,
            "updated_at": now,
            "version": referral.version + 1,
        }
        updated = Referral.objects.filter(pk=referral.pk, version=referral.version).update(**fields)
        if not updated:
            return False
        ReferralEvent.objects.create(
            referral=referral,
            kind=EVENT_STATUS,
            from_status=referral.status,
            to_status=Status.ON_HOLD,
            reason=reason,
            organization=None,
            actor=None,
            at=now,
        )
        for name, value in fields.items():
            setattr(referral, name, value)
        _system_audit(referral)
        # Both sides hear that a consent changed; the notification says nothing more.
        _notify_later(referral, side=Side.RECEIVER, kind=NotificationKind.CONSENT_CHANGED)
        _notify_later(referral, side=Side.REQUESTER, kind=NotificationKind.CONSENT_CHANGED)
    return True


def referrals_hold_lapsed(*, now: datetime | None = None) -> tuple[int, set[UUID]]:
    """Put on hold, once, every open sent referral that no consent allows any more (the person
    withdrew it, it expired, or they refused), and tell both sides. Returns how many were put
    on hold and the ids whose basis lapsed (reminders and escalations skip them)."""
    now = now or timezone.now()
    held = 0
    lapsed: set[UUID] = set()
    candidates = _lapse_candidates(now)
    for start in range(0, len(candidates), FOLLOW_UP_BATCH):
        batch = (
            Referral.objects.filter(pk__in=candidates[start : start + FOLLOW_UP_BATCH])
            .select_related("client__person", "requester_organization", "receiving_organization")
            .order_by("requested_at", "pk")
        )
        for referral in batch:
            if _basis_holds(referral, now):
                continue
            lapsed.add(referral.pk)
            if _hold_for_consent(referral.pk, now):
                held += 1
    return held, lapsed


def referrals_follow_up(*, now: datetime | None = None) -> dict[str, int]:
    """First put on hold the referrals whose consent lapsed (telling both sides, once); then
    remind receiving organizations of referrals past their response deadline, and escalate to
    their org admins (and tell the requester) once the jurisdiction's escalation delay has
    passed too. A referral whose consent lapsed is never reminded or escalated. Each referral
    is held, reminded and escalated at most once, so running this again changes nothing."""
    now = now or timezone.now()
    held, lapsed = referrals_hold_lapsed(now=now)
    rules = deadline_rules()
    counts = {"reminded": 0, "escalated": 0, "held": held}
    due = list(
        Referral.objects.filter(
            status=Status.REQUESTED, due_at__lte=now, consent_lapsed_at__isnull=True
        )
        .filter(Q(reminded_at__isnull=True) | Q(escalated_at__isnull=True))
        .order_by("due_at", "pk")
        .values_list("pk", flat=True)
    )
    due = [pk for pk in due if pk not in lapsed]
    for start in range(0, len(due), FOLLOW_UP_BATCH):
        batch = (
            Referral.objects.filter(pk__in=due[start : start + FOLLOW_UP_BATCH])
            .select_related("client__person", "receiving_organization", "requester")
            .order_by("due_at", "pk")
        )
        for referral in batch:
            if referral.due_at is None:
                continue
            if referral.reminded_at is None and _remind(referral, now):
                counts["reminded"] += 1
            if referral.escalated_at is None:
                key = (referral.receiving_organization.jurisdiction_id, referral.urgency)
                rule = rules.get(key) or _default_rule(referral.urgency)
                if deadlines.escalate_at(referral.due_at, rule) <= now and _escalate(referral, now):
                    counts["escalated"] += 1
    if any(counts.values()):
        logger.info(
            "referrals follow-up: %d put on hold (consent lapsed), %d reminded, %d escalated",
            counts["held"],
            counts["reminded"],
            counts["escalated"],
        )
    return counts
