"""The public HSDS 3.0 API at ``/api/hsds/``, after the official OpenAPI
(``standards/hsds/3.0/schema/openapi.json``).

Anyone may read it (no token): it is the directory, which partners publish to be found. It
never shows where a confidential location is (see :mod:`carecircle.directory.hsds.serialize`),
and a geographic query leaves confidential locations out of ``/service_at_locations``, so a
radius cannot be narrowed onto one.

Handlers return plain dicts so that Ninja does not reshape the HSDS objects; the shapes are
the official ones and ``tests/directory/test_api_schema.py`` validates them against the
official JSON schemas. Lists use the HSDS page wrapper; ``format=ndjson`` streams every match,
one object per line, without pagination. Bad parameters get a 400 naming the parameter,
unknown ids a 404, both as ``{"detail": "..."}``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from uuid import UUID

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Model, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.http import HttpRequest, StreamingHttpResponse
from django.urls import reverse
from django.utils import dateparse, timezone
from ninja import Query, Router, Schema
from ninja.errors import HttpError
from pydantic import Field

from carecircle.api import public_operation
from carecircle.directory import geo
from carecircle.directory.hsds import serialize as hsds
from carecircle.directory.models import (
    Organization,
    Service,
    ServiceAtLocation,
    Taxonomy,
    TaxonomyTerm,
)
from carecircle.directory.search import (
    SearchQuery,
    build_search_sql,
    is_language_code,
    service_search,
)

router = Router(auth=None, tags=["HSDS"])

HSDS_PROFILE = "https://github.com/openreferral/specification/tree/3.0"
DEFAULT_PER_PAGE = 25
MAX_PER_PAGE = 100
# A minimal service listing is meant to fit in one call (HSDS: "aim to return all services
# within one page"); its objects are four fields long.
MAX_PER_PAGE_MINIMAL = 1000
NDJSON_CHUNK = 200
MAX_PROXIMITY_METERS = 1_000_000.0

M = TypeVar("M", bound=Model)


# --- parameters -------------------------------------------------------------------------------
# Parameters are taken as text and parsed here so that a bad one gets a 400 naming it (Ninja's
# own validation would answer 422 with a list of pydantic errors).


def _bad(name: str, message: str) -> HttpError:
    return HttpError(400, f"{name}: {message}")


def _uuid(name: str, value: str | None) -> UUID | None:
    if value is None or value == "":
        return None
    try:
        return UUID(value)
    except ValueError:
        raise _bad(name, f"must be a UUID, not {value!r}") from None


def _int(name: str, value: str | None, default: int, low: int, high: int | None) -> int:
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise _bad(name, f"must be a whole number, not {value!r}") from None
    if number < low or (high is not None and number > high):
        span = f"between {low} and {high}" if high is not None else f"{low} or more"
        raise _bad(name, f"must be {span}, not {number}")
    return number


_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off", ""}


def _bool(name: str, value: str | None) -> bool:
    if value is None:
        return False
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise _bad(name, f"must be true or false, not {value!r}")


def _datetime(name: str, value: str | None) -> datetime | None:
    if value is None or value == "":
        return None
    text = value.strip()
    try:
        parsed = dateparse.parse_datetime(text)
        if parsed is None:
            day = dateparse.parse_date(text)
            parsed = datetime(day.year, day.month, day.day, tzinfo=UTC) if day is not None else None
    except ValueError:
        parsed = None
    if parsed is None:
        raise _bad(name, f"must be an ISO 8601 date or date-time, not {value!r}")
    # HSDS gives no zone for a bare date or time: read it as UTC.
    return parsed if timezone.is_aware(parsed) else parsed.replace(tzinfo=UTC)


def _format(value: str | None) -> str:
    fmt = (value or "json").strip().lower()
    if fmt not in ("json", "ndjson"):
        raise _bad("format", f"must be json or ndjson, not {value!r}")
    return fmt


class ListParams(Schema):
    search: str | None = Field(None, description="Full text search.")
    page: str | None = Field(None, description="Page number of paginated result (from 1).")
    per_page: str | None = Field(
        None,
        description=f"Number of results requested in a single page (1 to {MAX_PER_PAGE}, "
        f"default {DEFAULT_PER_PAGE}).",
    )
    format: str | None = Field(
        None,
        description="json (default), or ndjson: stream every result, one JSON object per "
        "line, without pagination.",
    )


class ServiceFilters(Schema):
    taxonomy_term_id: str | None = Field(None, description="Only services with this taxonomy term.")
    taxonomy_id: str | None = Field(
        None, description="Only services with any term of this taxonomy."
    )
    organization_id: str | None = Field(
        None, description="Only services this organization provides."
    )
    modified_after: str | None = Field(
        None,
        description="Only services modified on or after this ISO 8601 date-time "
        "(UTC if it gives no zone).",
    )
    full: str | None = Field(None, description="true: fully nested objects.")


class ServiceSearchParams(Schema):
    """CareCircle's parameters beside the official ones: the rest of "who can start someone on
    buprenorphine today, within 20 km, in French?" (HSDS leaves search parameters open)."""

    postcode: str | None = Field(
        None,
        description="CareCircle: a postcode to search around; results sort by distance from "
        "its centre (with proximity in metres, only those within that distance).",
    )
    proximity: str | None = Field(
        None,
        description="CareCircle: 'lat,lng,metres' (only services with a place within that "
        "distance, nearest first), 'lat,lng' (nearest first), or metres from the postcode.",
    )
    language: str | None = Field(
        None,
        description="CareCircle: only services offered in one of these languages "
        "(comma-separated codes, e.g. fr or fr,es; fr also matches fr-CA).",
    )
    open_now: str | None = Field(
        None, description="CareCircle: true: only services open now (in each location's zone)."
    )
    capacity_available: str | None = Field(
        None, description="CareCircle: true: only services with capacity available."
    )
    free: str | None = Field(None, description="CareCircle: true: only free services.")
    telehealth: str | None = Field(
        None, description="CareCircle: true: only services offered by telehealth."
    )


