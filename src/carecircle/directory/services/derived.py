"""The derived tables: weekly opening intervals ("open now") and search documents."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from typing import cast
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation

from carecircle.directory import schedules, search
from carecircle.directory.models import (
    Attribute,
    Location,
    OpeningInterval,
    Schedule,
    Service,
    ServiceAtLocation,
    TaxonomyTerm,
)
from carecircle.directory.services.common import (
    CHUNK,
    _owner,
)
from carecircle.directory.taxonomy import BUILTIN_TAXONOMY_ID, term_label

logger = logging.getLogger(__name__)


# --- Derived tables ---------------------------------------------------------------------------


def _service_ids(services: Iterable[Service] | None) -> Iterator[list[UUID]]:
    if services is None:
        ids = Service.objects.order_by("id").values_list("id", flat=True)
        batch: list[UUID] = []
        for service_id in ids.iterator(chunk_size=CHUNK):
            batch.append(service_id)
            if len(batch) >= CHUNK:
                yield batch
                batch = []
        if batch:
            yield batch
        return
    all_ids = list(dict.fromkeys(s.pk for s in services))
    for start in range(0, len(all_ids), CHUNK):
        yield all_ids[start : start + CHUNK]


def _default_zone(service: Service) -> str:
    """Where a service with no location reads its hours: its partner's jurisdiction."""
    organization = _owner(service)
    partner = organization.partner if organization is not None else None
    if partner is not None:
        return str(partner.jurisdiction.time_zone)
    return str(settings.TIME_ZONE)


def opening_intervals_rebuild(
    *, services: Iterable[Service] | None = None, today: date | None = None
) -> int:
    """Recompute the ``OpeningInterval`` rows of these services (all when None) from their
    schedules; returns the number of rows written.

    At each of a service's locations the most specific schedules apply, read in that
    location's time zone: the service-at-location's own; else the service's for that
    location; else the service's own; else the location's (its opening hours). A service
    with no location uses its own schedules in its partner's jurisdiction's zone. Rules the
    kernel cannot read are skipped (never counted as open) and logged.
    """
    if today is None:
        today = timezone.now().date()
    written = 0
    for ids in _service_ids(services):
        with transaction.atomic():
            written += _rebuild_intervals(ids, today)
    return written


def _rebuild_intervals(ids: list[UUID], today: date) -> int:
    sals = list(
        ServiceAtLocation.objects.filter(service_id__in=ids)
        .select_related("location")
        .order_by("id")
    )
    places: dict[UUID, dict[UUID, tuple[UUID | None, Location]]] = defaultdict(dict)
    for sal in sals:
        places[sal.service_id].setdefault(sal.location_id, (sal.pk, cast(Location, sal.location)))
    location_ids = {sal.location_id for sal in sals}
    rows = Schedule.objects.filter(
        Q(service_id__in=ids)
        | Q(service_at_location__service_id__in=ids)
        | Q(location_id__in=location_ids, service_id=None, service_at_location_id=None)
    )
    by_sal: dict[UUID, list[Schedule]] = defaultdict(list)
    by_service_location: dict[tuple[UUID, UUID], list[Schedule]] = defaultdict(list)
    by_service: dict[UUID, list[Schedule]] = defaultdict(list)
    by_location: dict[UUID, list[Schedule]] = defaultdict(list)
    for row in rows:
        if row.service_at_location_id is not None:
            by_sal[row.service_at_location_id].append(row)
        elif row.service_id is not None and row.location_id is not None:
            by_service_location[(row.service_id, row.location_id)].append(row)
        elif row.service_id is not None:
            by_service[row.service_id].append(row)
        elif row.location_id is not None:
            by_location[row.location_id].append(row)

    new: list[OpeningInterval] = []
    skipped = 0
    homeless = [i for i in ids if not places.get(i)]
    zones = {
        s.pk: _default_zone(s)
        for s in Service.objects.filter(pk__in=homeless).select_related(
            "organization__partner__jurisdiction"
        )
    }
    for service_id in ids:
        targets: list[tuple[Location | None, str, list[Schedule]]] = []
        for location_id, (sal_id, place) in places.get(service_id, {}).items():
            chosen = (
                (sal_id is not None and by_sal.get(sal_id))
                or by_service_location.get((service_id, location_id))
                or by_service.get(service_id)
                or by_location.get(location_id)
                or []
            )
            targets.append((place, place.time_zone, chosen))
        if service_id in zones:
            targets.append((None, zones[service_id], by_service.get(service_id, [])))
        for location, base_zone, chosen in targets:
            by_zone: dict[str, list[Schedule]] = defaultdict(list)
            for rule in chosen:
                by_zone[schedules.zone_for(base_zone, rule)].append(rule)
            for zone, rules in by_zone.items():
                unfolded = schedules.unfold(rules, today=today)
                skipped += len(unfolded.skipped)
                new += [
                    OpeningInterval(
                        service_id=service_id,
                        location=location,
                        time_zone=zone,
                        start_minute=interval.start,
                        end_minute=interval.end,
                        valid_from=interval.valid_from,
                        valid_to=interval.valid_to,
                    )
                    for interval in unfolded.intervals
                ]
    OpeningInterval.objects.filter(service_id__in=ids).delete()
    OpeningInterval.objects.bulk_create(new, batch_size=1000)
    if skipped:
        logger.info("opening hours: %d schedule rule(s) not understood, left out", skipped)
    return len(new)


