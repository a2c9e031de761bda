"""Every URL and every API operation refuses whoever it should, so a new one cannot slip through.

The pages are read from the URL resolver and the API operations from the Ninja API object, so
a new page or operation is checked without anyone remembering to add a test. A new URL
argument fails the test until ``object_ids`` below says which real object it should name.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib import admin
from django.test import Client as HttpClient
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from carecircle.api import api
from carecircle.notifications.models import Notification, NotificationKind, WebhookEndpoint
from carecircle.partners.models import Role
from carecircle.partners.services import token_create, user_create
from carecircle.privacy.models import DataClass, Purpose
from carecircle.privacy.services import consent_record, emergency_access_grant
from tests.fixtures import Riverbend, riverbend

__all__ = ["riverbend"]

#: Top-level URL prefixes this sweep does not walk, and why. Nothing else may be skipped.
SKIPPED = {
    "accounts/": "sign-in machinery (django-allauth): it must be open to sign in at all",
    "admin/": "Django's admin has its own staff check: test_admin_refuses_non_staff",
    "api/": "every API operation is checked by test_api_operation_refuses_*",
}
#: The API's own URLs that are not operations: its public documentation.
API_DOCUMENTATION = {"openapi-json", "openapi-view", "api-root"}

#: The persona to use for each role when checking that a role is refused.
PERSONA_FOR_ROLE: dict[str, str] = {
    Role.CLINICIAN: "alice",
    Role.INTAKE_VOLUNTEER: "carlos",
    Role.PEER_WORKER: "pat",
    Role.CASE_MANAGER: "hana",
    Role.OUTREACH_WORKER: "lee",
    Role.ANALYST: "dana",
    Role.ORG_ADMIN: "erin",
    Role.COORDINATOR: "cora",
}


@dataclass(frozen=True)
class Page:
    name: str  # namespace:name
    route: str
    callback: Callable[..., Any]
    arguments: tuple[str, ...]

    def __str__(self) -> str:
        return self.name


def _walk(
    resolver: URLResolver, namespace: str, route: str, arguments: tuple[str, ...]
) -> Iterator[Page]:
    for entry in resolver.url_patterns:
        converters = tuple(getattr(entry.pattern, "converters", {}))
        if isinstance(entry, URLResolver):
            child_ns = ":".join(n for n in (namespace, entry.namespace or "") if n)
            yield from _walk(entry, child_ns, route + str(entry.pattern), arguments + converters)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace else str(entry.name)
            yield Page(name, route + str(entry.pattern), entry.callback, arguments + converters)


def top_level() -> list[URLResolver | URLPattern]:
    return list(get_resolver().url_patterns)


def pages() -> list[Page]:
    found: list[Page] = []
    for entry in top_level():
        if str(entry.pattern) in SKIPPED:
            continue
        if isinstance(entry, URLResolver):
            found.extend(_walk(entry, entry.namespace or "", str(entry.pattern), ()))
        else:
            arguments = tuple(getattr(entry.pattern, "converters", {}))
            found.append(Page(str(entry.name), str(entry.pattern), entry.callback, arguments))
    return found


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    view_func: Callable[..., Any]

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def operations() -> list[Operation]:
    found = []
    for prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                full = re.sub("/+", "/", f"/api/{prefix}/{path}")
                if not path:
                    # A router's own root ("") has no trailing slash.
                    full = full.rstrip("/")
                for method in operation.methods:
                    found.append(Operation(method, full, operation.view_func))
    return found


@pytest.fixture
def object_ids(riverbend: Riverbend) -> dict[str, Any]:
    """A real object for every URL argument, so a page gets past its argument parsing."""
    sam = riverbend.client_record(name="Sam")
    consent = consent_record(
        actor=riverbend.actor("alice"),
        person=sam.person,
        decision="permit",
        data_classes=[DataClass.GENERAL],
        purposes=[Purpose.CARE_COORDINATION],
        recipient_organizations=[riverbend.housing],
    )
    grant = emergency_access_grant(
        actor=riverbend.actor("hana"), person=sam.person, reason="Sam collapsed in the lobby."
    )
    notification = Notification.objects.create(
        recipient=riverbend.alice, kind=NotificationKind.SYSTEM, link="/home/"
    )
    webhook = WebhookEndpoint.objects.create(
        organization=riverbend.ed, url="https://partner.example.org/hook"
    )
    listing = _directory_listing()
    referral = _referral(riverbend, sam)
    return {
        "referral_id": referral.pk,
        **listing,
        "client_id": sam.pk,
        "person_id": sam.person_id,
        "consent_id": consent.pk,
        "grant_id": grant.pk,
        "notification_id": notification.pk,
        "endpoint_id": webhook.pk,
    }


def _referral(town: Riverbend, client: Any) -> Any:
    """A referral from the ED to the clinic, sent with the person's consent."""
    from carecircle.referrals.services import referral_create

    consent_record(
        actor=town.actor("alice"),
        person=client.person,
        decision="permit",
        data_classes=[DataClass.GENERAL, DataClass.SUBSTANCE_USE],
        purposes=[Purpose.TREATMENT, Purpose.CARE_COORDINATION],
        recipient_organizations=[town.clinic],
        capture_method="paper",  # Part 2 needs the person's signature
    )
    return referral_create(
        actor=town.actor("alice"),
        client=client,
        receiving_organization=town.clinic,
        data_class=DataClass.SUBSTANCE_USE,
        purpose=Purpose.TREATMENT,
        reason="Wants to start buprenorphine today.",
    )


