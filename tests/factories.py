"""factory_boy factories for varied test data."""

from __future__ import annotations

import factory
from django.contrib.auth import get_user_model

from carecircle.partners.models import (
    Jurisdiction,
    Membership,
    Organization,
    PrivacyRegime,
    Role,
    Sector,
)


class JurisdictionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Jurisdiction
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"County {n}")
    country = "US"
    region = "Riverbend"
    time_zone = "America/Chicago"
    privacy_regime = PrivacyRegime.US_PART2_HIPAA
    suppression_threshold = 10


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Organization {n}")
    slug = factory.Sequence(lambda n: f"org-{n}")
    sector = Sector.COMMUNITY
    jurisdiction = factory.SubFactory(JurisdictionFactory)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("correct horse battery")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = Role.CLINICIAN
