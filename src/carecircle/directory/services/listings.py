"""Partners' writes to their listings: update, create, verify."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from carecircle.directory.models import (
    Attribute,
    Location,
    Metadata,
    Organization,
    Service,
    ServiceAtLocation,
    TaxonomyTerm,
    VerificationReminder,
)
from carecircle.directory.services.common import (
    EDITABLE_FIELDS,
    RESOURCE_TYPES,
    M,
    _check_ages,
    _clean_changes,
    _directory_organization,
    _history_row,
    _owner,
    _require_editor,
    _touch_services,
)
from carecircle.directory.services.derived import (
    opening_intervals_rebuild,
    search_document_rebuild,
)
from carecircle.partners.selectors import Actor

logger = logging.getLogger(__name__)


# --- Listings ---------------------------------------------------------------------------------


def listing_update(*, actor: Actor, obj: M, changes: dict[str, object]) -> M:
    """Change fields of a service, organization, location or service-at-location, writing
    one metadata row per field whose value changed (unchanged fields leave no trace).

    Raises PermissionDenied for anyone but the listing's maintainers and ValidationError
    (naming each bad field) for bad input; either way nothing is written.
    """
    model = type(obj)
    if model not in EDITABLE_FIELDS:
        raise TypeError(f"{model.__name__} is not an editable listing")
    _require_editor(actor, _directory_organization(obj))
    cleaned = _clean_changes(model, changes)
    if model is Service:
        _check_ages({f: getattr(obj, f) for f in ("minimum_age", "maximum_age")} | cleaned)
    changed = {f: v for f, v in cleaned.items() if getattr(obj, f) != v}
    if not changed:
        return obj
    now = timezone.now()
    with transaction.atomic():
        rows = [
            _history_row(
                obj=obj,
                action="update",
                field=field,
                previous=getattr(obj, field),
                replacement=value,
                actor=actor,
                when=now,
            )
            for field, value in changed.items()
        ]
        for field, value in changed.items():
            setattr(obj, field, value)
        update_fields = list(changed)
        if isinstance(obj, Service):
            obj.last_modified = now
            update_fields.append("last_modified")
        obj.save(update_fields=update_fields)
        Metadata.objects.bulk_create(rows)
        _after_listing_change(obj, set(changed), now)
    logger.info(
        "listing %s %s updated by user %s: %s",
        RESOURCE_TYPES[model],
        obj.pk,
        actor.user_id,
        ", ".join(sorted(changed)),
    )
    return obj


def _after_listing_change(obj: Model, fields: set[str], now: datetime) -> None:
    """Keep ``last_modified`` and the derived tables in step with a change."""
    if isinstance(obj, Service):
        if fields & {"name", "alternate_name", "description"}:
            search_document_rebuild(services=[obj])
    elif isinstance(obj, Organization):
        _touch_services(Q(organization=obj), now)
        if fields & {"name", "alternate_name"}:
            search_document_rebuild(services=Service.objects.filter(organization=obj))
    elif isinstance(obj, Location):
        at_location = Q(service_at_locations__location=obj)
        _touch_services(at_location, now)
        if "time_zone" in fields:
            opening_intervals_rebuild(services=Service.objects.filter(at_location).distinct())
    elif isinstance(obj, ServiceAtLocation):
        _touch_services(Q(pk=obj.service_id), now)


def service_create(
    *,
    actor: Actor,
    organization: Organization,
    name: str,
    locations: Iterable[Location] = (),
    taxonomy_terms: Iterable[TaxonomyTerm] = (),
    **fields: object,
) -> Service:
    """A new service of a directory organization the actor's partner maintains, at its
    ``locations`` (of the same organization) and tagged with ``taxonomy_terms``. The person
    creating it vouches for it, so it starts verified. One metadata row per field set."""
    _require_editor(actor, organization)
    values: dict[str, object] = {"status": "active"} | fields | {"name": name}
    cleaned = _clean_changes(Service, values)
    _check_ages(cleaned)
    places = list(locations)
    foreign = [loc for loc in places if loc.organization_id != organization.pk]
    if foreign:
        raise ValidationError(
            {"locations": _("A service can only be offered at its organization's locations.")}
        )
    terms = list(taxonomy_terms)
    now = timezone.now()
    with transaction.atomic():
        service = Service.objects.create(
            organization=organization,
            last_modified=now,
            last_verified_at=now,
            last_verified_by_id=actor.user_id,
            **cleaned,
        )
        Metadata.objects.bulk_create(
            _history_row(
                obj=service,
                action="create",
                field=field,
                previous=None,
                replacement=value,
                actor=actor,
                when=now,
            )
            for field, value in cleaned.items()
            if value is not None
        )
        for location in {loc.pk: loc for loc in places}.values():
            ServiceAtLocation.objects.create(service=service, location=location)
        Attribute.objects.bulk_create(
            Attribute(link_id=service.pk, link_entity="service", taxonomy_term=term)
            for term in {t.pk: t for t in terms}.values()
        )
        search_document_rebuild(services=[service])
        opening_intervals_rebuild(services=[service])
    logger.info("service %s created by user %s", service.pk, actor.user_id)
    return service


def listing_verify(*, actor: Actor, service: Service) -> Service:
    """A person confirms the listing is still true: record who and when, and clear any
    pending reminder."""
    _require_editor(actor, _owner(service))
    now = timezone.now()
    with transaction.atomic():
        row = _history_row(
            obj=service,
            action="verify",
            field="last_verified_at",
            previous=service.last_verified_at,
            replacement=now,
            actor=actor,
            when=now,
        )
        service.last_verified_at = now
        service.last_verified_by_id = actor.user_id
        service.save(update_fields=["last_verified_at", "last_verified_by"])
        row.save()
        VerificationReminder.objects.filter(service=service).delete()
    logger.info("service %s verified by user %s", service.pk, actor.user_id)
    return service
