"""Riverbend's Find help directory: a seeded plan of organizations, locations and services,
and the bulk writer that puts it in the database.

``plan_directory(scale=..., seed=...)`` is pure Python (no Django, no database): the same seed
gives the same organizations, places, services, hours, languages, costs, capacities and ids.
At every scale it starts with Riverbend's own listings
(:data:`~carecircle.synth.directory_catalogue.RIVERBEND`: about 150 services at 60 locations in
the county, its partners linked); the medium and large scales add a crowd of organizations in
several hundred towns across the Midwest (50,000 services at about 22,000 locations for the
benchmarks), generated lazily, organization by organization, from per-organization seeds.

``write_directory(plan, progress)`` writes the plan with :class:`~carecircle.privacy.bulk.
BulkInsert` (one ``executemany`` per table and batch, one transaction per batch of 2,000
services), then has :mod:`carecircle.directory.services` unfold the opening hours and build the
search documents and the free-text index, batch by batch, and refreshes the query planner's
statistics.
"""

from __future__ import annotations

import math
import random
import re
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any

from carecircle.synth import catalogue as cat
from carecircle.synth import directory_catalogue as dc

if TYPE_CHECKING:
    from carecircle.synth.riverbend import ProgressLike

KM_PER_DEGREE = 111.195
#: Longitude east of which the crowd's towns keep Eastern time (Indiana).
EASTERN_FROM_LONGITUDE = -86.6
EASTERN_ZONE = "America/Indiana/Indianapolis"
#: The crowd's region: the Midwest around Riverbend.
REGION = ((37.6, 43.6), (-95.5, -84.8))

#: Changes when the same seed would plan a different directory (benchmarks reuse their data
#: only when it matches).
PLAN_VERSION = 3

#: How many services written per transaction (and per progress step).
WRITE_BATCH = 2000

_NAMESPACE = uuid.UUID("1f0b7a52-8c1e-5d53-9a37-3f1d7c6a2b10")


@dataclass(frozen=True, slots=True)
class DirectorySpec:
    """How big a directory: ``services`` in all (Riverbend's own included; 0 = only those),
    and about how many towns the crowd lives in."""

    services: int
    towns: int


DIRECTORY_SCALES: Mapping[str, DirectorySpec] = {
    "small": DirectorySpec(0, 0),
    "medium": DirectorySpec(2_000, 60),
    "large": DirectorySpec(50_000, 400),
}


# --- What a plan holds ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PostalCodePlan:
    code: str
    latitude: float
    longitude: float
    in_riverbend: bool


@dataclass(frozen=True, slots=True)
class Town:
    name: str
    latitude: float
    longitude: float
    weight: float
    spread_km: float
    postal_codes: tuple[PostalCodePlan, ...]
    time_zone: str


@dataclass(frozen=True, slots=True)
class CapacityPlan:
    unit: str
    available: int
    maximum: int
    minutes_ago: int


@dataclass(frozen=True, slots=True)
class LocationPlan:
    id: uuid.UUID
    name: str
    address_1: str | None  # None for a virtual location
    city: str
    postal_code: str
    latitude: float | None
    longitude: float | None
    time_zone: str
    confidential: bool
    virtual: bool
    accessibility: str | None
    transportation: str | None
    phone: str


@dataclass(frozen=True, slots=True)
class ServicePlan:
    id: uuid.UUID
    template: str
    name: str
    alternate_name: str | None  # other words people search with ("Suboxone", "Narcan")
    description: str
    terms: tuple[str, ...]
    location_ids: tuple[uuid.UUID, ...]
    hours: tuple[dc.Hours, ...]
    languages: tuple[str, ...]
    cost: str
    documents: tuple[str, ...]
    capacities: tuple[CapacityPlan, ...]
    phone: str
    verified_days_ago: int
    modified_days_ago: int
    status: str
    url: str
    email: str
    application: str
    eligibility: str | None
    ages: tuple[int | None, int | None] | None
    wait: str | None
    interpretation: str | None
    area: str | None  # a service area name, for services that reach a whole county


@dataclass(frozen=True, slots=True)
class OrganizationPlan:
    id: uuid.UUID
    name: str
    description: str
    partner: str | None  # the partner organization's name
    website: str
    email: str
    phone: str
    locations: tuple[LocationPlan, ...]
    services: tuple[ServicePlan, ...]


# --- Small helpers --------------------------------------------------------------------------------


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def child_id(parent: uuid.UUID, what: str) -> uuid.UUID:
    """A stable id for a row that hangs off a planned one (its schedule, phone, address...)."""
    return uuid.uuid5(parent, what)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _phone(rng: random.Random, area_codes: Sequence[str] = dc.AREA_CODES) -> str:
    return f"({rng.choice(area_codes)}) 555-01{rng.randrange(100):02d}"


def _hhmm(minutes: int) -> str:
    minutes %= 24 * 60
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


