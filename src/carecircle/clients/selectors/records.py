"""Reads of client records: every one asks the policy and is audited (privacy.selectors)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import reduce
from operator import or_
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils import timezone

from carecircle.clients.models import Client, ClientEntry, SupportContact
from carecircle.clients.names import SEPARATOR, exact, fold
from carecircle.partners.models import Organization as PartnerOrganization
from carecircle.partners.models import Sector
from carecircle.partners.selectors import Actor
from carecircle.privacy.models import REASON_TEXT, DataClass
from carecircle.privacy.rules import ROLE_CLASSES, Basis, Decision
from carecircle.privacy.selectors import people_read, person_read


@dataclass
class ClientView:
    client: Client
    decisions: dict[str, Decision]
    entries: list[ClientEntry] = field(default_factory=list)
    supports: list[SupportContact] = field(default_factory=list)

    @property
    def writable_classes(self) -> list[tuple[str, str]]:
        """The kinds of note this reader may add: writing a class needs reading it."""
        return [(value, str(label)) for value, label in DataClass.choices if self.decisions[value]]

    @property
    def hidden_classes(self) -> list[str]:
        return [c for c, d in self.decisions.items() if not d.permitted]

    @property
    def withheld(self) -> list[tuple[str, str]]:
        """(kind of information, why it is withheld), in the reader's language."""
        labels = dict(DataClass.choices)
        return [
            (str(labels[c]), str(REASON_TEXT.get(d.code, REASON_TEXT["no_basis"])))
            for c, d in self.decisions.items()
            if not d.permitted
        ]

    def may_name(self, organization: PartnerOrganization) -> bool:
        """Being known to a treatment program is itself Part 2 information: name one only to
        readers who may see this person's substance-use data."""
        if organization.sector != Sector.TREATMENT_CLINIC:
            return True
        decision = self.decisions.get(DataClass.SUBSTANCE_USE)
        return bool(decision and decision.permitted)

    @property
    def holder_name(self) -> str | None:
        owner = self.client.person.owner_organization
        return owner.name if self.may_name(owner) else None

    @property
    def entry_rows(self) -> list[tuple[ClientEntry, str | None]]:
        """Each visible entry with its author organization's name, or None where unnamed."""
        return [
            (e, e.organization.name if self.may_name(e.organization) else None)
            for e in self.entries
        ]

    @property
    def shows_part2_disclosure(self) -> bool:
        """Substance-use records shown outside the holding organization carry the 42 CFR
        2.32 notice prohibiting redisclosure."""
        decision = self.decisions.get(DataClass.SUBSTANCE_USE)
        return bool(
            decision
            and decision.permitted
            and decision.basis != Basis.OWN_RECORD
            and any(e.data_class == DataClass.SUBSTANCE_USE for e in self.entries)
        )


def _reachable(actor: Actor) -> QuerySet[Client]:
    """Clients this organization holds or serves on a care team: a list shows no more."""
    now = timezone.now()
    return Client.objects.filter(
        Q(person__owner_organization=actor.organization)
        | Q(
            person__care_team__organization=actor.organization,
            person__care_team__ended_at__isnull=True,
            person__care_team__started_at__lte=now,
        )
    ).distinct()


def client_list(*, actor: Actor, purpose: str, limit: int = 50, query: str = "") -> list[Client]:
    """A page of clients by name or exact identifier code; each name shown is a read of
    general data, decided and audited for the whole page at once (a fixed number of queries)."""
    if DataClass.GENERAL not in ROLE_CLASSES.get(actor.role, frozenset()):
        raise PermissionDenied("This role does not see client records.")
    clients = _reachable(actor).select_related("person")
    query = query.strip()
    if query:
        match = Q(identifier_code=query.replace(" ", "").upper())
        folded = fold(query)
        if folded:
            match |= Q(search_name__contains=folded)
        clients = clients.filter(match)
    candidates = list(clients.order_by("search_name", "identifier_code", "pk")[:limit])
    # Reachable is not enough: a refusal by the person hides even their name.
    decisions = people_read(
        actor=actor,
        reads=[(c.person, [DataClass.GENERAL], "client_list", c.pk) for c in candidates],
        purpose=purpose,
    )
    return [c for c in candidates if decisions[c.person_id][DataClass.GENERAL].permitted]


