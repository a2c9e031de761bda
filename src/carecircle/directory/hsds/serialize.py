"""Directory models -> HSDS 3.0 JSON objects (outbound: the API and the JSON export).

Every function returns plain dicts with exactly the HSDS field names, ``None`` values left out
(HSDS reads an absent field as "unknown"), ids as strings and numbers as JSON numbers. The
shapes follow the official examples in ``standards/hsds/3.0/examples``:

* "list" shapes (``full=False``): the object's one-to-one fields, plus for a service its
  ``organization`` and ``program`` (``compiled/service_list.json``) and for a
  service_at_location its ``location`` and ``service`` (``compiled/service_at_location_list.json``);
* "full" shapes: every nested array the official ``*_full.json`` examples carry, with
  ``attributes`` (each with its ``taxonomy_term``) and ``metadata`` on every object.

``public=True`` (the default: the API is public) hides what would find a confidential location
(``Location.is_confidential``, e.g. a shelter for survivors of violence): its addresses,
coordinates, directions, accessibility, url, description, external identifier and change
history. Its name, phones, contacts, languages and hours stay, so a person can still call.

Queries: a list-shape page costs one query (``select_related``). For full shapes call
:func:`prefetch_service` (or :func:`prefetch_organization`, ...) on the queryset, then serialize
a batch with :func:`service_dicts` (etc.): attributes and metadata of every object in the batch
come from two more queries, whatever the batch size. The single-object functions
(:func:`service_dict`, ...) are a batch of one. :func:`iter_service_dicts` streams a queryset
in chunks in constant memory (the export and ``format=ndjson`` use it).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime
from typing import Any, TypeVar, cast

from django.db.models import Model, Prefetch, QuerySet, prefetch_related_objects

from carecircle.directory.models import (
    Accessibility,
    Address,
    Attribute,
    Contact,
    CostOption,
    Funding,
    Language,
    Location,
    Metadata,
    Organization,
    OrganizationIdentifier,
    Phone,
    Program,
    RequiredDocument,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceCapacity,
    Taxonomy,
    TaxonomyTerm,
    Unit,
)

HSDS_VERSION = "3.0"

T = TypeVar("T")
Obj = dict[str, Any]

# One-to-one fields of each HSDS object, in the official order. A name ending in "_id" is read
# from the model's foreign key column (``organization_id``...), except where mapped below.
TAXONOMY_FIELDS = ("id", "name", "description", "uri", "version")
TAXONOMY_TERM_FIELDS = (
    "id",
    "code",
    "name",
    "description",
    "parent_id",
    "taxonomy",
    "language",
    "taxonomy_id",
    "term_uri",
)
ORGANIZATION_FIELDS = (
    "id",
    "name",
    "alternate_name",
    "description",
    "email",
    "website",
    "tax_status",
    "tax_id",
    "year_incorporated",
    "legal_status",
    "logo",
    "uri",
    "parent_organization_id",
)
ORGANIZATION_IDENTIFIER_FIELDS = (
    "id",
    "organization_id",
    "identifier_scheme",
    "identifier_type",
    "identifier",
)
PROGRAM_FIELDS = ("id", "organization_id", "name", "alternate_name", "description")
SERVICE_FIELDS = (
    "id",
    "organization_id",
    "program_id",
    "name",
    "alternate_name",
    "description",
    "url",
    "email",
    "status",
    "interpretation_services",
    "application_process",
    "fees_description",
    "wait_time",
    "fees",
    "accreditations",
    "eligibility_description",
    "minimum_age",
    "maximum_age",
    "assured_date",
    "assurer_email",
    "licenses",
    "alert",
    "last_modified",
)
LOCATION_FIELDS = (
    "id",
    "location_type",
    "url",
    "organization_id",
    "name",
    "alternate_name",
    "description",
    "transportation",
    "latitude",
    "longitude",
    "external_identifier",
    "external_identifier_type",
)
# What a confidential location loses in public output (beyond addresses and accessibility).
CONFIDENTIAL_LOCATION_FIELDS = frozenset(
    {
        "url",
        "description",
        "transportation",
        "latitude",
        "longitude",
        "external_identifier",
        "external_identifier_type",
    }
)
SERVICE_AT_LOCATION_FIELDS = ("id", "service_id", "location_id", "description")
ADDRESS_FIELDS = (
    "id",
    "location_id",
    "attention",
    "address_1",
    "address_2",
    "city",
    "region",
    "state_province",
    "postal_code",
    "country",
    "address_type",
)
CONTACT_FIELDS = (
    "id",
    "organization_id",
    "service_id",
    "service_at_location_id",
    "location_id",
    "name",
    "title",
    "department",
    "email",
)
PHONE_FIELDS = (
    "id",
    "location_id",
    "service_id",
    "organization_id",
    "contact_id",
    "service_at_location_id",
    "number",
    "extension",
    "type",
    "description",
)
SCHEDULE_FIELDS = (
    "id",
    "service_id",
    "location_id",
    "service_at_location_id",
    "valid_from",
    "valid_to",
    "dtstart",
    "timezone",
    "until",
    "count",
    "wkst",
    "freq",
    "interval",
    "byday",
    "byweekno",
    "bymonthday",
    "byyearday",
    "description",
    "opens_at",
    "closes_at",
    "schedule_link",
    "attending_type",
    "notes",
)
SERVICE_AREA_FIELDS = ("id", "service_id", "name", "description", "extent", "extent_type", "uri")
LANGUAGE_FIELDS = ("id", "service_id", "location_id", "phone_id", "name", "code", "note")
ACCESSIBILITY_FIELDS = ("id", "location_id", "description", "details", "url")
COST_OPTION_FIELDS = (
    "id",
    "service_id",
    "valid_from",
    "valid_to",
    "option",
    "currency",
    "amount",
    "amount_description",
)
FUNDING_FIELDS = ("id", "organization_id", "service_id", "source")
REQUIRED_DOCUMENT_FIELDS = ("id", "service_id", "document", "uri")
ATTRIBUTE_FIELDS = ("id", "link_id", "taxonomy_term_id", "link_type", "link_entity", "value")
METADATA_FIELDS = (
    "id",
    "resource_id",
    "resource_type",
    "last_action_date",
    "last_action_type",
    "field_name",
    "previous_value",
    "replacement_value",
    "updated_by",
)
UNIT_FIELDS = ("id", "name", "scheme", "identifier", "uri")
SERVICE_CAPACITY_FIELDS = (
    "id",
    "service_id",
    "unit_id",
    "available",
    "maximum",
    "description",
    "updated",
)

# HSDS names whose model attribute is called differently.
_ATTNAME = {"taxonomy_id": "taxonomy_detail_id"}


def _value(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        # As precise as the value is: "10:30:45Z", "10:30:45.123Z" (as the official examples).
        micro = value.microsecond
        spec = "seconds" if micro == 0 else "milliseconds" if micro % 1000 == 0 else "auto"
        return value.isoformat(timespec=spec).replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        # 12.0 and 12 are the same JSON number; the official examples write 12.
        return int(value)
    return value


def _fields(obj: Model, names: Iterable[str], *, skip: frozenset[str] = frozenset()) -> Obj:
    out: Obj = {}
    for name in names:
        if name in skip:
            continue
        value = getattr(obj, _ATTNAME.get(name, name))
        if value is not None:
            out[name] = _value(value)
    return out


class _Batch:
    """The objects serialized in one batch, so their attributes and metadata are fetched
    together (two queries) at the end instead of two per object."""

    def __init__(self) -> None:
        self.attribute_owners: dict[uuid.UUID, list[Obj]] = defaultdict(list)
        self.metadata_owners: dict[uuid.UUID, list[Obj]] = defaultdict(list)

    def linkable(self, obj_id: uuid.UUID, out: Obj, *, attributes: bool = True) -> Obj:
        if attributes:
            self.attribute_owners[obj_id].append(out)
        self.metadata_owners[obj_id].append(out)
        return out

    def finish(self) -> None:
        attributes = _attributes_by_link(self.attribute_owners.keys())
        for link_id, owners in self.attribute_owners.items():
            dicts = [
                self.linkable(a.id, attribute_dict(a), attributes=False)
                for a in attributes.get(link_id, ())
            ]
            if dicts:
                for owner in owners:
                    owner["attributes"] = dicts
        metadata = _metadata_by_resource(self.metadata_owners.keys())
        for resource_id, owners in self.metadata_owners.items():
            rows = [metadata_dict(m) for m in metadata.get(resource_id, ())]
            if rows:
                for owner in owners:
                    owner["metadata"] = rows


# Big batches are split so no database sees an IN list longer than this.
_IN_CHUNK = 5000


def _chunks(ids: Iterable[uuid.UUID]) -> Iterator[list[uuid.UUID]]:
    ids = list(ids)
    for start in range(0, len(ids), _IN_CHUNK):
        yield ids[start : start + _IN_CHUNK]


def _attributes_by_link(ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[Attribute]]:
    found: dict[uuid.UUID, list[Attribute]] = defaultdict(list)
    for chunk in _chunks(ids):
        rows = (
            Attribute.objects.filter(link_id__in=chunk)
            .select_related("taxonomy_term__taxonomy_detail")
            .order_by("id")
        )
        for row in rows:
            found[row.link_id].append(row)
    return found


def _metadata_by_resource(ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[Metadata]]:
    found: dict[uuid.UUID, list[Metadata]] = defaultdict(list)
    for chunk in _chunks(ids):
        for row in Metadata.objects.filter(resource_id__in=chunk).order_by(
            "last_action_date", "id"
        ):
            found[row.resource_id].append(row)
    return found


def _batch(build: Callable[[_Batch], T]) -> T:
    batch = _Batch()
    out = build(batch)
    batch.finish()
    return out


# --- leaf objects -----------------------------------------------------------------------------


def taxonomy_dict(t: Taxonomy) -> Obj:
    return _fields(t, TAXONOMY_FIELDS)


def taxonomy_term_dict(term: TaxonomyTerm) -> Obj:
    """A term with its ``taxonomy_detail`` (select_related ``taxonomy_detail`` for lists)."""
    out = _fields(term, TAXONOMY_TERM_FIELDS)
    if term.taxonomy_detail_id is not None and term.taxonomy_detail is not None:
        out["taxonomy_detail"] = taxonomy_dict(term.taxonomy_detail)
    return out


def attribute_dict(attribute: Attribute) -> Obj:
    out = _fields(attribute, ATTRIBUTE_FIELDS)
    out["taxonomy_term"] = taxonomy_term_dict(attribute.taxonomy_term)
    return out


def metadata_dict(row: Metadata) -> Obj:
    return _fields(row, METADATA_FIELDS)


def unit_dict(unit: Unit) -> Obj:
    return _fields(unit, UNIT_FIELDS)


def _language(b: _Batch, row: Language) -> Obj:
    return b.linkable(row.id, _fields(row, LANGUAGE_FIELDS))


def _phone(b: _Batch, row: Phone) -> Obj:
    out = _fields(row, PHONE_FIELDS)
    langs = [_language(b, lang) for lang in row.languages.all()]
    if langs:
        out["languages"] = langs
    return b.linkable(row.id, out)


def _contact(b: _Batch, row: Contact) -> Obj:
    out = _fields(row, CONTACT_FIELDS)
    phones = [_phone(b, p) for p in row.phones.all()]
    if phones:
        out["phones"] = phones
    return b.linkable(row.id, out)


def _simple(b: _Batch, row: Model, names: Sequence[str]) -> Obj:
    return b.linkable(row.pk, _fields(row, names))


def _put(out: Obj, key: str, items: list[Obj]) -> None:
    if items:
        out[key] = items


# --- location ---------------------------------------------------------------------------------


def location_is_hidden(location: Location, *, public: bool) -> bool:
    """True when ``location``'s whereabouts must not be shown to this audience."""
    return public and location.is_confidential


