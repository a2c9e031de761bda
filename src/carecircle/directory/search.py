# The SQL below interpolates only table names and numeric constants; values are parameters.
# ruff: noqa: S608
"""Find help search: "who can start someone on buprenorphine today, within 20 km, without an
appointment, in French?"

One selector, :func:`service_search`, answers it with one SQL query for the page of service ids
(plus two tiny ones: the time zones in use and the open-now flags of the page), so the query
behind the API and the public pages is the bare query a benchmark can time. Every filter is an
``AND``; within ``languages`` any of the languages matches.

- free text: SQLite FTS5 (``directory_service_fts``, bm25) or PostgreSQL full-text search (the
  stored, GIN-indexed column ``search_vector`` = ``to_tsvector('simple', search_document)``,
  ts_rank); each word also matches as a
  prefix, so "bup" finds "buprenorphine".
- near a point or a postal code: a bounding box on the indexed latitude/longitude first, then
  the haversine distance; results sort by distance. Confidential locations are measured from a
  coarse grid point (about 10 km) unless ``reveal_confidential`` is set, so that repeated
  searches cannot triangulate a shelter.
- open now: the ``OpeningInterval`` table holds weekly minutes in each location's time zone; the
  current local minute is computed once per time zone in use and the range tests are ORed.
- taxonomy terms (by id, by code with their narrower terms, or a whole taxonomy), capacity
  available, languages, free, telehealth, organization and modified-after.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from carecircle.directory import geo, taxonomy
from carecircle.directory.models import (
    Attribute,
    CostOption,
    Language,
    Location,
    OpeningInterval,
    Service,
    ServiceAtLocation,
    ServiceCapacity,
    TaxonomyTerm,
)
from carecircle.directory.schedules import minute_of_week

MAX_PER_PAGE = 1000
MAX_RADIUS_KM = 20_000.0
FTS_TABLE = "directory_service_fts"
FTS_KEY_TABLE = "directory_service_fts_key"
# Built-in taxonomy terms the shortcut filters look for (see directory/taxonomy.py).
FREE_TERM_CODES: tuple[str, ...] = (taxonomy.LOW_BARRIER_FREE,)
TELEHEALTH_TERM_CODES: tuple[str, ...] = (taxonomy.TELEHEALTH,)
SORTS = ("", "distance", "relevance", "name")

_WORD_RE = re.compile(r"[^\W_]+", re.UNICODE)
_LANGUAGE_RE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{1,8})*$")
_MAX_WORDS = 12


@dataclass(frozen=True)
class SearchQuery:
    """What a person asked for. Every field left at its default does not filter."""

    text: str = ""
    taxonomy_term_ids: tuple[UUID, ...] = ()
    taxonomy_id: UUID | None = None
    term_codes: tuple[str, ...] = ()
    organization_id: UUID | None = None
    near: tuple[float, float] | None = None
    postal_code: str = ""
    radius_km: float | None = None
    open_now: bool = False
    capacity_available: bool = False
    languages: tuple[str, ...] = ()
    free_only: bool = False
    telehealth: bool = False
    modified_after: datetime | None = None
    # Which HSDS statuses to include; empty means every status.
    statuses: tuple[str, ...] = ("active",)
    # Signed-in partners may see confidential locations where they are; the public may not.
    reveal_confidential: bool = False
    # "" picks: distance when near a point, else relevance when there is text, else name.
    sort: str = ""


@dataclass(frozen=True)
class SearchHit:
    service: Service
    distance_km: float | None
    # Text relevance, higher is better (0 without text, and on SQLite when sorted by distance).
    rank: float
    # None when the service has no opening hours on file.
    open_now: bool | None


@dataclass(frozen=True)
class SearchPage:
    items: list[SearchHit]
    total_items: int
    page: int
    per_page: int
    # The point distances were measured from (from ``near`` or the postal code).
    near: tuple[float, float] | None = None
    time_zones: tuple[str, ...] = field(default=())

    @property
    def total_pages(self) -> int:
        return max(1, math.ceil(self.total_items / self.per_page)) if self.per_page else 1

    @property
    def has_next(self) -> bool:
        return self.page < self.total_pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1


# --- The free-text index ----------------------------------------------------------------------


def is_language_code(code: str) -> bool:
    """A BCP 47-looking language code (``fr``, ``fr-CA``), any case."""
    return bool(_LANGUAGE_RE.match(code.strip().lower()))


def fts_rowid(service_id: UUID) -> int:
    """The FTS5 rowid of a service: the top 63 bits of its UUID (stable, positive)."""
    return service_id.int >> 65


def search_index_update(services: Iterable[Service]) -> None:
    """Bring the free-text index up to date for these services (their ``search_document`` as
    it is on the objects). Called by ``services.search_document_rebuild`` after it saves.

    On SQLite the index is the FTS5 table ``directory_service_fts`` (the document, keyed by
    :func:`fts_rowid`) and ``directory_service_fts_key`` (service id <-> that key), so a search
    joins service and index through two integer-key lookups. PostgreSQL keeps a generated
    ``search_vector`` column with a GIN index: nothing to do.
    """
    if connection.vendor != "sqlite":
        return
    rows = [(fts_rowid(s.id), s.id.hex, s.search_document or "") for s in services]
    if not rows:
        return
    with connection.cursor() as cursor:
        cursor.executemany(
            f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [(key,) for key, _, _ in rows]
        )
        cursor.executemany(
            f"DELETE FROM {FTS_KEY_TABLE} WHERE key = %s", [(key,) for key, _, _ in rows]
        )
        kept = [row for row in rows if row[2]]
        cursor.executemany(
            f"INSERT INTO {FTS_TABLE}(rowid, document) VALUES (%s, %s)",
            [(key, document) for key, _, document in kept],
        )
        cursor.executemany(
            f"INSERT OR REPLACE INTO {FTS_KEY_TABLE}(key, service_id) VALUES (%s, %s)",
            [(key, service_id) for key, service_id, _ in kept],
        )


def search_index_remove(service_ids: Iterable[UUID]) -> None:
    """Forget deleted services (harmless if skipped: searches join back to the service table)."""
    if connection.vendor != "sqlite":
        return
    keys = [(fts_rowid(sid),) for sid in service_ids]
    with connection.cursor() as cursor:
        cursor.executemany(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", keys)
        cursor.executemany(f"DELETE FROM {FTS_KEY_TABLE} WHERE key = %s", keys)


def search_index_rebuild(*, chunk_size: int = 2000) -> int:
    """Rebuild the whole free-text index from ``Service.search_document``; returns the count."""
    if connection.vendor != "sqlite":
        return Service.objects.count()
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {FTS_TABLE}")
        cursor.execute(f"DELETE FROM {FTS_KEY_TABLE}")
    count = 0
    batch: list[Service] = []
    for service in Service.objects.only("id", "search_document").iterator(chunk_size=chunk_size):
        batch.append(service)
        if len(batch) >= chunk_size:
            search_index_update(batch)
            count += len(batch)
            batch = []
    search_index_update(batch)
    return count + len(batch)


def _text_words(text: str) -> list[str]:
    return _WORD_RE.findall((text or "").lower())[:_MAX_WORDS]


def fts5_query(text: str) -> str:
    """A safe FTS5 query: every word must match, words of 3+ letters also as a prefix."""
    return " ".join(f'"{w}"*' if len(w) >= 3 else f'"{w}"' for w in _text_words(text))


def tsquery(text: str) -> str:
    """The PostgreSQL ``to_tsquery('simple', ...)`` equivalent of :func:`fts5_query`."""
    return " & ".join(f"'{w}':*" if len(w) >= 3 else f"'{w}'" for w in _text_words(text))


# --- The query --------------------------------------------------------------------------------


def _table(model: Any) -> str:
    return str(model._meta.db_table)


def _id_param(value: UUID) -> Any:
    # Django keeps UUIDs as 32 hex characters on SQLite and as native uuid on PostgreSQL.
    return value.hex if connection.vendor == "sqlite" else value


def _as_uuid(value: Any) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))


def _in_list(values: Sequence[Any]) -> str:
    return ", ".join(["%s"] * len(values))


def resolve_point(query: SearchQuery) -> tuple[float, float] | None:
    """The point to measure from: ``near`` if given, else the postal code's point."""
    if query.near is not None:
        return geo.validate_point(float(query.near[0]), float(query.near[1]))
    if query.postal_code.strip():
        return geo.postal_code_lookup(query.postal_code)
    return None


