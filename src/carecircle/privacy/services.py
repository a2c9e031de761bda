"""Writes of the privacy core: people, consent directives, care teams, emergency access.

Each is one transaction with its audit row; a refused request leaves nothing behind.
"""

from __future__ import annotations

import base64
import binascii
import struct
import zlib
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from carecircle.partners.models import Organization, PrivacyRegime, Role, Sector
from carecircle.partners.selectors import Actor
from carecircle.privacy import policy, rules
from carecircle.privacy.audit import audit_append
from carecircle.privacy.models import (
    AuditAction,
    CareTeamMember,
    ConsentCapture,
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


#: A signature drawn on screen is a small PNG; anything bigger is not one, or not only one.
SIGNATURE_MAX_BYTES = 200 * 1024
SIGNATURE_DATA_URL_PREFIX = "data:image/png;base64,"
#: Generous bounds for a phone or tablet canvas at twice its CSS size.
SIGNATURE_MAX_SIDE = 4096
#: ...and at most this many bytes of raw image data (a 2400 x 1200 canvas of 8-bit RGBA is
#: 11.5 MB), inflated a megabyte at a time: a small file must not cost a large allocation.
SIGNATURE_MAX_RAW_BYTES = 16 * 1024 * 1024
_INFLATE_STEP = 1024 * 1024
ATTESTATION_MAX_LENGTH = 2000
NOTE_MAX_LENGTH = 300

_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
#: PNG colour type -> (samples per pixel, allowed bit depths).
_PNG_COLOUR_TYPES: dict[int, tuple[int, frozenset[int]]] = {
    0: (1, frozenset({1, 2, 4, 8, 16})),
    2: (3, frozenset({8, 16})),
    3: (1, frozenset({1, 2, 4, 8})),
    4: (2, frozenset({8, 16})),
    6: (4, frozenset({8, 16})),
}


def png_problem(data: bytes, *, max_side: int = SIGNATURE_MAX_SIDE) -> str | None:
    """What is wrong with these bytes as a PNG image, or None for a sound one.

    Walks every chunk (lengths and CRCs), checks the header, and inflates the image data with
    a bound taken from the header, so neither a truncated file nor a decompression bomb passes.
    """
    if not data.startswith(_PNG_MAGIC):
        return "not a PNG file"
    pos = len(_PNG_MAGIC)
    expected: int | None = None
    interlaced = False
    inflater = zlib.decompressobj()
    inflated = 0
    seen_data = False
    first = True
    while pos + 12 <= len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        end = pos + 12 + length
        if end > len(data):
            return "truncated"
        body = data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[end - 4 : end])
        if zlib.crc32(kind + body) != crc:
            return "corrupt chunk"
        if first and kind != b"IHDR":
            return "no header"
        first = False
        if kind == b"IHDR":
            if length != 13 or expected is not None:
                return "bad header"
            width, height, depth, colour, _compression, _filter, interlace = struct.unpack(
                ">IIBBBBB", body
            )
            if not (0 < width <= max_side and 0 < height <= max_side):
                return "image size out of range"
            if colour not in _PNG_COLOUR_TYPES or depth not in _PNG_COLOUR_TYPES[colour][1]:
                return "bad colour type"
            if interlace not in (0, 1):
                return "bad interlace method"
            samples = _PNG_COLOUR_TYPES[colour][0]
            row = (width * samples * depth + 7) // 8
            interlaced = interlace == 1
            # Adam7 spreads the rows over seven passes (fewer than 2h + 7 rows in all), each
            # with its own filter byte and up to one byte of padding.
            expected = height * (row + 1) + (4 * height + 14 if interlaced else 0)
            if expected > SIGNATURE_MAX_RAW_BYTES:
                return "image too large"
        elif kind == b"IDAT":
            if expected is None:
                return "no header"
            seen_data = True
            pending = body
            while pending:
                try:
                    inflated += len(inflater.decompress(pending, _INFLATE_STEP))
                except zlib.error:
                    return "corrupt image data"
                if inflated > expected:
                    return "image data larger than its header says"
                pending = inflater.unconsumed_tail
        elif kind == b"IEND":
            if end != len(data):
                return "data after the end"
            if not seen_data or not inflater.eof or (not interlaced and inflated != expected):
                return "incomplete image data"
            return None
        pos = end
    return "truncated"


