"""The Find help directory, on Open Referral HSDS 3.0 (plus 3.1's service_capacity).

Each HSDS table is one model and each HSDS field one column with the same name, so that
import and export are a straight mapping and round trips are lossless. HSDS strings are stored
as given (``None`` means the field was absent); HSDS numbers are floats. CareCircle's own
additions (who verified a listing and when, confidential locations, time zones, the search
document, the partner organization) are marked as such and never exported as HSDS fields.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from carecircle.partners.models import Organization as PartnerOrganization


def _text() -> models.TextField[str | None, str | None]:
    return models.TextField(null=True, blank=True)


def _number() -> models.FloatField[float | None, float | None]:
    return models.FloatField(null=True, blank=True)


def _fk(
    to: str, related_name: str, *, null: bool = True, strict: bool = False
) -> models.ForeignKey:  # type: ignore[type-arg,unused-ignore]
    # HSDS data sets are exchanged in parts, and an optional reference may name a row that
    # lives elsewhere (the official examples' parent_organization_id, a contact's
    # organization_id...). To keep such data as given (lossless round trips), optional
    # references carry no database constraint; the importer checks them and warns. Required
    # references, and the optional ones the serializers follow (``strict``), are enforced.
    return models.ForeignKey(
        to,
        on_delete=models.CASCADE,
        null=null,
        blank=null,
        related_name=related_name,
        db_index=True,
        db_constraint=not null or strict,
    )


class HsdsModel(models.Model):
    """Every HSDS object has a UUID id, given by the data, kept across systems."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)

    class Meta:
        abstract = True


class Taxonomy(HsdsModel):
    """A vocabulary of service types or attributes (CareCircle's own, Open Eligibility...)."""

    name = models.TextField()
    description = models.TextField()
    uri = _text()
    version = _text()

    class Meta:
        verbose_name_plural = "taxonomies"

    def __str__(self) -> str:
        return self.name


class TaxonomyTerm(HsdsModel):
    """One term of a taxonomy: "Buprenorphine start (same day)", "Low-barrier: walk-in"."""

    code = _text()
    name = models.TextField()
    description = models.TextField()
    parent = _fk("self", "children")
    taxonomy = _text()
    taxonomy_detail = models.ForeignKey(
        Taxonomy,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="terms",
        db_column="taxonomy_id",
        db_constraint=False,  # may name a taxonomy outside this directory (see _fk)
    )
    language = _text()
    term_uri = _text()

    class Meta:
        indexes = [models.Index(fields=["code"])]

    def __str__(self) -> str:
        return self.name


class Organization(HsdsModel):
    """An organization as the directory lists it; linked to a partner when it is one."""

    name = models.TextField()
    alternate_name = _text()
    description = models.TextField()
    email = _text()
    website = _text()
    tax_status = _text()
    tax_id = _text()
    year_incorporated = _number()
    legal_status = _text()
    logo = _text()
    uri = _text()
    parent_organization = _fk("self", "child_organizations")
    # CareCircle: the partner organization whose admins maintain these listings.
    partner = models.ForeignKey(
        PartnerOrganization,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="directory_organizations",
    )

    def __str__(self) -> str:
        return self.name


class OrganizationIdentifier(HsdsModel):
    organization = _fk("directory.Organization", "organization_identifiers", null=False)
    identifier_scheme = _text()
    identifier_type = models.TextField()
    identifier = models.TextField()

    def __str__(self) -> str:
        return self.identifier


class Program(HsdsModel):
    organization = _fk("directory.Organization", "programs", null=False)
    name = models.TextField()
    alternate_name = _text()
    description = models.TextField()

    def __str__(self) -> str:
        return self.name


class Service(HsdsModel):
    """Something an organization does for people: a same-day buprenorphine start, a syringe
    service, a shelter bed."""

    organization = _fk("directory.Organization", "services", strict=True)
    program = _fk("directory.Program", "services", strict=True)
    name = models.TextField()
    alternate_name = _text()
    description = _text()
    url = _text()
    email = _text()
    status = models.TextField(default="active")
    interpretation_services = _text()
    application_process = _text()
    fees_description = _text()
    wait_time = _text()
    fees = _text()
    accreditations = _text()
    eligibility_description = _text()
    minimum_age = _number()
    maximum_age = _number()
    assured_date = _text()
    assurer_email = _text()
    licenses = _text()
    alert = _text()
    last_modified = models.DateTimeField(null=True, blank=True)
    # CareCircle: a person confirmed this listing is true at this time (not exported).
    last_verified_at = models.DateTimeField(null=True, blank=True)
    last_verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # CareCircle: the text that free-text search ranks (name, descriptions, terms).
    search_document = models.TextField(blank=True, default="")

    class Meta:
        indexes = [
            models.Index(fields=["status"]),
            models.Index(fields=["last_modified"]),
            models.Index(fields=["last_verified_at"]),
        ]

    def __str__(self) -> str:
        return self.name


