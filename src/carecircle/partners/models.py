"""Who the partners and people are: jurisdictions, organizations, memberships, API tokens."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class PrivacyRegime(models.TextChoices):
    US_PART2_HIPAA = "us_part2_hipaa", _("United States: 42 CFR Part 2 and HIPAA")
    ON_PHIPA = "on_phipa", _("Ontario: PHIPA")
    EU_GDPR = "eu_gdpr", _("European Union: GDPR")


class Sector(models.TextChoices):
    EMERGENCY_DEPARTMENT = "emergency_department", _("Emergency department / hospital")
    TREATMENT_CLINIC = "treatment_clinic", _("Treatment (MOUD) clinic")
    PRIMARY_CARE = "primary_care", _("Primary care")
    HARM_REDUCTION = "harm_reduction", _("Harm reduction")
    PEER_RECOVERY = "peer_recovery", _("Peer recovery")
    MENTAL_HEALTH = "mental_health", _("Mental health")
    HOUSING = "housing", _("Housing")
    SOCIAL_SERVICES = "social_services", _("Social services")
    POLICE_JUSTICE = "police_justice", _("Police and justice")
    PUBLIC_HEALTH = "public_health", _("Public health")
    COMMUNITY = "community", _("Community")
    FAITH_BASED = "faith_based", _("Faith-based")
    INDIGENOUS_LED = "indigenous_led", _("Indigenous-led")
    GOVERNMENT = "government", _("Government")


class Role(models.TextChoices):
    COORDINATOR = "coordinator", _("Coordinator")
    CLINICIAN = "clinician", _("Clinician")
    CASE_MANAGER = "case_manager", _("Case manager")
    PEER_WORKER = "peer_worker", _("Peer worker")
    OUTREACH_WORKER = "outreach_worker", _("Outreach worker")
    INTAKE_VOLUNTEER = "intake_volunteer", _("Intake volunteer")
    ANALYST = "analyst", _("Analyst")
    ORG_ADMIN = "org_admin", _("Organization admin")


class Jurisdiction(models.Model):
    """A place whose laws and language a deployment follows: a county, a province, a region."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    country = models.CharField(_("country"), max_length=2, help_text=_("ISO 3166-1 alpha-2"))
    region = models.CharField(_("region"), max_length=100, blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC")
    language = models.CharField(_("language"), max_length=8, default="en")
    privacy_regime = models.CharField(
        _("privacy regime"), max_length=32, choices=PrivacyRegime.choices
    )
    suppression_threshold = models.PositiveSmallIntegerField(
        _("public suppression threshold"),
        default=10,
        validators=[MinValueValidator(1)],
        help_text=_("Public counts from 1 to this number minus one are hidden."),
    )
    # The crisis line the public Find help pages show in a banner on every page.
    crisis_line_name = models.CharField(_("crisis line name"), max_length=200, blank=True)
    crisis_line_phone = models.CharField(_("crisis line phone"), max_length=40, blank=True)
    crisis_line_text = models.CharField(
        _("crisis line text"),
        max_length=300,
        blank=True,
        help_text=_("One short sentence, e.g. when to call and that it is free and confidential."),
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(suppression_threshold__gte=1),
                name="jurisdiction_threshold_at_least_one",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Organization(models.Model):
    """A partner: a clinic, a hub, an emergency department, a police service, a coalition."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("short name"), max_length=80, unique=True)
    sector = models.CharField(_("sector"), max_length=32, choices=Sector.choices)
    jurisdiction = models.ForeignKey(
        Jurisdiction, on_delete=models.PROTECT, related_name="organizations"
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("coalition"),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["sector"])]

    def __str__(self) -> str:
        return self.name

    @property
    def is_police_or_justice(self) -> bool:
        return self.sector == Sector.POLICE_JUSTICE


class Membership(models.Model):
    """A person's place in an organization: who they act for, and in which role."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organization__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization"], name="one_membership_per_user_and_org"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization} ({self.get_role_display()})"


class ApiToken(models.Model):
    """A partner system's key: acts as one user for one organization, with that user's role.

    Only a SHA-256 digest of the secret is stored; tokens are 256-bit random values, so a
    slow password hash would add nothing but latency to every API call.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    prefix = models.CharField(max_length=12, unique=True)
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user} @ {self.organization})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
