"""The privacy core's records: people, consent, care teams, emergency access, the audit trail."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from carecircle.partners.models import Organization, Role, Sector


class DataClass(models.TextChoices):
    """What kind of information a piece of person-level data is; the policy decides per class."""

    GENERAL = "general", _("General (identity and contact)")
    HEALTH = "health", _("Health")
    SUBSTANCE_USE = "substance_use", _("Substance-use treatment (42 CFR Part 2)")
    MENTAL_HEALTH = "mental_health", _("Mental health")
    HARM_REDUCTION = "harm_reduction", _("Harm reduction")
    JUSTICE = "justice", _("Justice")


class Sensitivity(models.TextChoices):
    """HL7 v3 confidentiality codes, so labels travel with the data to FHIR systems."""

    NORMAL = "N", _("Normal")
    RESTRICTED = "R", _("Restricted")
    VERY_RESTRICTED = "V", _("Very restricted")


SENSITIVITY: dict[str, str] = {
    DataClass.GENERAL: Sensitivity.NORMAL,
    DataClass.HEALTH: Sensitivity.RESTRICTED,
    DataClass.SUBSTANCE_USE: Sensitivity.VERY_RESTRICTED,
    DataClass.MENTAL_HEALTH: Sensitivity.RESTRICTED,
    DataClass.HARM_REDUCTION: Sensitivity.RESTRICTED,
    DataClass.JUSTICE: Sensitivity.VERY_RESTRICTED,
}

#: The classes police and justice users never see without a consent naming their organization.
PROTECTED_FROM_JUSTICE: frozenset[str] = frozenset(
    {
        DataClass.HEALTH,
        DataClass.SUBSTANCE_USE,
        DataClass.MENTAL_HEALTH,
        DataClass.HARM_REDUCTION,
    }
)


#: What the reader is told when information is withheld, keyed by ``rules.Reason``.
REASON_TEXT: dict[str, object] = {
    "role_ceiling": _("Your role does not include this kind of information."),
    "refused": _("The person refused to share this with your organization."),
    "police_need_named_consent": _("Police and justice need a consent naming their organization."),
    "no_basis": _("No consent or care-team role allows you to see this."),
}


class Purpose(models.TextChoices):
    """Purpose of use, after HL7 v3 PurposeOfUse (TREAT, CAREMGT, HOPERAT, HRESCH)."""

    TREATMENT = "treatment", _("Treatment")
    CARE_COORDINATION = "care_coordination", _("Care coordination")
    PAYMENT_OPERATIONS = "payment_operations", _("Payment and operations")
    RESEARCH = "research", _("Research")


class Person(models.Model):
    """Someone whose information CareCircle holds. No name lives here: only who owns the record.

    The client registry hangs names, demographics and notes off this; the policy and the
    audit trail only ever need this identifier and its owning organization.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner_organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="owned_people"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self) -> str:
        return f"person {str(self.id)[:8]}"


