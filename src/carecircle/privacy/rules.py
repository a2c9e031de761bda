"""The access rules, as a pure kernel: facts in, a decision and its basis out. No Django.

``carecircle.privacy.policy`` gathers the facts from the database and calls :func:`decide`.
Keeping the rules pure lets the tests sweep every sector x role x consent state x data class.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Basis(StrEnum):
    OWN_RECORD = "own_record"
    CARE_TEAM = "care_team"
    CONSENT = "consent"
    EMERGENCY = "emergency_access"
    NONE = "none"


GENERAL = "general"
HEALTH = "health"
SUBSTANCE_USE = "substance_use"
MENTAL_HEALTH = "mental_health"
HARM_REDUCTION = "harm_reduction"
JUSTICE = "justice"
ALL_CLASSES = (GENERAL, HEALTH, SUBSTANCE_USE, MENTAL_HEALTH, HARM_REDUCTION, JUSTICE)

POLICE_JUSTICE = "police_justice"
PROTECTED_FROM_JUSTICE = frozenset({HEALTH, SUBSTANCE_USE, MENTAL_HEALTH, HARM_REDUCTION})

#: What naming an organization of a sector says about a person known to it: being known to a
#: treatment program or a peer-recovery network is substance-use information (42 CFR Part 2),
#: to a mental-health service mental-health information, and so on. Readers the policy does
#: not permit that class must not be told the organization's name (or anything that names it
#: by elimination) in connection with the person.
SECTOR_IMPLIED_CLASS: dict[str, str] = {
    "treatment_clinic": SUBSTANCE_USE,
    "peer_recovery": SUBSTANCE_USE,
    "mental_health": MENTAL_HEALTH,
    "harm_reduction": HARM_REDUCTION,
    "police_justice": JUSTICE,
}


def implied_class(sector: str) -> str | None:
    """The data class that being known to an organization of ``sector`` discloses, if any."""
    return SECTOR_IMPLIED_CLASS.get(sector)


TREATMENT = "treatment"
CARE_COORDINATION = "care_coordination"
PAYMENT_OPERATIONS = "payment_operations"
RESEARCH = "research"

#: The most each role may ever see, whatever the basis: least privilege for the job.
ROLE_CLASSES: dict[str, frozenset[str]] = {
    "coordinator": frozenset({GENERAL, JUSTICE}),
    "clinician": frozenset({GENERAL, HEALTH, SUBSTANCE_USE, MENTAL_HEALTH, HARM_REDUCTION}),
    "case_manager": frozenset({GENERAL, HEALTH, MENTAL_HEALTH, HARM_REDUCTION, JUSTICE}),
    "peer_worker": frozenset({GENERAL, SUBSTANCE_USE, MENTAL_HEALTH, HARM_REDUCTION}),
    "outreach_worker": frozenset({GENERAL, HARM_REDUCTION, JUSTICE}),
    "intake_volunteer": frozenset({GENERAL}),
    # Analysts work with suppressed aggregates, never with a person's record.
    "analyst": frozenset(),
    # Admins review emergency access and the audit trail, which hold no clinical content.
    "org_admin": frozenset({GENERAL}),
}

#: What membership of the care team alone discloses ("circle of care"), per privacy regime.
#: Part 2 substance-use records and justice records always need the person's consent; under
#: the GDPR the care team sees identity only unless the person consents to more.
CARE_TEAM_CLASSES: dict[str, frozenset[str]] = {
    "us_part2_hipaa": frozenset({GENERAL, HEALTH, MENTAL_HEALTH, HARM_REDUCTION}),
    "on_phipa": frozenset({GENERAL, HEALTH, MENTAL_HEALTH, HARM_REDUCTION}),
    "eu_gdpr": frozenset({GENERAL}),
}
CARE_TEAM_PURPOSES = frozenset({TREATMENT, CARE_COORDINATION})
OWN_RECORD_PURPOSES = frozenset({TREATMENT, CARE_COORDINATION, PAYMENT_OPERATIONS})


def emergency_access_classes(*, role: str, sector: str) -> frozenset[str]:
    """What breaking the glass can open for this role and sector; empty means it cannot help.

    It never opens more than the role may see, nor the protected classes to police and justice.
    """
    entitled = ROLE_CLASSES.get(role, frozenset()) - {GENERAL}
    if sector == POLICE_JUSTICE:
        entitled -= PROTECTED_FROM_JUSTICE
    return entitled


@dataclass(frozen=True)
class ConsentFact:
    id: str
    permit: bool
    data_classes: frozenset[str]
    purposes: frozenset[str]
    organization_ids: frozenset[int] = frozenset()
    sectors: frozenset[str] = frozenset()
    care_team: bool = False
    active: bool = True

    def names_organization(self, organization_id: int) -> bool:
        return organization_id in self.organization_ids

    def covers(self, *, data_class: str, purpose: str) -> bool:
        return self.active and data_class in self.data_classes and purpose in self.purposes


@dataclass(frozen=True)
class Facts:
    """Everything the rules need about one question. Built by ``policy.gather``."""

    organization_id: int
    sector: str
    role: str
    purpose: str
    data_class: str
    owner_organization_id: int
    privacy_regime: str
    care_team_organization_ids: frozenset[int] = frozenset()
    consents: tuple[ConsentFact, ...] = ()
    emergency_access: bool = False
    emergency_access_id: int | None = None


class Reason(StrEnum):
    """Why a decision went the way it did; the web layer shows each in the reader's language."""

    ROLE_CEILING = "role_ceiling"
    REFUSED = "refused"
    POLICE_NEED_NAMED_CONSENT = "police_need_named_consent"
    NO_BASIS = "no_basis"
    OWN_RECORD = "own_record"
    CONSENT = "consent"
    CARE_TEAM = "care_team"
    EMERGENCY = "emergency"
    EMERGENCY_OVERRIDES_REFUSAL = "emergency_overrides_refusal"


