"""Writes for partners and people: every change to who acts for whom goes through here."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from carecircle.partners.models import (
    ApiToken,
    Jurisdiction,
    Membership,
    Organization,
    PrivacyRegime,
    Role,
    Sector,
)

TOKEN_PREFIX = "cc"  # noqa: S105 - a label, not a secret


def jurisdiction_create(
    *,
    name: str,
    country: str,
    privacy_regime: str,
    region: str = "",
    time_zone: str = "UTC",
    language: str = "en",
    suppression_threshold: int = 10,
    crisis_line_name: str = "",
    crisis_line_phone: str = "",
    crisis_line_text: str = "",
) -> Jurisdiction:
    if privacy_regime not in PrivacyRegime.values:
        raise ValidationError({"privacy_regime": f"Unknown privacy regime {privacy_regime!r}."})
    jurisdiction = Jurisdiction(
        name=name,
        country=country.upper(),
        region=region,
        time_zone=time_zone,
        language=language,
        privacy_regime=privacy_regime,
        suppression_threshold=suppression_threshold,
        crisis_line_name=crisis_line_name,
        crisis_line_phone=crisis_line_phone,
        crisis_line_text=crisis_line_text,
    )
    jurisdiction.full_clean()
    jurisdiction.save()
    return jurisdiction


def organization_create(
    *,
    name: str,
    sector: str,
    jurisdiction: Jurisdiction,
    parent: Organization | None = None,
    slug: str | None = None,
) -> Organization:
    if sector not in Sector.values:
        raise ValidationError({"sector": f"Unknown sector {sector!r}."})
    organization = Organization(
        name=name,
        slug=slug or slugify(name)[:80],
        sector=sector,
        jurisdiction=jurisdiction,
        parent=parent,
    )
    organization.full_clean()
    organization.save()
    return organization


def user_create(
    *,
    username: str,
    password: str | None,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    is_superuser: bool = False,
) -> User:
    user_model = get_user_model()
    if user_model.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": f"The username {username!r} is taken."})
    user: User = user_model(
        username=username,
        email=email,
        first_name=first_name,
        last_name=last_name,
        is_superuser=is_superuser,
        is_staff=is_superuser,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    return user


def membership_create(*, user: User, organization: Organization, role: str) -> Membership:
    if role not in Role.values:
        raise ValidationError({"role": f"Unknown role {role!r}."})
    membership, _created = Membership.objects.update_or_create(
        user=user, organization=organization, defaults={"role": role, "is_active": True}
    )
    return membership


def membership_end(*, membership: Membership) -> Membership:
    with transaction.atomic():
        membership.is_active = False
        membership.save(update_fields=["is_active"])
        # A token acts with its user's membership; when that ends, so does the token.
        ApiToken.objects.filter(
            user=membership.user, organization=membership.organization, revoked_at=None
        ).update(revoked_at=timezone.now())
    return membership


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def token_create(
    *, user: User, organization: Organization | None = None, name: str = ""
) -> tuple[ApiToken, str]:
    """Create an API token and return it with its plaintext, which is never stored."""
    memberships = Membership.objects.filter(user=user, is_active=True).select_related(
        "organization"
    )
    if organization is None:
        orgs = [m.organization for m in memberships]
        if not orgs:
            raise ValidationError(f"{user.username} does not belong to any organization.")
        if len(orgs) > 1:
            names = ", ".join(o.slug for o in orgs)
            raise ValidationError(
                f"{user.username} acts for several organizations ({names}); name one with --org."
            )
        organization = orgs[0]
    elif not memberships.filter(organization=organization).exists():
        raise ValidationError(f"{user.username} is not a member of {organization.slug}.")
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, organization=organization, name=name, prefix=prefix, digest=_digest(secret)
    )
    return token, f"{TOKEN_PREFIX}_{prefix}_{secret}"


def token_revoke(*, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def token_authenticate(raw: str) -> tuple[ApiToken, Membership] | None:
    """Return the token and the membership it acts with, or None if it does not hold."""
    parts = raw.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
        return None
    _tag, prefix, secret = parts
    token = (
        ApiToken.objects.select_related("user", "organization")
        .filter(prefix=prefix, revoked_at=None)
        .first()
    )
    if token is None or not secrets.compare_digest(token.digest, _digest(secret)):
        return None
    if not token.user.is_active or not token.organization.is_active:
        return None
    membership = (
        Membership.objects.select_related("organization", "user")
        .filter(user=token.user, organization=token.organization, is_active=True)
        .first()
    )
    if membership is None:
        return None
    now = timezone.now()
    # Touch at most once a minute: a write on every call would serialize the API on SQLite.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token, membership
