"""The public Find help pages: search, results with a map, and a service page.

Anyone may use them, signed in or not, and they work without JavaScript. A confidential
location (a shelter for survivors of violence...) never shows its address, directions or place
on the map to the public; signed-in members of a partner organization see the address with a
"do not share" label. Nothing here is loaded from another site.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import cast
from uuid import UUID

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from carecircle.directory import geo, taxonomy
from carecircle.directory.models import (
    Address,
    Attribute,
    Location,
    OpeningInterval,
    Phone,
    Schedule,
    Service,
    ServiceAtLocation,
    ServiceCapacity,
)
from carecircle.directory.public_forms import DEFAULT_RADIUS_KM, FindHelpForm, language_name
from carecircle.directory.schedules import MINUTES_PER_DAY, zone_info
from carecircle.directory.search import SearchPage, open_now_flags, service_search
from carecircle.partners.models import Jurisdiction
from carecircle.web.access import public

PER_PAGE = 20
#: Statuses the public sees; "temporarily closed" is shown with a notice.
VISIBLE_STATUSES = ("active", "temporarily closed")
#: After this many days without a person verifying it, a listing says so.
STALE_AFTER_DAYS = 180


def crisis_line() -> Jurisdiction | None:
    """The jurisdiction whose crisis line the public pages show (CARECIRCLE_PUBLIC_JURISDICTION,
    else the first by name), or None when it has no crisis line."""
    jurisdictions = Jurisdiction.objects.order_by("name")
    wanted = settings.PUBLIC_JURISDICTION
    jurisdiction = (jurisdictions.filter(name=wanted).first() if wanted else None) or (
        jurisdictions.first()
    )
    if jurisdiction is None or not (
        jurisdiction.crisis_line_phone or jurisdiction.crisis_line_name
    ):
        return None
    return jurisdiction


def _reveals_confidential(request: HttpRequest) -> bool:
    """Signed-in members of a partner organization (any role) may see confidential places."""
    return getattr(request, "actor", None) is not None


def _private(response: HttpResponse, reveal: bool) -> HttpResponse:
    if reveal:
        # A confidential address must not linger in a shared cache.
        response["Cache-Control"] = "no-store, private"
    return response


def tel_href(number: str) -> str:
    """``tel:`` link target: digits and a leading plus only."""
    cleaned = "".join(ch for ch in number if ch.isdigit() or ch == "+")
    return f"tel:{cleaned}"


@dataclass(frozen=True)
class PhoneLink:
    number: str
    tel: str
    description: str


def phone_links(phones: list[Phone]) -> list[PhoneLink]:
    return [
        PhoneLink(number=p.number, tel=tel_href(p.number), description=p.description or "")
        for p in phones
        if p.number
    ]


def address_text(address: Address) -> str:
    parts = [address.address_1, address.address_2, address.city, address.state_province]
    line = ", ".join(p for p in parts if p)
    return f"{line} {address.postal_code}".strip() if address.postal_code else line


# --- Results ------------------------------------------------------------------------------------


@dataclass
class Place:
    """A location as this viewer may see it."""

    location: Location
    hidden: bool  # confidential and the viewer is the public
    confidential: bool
    addresses: list[str] = field(default_factory=list)
    latitude: float | None = None
    longitude: float | None = None

    @property
    def name(self) -> str:
        return self.location.name or ""


def _place(location: Location, *, reveal: bool) -> Place:
    hidden = location.is_confidential and not reveal
    place = Place(location=location, hidden=hidden, confidential=location.is_confidential)
    if not hidden:
        place.addresses = [address_text(a) for a in location.addresses.all()]
        if not location.is_confidential:  # never on a map, even for partners
            place.latitude, place.longitude = location.latitude, location.longitude
    return place


@dataclass
class ResultCard:
    service: Service
    distance_km: float | None
    open_now: bool | None
    place: Place | None
    capacities: list[ServiceCapacity]
    phone: PhoneLink | None
    labels: list[str]
    url: str


def _result_queryset() -> QuerySet[Service]:
    return Service.objects.select_related("organization").prefetch_related(
        Prefetch(
            "service_at_locations",
            queryset=ServiceAtLocation.objects.select_related("location").prefetch_related(
                "location__addresses", "location__phones"
            ),
        ),
        Prefetch("capacities", queryset=ServiceCapacity.objects.select_related("unit")),
        "phones",
    )


def _terms_by_service(service_ids: list[UUID]) -> dict[UUID, list[tuple[str, str]]]:
    """Each service's taxonomy terms as (code, label in the active language)."""
    labels: dict[UUID, list[tuple[str, str]]] = defaultdict(list)
    attributes = (
        Attribute.objects.filter(link_entity="service", link_id__in=service_ids)
        .select_related("taxonomy_term")
        .order_by("taxonomy_term__name")
    )
    for attribute in attributes:
        term = attribute.taxonomy_term
        if term.code in (taxonomy.SERVICE_TYPE, taxonomy.POPULATION, taxonomy.APPROACH):
            continue
        code = term.code or ""
        labels[attribute.link_id].append((code, taxonomy.term_label(code, term.name)))
    return labels


