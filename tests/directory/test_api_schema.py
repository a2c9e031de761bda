"""Every HSDS API response validates against the official HSDS 3.0 schemas (the files in
``../shared/standards/hsds/3.0/schema/``), for the official examples and for our own directory
with a confidential location, and has the official examples' shapes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client as HttpClient

from tests.directory.api_fixtures import Directory, directory
from tests.directory.hsds_support import (
    assert_valid,
    example,
    hsds_dir,
    load_examples,
    response_ref,
)

__all__ = ["directory"]

API = "/api/hsds"
SERVICE = "ac148810-d857-441c-9679-408f346de14b"
ORGANIZATION = "d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610"
SERVICE_AT_LOCATION = "e94c9f38-1e8f-4564-91d4-d53501ab1765"
TAXONOMY = "5c4d79d7-cc55-470e-9f1f-8cad074e4892"
TAXONOMY_TERM = "3f7b145d-84af-42d7-8fae-eaca714b02b2"

# What each list's contents are, beyond the OpenAPI's page schema (which already names the
# list shapes): a full listing's items are the full objects.
FULL_ITEM = {
    "/services": "compiled/service.json",
    "/organizations": "organization.json",
    "/service_at_locations": "service_at_location.json",
}


OFFICIAL_EXAMPLES = (
    "service_full.json",
    "organization_full.json",
    "service_at_location_full.json",
    "taxonomy.json",
    "taxonomy_term.json",
)


@pytest.fixture
def official(db: None) -> None:
    """The official examples, imported by the directory's importer."""
    from carecircle.directory.hsds.importer import hsds_import

    for name in OFFICIAL_EXAMPLES:
        report = hsds_import(hsds_dir() / "3.0" / "examples" / name)
        assert report.ok, report


@pytest.fixture
def loaded(db: None) -> None:
    """The same, by the test's own loader (a check on the check, independent of the
    importer)."""
    load_examples(*OFFICIAL_EXAMPLES)


def fetch(url: str) -> Any:
    response = HttpClient().get(url)
    assert response.status_code == 200, f"{url}: {response.content!r}"
    if response.streaming:
        raw = response.getvalue().decode()
        return [json.loads(line) for line in raw.splitlines()]
    return response.json()


def check_list(path: str, query: str = "") -> list[dict[str, Any]]:
    """Validate a list endpoint as a page and as ndjson; returns the page's contents."""
    separator = "&" if query else ""
    page = fetch(f"{API}{path}?{query}")
    assert_valid(page, response_ref(path))
    assert page["total_items"] >= len(page["contents"]) > 0
    item_ref = FULL_ITEM[path] if "full=true" in query else None
    for item in page["contents"]:
        if item_ref:
            assert_valid(item, item_ref)
    streamed = fetch(f"{API}{path}?{query}{separator}format=ndjson")
    assert len(streamed) == page["total_items"]
    as_page = {**page, "contents": streamed}
    assert_valid(as_page, response_ref(path))
    return list(page["contents"])


LISTS = [
    ("/services", ""),
    ("/services", "full=true"),
    ("/services", "minimal=true"),
    ("/organizations", ""),
    ("/organizations", "full=true"),
    ("/organizations", "full=true&full_service=true"),
    ("/taxonomies", ""),
    ("/taxonomy_terms", ""),
    ("/service_at_locations", ""),
    ("/service_at_locations", "full=true"),
]


@pytest.mark.parametrize(("path", "query"), LISTS, ids=[f"{p}?{q}" for p, q in LISTS])
def test_lists_of_the_official_examples_validate(official: None, path: str, query: str) -> None:
    check_list(path, query)


@pytest.mark.parametrize(("path", "query"), LISTS, ids=[f"{p}?{q}" for p, q in LISTS])
def test_lists_with_a_confidential_location_validate(
    directory: Directory, path: str, query: str
) -> None:
    check_list(path, query)


def test_the_root_validates(db: None) -> None:
    assert_valid(fetch(f"{API}/"), response_ref("/"))


def test_objects_by_id_validate(official: None) -> None:
    assert_valid(fetch(f"{API}/services/{SERVICE}"), response_ref("/services/{id}"))
    assert_valid(fetch(f"{API}/services/{SERVICE}"), "service.json")
    organization = fetch(f"{API}/organizations/{ORGANIZATION}")
    assert_valid(organization, response_ref("/organizations/{id}"))
    with_services = fetch(f"{API}/organizations/{ORGANIZATION}?full_service=true")
    assert_valid(with_services, response_ref("/organizations/{id}"))
    for service in with_services["services"]:
        assert_valid(service, "service.json")
    assert_valid(fetch(f"{API}/taxonomies/{TAXONOMY}"), response_ref("/taxonomies/{id}"))
    term = fetch(f"{API}/taxonomy_terms/{TAXONOMY_TERM}")
    assert_valid(term, response_ref("/taxonomy_terms/{id}"))
    # The official OpenAPI names compiled/service.json for this one, which a
    # service_at_location cannot be (it has no name or status): the object's own schema is the
    # one that fits, and its official example has this shape.
    sal = fetch(f"{API}/service_at_locations/{SERVICE_AT_LOCATION}")
    assert_valid(sal, "service_at_location.json")