@dataclass(frozen=True)
class _Paging:
    page: int
    per_page: int
    ndjson: bool


def _paging(params: ListParams, *, max_per_page: int = MAX_PER_PAGE) -> _Paging:
    return _Paging(
        page=_int("page", params.page, 1, 1, None),
        per_page=_int("per_page", params.per_page, DEFAULT_PER_PAGE, 1, max_per_page),
        ndjson=_format(params.format) == "ndjson",
    )


# --- responses --------------------------------------------------------------------------------


def _page(contents: list[dict[str, Any]], *, total: int, paging: _Paging) -> dict[str, Any]:
    """The HSDS page wrapper (``#/components/schemas/Page``)."""
    total_pages = math.ceil(total / paging.per_page)
    return {
        "total_items": total,
        "total_pages": total_pages,
        "page_number": paging.page,
        "size": len(contents),
        "first_page": paging.page == 1,
        "last_page": paging.page >= total_pages,
        "empty": not contents,
        "contents": contents,
    }


def _ndjson(objects: Iterable[dict[str, Any]]) -> StreamingHttpResponse:
    def lines() -> Iterator[bytes]:
        for obj in objects:
            yield json.dumps(obj, cls=DjangoJSONEncoder, ensure_ascii=False).encode() + b"\n"

    return StreamingHttpResponse(lines(), content_type="application/x-ndjson")


def _chunked(qs: QuerySet[M], size: int = NDJSON_CHUNK) -> Iterator[list[M]]:
    """``qs`` in slices of ``size`` (its ordering must be total, e.g. end in ``id``)."""
    start = 0
    while True:
        chunk = list(qs[start : start + size])
        if not chunk:
            return
        yield chunk
        if len(chunk) < size:
            return
        start += size


def _paginate(
    qs: QuerySet[M],
    paging: _Paging,
    serialize_many: Callable[[list[M]], list[dict[str, Any]]],
) -> Any:
    if paging.ndjson:
        return _ndjson(obj for chunk in _chunked(qs) for obj in serialize_many(chunk))
    total = qs.count()
    start = (paging.page - 1) * paging.per_page
    items = list(qs[start : start + paging.per_page]) if start < total else []
    return _page(serialize_many(items), total=total, paging=paging)


def _keyset(qs: QuerySet[M], size: int = NDJSON_CHUNK) -> Iterator[M]:
    """Every row of ``qs`` by primary key, ``size`` at a time."""
    last: Any = None
    while True:
        chunk = list((qs if last is None else qs.filter(pk__gt=last)).order_by("pk")[:size])
        yield from chunk
        if len(chunk) < size:
            return
        last = chunk[-1].pk