def _nearest_place(
    service: Service, near: tuple[float, float] | None, *, reveal: bool
) -> Place | None:
    locations = [cast(Location, sal.location) for sal in service.service_at_locations.all()]
    places = [_place(location, reveal=reveal) for location in locations]
    if not places:
        return None
    if near is None:
        return places[0]

    def distance(place: Place) -> float:
        loc = place.location
        if loc.latitude is None or loc.longitude is None:
            return float("inf")
        if loc.is_confidential and not reveal:
            lat, lng = geo.snap_to_grid(loc.latitude), geo.snap_to_grid(loc.longitude)
        else:
            lat, lng = loc.latitude, loc.longitude
        return geo.haversine_km(near[0], near[1], lat, lng)

    return min(places, key=distance)


def _cards(results: SearchPage, *, reveal: bool, querystring: str) -> list[ResultCard]:
    labels = _terms_by_service([hit.service.id for hit in results.items])
    cards = []
    for hit in results.items:
        service = hit.service
        place = _nearest_place(service, results.near, reveal=reveal)
        phones = list(service.phones.all())
        if not phones and place is not None:
            phones = list(place.location.phones.all())
        url = f"{service_url(service.id)}{'?' + querystring if querystring else ''}"
        cards.append(
            ResultCard(
                service=service,
                distance_km=hit.distance_km,
                open_now=hit.open_now,
                place=place,
                capacities=list(service.capacities.all()),
                phone=next(iter(phone_links(phones)), None),
                labels=[label for _code, label in labels.get(service.id, [])],
                url=url,
            )
        )
    return cards


def service_url(service_id: UUID) -> str:
    return reverse("directory:service", kwargs={"service_id": service_id})


def _page_links(request: HttpRequest, results: SearchPage) -> dict[str, str]:
    def link(page: int) -> str:
        params = request.GET.copy()
        params["page"] = str(page)
        return f"?{params.urlencode()}"

    links = {}
    if results.has_previous:
        links["previous"] = link(results.page - 1)
    if results.has_next:
        links["next"] = link(results.page + 1)
    return links