def _location_list(location: Location, *, public: bool) -> Obj:
    hidden = location_is_hidden(location, public=public)
    skip = CONFIDENTIAL_LOCATION_FIELDS if hidden else frozenset()
    return _fields(location, LOCATION_FIELDS, skip=skip)


def _location_full(b: _Batch, location: Location, *, public: bool) -> Obj:
    hidden = location_is_hidden(location, public=public)
    out = _location_list(location, public=public)
    _put(out, "languages", [_language(b, x) for x in location.languages.all()])
    if not hidden:
        _put(out, "addresses", [_simple(b, x, ADDRESS_FIELDS) for x in location.addresses.all()])
    _put(out, "contacts", [_contact(b, x) for x in location.contacts.all()])
    if not hidden:
        _put(
            out,
            "accessibility",
            [_simple(b, x, ACCESSIBILITY_FIELDS) for x in location.accessibility.all()],
        )
    _put(out, "phones", [_phone(b, x) for x in location.phones.all()])
    _put(out, "schedules", [_simple(b, x, SCHEDULE_FIELDS) for x in location.schedules.all()])
    if hidden:
        # Its change history holds old addresses and coordinates: only its attributes remain.
        b.attribute_owners[location.id].append(out)
        return out
    return b.linkable(location.id, out)