def _get(qs: QuerySet[M], name: str, value: str) -> M:
    pk = _uuid(name, value)
    found = qs.filter(pk=pk).first()
    if found is None:
        raise HttpError(404, f"{name}: no {qs.model._meta.verbose_name} with id {value}")
    return found


# --- root -------------------------------------------------------------------------------------


@router.get(
    "/",
    summary="Information about this API and its relationship with HSDS",
    operation_id="getAPIMetaInformation",
    url_name="hsds_root",
)
@public_operation
def hsds_root(request: HttpRequest) -> dict[str, str]:
    return {
        "version": hsds.HSDS_VERSION,
        "profile": HSDS_PROFILE,
        "openapi_url": request.build_absolute_uri(reverse("api:openapi-json")),
    }


# --- services ---------------------------------------------------------------------------------


def _service_query(
    params: ListParams,
    filters: ServiceFilters,
    *,
    text: bool = True,
    extras: ServiceSearchParams | None = None,
) -> SearchQuery:
    term_id = _uuid("taxonomy_term_id", filters.taxonomy_term_id)
    modified_after = _datetime("modified_after", filters.modified_after)
    more: dict[str, Any] = {}
    if extras is not None:
        place = _place(PlaceParams(postcode=extras.postcode, proximity=extras.proximity))
        if place is not None:
            more["near"], more["radius_km"] = place.point, place.radius_km
        languages = tuple(
            code.strip() for code in (extras.language or "").split(",") if code.strip()
        )
        for code in languages:
            if not is_language_code(code):
                raise _bad("language", f"{code!r} is not a language code (e.g. fr, fr-CA)")
        more.update(
            languages=languages,
            open_now=_bool("open_now", extras.open_now),
            capacity_available=_bool("capacity_available", extras.capacity_available),
            free_only=_bool("free", extras.free),
            telehealth=_bool("telehealth", extras.telehealth),
        )
    return SearchQuery(
        text=(params.search or "") if text else "",
        taxonomy_term_ids=(term_id,) if term_id is not None else (),
        taxonomy_id=_uuid("taxonomy_id", filters.taxonomy_id),
        organization_id=_uuid("organization_id", filters.organization_id),
        # HSDS asks for "on or after"; the search compares strictly.
        modified_after=modified_after - timedelta(microseconds=1) if modified_after else None,
        # Other systems synchronise from this API: they must see inactive and defunct too.
        statuses=(),
        **more,
    )


def _search(
    query: SearchQuery, *, page: int, per_page: int, loader: QuerySet[Service] | None = None
) -> tuple[list[Service], int]:
    try:
        found = service_search(query, page=page, per_page=per_page, queryset=loader)
    except ValueError as exc:
        raise HttpError(400, str(exc)) from exc
    return [hit.service for hit in found.items], found.total_items


def _service_loader(*, full: bool, minimal: bool) -> QuerySet[Service]:
    """How a page of found services is loaded: with what its shape reads, in fixed queries."""
    if minimal:
        return Service.objects.only("id", "name", "status", "last_modified")
    return hsds.prefetch_service(Service.objects.all(), full=full)


def _service_contents(services: list[Service], *, full: bool, minimal: bool) -> list[Any]:
    if minimal:
        return [hsds.service_minimal_dict(s) for s in services]
    return hsds.service_dicts(services, full=full)


@router.get(
    "/services",
    summary="Paginated list of services",
    description="Services with their one-to-one fields, organization and program "
    "(``compiled/service_list.json``); ``full=true`` nests everything, ``minimal=true`` gives "
    "only id, name, status and last_modified.",
    operation_id="getPaginatedListOfServices",
    url_name="hsds_services",
)
@public_operation
def hsds_services(
    request: HttpRequest,
    params: Query[ListParams],
    filters: Query[ServiceFilters],
    extras: Query[ServiceSearchParams],
    minimal: str | None = None,
) -> Any:
    is_minimal = _bool("minimal", minimal)
    full = _bool("full", filters.full)
    if is_minimal and full:
        raise _bad("minimal", "cannot be combined with full=true")
    paging = _paging(params, max_per_page=MAX_PER_PAGE_MINIMAL if is_minimal else MAX_PER_PAGE)
    query = _service_query(params, filters, extras=extras)
    loader = _service_loader(full=full, minimal=is_minimal)
    if paging.ndjson and not _has_service_filters(query):
        # Everything: walk the table by primary key (constant memory and cost per chunk).
        if is_minimal:
            rows = _keyset(Service.objects.only("id", "name", "status", "last_modified"))
            return _ndjson(hsds.service_minimal_dict(s) for s in rows)
        return _ndjson(hsds.iter_service_dicts(Service.objects.all(), full=full))
    if paging.ndjson:

        def everything() -> Iterator[dict[str, Any]]:
            page = 1
            while True:
                services, total = _search(query, page=page, per_page=NDJSON_CHUNK, loader=loader)
                yield from _service_contents(services, full=full, minimal=is_minimal)
                if page * NDJSON_CHUNK >= total or not services:
                    return
                page += 1

        # Parameter errors must be a 400, not a broken stream: check the first page now.
        _search(query, page=1, per_page=1)
        return _ndjson(everything())
    services, total = _search(query, page=paging.page, per_page=paging.per_page, loader=loader)
    contents = _service_contents(services, full=full, minimal=is_minimal)
    return _page(contents, total=total, paging=paging)


