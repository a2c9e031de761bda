"""A small Find help directory for the search, public page and browser tests.

Riverbend (America/Chicago) around the point ``HERE``:

- ``bup``: same-day buprenorphine, walk-in, free, English and French, open 24/7, 3 of 5
  same-day slots, 3 km away, partner-maintained, verified today;
- ``bup_far``: buprenorphine start by appointment, about 33 km away, weekdays 9 to 5, English,
  no space;
- ``naloxone``: naloxone kits in the evening (20:00 to 23:00), at the same clinic, cost 0;
- ``shelter``: a shelter for survivors of violence at a *confidential* location ("77 Hidden
  Lane"), 24/7, women, 2 beds;
- ``tele``: counselling by video in French (a virtual location, no coordinates);
- ``eastern``: a peer drop-in whose hours are in America/New_York (09:00 to 10:00 there).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.utils import timezone

from carecircle.directory import services as directory_services
from carecircle.directory import taxonomy
from carecircle.directory.models import (
    Address,
    Attribute,
    CostOption,
    Language,
    Location,
    Organization,
    Phone,
    PostalCode,
    RequiredDocument,
    Schedule,
    Service,
    ServiceAtLocation,
    ServiceCapacity,
    Unit,
)
from carecircle.partners.models import PrivacyRegime, Role, Sector
from carecircle.partners.services import (
    jurisdiction_create,
    membership_create,
    organization_create,
)

HERE = (41.6000, -93.6000)
POSTAL_CODE = "50309"
CONFIDENTIAL_STREET = "77 Hidden Lane"
CONFIDENTIAL_DIRECTIONS = "Side door behind the bakery"
CRISIS_NAME = "Riverbend Crisis Line"
CRISIS_PHONE = "1-800-555-0199"
CRISIS_TEXT = "Free and confidential, 24 hours a day."
ALL_DAYS = "MO,TU,WE,TH,FR,SA,SU"


@dataclass
class FindHelp:
    jurisdiction: Any
    partner: Any  # partners.Organization
    member: Any  # a user who is a member of ``partner``
    org: Organization
    clinic: Location
    far_clinic: Location
    shelter_site: Location
    virtual: Location
    eastern_site: Location
    bup: Service
    bup_far: Service
    naloxone: Service
    shelter: Service
    tele: Service
    eastern: Service

    @property
    def services(self) -> list[Service]:
        return [self.bup, self.bup_far, self.naloxone, self.shelter, self.tele, self.eastern]


def _term(code: str) -> Any:
    from carecircle.directory.models import TaxonomyTerm

    return TaxonomyTerm.objects.get(id=taxonomy.term_id(code))


def _tag(service: Service, *codes: str) -> None:
    for code in codes:
        Attribute.objects.create(link_id=service.id, taxonomy_term=_term(code), link_type="service")


def _location(org: Organization, name: str, **fields: Any) -> Location:
    return Location.objects.create(organization=org, name=name, **fields)


def _address(location: Location, street: str, postal_code: str = POSTAL_CODE) -> None:
    Address.objects.create(
        location=location,
        address_1=street,
        city="Riverbend",
        state_province="IA",
        postal_code=postal_code,
        country="US",
        address_type="physical",
    )


def _service(org: Organization, name: str, location: Location, **fields: Any) -> Service:
    service = Service.objects.create(organization=org, name=name, status="active", **fields)
    ServiceAtLocation.objects.create(service=service, location=location)
    return service


def _hours(service: Service, opens: str, closes: str, byday: str = ALL_DAYS) -> None:
    Schedule.objects.create(
        service=service, freq="WEEKLY", byday=byday, opens_at=opens, closes_at=closes
    )


def _capacity(service: Service, unit: str, available: float, maximum: float | None) -> None:
    ServiceCapacity.objects.create(
        service=service,
        unit=Unit.objects.get_or_create(name=unit)[0],
        available=available,
        maximum=maximum,
        updated=timezone.now() - timedelta(hours=2),
    )


def build_find_help(*, username: str = "carlos") -> FindHelp:
    from tests.factories import UserFactory

    taxonomy.ensure_builtin_taxonomy()
    riverbend = jurisdiction_create(
        name="Riverbend",
        country="US",
        region="Riverbend County",
        privacy_regime=PrivacyRegime.US_PART2_HIPAA,
        time_zone="America/Chicago",
        crisis_line_name=CRISIS_NAME,
        crisis_line_phone=CRISIS_PHONE,
        crisis_line_text=CRISIS_TEXT,
    )
    partner = organization_create(
        name="Riverbend Recovery Clinic", sector=Sector.TREATMENT_CLINIC, jurisdiction=riverbend
    )
    user: Any = UserFactory(username=username)
    membership_create(user=user, organization=partner, role=Role.INTAKE_VOLUNTEER)
    PostalCode.objects.create(
        code=POSTAL_CODE, latitude=HERE[0], longitude=HERE[1], jurisdiction=riverbend
    )

    org = Organization.objects.create(
        name="Riverbend Recovery Clinic",
        description="Treatment and harm reduction.",
        partner=partner,
    )
    chicago = "America/Chicago"
    clinic = _location(
        org,
        "Main Street clinic",
        latitude=41.6200,
        longitude=-93.5800,
        time_zone=chicago,
        transportation="Bus 4 stops at the door.",
    )
    _address(clinic, "100 Main Street")
    far_clinic = _location(
        org, "North clinic", latitude=41.9000, longitude=-93.6000, time_zone=chicago
    )
    _address(far_clinic, "9 North Road", "50310")
    shelter_site = _location(
        org,
        "Safe house",
        latitude=41.6100,
        longitude=-93.6100,
        time_zone=chicago,
        is_confidential=True,
        transportation=CONFIDENTIAL_DIRECTIONS,
    )
    _address(shelter_site, CONFIDENTIAL_STREET)
    virtual = _location(org, "Video visits", location_type="virtual", time_zone=chicago)
    eastern_site = _location(
        org, "Peer drop-in", latitude=41.5900, longitude=-93.6300, time_zone="America/New_York"
    )
    _address(eastern_site, "5 River Walk")

    now = timezone.now()
    bup = _service(
        org,
        "Same-day buprenorphine start",
        clinic,
        description="Walk in and start buprenorphine today. No appointment needed.",
        last_verified_at=now,
        last_modified=now,
    )
    _hours(bup, "00:00", "24:00")
    _tag(bup, taxonomy.BUP_SAME_DAY, taxonomy.LOW_BARRIER_WALK_IN, taxonomy.LOW_BARRIER_FREE)
    Language.objects.create(service=bup, code="en", name="English")
    Language.objects.create(service=bup, code="fr", name="French")
    _capacity(bup, "same-day slots", 3, 5)
    Phone.objects.create(service=bup, number="555-0100", type="voice")
    RequiredDocument.objects.create(service=bup, document="Your medications, if you have any")

    bup_far = _service(
        org,
        "Buprenorphine by appointment",
        far_clinic,
        description="Buprenorphine treatment; call to book.",
        last_verified_at=now - timedelta(days=400),
    )
    _hours(bup_far, "09:00", "17:00", "MO,TU,WE,TH,FR")
    _tag(bup_far, taxonomy.BUP_SAME_DAY)
    Language.objects.create(service=bup_far, code="en")
    _capacity(bup_far, "same-day slots", 0, 4)

    naloxone = _service(
        org,
        "Naloxone kits in the evening",
        clinic,
        description="Free naloxone kits and a short training.",
    )
    _hours(naloxone, "20:00", "23:00")
    _tag(naloxone, taxonomy.NALOXONE)
    CostOption.objects.create(service=naloxone, amount=0, currency="USD", option="Kit")

    shelter = _service(
        org,
        "Safe shelter for survivors of violence",
        shelter_site,
        description="Emergency shelter for women and their children.",
    )
    _hours(shelter, "00:00", "24:00")
    _tag(shelter, taxonomy.HOUSING_SHELTER, taxonomy.WOMEN)
    _capacity(shelter, "beds", 2, 12)
    Phone.objects.create(service=shelter, number="555-0177", type="voice")

    tele = _service(
        org,
        "Counselling by video, in French",
        virtual,
        description="Counselling sessions by video, en français.",
    )
    _hours(tele, "09:00", "17:00", "MO,TU,WE,TH,FR")
    _tag(tele, taxonomy.COUNSELING)
    Language.objects.create(service=tele, code="fr-CA", name="French")
    CostOption.objects.create(service=tele, amount=40, currency="USD")

    eastern = _service(
        org, "Peer support drop-in", eastern_site, description="Coffee and peer support."
    )
    _hours(eastern, "09:00", "10:00")
    _tag(eastern, taxonomy.PEER_SUPPORT, taxonomy.LOW_BARRIER_WALK_IN)

    services = [bup, bup_far, naloxone, shelter, tele, eastern]
    directory_services.opening_intervals_rebuild(services=services)
    directory_services.search_document_rebuild(services=services)
    for service in services:
        service.refresh_from_db()
    return FindHelp(
        jurisdiction=riverbend,
        partner=partner,
        member=user,
        org=org,
        clinic=clinic,
        far_clinic=far_clinic,
        shelter_site=shelter_site,
        virtual=virtual,
        eastern_site=eastern_site,
        bup=bup,
        bup_far=bup_far,
        naloxone=naloxone,
        shelter=shelter,
        tele=tele,
        eastern=eastern,
    )