class Location(HsdsModel):
    """Where services happen: a physical place, a postal address, or virtual."""

    location_type = models.TextField(default="physical")
    url = _text()
    organization = _fk("directory.Organization", "locations")
    name = _text()
    alternate_name = _text()
    description = _text()
    transportation = _text()
    latitude = _number()
    longitude = _number()
    external_identifier = _text()
    external_identifier_type = _text()
    # CareCircle: e.g. a shelter for survivors of violence. Its address, coordinates and
    # directions are never shown publicly (pages, API, exports), only to signed-in partners.
    is_confidential = models.BooleanField(default=False)
    # CareCircle: the IANA time zone its schedules are read in.
    time_zone = models.CharField(max_length=64, default="UTC")

    class Meta:
        indexes = [models.Index(fields=["latitude", "longitude"])]

    def __str__(self) -> str:
        return self.name or str(self.id)


class ServiceAtLocation(HsdsModel):
    service = _fk("directory.Service", "service_at_locations", null=False)
    location = _fk("directory.Location", "service_at_locations", null=False)
    description = _text()

    def __str__(self) -> str:
        return f"{self.service_id} @ {self.location_id}"


class Address(HsdsModel):
    location = _fk("directory.Location", "addresses")
    attention = _text()
    address_1 = models.TextField()
    address_2 = _text()
    city = models.TextField()
    region = _text()
    state_province = models.TextField()
    postal_code = models.TextField()
    country = models.TextField()
    address_type = models.TextField()

    def __str__(self) -> str:
        return f"{self.address_1}, {self.city}"


class Contact(HsdsModel):
    organization = _fk("directory.Organization", "contacts")
    service = _fk("directory.Service", "contacts")
    service_at_location = _fk("directory.ServiceAtLocation", "contacts")
    location = _fk("directory.Location", "contacts")
    name = _text()
    title = _text()
    department = _text()
    email = _text()

    def __str__(self) -> str:
        return self.name or str(self.id)


class Phone(HsdsModel):
    location = _fk("directory.Location", "phones")
    service = _fk("directory.Service", "phones")
    organization = _fk("directory.Organization", "phones")
    contact = _fk("directory.Contact", "phones")
    service_at_location = _fk("directory.ServiceAtLocation", "phones")
    number = models.TextField()
    extension = _number()
    type = _text()
    description = _text()

    def __str__(self) -> str:
        return self.number


class Schedule(HsdsModel):
    """When a service is available, as RFC 5545 recurrence fields (freq, byday, opens_at...)."""

    service = _fk("directory.Service", "schedules")
    location = _fk("directory.Location", "schedules")
    service_at_location = _fk("directory.ServiceAtLocation", "schedules")
    valid_from = _text()
    valid_to = _text()
    dtstart = _text()
    timezone = _number()
    until = _text()
    count = _number()
    wkst = _text()
    freq = _text()
    interval = _number()
    byday = _text()
    byweekno = _text()
    bymonthday = _text()
    byyearday = _text()
    description = _text()
    opens_at = _text()
    closes_at = _text()
    schedule_link = _text()
    attending_type = _text()
    notes = _text()

    def __str__(self) -> str:
        return self.description or f"schedule {self.id}"


class ServiceArea(HsdsModel):
    service = _fk("directory.Service", "service_areas")
    name = _text()
    description = _text()
    extent = _text()
    extent_type = _text()
    uri = _text()

    def __str__(self) -> str:
        return self.name or str(self.id)


class Language(HsdsModel):
    service = _fk("directory.Service", "languages")
    location = _fk("directory.Location", "languages")
    phone = _fk("directory.Phone", "languages")
    name = _text()
    code = _text()
    note = _text()

    class Meta:
        indexes = [models.Index(fields=["code"])]

    def __str__(self) -> str:
        return self.name or self.code or ""


class Accessibility(HsdsModel):
    location = _fk("directory.Location", "accessibility")
    description = _text()
    details = _text()
    url = _text()

    class Meta:
        verbose_name_plural = "accessibility"

    def __str__(self) -> str:
        return self.description or str(self.id)


