"""CareCircle's built-in open taxonomy for Find help: what a service does, whom it is for,
and how it works. Documented in docs/taxonomy.md.

The taxonomy and every term have stable ids (UUID 5 of :data:`TAXONOMY_URI` and the term
code), so two CareCircle deployments, or a 211 that imports our export, name the same term
with the same id. Terms are stored once, in English (``language="en"``); public pages show
:func:`term_label`, which is translated with gettext like every other string on the page.

Three top-level terms group the rest:

* ``service-type``: what the service does (naloxone distribution, same-day buprenorphine...);
* ``population``: whom it is for (youth, women, postpartum people and parents...);
* ``approach``: how it works (Indigenous-led, faith-based, rural outreach, low-barrier with
  its four children: no abstinence requirement, walk-in, no ID, free).

Other taxonomies (Open Eligibility, 211 LA...) can be imported beside this one; they keep
their own ids and never collide with these.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db import transaction
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from carecircle.directory.models import Taxonomy, TaxonomyTerm

TAXONOMY_URI = "urn:carecircle:taxonomy:find-help"
TAXONOMY_VERSION = "1"
TAXONOMY_NAME = "CareCircle Find help"
TAXONOMY_DESCRIPTION = (
    "An open taxonomy of substance use, harm reduction and related social services: what a "
    "service does, whom it is for, and how it works (low-barrier, Indigenous-led...)."
)
TERM_LANGUAGE = "en"

_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, TAXONOMY_URI)
#: The id of the built-in taxonomy; the same in every deployment.
BUILTIN_TAXONOMY_ID = uuid.uuid5(_NAMESPACE, "taxonomy")


def term_id(code: str) -> uuid.UUID:
    """The stable id of the built-in term with this code."""
    return uuid.uuid5(_NAMESPACE, f"term:{code}")


# --- Term codes -------------------------------------------------------------------------------

SERVICE_TYPE = "service-type"
POPULATION = "population"
APPROACH = "approach"

NALOXONE = "naloxone"
SYRINGE_SERVICES = "syringe-services"
SUPERVISED_CONSUMPTION = "supervised-consumption"
DRUG_CHECKING = "drug-checking"
WITHDRAWAL_MANAGEMENT = "withdrawal-management"
BUP_SAME_DAY = "bup-same-day"
METHADONE = "methadone"
NALTREXONE = "naltrexone"
RESIDENTIAL_TREATMENT = "residential-treatment"
OUTPATIENT_TREATMENT = "outpatient-treatment"
COUNSELING = "counseling"
PEER_SUPPORT = "peer-support"
MUTUAL_AID = "mutual-aid"
MENTAL_HEALTH_CRISIS = "mental-health-crisis"
HOUSING_SHELTER = "housing-shelter"
FOOD = "food"
LEGAL_AID = "legal-aid"
TELEHEALTH = "telehealth"
TAKE_BACK = "take-back"
FAMILY_SUPPORT = "family-support"

YOUTH = "youth"
WOMEN = "women"
POSTPARTUM_PARENTS = "postpartum-parents"
TWO_SLGBTQ_AFFIRMING = "2slgbtq-affirming"

INDIGENOUS_LED = "indigenous-led"
FAITH_BASED = "faith-based"
RURAL_OUTREACH = "rural-outreach"
LOW_BARRIER = "low-barrier"
LOW_BARRIER_NO_ABSTINENCE = "low-barrier-no-abstinence"
LOW_BARRIER_WALK_IN = "low-barrier-walk-in"
LOW_BARRIER_NO_ID = "low-barrier-no-id"
LOW_BARRIER_FREE = "low-barrier-free"


@dataclass(frozen=True)
class TermSpec:
    """One built-in term: its code, its parent's code, its (translatable) name and an English
    description."""

    code: str
    parent: str | None
    label: Promise
    description: str

    @property
    def id(self) -> uuid.UUID:
        return term_id(self.code)

    @property
    def name(self) -> str:
        """The English name, as stored."""
        with translation.override(TERM_LANGUAGE):
            return str(self.label)


#: Parents come before their children.
TERMS: tuple[TermSpec, ...] = (
    TermSpec(
        SERVICE_TYPE, None, _("Service type"), "What the service does for the people it serves."
    ),
    TermSpec(POPULATION, None, _("Population served"), "Whom the service is designed for."),
    TermSpec(
        APPROACH,
        None,
        _("Approach"),
        "How the service works: who leads it, where it reaches people, what it asks of them.",
    ),
    # What the service does.
    TermSpec(
        NALOXONE,
        SERVICE_TYPE,
        _("Naloxone distribution"),
        "Free naloxone kits and training in recognising and responding to an opioid overdose.",
    ),
    TermSpec(
        SYRINGE_SERVICES,
        SERVICE_TYPE,
        _("Syringe services"),
        "New syringes and other supplies for safer use, safe disposal, and links to care.",
    ),
    TermSpec(
        SUPERVISED_CONSUMPTION,
        SERVICE_TYPE,
        _("Supervised consumption"),
        "A place to use drugs with trained staff present to respond to an overdose "
        "(also called overdose prevention or safer consumption sites).",
    ),
    TermSpec(
        DRUG_CHECKING,
        SERVICE_TYPE,
        _("Drug checking"),
        "Testing drugs for fentanyl, xylazine, nitazenes and other adulterants, with test "
        "strips or on-site spectrometry, and sharing what was found.",
    ),
    TermSpec(
        WITHDRAWAL_MANAGEMENT,
        SERVICE_TYPE,
        _("Withdrawal management"),
        "Medical support through withdrawal, in a facility or at home.",
    ),
    TermSpec(
        BUP_SAME_DAY,
        SERVICE_TYPE,
        _("Buprenorphine start (same day)"),
        "Starts buprenorphine for opioid use disorder on the day a person asks, "
        "without a waiting list.",
    ),
    TermSpec(
        METHADONE,
        SERVICE_TYPE,
        _("Methadone"),
        "Methadone treatment for opioid use disorder, including daily dosing.",
    ),
    TermSpec(
        NALTREXONE,
        SERVICE_TYPE,
        _("Naltrexone"),
        "Naltrexone (including the monthly injection) for opioid or alcohol use disorder.",
    ),
    TermSpec(
        RESIDENTIAL_TREATMENT,
        SERVICE_TYPE,
        _("Residential treatment"),
        "Treatment while living at the program for a period of time.",
    ),
    TermSpec(
        OUTPATIENT_TREATMENT,
        SERVICE_TYPE,
        _("Outpatient treatment"),
        "Treatment while living at home: day programs, intensive outpatient, regular visits.",
    ),
    TermSpec(
        COUNSELING,
        SERVICE_TYPE,
        _("Counseling"),
        "One-to-one, couple or group counseling with a trained counselor.",
    ),
    TermSpec(
        PEER_SUPPORT,
        SERVICE_TYPE,
        _("Peer support"),
        "Support from people with lived and living experience of substance use.",
    ),
    TermSpec(
        MUTUAL_AID,
        SERVICE_TYPE,
        _("Mutual-aid and support groups"),
        "Groups where people support each other: 12-step, SMART Recovery, harm reduction "
        "and family groups.",
    ),
    TermSpec(
        MENTAL_HEALTH_CRISIS,
        SERVICE_TYPE,
        _("Mental health and crisis"),
        "Mental health care and crisis support: crisis lines, mobile crisis teams, "
        "walk-in crisis centres.",
    ),
    TermSpec(
        HOUSING_SHELTER,
        SERVICE_TYPE,
        _("Housing and shelter"),
        "Emergency shelter, transitional and supportive housing, and help finding a home.",
    ),
    TermSpec(FOOD, SERVICE_TYPE, _("Food"), "Meals, food banks and grocery support."),
    TermSpec(
        LEGAL_AID,
        SERVICE_TYPE,
        _("Legal aid"),
        "Free or low-cost legal advice and representation.",
    ),
    TermSpec(
        TELEHEALTH,
        SERVICE_TYPE,
        _("Telehealth"),
        "Care by phone or video, without travelling to a clinic.",
    ),
    TermSpec(
        TAKE_BACK,
        SERVICE_TYPE,
        _("Medication take-back drop-off"),
        "A place to drop off unused or expired medicines for safe disposal.",
    ),
    TermSpec(
        FAMILY_SUPPORT,
        SERVICE_TYPE,
        _("Family and caregiver support"),
        "Support, education and groups for families, friends and caregivers.",
    ),
    # Whom it is for.
    TermSpec(YOUTH, POPULATION, _("Youth"), "Designed for young people (usually 12 to 25)."),
    TermSpec(WOMEN, POPULATION, _("Women"), "Designed for women (trans women included)."),
    TermSpec(
        POSTPARTUM_PARENTS,
        POPULATION,
        _("Pregnant, postpartum and parents"),
        "Designed for pregnant and postpartum people and parents, often with child care.",
    ),
    TermSpec(
        TWO_SLGBTQ_AFFIRMING,
        POPULATION,
        _("2SLGBTQ+ affirming"),
        "Two-Spirit, lesbian, gay, bisexual, trans and queer people are welcomed and affirmed "
        "by staff trained to do so.",
    ),
    # How it works.
    TermSpec(
        INDIGENOUS_LED,
        APPROACH,
        _("Indigenous-led or culturally rooted"),
        "Led by Indigenous people, or grounded in a community's culture, language and "
        "traditional healing.",
    ),
    TermSpec(
        FAITH_BASED,
        APPROACH,
        _("Faith-based"),
        "Offered by a faith community; taking part in worship is never required.",
    ),
    TermSpec(
        RURAL_OUTREACH,
        APPROACH,
        _("Rural outreach"),
        "Reaches people in rural and remote places: mobile units, home visits, mail-out.",
    ),
    TermSpec(
        LOW_BARRIER,
        APPROACH,
        _("Low-barrier"),
        "Easy to reach: few or no conditions to get help. See its narrower terms.",
    ),
    TermSpec(
        LOW_BARRIER_NO_ABSTINENCE,
        LOW_BARRIER,
        _("No abstinence requirement"),
        "People who are still using drugs or alcohol are served.",
    ),
    TermSpec(
        LOW_BARRIER_WALK_IN,
        LOW_BARRIER,
        _("Walk-in, no appointment"),
        "No appointment or referral needed: come in during opening hours.",
    ),
    TermSpec(
        LOW_BARRIER_NO_ID,
        LOW_BARRIER,
        _("No ID needed"),
        "No identification, health card or insurance needed.",
    ),
    TermSpec(LOW_BARRIER_FREE, LOW_BARRIER, _("Free"), "No charge to the person served."),
)

TERMS_BY_CODE: dict[str, TermSpec] = {spec.code: spec for spec in TERMS}
#: Translatable names of the built-in terms, by code.
TERM_LABELS: dict[str, Promise] = {spec.code: spec.label for spec in TERMS}
SERVICE_TYPE_CODES: tuple[str, ...] = tuple(s.code for s in TERMS if s.parent == SERVICE_TYPE)
POPULATION_CODES: tuple[str, ...] = tuple(s.code for s in TERMS if s.parent == POPULATION)
APPROACH_CODES: tuple[str, ...] = tuple(
    s.code for s in TERMS if s.parent in (APPROACH, LOW_BARRIER)
)


def term_label(code: str, default: str | None = None) -> str:
    """The name of the built-in term ``code`` in the active language; ``default`` (or the code
    itself) for a code that is not built in."""
    label = TERM_LABELS.get(code)
    if label is None:
        return code if default is None else default
    return str(label)


def ensure_builtin_taxonomy() -> Taxonomy:
    """Create or bring up to date the built-in taxonomy and its terms. Idempotent: running it
    again changes nothing; a later CareCircle version with new wording updates the rows in
    place (same ids), so attributes that point at them stay valid."""
    with transaction.atomic():
        taxonomy, _created = Taxonomy.objects.update_or_create(
            id=BUILTIN_TAXONOMY_ID,
            defaults={
                "name": TAXONOMY_NAME,
                "description": TAXONOMY_DESCRIPTION,
                "uri": TAXONOMY_URI,
                "version": TAXONOMY_VERSION,
            },
        )
        existing = {
            term.id: term for term in TaxonomyTerm.objects.filter(id__in=[s.id for s in TERMS])
        }
        for spec in TERMS:
            wanted = {
                "code": spec.code,
                "name": spec.name,
                "description": spec.description,
                "parent_id": term_id(spec.parent) if spec.parent else None,
                "taxonomy": TAXONOMY_NAME,
                "taxonomy_detail_id": taxonomy.id,
                "language": TERM_LANGUAGE,
                "term_uri": None,
            }
            term = existing.get(spec.id)
            if term is None:
                TaxonomyTerm.objects.create(id=spec.id, **wanted)
            elif any(getattr(term, name) != value for name, value in wanted.items()):
                for name, value in wanted.items():
                    setattr(term, name, value)
                term.save()
    return taxonomy
