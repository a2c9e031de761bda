"""Riverbend's Find help directory: the plan (pure, seeded) and what the small build writes."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.utils import timezone

from carecircle.directory.hsds import serialize as hsds
from carecircle.directory.models import (
    Address,
    Attribute,
    Location,
    OpeningInterval,
    Organization,
    PostalCode,
    Service,
    ServiceCapacity,
)
from carecircle.directory.search import SearchQuery, service_search
from carecircle.directory.taxonomy import APPROACH, POPULATION, SERVICE_TYPE, TERMS
from carecircle.synth import directory_catalogue as dc
from carecircle.synth.directory import DirectoryPlan, plan_directory, write_directory
from carecircle.synth.plan import plan_community
from carecircle.synth.riverbend import NoProgress
from carecircle.synth.writer import write_partners
from tests.directory.hsds_support import assert_valid

SEED = 42
CHICAGO = ZoneInfo("America/Chicago")
#: Every built-in term but the three that only group the others.
LEAF_TERMS = {t.code for t in TERMS} - {SERVICE_TYPE, POPULATION, APPROACH}


def snapshot(plan: DirectoryPlan) -> list[Any]:
    return [(o, o.services, o.locations) for o in plan.organizations()]


def used_terms(plan: DirectoryPlan) -> set[str]:
    return {code for o in plan.organizations() for s in o.services for code in s.terms}


def a_weekday_noon() -> datetime:
    """Noon in Riverbend on the coming Wednesday (the hours repeat every week)."""
    today = timezone.now().astimezone(CHICAGO).date()
    wednesday = today + timedelta(days=(2 - today.weekday()) % 7)
    return datetime(wednesday.year, wednesday.month, wednesday.day, 12, tzinfo=CHICAGO)


# --- The plan, without a database ---------------------------------------------------------------


def test_the_small_plan_is_deterministic() -> None:
    first = plan_directory(scale="small", seed=SEED)
    again = plan_directory(scale="small", seed=SEED)
    assert snapshot(first) == snapshot(again)
    other = plan_directory(scale="small", seed=SEED + 1)
    assert [o.id for o in other.organizations()] != [o.id for o in first.organizations()]
    # Same listings, other details (ids, hours shifts, capacities...).
    assert [o.name for o in other.organizations()] == [o.name for o in first.organizations()]


def test_the_small_plan_is_about_150_services_at_60_locations() -> None:
    counts = plan_directory(scale="small", seed=SEED).counts()
    assert 140 <= counts["directory services"] <= 160
    assert 55 <= counts["directory locations"] <= 65
    assert counts["directory organizations"] == len(dc.RIVERBEND)


def test_every_built_in_term_is_used() -> None:
    assert used_terms(plan_directory(scale="small", seed=SEED)) == LEAF_TERMS


def test_the_catalogue_names_only_built_in_terms_and_known_hours() -> None:
    for key, template in dc.TEMPLATES.items():
        assert set(template.terms) <= LEAF_TERMS, key
        assert template.hours in dc.HOURS, key
    for listing in dc.RIVERBEND:
        for offer in listing.offers:
            assert offer.template in dc.TEMPLATES, listing.name
            assert all(i < len(listing.sites) for i in offer.sites), listing.name
        for site in listing.sites:
            assert site.place in dc.PLACE_BY_NAME, site.name


def test_the_small_plan_has_confidential_and_virtual_places_and_stale_listings() -> None:
    plan = plan_directory(scale="small", seed=SEED)
    locations = [loc for o in plan.organizations() for loc in o.locations]
    confidential = [loc for loc in locations if loc.confidential]
    assert {"Safe Harbor shelter", "Youth Haven shelter"} <= {loc.name for loc in confidential}
    assert any(loc.virtual and loc.latitude is None for loc in locations)
    services = [s for o in plan.organizations() for s in o.services]
    assert sum(s.verified_days_ago > 180 for s in services) >= 5
    assert sum(s.verified_days_ago <= 180 for s in services) >= 100
    assert {"en", "fr", "es"} <= {code for s in services for code in s.languages}
    assert {"free", "sliding", "insurance"} == {s.cost for s in services}
    assert any(h.opens == h.closes for s in services for h in s.hours)  # around the clock
    assert any(h.closes < h.opens for s in services for h in s.hours)  # overnight
    assert any(h.freq == "MONTHLY" for s in services for h in s.hours)
    assert any(h.attending_type == "by appointment" for s in services for h in s.hours)


def test_places_lie_within_about_20_km_of_riverbend() -> None:
    plan = plan_directory(scale="small", seed=SEED)
    lat0, lng0 = dc.CENTRE
    for org in plan.organizations():
        for loc in org.locations:
            if loc.latitude is None or loc.longitude is None:
                continue
            assert abs(loc.latitude - lat0) < 0.25, loc.name
            assert abs(loc.longitude - lng0) < 0.3, loc.name


def test_the_large_plan_has_50000_services_at_about_20000_locations() -> None:
    plan = plan_directory(scale="large", seed=SEED)
    counts = plan.counts()
    assert counts["directory services"] == 50_000
    assert 18_000 <= counts["directory locations"] <= 24_000
    assert used_terms(plan_directory(scale="medium", seed=SEED)) == LEAF_TERMS
    # Riverbend's own listings come first at every scale.
    assert [o.name for o in plan.riverbend] == [listing.name for listing in dc.RIVERBEND]


def test_the_crowd_is_the_same_on_every_walk() -> None:
    plan = plan_directory(scale="small", seed=SEED, services=400)
    assert snapshot(plan) == snapshot(plan)
    assert plan.counts()["directory services"] == 400
    assert sum(len(o.services) for o in plan.organizations()) == 400


def test_an_unknown_scale_is_refused() -> None:
    with pytest.raises(ValueError, match="scale"):
        plan_directory(scale="huge", seed=SEED)


# --- The small build ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def riverbend(django_db_setup: Any, django_db_blocker: Any) -> Iterator[dict[str, int]]:
    """Riverbend's partners and its directory (what ``riverbend.build`` writes after the
    clients), once for the whole module, rolled back at the end."""
    with django_db_blocker.unblock(), transaction.atomic():
        community = plan_community(scale="small", seed=SEED)
        write_partners(community, NoProgress())
        plan = plan_directory(
            scale="small", seed=SEED, partners=[(o.name, o.sector) for o in community.organizations]
        )
        yield write_directory(plan, NoProgress())
        transaction.set_rollback(True)


pytestmark = pytest.mark.django_db


def test_the_build_writes_the_plan(riverbend: dict[str, int]) -> None:
    counts = plan_directory(scale="small", seed=SEED).counts()
    assert riverbend["directory services"] == Service.objects.count()
    assert riverbend["directory locations"] == Location.objects.count()
    assert riverbend["directory organizations"] == Organization.objects.count()
    for what in ("directory services", "directory locations", "directory organizations"):
        assert riverbend[what] == counts[what], what
    assert set(PostalCode.objects.values_list("code", flat=True)) == set(dc.POSTAL_CODES)


def test_partners_maintain_their_listings(riverbend: dict[str, int]) -> None:
    hub = Organization.objects.get(name="Harbor Street Harm Reduction Hub")
    assert hub.partner is not None
    assert hub.partner.name == hub.name
    assert Organization.objects.get(name="Prairie Legal Aid").partner is None
    partnered = Organization.objects.filter(partner__isnull=False).count()
    assert partnered == sum(1 for listing in dc.RIVERBEND if listing.partner)
    # A partner's listings were verified by its admin.
    service = hub.services.first()
    assert service is not None
    assert service.last_verified_by is not None
    assert service.last_verified_by.memberships.filter(
        organization=hub.partner, role="org_admin"
    ).exists()


def test_every_built_in_term_is_attached(riverbend: dict[str, int]) -> None:
    codes = set(
        Attribute.objects.filter(link_entity="service").values_list(
            "taxonomy_term__code", flat=True
        )
    )
    assert codes == LEAF_TERMS


def test_confidential_locations_are_flagged(riverbend: dict[str, int]) -> None:
    shelter = Location.objects.get(name="Safe Harbor shelter")
    assert shelter.is_confidential
    assert Address.objects.filter(location=shelter).exists()  # on file, for partners only
    assert Location.objects.filter(is_confidential=True).count() >= 3


def test_capacity_is_recent_and_some_is_full(riverbend: dict[str, int]) -> None:
    capacities = list(ServiceCapacity.objects.all())
    assert len(capacities) >= 30
    now = timezone.now()
    assert sum(now - c.updated < timedelta(hours=8) for c in capacities) > len(capacities) / 2
    assert any(c.available == 0 for c in capacities)
    assert any(c.available > 0 for c in capacities)


def test_some_listings_are_unverified_for_over_180_days(riverbend: dict[str, int]) -> None:
    stale = Service.objects.filter(last_verified_at__lt=timezone.now() - timedelta(days=180))
    assert 5 <= stale.count() <= 40


def test_services_are_open_at_a_weekday_noon_and_few_at_3_am(riverbend: dict[str, int]) -> None:
    noon = a_weekday_noon()
    assert OpeningInterval.objects.exists()
    open_at_noon = service_search(SearchQuery(open_now=True), at=noon, per_page=1)
    assert open_at_noon.total_items >= 60
    night = service_search(SearchQuery(open_now=True), at=noon - timedelta(hours=9), per_page=100)
    assert 5 <= night.total_items < open_at_noon.total_items / 2
    for hit in night.items:
        assert hit.open_now


def test_the_question_of_the_issue_has_an_answer(riverbend: dict[str, int]) -> None:
    """Who can start someone on buprenorphine today, within 20 km, without an appointment,
    in French?"""
    query = SearchQuery(
        text="buprenorphine",
        near=dc.CENTRE,
        radius_km=20,
        term_codes=("bup-same-day", "low-barrier-walk-in"),
        languages=("fr",),
        open_now=True,
    )
    page = service_search(query, at=a_weekday_noon())
    assert page.total_items >= 1
    assert all(hit.distance_km is not None and hit.distance_km <= 20 for hit in page.items)
    # What the Find help guide suggests trying in the demo.
    guide = replace(query, term_codes=(), near=None, postal_code="62101")
    found = {hit.service.name for hit in service_search(guide, at=a_weekday_noon()).items}
    assert {"Same-day buprenorphine start", "Low-barrier buprenorphine at the hub"} <= found
    beds = SearchQuery(text="shelter", postal_code="62106", radius_km=20, capacity_available=True)
    found = {hit.service.name for hit in service_search(beds).items}
    assert "Low-barrier overnight shelter" in found


def test_riverbend_listings_are_open_but_the_one_marked_closed(riverbend: dict[str, int]) -> None:
    closed = set(Service.objects.exclude(status="active").values_list("name", flat=True))
    assert closed == {"Private telehealth booth"}


def test_a_postal_code_finds_services_nearby(riverbend: dict[str, int]) -> None:
    page = service_search(SearchQuery(postal_code="62110", radius_km=5))
    assert page.total_items >= 3
    org_ids = {hit.service.organization_id for hit in page.items}
    names = set(Organization.objects.filter(pk__in=org_ids).values_list("name", flat=True))
    assert "Mill Creek Family Health Center" in names


def test_the_coalition_has_listings_to_try_capacity_and_verification(
    riverbend: dict[str, int],
) -> None:
    coalition = Organization.objects.get(name="Riverbend Overdose Response Coalition")
    assert coalition.partner is not None
    services = list(coalition.services.all())
    assert ServiceCapacity.objects.filter(service__in=services).exists()
    cutoff = timezone.now() - timedelta(days=180)
    assert any(s.last_verified_at is not None and s.last_verified_at < cutoff for s in services)


def test_every_demo_service_is_valid_hsds(riverbend: dict[str, int]) -> None:
    services = list(hsds.prefetch_service(Service.objects.all(), full=True))
    for public in (True, False):
        for data in hsds.service_dicts(services, full=True, public=public):
            assert_valid(data, "service.json")
    shelter = Service.objects.get(name="Emergency shelter for survivors of violence")
    (public_data,) = hsds.service_dicts([shelter], full=True, public=True)
    place = Location.objects.get(name="Safe Harbor shelter")
    address = Address.objects.get(location=place)
    assert address.address_1 not in str(public_data)
    assert str(place.latitude) not in str(public_data)
    (full_data,) = hsds.service_dicts([shelter], full=True, public=False)
    assert address.address_1 in str(full_data)
