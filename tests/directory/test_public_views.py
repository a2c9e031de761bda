"""The public Find help pages: anonymous use, confidential places, French, page weight."""

from __future__ import annotations

import gzip
import re
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any

import pytest
import time_machine
from django.test import Client as HttpClient
from django.urls import reverse

from carecircle.directory import taxonomy
from carecircle.directory.models import Location, Service, ServiceAtLocation
from carecircle.partners.models import Jurisdiction
from tests.directory.find_help_data import (
    CONFIDENTIAL_DIRECTIONS,
    CONFIDENTIAL_STREET,
    CRISIS_NAME,
    CRISIS_PHONE,
    HERE,
    POSTAL_CODE,
    FindHelp,
    build_find_help,
)

pytestmark = pytest.mark.django_db

FIND_HELP = "/find-help/"
NOON_CHICAGO = datetime(2026, 3, 11, 17, 0, tzinfo=UTC)
EVENING_CHICAGO = datetime(2026, 3, 12, 2, 0, tzinfo=UTC)
PAGE_BUDGET_BYTES = 200 * 1024


@pytest.fixture
def fh() -> FindHelp:
    # Built at noon on a Wednesday in Chicago (capacity updated two hours before), so pages
    # seen at that moment say "updated 2 hours ago".
    with time_machine.travel(NOON_CHICAGO, tick=False):
        return build_find_help()


@pytest.fixture
def anonymous() -> HttpClient:
    return HttpClient()


@pytest.fixture
def partner_member(fh: FindHelp) -> HttpClient:
    browser = HttpClient()
    browser.force_login(fh.member)
    return browser


def service_url(service: Service) -> str:
    return reverse("directory:service", kwargs={"service_id": service.id})


def text_of(response: Any) -> str:
    assert response.status_code == 200, response
    return re.sub(r"\s+", " ", response.content.decode())


def near(**extra: Any) -> dict[str, Any]:
    return {"near": f"{HERE[0]},{HERE[1]}", "radius": "20", **extra}


# --- it works, anonymously ----------------------------------------------------------------------


def test_the_search_form_works_anonymously(fh: FindHelp, anonymous: HttpClient) -> None:
    page = text_of(anonymous.get(FIND_HELP))
    assert "<form" in page
    assert 'name="near"' in page
    assert CRISIS_NAME in page
    assert 'href="tel:18005550199"' in page
    assert "service found" not in page  # no search yet, no results


def test_results_show_distance_open_now_and_capacity(fh: FindHelp, anonymous: HttpClient) -> None:
    with time_machine.travel(NOON_CHICAGO, tick=False):
        page = text_of(anonymous.get(FIND_HELP, near(what=taxonomy.BUP_SAME_DAY, open_now="on")))
    assert "1 service found" in page
    assert fh.bup.name in page
    assert fh.bup_far.name not in page  # 33 km away
    assert "2.8 km away" in page
    assert "Open now" in page
    assert "3 same-day slots available, updated 2" in page
    assert 'href="tel:5550100"' in page
    assert service_url(fh.bup) in page


def test_the_question_in_one_get(fh: FindHelp, anonymous: HttpClient) -> None:
    params = near(
        what=taxonomy.BUP_SAME_DAY,
        approach=taxonomy.LOW_BARRIER_WALK_IN,
        open_now="on",
        language="fr",
        capacity="on",
        free="on",
        q="buprenorphine",
    )
    with time_machine.travel(EVENING_CHICAGO, tick=False):
        page = text_of(anonymous.get(FIND_HELP, params))
    assert "1 service found" in page
    assert fh.bup.name in page


def test_a_postal_code_works_and_an_unknown_one_is_explained(
    fh: FindHelp, anonymous: HttpClient
) -> None:
    page = text_of(anonymous.get(FIND_HELP, {"near": POSTAL_CODE, "radius": "5"}))
    assert fh.bup.name in page
    bad = text_of(anonymous.get(FIND_HELP, {"near": "00000"}))
    assert "We do not know the postal code “00000”" in bad
    assert "service found" not in bad


def test_results_are_paged(fh: FindHelp, anonymous: HttpClient) -> None:
    for n in range(25):
        service = Service.objects.create(organization=fh.org, name=f"Food bank {n:02}")
        ServiceAtLocation.objects.create(service=service, location=fh.clinic)
    first = text_of(anonymous.get(FIND_HELP, {"q": ""}))
    assert "31 services found" in first
    assert "Page 1 of 2" in first
    assert 'rel="next"' in first
    second = text_of(anonymous.get(FIND_HELP, {"q": "", "page": "2"}))
    assert "Page 2 of 2" in second
    assert 'rel="prev"' in second


def test_the_map_reads_coordinates_from_data_attributes(
    fh: FindHelp, anonymous: HttpClient, settings: Any
) -> None:
    settings.MAP_TILE_URL = ""
    page = text_of(anonymous.get(FIND_HELP, near()))
    assert 'id="results-map"' in page
    assert 'data-tile-url=""' in page
    assert 'data-lat="41.62000" data-lng="-93.58000"' in page
    assert "vendor/leaflet/leaflet.js" in page
    assert "<script>" not in page
    assert "style=" not in page


