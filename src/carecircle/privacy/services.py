"""Writes of the privacy core: people, consent directives, care teams, emergency access.

Each is one transaction with its audit row; a refused request leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from carecircle.partners.models import Organization, Role, Sector
from carecircle.partners.selectors import Actor
from carecircle.privacy import rules
from carecircle.privacy.audit import audit_append
from carecircle.privacy.models import (
    AuditAction,
    CareTeamMember,
    ConsentDecision,
    ConsentDirective,
    DataClass,
    EmergencyAccess,
    Person,
    Purpose,
)

EMERGENCY_ACCESS_MINUTES = int(getattr(settings, "EMERGENCY_ACCESS_MINUTES", 60))
MIN_REASON_LENGTH = 10


def _write_audit(
    actor: Actor, person: Person, *, object_type: str, object_id: object, data_class: str
) -> None:
    audit_append(
        actor=actor,
        action=AuditAction.WRITE,
        permitted=True,
        purpose=Purpose.CARE_COORDINATION,
        person_id=person.pk,
        owner_organization_id=person.owner_organization_id,
        data_class=data_class,
        basis=rules.Basis.OWN_RECORD
        if person.owner_organization_id == actor.organization.pk
        else rules.Basis.CARE_TEAM,
        object_type=object_type,
        object_id=str(object_id),
    )


#: Roles that take a person's consent and keep their care team (those who meet the person).
CONSENT_KEEPERS = frozenset(
    {
        Role.COORDINATOR,
        Role.CLINICIAN,
        Role.CASE_MANAGER,
        Role.PEER_WORKER,
        Role.OUTREACH_WORKER,
        Role.INTAKE_VOLUNTEER,
    }
)


def _require_keeper(actor: Actor, person: Person) -> None:
    """Consent directives and the care team are kept by the organization that holds the
    record, in a role that meets the person. A care-team organization must never be able to
    widen its own access (or another's) by writing a directive or adding a member."""
    if person.owner_organization_id != actor.organization.pk:
        raise PermissionDenied("Only the organization that holds the record may do this.")
    if actor.role not in CONSENT_KEEPERS:
        raise PermissionDenied("This role does not record consent or keep the care team.")


def _names_recorder(
    actor: Actor,
    person: Person,
    organizations: list[Organization],
    sectors: Sequence[str],
    care_team: bool,
) -> bool:
    """Would this permit let a police or justice recorder widen its own access?

    Naming itself adds nothing for a record an organization holds, except where the policy
    withholds the record from its own holder: police and justice, for the protected classes.
    Such a consent must come from someone else, so they may not name themselves, their sector
    or a care team they are on.
    """
    org = actor.organization
    if org.sector != Sector.POLICE_JUSTICE:
        return False
    if any(o.pk == org.pk for o in organizations) or org.sector in sectors:
        return True
    return (
        care_team
        and CareTeamMember.objects.filter(
            person=person, organization=org, ended_at__isnull=True
        ).exists()
    )


def person_create(*, actor: Actor) -> Person:
    with transaction.atomic():
        person = Person.objects.create(owner_organization=actor.organization)
        _write_audit(
            actor, person, object_type="person", object_id=person.pk, data_class=DataClass.GENERAL
        )
    return person


def consent_record(
    *,
    actor: Actor,
    person: Person,
    decision: str,
    data_classes: Sequence[str],
    purposes: Sequence[str],
    recipient_organizations: Iterable[Organization] = (),
    recipient_sectors: Sequence[str] = (),
    recipient_care_team: bool = False,
    period_start: datetime | None = None,
    period_end: datetime | None = None,
) -> ConsentDirective:
    """Record a person's consent directive; errors name the field and nothing is written."""
    _require_keeper(actor, person)
    errors: dict[str, str] = {}
    if decision not in ConsentDecision.values:
        errors["decision"] = _("Choose permit or deny.")
    if not data_classes or any(c not in DataClass.values for c in data_classes):
        errors["data_classes"] = _("Choose one or more known kinds of information.")
    if not purposes or any(p not in Purpose.values for p in purposes):
        errors["purposes"] = _("Choose one or more known purposes.")
    organizations = list(recipient_organizations)
    if any(s not in Sector.values for s in recipient_sectors):
        errors["recipient_sectors"] = _("Unknown sector.")
    if not organizations and not recipient_sectors and not recipient_care_team:
        errors["recipients"] = _(
            "Name at least one recipient: organizations, sectors or care team."
        )
    start = period_start or timezone.now()
    if period_end is not None and period_end <= start:
        errors["period_end"] = _("The end must come after the start.")
    if decision == ConsentDecision.PERMIT and _names_recorder(
        actor, person, organizations, recipient_sectors, recipient_care_team
    ):
        errors["recipients"] = _(
            "Police and justice cannot record a consent that names themselves; the person's "
            "consent to them is recorded by another partner."
        )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        consent = ConsentDirective.objects.create(
            person=person,
            decision=decision,
            data_classes=sorted(set(data_classes)),
            purposes=sorted(set(purposes)),
            recipient_sectors=sorted(set(recipient_sectors)),
            recipient_care_team=recipient_care_team,
            period_start=start,
            period_end=period_end,
            recorded_by_id=actor.user_id,
            recorded_for=actor.organization,
        )
        consent.recipient_organizations.set(organizations)
        _write_audit(
            actor, person, object_type="consent", object_id=consent.pk, data_class=DataClass.GENERAL
        )
    return consent


def consent_revoke(*, actor: Actor, consent: ConsentDirective, reason: str) -> ConsentDirective:
    """Revoke at once: the very next policy question no longer sees this consent."""
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the consent is revoked.")})
    _require_keeper(actor, consent.person)
    with transaction.atomic():
        locked = ConsentDirective.objects.select_for_update().get(pk=consent.pk)
        if locked.revoked_at is not None:
            raise ValidationError(_("This consent was already revoked."))
        locked.revoked_at = timezone.now()
        locked.revoked_by_id = actor.user_id
        locked.revocation_reason = reason.strip()
        locked.save(update_fields=["revoked_at", "revoked_by", "revocation_reason"])
        _write_audit(
            actor,
            locked.person,
            object_type="consent",
            object_id=locked.pk,
            data_class=DataClass.GENERAL,
        )
    return locked


def care_team_add(
    *,
    actor: Actor,
    person: Person,
    organization: Organization,
    user_id: int | None = None,
    role: str = "",
    is_lead: bool = False,
) -> CareTeamMember:
    _require_keeper(actor, person)
    if role and role not in Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    with transaction.atomic():
        member = CareTeamMember.objects.create(
            person=person, organization=organization, user_id=user_id, role=role, is_lead=is_lead
        )
        _write_audit(
            actor, person, object_type="care_team", object_id=member.pk, data_class="general"
        )
    return member


def care_team_end(*, actor: Actor, member: CareTeamMember) -> CareTeamMember:
    _require_keeper(actor, member.person)
    with transaction.atomic():
        member.ended_at = timezone.now()
        member.save(update_fields=["ended_at"])
        _write_audit(
            actor, member.person, object_type="care_team", object_id=member.pk, data_class="general"
        )
    return member


def emergency_access_grant(*, actor: Actor, person: Person, reason: str) -> EmergencyAccess:
    """Break the glass: a stated reason, a time limit, an audit row and a review flag."""
    reason = reason.strip()
    if len(reason) < MIN_REASON_LENGTH:
        raise ValidationError(
            {
                "reason": _("Give the reason in at least %(n)d characters.")
                % {"n": MIN_REASON_LENGTH}
            }
        )
    entitled = rules.emergency_access_classes(role=actor.role, sector=actor.organization.sector)
    if not entitled:
        raise PermissionDenied("This role cannot use emergency access.")
    now = timezone.now()
    with transaction.atomic():
        grant = EmergencyAccess.objects.create(
            person=person,
            user_id=actor.user_id,
            organization=actor.organization,
            role=actor.role,
            reason=reason,
            granted_at=now,
            expires_at=now + timedelta(minutes=EMERGENCY_ACCESS_MINUTES),
        )
        audit_append(
            actor=actor,
            action=AuditAction.EMERGENCY,
            permitted=True,
            purpose=Purpose.TREATMENT,
            person_id=person.pk,
            owner_organization_id=person.owner_organization_id,
            basis=rules.Basis.EMERGENCY,
            object_type="emergency_access",
            object_id=str(grant.pk),
        )
    return grant


def emergency_access_review(
    *, actor: Actor, grant: EmergencyAccess, outcome: str, note: str = ""
) -> EmergencyAccess:
    """The owning organization's admin closes the flag, justified or not."""
    if not actor.is_org_admin or grant.person.owner_organization_id != actor.organization.pk:
        raise PermissionDenied("Only the owning organization's admin reviews emergency access.")
    if outcome not in {"justified", "unjustified"}:
        raise ValidationError({"outcome": _("Choose justified or not justified.")})
    with transaction.atomic():
        locked = EmergencyAccess.objects.select_for_update().get(pk=grant.pk)
        if locked.reviewed_at is not None:
            raise ValidationError(_("This emergency access was already reviewed."))
        locked.reviewed_at = timezone.now()
        locked.reviewed_by_id = actor.user_id
        locked.review_outcome = outcome
        locked.review_note = note.strip()
        locked.save(update_fields=["reviewed_at", "reviewed_by", "review_outcome", "review_note"])
        _write_audit(
            actor,
            locked.person,
            object_type="emergency_access",
            object_id=locked.pk,
            data_class=DataClass.GENERAL,
        )
    return locked
