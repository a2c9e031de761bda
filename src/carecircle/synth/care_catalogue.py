"""The words of connected care in Riverbend: how people describe themselves, their goals in their
own words, and what partners write when they refer someone.

Pure data, no Django. Every answer about oneself may be left unsaid, so most lists start with
the empty answer and weigh it heavily. Wording is person-first ("person who uses drugs",
"participant"), as everywhere in the demo.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from carecircle.synth import catalogue as cat

# --- Who the person is (self-identified, all optional) -------------------------------------------

#: (identification level, weight) for clients known by a name; code-only clients are
#: pseudonymous.
NAMED_IDENTIFICATION: Sequence[tuple[str, int]] = (("identified", 55), ("alias", 45))

GENDER_IDENTITIES: Sequence[tuple[str, int]] = (
    ("", 40),
    ("Woman", 24),
    ("Man", 27),
    ("Non-binary", 3),
    ("Trans woman", 1),
    ("Trans man", 1),
    ("Two-Spirit", 1),
    ("Genderqueer", 1),
    ("Prefers not to say", 2),
)
PRONOUNS: Mapping[str, Sequence[str]] = {
    "": ("",),
    "Woman": ("she/her", "she/they"),
    "Man": ("he/him", "he/they"),
    "Non-binary": ("they/them",),
    "Trans woman": ("she/her",),
    "Trans man": ("he/him",),
    "Two-Spirit": ("they/them", "he/him", "she/her"),
    "Genderqueer": ("they/them", "ze/zir"),
    "Prefers not to say": ("",),
}
INDIGENOUS_IDENTITIES: Sequence[tuple[str, int]] = (
    ("", 86),
    ("Native American", 4),
    ("Potawatomi", 2),
    ("Ho-Chunk", 2),
    ("Anishinaabe (Ojibwe)", 2),
    ("Lakota", 1),
    ("Métis", 1),
    ("Prefers not to say", 2),
)
#: (languages, weight): ISO 639 codes, the directory's too.
LANGUAGE_SETS: Sequence[tuple[tuple[str, ...], int]] = (
    ((), 40),
    (("en",), 42),
    (("es", "en"), 8),
    (("es",), 3),
    (("en", "ase"), 1),
    (("ar", "en"), 1),
    (("fr", "en"), 1),
    (("uk", "en"), 1),
    (("vi", "en"), 1),
    (("so", "en"), 1),
    (("oj", "en"), 1),
)
YES_NO_UNSAID: Sequence[str] = ("", "yes", "no", "declined")
TWO_SLGBTQ_WEIGHTS: Sequence[int] = (62, 8, 26, 4)
RURAL_WEIGHTS: Sequence[int] = (55, 12, 31, 2)
HOUSING: Sequence[tuple[str, int]] = (
    ("", 35),
    ("housed", 20),
    ("precarious", 15),
    ("shelter", 12),
    ("unsheltered", 12),
    ("institution", 3),
    ("declined", 3),
)
PARENT: Sequence[tuple[str, int]] = (
    ("", 55),
    ("none", 22),
    ("parent", 18),
    ("pregnant", 2),
    ("postpartum", 2),
    ("declined", 1),
)

# --- Safe contact ---------------------------------------------------------------------------------

#: Fictional numbers: 555-0100 to 555-0199 are reserved for fiction in North America.
AREA_CODES: Sequence[str] = ("217", "309", "618")
SAFE_TIMES: Sequence[str] = (
    "Weekday mornings",
    "After 3 pm",
    "Evenings only",
    "Tuesdays and Thursdays",
    "Any time",
    "Before noon, not on weekends",
)
CONTACT_NOTES: Sequence[str] = (
    "Use the name {name} on the phone; do not mention the clinic.",
    "Shares the phone with a partner: say you are calling from the library.",
    "Text first; calls from unknown numbers are not answered.",
    "Do not leave details on voicemail; call back about an appointment only.",
    "Phone is often off to save battery; try the hub on {day}.",
    "Prefers messages through the peer coach.",
)

# --- The support network --------------------------------------------------------------------------

#: (kind, relationship in the person's words)
SUPPORTS: Sequence[tuple[str, str]] = (
    ("family", "My sister"),
    ("family", "My mom"),
    ("family", "My dad"),
    ("family", "My grandmother"),
    ("family", "My brother"),
    ("family", "My aunt, who raised me"),
    ("chosen_family", "Chosen family, like a sister to me"),
    ("chosen_family", "My roommate and chosen family"),
    ("friend", "Friend from the recovery group"),
    ("friend", "Best friend since school"),
    ("partner", "My partner"),
    ("partner", "My girlfriend"),
    ("partner", "My boyfriend"),
    ("elder", "Elder at the Lodge"),
    ("elder", "Pastor at my church"),
    ("professional", "My probation officer"),
    ("professional", "Sponsor"),
    ("other", "Neighbor who checks on me"),
)

# --- The care plan, in the person's own words -----------------------------------------------------

#: Goal texts by life area (``clients.models.GoalDomain``), in the first person.
GOALS: Mapping[str, Sequence[str]] = {
    "treatment": (
        "I want to stay on my medication and stop using every day.",
        "Keep going with buprenorphine and not miss my pickups.",
        "Try the methadone program again, this time with support.",
        "Get through withdrawal somewhere safe, not alone.",
        "I want to use less and stay alive while I figure things out.",
        "Stay in recovery for my kids.",
    ),
    "housing": (
        "A place of my own where I can lock the door.",
        "Get off the waitlist and into Housing First.",
        "Stop couch surfing before winter.",
        "Keep my apartment: pay the back rent and stay on good terms with the landlord.",
        "Move somewhere away from the people I used with.",
    ),
    "income": (
        "Get my ID back so I can apply for benefits.",
        "Find part-time work that fits around my appointments.",
        "Sort out my disability application.",
        "Have enough money for food the whole month.",
    ),
    "family": (
        "See my daughter on weekends again.",
        "Repair things with my mom.",
        "Get ready for the custody hearing.",
        "Be there for my little brother.",
    ),
    "health": (
        "Get my hep C treated.",
        "Have the wound on my arm looked at properly.",
        "Find a doctor I trust and keep seeing them.",
        "Get my teeth fixed so I can eat without pain.",
        "Keep my blood sugar under control.",
    ),
    "cultural": (
        "Go back to ceremony and the talking circle.",
        "Reconnect with my community at the Lodge.",
        "Go to church again on Sundays.",
        "Learn my language with my grandmother.",
    ),
    "wellbeing": (
        "Sleep through the night.",
        "Eat at least two proper meals a day.",
        "Feel less anxious when I am around people.",
        "Walk by the river every morning.",
    ),
}

#: Steps towards a goal: (what will be done, who does it: "person" | "org").
TASKS: Mapping[str, Sequence[tuple[str, str]]] = {
    "treatment": (
        ("Pick up the bridge prescription at the pharmacy", "person"),
        ("Book the intake appointment at the clinic", "org"),
        ("Call the recovery coach after the first week", "person"),
        ("Review the dose and take-home doses", "org"),
        ("Go to the Thursday support circle", "person"),
    ),
    "housing": (
        ("Fill in the coordinated entry assessment", "org"),
        ("Gather proof of income for the application", "person"),
        ("Call the landlord about a payment plan", "person"),
        ("Check the waitlist position with Housing First", "org"),
        ("Visit the Cedar Street unit", "person"),
    ),
    "income": (
        ("Request a replacement birth certificate", "org"),
        ("Book the benefits appointment at Human Services", "org"),
        ("Bring the ID documents to the hub", "person"),
        ("Update the résumé with the employment worker", "person"),
    ),
    "family": (
        ("Call the family court clerk about the hearing date", "org"),
        ("Write a letter to the children's caseworker", "person"),
        ("Join the family healing circle", "person"),
    ),
    "health": (
        ("Book the hepatitis C treatment visit", "org"),
        ("Wound check at the walk-in clinic", "person"),
        ("Pick up the glucose meter supplies", "person"),
        ("Dental referral through the health center", "org"),
    ),
    "cultural": (
        ("Ask the Elder about the next ceremony", "person"),
        ("Arrange a ride to the talking circle", "org"),
    ),
    "wellbeing": (
        ("Pick up groceries from the pantry on Friday", "person"),
        ("Talk to the clinician about sleep", "org"),
        ("Walk with the peer group on Saturday", "person"),
    ),
}
GOAL_STATUS: Sequence[tuple[str, int]] = (
    ("active", 70),
    ("achieved", 15),
    ("paused", 10),
    ("dropped", 5),
)

# --- Consent capture ------------------------------------------------------------------------------

#: (capture method, weight)
CAPTURE_METHODS: Sequence[tuple[str, int]] = (("signature", 45), ("verbal", 40), ("paper", 15))
ATTESTATION = (
    "I read this consent to the person in plain words, answered their questions, and they "
    "agreed out loud."
)
PAPER_NOTES: Sequence[str] = (
    "Signed paper form scanned into the file.",
    "Paper form signed at intake; original kept in the locked cabinet.",
)

# --- Referrals ------------------------------------------------------------------------------------

#: The kind of information a referral to each directory service template carries (what its
#: reason and handoff notes are about). Templates not listed are not referred to.
TEMPLATE_CLASS: Mapping[str, str] = {
    **dict.fromkeys(
        (
            "bup_same_day",
            "bup_ed_bridge",
            "bup_low_barrier",
            "bup_office",
            "bup_telehealth",
            "bup_postpartum",
            "methadone",
            "naltrexone",
            "naltrexone_telehealth",
            "withdrawal_inpatient",
            "withdrawal_social",
            "residential",
            "residential_mothers",
            "outpatient",
            "counseling",
            "rural_bup",
            "peer_coaching",
            "peer_ed",
            "peer_drop_in",
            "peer_phone",
            "youth_peer",
            "women_drop_in",
            "faith_group",
        ),
        "substance_use",
    ),
    **dict.fromkeys(
        (
            "counseling_telehealth",
            "youth_counseling",
            "co_occurring",
            "crisis_stabilization",
            "mobile_crisis",
            "psych_emergency",
            "indigenous_counseling",
            "grief_support",
        ),
        "mental_health",
    ),
    **dict.fromkeys(
        ("syringe", "syringe_mobile", "drug_checking", "supervised", "lgbtq_night"),
        "harm_reduction",
    ),
    **dict.fromkeys(
        (
            "shelter",
            "warming_center",
            "housing_first",
            "coordinated_entry",
            "recovery_housing",
            "family_housing",
            "food_pantry",
            "meals",
            "snap",
            "parenting",
            "kinship",
            "family_group",
            "legal_aid",
            "newcomer_support",
            "youth_drop_in",
            "talking_circle",
            "lgbtq_group",
            "telehealth_booth",
        ),
        "general",
    ),
    **dict.fromkeys(("treatment_court", "record_clearing", "deflection"), "justice"),
}

#: Referrals without a directory listing: (receiving sector, what is asked for, data class).
UNLISTED: Sequence[tuple[str, str, str]] = (
    (cat.PRIMARY_CARE, "Primary care follow-up visit", "health"),
    (cat.PRIMARY_CARE, "Wound care follow-up", "health"),
    (cat.EMERGENCY_DEPARTMENT, "Follow-up after the emergency visit", "health"),
    (cat.SOCIAL_SERVICES, "Benefits and ID help", "general"),
    (cat.INDIGENOUS_LED, "Cultural support and an Elder visit", "general"),
    (cat.COMMUNITY, "Help with groceries and a phone", "general"),
)

#: What the person needs, by the referral's data class: the referral's ``reason``.
REASONS: Mapping[str, Sequence[str]] = {
    "substance_use": (
        "Wants to start buprenorphine; last use yesterday evening, in mild withdrawal now.",
        "Started buprenorphine in the ED; needs a clinic to continue after the 7-day bridge.",
        "Asked for methadone after two overdoses this year; prefers a morning dosing slot.",
        "Would like a recovery coach to meet them after discharge.",
        "Wants withdrawal management somewhere safe before starting treatment.",
        "Doing well on treatment; moving across town and needs a clinic closer to home.",
        "Pregnant and using fentanyl; wants to start treatment this week.",
    ),
    "mental_health": (
        "Low mood and poor sleep since a friend's overdose death; agreed to counselling.",
        "Safety plan made in the ED; needs a crisis follow-up within 72 hours.",
        "Anxiety getting in the way of appointments; would like a counsellor who knows MOUD.",
        "Asked for grief support after losing a partner to an overdose.",
        "Hearing voices again after stopping medication; agreed to a same-week assessment.",
    ),
    "harm_reduction": (
        "Would like regular supplies and drug checking closer to where they stay.",
        "Asked for naloxone training for the people they live with.",
        "Uses alone most days; wants to know about the overdose prevention site.",
    ),
    "health": (
        "Abscess on the forearm drained in the ED; needs a wound check in 2 days.",
        "Blood pressure high at three visits; needs a primary care doctor.",
        "Hepatitis C antibody positive; wants treatment.",
        "Needs insulin and a glucose meter; has had no primary care for two years.",
    ),
    "general": (
        "Sleeping outside since the shelter closed for the season; needs housing help.",
        "Lost ID and benefits card; needs help replacing them to get housing.",
        "Family of four about to be evicted; asked for help with rent and food.",
        "Needs a bed tonight; cannot go back to the last address.",
        "Asked for help with food and a phone so the clinic can reach them.",
        "Wants to reconnect with family and the community at the Lodge.",
    ),
    "justice": (
        "Court date next week; eligible for treatment court and wants to apply.",
        "Old warrant keeps them from housing; asked for help with record clearing.",
        "Met on a co-responder call; agreed to deflection to treatment instead of a charge.",
    ),
}
HANDOFF_NOTES: Sequence[str] = (
    "Knows the clinic by name; worried about the waiting room. Please greet them at the door.",
    "Prefers a female clinician. Bring the bridge prescription paperwork.",
    "Hard of hearing; speak facing them. Text reminders work best.",
    "Has a dog; needs a program that allows pets or a kennel arrangement.",
    "Works nights; mornings after 10 are best.",
    "Needs a Spanish interpreter for medical conversations.",
)
ACCOMPANIED_BY: Sequence[str] = (
    "Peer recovery coach",
    "Outreach worker",
    "Case manager",
    "Their sister",
    "Partner",
    "Community health worker",
)
TRANSPORT: Sequence[str] = (
    "Bus pass given",
    "Hospital taxi voucher",
    "Outreach van pick-up at the hub",
    "Medicaid ride booked",
    "Walking; ten minutes away",
    "Peer coach drives",
)
URGENCY: Sequence[tuple[str, int]] = (("routine", 70), ("urgent", 20), ("asap", 7), ("stat", 3))

#: The reasons each side gives when a reason is required or customary.
REJECT_REASONS: Sequence[str] = (
    "Not eligible: the program serves people under 25 only.",
    "Outside our service area; referred on to the Eastbank clinic.",
    "No openings this month and no waitlist; please try coordinated entry.",
    "The person already has a clinician here; we will contact them directly.",
)
CANCEL_REASONS: Sequence[str] = (
    "The person changed their mind and wants to wait.",
    "The person moved out of the county.",
    "The person was admitted to hospital; will refer again at discharge.",
    "Referred to another program with a shorter wait.",
)
HOLD_REASONS: Sequence[str] = (
    "Waiting for the person's ID documents.",
    "The person is in hospital this week; resume at discharge.",
    "Waiting for insurance approval.",
)
FAIL_REASONS: Sequence[str] = (
    "Did not come to the two appointments offered; outreach could not reach them.",
    "Chose to continue with the low-barrier program at the hub instead.",
    "Not a fit for the program after assessment; referred on.",
    "The person is in custody; the referral can be reopened on release.",
)
ERROR_REASONS: Sequence[str] = (
    "Sent for the wrong person.",
    "Duplicate of an earlier referral.",
)
REOPEN_REASONS: Sequence[str] = (
    "The person asked to try again.",
    "Released from hospital; ready to start now.",
    "A place opened up; the person still wants it.",
)
WAITLISTED = "Waitlisted"

#: The data class a goal of each life area carries (``clients.models.DOMAIN_DATA_CLASS``; a
#: test keeps the two the same).
DOMAIN_CLASS: Mapping[str, str] = {
    "treatment": "substance_use",
    "housing": "general",
    "income": "general",
    "family": "general",
    "health": "health",
    "cultural": "general",
    "wellbeing": "health",
}
#: The life areas people in each sector's care most often work on (drawn with repeats).
SECTOR_DOMAINS: Mapping[str, Sequence[str]] = {
    cat.EMERGENCY_DEPARTMENT: ("treatment", "health", "housing", "wellbeing"),
    cat.TREATMENT_CLINIC: ("treatment", "treatment", "housing", "income", "family"),
    cat.PRIMARY_CARE: ("health", "health", "wellbeing", "treatment", "income"),
    cat.HARM_REDUCTION: ("housing", "health", "income", "wellbeing", "treatment"),
    cat.PEER_RECOVERY: ("treatment", "family", "income", "wellbeing", "housing"),
    cat.MENTAL_HEALTH: ("wellbeing", "health", "family", "housing"),
    cat.HOUSING: ("housing", "housing", "income", "family"),
    cat.SOCIAL_SERVICES: ("income", "housing", "family"),
    cat.POLICE_JUSTICE: ("housing", "income", "family"),
    cat.PUBLIC_HEALTH: ("health", "wellbeing"),
    cat.COMMUNITY: ("income", "housing", "wellbeing"),
    cat.FAITH_BASED: ("cultural", "family", "income"),
    cat.INDIGENOUS_LED: ("cultural", "cultural", "treatment", "family", "health"),
}