def location_dict(location: Location, *, public: bool = True) -> Obj:
    """A fully nested location (``examples/location.json``)."""
    return _batch(lambda b: _location_full(b, location, public=public))


# --- organization -----------------------------------------------------------------------------


def _organization(
    b: _Batch, org: Organization, *, full: bool, public: bool, services: str = ""
) -> Obj:
    out = _fields(org, ORGANIZATION_FIELDS)
    if not full:
        return out
    _put(out, "funding", [_simple(b, x, FUNDING_FIELDS) for x in org.funding.all()])
    _put(out, "contacts", [_contact(b, x) for x in org.contacts.all()])
    _put(out, "phones", [_phone(b, x) for x in org.phones.all()])
    _put(out, "locations", [_location_full(b, x, public=public) for x in org.locations.all()])
    _put(out, "programs", [_simple(b, x, PROGRAM_FIELDS) for x in org.programs.all()])
    _put(
        out,
        "organization_identifiers",
        [_simple(b, x, ORGANIZATION_IDENTIFIER_FIELDS) for x in org.organization_identifiers.all()],
    )
    if services == "full":
        _put(
            out,
            "services",
            [
                _service(b, s, full=True, public=public, with_organization=False)
                for s in org.services.all()
            ],
        )
    elif services == "list":
        _put(out, "services", [_fields(s, SERVICE_FIELDS) for s in org.services.all()])
    return b.linkable(org.id, out)