def _directory_listing() -> dict[str, Any]:
    """One Find help listing, for the directory's URL arguments."""
    from carecircle.directory import models as directory

    taxonomy = directory.Taxonomy.objects.create(name="Find help", description="Service types")
    term = directory.TaxonomyTerm.objects.create(
        name="Naloxone", description="Naloxone kits", taxonomy_detail=taxonomy
    )
    organization = directory.Organization.objects.create(
        name="Riverbend Harm Reduction", description="Supplies and support"
    )
    service = directory.Service.objects.create(organization=organization, name="Naloxone kits")
    location = directory.Location.objects.create(organization=organization, name="Drop-in")
    here = directory.ServiceAtLocation.objects.create(service=service, location=location)
    beds = directory.Unit.objects.create(name="kits")
    capacity = directory.ServiceCapacity.objects.create(service=service, unit=beds, available=3)
    return {
        "service_id": service.pk,
        "capacity_id": capacity.pk,
        "organization_id": organization.pk,
        "taxonomy_id": taxonomy.pk,
        "taxonomy_term_id": term.pk,
        "service_at_location_id": here.pk,
    }


def build(page: Page, object_ids: dict[str, Any]) -> str:
    unknown = [a for a in page.arguments if a not in object_ids]
    if unknown:
        pytest.fail(
            f"{page} takes {', '.join(unknown)}: add a real object for it to object_ids "
            "in tests/test_url_authorization.py"
        )
    return reverse(page.name, kwargs={a: object_ids[a] for a in page.arguments})


def is_login_redirect(response: Any) -> bool:
    return response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


# --- the sweep itself is complete ---------------------------------------------------------------


def test_only_sign_in_admin_and_api_are_left_out_of_the_page_sweep() -> None:
    prefixes = {str(e.pattern) for e in top_level()}
    assert set(SKIPPED) <= prefixes
    modules = {str(e.pattern): getattr(e, "urlconf_name", None) for e in top_level()}
    # The only door left open without a mark is the sign-in machinery itself.
    assert getattr(modules["accounts/"], "__name__", modules["accounts/"]) == "allauth.urls"
    swept = pages()
    assert len(swept) >= 15
    assert {p.name.split(":")[0] for p in swept} >= {"web", "clients", "privacy", "notifications"}


def test_the_api_has_no_urls_beyond_its_operations_and_documentation() -> None:
    api_resolver = next(e for e in top_level() if str(e.pattern) == "api/")
    assert isinstance(api_resolver, URLResolver)
    names = {p.name for p in _walk(api_resolver, "", "", ())}
    operation_names = {getattr(o.view_func, "__name__", "") for o in operations()}
    assert names - operation_names == API_DOCUMENTATION


# --- pages -------------------------------------------------------------------------------------