_SHIFTS = (-60, -30, 0, 0, 0, 0, 30, 60)
_GROUP_DAYS = ("MO", "TU", "WE", "TH")


def _hours(rng: random.Random, pattern: str) -> tuple[dc.Hours, ...]:
    """The pattern's hours, opening and closing shifted a little (never the 24-hour ones)."""
    rows = dc.HOURS[pattern]
    shift_open, shift_close = rng.choice(_SHIFTS), rng.choice(_SHIFTS)
    made: list[dc.Hours] = []
    for row in rows:
        if row.opens == row.closes:  # around the clock
            made.append(row)
            continue
        opens, closes = _minutes(row.opens), _minutes(row.closes)
        overnight = closes < opens
        new_opens, new_closes = opens + shift_open, closes + shift_close
        if not overnight and not (0 <= new_opens < new_closes <= 24 * 60 - 1):
            new_opens, new_closes = opens, closes
        byday = row.byday
        if pattern == "weekly_group":
            byday = rng.choice(_GROUP_DAYS)
        made.append(
            dc.Hours(
                byday=byday,
                opens=_hhmm(new_opens),
                closes=_hhmm(new_closes),
                description=_describe(row, byday, new_opens, new_closes),
                freq=row.freq,
                attending_type=row.attending_type,
                notes=row.notes,
            )
        )
    return tuple(made)


_DAY_NAMES = {
    "MO": "Monday",
    "TU": "Tuesday",
    "WE": "Wednesday",
    "TH": "Thursday",
    "FR": "Friday",
    "SA": "Saturday",
    "SU": "Sunday",
}


def _clock(minutes: int) -> str:
    minutes %= 24 * 60
    hour, minute = divmod(minutes, 60)
    if hour == 12 and minute == 0:
        return "noon"
    suffix = "am" if hour < 12 else "pm"
    hour12 = hour % 12 or 12
    return f"{hour12}:{minute:02d} {suffix}" if minute else f"{hour12} {suffix}"


def _describe(row: dc.Hours, byday: str, opens: int, closes: int) -> str:
    """The schedule's description in words, after the times were shifted."""
    if row.freq == "MONTHLY":
        return f"{row.description.split(',')[0]}, {_clock(opens)} to {_clock(closes)}"
    days = byday.split(",")
    if byday == dc.WEEKDAYS:
        when = "Monday to Friday"
    elif byday == dc.EVERY_DAY:
        when = "Every day"
    elif len(days) == 1:
        when = _DAY_NAMES[days[0]] + "s"
    else:
        names = [_DAY_NAMES[d] for d in days]
        when = ", ".join(names[:-1]) + " and " + names[-1]
    return f"{when}, {_clock(opens)} to {_clock(closes)}"


def _capacities(rng: random.Random, template: dc.Template) -> tuple[CapacityPlan, ...]:
    made = []
    for capacity in template.capacity:
        maximum = rng.randint(max(1, capacity.low), max(1, capacity.high))
        # About a quarter are full right now; the rest have some room.
        available = 0 if rng.random() < 0.25 else rng.randint(1, maximum)
        # Most partners update within the day; some have not in a while.
        minutes_ago = (
            rng.randint(2, 8 * 60) if rng.random() < 0.8 else rng.randint(8 * 60, 21 * 24 * 60)
        )
        made.append(CapacityPlan(capacity.unit, available, maximum, minutes_ago))
    return tuple(made)


def _verified_days_ago(rng: random.Random) -> int:
    """Most listings were verified by a person in the last five months; about one in ten has
    not been for more than 180 days (the ones the reminders are for)."""
    if rng.random() < 0.1:
        return rng.randint(181, 420)
    return rng.randint(0, 150)


def _interpretation(rng: random.Random, languages: Sequence[str]) -> str | None:
    if rng.random() < 0.35:
        return "Free phone interpreters in any language; ask at the front desk."
    if len(languages) > 2:
        return "Staff speak " + ", ".join(dc.LANGUAGES[c] for c in languages) + "."
    return None


