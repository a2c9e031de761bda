"""Writes to the client registry: records, their support network and notes, through the
privacy core.

Identity, contact, demographics and supports are general data. Only the organization that
holds the record changes them. Notes (and the care plan) are written only by the holder and the
organizations on the care team (``record_may_write``), each in the classes the policy lets it
read: a consent to read never makes an organization a writer.

No text holds a NUL character: PostgreSQL refuses one, so it is an error naming the field.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from carecircle.clients.models import (
    Client,
    ClientEntry,
    HousingStatus,
    Identification,
    ParentStatus,
    SupportContact,
    SupportKind,
    YesNoUnsaid,
)
from carecircle.clients.names import client_search_name
from carecircle.clients.selectors.records import record_may_write
from carecircle.partners.selectors import Actor
from carecircle.privacy import policy
from carecircle.privacy.audit import audit_decision
from carecircle.privacy.models import AuditAction, DataClass, Person, Purpose
from carecircle.privacy.rules import ROLE_CLASSES, Basis, Decision, Reason
from carecircle.privacy.services import person_create

#: Everything a client record says about the person, in the order the form asks it.
PROFILE_FIELDS: tuple[str, ...] = (
    "identification",
    "preferred_name",
    "alias",
    "legal_given_name",
    "legal_family_name",
    "identifier_code",
    "birth_date",
    "birth_year",
    "gender_identity",
    "pronouns",
    "indigenous_identity",
    "two_slgbtq",
    "languages",
    "rural_remote",
    "housing_status",
    "parent_status",
    "phone",
    "email",
    "safe_to_text",
    "safe_to_voicemail",
    "safe_contact_time",
    "contact_notes",
)
#: Accepted on input, never stored: the age, when the person prefers not to give a birth date.
INPUT_ONLY_FIELDS: tuple[str, ...] = ("age",)

_TEXT_FIELDS = (
    "preferred_name",
    "alias",
    "legal_given_name",
    "legal_family_name",
    "gender_identity",
    "pronouns",
    "indigenous_identity",
    "phone",
    "safe_contact_time",
    "contact_notes",
)
_CHOICES: dict[str, Iterable[str]] = {
    "two_slgbtq": YesNoUnsaid.values,
    "rural_remote": YesNoUnsaid.values,
    "safe_to_text": YesNoUnsaid.values,
    "safe_to_voicemail": YesNoUnsaid.values,
    "housing_status": HousingStatus.values,
    "parent_status": ParentStatus.values,
}
_NAMES = ("preferred_name", "alias", "legal_given_name", "legal_family_name")
_CODE = re.compile(r"[A-Z0-9][A-Z0-9-]*")
_PHONE = re.compile(r"[0-9+()\-. ]+")
MAX_AGE = 120
MAX_LANGUAGES = 12
LANGUAGE_LENGTH = 40
EARLIEST_BIRTH = date(1900, 1, 1)


class _Errors:
    """Field errors gathered in one pass, so the person fixing the form sees them all."""

    def __init__(self) -> None:
        self.by_field: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.by_field.setdefault(field, []).append(message)

    def raise_any(self) -> None:
        if self.by_field:
            raise ValidationError(self.by_field)


NUL = "\x00"


def nul_errors(values: Mapping[str, object]) -> dict[str, str]:
    """The fields whose text (or any text in a list) holds a NUL character, each with its error.

    PostgreSQL cannot store a NUL in text, and no person's words need one: refuse it by name
    rather than fail on the database."""
    message = _("Remove the NUL character from this text: it cannot be saved.")
    errors = {}
    for field, value in values.items():
        items = value if isinstance(value, list | tuple) else [value]
        if any(isinstance(item, str) and NUL in item for item in items):
            errors[field] = message
    return errors


def reject_nul(values: Mapping[str, object]) -> None:
    """Raise a ValidationError naming every field whose text holds a NUL character."""
    errors = nul_errors(values)
    if errors:
        raise ValidationError(errors)


def _max_length(field: str) -> int:
    return int(getattr(Client._meta.get_field(field), "max_length", 0) or 0)


def _as_date(value: object, field: str, errors: _Errors) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        errors.add(field, _("Give a date as YYYY-MM-DD."))
        return None


def _as_int(value: object, field: str, errors: _Errors) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        errors.add(field, _("Give a whole number."))
        return None
    try:
        return int(str(value).strip())
    except ValueError:
        errors.add(field, _("Give a whole number."))
        return None


def _languages(value: object, errors: _Errors) -> list[str]:
    if value in (None, ""):
        return []
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list | tuple):
        errors.add("languages", _("List the languages, separated by commas."))
        return []
    kept: dict[str, str] = {}
    for item in items:
        text = str(item).strip()
        if not text:
            continue
        if len(text) > LANGUAGE_LENGTH:
            errors.add(
                "languages",
                _("Each language is at most %(n)d characters.") % {"n": LANGUAGE_LENGTH},
            )
            return []
        kept.setdefault(text.casefold(), text)
    if len(kept) > MAX_LANGUAGES:
        errors.add("languages", _("List at most %(n)d languages.") % {"n": MAX_LANGUAGES})
        return []
    return list(kept.values())


def _age_on(birth: date, today: date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def client_profile_clean(values: Mapping[str, Any], *, today: date | None = None) -> dict[str, Any]:
    """Check and normalize a whole client profile; every problem is named by its field.

    Returns the values to store (with ``search_name``); ``age`` becomes ``birth_year`` when no
    birth date is given. The identification level, when empty, follows from what is given:
    a legal name -> identified, else a preferred name or alias -> alias, else a code ->
    pseudonymous.
    """
    today = today or timezone.localdate()
    errors = _Errors()
    unknown = sorted(set(values) - set(PROFILE_FIELDS) - set(INPUT_ONLY_FIELDS))
    for field in unknown:
        errors.add(field, _("Unknown field."))
    # Nothing else is checked of a text that cannot be saved at all.
    unsaveable = nul_errors(values)
    if unsaveable:
        for field, message in unsaveable.items():
            errors.add(field, message)
        errors.raise_any()
    out: dict[str, Any] = {}

    for field in _TEXT_FIELDS:
        text = str(values.get(field) or "").strip()
        if len(text) > _max_length(field):
            errors.add(field, _("Use at most %(n)d characters.") % {"n": _max_length(field)})
        out[field] = text

    code = re.sub(r"\s+", "", str(values.get("identifier_code") or "")).upper()
    if code and (len(code) > _max_length("identifier_code") or not _CODE.fullmatch(code)):
        errors.add(
            "identifier_code",
            _("Use at most %(n)d letters, digits and dashes.")
            % {"n": _max_length("identifier_code")},
        )
    out["identifier_code"] = code

    for field, allowed in _CHOICES.items():
        choice = str(values.get(field) or "")
        if choice not in allowed:
            errors.add(field, _("Choose one of the options."))
        out[field] = choice

    email = str(values.get("email") or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors.add("email", _("Give a valid email address, or leave it empty."))
    out["email"] = email
    phone = out["phone"]
    if phone and (not _PHONE.fullmatch(phone) or sum(ch.isdigit() for ch in phone) < 3):
        errors.add("phone", _("Use digits, spaces and + ( ) - only."))

    out["languages"] = _languages(values.get("languages"), errors)

    # Age or birth date, both optional; the birth year serves the duplicate check.
    birth_date = _as_date(values.get("birth_date"), "birth_date", errors)
    age = _as_int(values.get("age"), "age", errors)
    birth_year = _as_int(values.get("birth_year"), "birth_year", errors)
    if birth_date is not None and not EARLIEST_BIRTH <= birth_date <= today:
        errors.add("birth_date", _("Give a birth date between 1900 and today."))
        birth_date = None
    if age is not None and not 0 <= age <= MAX_AGE:
        errors.add("age", _("Give an age between 0 and %(n)d.") % {"n": MAX_AGE})
        age = None
    if birth_year is not None and not EARLIEST_BIRTH.year <= birth_year <= today.year:
        errors.add("birth_year", _("Give a birth year between 1900 and this year."))
        birth_year = None
    if birth_date is not None:
        if age is not None and abs(_age_on(birth_date, today) - age) > 0:
            errors.add("age", _("The age does not match the birth date; give one or the other."))
        birth_year = birth_date.year
    elif age is not None:
        # Approximate by a year at most: enough to tell two people apart, no more asked.
        birth_year = today.year - age
    out["birth_date"] = birth_date
    out["birth_year"] = birth_year

    # How the person is known decides which names are needed.
    identification = str(values.get("identification") or "")
    legal = out["legal_given_name"] or out["legal_family_name"]
    chosen = out["preferred_name"] or out["alias"]
    if not identification:
        if legal:
            identification = Identification.IDENTIFIED
        elif chosen:
            identification = Identification.ALIAS
        elif code:
            identification = Identification.PSEUDONYMOUS
        else:
            errors.add(
                "preferred_name", _("Give a preferred name or an identifier code (or both).")
            )
            identification = Identification.ALIAS
    if identification not in Identification.values:
        errors.add("identification", _("Choose how the person is known."))
    elif identification == Identification.IDENTIFIED:
        if not out["legal_given_name"]:
            errors.add(
                "legal_given_name",
                _("Give the legal given name, or choose another way the person is known."),
            )
        if not out["legal_family_name"]:
            errors.add(
                "legal_family_name",
                _("Give the legal family name, or choose another way the person is known."),
            )
    elif identification == Identification.ALIAS:
        if not chosen and "preferred_name" not in errors.by_field:
            errors.add("preferred_name", _("Give the name the person goes by, or an alias."))
    elif identification == Identification.PSEUDONYMOUS:
        if not code and "identifier_code" not in errors.by_field:
            errors.add("identifier_code", _("Give the person's identifier code."))
        for field in _NAMES:
            if out[field]:
                errors.add(
                    field, _("A record known by a code only holds no name: leave this empty.")
                )
    out["identification"] = identification

    errors.raise_any()
    out["search_name"] = client_search_name(
        preferred_name=out["preferred_name"],
        alias=out["alias"],
        legal_given_name=out["legal_given_name"],
        legal_family_name=out["legal_family_name"],
    )
    return out


def _audit_write(
    *,
    actor: Actor,
    person: Person,
    decision: Decision,
    purpose: str,
    data_class: str,
    object_type: str,
    object_id: object = "",
) -> None:
    audit_decision(
        actor=actor,
        decision=decision,
        action=AuditAction.WRITE,
        purpose=purpose,
        person_id=person.pk,
        owner_organization_id=person.owner_organization_id,
        data_class=data_class,
        object_type=object_type,
        object_id=str(object_id) if object_id else "",
    )


def _require_holder(
    *, actor: Actor, person: Person, purpose: str, object_type: str, object_id: object = ""
) -> Decision:
    """Decide a change of general data: only the organization holding the record, as the
    policy allows. A refusal is audited and raised; nothing is written."""
    holder = person.owner_organization_id == actor.organization.pk
    decision = (
        policy.evaluate(actor=actor, person=person, data_class=DataClass.GENERAL, purpose=purpose)
        if holder
        else Decision(
            False,
            Basis.NONE,
            "only the organization that holds the record changes it",
            code=Reason.NO_BASIS,
        )
    )
    if not decision.permitted:
        _audit_write(
            actor=actor,
            person=person,
            decision=decision,
            purpose=purpose,
            data_class=DataClass.GENERAL,
            object_type=object_type,
            object_id=object_id,
        )
        raise PermissionDenied(
            decision.reason
            if holder
            else _("Only the organization that holds the record may change it.")
        )
    return decision


def require_writer(
    *, actor: Actor, person: Person, purpose: str, data_class: str, object_type: str
) -> None:
    """Refuse (audited) a write by an organization that neither holds the record nor is on
    the care team now, or that is police or justice and does not hold it, whatever the policy
    lets it read: a consent to read is not authority to write."""
    if record_may_write(actor=actor, person=person):
        return
    _audit_write(
        actor=actor,
        person=person,
        decision=Decision(
            False,
            Basis.NONE,
            "only the holder and the care team write to the record",
            code=Reason.NO_BASIS,
        ),
        purpose=purpose,
        data_class=data_class,
        object_type=object_type,
    )
    raise PermissionDenied(
        _(
            "Only the organization that holds the record and the organizations on the care "
            "team add to it."
        )
    )


def client_create(
    *,
    actor: Actor,
    preferred_name: str = "",
    identifier_code: str = "",
    identification: str = "",
    alias: str = "",
    legal_given_name: str = "",
    legal_family_name: str = "",
    birth_date: date | str | None = None,
    birth_year: int | None = None,
    age: int | None = None,
    gender_identity: str = "",
    pronouns: str = "",
    indigenous_identity: str = "",
    two_slgbtq: str = "",
    languages: Iterable[str] | str = (),
    rural_remote: str = "",
    housing_status: str = "",
    parent_status: str = "",
    phone: str = "",
    email: str = "",
    safe_to_text: str = "",
    safe_to_voicemail: str = "",
    safe_contact_time: str = "",
    contact_notes: str = "",
) -> Client:
    """A new record held by the actor's organization: fully identified, known by a chosen
    name or alias, or by an identifier code only. Errors name the field; nothing is written."""
    if DataClass.GENERAL not in ROLE_CLASSES.get(actor.role, frozenset()):
        raise PermissionDenied(_("Your role does not create client records."))
    values = client_profile_clean(
        {
            "identification": identification,
            "preferred_name": preferred_name,
            "alias": alias,
            "legal_given_name": legal_given_name,
            "legal_family_name": legal_family_name,
            "identifier_code": identifier_code,
            "birth_date": birth_date,
            "birth_year": birth_year,
            "age": age,
            "gender_identity": gender_identity,
            "pronouns": pronouns,
            "indigenous_identity": indigenous_identity,
            "two_slgbtq": two_slgbtq,
            "languages": list(languages) if not isinstance(languages, str) else languages,
            "rural_remote": rural_remote,
            "housing_status": housing_status,
            "parent_status": parent_status,
            "phone": phone,
            "email": email,
            "safe_to_text": safe_to_text,
            "safe_to_voicemail": safe_to_voicemail,
            "safe_contact_time": safe_contact_time,
            "contact_notes": contact_notes,
        }
    )
    with transaction.atomic():
        # person_create writes the audit row of the new record (object "person").
        person = person_create(actor=actor)
        return Client.objects.create(person=person, **values)


def client_update(
    *,
    actor: Actor,
    client: Client,
    changes: Mapping[str, Any],
    purpose: str = Purpose.CARE_COORDINATION,
) -> Client:
    """Change some of a record's general data (the fields not named keep their value).

    Only the organization holding the record, as the policy allows; audited either way.
    """
    decision = _require_holder(
        actor=actor,
        person=client.person,
        purpose=purpose,
        object_type="client",
        object_id=client.pk,
    )
    current: dict[str, Any] = {field: getattr(client, field) for field in PROFILE_FIELDS}
    if "age" in changes and "birth_year" not in changes:
        current["birth_year"] = None  # the new age replaces the year it was once derived from
        if "birth_date" not in changes:
            current["birth_date"] = None
    values = client_profile_clean({**current, **changes})
    with transaction.atomic():
        locked = Client.objects.select_for_update().get(pk=client.pk)
        for field, value in values.items():
            setattr(locked, field, value)
        locked.updated_at = timezone.now()
        locked.save()
        _audit_write(
            actor=actor,
            person=client.person,
            decision=decision,
            purpose=purpose,
            data_class=DataClass.GENERAL,
            object_type="client",
            object_id=client.pk,
        )
    locked.person = client.person
    return locked


def support_contact_add(
    *,
    actor: Actor,
    client: Client,
    name: str,
    kind: str,
    relationship: str = "",
    phone: str = "",
    is_emergency_contact: bool = False,
    may_be_contacted: bool = False,
    purpose: str = Purpose.CARE_COORDINATION,
) -> SupportContact:
    """Someone in the person's support network; at most one is the emergency contact (naming
    a new one replaces the old)."""
    decision = _require_holder(
        actor=actor, person=client.person, purpose=purpose, object_type="support_contact"
    )
    reject_nul({"name": name, "kind": kind, "relationship": relationship, "phone": phone})
    errors = _Errors()
    name = name.strip()
    relationship = relationship.strip()
    phone = phone.strip()
    if not name:
        errors.add("name", _("Give the name the person uses for them."))
    elif len(name) > 120:
        errors.add("name", _("Use at most %(n)d characters.") % {"n": 120})
    if kind not in SupportKind.values:
        errors.add("kind", _("Choose a relationship."))
    if len(relationship) > 120:
        errors.add("relationship", _("Use at most %(n)d characters.") % {"n": 120})
    if phone and (
        len(phone) > 40 or not _PHONE.fullmatch(phone) or sum(ch.isdigit() for ch in phone) < 3
    ):
        errors.add("phone", _("Use digits, spaces and + ( ) - only."))
    if is_emergency_contact and not phone:
        errors.add("phone", _("An emergency contact needs a phone number."))
    errors.raise_any()
    with transaction.atomic():
        if is_emergency_contact:
            SupportContact.objects.filter(client=client, is_emergency_contact=True).update(
                is_emergency_contact=False
            )
        contact = SupportContact.objects.create(
            client=client,
            name=name,
            kind=kind,
            relationship=relationship,
            phone=phone,
            is_emergency_contact=is_emergency_contact,
            may_be_contacted=may_be_contacted,
        )
        _audit_write(
            actor=actor,
            person=client.person,
            decision=decision,
            purpose=purpose,
            data_class=DataClass.GENERAL,
            object_type="support_contact",
            object_id=contact.pk,
        )
    return contact


def support_contact_remove(
    *,
    actor: Actor,
    client: Client,
    contact_id: int,
    purpose: str = Purpose.CARE_COORDINATION,
) -> None:
    """Take someone out of the person's support network."""
    decision = _require_holder(
        actor=actor,
        person=client.person,
        purpose=purpose,
        object_type="support_contact",
        object_id=contact_id,
    )
    with transaction.atomic():
        contact = SupportContact.objects.filter(client=client, pk=contact_id).first()
        if contact is None:
            raise ValidationError({"contact": _("This person is not in the support network.")})
        contact.delete()
        _audit_write(
            actor=actor,
            person=client.person,
            decision=decision,
            purpose=purpose,
            data_class=DataClass.GENERAL,
            object_type="support_contact",
            object_id=contact_id,
        )


