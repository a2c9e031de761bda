"""The directory the HSDS API tests read: two organizations, three services, a confidential
shelter whose whereabouts must never leave the API, and a bulk builder for query counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from carecircle.directory import models as m
from carecircle.directory.services import search_document_rebuild

# The confidential shelter: none of this may appear in any response.
SECRET_ADDRESS = "77 Hidden Lane"
SECRET_POSTAL_CODE = "K2Z9Z9"
SECRET_LAT, SECRET_LNG = 45.50127, -75.60113
SECRET_TRANSPORT = "Bus 7 to the corner of Elm"
SECRET_ACCESS = "Ramp at the side door"
SECRET_URL = "https://shelter.example.org/where"


@dataclass
class Directory:
    bup_taxonomy: m.Taxonomy
    other_taxonomy: m.Taxonomy
    bup: m.TaxonomyTerm
    bup_child: m.TaxonomyTerm
    naloxone: m.TaxonomyTerm
    shelter_term: m.TaxonomyTerm
    clinic: m.Organization
    haven: m.Organization
    clinic_site: m.Location
    shelter_site: m.Location
    bup_start: m.Service
    kits: m.Service
    shelter: m.Service
    bup_here: m.ServiceAtLocation
    kits_here: m.ServiceAtLocation
    shelter_here: m.ServiceAtLocation


def index(*services: m.Service) -> None:
    """What the listing services do after a change: the search document and the text index."""
    search_document_rebuild(services=services)


def tag(service: m.Service, term: m.TaxonomyTerm) -> m.Attribute:
    return m.Attribute.objects.create(link_id=service.id, link_entity="service", taxonomy_term=term)


@pytest.fixture
def directory(db: None) -> Directory:
    care = m.Taxonomy.objects.create(name="CareCircle", description="Built-in service types")
    other = m.Taxonomy.objects.create(name="Other", description="Imported beside it")
    bup = m.TaxonomyTerm.objects.create(
        code="bup-same-day",
        name="Buprenorphine start",
        description="Same day",
        taxonomy_detail=care,
    )
    bup_child = m.TaxonomyTerm.objects.create(
        code="bup-home",
        name="Home induction",
        description="At home",
        taxonomy_detail=care,
        parent=bup,
    )
    naloxone = m.TaxonomyTerm.objects.create(
        code="naloxone", name="Naloxone", description="Kits", taxonomy_detail=care
    )
    shelter_term = m.TaxonomyTerm.objects.create(
        code="shelter", name="Shelter", description="A bed tonight", taxonomy_detail=other
    )
    clinic = m.Organization.objects.create(
        name="Riverbend MOUD Clinic", description="Medication for opioid use disorder"
    )
    haven = m.Organization.objects.create(name="Safe Haven", description="Shelter for survivors")
    clinic_site = m.Location.objects.create(
        organization=clinic, name="Clinic on Main", latitude=45.42, longitude=-75.69
    )
    m.Address.objects.create(
        location=clinic_site,
        address_1="100 Main Street",
        city="Riverbend",
        state_province="ON",
        postal_code="K1A0B1",
        country="CA",
        address_type="physical",
    )
    shelter_site = m.Location.objects.create(
        organization=haven,
        name="Safe Haven House",
        latitude=SECRET_LAT,
        longitude=SECRET_LNG,
        transportation=SECRET_TRANSPORT,
        url=SECRET_URL,
        is_confidential=True,
    )
    m.Address.objects.create(
        location=shelter_site,
        address_1=SECRET_ADDRESS,
        city="Riverbend",
        state_province="ON",
        postal_code=SECRET_POSTAL_CODE,
        country="CA",
        address_type="physical",
    )
    m.Accessibility.objects.create(location=shelter_site, description=SECRET_ACCESS)
    m.Phone.objects.create(location=shelter_site, number="613-555-0199")
    # Its change history would give the old coordinates away.
    m.Metadata.objects.create(
        resource_id=shelter_site.id,
        resource_type="location",
        last_action_date="2024-01-01",
        last_action_type="update",
        field_name="latitude",
        previous_value=str(SECRET_LAT),
        replacement_value=str(SECRET_LAT),
        updated_by="erin",
    )
    bup_start = m.Service.objects.create(
        organization=clinic,
        name="Same-day buprenorphine start",
        description="Walk in, start today.",
        last_modified=datetime(2024, 6, 1, tzinfo=UTC),
    )
    kits = m.Service.objects.create(
        organization=clinic,
        name="Naloxone kits",
        description="Free kits and training.",
        last_modified=datetime(2024, 1, 1, tzinfo=UTC),
    )
    shelter = m.Service.objects.create(
        organization=haven,
        name="Emergency shelter",
        description="A safe bed tonight.",
        status="temporarily closed",
        last_modified=datetime(2024, 3, 1, tzinfo=UTC),
    )
    tag(bup_start, bup)
    tag(kits, naloxone)
    tag(shelter, shelter_term)
    m.Phone.objects.create(service=bup_start, number="613-555-0100")
    index(bup_start, kits, shelter)
    m.PostalCode.objects.create(code="K1A0B1", latitude=45.42, longitude=-75.69)
    return Directory(
        bup_taxonomy=care,
        other_taxonomy=other,
        bup=bup,
        bup_child=bup_child,
        naloxone=naloxone,
        shelter_term=shelter_term,
        clinic=clinic,
        haven=haven,
        clinic_site=clinic_site,
        shelter_site=shelter_site,
        bup_start=bup_start,
        kits=kits,
        shelter=shelter,
        bup_here=m.ServiceAtLocation.objects.create(service=bup_start, location=clinic_site),
        kits_here=m.ServiceAtLocation.objects.create(service=kits, location=clinic_site),
        shelter_here=m.ServiceAtLocation.objects.create(service=shelter, location=shelter_site),
    )


def many_services(count: int) -> None:
    care = m.Taxonomy.objects.create(name="Bulk", description="Bulk")
    term = m.TaxonomyTerm.objects.create(name="Bulk term", description="x", taxonomy_detail=care)
    for n in range(count):
        org = m.Organization.objects.create(name=f"Org {n}", description="d")
        m.Phone.objects.create(organization=org, number="1")
        service = m.Service.objects.create(organization=org, name=f"Service {n}")
        place = m.Location.objects.create(
            organization=org, name=f"Place {n}", latitude=45.0, longitude=-75.0
        )
        m.Address.objects.create(
            location=place,
            address_1=f"{n} Road",
            city="c",
            state_province="s",
            postal_code="p",
            country="CA",
            address_type="physical",
        )
        here = m.ServiceAtLocation.objects.create(service=service, location=place)
        contact = m.Contact.objects.create(service=service, name="Front desk")
        phone = m.Phone.objects.create(service=service, contact=contact, number="2")
        m.Language.objects.create(phone=phone, code="fr")
        m.Schedule.objects.create(service_at_location=here, byday="MO", freq="WEEKLY")
        m.CostOption.objects.create(service=service, amount=0)
        tag(service, term)
        m.Metadata.objects.create(
            resource_id=service.id,
            resource_type="service",
            last_action_date="2024-01-01",
            last_action_type="create",
            field_name="name",
            previous_value="",
            replacement_value=service.name,
            updated_by="importer",
        )
