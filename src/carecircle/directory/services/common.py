"""What the directory's writes share: the fields partners may edit and how they are
checked, who may edit, and the HSDS metadata rows that keep the history."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, TypeVar, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db.models import Model, Q
from django.utils.translation import gettext as _

from carecircle.directory.models import (
    Location,
    Metadata,
    Organization,
    Service,
    ServiceAtLocation,
    ServiceCapacity,
)
from carecircle.directory.selectors import EDITOR_ROLES, can_edit_listings
from carecircle.partners.selectors import Actor

M = TypeVar("M", bound=Model)

SERVICE_STATUSES = ("active", "inactive", "defunct", "temporarily closed")
LOCATION_TYPES = ("physical", "postal", "virtual")
#: A reminder to verify a listing goes out at most this often per listing.
REMINDER_EVERY_DAYS = 30
CHUNK = 500
TEXT_MAX = 10_000
NAME_MAX = 500
UNIT_NAME_MAX = 100
CAPACITY_MAX = 1_000_000


# --- Validation -------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldRule:
    """How a field a partner may edit is checked: its kind, and whether it may be empty."""

    kind: str  # text, email, url, number, age, year, latitude, longitude, choice, bool, zone, date
    required: bool = False
    choices: tuple[str, ...] = ()
    max_length: int = TEXT_MAX


_TEXT = FieldRule("text")
_NAME = FieldRule("text", required=True, max_length=NAME_MAX)

#: The fields partners may change, per model (HSDS table). Ids, links and derived fields are
#: not here: they change through their own services, or not at all.
EDITABLE_FIELDS: dict[type[Model], dict[str, FieldRule]] = {
    Service: {
        "name": _NAME,
        "alternate_name": FieldRule("text", max_length=NAME_MAX),
        "description": _TEXT,
        "url": FieldRule("url"),
        "email": FieldRule("email"),
        "status": FieldRule("choice", required=True, choices=SERVICE_STATUSES),
        "interpretation_services": _TEXT,
        "application_process": _TEXT,
        "fees_description": _TEXT,
        "fees": _TEXT,
        "wait_time": _TEXT,
        "accreditations": _TEXT,
        "eligibility_description": _TEXT,
        "minimum_age": FieldRule("age"),
        "maximum_age": FieldRule("age"),
        "assured_date": FieldRule("date"),
        "assurer_email": FieldRule("email"),
        "licenses": _TEXT,
        "alert": _TEXT,
    },
    Organization: {
        "name": _NAME,
        "alternate_name": FieldRule("text", max_length=NAME_MAX),
        "description": FieldRule("text", required=True),
        "email": FieldRule("email"),
        "website": FieldRule("url"),
        "tax_status": _TEXT,
        "tax_id": _TEXT,
        "year_incorporated": FieldRule("year"),
        "legal_status": _TEXT,
        "logo": FieldRule("url"),
        "uri": FieldRule("url"),
    },
    Location: {
        "name": FieldRule("text", max_length=NAME_MAX),
        "alternate_name": FieldRule("text", max_length=NAME_MAX),
        "description": _TEXT,
        "transportation": _TEXT,
        "url": FieldRule("url"),
        "location_type": FieldRule("choice", required=True, choices=LOCATION_TYPES),
        "latitude": FieldRule("latitude"),
        "longitude": FieldRule("longitude"),
        "external_identifier": _TEXT,
        "external_identifier_type": _TEXT,
        "is_confidential": FieldRule("bool", required=True),
        "time_zone": FieldRule("zone", required=True),
    },
    ServiceAtLocation: {"description": _TEXT},
}

#: HSDS table names, for ``metadata.resource_type``.
RESOURCE_TYPES: dict[type[Model], str] = {
    Service: "service",
    Organization: "organization",
    Location: "location",
    ServiceAtLocation: "service_at_location",
    ServiceCapacity: "service_capacity",
}


def _clean_value(field: str, rule: FieldRule, value: object) -> object:
    """The stored form of ``value`` for ``field``; ValidationError naming the field if bad."""
    if isinstance(value, str):
        value = value.strip()
    if value is None or value == "":
        if rule.required:
            raise ValidationError({field: _("This field is required.")})
        return False if rule.kind == "bool" else None
    kind = rule.kind
    if kind == "bool":
        if not isinstance(value, bool):
            raise ValidationError({field: _("Enter true or false.")})
        return value
    if kind in ("number", "age", "year", "latitude", "longitude"):
        return _clean_number(field, kind, value)
    if not isinstance(value, str):
        raise ValidationError({field: _("Enter text.")})
    if len(value) > rule.max_length:
        raise ValidationError(
            {field: _("Keep this under %(limit)d characters.") % {"limit": rule.max_length}}
        )
    if kind == "email":
        try:
            EmailValidator()(value)
        except ValidationError:
            raise ValidationError({field: _("Enter a valid email address.")}) from None
    elif kind == "url":
        try:
            URLValidator(schemes=["http", "https"])(value)
        except ValidationError:
            raise ValidationError(
                {field: _("Enter a full web address starting with https:// or http://.")}
            ) from None
    elif kind == "choice" and value not in rule.choices:
        raise ValidationError(
            {field: _("Choose one of: %(choices)s.") % {"choices": ", ".join(rule.choices)}}
        )
    elif kind == "zone":
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValidationError(
                {field: _("Enter a time zone such as America/Toronto.")}
            ) from None
    elif kind == "date":
        try:
            date.fromisoformat(value)
        except ValueError:
            raise ValidationError({field: _("Enter a date as YYYY-MM-DD.")}) from None
    return value


def _clean_number(field: str, kind: str, value: object) -> float:
    if isinstance(value, bool):
        raise ValidationError({field: _("Enter a number.")})
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValidationError({field: _("Enter a number.")}) from None
    limits = {
        "number": (-1e12, 1e12),
        "age": (0, 130),
        "year": (1000, 2200),
        "latitude": (-90, 90),
        "longitude": (-180, 180),
    }
    low, high = limits[kind]
    if not math.isfinite(number) or not low <= number <= high:
        raise ValidationError(
            {field: _("Enter a number from %(low)s to %(high)s.") % {"low": low, "high": high}}
        )
    if kind == "year" and number != int(number):
        raise ValidationError({field: _("Enter a whole year.")})
    return number


def _clean_changes(model: type[Model], changes: dict[str, object]) -> dict[str, object]:
    rules = EDITABLE_FIELDS[model]
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, object] = {}
    for field, value in changes.items():
        rule = rules.get(field)
        if rule is None:
            errors[field] = [_("This field cannot be changed here.")]
            continue
        try:
            cleaned[field] = _clean_value(field, rule, value)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return cleaned


def _check_ages(values: dict[str, Any]) -> None:
    low, high = values.get("minimum_age"), values.get("maximum_age")
    if low is not None and high is not None and low > high:
        raise ValidationError(
            {"maximum_age": _("The maximum age must not be below the minimum age.")}
        )


# --- Permission and history -------------------------------------------------------------------


def _owner(service: Service) -> Organization | None:
    # The HSDS foreign keys are built by a helper, so the stubs cannot see their target type.
    return cast("Organization | None", service.organization)


def _directory_organization(obj: Model) -> Organization | None:
    if isinstance(obj, Organization):
        return obj
    if isinstance(obj, Service):
        return _owner(obj)
    if isinstance(obj, Location):
        return cast("Organization | None", obj.organization)
    if isinstance(obj, ServiceAtLocation | ServiceCapacity):
        return _owner(cast(Service, obj.service))
    raise TypeError(f"{type(obj).__name__} is not a listing")


def _require_editor(actor: Actor, organization: Organization | None) -> Organization:
    if actor.role not in EDITOR_ROLES:
        raise PermissionDenied(
            _("Only an organization admin or a coordinator can change listings.")
        )
    if organization is None or not can_edit_listings(actor=actor, organization=organization):
        raise PermissionDenied(_("This listing is maintained by another organization."))
    return organization


def action_date(moment: datetime) -> str:
    """``metadata.last_action_date``: an RFC 3339 UTC time with microseconds. HSDS asks for
    "the date"; the time of day keeps the history in order (the strings sort as times do)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _as_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return action_date(value)
    return str(value)


def _history_row(
    *,
    obj: Model,
    action: str,
    field: str,
    previous: object,
    replacement: object,
    actor: Actor,
    when: datetime,
) -> Metadata:
    return Metadata(
        resource_id=obj.pk,
        resource_type=RESOURCE_TYPES[type(obj)],
        last_action_date=action_date(when),
        last_action_type=action,
        field_name=field,
        previous_value=_as_text(previous),
        replacement_value=_as_text(replacement),
        updated_by=actor.username,
    )


def _touch_services(services: Q, when: datetime) -> None:
    """HSDS ``last_modified``: the service, or anything about it, changed."""
    Service.objects.filter(services).update(last_modified=when)