@pytest.mark.parametrize("page", pages(), ids=str)
def test_page_refuses_whoever_it_should(
    page: Page, riverbend: Riverbend, object_ids: dict[str, Any]
) -> None:
    url = build(page, object_ids)
    anonymous = HttpClient()
    if getattr(page.callback, "public", False):
        assert not is_login_redirect(anonymous.get(url)), f"{page} is public"
        assert not hasattr(page.callback, "required_roles")
        return

    required = getattr(page.callback, "required_roles", None)
    assert required is not None, f"{page} is neither @public nor @role_required"

    for method in ("get", "post"):
        response = getattr(anonymous, method)(url)
        assert is_login_redirect(response), f"anonymous {method.upper()} {url}: {response}"
        response = getattr(riverbend.http("nobody"), method)(url)
        assert response.status_code == 403, f"no membership {method.upper()} {url}: {response}"

    refused = [role for role in Role.values if required and role not in required]
    for role in refused:
        browser = riverbend.http(PERSONA_FOR_ROLE[role])
        for method in ("get", "post"):
            response = getattr(browser, method)(url)
            assert response.status_code == 403, f"{role} {method.upper()} {url}: {response}"


def test_admin_refuses_anonymous_and_non_staff(riverbend: Riverbend) -> None:
    for url in ("/admin/", "/admin/partners/organization/", "/admin/auth/user/"):
        anonymous = HttpClient().get(url)
        assert anonymous.status_code == 302
        assert "login" in anonymous["Location"]
        member = riverbend.http("erin").get(url)  # an organization admin is not staff
        assert member.status_code == 302
        assert member["Location"].startswith("/admin/login/")


def test_admin_works_for_an_operator(riverbend: Riverbend) -> None:
    operator: Any = user_create(username="operator", password="x" * 20, is_superuser=True)
    browser = HttpClient()
    browser.force_login(operator)
    assert browser.get("/admin/partners/organization/").status_code == 200


def test_person_level_data_is_never_in_the_admin() -> None:
    # The admin would be a door around the policy and the audit trail.
    registered = {model._meta.app_label for model in admin.site._registry}
    assert not registered & {"privacy", "clients"}


# --- the API -------------------------------------------------------------------------------------


def test_the_api_documentation_is_public(db: None) -> None:
    anonymous = HttpClient()
    assert anonymous.get("/api/openapi.json").status_code == 200
    assert anonymous.get("/api/docs").status_code == 200


def _api_url(operation: Operation, object_ids: dict[str, Any]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1).split(":")[-1]
        if name not in object_ids:
            pytest.fail(f"{operation} takes {name}: add a real object for it to object_ids")
        return str(object_ids[name])

    return re.sub(r"\{([^}]+)\}", value, operation.path)


def _call(browser: HttpClient, operation: Operation, url: str, **headers: str) -> Any:
    return browser.generic(
        operation.method, url, data="{}", content_type="application/json", headers=headers
    )


@pytest.mark.parametrize("operation", operations(), ids=str)
def test_api_operation_refuses_whoever_it_should(
    operation: Operation, riverbend: Riverbend, object_ids: dict[str, Any]
) -> None:
    url = _api_url(operation, object_ids)
    if getattr(operation.view_func, "public", False):
        assert not hasattr(operation.view_func, "required_roles")
        response = _call(HttpClient(), operation, url)
        assert response.status_code == 200, f"{operation} is public: {response.content!r}"
        return
    required = getattr(operation.view_func, "required_roles", None)
    assert required is not None, f"{operation} has neither @roles(...) nor @public_operation"

    assert _call(HttpClient(), operation, url).status_code == 401
    bad = _call(HttpClient(), operation, url, Authorization="Bearer cc_nope_nope")
    assert bad.status_code == 401
    assert _call(riverbend.http("nobody"), operation, url).status_code == 401

    for role in [r for r in Role.values if required and r not in required]:
        username = PERSONA_FOR_ROLE[role]
        _token, secret = token_create(user=riverbend.users[username])
        by_token = _call(HttpClient(), operation, url, Authorization=f"Bearer {secret}")
        assert by_token.status_code == 403, f"{role} by token: {by_token.content!r}"
        by_session = _call(riverbend.http(username), operation, url)
        assert by_session.status_code == 403, f"{role} by session: {by_session.content!r}"