@public
@require_GET
def find_help(request: HttpRequest) -> HttpResponse:
    """The search form, and the results when a search was made."""
    reveal = _reveals_confidential(request)
    searched = bool(request.GET)
    data = request.GET.copy()
    if not data.get("radius"):
        data["radius"] = str(DEFAULT_RADIUS_KM)  # so the form shows the distance searched
    form = FindHelpForm(data if searched else None)
    results: SearchPage | None = None
    cards: list[ResultCard] = []
    if searched and form.is_valid():
        query = form.search_query(reveal_confidential=reveal)
        try:
            results = service_search(
                query,
                page=form.cleaned_data.get("page") or 1,
                per_page=PER_PAGE,
                queryset=_result_queryset(),
            )
        except ValueError:
            form.add_error(None, _("We could not run this search. Check the fields and try again."))
        else:
            params = request.GET.copy()
            params.pop("page", None)
            cards = _cards(results, reveal=reveal, querystring=params.urlencode())
    context = {
        "form": form,
        "searched": searched,
        "results": results,
        "cards": cards,
        "page_links": _page_links(request, results) if results else {},
        "crisis": crisis_line(),
        "map_tile_url": settings.MAP_TILE_URL,
        "map_tile_attribution": settings.MAP_TILE_ATTRIBUTION,
        "mappable": any(c.place and c.place.latitude is not None for c in cards),
        "reveal": reveal,
    }
    return _private(render(request, "directory/public/find_help.html", context), reveal)


# --- The service page ----------------------------------------------------------------------------


@dataclass
class DayHours:
    day: str
    ranges: list[str]
    today: bool = False


@dataclass
class Hours:
    """A location's (or the service's) week in plain words, in its own time zone."""

    time_zone: str
    days: list[DayHours]
    dated: list[str]

    @property
    def always_open(self) -> bool:
        return all(d.ranges == [_("Open 24 hours")] for d in self.days)


