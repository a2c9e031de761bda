"""The policy kernel on its own: facts in, a decision and its basis out."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from carecircle.privacy import rules
from carecircle.privacy.rules import Basis, ConsentFact, Facts, decide

SECTORS = (
    "emergency_department",
    "treatment_clinic",
    "primary_care",
    "harm_reduction",
    "peer_recovery",
    "mental_health",
    "housing",
    "social_services",
    "police_justice",
    "public_health",
    "community",
    "faith_based",
    "indigenous_led",
    "government",
)
ROLES = tuple(rules.ROLE_CLASSES)
PURPOSES = (rules.TREATMENT, rules.CARE_COORDINATION, rules.PAYMENT_OPERATIONS, rules.RESEARCH)
REGIMES = tuple(rules.CARE_TEAM_CLASSES)
ORG, OTHER_ORG, THIRD_ORG = 1, 2, 3


def facts(**overrides: object) -> Facts:
    base: dict[str, object] = {
        "organization_id": ORG,
        "sector": "housing",
        "role": "case_manager",
        "purpose": rules.CARE_COORDINATION,
        "data_class": rules.HEALTH,
        "owner_organization_id": OTHER_ORG,
        "privacy_regime": "us_part2_hipaa",
    }
    base.update(overrides)
    return Facts(**base)  # type: ignore[arg-type]


def consent(**overrides: object) -> ConsentFact:
    base: dict[str, object] = {
        "id": "c1",
        "permit": True,
        "data_classes": frozenset(rules.ALL_CLASSES),
        "purposes": frozenset(PURPOSES),
        "organization_ids": frozenset({ORG}),
    }
    base.update(overrides)
    return ConsentFact(**base)  # type: ignore[arg-type]


consents = st.builds(
    ConsentFact,
    id=st.sampled_from(["c1", "c2", "c3"]),
    permit=st.booleans(),
    data_classes=st.frozensets(st.sampled_from(rules.ALL_CLASSES)),
    purposes=st.frozensets(st.sampled_from(PURPOSES)),
    organization_ids=st.frozensets(st.sampled_from([ORG, OTHER_ORG, THIRD_ORG])),
    sectors=st.frozensets(st.sampled_from(SECTORS)),
    care_team=st.booleans(),
    active=st.booleans(),
)

any_facts = st.builds(
    Facts,
    organization_id=st.sampled_from([ORG, OTHER_ORG, THIRD_ORG]),
    sector=st.sampled_from(SECTORS),
    role=st.sampled_from(ROLES),
    purpose=st.sampled_from(PURPOSES),
    data_class=st.sampled_from(rules.ALL_CLASSES),
    owner_organization_id=st.sampled_from([ORG, OTHER_ORG, THIRD_ORG]),
    privacy_regime=st.sampled_from(REGIMES),
    care_team_organization_ids=st.frozensets(st.sampled_from([ORG, OTHER_ORG, THIRD_ORG])),
    consents=st.lists(consents, max_size=4).map(tuple),
    emergency_access=st.booleans(),
)


# --- properties -------------------------------------------------------------------------------


@given(any_facts)
def test_police_never_get_a_protected_class_without_a_consent_naming_their_organization(
    f: Facts,
) -> None:
    f = replace(f, sector=rules.POLICE_JUSTICE)
    decision = decide(f)
    if f.data_class in rules.PROTECTED_FROM_JUSTICE and decision.permitted:
        assert decision.basis == Basis.CONSENT
        named = [
            c
            for c in f.consents
            if c.id == decision.consent_id
            and c.permit
            and c.active
            and f.organization_id in c.organization_ids
            and f.data_class in c.data_classes
            and f.purpose in c.purposes
        ]
        assert named, "a police permit must come from an active consent naming the org"


@given(any_facts)
def test_deny_by_default_without_owner_care_team_consent_or_emergency(f: Facts) -> None:
    f = replace(
        f,
        owner_organization_id=OTHER_ORG if f.organization_id != OTHER_ORG else THIRD_ORG,
        care_team_organization_ids=frozenset(),
        consents=(),
        emergency_access=False,
    )
    decision = decide(f)
    assert not decision.permitted
    assert decision.basis == Basis.NONE


@given(any_facts)
def test_an_inactive_consent_never_grants(f: Facts) -> None:
    with_inactive = replace(f, consents=tuple(replace(c, active=False) for c in f.consents))
    without = replace(f, consents=())
    assert decide(with_inactive) == decide(without)


@given(any_facts)
def test_a_role_never_sees_more_than_its_entitlement(f: Facts) -> None:
    if f.data_class not in rules.ROLE_CLASSES[f.role]:
        assert not decide(f).permitted


@given(any_facts)
def test_every_permit_names_its_basis_and_every_denial_has_none(f: Facts) -> None:
    decision = decide(f)
    assert decision.reason
    if decision.permitted:
        assert decision.basis != Basis.NONE
        assert (decision.consent_id is not None) == (decision.basis == Basis.CONSENT)
    else:
        assert decision.basis == Basis.NONE


@given(any_facts)
def test_analysts_never_see_a_person_record(f: Facts) -> None:
    assert not decide(replace(f, role="analyst")).permitted


# --- examples ---------------------------------------------------------------------------------


def test_police_are_denied_health_data_without_consent() -> None:
    assert not decide(facts(sector=rules.POLICE_JUSTICE, role="case_manager"))


def test_police_with_only_a_sector_wide_consent_are_still_denied() -> None:
    sector_wide = consent(organization_ids=frozenset(), sectors=frozenset({rules.POLICE_JUSTICE}))
    decision = decide(facts(sector=rules.POLICE_JUSTICE, consents=(sector_wide,)))
    assert not decision
    assert "naming their organization" in decision.reason


def test_police_are_permitted_with_a_consent_naming_the_organization() -> None:
    decision = decide(facts(sector=rules.POLICE_JUSTICE, consents=(consent(),)))
    assert decision.permitted
    assert decision.basis == Basis.CONSENT
    assert decision.consent_id == "c1"


def test_police_owning_the_record_still_need_a_named_consent_for_protected_classes() -> None:
    police_own = facts(sector=rules.POLICE_JUSTICE, owner_organization_id=ORG)
    assert not decide(police_own)
    assert decide(replace(police_own, data_class=rules.GENERAL)).basis == Basis.OWN_RECORD


def test_police_emergency_access_does_not_open_protected_classes() -> None:
    assert not decide(facts(sector=rules.POLICE_JUSTICE, emergency_access=True))


def test_the_care_team_sees_identity_but_justice_data_needs_consent() -> None:
    on_team = facts(
        sector=rules.POLICE_JUSTICE,
        data_class=rules.GENERAL,
        care_team_organization_ids=frozenset({ORG}),
    )
    assert decide(on_team).basis == Basis.CARE_TEAM
    assert not decide(replace(on_team, data_class=rules.JUSTICE))
    named = replace(on_team, data_class=rules.JUSTICE, consents=(consent(),))
    assert decide(named).basis == Basis.CONSENT


def test_own_record_is_seen_for_treatment_but_not_for_research() -> None:
    own = facts(owner_organization_id=ORG)
    assert decide(own).basis == Basis.OWN_RECORD
    assert not decide(replace(own, purpose=rules.RESEARCH))


def test_research_on_own_record_with_a_research_consent_is_permitted() -> None:
    research = consent(purposes=frozenset({rules.RESEARCH}))
    decision = decide(
        facts(owner_organization_id=ORG, purpose=rules.RESEARCH, consents=(research,))
    )
    assert decision.basis == Basis.CONSENT


def test_care_team_sees_health_under_part2_hipaa_but_only_identity_under_gdpr() -> None:
    on_team = facts(care_team_organization_ids=frozenset({ORG}))
    assert decide(on_team).basis == Basis.CARE_TEAM
    gdpr = replace(on_team, privacy_regime="eu_gdpr")
    assert not decide(gdpr)
    assert decide(replace(gdpr, data_class=rules.GENERAL)).basis == Basis.CARE_TEAM


def test_substance_use_is_never_disclosed_to_the_care_team_alone() -> None:
    for regime in REGIMES:
        on_team = facts(
            role="peer_worker",
            data_class=rules.SUBSTANCE_USE,
            privacy_regime=regime,
            care_team_organization_ids=frozenset({ORG}),
        )
        assert not decide(on_team), regime
        care_team_consent = consent(organization_ids=frozenset(), care_team=True)
        assert decide(replace(on_team, consents=(care_team_consent,))).basis == Basis.CONSENT


def test_care_team_is_not_a_basis_for_payment_or_research() -> None:
    on_team = facts(care_team_organization_ids=frozenset({ORG}))
    assert not decide(replace(on_team, purpose=rules.PAYMENT_OPERATIONS))
    assert not decide(replace(on_team, purpose=rules.RESEARCH))


def test_a_deny_directive_overrides_the_care_team_but_not_the_own_record() -> None:
    refusal = consent(permit=False, organization_ids=frozenset(), care_team=True)
    on_team = facts(care_team_organization_ids=frozenset({ORG}), consents=(refusal,))
    decision = decide(on_team)
    assert not decision
    assert "refused" in decision.reason
    assert decide(replace(on_team, owner_organization_id=ORG)).basis == Basis.OWN_RECORD


def test_a_deny_directive_overrides_a_permit_consent() -> None:
    refusal = consent(id="c2", permit=False)
    assert not decide(facts(consents=(consent(), refusal)))


def test_emergency_access_overrides_a_refusal_and_names_its_basis() -> None:
    refusal = consent(permit=False)
    decision = decide(facts(consents=(refusal,), emergency_access=True))
    assert decision.basis == Basis.EMERGENCY


def test_a_consent_for_another_purpose_does_not_grant() -> None:
    treatment_only = consent(purposes=frozenset({rules.TREATMENT}))
    assert not decide(facts(purpose=rules.RESEARCH, consents=(treatment_only,)))


def test_a_consent_for_another_class_does_not_grant() -> None:
    general_only = consent(data_classes=frozenset({rules.GENERAL}))
    assert not decide(facts(consents=(general_only,)))


def test_a_consent_naming_another_organization_does_not_grant() -> None:
    assert not decide(facts(consents=(consent(organization_ids=frozenset({THIRD_ORG})),)))


def test_an_unknown_role_sees_nothing() -> None:
    assert not decide(facts(role="janitor", owner_organization_id=ORG))