def signature_problem(signature: str) -> str | None:
    """Why this is not an acceptable on-screen signature (translated), or None."""
    if not signature.startswith(SIGNATURE_DATA_URL_PREFIX):
        return _("The signature must be a PNG image drawn on screen.")
    encoded = signature[len(SIGNATURE_DATA_URL_PREFIX) :]
    # Base64 is four characters for three bytes: refuse oversized input before decoding it.
    if len(encoded) > (SIGNATURE_MAX_BYTES + 2) // 3 * 4:
        return _("The signature image is too large (over %(kb)d KB). Clear it and sign again.") % {
            "kb": SIGNATURE_MAX_BYTES // 1024
        }
    try:
        data = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        return _("The signature could not be read. Clear it and sign again.")
    if len(data) > SIGNATURE_MAX_BYTES:
        return _("The signature image is too large (over %(kb)d KB). Clear it and sign again.") % {
            "kb": SIGNATURE_MAX_BYTES // 1024
        }
    if png_problem(data) is not None:
        return _("The signature is not a valid PNG image. Clear it and sign again.")
    return None


def _capture_errors(
    *,
    capture_method: str,
    signature: str,
    attestation: str,
    explicit: bool,
    needs_signature: bool,
) -> dict[str, str]:
    """How the person gave their consent: each method needs its own evidence.

    ``explicit`` is False for callers that predate capture (demo data, imports): they record
    the directive without evidence, shown as "not recorded".
    """
    errors: dict[str, str] = {}
    if capture_method not in ConsentCapture.values:
        errors["capture_method"] = _("Choose how the person gave their consent.")
        return errors
    if capture_method == ConsentCapture.SIGNATURE:
        if not signature:
            errors["signature"] = _("Ask the person to sign in the box, or choose another way.")
        else:
            problem = signature_problem(signature)
            if problem:
                errors["signature"] = problem
    elif signature:
        errors["signature"] = _("A signature drawn on screen goes with “Signed on screen”.")
    if capture_method == ConsentCapture.VERBAL and explicit and not attestation:
        errors["attestation"] = _(
            "Attest that you read the consent to the person and they agreed out loud."
        )
    if len(attestation) > ATTESTATION_MAX_LENGTH:
        errors["attestation"] = _("Keep the attestation under %(n)d characters.") % {
            "n": ATTESTATION_MAX_LENGTH
        }
    if needs_signature and explicit and capture_method == ConsentCapture.VERBAL:
        # 42 CFR 2.31(a)(8): a Part 2 consent carries the patient's signature (electronic is
        # fine); a verbal agreement does not allow disclosing substance-use treatment records.
        errors["capture_method"] = _(
            "Sharing substance-use treatment information needs the person's signature "
            "(42 CFR Part 2): ask them to sign on screen or on paper."
        )
    return errors


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
    capture_method: str | None = None,
    signature: str = "",
    attestation: str = "",
    note: str = "",
) -> ConsentDirective:
    """Record a person's consent directive; errors name the field and nothing is written.

    ``capture_method`` says how the person gave it: ``signature`` (``signature`` holds the PNG
    data URL drawn on screen), ``verbal`` (``attestation`` holds the worker's statement) or
    ``paper`` (a signed form kept on file). Callers that leave it out record no evidence.
    """
    _require_keeper(actor, person)
    errors: dict[str, str] = {}
    attestation = attestation.strip()
    note = note.strip()
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
    is_part2 = (
        decision == ConsentDecision.PERMIT
        and DataClass.SUBSTANCE_USE in data_classes
        and policy.owner_regime(person) == PrivacyRegime.US_PART2_HIPAA
    )
    errors.update(
        _capture_errors(
            capture_method=capture_method or ConsentCapture.VERBAL,
            signature=signature,
            attestation=attestation,
            explicit=capture_method is not None,
            needs_signature=is_part2,
        )
    )
    if len(note) > NOTE_MAX_LENGTH:
        errors["note"] = _("Keep the note under %(n)d characters.") % {"n": NOTE_MAX_LENGTH}
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
            capture_method=capture_method or ConsentCapture.VERBAL,
            signature=signature,
            attestation=attestation,
            note=note,
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


def care_team_set_lead(*, actor: Actor, member: CareTeamMember) -> CareTeamMember:
    """Make this current member the care team's one lead (the others stop being lead)."""
    _require_keeper(actor, member.person)
    if member.ended_at is not None:
        raise ValidationError(_("This member has left the care team."))
    with transaction.atomic():
        CareTeamMember.objects.filter(person=member.person, is_lead=True).exclude(
            pk=member.pk
        ).update(is_lead=False)
        member.is_lead = True
        member.save(update_fields=["is_lead"])
        _write_audit(
            actor, member.person, object_type="care_team", object_id=member.pk, data_class="general"
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
