"""Writes for the directory: partners keeping their listings true, and the derived tables.

Every change a person makes goes through here and leaves HSDS ``metadata`` rows (which object,
which field, from, to, who, when): that is the directory's change history and its audit trail
(listings are not person-level data, so the privacy audit chain is not involved). Only an
organization admin or a coordinator acting for the partner organization linked to a directory
organization (``Organization.partner``) may change its listings.

``opening_intervals_rebuild`` and ``search_document_rebuild`` keep the derived tables (the
weekly opening minutes behind "open now", the text behind free-text search) in step; the
writes here call them, and so should importers and the demo-data builder after bulk writes.

The code is split by concern (``listings``, ``capacity``, ``derived``, ``reminders``, with
``common`` holding validation, permission and history); import from this package.
"""

from carecircle.directory.services.capacity import capacity_adjust, capacity_set, capacity_update
from carecircle.directory.services.common import (
    EDITABLE_FIELDS,
    LOCATION_TYPES,
    REMINDER_EVERY_DAYS,
    SERVICE_STATUSES,
    action_date,
)
from carecircle.directory.services.derived import (
    dated_schedule_service_ids,
    opening_intervals_rebuild,
    search_document_rebuild,
)
from carecircle.directory.services.listings import listing_update, listing_verify, service_create
from carecircle.directory.services.reminders import listing_unverified_remind

__all__ = [
    "EDITABLE_FIELDS",
    "LOCATION_TYPES",
    "REMINDER_EVERY_DAYS",
    "SERVICE_STATUSES",
    "action_date",
    "capacity_adjust",
    "capacity_set",
    "capacity_update",
    "dated_schedule_service_ids",
    "listing_unverified_remind",
    "listing_update",
    "listing_verify",
    "opening_intervals_rebuild",
    "search_document_rebuild",
    "service_create",
]
