from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from carecircle.api import roles
from carecircle.partners.selectors import organization_list

router = Router(tags=["partners"])


class OrganizationOut(Schema):
    id: int
    name: str
    slug: str
    sector: str
    jurisdiction: str
    parent_id: int | None


class MeOut(Schema):
    username: str
    organization_id: int
    organization: str
    role: str


@router.get("/me", response=MeOut, summary="Who this token or session acts as")
@roles()
def me(request: HttpRequest) -> MeOut:
    actor = request.actor  # type: ignore[attr-defined]
    return MeOut(
        username=actor.username,
        organization_id=actor.organization.pk,
        organization=actor.organization.name,
        role=actor.role,
    )


@router.get("/organizations", response=list[OrganizationOut], summary="Partner organizations")
@roles()
def organizations(request: HttpRequest) -> list[OrganizationOut]:
    return [
        OrganizationOut(
            id=o.pk,
            name=o.name,
            slug=o.slug,
            sector=o.sector,
            jurisdiction=o.jurisdiction.name,
            parent_id=o.parent_id,
        )
        for o in organization_list()
    ]
