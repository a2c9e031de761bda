"""Distances, bounding boxes and points (a pure kernel: no database)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carecircle.directory import geo


def destination(lat: float, lng: float, km: float, bearing: float) -> tuple[float, float]:
    """The point ``km`` away from (lat, lng) along ``bearing`` (degrees), on the sphere."""
    d = km / geo.EARTH_RADIUS_KM
    p1, l1, b = math.radians(lat), math.radians(lng), math.radians(bearing)
    p2 = math.asin(math.sin(p1) * math.cos(d) + math.cos(p1) * math.sin(d) * math.cos(b))
    l2 = l1 + math.atan2(
        math.sin(b) * math.sin(d) * math.cos(p1), math.cos(d) - math.sin(p1) * math.sin(p2)
    )
    return math.degrees(p2), (math.degrees(l2) + 540) % 360 - 180


def test_haversine_matches_a_known_distance() -> None:
    # Ottawa to Montréal, about 166 km as the crow flies.
    assert geo.haversine_km(45.4215, -75.6972, 45.5017, -73.5673) == pytest.approx(166, abs=2)
    assert geo.haversine_km(10, 20, 10, 20) == 0


@given(
    lat=st.floats(min_value=-80, max_value=80),
    lng=st.floats(min_value=-179, max_value=179),
    km=st.floats(min_value=0.1, max_value=500),
    bearing=st.floats(min_value=0, max_value=360),
    fraction=st.floats(min_value=0, max_value=0.999),
)
def test_the_bounding_box_holds_every_point_within_the_radius(
    lat: float, lng: float, km: float, bearing: float, fraction: float
) -> None:
    min_lat, max_lat, min_lng, max_lng = geo.bounding_box(lat, lng, km)
    p_lat, p_lng = destination(lat, lng, km * fraction, bearing)
    assert geo.haversine_km(lat, lng, p_lat, p_lng) <= km * (1 + 1e-9) + 1e-9
    assert min_lat - 1e-9 <= p_lat <= max_lat + 1e-9
    assert min_lng - 1e-9 <= p_lng <= max_lng + 1e-9


def test_the_box_widens_to_every_longitude_near_a_pole_or_the_antimeridian() -> None:
    assert geo.bounding_box(89.9, 0, 50)[2:] == (-180.0, 180.0)
    assert geo.bounding_box(0, 179.9, 50)[2:] == (-180.0, 180.0)


def test_points_are_parsed_and_checked() -> None:
    assert geo.parse_point(" 45.42, -75.69 ") == (45.42, -75.69)
    assert geo.parse_point("45.42 -75.69") == (45.42, -75.69)
    assert geo.parse_point("K1A 0B1") is None
    with pytest.raises(ValueError, match="latitude"):
        geo.parse_point("95,10")


def test_postal_codes_are_normalized_and_confidential_points_snapped() -> None:
    assert geo.normalize_postal_code(" k1a-0b1 ") == "K1A0B1"
    assert geo.snap_to_grid(41.61) == pytest.approx(41.6)
    assert geo.snap_to_grid(-93.61) == pytest.approx(-93.7)
