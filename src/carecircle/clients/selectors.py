"""Reads of client records: every one asks the policy and is audited (privacy.selectors)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils import timezone

from carecircle.partners.models import Organization as PartnerOrganization
from carecircle.partners.models import Sector
from carecircle.partners.selectors import Actor
from carecircle.privacy import policy
from carecircle.privacy.audit import audit_append_many, decision_entry
from carecircle.privacy.models import REASON_TEXT, AuditAction, DataClass
from carecircle.privacy.rules import ROLE_CLASSES, Basis, Decision
from carecircle.privacy.selectors import person_read

from .models import Client, ClientEntry


@dataclass
class ClientView:
    client: Client
    decisions: dict[str, Decision]
    entries: list[ClientEntry] = field(default_factory=list)

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
    """A page of clients by name; each name shown is a read of general data, audited."""
    if DataClass.GENERAL not in ROLE_CLASSES.get(actor.role, frozenset()):
        raise PermissionDenied("This role does not see client records.")
    clients = _reachable(actor).select_related("person")
    if query:
        clients = clients.filter(
            Q(preferred_name__icontains=query) | Q(identifier_code__iexact=query.strip())
        )
    candidates = list(clients.order_by("preferred_name", "identifier_code")[:limit])
    # Reachable is not enough: a refusal by the person hides even their name. One policy
    # question per row; the inbox work of the next issue batches this.
    decisions = {
        client.pk: policy.evaluate(
            actor=actor, person=client.person, data_class=DataClass.GENERAL, purpose=purpose
        )
        for client in candidates
    }
    page = [client for client in candidates if decisions[client.pk].permitted]
    audit_append_many(
        actor=actor,
        entries=[
            decision_entry(
                decision=decisions[client.pk],
                action=AuditAction.READ,
                purpose=purpose,
                person_id=client.person_id,
                owner_organization_id=client.person.owner_organization_id,
                data_class=DataClass.GENERAL,
                object_type="client_list",
                object_id=client.pk,
            )
            for client in page
        ],
    )
    return page


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
    return ClientView(client=client, decisions=decisions, entries=entries)