def client_entry_add(
    *,
    actor: Actor,
    client: Client,
    data_class: str,
    body: str,
    purpose: str = Purpose.TREATMENT,
) -> ClientEntry:
    """Add a labelled note: only the holder and the care team's organizations write, and
    writing a class needs the same permission as reading it. A refusal is audited."""
    reject_nul({"data_class": data_class, "body": body})
    if data_class not in DataClass.values:
        raise ValidationError({"data_class": _("Choose a known kind of information.")})
    if not body.strip():
        raise ValidationError({"body": _("Write the note.")})
    require_writer(
        actor=actor,
        person=client.person,
        purpose=purpose,
        data_class=data_class,
        object_type="client_entry",
    )
    decision = policy.evaluate(
        actor=actor, person=client.person, data_class=data_class, purpose=purpose
    )
    with transaction.atomic():
        entry = None
        if decision.permitted:
            entry = ClientEntry.objects.create(
                client=client,
                data_class=data_class,
                organization=actor.organization,
                author_id=actor.user_id,
                body=body.strip(),
            )
        _audit_write(
            actor=actor,
            person=client.person,
            decision=decision,
            purpose=purpose,
            data_class=data_class,
            object_type="client_entry",
            object_id=entry.pk if entry else "",
        )
    if entry is None:
        raise PermissionDenied(decision.reason)
    return entry
