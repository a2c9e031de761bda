"""Distances, bounding boxes and postal-code points for the Find help search.

Geocoding of arbitrary street addresses is out of scope: a search is "near" a point the
person gives (``"45.42,-75.69"``, or their device's location) or a postal code that the
:class:`~carecircle.directory.models.PostalCode` table knows (the demo data fills it; an
operator loads their country's postal-code centroids the same way).
"""

from __future__ import annotations

import math
import re

EARTH_RADIUS_KM = 6371.0088
KM_PER_DEGREE = math.pi * EARTH_RADIUS_KM / 180.0
# Confidential locations (e.g. shelters for survivors of violence) are placed on this grid,
# in degrees, when distances are computed for the public, so that repeated searches from
# different points cannot triangulate the real place.
CONFIDENTIAL_GRID_DEGREES = 0.1

_POINT_RE = re.compile(r"^\s*([+-]?\d+(?:\.\d+)?)\s*[,;\s]\s*([+-]?\d+(?:\.\d+)?)\s*$")


def haversine_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in kilometres between two points given in degrees."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def bounding_box(lat: float, lng: float, radius_km: float) -> tuple[float, float, float, float]:
    """``(min_lat, max_lat, min_lng, max_lng)`` of a box that holds every point within
    ``radius_km`` of the centre. Near a pole or across the antimeridian the longitude range
    widens to the whole circle (rare, and still correct)."""
    d_lat = radius_km / KM_PER_DEGREE
    min_lat, max_lat = lat - d_lat, lat + d_lat
    if min_lat <= -90.0 or max_lat >= 90.0:
        return max(min_lat, -90.0), min(max_lat, 90.0), -180.0, 180.0
    # The widest longitude span of the circle is at the latitude closest to a pole.
    r = radius_km / EARTH_RADIUS_KM
    d_lng = math.degrees(math.asin(min(1.0, math.sin(r) / math.cos(math.radians(lat)))))
    min_lng, max_lng = lng - d_lng, lng + d_lng
    if min_lng < -180.0 or max_lng > 180.0:
        return min_lat, max_lat, -180.0, 180.0
    return min_lat, max_lat, min_lng, max_lng


def snap_to_grid(value: float, grid: float = CONFIDENTIAL_GRID_DEGREES) -> float:
    """The coarse coordinate the public sees a confidential location at (a grid corner)."""
    return math.floor(value / grid) * grid


def validate_point(lat: float, lng: float) -> tuple[float, float]:
    if not (math.isfinite(lat) and -90.0 <= lat <= 90.0):
        raise ValueError(f"near: latitude must be between -90 and 90, not {lat}")
    if not (math.isfinite(lng) and -180.0 <= lng <= 180.0):
        raise ValueError(f"near: longitude must be between -180 and 180, not {lng}")
    return float(lat), float(lng)


def parse_point(text: str) -> tuple[float, float] | None:
    """``"45.42,-75.69"`` -> ``(45.42, -75.69)``; ``None`` when the text is not a point."""
    match = _POINT_RE.match(text or "")
    if match is None:
        return None
    return validate_point(float(match.group(1)), float(match.group(2)))


def normalize_postal_code(code: str) -> str:
    """Upper case without spaces or dashes: ``"k1a 0b1"`` -> ``"K1A0B1"``."""
    return re.sub(r"[\s-]+", "", code or "").upper()


def postal_code_lookup(code: str) -> tuple[float, float]:
    """The point of a postal code, from the PostalCode table.

    Tries the full code, then (for Canadian-style codes) its forward sortation area (the first
    three characters). Raises ``ValueError`` naming the code when it is unknown.
    """
    from carecircle.directory.models import PostalCode

    normalized = normalize_postal_code(code)
    if not normalized:
        raise ValueError("postal_code: enter a postal code")
    candidates = [normalized]
    if len(normalized) > 3 and normalized[:3] != normalized:
        candidates.append(normalized[:3])
    rows = {
        row[0]: (float(row[1]), float(row[2]))
        for row in PostalCode.objects.filter(code__in=candidates).values_list(
            "code", "latitude", "longitude"
        )
    }
    for candidate in candidates:
        if candidate in rows:
            return rows[candidate]
    raise ValueError(f"postal_code: we do not know the postal code {code.strip()!r}")