def test_objects_with_a_confidential_location_validate(directory: Directory) -> None:
    d = directory
    for service in (d.bup_start, d.kits, d.shelter):
        assert_valid(fetch(f"{API}/services/{service.id}"), response_ref("/services/{id}"))
    for org in (d.clinic, d.haven):
        body = fetch(f"{API}/organizations/{org.id}?full_service=true")
        assert_valid(body, response_ref("/organizations/{id}"))
    for sal in (d.bup_here, d.shelter_here):
        assert_valid(fetch(f"{API}/service_at_locations/{sal.id}"), "service_at_location.json")
    term = fetch(f"{API}/taxonomy_terms/{d.bup_child.id}")
    assert_valid(term, response_ref("/taxonomy_terms/{id}"))


# --- the validation is real ----------------------------------------------------------------------


def test_the_official_list_examples_validate_against_the_official_openapi() -> None:
    for path, name in (
        ("/services", "service_list.json"),
        ("/organizations", "organization_list.json"),
        ("/service_at_locations", "service_at_location_list.json"),
        ("/taxonomies", "taxonomy_list.json"),
        ("/taxonomy_terms", "taxonomy_term_list.json"),
    ):
        assert_valid(example(name), response_ref(path))
    assert_valid(example("service_full.json"), "compiled/service_with_definitions.json")


def test_a_wrong_object_fails_validation() -> None:
    page = example("service_list.json")
    del page["contents"][0]["name"]
    with pytest.raises(AssertionError, match="'name' is a required property"):
        assert_valid(page, response_ref("/services"))
    service = example("service_full.json")
    service["phones"][0]["number"] = 12
    with pytest.raises(AssertionError, match="phones/0/number"):
        assert_valid(service, response_ref("/services/{id}"))
    service = example("service_full.json")
    service["service_at_locations"][0]["location"]["location_type"] = "secret"
    with pytest.raises(AssertionError, match="location_type"):
        assert_valid(service, "service.json")


# --- the official shapes -----------------------------------------------------------------------


def subset_difference(ours: Any, theirs: Any, where: str = "") -> list[str]:
    """Where ``theirs`` (an official example) has something ``ours`` lacks or differs on.
    Extra fields of ours (the parent ids HSDS allows on nested objects) are fine."""
    if isinstance(theirs, dict):
        if not isinstance(ours, dict):
            return [f"{where}: not an object"]
        problems = []
        for key, value in theirs.items():
            if key not in ours:
                problems.append(f"{where}/{key}: missing")
            else:
                problems += subset_difference(ours[key], value, f"{where}/{key}")
        return problems
    if isinstance(theirs, list):
        if not isinstance(ours, list) or len(ours) != len(theirs):
            return [f"{where}: {len(theirs)} items expected"]
        problems = []
        for n, (a, b) in enumerate(zip(ours, theirs, strict=True)):
            problems += subset_difference(a, b, f"{where}/{n}")
        return problems
    if isinstance(theirs, float | int) and not isinstance(theirs, bool):
        return [] if ours == theirs else [f"{where}: {ours!r} != {theirs!r}"]
    return [] if ours == theirs else [f"{where}: {ours!r} != {theirs!r}"]


@pytest.mark.parametrize(
    ("url", "name"),
    [
        (f"/services/{SERVICE}", "service_full.json"),
        (f"/service_at_locations/{SERVICE_AT_LOCATION}", "service_at_location_full.json"),
        (f"/organizations/{ORGANIZATION}?full_service=true", "organization_full.json"),
        (f"/taxonomy_terms/{TAXONOMY_TERM}", "taxonomy_term.json"),
        (f"/taxonomies/{TAXONOMY}", "taxonomy.json"),
    ],
)
def test_objects_have_the_official_examples_shape(official: None, url: str, name: str) -> None:
    assert subset_difference(fetch(f"{API}{url}"), example(name)) == []


def test_the_test_loader_gives_the_same_answers(loaded: None) -> None:
    for path, query in LISTS:
        check_list(path, query)
    service = fetch(f"{API}/services/{SERVICE}")
    assert subset_difference(service, example("service_full.json")) == []