class CareTeamMember(models.Model):
    """An organization (and optionally one worker there) on a person's care team."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="care_team")
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="care_team_roles"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices, blank=True)
    is_lead = models.BooleanField(_("lead"), default=False)
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["person", "organization"])]

    def __str__(self) -> str:
        return f"{self.organization} on the care team of {self.person}"


class ConsentDecision(models.TextChoices):
    PERMIT = "permit", _("Permit")
    DENY = "deny", _("Deny")


class ConsentCapture(models.TextChoices):
    """How the person gave the consent the worker recorded."""

    SIGNATURE = "signature", _("Signed on screen")
    VERBAL = "verbal", _("Verbal consent, attested by the worker")
    PAPER = "paper", _("Signed on paper, kept on file")


class ConsentDirective(models.Model):
    """A person's instruction about who may see which of their information, for what, until when.

    Shaped like FHIR R4 Consent: ``provision.type`` is ``decision``; ``provision.class`` the data
    classes; ``provision.actor`` the recipients (organizations, sectors or the care team);
    ``provision.purpose``; ``provision.period``.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consents")
    decision = models.CharField(max_length=8, choices=ConsentDecision.choices)
    data_classes = models.JSONField(_("data classes"), default=list)
    recipient_organizations = models.ManyToManyField(
        Organization, blank=True, related_name="consents_received"
    )
    recipient_sectors = models.JSONField(_("recipient sectors"), default=list, blank=True)
    recipient_care_team = models.BooleanField(_("the person's care team"), default=False)
    purposes = models.JSONField(_("purposes of use"), default=list)
    period_start = models.DateTimeField(_("from"), default=timezone.now)
    period_end = models.DateTimeField(_("until"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_for = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    revocation_reason = models.TextField(blank=True)
    # How it was given: the person's signature drawn on screen (a PNG data URL), or the
    # recording worker's attestation that the person agreed out loud after hearing it read.
    capture_method = models.CharField(
        _("how the person consented"),
        max_length=16,
        choices=ConsentCapture.choices,
        default=ConsentCapture.VERBAL,
    )
    signature = models.TextField(_("signature"), blank=True)
    attestation = models.TextField(_("worker's attestation"), blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        indexes = [models.Index(fields=["person", "revoked_at"])]

    def __str__(self) -> str:
        return f"{self.decision} consent {str(self.id)[:8]}"

    def state(self, at: object = None) -> str:
        """One of active, pending, expired, revoked."""
        return consent_state(self.period_start, self.period_end, self.revoked_at, at)


def consent_state(period_start: Any, period_end: Any, revoked_at: Any, at: object = None) -> str:
    """A consent's state at ``at`` (now): active, pending, expired or revoked."""
    now = at or timezone.now()
    if revoked_at is not None and revoked_at <= now:
        return "revoked"
    if period_start > now:
        return "pending"
    if period_end is not None and period_end <= now:
        return "expired"
    return "active"


class EmergencyAccess(models.Model):
    """ "Break the glass": time-limited access with a stated reason, reviewed afterwards."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="emergency_accesses")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=32, choices=Role.choices)
    reason = models.TextField(_("reason"))
    granted_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    review_outcome = models.CharField(
        max_length=16,
        blank=True,
        choices=[("justified", _("Justified")), ("unjustified", _("Not justified"))],
    )
    review_note = models.TextField(blank=True)

    class Meta:
        verbose_name_plural = _("emergency accesses")
        indexes = [models.Index(fields=["person", "user", "expires_at"])]

    def __str__(self) -> str:
        return f"emergency access by {self.user_id} to {self.person_id}"


class AuditAction(models.TextChoices):
    READ = "read", pgettext_lazy("an audited action", "Read")
    WRITE = "write", _("Write")
    EXPORT = "export", _("Export")
    EMERGENCY = "emergency", _("Emergency access")
    # Sending data to another organization (a referral): the accounting of disclosures lists it.
    DISCLOSE = "disclose", _("Disclosure to another organization")


class AuditEvent(models.Model):
    """One row of the append-only, hash-chained audit trail.

    Plain columns instead of foreign keys: deleting a user or an organization must never
    cascade into the trail. ``hash`` is an HMAC over this row's fields and the previous row's
    hash, so an edit, insertion or deletion anywhere breaks the chain at a named row.
    """

    seq = models.BigIntegerField(unique=True)
    occurred_at = models.DateTimeField()
    request_id = models.CharField(max_length=64, blank=True)
    actor_id = models.BigIntegerField(null=True)
    actor_username = models.CharField(max_length=150, blank=True)
    organization_id = models.BigIntegerField(null=True)
    organization_name = models.CharField(max_length=200, blank=True)
    organization_sector = models.CharField(max_length=32, blank=True, choices=Sector.choices)
    role = models.CharField(max_length=32, blank=True)
    purpose = models.CharField(max_length=32, blank=True)
    person_id = models.UUIDField(null=True)
    owner_organization_id = models.BigIntegerField(null=True)
    data_class = models.CharField(max_length=32, blank=True)
    action = models.CharField(max_length=16, choices=AuditAction.choices)
    permitted = models.BooleanField()
    basis = models.CharField(max_length=32, blank=True)
    consent_id = models.UUIDField(null=True)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    # A disclosure's recipient (a referral sends the person's information to it).
    recipient_organization_id = models.BigIntegerField(null=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["seq"]
        indexes = [
            models.Index(fields=["person_id", "seq"]),
            models.Index(fields=["organization_id", "seq"]),
            models.Index(fields=["occurred_at"]),
        ]

    def __str__(self) -> str:
        return f"audit #{self.seq}"

    def save(self, *args: object, **kwargs: object) -> None:
        # Append-only: the trail is written through privacy.audit.audit_append and never edited.
        if not self._state.adding:
            raise PermissionError("The audit trail is append-only.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise PermissionError("The audit trail is append-only.")


class AuditChainHead(models.Model):
    """The last link of the chain: the lock every append takes, and what detects a cut tail."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)
    # HMAC of (last_seq, last_hash): rolling the head back to hide a cut tail needs the key.
    mac = models.CharField(max_length=64, default="")

    def __str__(self) -> str:
        return f"audit head #{self.last_seq}"