def test_the_service_page_has_everything_a_person_needs(
    fh: FindHelp, anonymous: HttpClient
) -> None:
    with time_machine.travel(NOON_CHICAGO, tick=False):
        page = text_of(anonymous.get(service_url(fh.bup)))
    assert fh.bup.name in page
    assert "Open now" in page
    assert "Hours" in page
    assert "Open 24 hours, every day." in page
    assert "America/Chicago" in page
    assert "100 Main Street" in page
    assert "Bus 4 stops at the door." in page
    assert "Your medications, if you have any" in page  # what to bring
    assert "Free." in page
    assert "3 of 5 same-day slots available" in page
    assert "Updated 2" in page
    assert "(March 11, 2026, 10 a.m.)" in page  # 15:00 UTC, shown in Chicago time
    assert "Last checked by a person on" in page
    assert 'href="tel:5550100"' in page
    assert "English" in page
    assert "French" in page
    assert CRISIS_NAME in page
    assert CRISIS_PHONE in page


def test_service_hours_are_in_plain_words(fh: FindHelp, anonymous: HttpClient) -> None:
    with time_machine.travel(NOON_CHICAGO, tick=False):
        page = text_of(anonymous.get(service_url(fh.bup_far)))
    assert re.search(r"Monday</th><td>9(:00)? a\.m\. to 5(:00)? p\.m\.", page)
    assert re.search(r"Saturday</th><td>Closed", page)
    assert "Closed now" not in page  # noon on a Wednesday: open
    assert "has not been checked by a person in the last six months" in page


def test_an_unknown_or_defunct_service_is_not_found(fh: FindHelp, anonymous: HttpClient) -> None:
    Service.objects.filter(pk=fh.naloxone.pk).update(status="defunct")
    assert anonymous.get(service_url(fh.naloxone)).status_code == 404
    missing = reverse(
        "directory:service", kwargs={"service_id": "00000000-0000-0000-0000-000000000000"}
    )
    assert anonymous.get(missing).status_code == 404


def test_find_help_only_answers_get(fh: FindHelp, anonymous: HttpClient) -> None:
    assert anonymous.post(FIND_HELP).status_code == 405


# --- confidential locations -----------------------------------------------------------------------


def _every_public_page(browser: HttpClient, fh: FindHelp) -> list[str]:
    urls = [
        FIND_HELP,
        f"{FIND_HELP}?q=",
        f"{FIND_HELP}?q=shelter",
        f"{FIND_HELP}?near={HERE[0]},{HERE[1]}&radius=20",
        f"{FIND_HELP}?near=41.61,-93.61&radius=2",
        f"{FIND_HELP}?near={POSTAL_CODE}&radius=50&what={taxonomy.HOUSING_SHELTER}",
        f"{FIND_HELP}?population={taxonomy.WOMEN}",
        *[service_url(s) for s in fh.services],
    ]
    return [text_of(browser.get(url)) for url in urls]


def test_a_confidential_address_is_in_no_public_page(fh: FindHelp, anonymous: HttpClient) -> None:
    pages = _every_public_page(anonymous, fh)
    shelter_location = Location.objects.get(pk=fh.shelter_site.pk)
    secrets = [
        CONFIDENTIAL_STREET,
        CONFIDENTIAL_DIRECTIONS,
        'data-lat="41.61',  # on the map
        "41.6100",
        "-93.6100",
        f"{shelter_location.longitude:.5f}",
    ]
    for page in pages:
        for secret in secrets:
            assert secret not in page
    # It is still findable, with its phone, and says why there is no address.
    shelter_page = text_of(anonymous.get(service_url(fh.shelter)))
    assert "This is a confidential location" in shelter_page
    assert 'href="tel:5550177"' in shelter_page
    results = text_of(anonymous.get(FIND_HELP, near()))
    assert fh.shelter.name in results
    assert "Confidential location: call to arrange a visit." in results
    assert "about 8 km away" in results  # measured from a coarse point


def test_a_signed_in_partner_sees_the_confidential_address(
    fh: FindHelp, partner_member: HttpClient
) -> None:
    response = partner_member.get(service_url(fh.shelter))
    page = text_of(response)
    assert CONFIDENTIAL_STREET in page
    assert CONFIDENTIAL_DIRECTIONS in page
    assert "Confidential — do not share" in page
    assert "no-store" in response["Cache-Control"]
    results = text_of(partner_member.get(FIND_HELP, near()))
    assert CONFIDENTIAL_STREET in results
    assert "1.4 km away" in results  # the true distance
    assert 'data-lat="41.61' not in results  # never on the map


def test_a_signed_in_user_without_membership_is_the_public(fh: FindHelp) -> None:
    from tests.factories import UserFactory

    outsider: Any = UserFactory(username="outsider")
    browser = HttpClient()
    browser.force_login(outsider)
    page = text_of(browser.get(service_url(fh.shelter)))
    assert CONFIDENTIAL_STREET not in page


# --- languages, crisis banner, weight -------------------------------------------------------------


