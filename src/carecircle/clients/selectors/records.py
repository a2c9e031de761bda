"""Reads of client records: every one asks the policy and is audited (privacy.selectors)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
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
from carecircle.privacy.models import REASON_TEXT, CareTeamMember, DataClass, Person
from carecircle.privacy.rules import (
    ROLE_CLASSES,
    SECTOR_IMPLIED_CLASS,
    Basis,
    Decision,
    implied_class,
)
from carecircle.privacy.selectors import people_read, person_read

#: Every class that naming an organization in connection with a person can disclose.
IMPLIED_CLASSES: frozenset[str] = frozenset(SECTOR_IMPLIED_CLASS.values())


@dataclass(frozen=True)
class Naming:
    """Which organizations may be named to this reader in connection with this person.

    Being known to an organization is information of the class its sector implies
    (``privacy.rules.implied_class``: a treatment program or a peer-recovery network says
    substance use, a mental-health service mental health, and so on). Such an organization is
    named only to readers the policy permits that class; otherwise what it wrote, owns or is
    on is left out entirely, never shown as "a partner organization", which would itself say
    which kind of organization it is.

    Every record has a holder, so leaving the holder out only when it is of a sensitive kind
    would tell just as much. The holder is therefore named only to its own members and to
    readers the policy permits every class a sector can imply; to anyone else it is never
    named, whatever its sector, and what it wrote is shown without an author.
    """

    reader_organization_id: int
    holder_organization_id: int
    decisions: Mapping[str, Decision]

    def permits(self, data_class: str) -> bool:
        decision = self.decisions.get(data_class)
        return bool(decision and decision.permitted)

    @property
    def names_holder(self) -> bool:
        return self.reader_organization_id == self.holder_organization_id or all(
            self.permits(c) for c in IMPLIED_CLASSES
        )

    def may_name(self, organization: PartnerOrganization) -> bool:
        """May this organization be named to the reader as an author, owner or member?"""
        if organization.pk == self.reader_organization_id:
            return True  # the reader's own organization tells them nothing new
        if organization.pk == self.holder_organization_id:
            return self.names_holder
        implied = implied_class(organization.sector)
        return implied is None or self.permits(implied)

    def shows(self, organization: PartnerOrganization) -> bool:
        """Whether something by this organization is shown at all: the holder's always (named
        or not), another organization's only where it may be named."""
        return organization.pk == self.holder_organization_id or self.may_name(organization)

    def name(self, organization: PartnerOrganization) -> str | None:
        return organization.name if self.may_name(organization) else None


def naming_classes(
    *, actor: Actor, holder_organization_id: int, sectors: Iterable[str]
) -> list[str]:
    """The classes to ask the policy (besides general) to know which of these organizations,
    and whether the holder, may be named. Classes the reader's role never sees are not asked:
    the answer is known (no) and the audit trail is spared a refusal per page."""
    ceiling = ROLE_CLASSES.get(actor.role, frozenset())
    wanted = {c for c in (implied_class(s) for s in sectors) if c is not None}
    if actor.organization.pk != holder_organization_id and ceiling >= IMPLIED_CLASSES:
        wanted |= IMPLIED_CLASSES
    return sorted(wanted & ceiling)


def record_may_write(*, actor: Actor, person: Person) -> bool:
    """May the actor's organization add to this person's record (notes, goals, steps)?

    Only the organization holding the record and the organizations on the care team now; the
    police and justice sector only when it holds the record. A consent lets an organization
    read, it never makes it a writer. What each may write is still the policy's: a class it
    may read.
    """
    organization = actor.organization
    if person.owner_organization_id == organization.pk:
        return True
    if organization.sector == Sector.POLICE_JUSTICE:
        return False
    now = timezone.now()
    return (
        CareTeamMember.objects.filter(
            person_id=person.pk, organization_id=organization.pk, started_at__lte=now
        )
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gt=now))
        .exists()
    )


@dataclass
class ClientView:
    client: Client
    decisions: dict[str, Decision]
    entries: list[ClientEntry] = field(default_factory=list)
    supports: list[SupportContact] = field(default_factory=list)
    #: The reader's organization (the holder is always named to its own members).
    reader_organization_id: int = 0
    #: The reader's organization holds the record or is on the care team (``record_may_write``).
    may_write: bool = False

    @property
    def naming(self) -> Naming:
        return Naming(
            reader_organization_id=self.reader_organization_id,
            holder_organization_id=self.client.person.owner_organization_id,
            decisions=self.decisions,
        )

    @property
    def writable_classes(self) -> list[tuple[str, str]]:
        """The kinds of note this reader may add: only a writer (``record_may_write``), and
        writing a class needs reading it."""
        if not self.may_write:
            return []
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
        """See ``Naming``: an organization of a sector that implies a class is named only to
        readers permitted that class; the holder only to its own and to readers permitted
        every such class."""
        return self.naming.may_name(organization)

    @property
    def holder_name(self) -> str | None:
        """The holder's name, or None: then nothing at all is said about the holder."""
        owner = self.client.person.owner_organization
        return owner.name if self.naming.names_holder else None

    @property
    def entry_rows(self) -> list[tuple[ClientEntry, str | None]]:
        """Each visible entry with its author organization's name, or None: then no author
        line is shown (only the holder's entries are ever shown without one)."""
        naming = self.naming
        return [(e, naming.name(e.organization)) for e in self.entries]

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
    # No name or code holds a NUL (PostgreSQL refuses one in a query outright): drop it.
    query = query.replace("\x00", "").strip()
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
        reads=[
            (
                c.person,
                [
                    DataClass.GENERAL,
                    *naming_classes(
                        actor=actor,
                        holder_organization_id=c.person.owner_organization_id,
                        sectors=[c.person.owner_organization.sector],
                    ),
                ],
                "client_duplicate",
                c.pk,
            )
            for c in candidates
        ],
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
        # Who holds a record can say which kind of service knows the person (see Naming).
        naming = Naming(
            reader_organization_id=actor.organization.pk,
            holder_organization_id=owner.pk,
            decisions=decisions[candidate.person_id],
        )
        holder = owner.name if naming.names_holder else None
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
    view = ClientView(
        client=client,
        decisions=decisions,
        entries=entries,
        supports=supports,
        reader_organization_id=actor.organization.pk,
        may_write=record_may_write(actor=actor, person=client.person),
    )
    # A note by another organization the reader may not be told of, shown unnamed, would say
    # by elimination which kind of organization knows the person: leave such notes out.
    naming = view.naming
    view.entries = [e for e in entries if naming.shows(e.organization)]
    return view
