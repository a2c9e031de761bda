"""Partner writes: tokens for partner systems, and what ending a membership takes with it."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from carecircle.partners.models import ApiToken
from carecircle.partners.services import (
    jurisdiction_create,
    membership_create,
    membership_end,
    organization_create,
    token_authenticate,
    token_create,
    token_revoke,
    user_create,
)
from tests.fixtures import Riverbend


def test_token_create_picks_the_only_organization(riverbend: Riverbend) -> None:
    token, secret = token_create(user=riverbend.alice, name="EHR bridge")
    assert token.organization == riverbend.ed
    found = token_authenticate(secret)
    assert found is not None
    assert found[0] == token
    assert found[1] == riverbend.memberships["alice"]


def test_token_create_asks_which_organization_when_there_are_several(riverbend: Riverbend) -> None:
    riverbend.member("alice", "clinic", "clinician")
    with pytest.raises(ValidationError, match="several organizations"):
        token_create(user=riverbend.alice)
    token, _secret = token_create(user=riverbend.alice, organization=riverbend.clinic)
    assert token.organization == riverbend.clinic


def test_token_create_refuses_an_organization_the_user_does_not_belong_to(
    riverbend: Riverbend,
) -> None:
    with pytest.raises(ValidationError, match="not a member"):
        token_create(user=riverbend.alice, organization=riverbend.police)
    with pytest.raises(ValidationError, match="does not belong"):
        token_create(user=riverbend.nobody)
    assert not ApiToken.objects.exists()


def test_only_a_digest_of_the_token_is_stored(riverbend: Riverbend) -> None:
    token, secret = token_create(user=riverbend.alice)
    stored = ApiToken.objects.filter(pk=token.pk).values().get()
    _tag, prefix, plaintext = secret.split("_", 2)
    assert stored["prefix"] == prefix
    assert len(plaintext) >= 40
    assert len(stored["digest"]) == 64
    assert not any(plaintext in str(value) for value in stored.values())


def test_a_token_does_not_authenticate_once_revoked_or_mangled(riverbend: Riverbend) -> None:
    token, secret = token_create(user=riverbend.alice)
    assert token_authenticate(secret.replace("cc_", "xx_", 1)) is None
    assert token_authenticate(secret + "x") is None
    assert token_authenticate("cc_only") is None
    token_revoke(token=token)
    assert token_authenticate(secret) is None


def test_a_token_does_not_authenticate_for_an_inactive_user_or_organization(
    riverbend: Riverbend,
) -> None:
    _token, alice_secret = token_create(user=riverbend.alice)
    _token, hana_secret = token_create(user=riverbend.hana)
    riverbend.alice.is_active = False
    riverbend.alice.save()
    riverbend.housing.is_active = False
    riverbend.housing.save()
    assert token_authenticate(alice_secret) is None
    assert token_authenticate(hana_secret) is None


def test_membership_end_revokes_that_organizations_tokens(riverbend: Riverbend) -> None:
    riverbend.member("alice", "clinic", "clinician")
    ed_token, ed_secret = token_create(user=riverbend.alice, organization=riverbend.ed)
    clinic_token, clinic_secret = token_create(user=riverbend.alice, organization=riverbend.clinic)
    membership_end(membership=riverbend.memberships["alice"])  # the clinic membership
    clinic_token.refresh_from_db()
    ed_token.refresh_from_db()
    assert clinic_token.revoked_at is not None
    assert ed_token.revoked_at is None
    assert token_authenticate(clinic_secret) is None
    assert token_authenticate(ed_secret) is not None


def test_partner_writes_name_the_bad_field(db: None) -> None:
    with pytest.raises(ValidationError) as caught:
        jurisdiction_create(name="Nowhere", country="US", privacy_regime="anything goes")
    assert "privacy_regime" in caught.value.message_dict
    county = jurisdiction_create(name="Somewhere", country="us", privacy_regime="on_phipa")
    assert county.country == "US"
    with pytest.raises(ValidationError) as caught:
        organization_create(name="Casino", sector="gambling", jurisdiction=county)
    assert "sector" in caught.value.message_dict
    user = user_create(username="Quinn", password=None)
    assert not user.has_usable_password()
    with pytest.raises(ValidationError) as caught:
        user_create(username="quinn", password=None)
    assert "username" in caught.value.message_dict
    org = organization_create(name="Harbour Clinic", sector="treatment_clinic", jurisdiction=county)
    with pytest.raises(ValidationError) as caught:
        membership_create(user=user, organization=org, role="overlord")
    assert "role" in caught.value.message_dict