@dataclass(frozen=True)
class Decision:
    permitted: bool
    basis: Basis
    reason: str
    consent_id: str | None = None
    code: Reason = Reason.NO_BASIS

    def __bool__(self) -> bool:
        return self.permitted


def _deny(reason: str, code: Reason) -> Decision:
    return Decision(False, Basis.NONE, reason, code=code)


def _recipient_matches(consent: ConsentFact, facts: Facts) -> bool:
    return (
        consent.names_organization(facts.organization_id)
        or facts.sector in consent.sectors
        or (consent.care_team and facts.organization_id in facts.care_team_organization_ids)
    )


def decide(facts: Facts) -> Decision:
    """May this role, acting for this organization and purpose, see this class of this person?

    Deny by default; every permit names its basis.
    """
    cls = facts.data_class
    if cls not in ROLE_CLASSES.get(facts.role, frozenset()):
        return _deny(f"the {facts.role} role does not see {cls} data", Reason.ROLE_CEILING)

    active = [c for c in facts.consents if c.covers(data_class=cls, purpose=facts.purpose)]

    # Police and justice: protected classes need a consent naming this very organization.
    # Owning the record, the care team, a sector-wide consent or emergency access do not count.
    if facts.sector == POLICE_JUSTICE and cls in PROTECTED_FROM_JUSTICE:
        # A refusal wins, but police are never told one exists: the reason stays the same.
        refused = any(not c.permit and _recipient_matches(c, facts) for c in active)
        for consent in [] if refused else active:
            if consent.permit and consent.names_organization(facts.organization_id):
                return Decision(
                    True,
                    Basis.CONSENT,
                    "consent names this organization",
                    consent.id,
                    Reason.CONSENT,
                )
        return _deny(
            "police and justice need a consent naming their organization",
            Reason.POLICE_NEED_NAMED_CONSENT,
        )

    # Research on one's own records still needs the person's consent, so it falls through.
    if (
        facts.owner_organization_id == facts.organization_id
        and facts.purpose in OWN_RECORD_PURPOSES
    ):
        return Decision(
            True, Basis.OWN_RECORD, "this organization's own record", code=Reason.OWN_RECORD
        )

    # Breaking the glass is for treating someone in an emergency, never for other purposes.
    emergency = facts.emergency_access and facts.purpose == TREATMENT
    if any(not c.permit and _recipient_matches(c, facts) for c in active):
        if emergency:
            return Decision(
                True,
                Basis.EMERGENCY,
                "emergency access overrides a refusal",
                code=Reason.EMERGENCY_OVERRIDES_REFUSAL,
            )
        return _deny("the person refused this disclosure", Reason.REFUSED)

    if emergency:
        return Decision(True, Basis.EMERGENCY, "emergency access", code=Reason.EMERGENCY)

    for consent in active:
        if consent.permit and _recipient_matches(consent, facts):
            return Decision(True, Basis.CONSENT, "the person's consent", consent.id, Reason.CONSENT)

    if (
        facts.organization_id in facts.care_team_organization_ids
        and facts.purpose in CARE_TEAM_PURPOSES
        and cls in CARE_TEAM_CLASSES.get(facts.privacy_regime, frozenset())
    ):
        return Decision(True, Basis.CARE_TEAM, "on the person's care team", code=Reason.CARE_TEAM)

    return _deny("no basis for disclosure", Reason.NO_BASIS)