def organization_dict(
    org: Organization, *, full: bool = True, public: bool = True, services: str = ""
) -> Obj:
    """An organization: its one-to-one fields (``full=False``, ``compiled/organization_list``)
    or fully nested (``examples/organization_full.json``). ``services`` adds its services:
    ``"list"`` (one-to-one fields) or ``"full"`` (fully nested, without the organization)."""
    return _batch(lambda b: _organization(b, org, full=full, public=public, services=services))


def organization_dicts(
    orgs: Iterable[Organization], *, full: bool = True, public: bool = True, services: str = ""
) -> list[Obj]:
    return _batch(
        lambda b: [_organization(b, o, full=full, public=public, services=services) for o in orgs]
    )


# --- service ----------------------------------------------------------------------------------


def _capacity(b: _Batch, row: ServiceCapacity) -> Obj:
    out = _fields(row, SERVICE_CAPACITY_FIELDS)
    out["unit"] = _simple(b, row.unit, UNIT_FIELDS)
    return b.linkable(row.id, out)


def _service_at_location(
    b: _Batch,
    sal: ServiceAtLocation,
    *,
    full: bool,
    public: bool,
    with_service: bool,
) -> Obj:
    out = _fields(sal, SERVICE_AT_LOCATION_FIELDS)
    if not full:
        out["location"] = _location_list(cast(Location, sal.location), public=public)
        if with_service:
            out["service"] = _service(b, cast(Service, sal.service), full=False, public=public)
        return out
    _put(out, "contacts", [_contact(b, x) for x in sal.contacts.all()])
    _put(out, "phones", [_phone(b, x) for x in sal.phones.all()])
    _put(out, "schedules", [_simple(b, x, SCHEDULE_FIELDS) for x in sal.schedules.all()])
    out["location"] = _location_full(b, cast(Location, sal.location), public=public)
    if with_service:
        out["service"] = _service(
            b, cast(Service, sal.service), full=True, public=public, with_service_at_locations=False
        )
    return b.linkable(sal.id, out)


def _service(
    b: _Batch,
    service: Service,
    *,
    full: bool,
    public: bool,
    with_organization: bool = True,
    with_service_at_locations: bool = True,
) -> Obj:
    out = _fields(service, SERVICE_FIELDS)
    if not full:
        if with_organization and service.organization_id is not None:
            out["organization"] = _fields(
                cast(Organization, service.organization), ORGANIZATION_FIELDS
            )
        if service.program_id is not None:
            out["program"] = _fields(cast(Program, service.program), PROGRAM_FIELDS)
        return out
    _put(out, "phones", [_phone(b, x) for x in service.phones.all()])
    _put(out, "schedules", [_simple(b, x, SCHEDULE_FIELDS) for x in service.schedules.all()])
    _put(
        out,
        "service_areas",
        [_simple(b, x, SERVICE_AREA_FIELDS) for x in service.service_areas.all()],
    )
    if with_service_at_locations:
        _put(
            out,
            "service_at_locations",
            [
                _service_at_location(b, x, full=True, public=public, with_service=False)
                for x in service.service_at_locations.all()
            ],
        )
    _put(out, "languages", [_language(b, x) for x in service.languages.all()])
    if with_organization and service.organization_id is not None:
        out["organization"] = _organization(
            b, cast(Organization, service.organization), full=True, public=public
        )
    _put(out, "funding", [_simple(b, x, FUNDING_FIELDS) for x in service.funding.all()])
    _put(
        out,
        "cost_options",
        [_simple(b, x, COST_OPTION_FIELDS) for x in service.cost_options.all()],
    )
    if service.program_id is not None:
        out["program"] = _simple(b, cast(Program, service.program), PROGRAM_FIELDS)
    _put(
        out,
        "required_documents",
        [_simple(b, x, REQUIRED_DOCUMENT_FIELDS) for x in service.required_documents.all()],
    )
    _put(out, "contacts", [_contact(b, x) for x in service.contacts.all()])
    # HSDS 3.1's service_capacity, ahead of 3.0 (3.0 objects allow extra properties).
    _put(out, "capacities", [_capacity(b, x) for x in service.capacities.all()])
    return b.linkable(service.id, out)