class CostOption(HsdsModel):
    service = _fk("directory.Service", "cost_options", strict=True)
    valid_from = _text()
    valid_to = _text()
    option = _text()
    currency = _text()
    amount = _number()
    amount_description = _text()

    def __str__(self) -> str:
        return self.option or str(self.id)


class Funding(HsdsModel):
    organization = _fk("directory.Organization", "funding")
    service = _fk("directory.Service", "funding")
    source = _text()

    def __str__(self) -> str:
        return self.source or str(self.id)


class RequiredDocument(HsdsModel):
    service = _fk("directory.Service", "required_documents")
    document = _text()
    uri = _text()

    def __str__(self) -> str:
        return self.document or str(self.id)


class Attribute(HsdsModel):
    """A taxonomy term applied to any HSDS object (link_type names the table, link_id the row)."""

    link_id = models.UUIDField(db_index=True)
    taxonomy_term = models.ForeignKey(
        TaxonomyTerm, on_delete=models.CASCADE, related_name="attributes"
    )
    link_type = _text()
    link_entity = models.TextField(default="service")
    value = _text()

    class Meta:
        indexes = [models.Index(fields=["taxonomy_term", "link_entity"])]

    def __str__(self) -> str:
        return f"{self.link_entity}:{self.link_id} {self.taxonomy_term_id}"


class Metadata(HsdsModel):
    """The change history HSDS asks for: who changed which field of which object, from, to."""

    resource_id = models.UUIDField(db_index=True)
    resource_type = models.TextField()
    last_action_date = models.TextField()
    last_action_type = models.TextField()
    field_name = models.TextField()
    previous_value = models.TextField()
    replacement_value = models.TextField()
    updated_by = models.TextField()

    class Meta:
        verbose_name_plural = "metadata"

    def __str__(self) -> str:
        return f"{self.resource_type} {self.field_name}"


class MetaTableDescription(HsdsModel):
    """HSDS: how a published data set describes itself (its name, language, character set)."""

    name = _text()
    language = _text()
    character_set = _text()

    def __str__(self) -> str:
        return self.name or str(self.id)


class Unit(HsdsModel):
    """HSDS 3.1: what a capacity is counted in (beds, same-day slots, waitlist places)."""

    name = models.TextField()
    scheme = _text()
    identifier = _text()
    uri = _text()

    def __str__(self) -> str:
        return self.name


class ServiceCapacity(HsdsModel):
    """HSDS 3.1: how much of a service is available now, and when someone last said so."""

    service = _fk("directory.Service", "capacities", null=False)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="capacities")
    available = models.FloatField()
    maximum = _number()
    description = _text()
    updated = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "service capacities"

    def __str__(self) -> str:
        return f"{self.available} {self.unit}"


class OpeningInterval(models.Model):
    """CareCircle: a service's weekly opening hours, unfolded from its schedules into minutes
    of the week in its location's time zone, so "open now" is one indexed range test."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="opening_intervals")
    location = models.ForeignKey(
        Location, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    time_zone = models.CharField(max_length=64)
    start_minute = models.PositiveIntegerField(help_text=_("Minutes since Monday 00:00"))
    end_minute = models.PositiveIntegerField(help_text=_("Minutes since Monday 00:00"))
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)

    class Meta:
        # Covering index: "open now" is answered from the index alone.
        indexes = [
            models.Index(
                fields=[
                    "time_zone",
                    "start_minute",
                    "end_minute",
                    "valid_from",
                    "valid_to",
                    "service",
                ],
                name="directory_open_now_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.service_id} {self.start_minute}-{self.end_minute}"


class VerificationReminder(models.Model):
    """CareCircle: when the worker last reminded a listing's owners to verify it."""

    service = models.OneToOneField(Service, on_delete=models.CASCADE, related_name="reminder")
    reminded_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"reminder {self.service_id}"


class PostalCode(models.Model):
    """CareCircle: the point a postal code stands for, so "near K1A 0B1" can be searched.

    Codes are stored normalized (upper case, no spaces); a Canadian forward sortation area
    ("K1A") may be stored as its own row. Geocoding street addresses is out of scope.
    """

    code = models.CharField(max_length=16, unique=True)
    latitude = models.FloatField()
    longitude = models.FloatField()
    jurisdiction = models.ForeignKey(
        "partners.Jurisdiction",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="postal_codes",
    )

    def __str__(self) -> str:
        return self.code
