"""Capacity: how many beds, same-day slots or waitlist places a service has now."""

from __future__ import annotations

import logging
import math
from datetime import datetime
from typing import cast

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from carecircle.directory.models import (
    Metadata,
    Service,
    ServiceCapacity,
    Unit,
)
from carecircle.directory.services.common import (
    CAPACITY_MAX,
    UNIT_NAME_MAX,
    _as_text,
    _history_row,
    _owner,
    _require_editor,
    _touch_services,
)
from carecircle.partners.selectors import Actor

logger = logging.getLogger(__name__)


# --- Capacity ---------------------------------------------------------------------------------


def _clean_capacity(available: object, maximum: object) -> tuple[float, float | None]:
    errors: dict[str, str] = {}
    numbers: dict[str, float | None] = {}
    for field, value in (("available", available), ("maximum", maximum)):
        if value is None and field == "maximum":
            numbers[field] = None
            continue
        try:
            if isinstance(value, bool):
                raise TypeError
            number = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            errors[field] = _("Enter a number.")
            continue
        if not math.isfinite(number) or not 0 <= number <= CAPACITY_MAX:
            errors[field] = _("Enter a number from 0 to %(max)d.") % {"max": CAPACITY_MAX}
            continue
        numbers[field] = number
    if errors:
        raise ValidationError(errors)
    low, high = numbers["available"], numbers["maximum"]
    assert low is not None
    if high is not None and low > high:
        raise ValidationError(
            {
                "available": _("Available cannot be more than the maximum (%(max)s).")
                % {"max": _as_text(high)}
            }
        )
    return low, high


def _clean_unit_name(unit_name: object) -> str:
    if not isinstance(unit_name, str) or not unit_name.strip():
        raise ValidationError({"unit_name": _("Name what is counted, such as beds.")})
    name = " ".join(unit_name.split())
    if len(name) > UNIT_NAME_MAX:
        raise ValidationError(
            {"unit_name": _("Keep this under %(limit)d characters.") % {"limit": UNIT_NAME_MAX}}
        )
    return name


def capacity_update(
    *,
    actor: Actor,
    service: Service,
    unit_name: str,
    available: float,
    maximum: float | None = None,
) -> ServiceCapacity:
    """Say how many ``unit_name`` (beds, same-day slots...) the service has available now.

    The unit is found by name (any case) or created; the service's capacity row in that unit
    is created or updated. ``maximum=None`` leaves an existing maximum as it is.
    """
    _require_editor(actor, _owner(service))
    name = _clean_unit_name(unit_name)
    with transaction.atomic():
        unit = Unit.objects.filter(name__iexact=name).order_by("id").first()
        capacity = (
            ServiceCapacity.objects.select_for_update()
            .filter(service=service, unit=unit)
            .order_by("id")
            .first()
            if unit is not None
            else None
        )
        if maximum is None and capacity is not None:
            maximum = capacity.maximum
        low, high = _clean_capacity(available, maximum)
        if unit is None:
            unit = Unit.objects.create(name=name)
        now = timezone.now()
        if capacity is None:
            capacity = ServiceCapacity.objects.create(
                service=service, unit=unit, available=low, maximum=high, updated=now
            )
            rows = [
                _history_row(
                    obj=capacity,
                    action="create",
                    field=field,
                    previous=None,
                    replacement=value,
                    actor=actor,
                    when=now,
                )
                for field, value in (("unit", unit.name), ("available", low), ("maximum", high))
                if value is not None
            ]
            Metadata.objects.bulk_create(rows)
            _touch_services(Q(pk=service.pk), now)
        else:
            _capacity_write(capacity, low, high, actor=actor, when=now)
    return capacity


def capacity_adjust(*, actor: Actor, capacity: ServiceCapacity, delta: float) -> ServiceCapacity:
    """One tap: add ``delta`` (usually +1 or -1) to what is available, against the value in
    the database at that moment, so two quick taps from two people both count."""
    _require_editor(actor, _owner(cast(Service, capacity.service)))
    with transaction.atomic():
        current = ServiceCapacity.objects.select_for_update().get(pk=capacity.pk)
        low, high = _clean_capacity(current.available + delta, current.maximum)
        _capacity_write(current, low, high, actor=actor, when=timezone.now())
    capacity.available, capacity.maximum, capacity.updated = (
        current.available,
        current.maximum,
        current.updated,
    )
    return capacity


def capacity_set(
    *, actor: Actor, capacity: ServiceCapacity, available: float, maximum: float | None = None
) -> ServiceCapacity:
    """Set what is available (and the maximum, when given) on an existing capacity row."""
    return capacity_update(
        actor=actor,
        service=cast(Service, capacity.service),
        unit_name=capacity.unit.name,
        available=available,
        maximum=maximum,
    )


def _capacity_write(
    capacity: ServiceCapacity,
    available: float,
    maximum: float | None,
    *,
    actor: Actor,
    when: datetime,
) -> None:
    rows = [
        _history_row(
            obj=capacity,
            action="update",
            field=field,
            previous=getattr(capacity, field),
            replacement=value,
            actor=actor,
            when=when,
        )
        for field, value in (("available", available), ("maximum", maximum))
        if getattr(capacity, field) != value
    ]
    capacity.available, capacity.maximum, capacity.updated = available, maximum, when
    # Saying "still 3 beds" is news too: ``updated`` moves even when the number does not.
    capacity.save(update_fields=["available", "maximum", "updated"])
    Metadata.objects.bulk_create(rows)
    _touch_services(Q(pk=capacity.service_id), when)
