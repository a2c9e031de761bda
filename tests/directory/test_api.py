"""The public HSDS API at /api/hsds/: every endpoint, the page wrapper, the filters, the errors,
the query counts, and that a confidential location's whereabouts never leave it."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from django.test import Client as HttpClient

from tests.directory.api_fixtures import (
    SECRET_ACCESS,
    SECRET_ADDRESS,
    SECRET_LAT,
    SECRET_LNG,
    SECRET_POSTAL_CODE,
    SECRET_TRANSPORT,
    SECRET_URL,
    Directory,
    directory,
    many_services,
)

__all__ = ["directory"]

API = "/api/hsds"


def get(url: str, **params: Any) -> Any:
    response = HttpClient().get(url, dict(params))
    assert response.status_code == 200, response.content
    return response.json()


def ids(page: dict[str, Any]) -> set[str]:
    return {item["id"] for item in page["contents"]}


def error(url: str, params: dict[str, Any] | None = None, *, status: int = 400) -> str:
    response = HttpClient().get(url, params or {})
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    return str(response.json()["detail"])


# --- root -------------------------------------------------------------------------------------


def test_the_root_gives_the_hsds_version_and_profile(db: None) -> None:
    body = get(f"{API}/")
    assert body["version"] == "3.0"
    assert body["profile"].startswith("https://")
    assert body["openapi_url"].endswith("/api/openapi.json")


def test_the_hsds_operations_are_in_the_openapi_document(db: None) -> None:
    paths = get("/api/openapi.json")["paths"]
    for path in (
        "/services",
        "/services/{service_id}",
        "/organizations",
        "/organizations/{organization_id}",
        "/taxonomies",
        "/taxonomies/{taxonomy_id}",
        "/taxonomy_terms",
        "/taxonomy_terms/{taxonomy_term_id}",
        "/service_at_locations",
        "/service_at_locations/{service_at_location_id}",
    ):
        operation = paths[f"/api/hsds{path}"]["get"]
        assert operation["tags"] == ["HSDS"]
        assert operation["summary"]
        assert "security" not in operation  # public: no token asked for
    params = {p["name"] for p in paths["/api/hsds/services"]["get"]["parameters"]}
    assert params >= {
        "search",
        "page",
        "per_page",
        "format",
        "taxonomy_term_id",
        "taxonomy_id",
        "organization_id",
        "modified_after",
        "minimal",
        "full",
    }


# --- services ---------------------------------------------------------------------------------


def test_services_lists_every_service_in_the_page_wrapper(directory: Directory) -> None:
    body = get(f"{API}/services")
    assert body == {
        "total_items": 3,
        "total_pages": 1,
        "page_number": 1,
        "size": 3,
        "first_page": True,
        "last_page": True,
        "empty": False,
        "contents": body["contents"],
    }
    # Inactive and closed services too: other systems synchronise from this list.
    assert ids(body) == {
        str(directory.bup_start.id),
        str(directory.kits.id),
        str(directory.shelter.id),
    }
    first = next(s for s in body["contents"] if s["id"] == str(directory.bup_start.id))
    assert first["organization"]["name"] == "Riverbend MOUD Clinic"
    assert "phones" not in first  # the list shape holds one-to-one fields only


def test_services_paginate(directory: Directory) -> None:
    one = get(f"{API}/services", per_page=2)
    two = get(f"{API}/services", per_page=2, page=2)
    assert (one["total_pages"], one["size"], one["first_page"], one["last_page"]) == (
        2,
        2,
        True,
        False,
    )
    assert (two["page_number"], two["size"], two["first_page"], two["last_page"]) == (
        2,
        1,
        False,
        True,
    )
    assert not ids(one) & ids(two)
    beyond = get(f"{API}/services", per_page=2, page=3)
    assert beyond["contents"] == []
    assert beyond["empty"] is True
    assert beyond["size"] == 0
    assert beyond["total_items"] == 3


def test_services_search_by_text(directory: Directory) -> None:
    assert ids(get(f"{API}/services", search="buprenorphine")) == {str(directory.bup_start.id)}
    assert ids(get(f"{API}/services", search="nothing-like-this")) == set()


def test_services_filter_by_term_taxonomy_organization_and_date(directory: Directory) -> None:
    d = directory
    assert ids(get(f"{API}/services", taxonomy_term_id=d.naloxone.id)) == {str(d.kits.id)}
    assert ids(get(f"{API}/services", taxonomy_id=d.other_taxonomy.id)) == {str(d.shelter.id)}
    assert ids(get(f"{API}/services", organization_id=d.haven.id)) == {str(d.shelter.id)}
    assert ids(get(f"{API}/services", modified_after="2024-02-01T00:00:00Z")) == {
        str(d.bup_start.id),
        str(d.shelter.id),
    }
    # "On or after": the very moment counts, and a bare date is read as UTC midnight.
    assert ids(get(f"{API}/services", modified_after="2024-06-01")) == {str(d.bup_start.id)}
    both = get(f"{API}/services", organization_id=d.clinic.id, taxonomy_term_id=d.bup.id)
    assert ids(both) == {str(d.bup_start.id)}


def test_services_minimal_and_full(directory: Directory) -> None:
    minimal = get(f"{API}/services", minimal="true")
    assert all(set(s) <= {"id", "name", "status", "last_modified"} for s in minimal["contents"])
    full = get(f"{API}/services", full="true", search="buprenorphine")["contents"][0]
    assert full["phones"][0]["number"] == "613-555-0100"
    assert full["attributes"][0]["taxonomy_term"]["code"] == "bup-same-day"
    assert (
        full["service_at_locations"][0]["location"]["addresses"][0]["address_1"]
        == "100 Main Street"
    )


def ndjson(url: str) -> list[dict[str, Any]]:
    response = HttpClient().get(url)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/x-ndjson"
    return [json.loads(line) for line in response.getvalue().decode().splitlines()]


def test_services_stream_as_ndjson_without_pagination(directory: Directory) -> None:
    d = directory
    everything = {str(d.bup_start.id), str(d.kits.id), str(d.shelter.id)}
    assert {s["id"] for s in ndjson(f"{API}/services?format=ndjson&per_page=1")} == everything
    minimal = ndjson(f"{API}/services?format=ndjson&minimal=true")
    assert {s["id"] for s in minimal} == everything
    assert all(set(s) <= {"id", "name", "status", "last_modified"} for s in minimal)
    filtered = ndjson(f"{API}/services?format=ndjson&full=true&organization_id={d.clinic.id}")
    assert {s["id"] for s in filtered} == {str(d.bup_start.id), str(d.kits.id)}
    assert all("phones" in s or "attributes" in s for s in filtered)
    # A bad parameter is still a 400, not a broken stream.
    assert error(f"{API}/services", {"format": "ndjson", "taxonomy_id": "x"}).startswith(
        "taxonomy_id:"
    )


def test_a_service_by_id_is_fully_nested(directory: Directory) -> None:
    body = get(f"{API}/services/{directory.bup_start.id}")
    assert body["id"] == str(directory.bup_start.id)
    assert body["organization"]["id"] == str(directory.clinic.id)
    assert body["service_at_locations"][0]["location"]["name"] == "Clinic on Main"


def test_unknown_ids_get_a_404_with_a_json_body(directory: Directory) -> None:
    missing = uuid.uuid4()
    for path in (
        "services",
        "organizations",
        "taxonomies",
        "taxonomy_terms",
        "service_at_locations",
    ):
        assert str(missing) in error(f"{API}/{path}/{missing}", status=404)


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"per_page": "0"}, "per_page"),
        ({"per_page": "101"}, "per_page"),
        ({"per_page": "ten"}, "per_page"),
        ({"page": "0"}, "page"),
        ({"taxonomy_term_id": "bup"}, "taxonomy_term_id"),
        ({"taxonomy_id": "1"}, "taxonomy_id"),
        ({"organization_id": "x"}, "organization_id"),
        ({"modified_after": "last week"}, "modified_after"),
        ({"format": "xml"}, "format"),
        ({"full": "perhaps"}, "full"),
        ({"minimal": "true", "full": "true"}, "minimal"),
    ],
)
def test_bad_service_parameters_get_a_400_naming_them(
    directory: Directory, params: dict[str, str], named: str
) -> None:
    assert error(f"{API}/services", params).startswith(f"{named}:")


def test_bad_ids_get_a_400(directory: Directory) -> None:
    for path in (
        "services",
        "organizations",
        "taxonomies",
        "taxonomy_terms",
        "service_at_locations",
    ):
        assert "must be a UUID" in error(f"{API}/{path}/not-a-uuid")


def test_a_minimal_listing_may_ask_for_a_big_page(directory: Directory) -> None:
    assert get(f"{API}/services", minimal="true", per_page=1000)["size"] == 3
    assert error(f"{API}/services", {"per_page": 1000}).startswith("per_page:")


# --- organizations ----------------------------------------------------------------------------


def test_organizations_list_search_and_full(directory: Directory) -> None:
    body = get(f"{API}/organizations")
    assert [o["name"] for o in body["contents"]] == ["Riverbend MOUD Clinic", "Safe Haven"]
    assert "locations" not in body["contents"][0]
    assert ids(get(f"{API}/organizations", search="haven")) == {str(directory.haven.id)}
    full = get(f"{API}/organizations", full="true", search="clinic")["contents"][0]
    assert full["locations"][0]["name"] == "Clinic on Main"
    assert {s["id"] for s in full["services"]} == {
        str(directory.bup_start.id),
        str(directory.kits.id),
    }


def test_an_organization_by_id_with_its_services(directory: Directory) -> None:
    body = get(f"{API}/organizations/{directory.clinic.id}")
    assert body["locations"][0]["addresses"][0]["address_1"] == "100 Main Street"
    assert "phones" not in body["services"][0]  # basic service information only
    full = get(f"{API}/organizations/{directory.clinic.id}", full_service="true")
    nested = next(s for s in full["services"] if s["id"] == str(directory.bup_start.id))
    assert nested["phones"][0]["number"] == "613-555-0100"
    assert "organization" not in nested


# --- taxonomies -------------------------------------------------------------------------------


def test_taxonomies_and_their_terms(directory: Directory) -> None:
    d = directory
    assert [t["name"] for t in get(f"{API}/taxonomies")["contents"]] == ["CareCircle", "Other"]
    assert ids(get(f"{API}/taxonomies", search="other")) == {str(d.other_taxonomy.id)}
    assert get(f"{API}/taxonomies/{d.bup_taxonomy.id}")["name"] == "CareCircle"

    terms = get(f"{API}/taxonomy_terms")
    assert terms["total_items"] == 4
    care = get(f"{API}/taxonomy_terms", taxonomy_id=d.bup_taxonomy.id)
    assert ids(care) == {str(d.bup.id), str(d.bup_child.id), str(d.naloxone.id)}
    assert ids(get(f"{API}/taxonomy_terms", parent_id=d.bup.id)) == {str(d.bup_child.id)}
    top = get(f"{API}/taxonomy_terms", top_only="true", taxonomy_id=d.bup_taxonomy.id)
    assert ids(top) == {str(d.bup.id), str(d.naloxone.id)}
    assert ids(get(f"{API}/taxonomy_terms", search="naloxone")) == {str(d.naloxone.id)}

    term = get(f"{API}/taxonomy_terms/{d.bup_child.id}")
    assert term["parent_id"] == str(d.bup.id)
    assert term["taxonomy_id"] == str(d.bup_taxonomy.id)
    assert term["taxonomy_detail"]["name"] == "CareCircle"
    assert error(f"{API}/taxonomy_terms", {"parent_id": "bup"}).startswith("parent_id:")


# --- service_at_locations ---------------------------------------------------------------------


def test_service_at_locations_list_and_filters(directory: Directory) -> None:
    d = directory
    body = get(f"{API}/service_at_locations")
    assert ids(body) == {str(d.bup_here.id), str(d.kits_here.id), str(d.shelter_here.id)}
    item = next(x for x in body["contents"] if x["id"] == str(d.bup_here.id))
    assert item["location"]["name"] == "Clinic on Main"
    assert item["service"]["organization"]["name"] == "Riverbend MOUD Clinic"
    assert ids(get(f"{API}/service_at_locations", search="naloxone")) == {str(d.kits_here.id)}
    by_term = get(f"{API}/service_at_locations", taxonomy_term_id=d.bup.id)
    assert ids(by_term) == {str(d.bup_here.id)}
    by_org = get(f"{API}/service_at_locations", organization_id=d.haven.id)
    assert ids(by_org) == {str(d.shelter_here.id)}
    paged = get(f"{API}/service_at_locations", per_page=2, page=2)
    assert (paged["total_items"], paged["total_pages"], paged["size"]) == (3, 2, 1)


def test_service_at_locations_near_a_postcode(directory: Directory) -> None:
    d = directory
    near = get(f"{API}/service_at_locations", postcode="K1A 0B1", proximity="1000")
    assert ids(near) == {str(d.bup_here.id), str(d.kits_here.id)}
    # Sorted by distance from a point, and a radius in metres after it.
    point = get(f"{API}/service_at_locations", proximity="45.43,-75.70")
    assert ids(point) == {str(d.bup_here.id), str(d.kits_here.id)}
    far = get(f"{API}/service_at_locations", proximity="44.0,-79.0,1000")
    assert far["contents"] == []
    assert far["empty"] is True


def test_a_geographic_query_leaves_confidential_locations_out(directory: Directory) -> None:
    # Otherwise shrinking the radius around guesses would find the shelter.
    around = get(f"{API}/service_at_locations", proximity=f"{SECRET_LAT},{SECRET_LNG},500")
    assert around["total_items"] == 0


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"postcode": "Z9Z"}, "postcode"),
        ({"proximity": "1000"}, "proximity"),
        ({"proximity": "here"}, "proximity"),
        ({"proximity": "95,10"}, "proximity"),
        ({"postcode": "K1A0B1", "proximity": "0"}, "proximity"),
    ],
)
def test_bad_place_parameters_get_a_400_naming_them(
    directory: Directory, params: dict[str, str], named: str
) -> None:
    assert error(f"{API}/service_at_locations", params).startswith(f"{named}:")


def test_a_service_at_location_by_id_is_fully_nested(directory: Directory) -> None:
    body = get(f"{API}/service_at_locations/{directory.bup_here.id}")
    assert body["location"]["addresses"][0]["address_1"] == "100 Main Street"
    assert body["service"]["phones"][0]["number"] == "613-555-0100"
    assert "service_at_locations" not in body["service"]


# --- confidential locations -------------------------------------------------------------------


def every_response(d: Directory) -> list[str]:
    urls = [
        f"{API}/services",
        f"{API}/services?full=true",
        f"{API}/services?format=ndjson",
        f"{API}/services?full=true&format=ndjson",
        f"{API}/services?search=shelter&full=true",
        f"{API}/services/{d.shelter.id}",
        f"{API}/organizations",
        f"{API}/organizations?full=true&full_service=true",
        f"{API}/organizations?full=true&format=ndjson",
        f"{API}/organizations/{d.haven.id}",
        f"{API}/organizations/{d.haven.id}?full_service=true",
        f"{API}/service_at_locations",
        f"{API}/service_at_locations?full=true",
        f"{API}/service_at_locations?format=ndjson&full=true",
        f"{API}/service_at_locations/{d.shelter_here.id}",
        f"{API}/service_at_locations?postcode=K1A0B1",
    ]
    return urls


def test_a_confidential_location_never_shows_where_it_is(directory: Directory) -> None:
    secrets = [
        SECRET_ADDRESS,
        SECRET_POSTAL_CODE,
        SECRET_TRANSPORT,
        SECRET_ACCESS,
        SECRET_URL,
        f"{SECRET_LAT}",
        f"{SECRET_LNG}",
        "45.501",  # any rounding of the coordinates
        "75.601",
    ]
    seen_the_shelter = 0
    for url in every_response(directory):
        response = HttpClient().get(url)
        assert response.status_code == 200, url
        raw = response.getvalue()
        for secret in secrets:
            assert secret.encode() not in raw, f"{secret!r} in {url}"
        seen_the_shelter += b"Safe Haven House" in raw
    # The shelter is listed (name and phone), just not where it is.
    assert seen_the_shelter >= 8
    body = get(f"{API}/service_at_locations/{directory.shelter_here.id}")
    assert body["location"]["phones"][0]["number"] == "613-555-0199"
    assert "addresses" not in body["location"]
    assert "latitude" not in body["location"]


def test_a_signed_in_partner_gets_the_same_public_answer(directory: Directory) -> None:
    from carecircle.partners.services import user_create

    user: Any = user_create(username="erin-hsds", password="x" * 20)
    browser = HttpClient()
    browser.force_login(user)
    response = browser.get(f"{API}/services/{directory.shelter.id}")
    assert response.status_code == 200
    assert SECRET_ADDRESS.encode() not in response.content


# --- query counts -----------------------------------------------------------------------------


def count_queries(django_assert_max_num_queries: Any, url: str, limit: int) -> None:
    with django_assert_max_num_queries(limit):
        response = HttpClient().get(url)
        assert response.status_code == 200
        body = response.json()
    assert body["size"] > 0


@pytest.mark.parametrize(
    ("path", "limit"),
    [
        # The search query, loading the page (organization and program joined), open now.
        ("services?per_page=50", 4),
        ("services?per_page=50&minimal=true", 4),
        # Plus one query per nested array of the full shape, and two for attributes/metadata.
        ("services?per_page=50&full=true", 42),
        ("organizations?per_page=50", 2),
        ("organizations?per_page=50&full=true", 18),
        ("organizations?per_page=50&full=true&full_service=true", 40),
        ("service_at_locations?per_page=50", 2),
        ("service_at_locations?per_page=50&full=true", 48),
        ("service_at_locations?per_page=50&full=true&proximity=45,-75,1000", 48),
        ("taxonomy_terms?per_page=50", 2),
    ],
)
def test_a_page_costs_a_fixed_number_of_queries(
    db: None, django_assert_max_num_queries: Any, path: str, limit: int
) -> None:
    many_services(50)
    count_queries(django_assert_max_num_queries, f"{API}/{path}", limit)


def test_a_full_page_of_fifty_costs_what_a_page_of_five_costs(
    db: None, django_assert_num_queries: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    many_services(50)
    counts = []
    for per_page in (5, 50):
        with CaptureQueriesContext(connection) as captured:
            HttpClient().get(f"{API}/services", {"per_page": per_page, "full": "true"})
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]


def test_streaming_every_service_costs_fixed_queries_per_chunk(
    db: None, django_assert_max_num_queries: Any
) -> None:
    from carecircle.directory.hsds.serialize import iter_service_dicts
    from carecircle.directory.models import Service

    many_services(50)
    # Three chunks of at most 20, each: the chunk, its prefetches, attributes and metadata.
    with django_assert_max_num_queries(3 * 40):
        streamed = list(iter_service_dicts(Service.objects.all(), chunk_size=20))
    assert len({s["id"] for s in streamed}) == 50
    assert all(s["attributes"] and s["metadata"] for s in streamed)