@dataclass(frozen=True)
class DuplicateMatch:
    """An existing record that may be the same person, as far as the reader may see it."""

    client: Client
    holder_name: str | None
    reasons: tuple[str, ...]


def client_duplicates(
    *, actor: Actor, purpose: str, values: Mapping[str, Any], limit: int = 10
) -> list[DuplicateMatch]:
    """Records that may be this person: the same name and birth date, the same identifier
    code, or the same legal name and birth year. ``values`` are the cleaned profile
    (``services.client_profile_clean``).

    Only records whose general data the reader may see are returned; the others are not
    mentioned at all, not even counted (the question is audited all the same).
    """
    names = [n for n in str(values.get("search_name") or "").split(SEPARATOR) if n]
    birth_date = values.get("birth_date")
    birth_year = values.get("birth_year")
    code = str(values.get("identifier_code") or "")
    legal = (
        exact(f"{values.get('legal_given_name', '')} {values.get('legal_family_name', '')}")
        if values.get("legal_given_name") and values.get("legal_family_name")
        else ""
    )
    tests: dict[str, Q] = {}
    if birth_date and names:
        same_name = reduce(
            or_, (Q(search_name__contains=f"{SEPARATOR}{n}{SEPARATOR}") for n in names)
        )
        tests["name_birth_date"] = Q(birth_date=birth_date) & same_name
    if code:
        tests["identifier_code"] = Q(identifier_code=code)
    if legal and birth_year:
        tests["legal_name_birth_year"] = Q(search_name__contains=legal, birth_year=birth_year)
    if not tests:
        return []
    candidates = list(
        Client.objects.filter(reduce(or_, tests.values()))
        .select_related("person", "person__owner_organization")
        .order_by("-pk")[: limit * 2]
    )
    decisions = people_read(
        actor=actor,
        reads=[(c.person, [DataClass.GENERAL], "client_duplicate", c.pk) for c in candidates],
        purpose=purpose,
    )
    matches = []
    for candidate in candidates:
        if not decisions[candidate.person_id][DataClass.GENERAL].permitted:
            continue
        reasons = []
        if (
            "name_birth_date" in tests
            and candidate.birth_date == birth_date
            and any(f"{SEPARATOR}{n}{SEPARATOR}" in candidate.search_name for n in names)
        ):
            reasons.append("name_birth_date")
        if code and candidate.identifier_code == code:
            reasons.append("identifier_code")
        if legal and candidate.birth_year == birth_year and legal in candidate.search_name:
            reasons.append("legal_name_birth_year")
        owner = candidate.person.owner_organization
        # Knowing that a treatment program holds someone's record is Part 2 information.
        holder = None if owner.sector == Sector.TREATMENT_CLINIC else owner.name
        matches.append(DuplicateMatch(client=candidate, holder_name=holder, reasons=tuple(reasons)))
    return matches[:limit]


def client_get(*, actor: Actor, client_id: int, purpose: str) -> ClientView:
    """One client's record with only the entries the policy permits; refusals are audited."""
    client = (
        Client.objects.select_related("person", "person__owner_organization__jurisdiction")
        .filter(pk=client_id)
        .first()
    )
    if client is None:
        raise Client.DoesNotExist
    decisions = person_read(
        actor=actor,
        person=client.person,
        data_classes=DataClass.values,
        purpose=purpose,
        object_type="client",
        object_id=client.pk,
    )
    if not decisions[DataClass.GENERAL].permitted:
        raise PermissionDenied(decisions[DataClass.GENERAL].reason)
    visible = [c for c, d in decisions.items() if d.permitted]
    entries = list(
        ClientEntry.objects.filter(client=client, data_class__in=visible).select_related(
            "organization", "author"
        )
    )
    # Supports are general data, permitted above.
    supports = list(SupportContact.objects.filter(client=client))
    view = ClientView(client=client, decisions=decisions, entries=entries, supports=supports)
    # A note written by a treatment program other than the holder, shown unnamed, would say by
    # elimination that the person is known to one (Part 2): leave such notes out entirely for
    # readers who may not see substance-use information.
    holder_id = client.person.owner_organization_id
    view.entries = [
        e for e in entries if e.organization_id == holder_id or view.may_name(e.organization)
    ]
    return view