@router.get(
    "/services/{service_id}",
    summary="A fully nested service with all related data",
    operation_id="getFullyNestedServiceById",
    url_name="hsds_service",
)
@public_operation
def hsds_service(request: HttpRequest, service_id: str) -> Any:
    service = _get(hsds.prefetch_service(Service.objects.all()), "service_id", service_id)
    return hsds.service_dict(service, full=True)


# --- organizations ----------------------------------------------------------------------------


class OrganizationParams(Schema):
    full: str | None = Field(None, description="true: fully nested organizations.")
    full_service: str | None = Field(
        None, description="true: with their services fully nested (else id and basics)."
    )


def _organization_services(value: str | None) -> str:
    return "full" if _bool("full_service", value) else "list"


@router.get(
    "/organizations",
    summary="Paginated list of organizations",
    operation_id="getPaginatedListOfOrganizations",
    url_name="hsds_organizations",
)
@public_operation
def hsds_organizations(
    request: HttpRequest, params: Query[ListParams], options: Query[OrganizationParams]
) -> Any:
    paging = _paging(params)
    full = _bool("full", options.full)
    services = _organization_services(options.full_service)
    qs = Organization.objects.order_by("name", "id")
    if params.search and params.search.strip():
        text = params.search.strip()
        qs = qs.filter(
            Q(name__icontains=text)
            | Q(alternate_name__icontains=text)
            | Q(description__icontains=text)
        )

    def many(orgs: list[Organization]) -> list[dict[str, Any]]:
        return hsds.organization_dicts(orgs, full=full, services=services)

    qs = hsds.prefetch_organization(qs, full=full, services=services)
    return _paginate(qs, paging, many)


@router.get(
    "/organizations/{organization_id}",
    summary="A fully nested organization with its services",
    operation_id="getOrganizationById",
    url_name="hsds_organization",
)
@public_operation
def hsds_organization(
    request: HttpRequest, organization_id: str, full_service: str | None = None
) -> Any:
    services = _organization_services(full_service)
    qs = hsds.prefetch_organization(Organization.objects.all(), services=services)
    org = _get(qs, "organization_id", organization_id)
    return hsds.organization_dict(org, full=True, services=services)


# --- taxonomies -------------------------------------------------------------------------------


@router.get(
    "/taxonomies",
    summary="Paginated list of taxonomies",
    operation_id="getPaginatedListOfTaxonomies",
    url_name="hsds_taxonomies",
)
@public_operation
def hsds_taxonomies(request: HttpRequest, params: Query[ListParams]) -> Any:
    paging = _paging(params)
    qs = Taxonomy.objects.order_by("name", "id")
    if params.search and params.search.strip():
        text = params.search.strip()
        qs = qs.filter(Q(name__icontains=text) | Q(description__icontains=text))
    return _paginate(qs, paging, lambda rows: [hsds.taxonomy_dict(t) for t in rows])


@router.get(
    "/taxonomies/{taxonomy_id}",
    summary="A taxonomy",
    operation_id="getTaxonomyById",
    url_name="hsds_taxonomy",
)
@public_operation
def hsds_taxonomy(request: HttpRequest, taxonomy_id: str) -> Any:
    return hsds.taxonomy_dict(_get(Taxonomy.objects.all(), "taxonomy_id", taxonomy_id))


class TermParams(Schema):
    taxonomy_id: str | None = Field(None, description="Only terms of this taxonomy.")
    top_only: str | None = Field(None, description="true: only terms without a parent.")
    parent_id: str | None = Field(None, description="Only the terms under this parent term.")


