"""The fixed parts of Riverbend: its partners, its people's roles and the words in its records.

Pure data, no Django. Sector and role names are the string values of
``partners.models.Sector`` / ``Role`` and of ``privacy.models.DataClass``; the tests check that
every sector appears. Wording is person-first throughout ("person who uses drugs",
"participant"), because these texts are what a demo visitor reads first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

# --- Sectors, roles and data classes (the values of the Django choices) ----------------------

EMERGENCY_DEPARTMENT = "emergency_department"
TREATMENT_CLINIC = "treatment_clinic"
PRIMARY_CARE = "primary_care"
HARM_REDUCTION = "harm_reduction"
PEER_RECOVERY = "peer_recovery"
MENTAL_HEALTH = "mental_health"
HOUSING = "housing"
SOCIAL_SERVICES = "social_services"
POLICE_JUSTICE = "police_justice"
PUBLIC_HEALTH = "public_health"
COMMUNITY = "community"
FAITH_BASED = "faith_based"
INDIGENOUS_LED = "indigenous_led"
GOVERNMENT = "government"

SECTORS: tuple[str, ...] = (
    EMERGENCY_DEPARTMENT,
    TREATMENT_CLINIC,
    PRIMARY_CARE,
    HARM_REDUCTION,
    PEER_RECOVERY,
    MENTAL_HEALTH,
    HOUSING,
    SOCIAL_SERVICES,
    POLICE_JUSTICE,
    PUBLIC_HEALTH,
    COMMUNITY,
    FAITH_BASED,
    INDIGENOUS_LED,
    GOVERNMENT,
)

COORDINATOR = "coordinator"
CLINICIAN = "clinician"
CASE_MANAGER = "case_manager"
PEER_WORKER = "peer_worker"
OUTREACH_WORKER = "outreach_worker"
INTAKE_VOLUNTEER = "intake_volunteer"
ANALYST = "analyst"
ORG_ADMIN = "org_admin"

# --- The jurisdiction and the coalition ------------------------------------------------------

JURISDICTION = {
    "name": "Riverbend County",
    "country": "US",
    "region": "",
    "time_zone": "America/Chicago",
    "language": "en",
    "privacy_regime": "us_part2_hipaa",
    "suppression_threshold": 10,
}

COALITION = ("Riverbend Overdose Response Coalition", COMMUNITY)

#: The member organizations every scale has: (name, sector). Every sector appears at least once.
MEMBERS: Sequence[tuple[str, str]] = (
    ("Riverbend General Hospital Emergency Department", EMERGENCY_DEPARTMENT),
    ("St. Luke's Medical Center Emergency Department", EMERGENCY_DEPARTMENT),
    ("Northside MOUD Clinic", TREATMENT_CLINIC),
    ("Riverside Recovery Medicine", TREATMENT_CLINIC),
    ("Mill Creek Family Health Center", PRIMARY_CARE),
    ("Eastbank Community Health Clinic", PRIMARY_CARE),
    ("Harbor Street Harm Reduction Hub", HARM_REDUCTION),
    ("Southside Syringe Services Program", HARM_REDUCTION),
    ("Riverbend Recovery Coaches Network", PEER_RECOVERY),
    ("New Leaf Peer Recovery Center", PEER_RECOVERY),
    ("Riverbend Behavioral Health", MENTAL_HEALTH),
    ("Two Bridges Crisis Center", MENTAL_HEALTH),
    ("Riverbend Housing First", HOUSING),
    ("Cedar Street Supportive Housing", HOUSING),
    ("Riverbend County Human Services", SOCIAL_SERVICES),
    ("Family Resource Center of Riverbend", SOCIAL_SERVICES),
    ("Riverbend Police Service", POLICE_JUSTICE),
    ("Riverbend County Treatment Court", POLICE_JUSTICE),
    ("Riverbend County Public Health Department", PUBLIC_HEALTH),
    ("St. Brigid's Community Kitchen", FAITH_BASED),
    ("Grace Fellowship Recovery Ministry", FAITH_BASED),
    ("Two Rivers Indigenous Health Circle", INDIGENOUS_LED),
    ("Riverbend Neighbors Mutual Aid", COMMUNITY),
    ("Riverbend County Office of the Medical Examiner", GOVERNMENT),
    ("Riverbend County Opioid Settlement Office", GOVERNMENT),
)

# Where the personas work (names from MEMBERS or the coalition).
ED = "Riverbend General Hospital Emergency Department"
MOUD_CLINIC = "Northside MOUD Clinic"
HUB = "Harbor Street Harm Reduction Hub"
PEER_ORG = "Riverbend Recovery Coaches Network"
HOUSING_ORG = "Riverbend Housing First"
PUBLIC_HEALTH_ORG = "Riverbend County Public Health Department"
POLICE = "Riverbend Police Service"
INDIGENOUS_ORG = "Two Rivers Indigenous Health Circle"
COALITION_NAME = COALITION[0]

#: (username, first name, last name, [(organization name, role)], superuser, what they do)
PERSONAS: Sequence[tuple[str, str, str, tuple[tuple[str, str], ...], bool]] = (
    ("admin", "Riverbend", "Operator", ((COALITION_NAME, ORG_ADMIN),), True),
    ("cora", "Cora", "Whitfield", ((COALITION_NAME, COORDINATOR),), False),
    ("alice", "Alice", "Okafor", ((ED, CLINICIAN),), False),
    ("carlos", "Carlos", "Mendoza", ((MOUD_CLINIC, INTAKE_VOLUNTEER),), False),
    # Pat coaches at the peer network and in the ED: two memberships, one switcher.
    ("pat", "Pat", "Kowalski", ((PEER_ORG, PEER_WORKER), (ED, PEER_WORKER)), False),
    ("omar", "Omar", "Haddad", ((HUB, OUTREACH_WORKER),), False),
    ("hana", "Hana", "Sato", ((HOUSING_ORG, CASE_MANAGER),), False),
    ("dana", "Dana", "Brooks", ((PUBLIC_HEALTH_ORG, ANALYST),), False),
    ("lee", "Lee", "Harmon", ((POLICE, CASE_MANAGER),), False),
)
PERSONA_USERNAMES: frozenset[str] = frozenset(p[0] for p in PERSONAS)
EMAIL_DOMAIN = "riverbend.example"

# --- Roles that fit each sector (beyond the one org_admin every organization has) ------------

#: (role, weight): the first staff take each role once, the rest are drawn by weight.
SECTOR_ROLES: Mapping[str, Sequence[tuple[str, int]]] = {
    EMERGENCY_DEPARTMENT: (
        (CLINICIAN, 6),
        (CASE_MANAGER, 2),
        (PEER_WORKER, 1),
        (INTAKE_VOLUNTEER, 1),
    ),
    TREATMENT_CLINIC: (
        (CLINICIAN, 4),
        (CASE_MANAGER, 2),
        (PEER_WORKER, 1),
        (INTAKE_VOLUNTEER, 2),
    ),
    PRIMARY_CARE: ((CLINICIAN, 5), (CASE_MANAGER, 2), (INTAKE_VOLUNTEER, 1)),
    HARM_REDUCTION: (
        (OUTREACH_WORKER, 5),
        (PEER_WORKER, 3),
        (CASE_MANAGER, 1),
        (CLINICIAN, 1),
        (INTAKE_VOLUNTEER, 1),
    ),
    PEER_RECOVERY: ((PEER_WORKER, 6), (CASE_MANAGER, 1), (COORDINATOR, 1)),
    MENTAL_HEALTH: ((CLINICIAN, 4), (CASE_MANAGER, 3), (PEER_WORKER, 1)),
    HOUSING: ((CASE_MANAGER, 5), (OUTREACH_WORKER, 2), (INTAKE_VOLUNTEER, 1)),
    SOCIAL_SERVICES: ((CASE_MANAGER, 5), (INTAKE_VOLUNTEER, 2), (COORDINATOR, 1)),
    POLICE_JUSTICE: ((OUTREACH_WORKER, 3), (CASE_MANAGER, 2), (COORDINATOR, 1)),
    PUBLIC_HEALTH: (
        (ANALYST, 3),
        (CLINICIAN, 2),
        (OUTREACH_WORKER, 2),
        (COORDINATOR, 1),
    ),
    COMMUNITY: ((INTAKE_VOLUNTEER, 3), (OUTREACH_WORKER, 2), (COORDINATOR, 1)),
    FAITH_BASED: ((INTAKE_VOLUNTEER, 4), (PEER_WORKER, 1), (COORDINATOR, 1)),
    INDIGENOUS_LED: (
        (PEER_WORKER, 3),
        (CASE_MANAGER, 2),
        (CLINICIAN, 2),
        (OUTREACH_WORKER, 2),
    ),
    GOVERNMENT: ((ANALYST, 3), (COORDINATOR, 2)),
}
COALITION_ROLES: Sequence[tuple[str, int]] = ((COORDINATOR, 3), (ANALYST, 2))

# --- Who holds person-level records, and what kind ----------------------------------------------

#: Sectors whose organizations own client records, with how often they do.
OWNER_WEIGHTS: Mapping[str, float] = {
    EMERGENCY_DEPARTMENT: 3.0,
    TREATMENT_CLINIC: 3.0,
    HARM_REDUCTION: 3.0,
    PEER_RECOVERY: 2.0,
    PRIMARY_CARE: 2.0,
    HOUSING: 2.0,
    MENTAL_HEALTH: 1.5,
    SOCIAL_SERVICES: 1.5,
    INDIGENOUS_LED: 1.5,
    POLICE_JUSTICE: 1.0,
    PUBLIC_HEALTH: 0.5,
    COMMUNITY: 0.5,
    FAITH_BASED: 0.5,
}

#: The kinds of information each sector writes about the people it serves.
SECTOR_CLASSES: Mapping[str, Sequence[str]] = {
    EMERGENCY_DEPARTMENT: ("general", "health", "health", "substance_use", "mental_health"),
    TREATMENT_CLINIC: ("general", "substance_use", "substance_use", "health"),
    PRIMARY_CARE: ("general", "health", "health", "mental_health"),
    HARM_REDUCTION: ("general", "harm_reduction", "harm_reduction", "health"),
    PEER_RECOVERY: ("general", "substance_use", "mental_health", "harm_reduction"),
    MENTAL_HEALTH: ("general", "mental_health", "mental_health", "health"),
    HOUSING: ("general", "general", "health", "justice"),
    SOCIAL_SERVICES: ("general", "general", "health", "justice"),
    POLICE_JUSTICE: ("general", "justice", "justice"),
    PUBLIC_HEALTH: ("general", "health", "harm_reduction"),
    COMMUNITY: ("general", "harm_reduction"),
    FAITH_BASED: ("general",),
    INDIGENOUS_LED: ("general", "health", "mental_health", "harm_reduction", "substance_use"),
}

#: Which sectors an owner typically brings onto a person's care team.
CARE_PARTNERS: Mapping[str, Sequence[str]] = {
    EMERGENCY_DEPARTMENT: (TREATMENT_CLINIC, PEER_RECOVERY, PRIMARY_CARE, MENTAL_HEALTH),
    TREATMENT_CLINIC: (PEER_RECOVERY, PRIMARY_CARE, HOUSING, MENTAL_HEALTH),
    PRIMARY_CARE: (TREATMENT_CLINIC, MENTAL_HEALTH, SOCIAL_SERVICES),
    HARM_REDUCTION: (TREATMENT_CLINIC, PEER_RECOVERY, HOUSING, PRIMARY_CARE),
    PEER_RECOVERY: (TREATMENT_CLINIC, HOUSING, SOCIAL_SERVICES),
    MENTAL_HEALTH: (PRIMARY_CARE, PEER_RECOVERY, HOUSING),
    HOUSING: (SOCIAL_SERVICES, HARM_REDUCTION, PRIMARY_CARE),
    SOCIAL_SERVICES: (HOUSING, PRIMARY_CARE, COMMUNITY),
    POLICE_JUSTICE: (HARM_REDUCTION, HOUSING, MENTAL_HEALTH),
    PUBLIC_HEALTH: (HARM_REDUCTION, PRIMARY_CARE),
    COMMUNITY: (HARM_REDUCTION, SOCIAL_SERVICES),
    FAITH_BASED: (SOCIAL_SERVICES, HOUSING),
    INDIGENOUS_LED: (PRIMARY_CARE, TREATMENT_CLINIC, PEER_RECOVERY, HOUSING),
}

# --- More partners for the large scale ----------------------------------------------------------

PLACES: Sequence[str] = (
    "Northside",
    "Southside",
    "Eastbank",
    "Westbank",
    "Mill Creek",
    "Oak Hollow",
    "Cedar Park",
    "Kettle Falls",
    "Lower Ferry",
    "Upper Ferry",
    "Willow Bend",
    "Ironworks",
    "Prairie View",
    "Foundry Row",
    "Lakeshore",
    "Maple Heights",
    "Stone Bridge",
    "Copper Hill",
    "Bluff Street",
    "Market Square",
    "Old Town",
    "Riverside",
    "Linden Grove",
    "Heron Point",
    "Fairmount",
    "Union Yards",
    "Crescent Hill",
    "Sycamore Flats",
    "Pine Ridge",
    "Elm Crossing",
)

SECTOR_NAME_PATTERNS: Mapping[str, Sequence[str]] = {
    EMERGENCY_DEPARTMENT: ("{place} Hospital Emergency Department", "{place} Urgent Care Center"),
    TREATMENT_CLINIC: ("{place} MOUD Clinic", "{place} Opioid Treatment Program"),
    PRIMARY_CARE: ("{place} Family Health Center", "{place} Community Health Clinic"),
    HARM_REDUCTION: ("{place} Harm Reduction Hub", "{place} Syringe Services Program"),
    PEER_RECOVERY: ("{place} Peer Recovery Center", "{place} Recovery Community Organization"),
    MENTAL_HEALTH: ("{place} Counseling Center", "{place} Crisis Stabilization Unit"),
    HOUSING: ("{place} Supportive Housing", "{place} Shelter and Housing Services"),
    SOCIAL_SERVICES: ("{place} Family Resource Center", "{place} Community Action Agency"),
    POLICE_JUSTICE: ("{place} Police Precinct", "{place} Reentry Services"),
    PUBLIC_HEALTH: ("{place} Public Health Field Office", "{place} Community Health Workers"),
    COMMUNITY: ("{place} Neighbors Association", "{place} Mutual Aid Network"),
    FAITH_BASED: ("{place} Interfaith Pantry", "{place} Congregational Care Ministry"),
    INDIGENOUS_LED: ("{place} Native Wellness Lodge", "{place} Indigenous Family Services"),
    GOVERNMENT: ("{place} Township Office", "{place} Community Services Department"),
}

#: How often each sector appears among the extra organizations of the large scale.
EXTRA_SECTOR_WEIGHTS: Mapping[str, int] = {
    EMERGENCY_DEPARTMENT: 2,
    TREATMENT_CLINIC: 3,
    PRIMARY_CARE: 3,
    HARM_REDUCTION: 3,
    PEER_RECOVERY: 2,
    MENTAL_HEALTH: 2,
    HOUSING: 2,
    SOCIAL_SERVICES: 2,
    POLICE_JUSTICE: 1,
    PUBLIC_HEALTH: 1,
    COMMUNITY: 2,
    FAITH_BASED: 2,
    INDIGENOUS_LED: 1,
    GOVERNMENT: 1,
}

# --- What the records say ------------------------------------------------------------------------

DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")

ENTRY_TEXTS: Mapping[str, Sequence[str]] = {
    "general": (
        "Prefers to be contacted by text message; best reached in the mornings.",
        "Staying with a relative in {place} this month; mail can go to the hub.",
        "Asked that staff use the name on file and they/them pronouns.",
        "Has a phone again; updated the contact number and the emergency contact.",
        "Needs a bus pass to keep appointments; one was given today.",
        "Speaks Spanish at home; prefers an interpreter for medical conversations.",
        "Working part-time evenings; appointments after 3 pm do not work.",
        "Lost ID documents; started the replacement request with the participant.",
    ),
    "health": (
        "Seen for a wound on the left forearm; antibiotics started, wound check in 3 days.",
        "Blood pressure {bp}; referred to primary care for follow-up.",
        "Hepatitis C antibody test reactive; confirmatory test ordered with consent.",
        "Reports chest tightness when climbing stairs; ECG normal, follow-up booked.",
        "Vaccinations updated today (hepatitis A and B, tetanus).",
        "Discharged after observation; naloxone kit and follow-up plan given.",
        "Type 2 diabetes; glucose meter replaced and supplies given for {days} days.",
    ),
    "substance_use": (
        "Started buprenorphine {dose} mg daily; no withdrawal symptoms reported.",
        "Participant wants to discuss extended-release buprenorphine at the next visit.",
        "Methadone dose steady at {dose0} mg; take-home doses approved for weekends.",
        "Urine drug screen discussed without judgment; plan unchanged.",
        "Missed two doses while in {place}; bridge prescription given for {days} days.",
        "Reports using less often since starting treatment; goals reviewed together.",
        "Peer coach met the person at the bedside; follow-up call set for {day}.",
    ),
    "mental_health": (
        "PHQ-9 score {phq}; agreed to a counselling referral.",
        "Sleeping poorly since the move; sleep hygiene and a follow-up discussed.",
        "Safety plan reviewed together; crisis line number saved in the phone.",
        "Grief after a friend's overdose death; offered the Thursday support circle.",
        "Anxiety improving with weekly sessions; continue current plan.",
    ),
    "harm_reduction": (
        "Took {n} naloxone kits and fentanyl test strips; reviewed overdose response.",
        "Asked about drug checking; told about the {day} drop-in hours at the hub.",
        "Sterile supplies given; sharps container returned.",
        "Reported a bad batch in {place}; shared with the outreach team for an alert.",
        "Used naloxone on a friend last week; replacement kits given and debrief offered.",
        "Interested in the safer-smoking kit; supplies given with education.",
    ),
    "justice": (
        "Court date on {day}; co-responder offered a ride and a reminder call.",
        "Treatment court intake completed; next check-in in two weeks.",
        "Probation officer agreed to move the meeting to accommodate clinic hours.",
        "Warrant resolved at the walk-in clinic; no further court dates.",
        "Released from county jail {days} days ago; reentry plan started.",
    ),
}

CONSENT_REVOKE_REASONS: Sequence[str] = (
    "The participant asked to withdraw this consent at the check-in.",
    "The person no longer wants this organization informed.",
    "Withdrawn by the person after moving to another program.",
)

EMERGENCY_REASONS: Sequence[str] = (
    "Brought in unresponsive; needed current medications and allergies.",
    "Person unable to communicate; needed the treatment history to dose safely.",
    "Suspected overdose on arrival; checking recent harm-reduction contacts.",
)