def _service(
    rng: random.Random,
    *,
    template_key: str,
    name: str | None,
    locations: Sequence[LocationPlan],
    languages: Sequence[str],
    domain: str,
    county: str,
    offer: dc.OfferSpec | None = None,
) -> ServicePlan:
    """A service from its template; ``offer`` (Riverbend's listings) may pin what the demo
    relies on: open or temporarily closed, room in its capacity, not verified for 180 days."""
    template = dc.TEMPLATES[template_key]
    service_id = _uuid(rng)
    langs = tuple(dict.fromkeys(("en", *languages, *template.languages)))
    service_name = name or template.name
    confidential = any(loc.confidential for loc in locations)
    phone = _phone(rng)
    status = "active" if rng.random() >= 0.015 else "temporarily closed"
    verified = _verified_days_ago(rng)
    capacities = _capacities(rng, template)
    if offer is not None:
        status = "temporarily closed" if offer.closed else "active"
        if offer.stale and verified <= 180:
            verified += 181
        if offer.room:
            capacities = tuple(
                c if c.available else replace(c, available=max(1, c.maximum // 3))
                for c in capacities
            )
    area = (
        county
        if set(template.terms) & {dc.RURAL, dc.CRISIS, dc.TELEHEALTH} or confidential
        else None
    )
    return ServicePlan(
        id=service_id,
        template=template_key,
        name=service_name,
        alternate_name=", ".join(k[:1].upper() + k[1:] for k in template.keywords) or None,
        description=template.description,
        terms=tuple(dict.fromkeys(template.terms)),
        location_ids=tuple(loc.id for loc in locations),
        hours=_hours(rng, template.hours),
        languages=langs,
        cost=template.cost,
        documents=template.documents,
        capacities=capacities,
        phone=phone,
        verified_days_ago=verified,
        modified_days_ago=min(verified, rng.randint(0, 400)),
        status=status,
        url=f"https://{domain}/services/{_slug(service_name)}",
        email=f"help@{domain}",
        application=template.application,
        eligibility=template.eligibility,
        ages=template.ages,
        wait=template.wait,
        interpretation=_interpretation(rng, langs),
        area=area,
    )


def _jitter(rng: random.Random, lat: float, lng: float, spread_km: float) -> tuple[float, float]:
    d_lat = rng.gauss(0.0, spread_km / 2) / KM_PER_DEGREE
    d_lng = rng.gauss(0.0, spread_km / 2) / (KM_PER_DEGREE * math.cos(math.radians(lat)))
    return round(lat + d_lat, 6), round(lng + d_lng, 6)


# --- Riverbend's own listings ---------------------------------------------------------------------


def _riverbend_site(rng: random.Random, site: dc.SiteSpec) -> LocationPlan:
    place = dc.PLACE_BY_NAME[site.place]
    location_id = _uuid(rng)
    phone = _phone(rng)
    if site.virtual:
        return LocationPlan(
            id=location_id,
            name=site.name,
            address_1=None,
            city=place.city,
            postal_code=place.postal_code,
            latitude=None,
            longitude=None,
            time_zone=dc.TIME_ZONE,
            confidential=False,
            virtual=True,
            accessibility=None,
            transportation=None,
            phone=phone,
        )
    lat, lng = _jitter(rng, place.latitude, place.longitude, place.spread_km)
    street = rng.choice(place.streets)
    if site.name.startswith("Harbor Street"):
        street = "Harbor Street"
    elif site.name.startswith("Cedar Street"):
        street = "Cedar Street"
    return LocationPlan(
        id=location_id,
        name=site.name,
        address_1=f"{rng.randint(1, 29) * 100 + rng.randint(0, 99)} {street}",
        city=place.city,
        postal_code=place.postal_code,
        latitude=lat,
        longitude=lng,
        time_zone=dc.TIME_ZONE,
        confidential=site.confidential,
        virtual=False,
        accessibility=site.accessibility,
        transportation=site.transportation,
        phone=phone,
    )


def _riverbend(rng: random.Random) -> list[OrganizationPlan]:
    orgs = []
    for listing in dc.RIVERBEND:
        org_id = _uuid(rng)
        domain = listing.domain or f"{_slug(listing.name)}.example"
        sites = tuple(_riverbend_site(rng, s) for s in listing.sites)
        services = []
        for offer in listing.offers:
            at = [sites[i] for i in offer.sites] if offer.sites else list(sites)
            services.append(
                _service(
                    rng,
                    template_key=offer.template,
                    name=offer.name,
                    locations=at,
                    languages=listing.languages,
                    domain=domain,
                    county=dc.COUNTY,
                    offer=offer,
                )
            )
        orgs.append(
            OrganizationPlan(
                id=org_id,
                name=listing.name,
                description=listing.description,
                partner=listing.partner,
                website=f"https://{domain}",
                email=f"info@{domain}",
                phone=_phone(rng),
                locations=sites,
                services=tuple(services),
            )
        )
    return orgs


def riverbend_postal_codes() -> list[PostalCodePlan]:
    return [
        PostalCodePlan(code, lat, lng, in_riverbend=True)
        for code, (lat, lng) in dc.POSTAL_CODES.items()
    ]


# --- The crowd ------------------------------------------------------------------------------------


def _towns(seed: int, count: int) -> tuple[Town, ...]:
    """``count`` towns across the region, a few big and many small (Zipf-like weights), each
    with its own ZIP codes around its centre."""
    if count <= 0:
        return ()
    rng = random.Random(f"{seed}:towns")
    (lat_lo, lat_hi), (lng_lo, lng_hi) = REGION
    names: set[str] = {p.city for p in dc.PLACES}
    towns: list[Town] = []
    next_code = 50_000
    for rank in range(1, count + 1):
        while True:
            name = rng.choice(dc.TOWN_FIRST) + rng.choice(dc.TOWN_LAST)
            if name not in names:
                names.add(name)
                break
        lat = round(rng.uniform(lat_lo, lat_hi), 4)
        lng = round(rng.uniform(lng_lo, lng_hi), 4)
        weight = 1.0 / rank**0.9
        spread = 2.0 + 25.0 * math.sqrt(weight)  # the biggest city spreads over ~25 km
        n_codes = max(1, round(40 * math.sqrt(weight)))
        codes = []
        for _ in range(n_codes):
            c_lat, c_lng = _jitter(rng, lat, lng, spread)
            codes.append(
                PostalCodePlan(f"{next_code:05d}", round(c_lat, 4), round(c_lng, 4), False)
            )
            next_code += 1
        zone = EASTERN_ZONE if lng >= EASTERN_FROM_LONGITUDE else dc.TIME_ZONE
        towns.append(Town(name, lat, lng, weight, spread, tuple(codes), zone))
    return tuple(towns)


_KIND_NAMES = list(dc.CROWD_KINDS)
_KIND_WEIGHTS = [dc.CROWD_KINDS[k][0] for k in _KIND_NAMES]
#: How many sites a crowd organization has (never more than it has services).
_SITE_COUNTS = (1,) * 12 + (2, 2, 2, 3)


@dataclass(frozen=True, slots=True)
class _Header:
    """What a crowd organization is, decided cheaply (counting the plan needs only this)."""

    index: int
    town: Town
    kind: str
    name: str
    partner: str | None
    templates: tuple[str, ...]
    sites: int


def _crowd_header(
    seed: int,
    index: int,
    towns: Sequence[Town],
    town_weights: Sequence[float],
    partner: tuple[str, str] | None,
) -> _Header:
    rng = random.Random(f"{seed}:org:{index}")
    town = rng.choices(towns, cum_weights=town_weights)[0]
    if partner is not None:
        name, sector = partner
        kind = dc.SECTOR_KIND.get(sector, "public")
    else:
        kind = rng.choices(_KIND_NAMES, weights=_KIND_WEIGHTS)[0]
        name = rng.choice(dc.CROWD_KINDS[kind][2]).format(place=town.name)
    offers = dc.CROWD_KINDS[kind][1]
    chosen = [key for key, chance in offers if rng.random() < chance] or [offers[0][0]]
    if kind == "survivors":
        # The confidential shelter, and an office that is public.
        chosen = list(dict.fromkeys(["survivor_shelter", "survivor_hotline", *chosen]))
        sites = 2
    else:
        sites = min(len(chosen), rng.choice(_SITE_COUNTS))
    return _Header(index, town, kind, name, partner[0] if partner else None, tuple(chosen), sites)


def _crowd_languages(rng: random.Random) -> tuple[str, ...]:
    return tuple(code for code, rate in dc.LANGUAGE_RATES.items() if rng.random() < rate)


def _crowd_site(
    rng: random.Random, town: Town, org_name: str, index: int, *, confidential: bool
) -> LocationPlan:
    code = rng.choice(town.postal_codes)
    lat, lng = _jitter(rng, code.latitude, code.longitude, max(1.5, town.spread_km / 4))
    street = rng.choice(dc.STREETS)
    name = org_name if index == 0 else f"{org_name}, {street}"
    return LocationPlan(
        id=_uuid(rng),
        name=name,
        address_1=f"{rng.randint(1, 49) * 100 + rng.randint(0, 99)} {street}",
        city=town.name,
        postal_code=code.code,
        latitude=lat,
        longitude=lng,
        time_zone=town.time_zone,
        confidential=confidential,
        virtual=False,
        accessibility="Step-free entrance" if rng.random() < 0.7 else None,
        transportation=None,
        phone=_phone(rng, ("217", "309", "319", "563", "608", "815", "573", "765")),
    )


def _crowd_org(seed: int, header: _Header, limit: int | None = None) -> OrganizationPlan:
    """The organization in full; ``limit`` keeps only its first services (and their sites)."""
    rng = random.Random(f"{seed}:org:{header.index}:details")
    town, name, kind = header.town, header.name, header.kind
    sites = tuple(
        _crowd_site(rng, town, name, i, confidential=kind == "survivors" and i == 0)
        for i in range(header.sites)
    )
    languages = _crowd_languages(rng)
    domain = f"{_slug(name)}-{header.index}.example"
    county = f"{town.name} area"
    services = []
    for j, key in enumerate(header.templates):
        if kind == "survivors":
            at = [sites[0]] if key == "survivor_shelter" else list(sites[1:])
        elif len(sites) > 1 and rng.random() < 0.5:
            at = list(sites)
        else:
            # Every site offers at least one service: the first ones go round the sites.
            at = [sites[j % len(sites)]]
        services.append(
            _service(
                rng,
                template_key=key,
                name=None,
                locations=at,
                languages=languages,
                domain=domain,
                county=county,
            )
        )
    if limit is not None and limit < len(services):
        services = services[:limit]
        used = {loc_id for s in services for loc_id in s.location_ids}
        sites = tuple(loc for loc in sites if loc.id in used)
    description = (
        f"{name} serves {town.name} and the surrounding area: "
        + ", ".join(dc.TEMPLATES[k].name.lower() for k in header.templates[:4])
        + "."
    )
    return OrganizationPlan(
        id=_uuid(rng),
        name=name,
        description=description,
        partner=header.partner,
        website=f"https://{domain}",
        email=f"info@{domain}",
        phone=sites[0].phone,
        locations=sites,
        services=tuple(services),
    )


# --- The plan -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DirectoryPlan:
    """Everything the directory will hold, decided from the seed. Riverbend's listings are
    planned up front; the crowd is generated lazily and the same on every call."""

    scale: str
    seed: int
    services_wanted: int  # 0: Riverbend's own listings only
    town_count: int
    partners: tuple[tuple[str, str], ...]  # crowd organizations that are partners: name, sector

    @cached_property
    def riverbend(self) -> tuple[OrganizationPlan, ...]:
        return tuple(_riverbend(random.Random(f"{self.seed}:riverbend")))

    @cached_property
    def towns(self) -> tuple[Town, ...]:
        return _towns(self.seed, self.town_count)

    @property
    def riverbend_service_count(self) -> int:
        return sum(len(o.services) for o in self.riverbend)

    @property
    def service_count(self) -> int:
        return max(self.services_wanted, self.riverbend_service_count)

    def postal_codes(self) -> list[PostalCodePlan]:
        return [*riverbend_postal_codes(), *(c for t in self.towns for c in t.postal_codes)]

    def _headers(self) -> Iterator[tuple[_Header, int | None]]:
        """Each crowd organization's header, and how many of its services are kept (None:
        all; the last one is cut to reach the number of services wanted)."""
        remaining = self.services_wanted - self.riverbend_service_count
        if remaining <= 0 or not self.towns:
            return
        weights: list[float] = []
        total = 0.0
        for town in self.towns:
            total += town.weight
            weights.append(total)
        index = 0
        while remaining > 0:
            partner = self.partners[index] if index < len(self.partners) else None
            header = _crowd_header(self.seed, index, self.towns, weights, partner)
            count = len(header.templates)
            yield header, (remaining if count > remaining else None)
            remaining -= count
            index += 1

    def crowd(self) -> Iterator[OrganizationPlan]:
        for header, limit in self._headers():
            yield _crowd_org(self.seed, header, limit)

    def organizations(self) -> Iterator[OrganizationPlan]:
        """Riverbend's listings, then the crowd."""
        yield from self.riverbend
        yield from self.crowd()

    def counts(self) -> Counter[str]:
        """What the plan holds, by kind, without planning every service in full."""
        counts: Counter[str] = Counter()
        for org in self.riverbend:
            counts["directory organizations"] += 1
            counts["directory locations"] += len(org.locations)
            counts["directory services"] += len(org.services)
        for header, limit in self._headers():
            if limit is None:
                services, sites = len(header.templates), header.sites
            else:
                cut = _crowd_org(self.seed, header, limit)
                services, sites = len(cut.services), len(cut.locations)
            counts["directory organizations"] += 1
            counts["directory locations"] += sites
            counts["directory services"] += services
        return counts


def plan_directory(
    *,
    scale: str,
    seed: int,
    services: int | None = None,
    partners: Iterable[tuple[str, str]] = (),
) -> DirectoryPlan:
    """The directory for a Riverbend ``scale`` (or ``services`` in all, for benchmarks).

    ``partners`` are extra partner organizations (name, sector) beyond Riverbend's own, e.g.
    the large scale's; the first crowd organizations are their listings.
    """
    if scale not in DIRECTORY_SCALES:
        raise ValueError(f"scale: choose one of {', '.join(DIRECTORY_SCALES)}, not {scale!r}")
    spec = DIRECTORY_SCALES[scale]
    wanted = spec.services if services is None else services
    if wanted < 0:
        raise ValueError("services: must be 0 or more")
    towns = spec.towns or (max(20, wanted // 125) if wanted else 0)
    riverbend_partners = {name for name, _ in cat.MEMBERS} | {cat.COALITION_NAME}
    extra = tuple((n, s) for n, s in partners if n not in riverbend_partners)
    return DirectoryPlan(
        scale=scale,
        seed=seed,
        services_wanted=wanted,
        town_count=towns if wanted else 0,
        partners=extra,
    )


# --- Writing --------------------------------------------------------------------------------------

#: Only free services carry an amount (0): the search's "free" filter reads it.
COST_OPTIONS: Mapping[str, tuple[str, float | None, str, str]] = {
    # cost: (option, amount, amount description, fees description)
    "free": ("Free", 0.0, "No charge.", "Free."),
    "sliding": (
        "Sliding scale",
        None,
        "From $0, based on household income; nobody is turned away for inability to pay.",
        "Sliding scale from $0; nobody is turned away for inability to pay.",
    ),
    "insurance": (
        "Medicaid and most insurance",
        None,
        "Medicaid, Medicare and most private insurance accepted; a sliding scale from $0 for "
        "people without insurance.",
        "Billed to insurance; sliding scale for people without it.",
    ),
}

FUNDERS = (
    "Riverbend County opioid settlement funds",
    "State Opioid Response grant (SAMHSA)",
    "Illinois Department of Human Services",
    "Private donations",
)

#: The HSDS ``updated_by`` the demo's metadata rows carry.
DEMO_AUTHOR = "riverbend-demo"


class _Inserters:
    """One :class:`BulkInsert` per table, and the rows waiting for the next flush."""

    def __init__(self) -> None:
        from carecircle.directory import models as m
        from carecircle.privacy.bulk import BulkInsert

        self.tables: dict[str, Any] = {
            "organization": BulkInsert(
                m.Organization, ["id", "name", "description", "email", "website", "partner"]
            ),
            "location": BulkInsert(
                m.Location,
                [
                    "id",
                    "location_type",
                    "organization",
                    "name",
                    "description",
                    "transportation",
                    "latitude",
                    "longitude",
                    "is_confidential",
                    "time_zone",
                    "url",
                ],
            ),
            "address": BulkInsert(
                m.Address,
                [
                    "id",
                    "location",
                    "address_1",
                    "city",
                    "region",
                    "state_province",
                    "postal_code",
                    "country",
                    "address_type",
                ],
            ),
            "accessibility": BulkInsert(m.Accessibility, ["id", "location", "description"]),
            "phone": BulkInsert(
                m.Phone,
                ["id", "location", "service", "organization", "number", "type", "description"],
            ),
            "service": BulkInsert(
                m.Service,
                [
                    "id",
                    "organization",
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
                    "eligibility_description",
                    "minimum_age",
                    "maximum_age",
                    "last_modified",
                    "last_verified_at",
                    "last_verified_by",
                ],
            ),
            "service_at_location": BulkInsert(m.ServiceAtLocation, ["id", "service", "location"]),
            "schedule": BulkInsert(
                m.Schedule,
                [
                    "id",
                    "service",
                    "freq",
                    "wkst",
                    "byday",
                    "opens_at",
                    "closes_at",
                    "description",
                    "attending_type",
                    "notes",
                ],
            ),
            "language": BulkInsert(m.Language, ["id", "service", "name", "code"]),
            "cost_option": BulkInsert(
                m.CostOption,
                ["id", "service", "option", "currency", "amount", "amount_description"],
            ),
            "required_document": BulkInsert(m.RequiredDocument, ["id", "service", "document"]),
            "attribute": BulkInsert(
                m.Attribute, ["id", "link_id", "taxonomy_term", "link_type", "link_entity"]
            ),
            "capacity": BulkInsert(
                m.ServiceCapacity,
                ["id", "service", "unit", "available", "maximum", "description", "updated"],
            ),
            "service_area": BulkInsert(m.ServiceArea, ["id", "service", "name", "description"]),
            "funding": BulkInsert(m.Funding, ["id", "organization", "service", "source"]),
            "metadata": BulkInsert(
                m.Metadata,
                [
                    "id",
                    "resource_id",
                    "resource_type",
                    "last_action_date",
                    "last_action_type",
                    "field_name",
                    "previous_value",
                    "replacement_value",
                    "updated_by",
                ],
            ),
        }
        self.rows: dict[str, list[tuple[Any, ...]]] = {name: [] for name in self.tables}

    def add(self, table: str, row: tuple[Any, ...]) -> None:
        self.rows[table].append(row)

    def flush(self) -> None:
        # Parents before children: the order of ``tables``.
        for name, insert in self.tables.items():
            if self.rows[name]:
                insert.insert(self.rows[name])
                self.rows[name] = []


@dataclass
class _Lookups:
    now: datetime
    term_ids: Mapping[str, Any]
    unit_ids: Mapping[str, uuid.UUID]
    partner_ids: Mapping[str, int]  # partner organization name -> pk
    verifier_ids: Mapping[str, int]  # partner organization name -> its admin's user id
    default_verifier: int | None
    action_date: Any  # directory.services.action_date: HSDS metadata's time format


def _lookups() -> _Lookups:
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from carecircle.directory.models import TaxonomyTerm, Unit
    from carecircle.directory.services import action_date
    from carecircle.directory.taxonomy import BUILTIN_TAXONOMY_ID, ensure_builtin_taxonomy
    from carecircle.partners.models import Membership
    from carecircle.partners.models import Organization as Partner

    ensure_builtin_taxonomy()
    term_ids = {
        str(code): term
        for code, term in TaxonomyTerm.objects.filter(
            taxonomy_detail_id=BUILTIN_TAXONOMY_ID
        ).values_list("code", "id")
    }
    unit_ids: dict[str, uuid.UUID] = {}
    for unit_name in dc.UNITS:
        unit, _ = Unit.objects.get_or_create(
            id=uuid.uuid5(_NAMESPACE, f"unit:{unit_name}"),
            defaults={"name": unit_name, "scheme": "CareCircle", "identifier": _slug(unit_name)},
        )
        unit_ids[unit_name] = unit.id
    partner_ids = dict(Partner.objects.values_list("name", "pk"))
    verifiers: dict[str, int] = {}
    for org_name, user_id in Membership.objects.filter(role="org_admin").values_list(
        "organization__name", "user_id"
    ):
        verifiers.setdefault(org_name, user_id)
    coordinator = (
        get_user_model().objects.filter(username="cora").values_list("pk", flat=True).first()
    )
    return _Lookups(
        now=timezone.now(),
        term_ids=term_ids,
        unit_ids=unit_ids,
        partner_ids=partner_ids,
        verifier_ids=verifiers,
        default_verifier=coordinator,
        action_date=action_date,
    )


def _organization_rows(ins: _Inserters, org: OrganizationPlan, look: _Lookups) -> None:
    partner_id = look.partner_ids.get(org.partner) if org.partner else None
    ins.add("organization", (org.id, org.name, org.description, org.email, org.website, partner_id))
    ins.add("phone", (child_id(org.id, "phone"), None, None, org.id, org.phone, "voice", None))
    for loc in org.locations:
        ins.add(
            "location",
            (
                loc.id,
                "virtual" if loc.virtual else "physical",
                org.id,
                loc.name,
                None,
                loc.transportation,
                loc.latitude,
                loc.longitude,
                loc.confidential,
                loc.time_zone,
                org.website if loc.virtual else None,
            ),
        )
        if loc.address_1 is not None:
            ins.add(
                "address",
                (
                    child_id(loc.id, "address"),
                    loc.id,
                    loc.address_1,
                    loc.city,
                    dc.COUNTY if loc.postal_code.startswith("621") else None,
                    dc.STATE,
                    loc.postal_code,
                    dc.COUNTRY,
                    "physical",
                ),
            )
        if loc.accessibility:
            ins.add("accessibility", (child_id(loc.id, "accessibility"), loc.id, loc.accessibility))
        ins.add("phone", (child_id(loc.id, "phone"), loc.id, None, None, loc.phone, "voice", None))
    verifier = look.verifier_ids.get(org.partner or "", look.default_verifier)
    for service in org.services:
        _service_rows(ins, org, service, look, verifier)


def _service_rows(
    ins: _Inserters,
    org: OrganizationPlan,
    service: ServicePlan,
    look: _Lookups,
    verifier: int | None,
) -> None:
    sid = service.id
    option, amount, amount_description, fees = COST_OPTIONS[service.cost]
    verified_at = look.now - timedelta(days=service.verified_days_ago, minutes=sid.int % 600)
    modified_at = look.now - timedelta(days=service.modified_days_ago, minutes=sid.int % 300)
    min_age, max_age = service.ages or (None, None)
    ins.add(
        "service",
        (
            sid,
            org.id,
            service.name,
            service.alternate_name,
            service.description,
            service.url,
            service.email,
            service.status,
            service.interpretation,
            service.application,
            fees,
            service.wait,
            service.eligibility,
            float(min_age) if min_age is not None else None,
            float(max_age) if max_age is not None else None,
            modified_at,
            verified_at,
            verifier,
        ),
    )
    for location_id in service.location_ids:
        ins.add("service_at_location", (child_id(sid, f"at:{location_id}"), sid, location_id))
    for i, hours in enumerate(service.hours):
        ins.add(
            "schedule",
            (
                child_id(sid, f"schedule:{i}"),
                sid,
                hours.freq,
                "MO",
                hours.byday,
                hours.opens,
                hours.closes,
                hours.description,
                hours.attending_type,
                hours.notes,
            ),
        )
    for code in service.languages:
        ins.add("language", (child_id(sid, f"language:{code}"), sid, dc.LANGUAGES[code], code))
    ins.add(
        "cost_option",
        (child_id(sid, "cost"), sid, option, "USD", amount, amount_description),
    )
    for i, document in enumerate(service.documents):
        ins.add("required_document", (child_id(sid, f"document:{i}"), sid, document))
    for code in service.terms:
        term = look.term_ids.get(code)
        if term is None:
            raise ValueError(f"the built-in taxonomy has no term {code!r}; update the catalogue")
        ins.add("attribute", (child_id(sid, f"term:{code}"), sid, term, None, "service"))
    for capacity in service.capacities:
        ins.add(
            "capacity",
            (
                child_id(sid, f"capacity:{capacity.unit}"),
                sid,
                look.unit_ids[capacity.unit],
                float(capacity.available),
                float(capacity.maximum),
                dc.UNITS[capacity.unit],
                look.now - timedelta(minutes=capacity.minutes_ago),
            ),
        )
    phone_type = (
        "text" if dc.TELEHEALTH in service.terms and dc.CRISIS in service.terms else "voice"
    )
    ins.add(
        "phone",
        (child_id(sid, "phone"), None, sid, None, service.phone, phone_type, None),
    )
    if service.area:
        ins.add(
            "service_area",
            (child_id(sid, "area"), sid, service.area, f"Anywhere in {service.area}"),
        )
    if org.partner and sid.int % 3 == 0:
        funder = FUNDERS[sid.int % len(FUNDERS)]
        ins.add("funding", (child_id(sid, "funding"), None, sid, funder))
    ins.add(
        "metadata",
        (
            child_id(sid, "created"),
            sid,
            "service",
            look.action_date(modified_at),
            "create",
            "name",
            "",
            service.name,
            DEMO_AUTHOR,
        ),
    )


def _write_postal_codes(plan: DirectoryPlan) -> int:
    from carecircle.directory.models import PostalCode
    from carecircle.partners.models import Jurisdiction
    from carecircle.privacy.bulk import BulkInsert

    jurisdiction_id = (
        Jurisdiction.objects.filter(name=cat.JURISDICTION["name"])
        .values_list("pk", flat=True)
        .first()
    )
    existing = set(PostalCode.objects.values_list("code", flat=True))
    rows = [
        (c.code, c.latitude, c.longitude, jurisdiction_id if c.in_riverbend else None)
        for c in plan.postal_codes()
        if c.code not in existing
    ]
    return BulkInsert(PostalCode, ["code", "latitude", "longitude", "jurisdiction"]).insert(rows)


def check_directory_empty(plan: DirectoryPlan) -> None:
    from carecircle.directory.models import Organization as Listing

    first = plan.riverbend[0]
    if (
        Listing.objects.filter(pk=first.id).exists()
        or Listing.objects.filter(name=first.name).exists()
    ):
        raise ValueError(
            f"the directory already lists {first.name!r}; build into an empty database."
        )


def write_directory(
    plan: DirectoryPlan, progress: ProgressLike, *, batch_size: int = WRITE_BATCH
) -> dict[str, int]:
    """Write the plan, then unfold its opening hours and index it for search. Returns what was
    written by kind. Each batch of services is its own transaction (joining the caller's, when
    there is one)."""
    from django.db import transaction

    check_directory_empty(plan)
    counts: Counter[str] = Counter()
    progress.step("Directory listings", plan.service_count)
    with transaction.atomic():
        look = _lookups()
        counts["postal codes"] = _write_postal_codes(plan)
    ins = _Inserters()
    pending = 0
    written_ids: list[uuid.UUID] = []

    def flush() -> None:
        nonlocal pending
        with transaction.atomic():
            ins.flush()
        progress.advance(pending)
        pending = 0

    for org in plan.organizations():
        _organization_rows(ins, org, look)
        counts["directory organizations"] += 1
        counts["directory locations"] += len(org.locations)
        counts["directory services"] += len(org.services)
        pending += len(org.services)
        written_ids += [s.id for s in org.services]
        if pending >= batch_size:
            flush()
    flush()
    rebuild_derived(written_ids, progress, batch_size=batch_size)
    analyze()
    return dict(counts)


def analyze() -> None:
    """Refresh the query planner's statistics after a bulk load. Without them SQLite scans
    every service-at-location for a search near a point instead of using the coordinates'
    index (~10x slower at 50,000 services); PostgreSQL would wait for autovacuum."""
    from django.apps import apps
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("ANALYZE")
        elif connection.vendor == "postgresql":
            quote = connection.ops.quote_name
            for model in apps.get_app_config("directory").get_models():
                cursor.execute(f"ANALYZE {quote(model._meta.db_table)}")


# --- Opening hours and search documents, in bulk --------------------------------------------------


def rebuild_derived(
    service_ids: Sequence[uuid.UUID], progress: ProgressLike, *, batch_size: int = WRITE_BATCH
) -> None:
    """Unfold the services' opening hours and build their search documents and free-text index,
    through ``directory.services`` (which does both for many services at a time)."""
    from django.db import transaction

    from carecircle.directory import services as directory_services
    from carecircle.directory.models import Service

    progress.step("Directory hours and search", len(service_ids))
    for start in range(0, len(service_ids), batch_size):
        chunk = service_ids[start : start + batch_size]
        with transaction.atomic():
            services = list(Service.objects.filter(id__in=chunk))
            directory_services.opening_intervals_rebuild(services=services)
            directory_services.search_document_rebuild(services=services)
        progress.advance(len(chunk))


def build_directory(
    *,
    scale: str,
    seed: int,
    progress: ProgressLike | None = None,
    services: int | None = None,
    partners: Iterable[tuple[str, str]] = (),
) -> dict[str, int]:
    """Plan and write the directory for ``scale`` (the ``carecircle synth`` step and the
    benchmarks' data set)."""
    from carecircle.synth.riverbend import NoProgress

    plan = plan_directory(scale=scale, seed=seed, services=services, partners=partners)
    return write_directory(plan, progress or NoProgress())