@router.get(
    "/taxonomy_terms",
    summary="Paginated list of taxonomy terms",
    operation_id="getPaginatedListOfTaxonomyTerms",
    url_name="hsds_taxonomy_terms",
)
@public_operation
def hsds_taxonomy_terms(
    request: HttpRequest, params: Query[ListParams], options: Query[TermParams]
) -> Any:
    paging = _paging(params)
    qs = TaxonomyTerm.objects.select_related("taxonomy_detail").order_by("name", "id")
    taxonomy_id = _uuid("taxonomy_id", options.taxonomy_id)
    if taxonomy_id is not None:
        qs = qs.filter(taxonomy_detail_id=taxonomy_id)
    parent_id = _uuid("parent_id", options.parent_id)
    if parent_id is not None:
        qs = qs.filter(parent_id=parent_id)
    if _bool("top_only", options.top_only):
        qs = qs.filter(parent__isnull=True)
    if params.search and params.search.strip():
        text = params.search.strip()
        qs = qs.filter(
            Q(name__icontains=text) | Q(code__iexact=text) | Q(description__icontains=text)
        )
    return _paginate(qs, paging, lambda rows: [hsds.taxonomy_term_dict(t) for t in rows])


@router.get(
    "/taxonomy_terms/{taxonomy_term_id}",
    summary="A taxonomy term",
    operation_id="getTaxonomyTermById",
    url_name="hsds_taxonomy_term",
)
@public_operation
def hsds_taxonomy_term(request: HttpRequest, taxonomy_term_id: str) -> Any:
    qs = TaxonomyTerm.objects.select_related("taxonomy_detail")
    return hsds.taxonomy_term_dict(_get(qs, "taxonomy_term_id", taxonomy_term_id))


# --- service_at_locations ---------------------------------------------------------------------


class PlaceParams(Schema):
    postcode: str | None = Field(
        None,
        description="A postcode: results sort by distance from its centre (with proximity, "
        "only those within proximity metres of it).",
    )
    proximity: str | None = Field(
        None,
        description="Metres from the postcode's centre; or a point 'lat,lng' to sort by "
        "distance from, optionally with metres: 'lat,lng,metres'.",
    )


_NUMBER = r"[+-]?\d+(?:\.\d+)?"
_PROXIMITY_RE = re.compile(rf"^\s*({_NUMBER})\s*(?:,\s*({_NUMBER})\s*(?:,\s*({_NUMBER})\s*)?)?$")


@dataclass(frozen=True)
class _Place:
    point: tuple[float, float]
    radius_km: float | None


def _metres(value: str) -> float:
    metres = float(value)
    if not (0 < metres <= MAX_PROXIMITY_METERS):
        raise _bad("proximity", f"must be more than 0 and at most {MAX_PROXIMITY_METERS:g} metres")
    return metres / 1000.0


def _place(options: PlaceParams) -> _Place | None:
    postcode = (options.postcode or "").strip()
    proximity = (options.proximity or "").strip()
    if not postcode and not proximity:
        return None
    radius_km: float | None = None
    point: tuple[float, float] | None = None
    if proximity:
        match = _PROXIMITY_RE.match(proximity)
        if match is None:
            raise _bad(
                "proximity", f"must be metres, 'lat,lng' or 'lat,lng,metres', not {proximity!r}"
            )
        first, second, third = match.groups()
        if second is None:
            radius_km = _metres(first)
        else:
            try:
                point = geo.validate_point(float(first), float(second))
            except ValueError as exc:
                raise _bad("proximity", str(exc).removeprefix("near: ")) from exc
            if third is not None:
                radius_km = _metres(third)
    if point is None:
        if not postcode:
            raise _bad("proximity", "metres alone need a postcode to measure from")
        try:
            point = geo.postal_code_lookup(postcode)
        except ValueError as exc:
            raise _bad("postcode", str(exc).removeprefix("postal_code: ")) from exc
    return _Place(point=point, radius_km=radius_km)


def _service_ids_matching(query: SearchQuery) -> RawSQL:
    """The ids of the services ``query`` finds, as a subquery: the search's own SQL, so the
    service filters mean exactly what they mean on ``/services``."""
    try:
        search_sql = build_search_sql(query, at=timezone.now(), point=None)
    except ValueError as exc:
        raise HttpError(400, str(exc)) from exc
    # The search builds its SQL from table names and constants; every value is a parameter.
    ids_sql = search_sql.ids_sql or f"SELECT m.id FROM ({search_sql.sql}) m"  # noqa: S608
    return RawSQL(ids_sql, search_sql.params)  # noqa: S611


