"""The policy kernel on its own: facts in, a decision and its basis out."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import assume, given, target
from hypothesis import strategies as st

from carecircle.privacy import rules
from carecircle.privacy.rules import Basis, ConsentFact, Facts, Reason, decide

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


MOSTLY = st.sampled_from([True, True, True, False])


@st.composite
def police_facts(draw: st.DrawFn) -> Facts:
    """Police asking about a protected class, with at least one consent naming their
    organization that mostly (not always) covers the class and purpose asked about: so the
    property below is exercised on permits as well as on refusals."""
    data_class = draw(st.sampled_from(sorted(rules.PROTECTED_FROM_JUSTICE)))
    purpose = draw(st.sampled_from(PURPOSES))
    role = draw(
        st.sampled_from([r for r in ROLES if data_class in rules.ROLE_CLASSES[r]])
        | st.sampled_from(ROLES)
    )
    naming = [
        ConsentFact(
            id=f"n{index}",
            permit=draw(MOSTLY),
            data_classes=draw(st.frozensets(st.sampled_from(rules.ALL_CLASSES)))
            | ({data_class} if draw(MOSTLY) else frozenset()),
            purposes=draw(st.frozensets(st.sampled_from(PURPOSES)))
            | ({purpose} if draw(MOSTLY) else frozenset()),
            organization_ids=draw(st.frozensets(st.sampled_from([OTHER_ORG, THIRD_ORG]))) | {ORG},
            sectors=draw(st.frozensets(st.sampled_from(SECTORS))),
            care_team=draw(st.booleans()),
            active=draw(MOSTLY),
        )
        for index in range(draw(st.integers(1, 2)))
    ]
    return Facts(
        organization_id=ORG,
        sector=rules.POLICE_JUSTICE,
        role=role,
        purpose=purpose,
        data_class=data_class,
        owner_organization_id=draw(st.sampled_from([ORG, OTHER_ORG, THIRD_ORG])),
        privacy_regime=draw(st.sampled_from(REGIMES)),
        care_team_organization_ids=draw(
            st.frozensets(st.sampled_from([ORG, OTHER_ORG, THIRD_ORG]))
        ),
        consents=tuple(naming + draw(st.lists(consents, max_size=2))),
        emergency_access=draw(st.booleans()),
    )


def _police_may_see(f: Facts) -> set[str]:
    """The ids of the consents that let police see the class: active, a permit naming this very
    organization for this class and purpose, with no matching refusal. Nothing else counts."""
    covering = [c for c in f.consents if c.covers(data_class=f.data_class, purpose=f.purpose)]
    refused = any(
        not c.permit
        and (
            f.organization_id in c.organization_ids
            or f.sector in c.sectors
            or (c.care_team and f.organization_id in f.care_team_organization_ids)
        )
        for c in covering
    )
    if refused or f.data_class not in rules.ROLE_CLASSES[f.role]:
        return set()
    return {c.id for c in covering if c.permit and f.organization_id in c.organization_ids}


@given(police_facts())
def test_police_see_a_protected_class_exactly_when_a_consent_names_their_organization(
    f: Facts,
) -> None:
    decision = decide(f)
    named = _police_may_see(f)
    target(float(bool(named)), label="a naming consent grants")
    assert decision.permitted == bool(named)
    if decision.permitted:
        assert decision.basis == Basis.CONSENT
        assert decision.consent_id in named
    elif f.data_class in rules.ROLE_CLASSES[f.role]:
        # Refusal or not, police are told only that they need a consent naming them.
        assert decision.code == Reason.POLICE_NEED_NAMED_CONSENT
        assert decision.basis == Basis.NONE
    else:
        assert decision.code == Reason.ROLE_CEILING


@given(any_facts)
def test_police_never_get_a_protected_class_without_a_consent_naming_their_organization(
    f: Facts,
) -> None:
    f = replace(f, sector=rules.POLICE_JUSTICE)
    assume(f.data_class in rules.PROTECTED_FROM_JUSTICE)
    decision = decide(f)
    assert decision.permitted == bool(_police_may_see(f))
    assert decision.code != Reason.REFUSED


@given(any_facts)
def test_emergency_access_is_a_basis_for_treatment_only(f: Facts) -> None:
    decision = decide(f)
    if decision.basis == Basis.EMERGENCY:
        assert f.purpose == rules.TREATMENT
        assert f.emergency_access
    if f.purpose != rules.TREATMENT:
        assert decide(replace(f, emergency_access=False)) == decide(
            replace(f, emergency_access=True)
        )


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


def test_police_are_not_told_of_a_refusal() -> None:
    refusal = consent(id="c2", permit=False)
    for refusals in [(refusal,), (consent(), refusal)]:
        decision = decide(facts(sector=rules.POLICE_JUSTICE, consents=refusals))
        assert not decision
        assert decision.code == Reason.POLICE_NEED_NAMED_CONSENT
        assert "refused" not in decision.reason
    sector_refusal = consent(
        id="c3",
        permit=False,
        organization_ids=frozenset(),
        sectors=frozenset({rules.POLICE_JUSTICE}),
    )
    decision = decide(facts(sector=rules.POLICE_JUSTICE, consents=(sector_refusal,)))
    assert decision.code == Reason.POLICE_NEED_NAMED_CONSENT


def test_emergency_access_permits_for_treatment_but_not_other_purposes() -> None:
    emergency = facts(emergency_access=True)
    assert decide(replace(emergency, purpose=rules.TREATMENT)).basis == Basis.EMERGENCY
    for purpose in (rules.RESEARCH, rules.PAYMENT_OPERATIONS):
        assert not decide(replace(emergency, purpose=purpose)), purpose
    refusal = consent(permit=False)
    overriding = replace(emergency, purpose=rules.TREATMENT, consents=(refusal,))
    assert decide(overriding).basis == Basis.EMERGENCY
    assert not decide(replace(overriding, purpose=rules.RESEARCH))


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
    decision = decide(facts(consents=(refusal,), emergency_access=True, purpose=rules.TREATMENT))
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
