"""Closed-loop referrals: one organization asks another to serve a person, and both follow it
until the person is connected (or it is clear why not).

States and who may move them are those of the HL7 Gravity SDOH Clinical Care referral Task
(see :mod:`carecircle.referrals.states`, the pure kernel). A referral is person-level data: it
is read through ``referrals.selectors`` (policy + audit), and sending it is recorded as a
disclosure in the person's accounting.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from carecircle.clients.models import Client
from carecircle.directory.models import Service
from carecircle.partners.models import Jurisdiction, Organization
from carecircle.privacy.models import ConsentDirective, DataClass
from carecircle.privacy.rules import implied_class
from carecircle.referrals.states import (
    OPEN_ANY,
    OPEN_SENT,
    OPEN_STATES,
    STATUSES,
    URGENCY_RANK,
    Enrollment,
    Status,
    Urgency,
)

STATUS_LABELS: dict[str, object] = {
    Status.DRAFT: _("Draft"),
    Status.REQUESTED: _("Requested"),
    Status.ACCEPTED: _("Accepted"),
    Status.REJECTED: _("Declined"),
    Status.CANCELLED: _("Cancelled"),
    Status.IN_PROGRESS: _("In progress"),
    Status.ON_HOLD: _("On hold"),
    Status.COMPLETED: _("Completed"),
    Status.FAILED: _("Not completed"),
    Status.ENTERED_IN_ERROR: _("Entered in error"),
}
URGENCY_LABELS: dict[str, object] = {
    Urgency.ROUTINE: _("Routine"),
    Urgency.URGENT: _("Urgent"),
    Urgency.ASAP: _("As soon as possible"),
    Urgency.STAT: _("Immediately"),
}
ENROLLMENT_LABELS: dict[str, object] = {
    Enrollment.UNKNOWN: _("Not yet known"),
    Enrollment.ENROLLED: _("Enrolled"),
    Enrollment.NOT_ENROLLED: _("Not enrolled"),
    Enrollment.WAITLISTED: _("Waitlisted"),
}
STATUS_CHOICES = [(s.value, STATUS_LABELS[s]) for s in Status]
URGENCY_CHOICES = [(u.value, URGENCY_LABELS[u]) for u in Urgency]
ENROLLMENT_CHOICES = [(e.value, ENROLLMENT_LABELS[e]) for e in Enrollment]


class StatusAmong(models.Lookup):
    """``status IN ('accepted', 'in-progress', ...)`` with the states written into the SQL as
    literals rather than parameters. SQLite uses a partial index only when the query carries the
    index's own condition word for word (a bound parameter never matches it); PostgreSQL proves
    the match either way. The states are the kernel's own codes, checked, never user input."""

    lookup_name = "among"
    prepare_rhs = False

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        states = tuple(self.rhs)
        if not states or any(state not in STATUSES for state in states):
            raise ValueError(f"unknown referral states: {states!r}")
        lhs, params = self.process_lhs(compiler, connection)
        literals = ", ".join(f"'{state}'" for state in states)
        return f"{lhs} IN ({literals})", list(params)


def status_among(states: tuple[str, ...]) -> StatusAmong:
    """A filter: the referral's status is one of ``states`` (see :class:`StatusAmong`)."""
    return StatusAmong(models.F("status"), states)


def _open_index(side: str, states: tuple[str, ...], name: str) -> models.Index:
    """An inbox's default listing, in its order: the organization's open referrals, the most
    urgent first, then the newest."""
    return models.Index(
        fields=[side, "urgency_rank", "-created_at", "-id"],
        condition=models.Q(status__in=states),
        name=name,
    )


def _due_index(side: str, name: str) -> models.Index:
    """The organization's referrals waiting for an answer, by deadline: the overdue ones."""
    return models.Index(
        fields=[side, "due_at"], condition=models.Q(status__in=[Status.REQUESTED.value]), name=name
    )


def effective_classes(
    *, data_class: str, requester_sector: str, receiver_sector: str
) -> tuple[str, ...]:
    """Every kind of information a referral discloses about the person: their general
    information, what the referral is about, and what naming its organizations says (being
    referred by or to a treatment clinic is itself substance-use information, by or to police
    justice information: :func:`carecircle.privacy.rules.implied_class`). General first."""
    classes = [DataClass.GENERAL.value, data_class]
    for sector in (requester_sector, receiver_sector):
        implied = implied_class(sector)
        if implied is not None:
            classes.append(implied)
    return tuple(dict.fromkeys(classes))


