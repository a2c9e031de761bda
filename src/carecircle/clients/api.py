from __future__ import annotations

from datetime import datetime

from django.http import Http404, HttpRequest
from ninja import Router, Schema

from carecircle.api import roles
from carecircle.clients import selectors
from carecircle.clients.models import Client
from carecircle.web.access import roles_with

router = Router(tags=["clients"])


class EntryOut(Schema):
    data_class: str
    organization: str
    body: str
    created_at: datetime


class ClientOut(Schema):
    id: int
    person_id: str
    preferred_name: str
    identifier_code: str
    entries: list[EntryOut]
    withheld: dict[str, str]


@router.get("/{client_id}", response=ClientOut, summary="One client's record, as the policy allows")
@roles(*roles_with(["general"]))
def client_get(request: HttpRequest, client_id: int) -> ClientOut:
    try:
        view = selectors.client_get(
            actor=request.actor,  # type: ignore[attr-defined]
            client_id=client_id,
            purpose=request.purpose,  # type: ignore[attr-defined]
        )
    except Client.DoesNotExist:
        raise Http404 from None
    return ClientOut(
        id=view.client.pk,
        person_id=str(view.client.person_id),
        preferred_name=view.client.preferred_name,
        identifier_code=view.client.identifier_code,
        entries=[
            EntryOut(
                data_class=e.data_class,
                # Unnamed where naming it would disclose Part 2 information (see may_name).
                organization=org_name or "",
                body=e.body,
                created_at=e.created_at,
            )
            for e, org_name in view.entry_rows
        ],
        withheld={c: d.reason for c, d in view.decisions.items() if not d.permitted},
    )