def service_dict(service: Service, *, full: bool = True, public: bool = True) -> Obj:
    """A service: ``full=False`` is the list shape (``compiled/service_list.json``: one-to-one
    fields with ``organization`` and ``program``), ``full=True`` the fully nested one
    (``examples/service_full.json``)."""
    return _batch(lambda b: _service(b, service, full=full, public=public))


def service_dicts(
    services: Iterable[Service], *, full: bool = True, public: bool = True
) -> list[Obj]:
    """:func:`service_dict` for a batch, with attributes and metadata in two queries."""
    return _batch(lambda b: [_service(b, s, full=full, public=public) for s in services])


def service_minimal_dict(service: Service) -> Obj:
    """The smallest valid service (the ``minimal`` listing): id, name, status, last_modified."""
    return _fields(service, ("id", "name", "status", "last_modified"))


def service_at_location_dict(
    sal: ServiceAtLocation, *, full: bool = True, public: bool = True
) -> Obj:
    """A service_at_location with its ``location`` and ``service``: list shape
    (``compiled/service_at_location_list.json``) or full (``examples/service_at_location_full``)."""
    return _batch(
        lambda b: _service_at_location(b, sal, full=full, public=public, with_service=True)
    )


def service_at_location_dicts(
    sals: Iterable[ServiceAtLocation], *, full: bool = True, public: bool = True
) -> list[Obj]:
    return _batch(
        lambda b: [
            _service_at_location(b, x, full=full, public=public, with_service=True) for x in sals
        ]
    )


# --- prefetching ------------------------------------------------------------------------------


def _ordered(model: type[Model], *related: str) -> QuerySet[Any]:
    qs = model._default_manager.order_by("id")
    return qs.select_related(*related) if related else qs


def _phones(prefix: str) -> list[Prefetch[Any]]:
    return [
        Prefetch(f"{prefix}phones", queryset=_ordered(Phone)),
        Prefetch(f"{prefix}phones__languages", queryset=_ordered(Language)),
    ]


def _contacts(prefix: str) -> list[Prefetch[Any]]:
    return [
        Prefetch(f"{prefix}contacts", queryset=_ordered(Contact)),
        *_phones(f"{prefix}contacts__"),
    ]


def _location_prefetches(prefix: str) -> list[Prefetch[Any]]:
    return [
        Prefetch(f"{prefix}languages", queryset=_ordered(Language)),
        Prefetch(f"{prefix}addresses", queryset=_ordered(Address)),
        *_contacts(prefix),
        Prefetch(f"{prefix}accessibility", queryset=_ordered(Accessibility)),
        *_phones(prefix),
        Prefetch(f"{prefix}schedules", queryset=_ordered(Schedule)),
    ]


def _organization_prefetches(prefix: str, *, services: str = "") -> list[Prefetch[Any]]:
    out = [
        Prefetch(f"{prefix}funding", queryset=_ordered(Funding)),
        *_contacts(prefix),
        *_phones(prefix),
        Prefetch(f"{prefix}locations", queryset=_ordered(Location)),
        *_location_prefetches(f"{prefix}locations__"),
        Prefetch(f"{prefix}programs", queryset=_ordered(Program)),
        Prefetch(f"{prefix}organization_identifiers", queryset=_ordered(OrganizationIdentifier)),
    ]
    if services == "full":
        out += [
            Prefetch(f"{prefix}services", queryset=_ordered(Service, "program")),
            *_service_prefetches(f"{prefix}services__", with_organization=False),
        ]
    elif services == "list":
        out.append(Prefetch(f"{prefix}services", queryset=_ordered(Service)))
    return out