def term_ids_for_codes(codes: Iterable[str], *, strict: bool = True) -> dict[str, set[Any]]:
    """Each code's term ids (across taxonomies) and all their narrower terms."""
    wanted = [c.strip() for c in codes if c and c.strip()]
    found: dict[str, set[Any]] = {code: set() for code in wanted}
    for code, term_id in TaxonomyTerm.objects.filter(code__in=wanted).values_list("code", "id"):
        found[str(code)].add(term_id)
    missing = [code for code, ids in found.items() if not ids]
    if missing and strict:
        raise ValueError(f"term_codes: unknown taxonomy term code {missing[0]!r}")
    for code, ids in found.items():
        frontier = set(ids)
        for _depth in range(10):
            if not frontier:
                break
            children = set(
                TaxonomyTerm.objects.filter(parent_id__in=frontier).values_list("id", flat=True)
            )
            frontier = children - ids
            ids |= frontier
        found[code] = ids
    return found


def timezones_in_use() -> list[str]:
    """The distinct time zones of opening intervals, by a loose index scan (fast on both
    backends even with hundreds of thousands of intervals)."""
    oi = _table(OpeningInterval)
    sql = (
        f"WITH RECURSIVE t(tz) AS ("
        f" SELECT MIN(time_zone) FROM {oi}"
        f" UNION ALL SELECT (SELECT MIN(time_zone) FROM {oi} WHERE time_zone > t.tz)"
        f" FROM t WHERE t.tz IS NOT NULL"
        f") SELECT tz FROM t WHERE tz IS NOT NULL"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return [row[0] for row in cursor.fetchall()]


def _open_now_condition(at: datetime, zones: Iterable[str]) -> tuple[str, list[Any]]:
    """SQL (over alias ``oi``) true when an interval is open at ``at``; ORs one range test per
    time zone, with the minute of the week in that zone."""
    ops = connection.ops
    parts: list[str] = []
    params: list[Any] = []
    for zone in zones:
        try:
            local = at.astimezone(ZoneInfo(zone))
        except (ZoneInfoNotFoundError, ValueError):
            continue
        minute = minute_of_week(local)
        today = ops.adapt_datefield_value(local.date())
        # Intervals never run past the end of the week (schedules.py splits a session
        # that wraps round Sunday midnight), so one range test per zone is enough.
        parts.append(
            "(oi.time_zone = %s AND oi.start_minute <= %s AND oi.end_minute > %s"
            " AND (oi.valid_from IS NULL OR oi.valid_from <= %s)"
            " AND (oi.valid_to IS NULL OR oi.valid_to >= %s))"
        )
        params += [zone, minute, minute, today, today]
    if not parts:
        return "1 = 0", []
    return "(" + " OR ".join(parts) + ")", params


def _distance_sql(point: tuple[float, float], *, reveal_confidential: bool) -> str:
    """Haversine in SQL over alias ``l``; the point's trigonometry is folded into constants."""
    lat0, lng0 = point
    rad = math.pi / 180.0
    if reveal_confidential:
        lat, lng = "l.latitude", "l.longitude"
    else:
        g = geo.CONFIDENTIAL_GRID_DEGREES
        lat, lng = (
            f"(CASE WHEN l.is_confidential THEN FLOOR(l.{col} / {g!r}) * {g!r} ELSE l.{col} END)"
            for col in ("latitude", "longitude")
        )
    least = "LEAST" if connection.vendor == "postgresql" else "MIN"
    half_dlat = f"SIN(({lat} * {rad!r} - {lat0 * rad!r}) / 2)"
    half_dlng = f"SIN(({lng} * {rad!r} - {lng0 * rad!r}) / 2)"
    a = (
        f"{half_dlat} * {half_dlat}"
        f" + {math.cos(lat0 * rad)!r} * COS({lat} * {rad!r}) * {half_dlng} * {half_dlng}"
    )
    return f"(2 * {geo.EARTH_RADIUS_KM!r} * ASIN({least}(1.0, SQRT({a}))))"


@dataclass
class _Sql:
    where: list[str] = field(default_factory=list)
    where_params: list[Any] = field(default_factory=list)

    def filter(self, sql: str, params: Iterable[Any] = ()) -> None:
        self.where.append(sql)
        self.where_params.extend(params)


@dataclass(frozen=True)
class SearchSql:
    """The query behind a search: ``sql`` selects ``id``, ``distance``, ``rank`` and ``total``
    (the number of matches when ``counts``, else NULL) in order (add LIMIT/OFFSET);
    ``count_sql`` counts the matches; both take ``params``."""

    sql: str
    count_sql: str
    params: list[Any]
    time_zones: tuple[str, ...]
    counts: bool
    # Just the matching ids, unordered (for ``id IN (...)`` elsewhere); takes ``params``.
    ids_sql: str = ""

    def __iter__(self) -> Iterator[Any]:
        """``sql, params, time_zones = build_search_sql(...)`` (the first form of this API)."""
        return iter((self.sql, self.params, self.time_zones))


def build_search_sql(
    query: SearchQuery, *, at: datetime, point: tuple[float, float] | None
) -> SearchSql:
    """Validate ``query`` and build its SQL (see :class:`SearchSql`).

    The query starts from its most selective part, which SQLite is told with CROSS JOIN (it
    does not reorder those): the places within the radius (a bounding box on the indexed
    coordinates, then haversine), else the free-text matches, else every service. The other
    filters are then checked per candidate (correlated EXISTS), or, with nothing to start
    from, as sets (``s.id IN (...)``) built once. Measured at 50,000 services: the
    benchmark's question (text + 20 km + two filters + open now) takes about 20 ms on either
    database; a search with no place and no words over the whole directory (e.g. only "open
    now") takes 150 to 300 ms, which is why the public form suggests a place.
    """
    vendor = connection.vendor
    s_t, sal_t, loc_t = _table(Service), _table(ServiceAtLocation), _table(Location)
    attr_t, lang_t, cap_t = _table(Attribute), _table(Language), _table(ServiceCapacity)
    cost_t, oi_t, term_t = _table(CostOption), _table(OpeningInterval), _table(TaxonomyTerm)
    q = _Sql()
    zones: list[str] = []

    if query.sort not in SORTS:
        raise ValueError(f"sort: must be one of {', '.join(repr(s) for s in SORTS)}")
    if query.radius_km is not None:
        radius = float(query.radius_km)
        if not (math.isfinite(radius) and 0 < radius <= MAX_RADIUS_KM):
            raise ValueError(f"radius_km: must be more than 0 and at most {MAX_RADIUS_KM:g}")
        if point is None:
            raise ValueError("radius_km: give a point (near) or a postal code to search around")
    if query.modified_after is not None and timezone.is_naive(query.modified_after):
        raise ValueError("modified_after: give a time zone (e.g. 2024-01-31T00:00:00Z)")
    words = _text_words(query.text)

    # The places within reach: per service, its nearest location.
    place_sql, place_params = "", []
    remote_ok = query.telehealth and query.radius_km is not None
    if point is not None:
        dist = _distance_sql(point, reveal_confidential=query.reveal_confidential)
        inner_where = ["l.latitude IS NOT NULL", "l.longitude IS NOT NULL"]
        if query.radius_km is not None:
            min_lat, max_lat, min_lng, max_lng = geo.bounding_box(
                point[0], point[1], float(query.radius_km)
            )
            # The public sees confidential places on a coarse grid: widen the box by a cell.
            margin = 0.0 if query.reveal_confidential else geo.CONFIDENTIAL_GRID_DEGREES
            inner_where += ["l.latitude BETWEEN %s AND %s", "l.longitude BETWEEN %s AND %s"]
            place_params += [min_lat - margin, max_lat + margin, min_lng - margin, max_lng + margin]
        outer_where = ""
        if query.radius_km is not None:
            outer_where = " WHERE x.distance <= %s"
            place_params.append(float(query.radius_km))
        place_sql = (
            f"(SELECT x.service_id, MIN(x.distance) AS distance FROM ("
            f"SELECT sal.service_id AS service_id, {dist} AS distance"
            f" FROM {sal_t} sal JOIN {loc_t} l ON l.id = sal.location_id"
            f" WHERE {' AND '.join(inner_where)}) x{outer_where} GROUP BY x.service_id) d"
        )

    from_sql: list[str] = []
    from_params: list[Any] = []
    driven = False
    if point is not None and query.radius_km is not None and not remote_ok:
        from_sql += [place_sql, f"CROSS JOIN {s_t} s"]
        from_params += place_params
        q.filter("s.id = d.service_id")
        driven = True
    elif words and vendor == "sqlite":
        from_sql += [FTS_TABLE, f"CROSS JOIN {FTS_KEY_TABLE} k", f"CROSS JOIN {s_t} s"]
        driven = True
    else:
        from_sql.append(f"{s_t} s")

    sort = query.sort or ("distance" if point is not None else "relevance" if words else "name")
    if sort == "distance" and point is None:
        raise ValueError("sort: give a point (near) or a postal code to sort by distance")

    # Free text.
    rank_sql = "0.0"
    if words:
        match = fts5_query(query.text)
        if vendor == "sqlite" and FTS_TABLE in from_sql[0]:
            # The matches drive: bm25 is computed for each row that passes the filters.
            q.filter(
                f"{FTS_TABLE} MATCH %s AND {FTS_TABLE}.rowid = k.key AND k.service_id = s.id",
                [match],
            )
            rank_sql = f"-bm25({FTS_TABLE})"
        elif vendor == "sqlite" and sort == "relevance":
            # Places drive, ranked by relevance: the matches and their bm25, computed once.
            from_sql += [
                f"CROSS JOIN {FTS_KEY_TABLE} k",
                f"CROSS JOIN (SELECT rowid AS key, -bm25({FTS_TABLE}) AS rank FROM {FTS_TABLE}"
                f" WHERE {FTS_TABLE} MATCH %s) f",
            ]
            from_params.append(match)
            q.filter("k.service_id = s.id AND f.key = k.key")
            rank_sql = "f.rank"
        elif vendor == "sqlite":
            # Places drive, sorted by distance: the set of matching keys, built once (looking
            # each candidate up in FTS5 would re-read the word's whole posting list every
            # time). bm25 is not computed: the rank is not used, and reported as 0.
            q.filter(
                f"s.id IN (SELECT k.service_id FROM {FTS_KEY_TABLE} k WHERE k.key IN"
                f" (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s))",
                [match],
            )
        else:
            from_sql.append("CROSS JOIN to_tsquery('simple', %s) AS tq")
            from_params.append(tsquery(query.text))
            # ``search_vector`` is a stored generated column (migration 0005), GIN-indexed.
            rank_sql = "ts_rank(s.search_vector, tq)"
            q.filter("s.search_vector @@ tq")

    # Distance without a radius (or telehealth, which reaches anywhere): every service, the
    # ones without a place on the map last.
    distance_sql = "NULL"
    if point is not None:
        distance_sql = "d.distance"
        if not (query.radius_km is not None and not remote_ok):
            from_sql.append(f"LEFT JOIN {place_sql} ON d.service_id = s.id")
            from_params += place_params
        if remote_ok:
            q.filter(
                f"(d.service_id IS NOT NULL OR NOT EXISTS (SELECT 1 FROM {sal_t} psal"
                f" JOIN {loc_t} pl ON pl.id = psal.location_id WHERE psal.service_id = s.id"
                f" AND pl.latitude IS NOT NULL AND pl.longitude IS NOT NULL))"
            )

    def member(table_alias: str, sql: str, key: str, params: list[Any]) -> tuple[str, list[Any]]:
        """The test that the service is among the rows ``sql`` (``FROM ... WHERE ...``) selects
        from ``table_alias``, whose ``key`` column holds a service id."""
        exists = f"EXISTS (SELECT 1 FROM {sql} AND {table_alias}.{key} = s.id)"
        if driven and vendor == "postgresql":
            # A few candidates: probe each. PostgreSQL would turn a bare EXISTS into a join
            # and may hash the whole set (every French-speaking service...) instead; it does
            # not pull up an EXISTS under IS TRUE, which stays a per-row check.
            return f"({exists}) IS TRUE", params
        if driven:
            return exists, params
        # Nothing narrows the candidates: build the set once (SQLite's ephemeral index,
        # PostgreSQL's hashed subplan, even under OR) rather than probe every service.
        return f"s.id IN (SELECT {table_alias}.{key} FROM {sql})", params

    if query.statuses:
        q.filter(f"s.status IN ({_in_list(query.statuses)})", list(query.statuses))
    baseline = list(q.where)
    if query.organization_id is not None:
        q.filter("s.organization_id = %s", [_id_param(query.organization_id)])
    if query.modified_after is not None:
        q.filter(
            "s.last_modified > %s",
            [connection.ops.adapt_datetimefield_value(query.modified_after)],
        )

    def has_terms(term_ids: Iterable[Any]) -> tuple[str, list[Any]]:
        ids = [_id_param(_as_uuid(t)) for t in term_ids]
        if not ids:
            return "1 = 0", []
        return member(
            "a",
            f"{attr_t} a WHERE a.link_entity = 'service'"
            f" AND a.taxonomy_term_id IN ({_in_list(ids)})",
            "link_id",
            ids,
        )

    for term_id in query.taxonomy_term_ids:
        q.filter(*has_terms([term_id]))
    if query.term_codes:
        for ids in term_ids_for_codes(query.term_codes).values():
            q.filter(*has_terms(ids))
    if query.taxonomy_id is not None:
        q.filter(
            *member(
                "a",
                f"{attr_t} a JOIN {term_t} t ON t.id = a.taxonomy_term_id"
                f" WHERE a.link_entity = 'service' AND t.taxonomy_id = %s",
                "link_id",
                [_id_param(query.taxonomy_id)],
            )
        )
    if query.capacity_available:
        q.filter(*member("c", f"{cap_t} c WHERE c.available > 0", "service_id", []))

    languages = [lang.strip().lower() for lang in query.languages if lang and lang.strip()]
    bad = [lang for lang in languages if not _LANGUAGE_RE.match(lang)]
    if bad:
        raise ValueError(f"languages: {bad[0]!r} is not a language code (e.g. fr, fr-CA)")
    if languages:
        # Case-insensitive (SQLite's LIKE is; PostgreSQL's ILIKE also estimates well).
        like = "ILIKE" if vendor == "postgresql" else "LIKE"
        tests = " OR ".join([f"lg.code {like} %s OR lg.code {like} %s"] * len(languages))
        params: list[Any] = []
        for lang in languages:
            params += [lang, f"{lang}-%"]
        q.filter(*member("lg", f"{lang_t} lg WHERE ({tests})", "service_id", params))

    if query.free_only:
        free_ids = set().union(*term_ids_for_codes(FREE_TERM_CODES, strict=False).values())
        by_term, term_params = has_terms(free_ids)
        no_charge, _ = member("co", f"{cost_t} co WHERE co.amount = 0", "service_id", [])
        charge, _ = member("co", f"{cost_t} co WHERE co.amount > 0", "service_id", [])
        q.filter(f"({by_term} OR ({no_charge} AND NOT {charge}))", term_params)

    if query.telehealth:
        tele_ids = set().union(*term_ids_for_codes(TELEHEALTH_TERM_CODES, strict=False).values())
        by_term, term_params = has_terms(tele_ids)
        virtual, _ = member(
            "vsal",
            f"{sal_t} vsal JOIN {loc_t} vl ON vl.id = vsal.location_id"
            f" WHERE vl.location_type = 'virtual'",
            "service_id",
            [],
        )
        q.filter(f"({by_term} OR {virtual})", term_params)

    if query.open_now:
        zones = timezones_in_use()
        cond, cond_params = _open_now_condition(at, zones)
        q.filter(*member("oi", f"{oi_t} oi WHERE {cond}", "service_id", cond_params))

    # PostgreSQL refuses a constant in ORDER BY: leave the rank out when there is none.
    by_rank = f"{rank_sql} DESC, " if rank_sql != "0.0" else ""
    order = {
        "distance": f"{distance_sql} IS NULL, {distance_sql}, {by_rank}s.name, s.id",
        "relevance": f"{by_rank}s.name, s.id",
        "name": "s.name, s.id",
    }[sort]
    # Count in the same query (a window), unless it only browses the whole directory: there a
    # separate COUNT lets the page query sort just the top rows instead of every service.
    # (FTS5 cannot compute bm25 inside a window query: count those separately too.)
    browsing = (not driven and len(q.where) <= len(baseline)) or rank_sql.startswith("-bm25")
    total_sql = "NULL" if browsing else "COUNT(*) OVER ()"
    where = " AND ".join(q.where) if q.where else "1 = 1"
    body = f" FROM {' '.join(from_sql)} WHERE {where}"
    return SearchSql(
        sql=f"SELECT s.id AS id, {distance_sql} AS distance, {rank_sql} AS rank,"
        f" {total_sql} AS total{body} ORDER BY {order}",
        count_sql=f"SELECT COUNT(*){body}",
        params=[*from_params, *q.where_params],
        time_zones=tuple(zones),
        counts=not browsing,
        ids_sql=f"SELECT s.id{body}",
    )


def open_now_flags(ids: Iterable[UUID], at: datetime) -> dict[UUID, bool]:
    """For a page of services: open at ``at`` or not, for those with hours on file (the
    others are left out). One query; the few intervals are checked here."""
    service_ids = list(ids)
    if not service_ids:
        return {}
    flags: dict[UUID, bool] = {}
    local_cache: dict[str, tuple[int, date] | None] = {}
    rows = OpeningInterval.objects.filter(service_id__in=service_ids).values_list(
        "service_id", "time_zone", "start_minute", "end_minute", "valid_from", "valid_to"
    )
    for service_id, zone, start, end, valid_from, valid_to in rows:
        if zone not in local_cache:
            try:
                local = at.astimezone(ZoneInfo(zone))
                local_cache[zone] = (minute_of_week(local), local.date())
            except (ZoneInfoNotFoundError, ValueError):
                local_cache[zone] = None
        now = local_cache[zone]
        is_open = (
            now is not None
            and start <= now[0] < end
            and (valid_from is None or valid_from <= now[1])
            and (valid_to is None or now[1] <= valid_to)
        )
        flags[service_id] = flags.get(service_id, False) or is_open
    return flags


def service_search(
    query: SearchQuery,
    *,
    page: int = 1,
    per_page: int = 25,
    at: datetime | None = None,
    queryset: QuerySet[Service] | None = None,
) -> SearchPage:
    """One page of services that match every filter of ``query``.

    ``at`` is the moment "open now" is evaluated at (default: now). ``queryset`` loads the
    page's services (pass one with ``select_related``/``prefetch_related`` to avoid N+1).
    Raises ``ValueError`` with a message naming the field for a bad query.
    """
    if page < 1:
        raise ValueError("page: must be 1 or more")
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise ValueError(f"per_page: must be between 1 and {MAX_PER_PAGE}")
    at = at or timezone.now()
    if timezone.is_naive(at):
        raise ValueError("at: give a time zone")
    point = resolve_point(query)
    built = build_search_sql(query, at=at, point=point)
    with connection.cursor() as cursor:
        cursor.execute(
            f"{built.sql} LIMIT %s OFFSET %s", [*built.params, per_page, (page - 1) * per_page]
        )
        rows = cursor.fetchall()
        if built.counts and rows:
            total = int(rows[0][3])
        elif page == 1 and len(rows) < per_page:
            total = len(rows)  # the whole result is on this page: no need to count
        else:
            cursor.execute(built.count_sql, built.params)
            total = int(cursor.fetchone()[0])

    ids = [_as_uuid(row[0]) for row in rows]
    loader = queryset if queryset is not None else Service.objects.all()
    services = loader.in_bulk(ids)
    flags = open_now_flags(ids, at)
    items = [
        SearchHit(
            service=services[sid],
            distance_km=float(row[1]) if row[1] is not None else None,
            rank=float(row[2] or 0.0),
            open_now=flags.get(sid),
        )
        for sid, row in zip(ids, rows, strict=True)
        if sid in services
    ]
    return SearchPage(
        items=items,
        total_items=total,
        page=page,
        per_page=per_page,
        near=point,
        time_zones=built.time_zones,
    )