def dated_schedule_service_ids() -> set[UUID]:
    """Services whose hours do not repeat weekly (monthly, fortnightly, counted...): their
    dated intervals cover a window of weeks, which the nightly rebuild moves on."""
    dated = Schedule.objects.filter(
        Q(freq__iexact="MONTHLY")
        | Q(interval__gt=1)
        | (Q(bymonthday__isnull=False) & ~Q(bymonthday=""))
    )
    ids: set[UUID] = set()
    ids |= set(dated.exclude(service_id__isnull=True).values_list("service_id", flat=True))
    ids |= set(
        ServiceAtLocation.objects.filter(schedules__in=dated).values_list("service_id", flat=True)
    )
    location_ids = dated.filter(
        service_id__isnull=True, service_at_location_id__isnull=True
    ).values("location_id")
    ids |= set(
        ServiceAtLocation.objects.filter(location_id__in=location_ids).values_list(
            "service_id", flat=True
        )
    )
    return ids


def search_document_rebuild(*, services: Iterable[Service] | None = None) -> int:
    """Recompute ``Service.search_document`` (name, alternate name, description, organization
    name and the names of the service's taxonomy terms, built-in ones in every language) and
    update the free-text index. Returns the number of services whose document changed."""
    given = list(services) if services is not None else None
    documents: dict[UUID, str] = {}
    for ids in _service_ids(given):
        with transaction.atomic():
            documents |= _rebuild_documents(ids)
    # Objects the caller holds see their new document, as if they had been saved.
    for service in given or ():
        if service.pk in documents:
            service.search_document = documents[service.pk]
    return len(documents)


def _rebuild_documents(ids: list[UUID]) -> dict[UUID, str]:
    """Rebuild these services' documents; returns the ones that changed, by id."""
    batch = list(
        Service.objects.filter(pk__in=ids)
        .select_related("organization")
        .only(
            "id",
            "name",
            "alternate_name",
            "description",
            "search_document",
            "organization__name",
            "organization__alternate_name",
        )
    )
    terms: dict[UUID, list[TaxonomyTerm]] = defaultdict(list)
    attributes = Attribute.objects.filter(link_id__in=ids, link_entity="service").select_related(
        "taxonomy_term"
    )
    for attribute in attributes:
        terms[attribute.link_id].append(attribute.taxonomy_term)
    changed: list[Service] = []
    for service in batch:
        document = _document(service, terms.get(service.pk, []))
        if document != service.search_document:
            service.search_document = document
            changed.append(service)
    if changed:
        Service.objects.bulk_update(changed, ["search_document"], batch_size=CHUNK)
        search.search_index_update(changed)
    return {service.pk: service.search_document for service in changed}


def _document(service: Service, terms: Sequence[TaxonomyTerm]) -> str:
    parts: list[str | None] = [service.name, service.alternate_name, service.description]
    organization = _owner(service)
    if organization is not None:
        parts += [organization.name, organization.alternate_name]
    for term in sorted(terms, key=lambda t: t.name):
        parts.append(term.name)
        if term.taxonomy_detail_id == BUILTIN_TAXONOMY_ID and term.code:
            for language, _name in settings.LANGUAGES:
                with translation.override(language):
                    parts.append(term_label(term.code))
    seen: dict[str, None] = {}
    for part in parts:
        text = " ".join((part or "").split())
        if text:
            seen.setdefault(text, None)
    return "\n".join(seen)