class Referral(models.Model):
    """A request that another organization serve this person, tracked to the outcome.

    ``requester_organization`` owns draft/requested/entered-in-error; the
    ``receiving_organization`` owns the rest; either may cancel. ``version`` rises with every
    change so two people acting on the same referral at once cannot both win.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="referrals")
    requester_organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="referrals_sent"
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="referrals_made"
    )
    receiving_organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="referrals_received"
    )
    # The directory listing asked for (its capacity is checked when the referral is sent).
    service = models.ForeignKey(
        Service, on_delete=models.SET_NULL, null=True, blank=True, related_name="referrals"
    )
    service_name = models.CharField(_("service"), max_length=300, blank=True)
    # The kind of information the referral carries (a buprenorphine start is substance-use
    # treatment): the policy decides who sees the referral's reason and notes by it.
    data_class = models.CharField(
        _("kind of information"),
        max_length=32,
        choices=DataClass.choices,
        default=DataClass.GENERAL,
    )
    # The person's consent that allows sharing with the receiving organization.
    consent = models.ForeignKey(
        ConsentDirective, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=STATUS_CHOICES, default=Status.DRAFT.value
    )
    status_reason = models.TextField(_("reason"), blank=True)
    urgency = models.CharField(
        _("urgency"), max_length=10, choices=URGENCY_CHOICES, default=Urgency.ROUTINE.value
    )
    # Inbox order (0 = immediately ... 3 = routine), kept by the database so an index can serve
    # the order.
    urgency_rank = models.GeneratedField(
        expression=models.Case(
            *[models.When(urgency=u, then=models.Value(r)) for u, r in URGENCY_RANK.items()],
            default=models.Value(len(URGENCY_RANK)),
        ),
        output_field=models.SmallIntegerField(),
        db_persist=True,
    )
    reason = models.TextField(_("what the person needs"), blank=True)
    do_not_contact = models.BooleanField(
        _("do not contact the person directly"),
        default=False,
        help_text=_("Reach the person only through the referring worker."),
    )
    # Warm handoff.
    appointment_at = models.DateTimeField(_("appointment"), null=True, blank=True)
    accompanied_by = models.CharField(_("who goes with the person"), max_length=200, blank=True)
    transport = models.CharField(_("transport"), max_length=200, blank=True)
    handoff_notes = models.TextField(_("handoff notes"), blank=True)
    # Outcome.
    enrollment = models.CharField(
        _("enrollment"), max_length=16, choices=ENROLLMENT_CHOICES, blank=True, default=""
    )
    outcome_on = models.DateField(_("outcome date"), null=True, blank=True)
    # Follow-through.
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    requested_at = models.DateTimeField(null=True, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(_("response due"), null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    reopened_count = models.PositiveSmallIntegerField(default=0)
    # Set by the worker when it found that no consent allows the sharing any more (the person
    # withdrew it, or it expired) and put the referral on hold: it does so once. Cleared when
    # the referral is sent again or work on it resumes.
    consent_lapsed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # Inboxes (``selectors.referral_inbox``): the default listing of open referrals,
            # the overdue ones first, and any one state, each in the inbox's order.
            _open_index("receiving_organization", OPEN_SENT, "referral_in_open"),
            _open_index("requester_organization", OPEN_ANY, "referral_out_open"),
            _due_index("receiving_organization", "referral_in_due"),
            _due_index("requester_organization", "referral_out_due"),
            models.Index(
                fields=["receiving_organization", "status", "urgency_rank", "-created_at", "-id"],
                name="referral_in_status",
            ),
            models.Index(
                fields=["requester_organization", "status", "urgency_rank", "-created_at", "-id"],
                name="referral_out_status",
            ),
            models.Index(fields=["status", "due_at"], name="referral_due"),
            models.Index(fields=["client", "-created_at"], name="referral_client"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=[s.value for s in Status]),
                name="referral_status_known",
            ),
        ]

    def __str__(self) -> str:
        return f"referral {str(self.id)[:8]}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATES

    @property
    def effective_classes(self) -> tuple[str, ...]:
        """What sending this referral discloses (see :func:`effective_classes`). Loads both
        organizations: select them with the referral."""
        return effective_classes(
            data_class=self.data_class,
            requester_sector=self.requester_organization.sector,
            receiver_sector=self.receiving_organization.sector,
        )

    @property
    def was_accepted(self) -> bool:
        """Whether the receiving organization accepted it (a referral the system put on hold
        while it waited for an answer was not: ``states.allowed_moves``)."""
        return self.responded_at is not None and self.status != Status.REJECTED

    def is_overdue(self, at: object = None) -> bool:
        now = at or timezone.now()
        return bool(
            self.status == Status.REQUESTED and self.due_at is not None and self.due_at <= now  # type: ignore[operator]
        )


class ReferralEvent(models.Model):
    """One step in a referral's history: a change of state, a reminder, an escalation, an
    appointment or outcome recorded. Kept when the referral is reopened."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=24)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    reason = models.TextField(blank=True)
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["referral", "at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.from_status}->{self.to_status}"


class ResponseDeadline(models.Model):
    """How long a receiving organization has to answer a referral of this urgency, in this
    jurisdiction: hours on the clock, or business days (Monday to Friday, in the
    jurisdiction's time zone). After the deadline the worker reminds the receiving
    organization; ``escalate_after_hours`` later it escalates to the org admins and tells the
    requester."""

    jurisdiction = models.ForeignKey(
        Jurisdiction, on_delete=models.CASCADE, related_name="response_deadlines"
    )
    urgency = models.CharField(_("urgency"), max_length=10, choices=URGENCY_CHOICES)
    hours = models.PositiveIntegerField(
        _("hours"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    business_days = models.PositiveSmallIntegerField(
        _("business days"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    escalate_after_hours = models.PositiveIntegerField(
        _("escalate this many hours after the deadline"),
        default=4,
        validators=[MinValueValidator(1)],
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "urgency"], name="one_deadline_per_urgency"
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(hours__isnull=False, business_days__isnull=True)
                    | models.Q(hours__isnull=True, business_days__isnull=False)
                ),
                name="deadline_hours_or_business_days",
            ),
            # A zero deadline would remind and escalate at the very moment of sending.
            models.CheckConstraint(
                condition=models.Q(hours__isnull=True) | models.Q(hours__gte=1),
                name="deadline_hours_at_least_one",
            ),
            models.CheckConstraint(
                condition=models.Q(business_days__isnull=True) | models.Q(business_days__gte=1),
                name="deadline_business_days_at_least_one",
            ),
            models.CheckConstraint(
                condition=models.Q(escalate_after_hours__gte=1),
                name="deadline_escalation_at_least_one_hour",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.jurisdiction}: {self.urgency}"