def _has_service_filters(query: SearchQuery) -> bool:
    return bool(
        query.text.strip()
        or query.taxonomy_term_ids
        or query.taxonomy_id
        or query.organization_id
        or query.modified_after
        or query.near is not None
        or query.languages
        or query.open_now
        or query.capacity_available
        or query.free_only
        or query.telehealth
    )


def _by_distance(qs: QuerySet[ServiceAtLocation], place: _Place) -> list[UUID]:
    """The ids of ``qs``'s public places within the radius, nearest first."""
    qs = qs.filter(
        location__is_confidential=False,
        location__latitude__isnull=False,
        location__longitude__isnull=False,
    )
    lat, lng = place.point
    if place.radius_km is not None:
        min_lat, max_lat, min_lng, max_lng = geo.bounding_box(lat, lng, place.radius_km)
        qs = qs.filter(
            location__latitude__range=(min_lat, max_lat),
            location__longitude__range=(min_lng, max_lng),
        )
    measured: list[tuple[float, str, UUID]] = []
    for pk, s_name, l_lat, l_lng in qs.values_list(
        "id", "service__name", "location__latitude", "location__longitude"
    ):
        distance = geo.haversine_km(lat, lng, float(l_lat or 0), float(l_lng or 0))
        if place.radius_km is None or distance <= place.radius_km:
            measured.append((distance, s_name, pk))
    measured.sort()
    return [pk for _d, _n, pk in measured]


def _sal_many(full: bool) -> Callable[[Sequence[ServiceAtLocation]], list[dict[str, Any]]]:
    def many(rows: Sequence[ServiceAtLocation]) -> list[dict[str, Any]]:
        return hsds.service_at_location_dicts(rows, full=full)

    return many


@router.get(
    "/service_at_locations",
    summary="Paginated list of services at locations",
    description="Each with its location and service (``compiled/service_at_location_list``); "
    "``full=true`` nests everything. With a postcode or proximity, confidential locations "
    "are left out.",
    operation_id="getPaginatedListOfServiceAtLocation",
    url_name="hsds_service_at_locations",
)
@public_operation
def hsds_service_at_locations(
    request: HttpRequest,
    params: Query[ListParams],
    filters: Query[ServiceFilters],
    place_params: Query[PlaceParams],
) -> Any:
    paging = _paging(params)
    full = _bool("full", filters.full)
    query = _service_query(params, filters)
    place = _place(place_params)
    qs = ServiceAtLocation.objects.all()
    if _has_service_filters(query):
        qs = qs.filter(service_id__in=_service_ids_matching(query))
    many = _sal_many(full)
    loader = hsds.prefetch_service_at_location(ServiceAtLocation.objects.all(), full=full)
    if place is None:
        qs = hsds.prefetch_service_at_location(qs, full=full)
        return _paginate(qs.order_by("service__name", "id"), paging, many)

    ordered = _by_distance(qs, place)
    if paging.ndjson:

        def everything() -> Iterator[dict[str, Any]]:
            for start in range(0, len(ordered), NDJSON_CHUNK):
                yield from many(_in_order(loader, ordered[start : start + NDJSON_CHUNK]))

        return _ndjson(everything())
    start = (paging.page - 1) * paging.per_page
    rows = _in_order(loader, ordered[start : start + paging.per_page])
    return _page(many(rows), total=len(ordered), paging=paging)


def _in_order(qs: QuerySet[M], ids: list[UUID]) -> list[M]:
    found = qs.in_bulk(ids)
    return [found[pk] for pk in ids if pk in found]


@router.get(
    "/service_at_locations/{service_at_location_id}",
    summary="A fully nested service at location with all related data",
    operation_id="getServiceAtLocationWithNestedDataById",
    url_name="hsds_service_at_location",
)
@public_operation
def hsds_service_at_location(request: HttpRequest, service_at_location_id: str) -> Any:
    qs = hsds.prefetch_service_at_location(ServiceAtLocation.objects.all())
    sal = _get(qs, "service_at_location_id", service_at_location_id)
    return hsds.service_at_location_dict(sal, full=True)