def test_the_pages_are_in_french(fh: FindHelp, anonymous: HttpClient) -> None:
    anonymous.cookies["django_language"] = "fr"
    with time_machine.travel(NOON_CHICAGO, tick=False):
        results = text_of(
            anonymous.get(FIND_HELP, near(what=taxonomy.BUP_SAME_DAY), HTTP_ACCEPT_LANGUAGE="fr")
        )
        page = text_of(anonymous.get(service_url(fh.bup), HTTP_ACCEPT_LANGUAGE="fr"))
    assert '<html lang="fr">' in results
    assert "Trouver de l’aide" in results
    assert "Tout type d’aide" in results
    assert "Ouvert maintenant" in results
    assert "Ouvert maintenant" in page
    assert "Horaire" in page
    assert "Ce qu’il faut apporter" in page
    assert "Ouvert 24 heures sur 24, tous les jours." in page
    far = text_of(anonymous.get(service_url(fh.bup_far), HTTP_ACCEPT_LANGUAGE="fr"))
    assert "lundi" in far.lower()


def test_the_crisis_line_comes_from_the_configured_jurisdiction(
    fh: FindHelp, anonymous: HttpClient, settings: Any
) -> None:
    Jurisdiction.objects.create(
        name="Aardvark County",
        country="US",
        privacy_regime="us_part2_hipaa",
        crisis_line_name="Aardvark Help Line",
        crisis_line_phone="211",
    )
    settings.PUBLIC_JURISDICTION = ""
    assert "Aardvark Help Line" in text_of(anonymous.get(FIND_HELP))  # the first by name
    settings.PUBLIC_JURISDICTION = "Riverbend"
    page = text_of(anonymous.get(FIND_HELP))
    assert CRISIS_NAME in page
    assert "Aardvark Help Line" not in page
    Jurisdiction.objects.update(crisis_line_name="", crisis_line_phone="")
    assert 'class="crisis"' not in text_of(anonymous.get(FIND_HELP))


class _Assets(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "script" and found.get("src"):
            self.urls.append(str(found["src"]))
        if tag == "link" and found.get("rel") == "stylesheet" and found.get("href"):
            self.urls.append(str(found["href"]))
        if tag == "img" and found.get("src"):
            self.urls.append(str(found["src"]))
        # Leaflet, which the page's script fetches when it draws the map.
        for name in ("data-leaflet-css", "data-leaflet-js"):
            if found.get(name):
                self.urls.append(str(found[name]))


def test_a_full_results_page_weighs_under_200_kb(fh: FindHelp, anonymous: HttpClient) -> None:
    """HTML, CSS, JavaScript, Leaflet and its marker images, not counting map tiles (there are
    none). This is a wide screen's page; a phone fetches Leaflet only when asked to."""
    for n in range(30):
        service = Service.objects.create(
            organization=fh.org,
            name=f"Harm reduction supplies, site {n:02}",
            description="Syringes, naloxone, test strips. " * 4,
        )
        ServiceAtLocation.objects.create(service=service, location=fh.clinic)
    html = anonymous.get(FIND_HELP, near()).content
    parser = _Assets()
    parser.feed(html.decode())
    assert any("leaflet.js" in url for url in parser.urls)
    # Leaflet draws its markers with these images (the 2x ones on high-density screens).
    urls = [*parser.urls, "/static/vendor/leaflet/images/marker-icon-2x.png"]
    urls.append("/static/vendor/leaflet/images/marker-shadow.png")
    raw = {"page": len(html)}
    packed = {"page": len(gzip.compress(html))}
    for url in urls:
        response = anonymous.get(url)
        assert response.status_code == 200, url
        body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
        raw[url] = len(body)
        packed[url] = len(gzip.compress(body))
    total_raw, total_gzip = sum(raw.values()), sum(packed.values())
    # About 196 KB as files, 57 KB gzipped (as WhiteNoise serves them in production).
    weights = f"{total_raw} bytes, {total_gzip} gzipped: {raw}"
    assert total_raw < PAGE_BUDGET_BYTES, weights
    assert total_gzip < PAGE_BUDGET_BYTES / 2, weights


def test_the_form_shows_the_distance_it_searched(fh: FindHelp, anonymous: HttpClient) -> None:
    page = text_of(anonymous.get(FIND_HELP, {"near": POSTAL_CODE}))
    assert '<option value="20" selected>' in page


def test_the_results_page_makes_a_fixed_number_of_queries(
    fh: FindHelp, anonymous: HttpClient, django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(11):
        text_of(anonymous.get(FIND_HELP, near(open_now="on", language="en")))
    for n in range(20):
        service = Service.objects.create(organization=fh.org, name=f"Drop-in {n:02}")
        ServiceAtLocation.objects.create(service=service, location=fh.clinic)
    with django_assert_max_num_queries(11):
        text_of(anonymous.get(FIND_HELP, near()))


def test_the_service_page_makes_a_fixed_number_of_queries(
    fh: FindHelp, anonymous: HttpClient, django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(17):
        text_of(anonymous.get(service_url(fh.bup)))
