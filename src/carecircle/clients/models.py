"""The client registry: the people partners serve, in the words they choose.

A client hangs off a ``privacy.Person`` (which holds only who owns the record); everything
here is read through ``clients.selectors``, which asks the policy and audits. Each piece of
information belongs to a data class (``privacy.DataClass``) so the policy can decide who sees
it: identity, contact and demographics are *general*; notes, care-plan goals and tasks carry
the class they are labelled with.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from carecircle.partners.models import Organization
from carecircle.privacy.models import DataClass, Person


class Identification(models.TextChoices):
    """How well the record knows who the person is; every level is a full record."""

    IDENTIFIED = "identified", _("Fully identified (legal name)")
    ALIAS = "alias", _("Preferred name or alias only")
    PSEUDONYMOUS = "pseudonymous", _("Pseudonymous (identifier code only)")


class YesNoUnsaid(models.TextChoices):
    """A self-identified answer the person may always decline to give."""

    UNSAID = "", _("Not said")
    YES = "yes", _("Yes")
    NO = "no", _("No")
    DECLINED = "declined", _("Prefers not to say")


class HousingStatus(models.TextChoices):
    UNSAID = "", _("Not said")
    HOUSED = "housed", _("Housed")
    PRECARIOUS = "precarious", _("Precariously housed (couch surfing, at risk)")
    SHELTER = "shelter", _("In a shelter or transitional housing")
    UNSHELTERED = "unsheltered", _("Unsheltered (sleeping outside, vehicle)")
    INSTITUTION = "institution", _("In hospital, treatment or custody")
    DECLINED = "declined", _("Prefers not to say")


class ParentStatus(models.TextChoices):
    UNSAID = "", _("Not said")
    PARENT = "parent", _("Parent or caregiver of children")
    PREGNANT = "pregnant", _("Pregnant")
    POSTPARTUM = "postpartum", _("Postpartum (in the past year)")
    NONE = "none", _("None of these")
    DECLINED = "declined", _("Prefers not to say")


class Client(models.Model):
    """A person a partner serves: known by legal name, by the name they choose, or only by a
    unique identifier code. Demographics are optional and self-identified."""

    person = models.OneToOneField(Person, on_delete=models.PROTECT, related_name="client")
    identification = models.CharField(
        _("how the person is known"),
        max_length=16,
        choices=Identification.choices,
        default=Identification.ALIAS,
    )
    preferred_name = models.CharField(_("preferred name"), max_length=120, blank=True)
    alias = models.CharField(_("alias or street name"), max_length=120, blank=True)
    legal_given_name = models.CharField(_("legal given name"), max_length=120, blank=True)
    legal_family_name = models.CharField(_("legal family name"), max_length=120, blank=True)
    identifier_code = models.CharField(_("identifier code"), max_length=32, blank=True)
    # Lower-cased "given family" and preferred name, for the duplicate check and search.
    search_name = models.CharField(max_length=250, blank=True, editable=False)

    # Self-identified demographics, all optional.
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    birth_year = models.PositiveSmallIntegerField(
        _("birth year (when only the age is known)"), null=True, blank=True
    )
    gender_identity = models.CharField(_("gender identity"), max_length=80, blank=True)
    pronouns = models.CharField(_("pronouns"), max_length=40, blank=True)
    indigenous_identity = models.CharField(
        _("Indigenous identity"),
        max_length=120,
        blank=True,
        help_text=_("In the person's words, e.g. First Nations, Métis, Inuit, Native American."),
    )
    two_slgbtq = models.CharField(
        _("2SLGBTQ+"), max_length=8, choices=YesNoUnsaid.choices, blank=True, default=""
    )
    languages = models.JSONField(_("languages"), default=list, blank=True)
    rural_remote = models.CharField(
        _("lives rural or remote"),
        max_length=8,
        choices=YesNoUnsaid.choices,
        blank=True,
        default="",
    )
    housing_status = models.CharField(
        _("housing"), max_length=16, choices=HousingStatus.choices, blank=True, default=""
    )
    parent_status = models.CharField(
        _("parent, pregnant or postpartum"),
        max_length=16,
        choices=ParentStatus.choices,
        blank=True,
        default="",
    )

    # Safe contact: how (and whether) workers may reach the person.
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("email"), blank=True)
    safe_to_text = models.CharField(
        _("safe to text?"), max_length=8, choices=YesNoUnsaid.choices, blank=True, default=""
    )
    safe_to_voicemail = models.CharField(
        _("safe to leave a voicemail?"),
        max_length=8,
        choices=YesNoUnsaid.choices,
        blank=True,
        default="",
    )
    safe_contact_time = models.CharField(_("safe time to contact"), max_length=120, blank=True)
    contact_notes = models.CharField(
        _("contact notes"),
        max_length=300,
        blank=True,
        help_text=_("E.g. use the name Sam on the phone; do not mention the clinic."),
    )

    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["identifier_code"]),
            models.Index(fields=["search_name"]),
            models.Index(fields=["birth_date"]),
        ]

    def __str__(self) -> str:
        return self.display_name

    #: The fields ``display_name`` reads (for lists that load no more of a client).
    NAME_FIELDS = (
        "id",
        "person",
        "identification",
        "preferred_name",
        "alias",
        "legal_given_name",
        "legal_family_name",
        "identifier_code",
    )

    @property
    def display_name(self) -> str:
        """The name to call the person by: the one they chose first."""
        legal = f"{self.legal_given_name} {self.legal_family_name}".strip()
        return (
            self.preferred_name
            or self.alias
            or legal
            or self.identifier_code
            or str(self.person_id)[:8]
        )

    @property
    def legal_name(self) -> str:
        return f"{self.legal_given_name} {self.legal_family_name}".strip()


class SupportKind(models.TextChoices):
    FAMILY = "family", _("Family")
    CHOSEN_FAMILY = "chosen_family", _("Chosen family")
    FRIEND = "friend", _("Friend")
    PARTNER = "partner", _("Partner")
    ELDER = "elder", _("Elder or spiritual support")
    PROFESSIONAL = "professional", _("Worker or professional")
    OTHER = "other", _("Other")


class SupportContact(models.Model):
    """Someone in the person's support network: family, chosen family, friends; one may be the
    emergency contact. General data (identity and contact)."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="supports")
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("relationship"), max_length=16, choices=SupportKind.choices)
    relationship = models.CharField(_("in the person's words"), max_length=120, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    is_emergency_contact = models.BooleanField(_("emergency contact"), default=False)
    may_be_contacted = models.BooleanField(
        _("the person agrees that workers may contact them"), default=False
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-is_emergency_contact", "name"]

    def __str__(self) -> str:
        return self.name


class ClientEntry(models.Model):
    """A note in the person's record, labelled with a data class: the policy decides per class
    who may read it."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="entries")
    data_class = models.CharField(
        _("kind of information"), max_length=32, choices=DataClass.choices
    )
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("note"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["client", "data_class"])]
        verbose_name = _("note")
        verbose_name_plural = _("notes")

    def __str__(self) -> str:
        return f"{self.get_data_class_display()} note"


class GoalDomain(models.TextChoices):
    """The life areas of a care plan, each with the data class its goals carry by default."""

    TREATMENT = "treatment", _("Treatment and recovery")
    HOUSING = "housing", _("Housing")
    INCOME = "income", _("Income and work")
    FAMILY = "family", _("Family and relationships")
    HEALTH = "health", _("Health")
    CULTURAL = "cultural", _("Cultural and spiritual")
    WELLBEING = "wellbeing", _("Nutrition and wellbeing")


#: The data class a goal of each domain is labelled with unless the worker chooses another.
DOMAIN_DATA_CLASS: dict[str, str] = {
    GoalDomain.TREATMENT: DataClass.SUBSTANCE_USE,
    GoalDomain.HOUSING: DataClass.GENERAL,
    GoalDomain.INCOME: DataClass.GENERAL,
    GoalDomain.FAMILY: DataClass.GENERAL,
    GoalDomain.HEALTH: DataClass.HEALTH,
    GoalDomain.CULTURAL: DataClass.GENERAL,
    GoalDomain.WELLBEING: DataClass.HEALTH,
}


class GoalStatus(models.TextChoices):
    ACTIVE = "active", _("Working on it")
    ACHIEVED = "achieved", _("Achieved")
    PAUSED = "paused", _("Paused")
    DROPPED = "dropped", _("No longer a goal")


class CarePlanGoal(models.Model):
    """A goal of the person's shared care plan, in their own words."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="goals")
    domain = models.CharField(_("life area"), max_length=16, choices=GoalDomain.choices)
    own_words = models.TextField(_("the goal, in the person's own words"))
    data_class = models.CharField(
        _("kind of information"), max_length=32, choices=DataClass.choices
    )
    status = models.CharField(
        _("status"), max_length=16, choices=GoalStatus.choices, default=GoalStatus.ACTIVE
    )
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["domain", "created_at"]
        indexes = [models.Index(fields=["client", "data_class"])]

    def __str__(self) -> str:
        return f"{self.get_domain_display()} goal"


class CarePlanTask(models.Model):
    """A step towards a goal, with an owner on the care team and a due date. It carries its
    goal's data class."""

    goal = models.ForeignKey(CarePlanGoal, on_delete=models.CASCADE, related_name="tasks")
    description = models.CharField(_("what will be done"), max_length=300)
    owner_organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    owner_is_person = models.BooleanField(_("the person does this themselves"), default=False)
    due_on = models.DateField(_("due"), null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["done_at", "due_on", "created_at"]

    def __str__(self) -> str:
        return self.description[:40]