def _clock(minute: int) -> str:
    minute %= MINUTES_PER_DAY
    return formats.time_format(time(minute // 60, minute % 60))


def hours_in_words(
    intervals: list[OpeningInterval], *, time_zone: str, now: datetime, horizon_days: int = 14
) -> Hours:
    """Monday to Sunday opening times (weekly intervals valid today), and the one-off dated
    sessions of the coming ``horizon_days``."""
    local_now = now.astimezone(zone_info(time_zone))
    today = local_now.date()
    by_day: dict[int, list[tuple[int, int]]] = defaultdict(list)
    dated: list[tuple[date, int, int]] = []
    for interval in intervals:
        one_day = interval.valid_from is not None and interval.valid_from == interval.valid_to
        if one_day and interval.valid_from is not None:
            if today <= interval.valid_from <= date.fromordinal(today.toordinal() + horizon_days):
                dated.append((interval.valid_from, interval.start_minute, interval.end_minute))
            continue
        if interval.valid_from is not None and interval.valid_from > today:
            continue
        if interval.valid_to is not None and interval.valid_to < today:
            continue
        start, end = interval.start_minute, min(interval.end_minute, 7 * MINUTES_PER_DAY)
        while start < end:  # split at midnights (kernel intervals already are)
            day = start // MINUTES_PER_DAY
            day_end = min(end, (day + 1) * MINUTES_PER_DAY)
            by_day[day].append((start - day * MINUTES_PER_DAY, day_end - day * MINUTES_PER_DAY))
            start = day_end
    days = []
    for weekday in range(7):
        spans = sorted(by_day.get(weekday, []))
        if spans == [(0, MINUTES_PER_DAY)]:
            ranges = [_("Open 24 hours")]
        else:
            ranges = [
                _("%(opens)s to %(closes)s") % {"opens": _clock(a), "closes": _clock(b)}
                for a, b in spans
            ]
        days.append(
            DayHours(day=str(WEEKDAYS[weekday]), ranges=ranges, today=weekday == today.weekday())
        )
    dated_words = [
        _("%(day)s, %(opens)s to %(closes)s")
        % {"day": formats.date_format(day, "l j F"), "opens": _clock(a), "closes": _clock(b)}
        for day, a, b in sorted(dated)
    ]
    return Hours(time_zone=time_zone, days=days, dated=dated_words)


@dataclass
class LocationView:
    place: Place
    transportation: str
    accessibility: list[str]
    phones: list[PhoneLink]
    languages: list[str]
    hours: Hours | None


def _service_queryset() -> QuerySet[Service]:
    return Service.objects.select_related("organization").prefetch_related(
        Prefetch(
            "service_at_locations",
            queryset=ServiceAtLocation.objects.select_related("location").prefetch_related(
                "location__addresses",
                "location__phones",
                "location__accessibility",
                "location__languages",
                "phones",
            ),
        ),
        Prefetch("capacities", queryset=ServiceCapacity.objects.select_related("unit")),
        Prefetch("schedules", queryset=Schedule.objects.order_by("id")),
        "phones",
        "languages",
        "required_documents",
        "cost_options",
        Prefetch("opening_intervals", queryset=OpeningInterval.objects.order_by("start_minute")),
    )


@public
@require_GET
def service_detail(request: HttpRequest, service_id: UUID) -> HttpResponse:
    reveal = _reveals_confidential(request)
    service = _service_queryset().filter(pk=service_id, status__in=VISIBLE_STATUSES).first()
    if service is None:
        raise Http404(_("There is no such service."))
    now = timezone.now()
    intervals = list(service.opening_intervals.all())
    by_location: dict[UUID | None, list[OpeningInterval]] = defaultdict(list)
    for interval in intervals:
        by_location[interval.location_id].append(interval)

    locations = []
    seen_phones = {p.number for p in service.phones.all()}
    for sal in service.service_at_locations.all():
        location = cast(Location, sal.location)
        place = _place(location, reveal=reveal)
        own = by_location.pop(location.id, [])
        zone = own[0].time_zone if own else location.time_zone
        phones = [
            p for p in [*sal.phones.all(), *location.phones.all()] if p.number not in seen_phones
        ]
        seen_phones.update(p.number for p in phones)
        locations.append(
            LocationView(
                place=place,
                transportation="" if place.hidden else (location.transportation or ""),
                accessibility=[]
                if place.hidden
                else [a.description or a.details or "" for a in location.accessibility.all()],
                phones=phone_links(phones),
                languages=[language_name(x.code, x.name) for x in location.languages.all()],
                hours=hours_in_words(own, time_zone=zone, now=now) if own else None,
            )
        )
    # Hours not tied to one of the listed locations (service-wide schedules).
    rest = [i for group in by_location.values() for i in group]
    service_hours = hours_in_words(rest, time_zone=rest[0].time_zone, now=now) if rest else None
    open_now = open_now_flags([service.id], now).get(service.id)
    terms = _terms_by_service([service.id]).get(service.id, [])
    costs = list(service.cost_options.all())
    is_free = any(code == taxonomy.LOW_BARRIER_FREE for code, _label in terms) or (
        bool(costs) and all(c.amount == 0 for c in costs if c.amount is not None)
    )
    verified_at = service.last_verified_at
    stale = verified_at is None or (now - verified_at).days >= STALE_AFTER_DAYS
    back = request.GET.urlencode()
    crisis = crisis_line()
    # Times are shown where the service is (its first place), else in the jurisdiction's zone.
    display_zone = next(
        (loc.place.location.time_zone for loc in locations if loc.place.location.time_zone),
        crisis.time_zone if crisis else settings.TIME_ZONE,
    )
    context = {
        "service": service,
        "organization": service.organization,
        "locations": locations,
        "service_hours": service_hours,
        "schedule_notes": [s.description for s in service.schedules.all() if s.description],
        "open_now": open_now,
        "labels": [label for _code, label in terms],
        "phones": phone_links(list(service.phones.all())),
        # Not "languages": base.html's language switcher uses that name.
        "service_languages": [language_name(x.code, x.name) for x in service.languages.all()],
        "documents": [d.document for d in service.required_documents.all() if d.document],
        "cost_options": costs,
        "is_free": is_free,
        "capacities": list(service.capacities.all()),
        "verified_at": verified_at,
        "stale": stale,
        "crisis": crisis,
        "display_zone": display_zone,
        "back_url": f"{_find_help_url()}?{back}" if back else _find_help_url(),
        "reveal": reveal,
        "now": now,
    }
    return _private(render(request, "directory/public/service.html", context), reveal)


def _find_help_url() -> str:
    return reverse("directory:find_help")