def _service_at_location_prefetches(prefix: str) -> list[Prefetch[Any]]:
    return [
        *_contacts(prefix),
        *_phones(prefix),
        Prefetch(f"{prefix}schedules", queryset=_ordered(Schedule)),
        *_location_prefetches(f"{prefix}location__"),
    ]


def _service_prefetches(prefix: str, *, with_organization: bool = True) -> list[Prefetch[Any]]:
    out = [
        *_phones(prefix),
        Prefetch(f"{prefix}schedules", queryset=_ordered(Schedule)),
        Prefetch(f"{prefix}service_areas", queryset=_ordered(ServiceArea)),
        Prefetch(f"{prefix}service_at_locations", queryset=_ordered(ServiceAtLocation, "location")),
        *_service_at_location_prefetches(f"{prefix}service_at_locations__"),
        Prefetch(f"{prefix}languages", queryset=_ordered(Language)),
        Prefetch(f"{prefix}funding", queryset=_ordered(Funding)),
        Prefetch(f"{prefix}cost_options", queryset=_ordered(CostOption)),
        Prefetch(f"{prefix}required_documents", queryset=_ordered(RequiredDocument)),
        *_contacts(prefix),
        Prefetch(f"{prefix}capacities", queryset=_ordered(ServiceCapacity, "unit")),
    ]
    if with_organization:
        out += _organization_prefetches(f"{prefix}organization__")
    return out


def prefetch_service(qs: QuerySet[Service], *, full: bool = True) -> QuerySet[Service]:
    """``qs`` with what :func:`service_dicts` reads, so a page costs a fixed number of queries
    (``full=False``: only the organization and program, in the same query)."""
    qs = qs.select_related("organization", "program")
    if not full:
        return qs
    return qs.prefetch_related(*_service_prefetches(""))


def prefetch_organization(
    qs: QuerySet[Organization], *, full: bool = True, services: str = ""
) -> QuerySet[Organization]:
    if not full:
        return qs
    return qs.prefetch_related(*_organization_prefetches("", services=services))


def prefetch_location(qs: QuerySet[Location]) -> QuerySet[Location]:
    return qs.prefetch_related(*_location_prefetches(""))


def prefetch_service_at_location(
    qs: QuerySet[ServiceAtLocation], *, full: bool = True
) -> QuerySet[ServiceAtLocation]:
    qs = qs.select_related("location", "service__organization", "service__program")
    if not full:
        return qs
    return qs.prefetch_related(
        *_service_at_location_prefetches(""),
        *_service_prefetches("service__"),
    )


def prefetch_service_objects(services: Sequence[Service], *, full: bool = True) -> None:
    """Prefetch onto services already fetched (e.g. search hits), in place."""
    lookups: list[Any] = ["organization", "program"]
    if full:
        lookups += _service_prefetches("")
    prefetch_related_objects(list(services), *lookups)


def prefetch_organization_objects(
    orgs: Sequence[Organization], *, full: bool = True, services: str = ""
) -> None:
    """:func:`prefetch_organization` for organizations already fetched, in place."""
    if full:
        prefetch_related_objects(list(orgs), *_organization_prefetches("", services=services))


def prefetch_service_at_location_objects(
    sals: Sequence[ServiceAtLocation], *, full: bool = True
) -> None:
    """:func:`prefetch_service_at_location` for rows already fetched, in place."""
    lookups: list[Any] = ["location", "service__organization", "service__program"]
    if full:
        lookups += [*_service_at_location_prefetches(""), *_service_prefetches("service__")]
    prefetch_related_objects(list(sals), *lookups)


def iter_service_dicts(
    qs: QuerySet[Service], *, full: bool = True, public: bool = True, chunk_size: int = 500
) -> Iterator[Obj]:
    """Every service of ``qs`` as HSDS, ``chunk_size`` at a time: constant memory, a fixed
    number of queries per chunk. Pages by primary key, so ``qs``'s own ordering is ignored."""
    last: uuid.UUID | None = None
    base = qs.order_by("pk")
    while True:
        chunk_qs = base if last is None else base.filter(pk__gt=last)
        chunk = list(prefetch_service(chunk_qs[:chunk_size], full=full))
        if not chunk:
            return
        yield from service_dicts(chunk, full=full, public=public)
        last = chunk[-1].pk
        if len(chunk) < chunk_size:
            return
