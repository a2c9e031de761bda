"""Find help search: each filter alone, filters together, distance, open now, ranking."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from django.db import connection

from carecircle.directory import geo, taxonomy
from carecircle.directory import services as directory_services
from carecircle.directory.models import Organization, Service
from carecircle.directory.search import (
    SearchQuery,
    fts5_query,
    search_index_rebuild,
    search_index_update,
    service_search,
    timezones_in_use,
    tsquery,
)
from tests.directory.find_help_data import HERE, POSTAL_CODE, FindHelp, build_find_help

pytestmark = pytest.mark.django_db

# Wednesday 11 March 2026 (daylight saving time has begun in North America on the 8th).
NOON_CHICAGO = datetime(2026, 3, 11, 17, 0, tzinfo=UTC)  # 12:00 Chicago, 13:00 New York
MORNING_EARLY = datetime(2026, 3, 11, 13, 30, tzinfo=UTC)  # 08:30 Chicago, 09:30 New York
MORNING_LATER = datetime(2026, 3, 11, 14, 30, tzinfo=UTC)  # 09:30 Chicago, 10:30 New York
EVENING_CHICAGO = datetime(2026, 3, 12, 2, 0, tzinfo=UTC)  # Wednesday 21:00 Chicago
SATURDAY_NOON = datetime(2026, 3, 14, 17, 0, tzinfo=UTC)


@pytest.fixture
def fh() -> FindHelp:
    return build_find_help()


def names(query: SearchQuery, **kwargs: Any) -> list[str]:
    kwargs.setdefault("at", NOON_CHICAGO)
    return [hit.service.name for hit in service_search(query, **kwargs).items]


def found(query: SearchQuery, **kwargs: Any) -> set[str]:
    return set(names(query, **kwargs))


def test_no_filter_lists_every_active_service_by_name(fh: FindHelp) -> None:
    assert names(SearchQuery()) == sorted(s.name for s in fh.services)


def test_inactive_services_are_left_out_unless_asked_for(fh: FindHelp) -> None:
    Service.objects.filter(pk=fh.naloxone.pk).update(status="inactive")
    assert fh.naloxone.name not in found(SearchQuery())
    assert fh.naloxone.name in found(SearchQuery(statuses=()))


# --- free text -------------------------------------------------------------------------------


def test_text_finds_words_in_names_descriptions_and_terms(fh: FindHelp) -> None:
    assert found(SearchQuery(text="buprenorphine")) == {fh.bup.name, fh.bup_far.name}
    # "Peer support" is the built-in term's name; the description only says "peer".
    assert fh.eastern.name in found(SearchQuery(text="peer support"))


def test_text_matches_word_beginnings_and_ignores_case_and_punctuation(fh: FindHelp) -> None:
    assert found(SearchQuery(text="BUPREN!")) == {fh.bup.name, fh.bup_far.name}
    assert found(SearchQuery(text="'; DROP TABLE directory_service; --")) == set()


def test_text_in_french_finds_the_built_in_terms_french_names(fh: FindHelp) -> None:
    # The search document carries every language's name of a built-in term.
    assert fh.naloxone.name in found(SearchQuery(text="naloxone"))


def test_every_word_must_match(fh: FindHelp) -> None:
    assert found(SearchQuery(text="buprenorphine book")) == {fh.bup_far.name}


def test_text_results_are_ranked_by_relevance(fh: FindHelp) -> None:
    strong = Service.objects.create(
        organization=fh.org,
        name="Naloxone naloxone naloxone",
        description="Naloxone training and naloxone kits; naloxone for everyone.",
    )
    weak = Service.objects.create(
        organization=fh.org,
        name="Community meals",
        description="Hot meals every day. Ask staff about the many other things we offer, "
        "including a naloxone kit, showers, laundry, mail, phones and clothing.",
    )
    directory_services.search_document_rebuild(services=[strong, weak])
    page = service_search(SearchQuery(text="naloxone"), at=NOON_CHICAGO)
    ranked = [hit.service.name for hit in page.items]
    assert ranked[0] == strong.name
    assert ranked.index(strong.name) < ranked.index(weak.name)
    ranks = [hit.rank for hit in page.items]
    assert ranks == sorted(ranks, reverse=True)
    assert ranks[0] > 0


def test_the_index_follows_search_document_changes(fh: FindHelp) -> None:
    fh.naloxone.search_document = "Zanzibar kits"
    Service.objects.filter(pk=fh.naloxone.pk).update(search_document=fh.naloxone.search_document)
    search_index_update([fh.naloxone])
    assert found(SearchQuery(text="zanzibar")) == {fh.naloxone.name}
    assert search_index_rebuild() == len(fh.services)
    assert found(SearchQuery(text="zanzibar")) == {fh.naloxone.name}


def test_query_words_are_quoted_for_the_engine() -> None:
    assert fts5_query('bup "or" NEAR(x') == '"bup"* "or" "near"* "x"'
    assert tsquery("bup & !x") == "'bup':* & 'x'"


# --- taxonomy ----------------------------------------------------------------------------------


def test_term_codes_filter_by_built_in_terms(fh: FindHelp) -> None:
    codes = (taxonomy.BUP_SAME_DAY,)
    assert found(SearchQuery(term_codes=codes)) == {fh.bup.name, fh.bup_far.name}


def test_several_term_codes_must_all_apply(fh: FindHelp) -> None:
    codes = (taxonomy.BUP_SAME_DAY, taxonomy.LOW_BARRIER_WALK_IN)
    assert found(SearchQuery(term_codes=codes)) == {fh.bup.name}


def test_a_broader_term_code_includes_its_narrower_terms(fh: FindHelp) -> None:
    assert found(SearchQuery(term_codes=(taxonomy.LOW_BARRIER,))) == {fh.bup.name, fh.eastern.name}


def test_an_unknown_term_code_is_a_clear_error(fh: FindHelp) -> None:
    with pytest.raises(ValueError, match=r"term_codes: unknown taxonomy term code 'unicorns'"):
        service_search(SearchQuery(term_codes=("unicorns",)))


def test_taxonomy_term_ids_and_taxonomy_id(fh: FindHelp) -> None:
    term = taxonomy.term_id(taxonomy.NALOXONE)
    assert found(SearchQuery(taxonomy_term_ids=(term,))) == {fh.naloxone.name}
    everything = found(SearchQuery(taxonomy_id=taxonomy.BUILTIN_TAXONOMY_ID))
    assert everything == {s.name for s in fh.services}
    other = Organization.objects.create(name="Other", description="")
    assert found(SearchQuery(organization_id=other.id)) == set()
    assert len(found(SearchQuery(organization_id=fh.org.id))) == len(fh.services)


def test_modified_after(fh: FindHelp) -> None:
    Service.objects.update(last_modified=datetime(2025, 1, 1, tzinfo=UTC))
    Service.objects.filter(pk=fh.tele.pk).update(last_modified=datetime(2026, 2, 1, tzinfo=UTC))
    query = SearchQuery(modified_after=datetime(2026, 1, 1, tzinfo=UTC))
    assert found(query) == {fh.tele.name}
    with pytest.raises(ValueError, match="modified_after"):
        service_search(SearchQuery(modified_after=datetime(2026, 1, 1)))  # noqa: DTZ001


# --- place -------------------------------------------------------------------------------------


def test_near_a_point_within_a_radius_sorted_by_distance(fh: FindHelp) -> None:
    page = service_search(SearchQuery(near=HERE, radius_km=20), at=NOON_CHICAGO)
    hits = page.items
    got = {hit.service.name for hit in hits}
    # The far clinic is about 33 km away; video counselling has no place on the map.
    assert got == {fh.bup.name, fh.naloxone.name, fh.shelter.name, fh.eastern.name}
    distances = [hit.distance_km for hit in hits]
    assert all(d is not None for d in distances)
    assert distances == sorted(distances)  # type: ignore[type-var]
    assert hits[0].service == fh.eastern
    expected = geo.haversine_km(HERE[0], HERE[1], 41.62, -93.58)
    bup = next(hit for hit in hits if hit.service == fh.bup)
    assert bup.distance_km == pytest.approx(expected, rel=1e-6)


def test_a_larger_radius_reaches_further(fh: FindHelp) -> None:
    assert fh.bup_far.name in found(SearchQuery(near=HERE, radius_km=50))
    assert fh.bup_far.name not in found(SearchQuery(near=HERE, radius_km=30))


def test_near_without_a_radius_sorts_everything_by_distance(fh: FindHelp) -> None:
    hits = service_search(SearchQuery(near=HERE), at=NOON_CHICAGO).items
    assert len(hits) == len(fh.services)
    assert hits[-1].service == fh.tele  # no coordinates: last, without a distance
    assert hits[-1].distance_km is None
    assert hits[-2].service == fh.bup_far


def test_a_postal_code_is_searched_around_its_point(fh: FindHelp) -> None:
    by_code = service_search(SearchQuery(postal_code="503 09", radius_km=20), at=NOON_CHICAGO)
    by_point = service_search(SearchQuery(near=HERE, radius_km=20), at=NOON_CHICAGO)
    assert by_code.near == HERE
    assert [h.service for h in by_code.items] == [h.service for h in by_point.items]


def test_an_unknown_postal_code_is_a_clear_error(fh: FindHelp) -> None:
    with pytest.raises(ValueError, match=r"postal_code: we do not know the postal code 'H0H 0H0'"):
        service_search(SearchQuery(postal_code="H0H 0H0", radius_km=20))
    assert geo.postal_code_lookup(POSTAL_CODE) == HERE


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (SearchQuery(radius_km=10), "radius_km: give a point"),
        (SearchQuery(near=HERE, radius_km=0), "radius_km: must be more than 0"),
        (SearchQuery(near=HERE, radius_km=float("nan")), "radius_km"),
        (SearchQuery(near=(91.0, 0.0)), "near: latitude"),
        (SearchQuery(near=(0.0, 181.0)), "near: longitude"),
        (SearchQuery(sort="distance"), "sort: give a point"),
        (SearchQuery(sort="popularity"), "sort: must be one of"),
    ],
)
def test_bad_queries_name_the_field(fh: FindHelp, query: SearchQuery, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        service_search(query)


def test_bad_paging_names_the_field(fh: FindHelp) -> None:
    with pytest.raises(ValueError, match="page"):
        service_search(SearchQuery(), page=0)
    with pytest.raises(ValueError, match="per_page"):
        service_search(SearchQuery(), per_page=0)


def test_the_public_measures_confidential_places_from_a_coarse_point(fh: FindHelp) -> None:
    """Exact distances to a shelter would let repeated searches triangulate it."""
    true_km = geo.haversine_km(HERE[0], HERE[1], 41.61, -93.61)
    public = service_search(SearchQuery(near=HERE, radius_km=20), at=NOON_CHICAGO).items
    shelter = next(hit for hit in public if hit.service == fh.shelter)
    assert shelter.distance_km is not None
    assert abs(shelter.distance_km - true_km) > 1
    coarse = geo.haversine_km(HERE[0], HERE[1], geo.snap_to_grid(41.61), geo.snap_to_grid(-93.61))
    assert shelter.distance_km == pytest.approx(coarse, rel=1e-6)
    # Nothing nearer than the grid point reveals it: a 2 km search from its door misses it.
    door = (41.61, -93.61)
    assert fh.shelter.name not in found(SearchQuery(near=door, radius_km=2))
    partner = SearchQuery(near=HERE, radius_km=20, reveal_confidential=True)
    revealed = next(h for h in service_search(partner).items if h.service == fh.shelter)
    assert revealed.distance_km == pytest.approx(true_km, rel=1e-6)


# --- open now, in each location's time zone -----------------------------------------------------


def test_open_now_at_noon_in_chicago(fh: FindHelp) -> None:
    query = SearchQuery(open_now=True)
    assert found(query, at=NOON_CHICAGO) == {
        fh.bup.name,
        fh.bup_far.name,
        fh.shelter.name,
        fh.tele.name,
    }


def test_open_now_reads_each_location_in_its_own_time_zone(fh: FindHelp) -> None:
    query = SearchQuery(open_now=True)
    # 08:30 in Chicago is 09:30 in New York: the eastern drop-in (9 to 10 there) is open.
    early = found(query, at=MORNING_EARLY)
    assert fh.eastern.name in early
    assert fh.bup_far.name not in early
    # An hour later it is 10:30 in New York: closed, though 09:30 in Chicago.
    later = found(query, at=MORNING_LATER)
    assert fh.eastern.name not in later
    assert fh.bup_far.name in later
    assert set(timezones_in_use()) == {"America/Chicago", "America/New_York"}


def test_open_now_in_the_evening_and_at_the_weekend(fh: FindHelp) -> None:
    query = SearchQuery(open_now=True)
    assert found(query, at=EVENING_CHICAGO) == {fh.bup.name, fh.naloxone.name, fh.shelter.name}
    assert fh.bup_far.name not in found(query, at=SATURDAY_NOON)


def test_open_now_defaults_to_the_current_time(fh: FindHelp) -> None:
    with time_machine.travel(EVENING_CHICAGO, tick=False):
        assert fh.naloxone.name in {
            h.service.name for h in service_search(SearchQuery(open_now=True)).items
        }
    with time_machine.travel(NOON_CHICAGO, tick=False):
        assert fh.naloxone.name not in {
            h.service.name for h in service_search(SearchQuery(open_now=True)).items
        }


def test_each_hit_says_whether_it_is_open_now(fh: FindHelp) -> None:
    hits = service_search(SearchQuery(), at=EVENING_CHICAGO).items
    flags = {hit.service.name: hit.open_now for hit in hits}
    assert flags[fh.naloxone.name] is True
    assert flags[fh.bup_far.name] is False
    fh.tele.schedules.all().delete()
    directory_services.opening_intervals_rebuild(services=[fh.tele])
    hits = service_search(SearchQuery(), at=EVENING_CHICAGO).items
    assert {hit.service.name: hit.open_now for hit in hits}[fh.tele.name] is None


# --- capacity, language, cost, telehealth --------------------------------------------------------


def test_capacity_available(fh: FindHelp) -> None:
    assert found(SearchQuery(capacity_available=True)) == {fh.bup.name, fh.shelter.name}


def test_language_matches_the_code_and_its_regional_variants(fh: FindHelp) -> None:
    assert found(SearchQuery(languages=("fr",))) == {fh.bup.name, fh.tele.name}
    assert found(SearchQuery(languages=("EN",))) == {fh.bup.name, fh.bup_far.name}
    assert found(SearchQuery(languages=("fr", "en"))) == {
        fh.bup.name,
        fh.tele.name,
        fh.bup_far.name,
    }


def test_free_by_the_free_term_or_a_zero_cost(fh: FindHelp) -> None:
    assert found(SearchQuery(free_only=True)) == {fh.bup.name, fh.naloxone.name}


def test_telehealth_by_the_term_or_a_virtual_location(fh: FindHelp) -> None:
    assert found(SearchQuery(telehealth=True)) == {fh.tele.name}
    tagged = Service.objects.create(organization=fh.org, name="Phone clinic")
    from carecircle.directory.models import Attribute

    Attribute.objects.create(
        link_id=tagged.id, taxonomy_term_id=taxonomy.term_id(taxonomy.TELEHEALTH)
    )
    assert found(SearchQuery(telehealth=True)) == {fh.tele.name, tagged.name}


def test_telehealth_near_a_point_keeps_services_that_have_no_place(fh: FindHelp) -> None:
    assert found(SearchQuery(telehealth=True, near=HERE, radius_km=5)) == {fh.tele.name}


# --- all together -------------------------------------------------------------------------------


def test_the_question_same_day_buprenorphine_within_20_km_walk_in_open_now_in_french(
    fh: FindHelp,
) -> None:
    query = SearchQuery(
        text="buprenorphine",
        term_codes=(taxonomy.BUP_SAME_DAY, taxonomy.LOW_BARRIER_WALK_IN),
        near=HERE,
        radius_km=20,
        open_now=True,
        languages=("fr",),
        capacity_available=True,
        free_only=True,
    )
    for at in (NOON_CHICAGO, EVENING_CHICAGO, SATURDAY_NOON):
        page = service_search(query, at=at)
        assert [hit.service for hit in page.items] == [fh.bup]
        assert page.items[0].open_now is True
        assert page.items[0].distance_km == pytest.approx(2.78, abs=0.05)
    # Each filter alone would let others through; together they leave one.
    assert len(found(SearchQuery(near=HERE, radius_km=20, open_now=True))) > 1
    assert found(SearchQuery(languages=("de",))) == set()


def test_paging(fh: FindHelp) -> None:
    first = service_search(SearchQuery(), per_page=4)
    assert (first.total_items, first.total_pages, len(first.items)) == (6, 2, 4)
    assert first.has_next
    assert not first.has_previous
    second = service_search(SearchQuery(), page=2, per_page=4)
    assert len(second.items) == 2
    assert not {h.service for h in first.items} & {h.service for h in second.items}
    beyond = service_search(SearchQuery(), page=5, per_page=4)
    assert (beyond.items, beyond.total_items) == ([], 6)


def test_a_page_is_a_fixed_number_of_queries(
    fh: FindHelp, django_assert_max_num_queries: Any
) -> None:
    query = SearchQuery(
        text="buprenorphine",
        term_codes=(taxonomy.BUP_SAME_DAY,),
        near=HERE,
        radius_km=20,
        open_now=True,
        languages=("fr",),
    )
    # Term codes (2: the terms, their narrower ones), time zones, the page, the services and
    # the open-now flags.
    with django_assert_max_num_queries(7):
        service_search(query, at=NOON_CHICAGO)


def test_works_on_this_database(fh: FindHelp) -> None:
    assert connection.vendor in {"sqlite", "postgresql"}
    assert fh.bup.search_document


# --- the same question through the HSDS API -----------------------------------------------------


def api_names(**params: Any) -> list[str]:
    from django.test import Client as HttpClient

    response = HttpClient().get("/api/hsds/services", params)
    assert response.status_code == 200, response.content
    return [item["name"] for item in response.json()["contents"]]


def api_error(**params: Any) -> str:
    from django.test import Client as HttpClient

    response = HttpClient().get("/api/hsds/services", params)
    assert response.status_code == 400, response.content
    return str(response.json()["detail"])


def test_the_api_asks_the_whole_question_with_carecircle_parameters(fh: FindHelp) -> None:
    lat, lng = HERE
    with time_machine.travel(NOON_CHICAGO, tick=False):
        names_found = api_names(
            search="buprenorphine",
            taxonomy_term_id=str(taxonomy.term_id(taxonomy.BUP_SAME_DAY)),
            proximity=f"{lat},{lng},20000",
            language="fr",
            open_now="true",
            capacity_available="true",
            free="true",
        )
        assert names_found == [fh.bup.name]
        # Each extension narrows exactly as the search's own filter does.
        for params, query in (
            ({"proximity": f"{lat},{lng},20000"}, SearchQuery(near=HERE, radius_km=20)),
            ({"language": "fr,en"}, SearchQuery(languages=("fr", "en"))),
            ({"open_now": "true"}, SearchQuery(open_now=True)),
            ({"capacity_available": "true"}, SearchQuery(capacity_available=True)),
            ({"telehealth": "true"}, SearchQuery(telehealth=True)),
            ({"postcode": POSTAL_CODE, "proximity": "20000"}, SearchQuery(near=HERE, radius_km=20)),
        ):
            from dataclasses import replace

            every_status = replace(query, statuses=())
            assert set(api_names(**params)) == found(every_status), params
    # Nearest first, like the public page.
    nearest = api_names(proximity=f"{lat},{lng}", per_page=100)
    by_distance = names(SearchQuery(near=HERE, statuses=()), per_page=100)
    assert nearest == by_distance


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"proximity": "here"}, "proximity"),
        ({"proximity": "1000"}, "proximity"),
        ({"open_now": "soon"}, "open_now"),
        ({"capacity_available": "2"}, "capacity_available"),
        ({"language": "fr;drop"}, "language"),
        ({"postcode": "Z9Z 9Z9"}, "postcode"),
    ],
)
def test_bad_carecircle_parameters_get_a_400_naming_them(
    fh: FindHelp, params: dict[str, str], named: str
) -> None:
    assert api_error(**params).startswith(f"{named}:")
