"""The fixed parts of Riverbend's Find help directory: its places, its listings, its hours.

Pure data, no Django (like :mod:`carecircle.synth.catalogue`). Riverbend County is fictional;
it sits on the Illinois River plain in the US Midwest (time zone America/Chicago), and its ZIP
codes use the ``621`` prefix, which the US Postal Service does not assign, so no real place is
named. Telephone numbers use the 555-01xx range reserved for fiction.

Services are written from :data:`TEMPLATES` (what a service is, who it is for, when it is open,
what it costs, what to bring); :data:`RIVERBEND` says which organization offers which services
at which of its locations. Term codes are those of the built-in taxonomy
(:mod:`carecircle.directory.taxonomy`); the tests check every built-in term is used.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from carecircle.synth import catalogue as cat

# --- Built-in taxonomy term codes (carecircle.directory.taxonomy) -------------------------------

NALOXONE = "naloxone"
SYRINGE = "syringe-services"
SUPERVISED = "supervised-consumption"
DRUG_CHECKING = "drug-checking"
WITHDRAWAL = "withdrawal-management"
BUP_SAME_DAY = "bup-same-day"
METHADONE = "methadone"
NALTREXONE = "naltrexone"
RESIDENTIAL = "residential-treatment"
OUTPATIENT = "outpatient-treatment"
COUNSELING = "counseling"
PEER = "peer-support"
SUPPORT_GROUPS = "mutual-aid"
CRISIS = "mental-health-crisis"
HOUSING = "housing-shelter"
FOOD = "food"
LEGAL = "legal-aid"
TELEHEALTH = "telehealth"
TAKE_BACK = "take-back"
FAMILY = "family-support"
YOUTH = "youth"
WOMEN = "women"
PARENTS = "postpartum-parents"
AFFIRMING = "2slgbtq-affirming"
INDIGENOUS = "indigenous-led"
FAITH = "faith-based"
RURAL = "rural-outreach"
NO_ABSTINENCE = "low-barrier-no-abstinence"
WALK_IN = "low-barrier-walk-in"
NO_ID = "low-barrier-no-id"
FREE = "low-barrier-free"
LOW_BARRIER_ALL = "low-barrier"

#: Every term a low-barrier service carries: the four conditions it waives, and the term
#: that groups them.
LOW_BARRIER = (LOW_BARRIER_ALL, NO_ABSTINENCE, WALK_IN, NO_ID, FREE)

# --- Geography ----------------------------------------------------------------------------------

TIME_ZONE = str(cat.JURISDICTION["time_zone"])
STATE = "IL"
COUNTRY = "US"
COUNTY = "Riverbend County"

#: The county seat's downtown (Old Town), the center of the demo map.
CENTRE = (40.300, -90.050)


@dataclass(frozen=True, slots=True)
class Place:
    """A town, or a neighbourhood of the city of Riverbend, with its ZIP code's centroid."""

    name: str
    city: str
    postal_code: str
    latitude: float
    longitude: float
    spread_km: float  # how far from the centroid its addresses lie
    streets: tuple[str, ...]


#: Riverbend's neighbourhoods and the county's towns, within ~20 km of Old Town.
PLACES: Sequence[Place] = (
    Place(
        "Old Town",
        "Riverbend",
        "62101",
        40.300,
        -90.050,
        0.8,
        ("Harbor Street", "Main Street", "Water Street", "Court Street", "1st Avenue"),
    ),
    Place(
        "Market Square",
        "Riverbend",
        "62101",
        40.306,
        -90.038,
        0.6,
        ("Market Street", "Washington Avenue", "Lincoln Avenue", "State Street"),
    ),
    Place(
        "Northside",
        "Riverbend",
        "62102",
        40.331,
        -90.047,
        1.5,
        ("North Avenue", "Garfield Street", "Hospital Drive", "Elm Avenue", "Prospect Road"),
    ),
    Place(
        "Southside",
        "Riverbend",
        "62103",
        40.271,
        -90.055,
        1.5,
        ("South 5th Street", "Adams Street", "Kenwood Avenue", "Levee Road"),
    ),
    Place(
        "Eastbank",
        "Riverbend",
        "62104",
        40.303,
        -90.006,
        1.5,
        ("East River Drive", "Bridge Street", "Oakland Avenue", "Sangamon Avenue"),
    ),
    Place(
        "Westbank",
        "Riverbend",
        "62105",
        40.297,
        -90.097,
        1.5,
        ("West Main Street", "Ferry Road", "Walnut Street", "Pearl Street"),
    ),
    Place(
        "Riverside",
        "Riverbend",
        "62106",
        40.285,
        -90.030,
        1.0,
        ("Riverside Drive", "Cedar Street", "Mill Street", "Dock Street"),
    ),
    Place(
        "Ironworks",
        "Riverbend",
        "62106",
        40.279,
        -90.012,
        1.0,
        ("Foundry Road", "Industrial Parkway", "Rail Street"),
    ),
    Place(
        "Mill Creek",
        "Mill Creek",
        "62110",
        40.395,
        -90.160,
        2.0,
        ("Creek Road", "Main Street", "Church Street", "County Road 9"),
    ),
    Place(
        "Kettle Falls",
        "Kettle Falls",
        "62112",
        40.180,
        -89.900,
        2.0,
        ("Falls Road", "Main Street", "Depot Street", "Route 78"),
    ),
    Place(
        "Lower Ferry",
        "Lower Ferry",
        "62114",
        40.235,
        -90.210,
        1.5,
        ("Landing Road", "Front Street", "Boat Launch Road"),
    ),
    Place(
        "Willow Bend",
        "Willow Bend",
        "62116",
        40.420,
        -89.930,
        1.5,
        ("Willow Street", "Prairie Road", "Main Street"),
    ),
    Place(
        "Prairie View",
        "Prairie View",
        "62118",
        40.150,
        -90.120,
        1.5,
        ("Grain Elevator Road", "Central Avenue", "County Road 4"),
    ),
    Place(
        "Heron Point",
        "Heron Point",
        "62120",
        40.350,
        -89.820,
        1.5,
        ("Heron Road", "Marsh Lane", "Main Street"),
    ),
    Place(
        "Stone Bridge",
        "Stone Bridge",
        "62122",
        40.460,
        -90.080,
        1.5,
        ("Bridge Road", "Quarry Street", "Main Street"),
    ),
)

PLACE_BY_NAME: Mapping[str, Place] = {p.name: p for p in PLACES}

#: ZIP code centroids (the mean of its places' centers).
POSTAL_CODES: Mapping[str, tuple[float, float]] = {
    code: (
        round(sum(p.latitude for p in ps) / len(ps), 4),
        round(sum(p.longitude for p in ps) / len(ps), 4),
    )
    for code in sorted({p.postal_code for p in PLACES})
    for ps in [[p for p in PLACES if p.postal_code == code]]
}

AREA_CODES = ("309", "217")

# --- Languages ----------------------------------------------------------------------------------

#: (ISO 639 code, English name) — the codes HSDS language.code carries.
LANGUAGES: Mapping[str, str] = {
    "en": "English",
    "es": "Spanish",
    "fr": "French",
    "ar": "Arabic",
    "zh": "Chinese",
    "vi": "Vietnamese",
    "uk": "Ukrainian",
    "tl": "Tagalog",
    "so": "Somali",
    "sw": "Swahili",
    "ase": "American Sign Language",
    "oj": "Ojibwe",
}
#: How often an organization of the crowd offers each language besides English.
LANGUAGE_RATES: Mapping[str, float] = {
    "es": 0.40,
    "fr": 0.15,
    "ar": 0.05,
    "zh": 0.04,
    "vi": 0.03,
    "uk": 0.03,
    "tl": 0.03,
    "so": 0.02,
    "sw": 0.02,
    "ase": 0.05,
}

# --- Opening hours ------------------------------------------------------------------------------

WEEKDAYS = "MO,TU,WE,TH,FR"
EVERY_DAY = "MO,TU,WE,TH,FR,SA,SU"


@dataclass(frozen=True, slots=True)
class Hours:
    """One HSDS schedule row: RFC 5545 recurrence (weekly unless ``freq`` says otherwise) and
    local opening times in the location's time zone. ``closes`` earlier than ``opens`` runs past
    midnight; ``00:00``-``00:00`` every day is open around the clock."""

    byday: str
    opens: str
    closes: str
    description: str
    freq: str = "WEEKLY"
    attending_type: str = "in person"
    notes: str | None = None


#: Named weekly patterns a template points at; the writer shifts times a little per service.
HOURS: Mapping[str, tuple[Hours, ...]] = {
    "office": (Hours(WEEKDAYS, "09:00", "17:00", "Monday to Friday, 9 am to 5 pm"),),
    "office_long": (
        Hours("MO,TU,WE,TH", "08:00", "19:00", "Monday to Thursday, 8 am to 7 pm"),
        Hours("FR", "08:00", "17:00", "Friday, 8 am to 5 pm"),
    ),
    "walk_in_clinic": (
        Hours(
            WEEKDAYS,
            "08:00",
            "16:00",
            "Walk in Monday to Friday, 8 am to 4 pm",
            attending_type="walk in",
            notes="Arrive before 2 pm to be seen for a same-day start.",
        ),
        Hours("SA", "09:00", "12:00", "Saturday walk-in, 9 am to noon", attending_type="walk in"),
    ),
    "methadone": (
        Hours(
            WEEKDAYS,
            "06:00",
            "13:00",
            "Dosing Monday to Friday, 6 am to 1 pm",
            notes="New patients: arrive by 10 am for intake.",
        ),
        Hours("SA,SU", "07:00", "10:00", "Weekend dosing, 7 am to 10 am"),
    ),
    "hub": (
        Hours(
            WEEKDAYS,
            "10:00",
            "18:00",
            "Drop in Monday to Friday, 10 am to 6 pm",
            attending_type="walk in",
        ),
        Hours("SA", "11:00", "15:00", "Saturday, 11 am to 3 pm", attending_type="walk in"),
    ),
    "evening_drop_in": (
        Hours(
            "TU,TH",
            "17:30",
            "20:30",
            "Tuesday and Thursday evenings, 5:30 to 8:30 pm",
            attending_type="walk in",
        ),
    ),
    "always": (
        Hours(
            EVERY_DAY,
            "00:00",
            "00:00",
            "Open 24 hours, every day",
            attending_type="in person or by phone",
        ),
    ),
    "overnight": (
        Hours(
            EVERY_DAY,
            "19:00",
            "08:00",
            "Every night, 7 pm to 8 am",
            notes="Beds are given out from 7 pm; call ahead after 10 pm.",
        ),
    ),
    "weekly_group": (
        Hours(
            "WE", "18:30", "20:00", "Wednesday evenings, 6:30 to 8 pm", attending_type="in person"
        ),
    ),
    "groups": (
        Hours("MO,WE,FR", "12:00", "13:00", "Noon meetings Monday, Wednesday and Friday"),
        Hours("TU,TH", "19:00", "20:00", "Evening meetings Tuesday and Thursday"),
        Hours("SA", "10:00", "11:30", "Saturday morning meeting"),
    ),
    "appointment": (
        Hours(
            WEEKDAYS,
            "09:00",
            "16:30",
            "By appointment, Monday to Friday",
            attending_type="by appointment",
            notes="Call to book; most people are seen within a week.",
        ),
    ),
    "monthly_event": (
        Hours(
            "2SA", "10:00", "14:00", "Second Saturday of every month, 10 am to 2 pm", freq="MONTHLY"
        ),
    ),
    "pharmacy": (
        Hours(WEEKDAYS, "08:00", "21:00", "Monday to Friday, 8 am to 9 pm"),
        Hours("SA,SU", "09:00", "18:00", "Saturday and Sunday, 9 am to 6 pm"),
    ),
    "food": (
        Hours("WE", "16:00", "19:00", "Wednesday, 4 pm to 7 pm", attending_type="walk in"),
        Hours("SA", "09:00", "12:00", "Saturday, 9 am to noon", attending_type="walk in"),
    ),
    "meals": (
        Hours(
            EVERY_DAY,
            "11:30",
            "13:30",
            "Lunch every day, 11:30 am to 1:30 pm",
            attending_type="walk in",
        ),
        Hours(
            WEEKDAYS,
            "17:00",
            "18:30",
            "Supper Monday to Friday, 5 to 6:30 pm",
            attending_type="walk in",
        ),
    ),
    "outreach": (
        Hours(
            "MO,WE,FR",
            "13:00",
            "18:00",
            "Monday, Wednesday and Friday afternoons",
            attending_type="outreach van",
        ),
    ),
    "weekend": (Hours("SA,SU", "10:00", "16:00", "Saturday and Sunday, 10 am to 4 pm"),),
    "phone_line": (
        Hours(
            EVERY_DAY,
            "08:00",
            "22:00",
            "Every day, 8 am to 10 pm",
            attending_type="by phone or video",
        ),
    ),
}

# --- Capacity units -----------------------------------------------------------------------------

BEDS = "beds"
SAME_DAY = "same-day appointments"
WAITLIST = "waitlist places"
KITS = "naloxone kits"
UNITS: Mapping[str, str] = {
    BEDS: "Beds free tonight",
    SAME_DAY: "Same-day appointments left today",
    WAITLIST: "Places open on the waitlist",
    KITS: "Naloxone kits in stock",
}

# --- What to bring ------------------------------------------------------------------------------

ID_OPTIONAL = "Photo ID if you have one (you will not be turned away without it)"
INSURANCE = "Insurance or Medicaid card if you have one"
PROOF_OF_ADDRESS = "Proof of address (a letter or bill with your name)"
PROOF_OF_INCOME = "Proof of income, for the sliding scale"
MEDICATIONS = "A list of the medications you take, or the bottles"
REFERRAL = "A referral letter (your clinic or the court can send it)"
CHILDREN_DOCS = "Birth certificates or medical cards for your children"
COURT_PAPERS = "Any court papers or notices you have received"


# --- Service templates --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Capacity:
    unit: str
    low: int  # the maximum is drawn between low and high
    high: int


@dataclass(frozen=True, slots=True)
class Template:
    """What a kind of service is: written once, offered by many organizations."""

    name: str
    description: str
    terms: tuple[str, ...]
    hours: str
    capacity: tuple[Capacity, ...] = ()
    documents: tuple[str, ...] = ()
    cost: str = "free"  # free | sliding | insurance
    application: str = "Walk in; no referral or appointment needed."
    eligibility: str | None = None
    ages: tuple[int | None, int | None] | None = None
    wait: str | None = None
    languages: tuple[str, ...] = ()  # offered wherever the template is
    keywords: tuple[str, ...] = field(default=())  # other words people search with


TEMPLATES: Mapping[str, Template] = {
    # Medications for opioid use disorder
    "bup_same_day": Template(
        "Same-day buprenorphine start",
        "Start buprenorphine (Suboxone) today with a prescriber, without a waitlist. We see "
        "people in withdrawal or not yet in withdrawal, help with home starts and give a "
        "prescription or bridge doses until your next visit.",
        (BUP_SAME_DAY, WALK_IN, NO_ABSTINENCE),
        "walk_in_clinic",
        capacity=(Capacity(SAME_DAY, 4, 12),),
        documents=(ID_OPTIONAL, INSURANCE),
        cost="insurance",
        wait="Most people are seen within two hours.",
        keywords=("suboxone", "MOUD", "opioid treatment"),
    ),
    "bup_ed_bridge": Template(
        "Emergency department buprenorphine bridge",
        "Any time of day or night the emergency department can start buprenorphine, give "
        "take-home naloxone and book a follow-up at a clinic within 72 hours.",
        (BUP_SAME_DAY, NALOXONE, NO_ID, NO_ABSTINENCE),
        "always",
        application="Come to the emergency department and ask for the bridge clinic.",
        cost="insurance",
        keywords=("suboxone", "emergency", "overdose"),
    ),
    "bup_low_barrier": Template(
        "Low-barrier buprenorphine at the hub",
        "A prescriber at the drop-in starts buprenorphine the same day, with no appointment, no "
        "ID, no abstinence requirement and no charge. Missed visits are fine: come back.",
        (BUP_SAME_DAY, *LOW_BARRIER),
        "hub",
        capacity=(Capacity(SAME_DAY, 3, 8),),
        keywords=("suboxone", "no ID"),
    ),
    "bup_office": Template(
        "Buprenorphine treatment in primary care",
        "Your family doctor or nurse practitioner prescribes buprenorphine and follows up with "
        "the rest of your health care. New patients can often start the same day.",
        (BUP_SAME_DAY, OUTPATIENT),
        "appointment",
        capacity=(Capacity(SAME_DAY, 1, 4),),
        documents=(ID_OPTIONAL, INSURANCE, MEDICATIONS),
        cost="sliding",
        application="Call to book; ask for a same-day start if you are in withdrawal.",
        keywords=("suboxone", "family doctor"),
    ),
    "bup_telehealth": Template(
        "Buprenorphine by video",
        "Start or continue buprenorphine by video or phone with a prescriber licensed in "
        "Illinois; prescriptions go to the pharmacy of your choice.",
        (BUP_SAME_DAY, TELEHEALTH),
        "phone_line",
        capacity=(Capacity(SAME_DAY, 5, 20),),
        documents=(ID_OPTIONAL, INSURANCE),
        cost="sliding",
        application="Book online or call; a phone works if you do not have video.",
        keywords=("suboxone", "virtual", "online"),
    ),
    "bup_postpartum": Template(
        "Buprenorphine and care in pregnancy and after birth",
        "Treatment for opioid use during pregnancy and in the year after birth, with "
        "obstetric care, lactation support and child-care during visits.",
        (BUP_SAME_DAY, WOMEN, PARENTS, OUTPATIENT),
        "appointment",
        capacity=(Capacity(SAME_DAY, 1, 3),),
        documents=(ID_OPTIONAL, INSURANCE),
        cost="insurance",
        eligibility="Pregnant people and parents in the year after birth.",
        keywords=("pregnancy", "prenatal", "baby", "suboxone"),
    ),
    "methadone": Template(
        "Methadone treatment",
        "An opioid treatment program: daily methadone dosing with counseling, take-home "
        "doses as you become stable, and buprenorphine as an alternative.",
        (METHADONE, OUTPATIENT, COUNSELING),
        "methadone",
        capacity=(Capacity(WAITLIST, 0, 15),),
        documents=(ID_OPTIONAL, INSURANCE, MEDICATIONS),
        cost="insurance",
        application="Walk in for intake before 10 am on a weekday.",
        wait="Intake usually happens the day you come; dosing starts that day or the next.",
        keywords=("OTP", "opioid treatment program", "MOUD"),
    ),
    "naltrexone": Template(
        "Extended-release naltrexone (Vivitrol)",
        "Monthly naltrexone injections for opioid or alcohol use, with a nurse visit and "
        "counseling. Useful after a stay in jail, treatment or withdrawal management.",
        (NALTREXONE, OUTPATIENT),
        "appointment",
        documents=(INSURANCE, MEDICATIONS),
        cost="insurance",
        application="Call to book; you need to be off opioids for 7 to 10 days.",
        keywords=("vivitrol", "alcohol"),
    ),
    "naltrexone_telehealth": Template(
        "Naltrexone by video",
        "Naltrexone tablets for alcohol or opioid use, prescribed by video, with pharmacy "
        "pick-up and monthly check-ins.",
        (NALTREXONE, TELEHEALTH),
        "phone_line",
        documents=(INSURANCE,),
        cost="sliding",
        application="Book online or call.",
        keywords=("alcohol", "virtual"),
    ),
    # Treatment
    "withdrawal_inpatient": Template(
        "Medically managed withdrawal",
        "A short hospital stay to get through withdrawal from alcohol, opioids or other drugs "
        "safely, starting medication for opioid use disorder before you leave.",
        (WITHDRAWAL,),
        "always",
        capacity=(Capacity(BEDS, 4, 12),),
        documents=(ID_OPTIONAL, INSURANCE, MEDICATIONS),
        cost="insurance",
        application="Come to the emergency department or call the intake line.",
        keywords=("detox", "alcohol"),
    ),
    "withdrawal_social": Template(
        "Withdrawal management and sobering beds",
        "A calm, supervised place to rest and get through withdrawal, with nurses on site "
        "around the clock and help to start treatment after.",
        (WITHDRAWAL, NO_ID, FREE),
        "always",
        capacity=(Capacity(BEDS, 6, 16),),
        application="Walk in, or police, EMS and outreach can bring you.",
        keywords=("detox", "sobering"),
    ),
    "residential": Template(
        "Residential treatment",
        "A 28-to-90-day live-in program with counseling, groups, medication for opioid use "
        "disorder continued or started, and discharge planning for housing and work.",
        (RESIDENTIAL, COUNSELING),
        "always",
        capacity=(Capacity(BEDS, 10, 40), Capacity(WAITLIST, 0, 20)),
        documents=(INSURANCE, MEDICATIONS, REFERRAL),
        cost="insurance",
        application="Call for a phone assessment; self-referrals are welcome.",
        wait="Usually 1 to 3 weeks; same week for pregnant people.",
        ages=(18, None),
        keywords=("rehab", "inpatient"),
    ),
    "residential_mothers": Template(
        "Residential treatment for mothers with children",
        "Live-in treatment where children up to 12 stay with their parent, with a nursery, "
        "school transport and family counseling.",
        (RESIDENTIAL, WOMEN, PARENTS, FAMILY),
        "always",
        capacity=(Capacity(BEDS, 6, 14), Capacity(WAITLIST, 0, 10)),
        documents=(INSURANCE, CHILDREN_DOCS, MEDICATIONS),
        cost="insurance",
        application="Call for a phone assessment.",
        eligibility="Mothers and pregnant people, with children up to 12.",
        keywords=("rehab", "kids", "mothers"),
    ),
    "outpatient": Template(
        "Intensive outpatient program",
        "Three evenings a week of group and individual counseling for substance use and "
        "mental health, while you keep living at home and working.",
        (OUTPATIENT, COUNSELING),
        "office_long",
        capacity=(Capacity(WAITLIST, 0, 12),),
        documents=(INSURANCE, MEDICATIONS),
        cost="insurance",
        application="Call for an assessment; self-referrals are welcome.",
        wait="About one week.",
        keywords=("IOP", "rehab"),
    ),
    "counseling": Template(
        "Counseling for substance use",
        "One-to-one counseling with a licensed counselor, with or without medication, on your "
        "goals: stopping, cutting down or staying safer.",
        (COUNSELING, NO_ABSTINENCE),
        "appointment",
        documents=(INSURANCE, PROOF_OF_INCOME),
        cost="sliding",
        application="Call to book an intake.",
        wait="One to two weeks.",
        keywords=("therapy", "counselor"),
    ),
    "counseling_telehealth": Template(
        "Counseling by video",
        "Counseling sessions by video or phone, evenings included.",
        (COUNSELING, TELEHEALTH),
        "phone_line",
        documents=(INSURANCE,),
        cost="sliding",
        application="Book online or call.",
        keywords=("therapy", "virtual", "online"),
    ),
    "youth_counseling": Template(
        "Youth counseling and substance use support",
        "Confidential counseling for young people about drugs, alcohol, mood and family, "
        "after school hours included.",
        (COUNSELING, YOUTH),
        "office_long",
        cost="free",
        application="Young people can refer themselves; parents can call too.",
        ages=(12, 24),
        keywords=("teen", "young adults"),
    ),
    "co_occurring": Template(
        "Mental health and substance use clinic",
        "Assessment, psychiatry and counseling for people living with both mental health and "
        "substance use concerns, in one place.",
        (COUNSELING, OUTPATIENT, CRISIS),
        "appointment",
        documents=(INSURANCE, MEDICATIONS),
        cost="sliding",
        application="Call the intake line.",
        wait="Two weeks; urgent appointments within 48 hours.",
        keywords=("psychiatry", "dual diagnosis"),
    ),
    # Harm reduction
    "naloxone": Template(
        "Free naloxone (Narcan) kits",
        "Take as many naloxone kits as you need for yourself, your friends and family, with a "
        "two-minute how-to. No name, no questions.",
        (NALOXONE, NO_ID, FREE, WALK_IN),
        "office",
        capacity=(Capacity(KITS, 20, 200),),
        keywords=("narcan", "overdose"),
    ),
    "naloxone_vending": Template(
        "Naloxone vending machine",
        "A free vending machine with naloxone kits, fentanyl test strips and wound care "
        "supplies, open around the clock.",
        (NALOXONE, DRUG_CHECKING, NO_ID, FREE),
        "always",
        capacity=(Capacity(KITS, 30, 60),),
        application="Press the button; nothing to sign.",
        keywords=("narcan", "test strips"),
    ),
    "naloxone_pharmacy": Template(
        "Naloxone without a prescription",
        "Pharmacists give naloxone nasal spray without a prescription; free with most "
        "insurance and through the state program if you have none.",
        (NALOXONE, WALK_IN, NO_ID),
        "pharmacy",
        capacity=(Capacity(KITS, 5, 30),),
        cost="insurance",
        application="Ask at the pharmacy counter.",
        keywords=("narcan", "pharmacy"),
    ),
    "naloxone_mail": Template(
        "Naloxone by mail",
        "Order free naloxone and fentanyl test strips online or by text; they arrive in a "
        "plain envelope.",
        (NALOXONE, DRUG_CHECKING, TELEHEALTH, FREE, NO_ID),
        "phone_line",
        capacity=(Capacity(KITS, 100, 300),),
        application="Order online or text the number.",
        keywords=("narcan", "mail", "test strips"),
    ),
    "syringe": Template(
        "Syringe services",
        "New syringes and safer-use supplies, sharps disposal, wound care, HIV and hepatitis C "
        "testing, and a friendly place to talk.",
        (SYRINGE, NALOXONE, *LOW_BARRIER),
        "hub",
        keywords=("needle exchange", "SSP", "wound care", "hepatitis C"),
    ),
    "syringe_mobile": Template(
        "Mobile harm reduction van",
        "The van brings syringes, naloxone, test strips, food and a nurse to towns across the "
        "county on a set route.",
        (SYRINGE, NALOXONE, RURAL, *LOW_BARRIER),
        "outreach",
        keywords=("needle exchange", "outreach van", "rural"),
    ),
    "drug_checking": Template(
        "Drug checking",
        "Bring a small sample and learn what is in it (fentanyl, xylazine, nitazenes) with an "
        "FTIR spectrometer and test strips. Results in about 15 minutes; anonymous.",
        (DRUG_CHECKING, NO_ID, FREE, WALK_IN),
        "evening_drop_in",
        keywords=("fentanyl test strips", "xylazine", "FTIR"),
    ),
    "supervised": Template(
        "Overdose prevention site",
        "Use in a clean, safe space with trained staff who respond to overdoses, and connect to "
        "treatment, housing and health care when you want.",
        (SUPERVISED, NALOXONE, *LOW_BARRIER),
        "hub",
        keywords=("safe consumption", "OPS", "supervised consumption"),
    ),
    "lgbtq_night": Template(
        "2SLGBTQ+ harm reduction night",
        "A drop-in night run by and for queer and trans people who use drugs: supplies, food, "
        "peer support and a clinician.",
        (AFFIRMING, PEER, SYRINGE, *LOW_BARRIER),
        "weekly_group",
        keywords=("queer", "trans", "LGBTQ"),
    ),
    "women_drop_in": Template(
        "Women's drop-in",
        "A women-only space with harm reduction supplies, showers, clothing and a nurse.",
        (WOMEN, SYRINGE, *LOW_BARRIER),
        "evening_drop_in",
        keywords=("women only",),
    ),
    # Recovery and support
    "peer_drop_in": Template(
        "Peer support drop-in",
        "Talk with someone who has been there: peer recovery coaches with lived experience, "
        "coffee, phones and help with next steps. Any pathway to recovery is welcome.",
        (PEER, WALK_IN, NO_ABSTINENCE, FREE),
        "hub",
        keywords=("recovery coach", "lived experience"),
    ),
    "peer_coaching": Template(
        "Recovery coaching",
        "A recovery coach meets with you weekly, in person or by phone, for up to a year, "
        "including after a hospital visit or release from jail.",
        (PEER, FREE),
        "office",
        application="Call or ask any partner to refer you.",
        keywords=("recovery coach",),
    ),
    "peer_ed": Template(
        "Peer recovery coaches in the emergency department",
        "A peer recovery coach can come to your bedside after an overdose, day or night, and "
        "stay in touch after you leave.",
        (PEER, FREE, NO_ID),
        "always",
        application="Ask your nurse for the peer coach.",
        keywords=("overdose", "recovery coach"),
    ),
    "peer_phone": Template(
        "Recovery support line",
        "Call or text a peer in recovery, every day.",
        (PEER, TELEHEALTH, FREE),
        "phone_line",
        application="Call or text.",
        keywords=("warmline", "text"),
    ),
    "youth_peer": Template(
        "Youth recovery group",
        "A weekly group and activities for young people in or thinking about recovery.",
        (PEER, SUPPORT_GROUPS, YOUTH, FREE),
        "weekly_group",
        ages=(14, 24),
        keywords=("teen", "young adults"),
    ),
    "mutual_aid": Template(
        "Mutual-aid recovery meetings",
        "Open meetings of several fellowships (All Recovery, SMART Recovery, Narcotics "
        "Anonymous). Come as you are; no sign-up.",
        (SUPPORT_GROUPS, FREE, WALK_IN),
        "groups",
        keywords=("NA", "AA", "SMART recovery", "12 step"),
    ),
    "aa_meetings": Template(
        "Alcoholics Anonymous meetings",
        "Open AA meetings most days; newcomers welcome.",
        (SUPPORT_GROUPS, FREE, WALK_IN),
        "groups",
        keywords=("AA", "alcohol", "12 step"),
    ),
    "lgbtq_group": Template(
        "2SLGBTQ+ recovery and support group",
        "A weekly support group for queer, trans and Two-Spirit people affected by substance "
        "use, their own or a loved one's.",
        (SUPPORT_GROUPS, AFFIRMING, FREE),
        "weekly_group",
        keywords=("queer", "trans", "LGBTQ"),
    ),
    "faith_group": Template(
        "Faith-based recovery group",
        "A Christ-centered recovery program meeting weekly, with a meal; people of any faith or "
        "none are welcome.",
        (SUPPORT_GROUPS, FAITH, FREE),
        "weekly_group",
        keywords=("church", "celebrate recovery"),
    ),
    "talking_circle": Template(
        "Talking circle and wellness gathering",
        "A weekly circle led by Elders and Indigenous peer workers, with smudging, a meal and "
        "traditional teachings. Everyone is welcome.",
        (SUPPORT_GROUPS, INDIGENOUS, PEER, FREE),
        "weekly_group",
        languages=("oj",),
        keywords=("Native", "Elders", "culture"),
    ),
    "indigenous_counseling": Template(
        "Culturally rooted counseling",
        "Counseling that brings together clinical care and Indigenous ways of healing, with "
        "access to Elders and ceremony.",
        (COUNSELING, INDIGENOUS),
        "appointment",
        languages=("oj",),
        keywords=("Native", "Elders", "healing"),
    ),
    "family_group": Template(
        "Support for families and caregivers",
        "A group and one-to-one support for parents, partners and friends of someone who uses "
        "drugs, including CRAFT skills and naloxone training.",
        (FAMILY, SUPPORT_GROUPS, FREE),
        "weekly_group",
        keywords=("parents", "loved one", "CRAFT", "Al-Anon"),
    ),
    "grief_support": Template(
        "Support after an overdose death",
        "Grief support for families and friends who have lost someone to an overdose, with a "
        "monthly group and help with practical steps.",
        (FAMILY, SUPPORT_GROUPS, FREE),
        "appointment",
        application="Call; a support worker will call you back the same day.",
        keywords=("grief", "bereavement", "loss"),
    ),
    "parenting": Template(
        "Parenting and early childhood support",
        "Home visits, parenting groups, diapers and formula for parents of young children, "
        "including parents in recovery.",
        (PARENTS, FAMILY, FREE),
        "office",
        documents=(CHILDREN_DOCS,),
        eligibility="Pregnant people and parents of children under 5.",
        keywords=("baby", "diapers", "home visits"),
    ),
    "kinship": Template(
        "Kinship care support",
        "Help for grandparents and relatives raising children: benefits, legal guardianship, "
        "respite and a support group.",
        (FAMILY, LEGAL),
        "appointment",
        documents=(CHILDREN_DOCS, PROOF_OF_ADDRESS),
        keywords=("grandparents", "guardianship"),
    ),
    # Crisis
    "crisis_line": Template(
        "24-hour crisis line",
        "Call or text any time if you or someone you know is in crisis, thinking about suicide "
        "or worried about drug use. You can also call or text 988.",
        (CRISIS, TELEHEALTH, FREE, NO_ID),
        "always",
        application="Call or text the number, any time.",
        keywords=("988", "suicide", "hotline"),
    ),
    "crisis_stabilization": Template(
        "Crisis stabilization unit",
        "A short stay (up to 23 hours) in a calm place with mental health staff, instead of "
        "the emergency department, and a plan for after.",
        (CRISIS, WALK_IN, NO_ID),
        "always",
        capacity=(Capacity(BEDS, 6, 16),),
        application="Walk in any time, or the mobile crisis team can bring you.",
        keywords=("psychiatric", "suicide"),
    ),
    "mobile_crisis": Template(
        "Mobile crisis team",
        "A counselor and a peer come to you anywhere in the county, day or night, for a "
        "mental health or substance use crisis.",
        (CRISIS, RURAL, FREE),
        "always",
        application="Call the crisis line and ask for the mobile team.",
        keywords=("988", "outreach"),
    ),
    "psych_emergency": Template(
        "Psychiatric emergency care",
        "Emergency assessment and treatment for a mental health crisis, around the clock.",
        (CRISIS,),
        "always",
        cost="insurance",
        application="Come to the emergency department.",
        keywords=("psychiatric", "suicide"),
    ),
    "deflection": Template(
        "Police deflection to treatment",
        "Walk into the station, day or night, and ask for help with drug use: you will be "
        "connected to treatment with no charges for what you bring.",
        (PEER, CRISIS, NO_ID, FREE),
        "always",
        application="Walk in and say you want help with drug use.",
        keywords=("angel program", "police"),
    ),
    # Housing, food, legal
    "shelter": Template(
        "Low-barrier overnight shelter",
        "Emergency beds for adults, with partners and pets welcome, no sobriety requirement, "
        "storage, showers and a hot breakfast.",
        (HOUSING, *LOW_BARRIER),
        "overnight",
        capacity=(Capacity(BEDS, 20, 60),),
        application="Come after 7 pm; call ahead after 10 pm.",
        keywords=("homeless", "beds", "emergency shelter"),
    ),
    "warming_center": Template(
        "Winter warming center",
        "A warm place overnight from November to March, with cots, soup and naloxone on hand.",
        (HOUSING, FAITH, *LOW_BARRIER),
        "overnight",
        capacity=(Capacity(BEDS, 10, 30),),
        keywords=("homeless", "cold", "cots"),
    ),
    "housing_first": Template(
        "Housing First",
        "Permanent apartments with support, for people who have been homeless for a long time; "
        "no treatment or sobriety requirement.",
        (HOUSING, NO_ABSTINENCE),
        "office",
        capacity=(Capacity(WAITLIST, 0, 25),),
        documents=(ID_OPTIONAL,),
        application="Through coordinated entry: any outreach worker or shelter can refer.",
        wait="Placement depends on the waitlist; months for most.",
        keywords=("apartment", "homeless"),
    ),
    "coordinated_entry": Template(
        "Housing help and coordinated entry",
        "One place to ask for housing: an assessment for shelter, rapid rehousing, rent help "
        "and supportive housing.",
        (HOUSING, WALK_IN, FREE),
        "office",
        documents=(ID_OPTIONAL, PROOF_OF_INCOME),
        keywords=("rent", "eviction", "homeless"),
    ),
    "recovery_housing": Template(
        "Recovery housing",
        "Shared, peer-run homes for people in recovery, medication for opioid use disorder "
        "welcome.",
        (HOUSING, PEER),
        "office",
        capacity=(Capacity(BEDS, 4, 12), Capacity(WAITLIST, 0, 10)),
        documents=(ID_OPTIONAL, PROOF_OF_INCOME),
        cost="sliding",
        application="Call for an interview.",
        keywords=("sober living", "recovery home"),
    ),
    "family_housing": Template(
        "Supportive housing for families",
        "Apartments with case management for families with children, including parents in "
        "recovery.",
        (HOUSING, PARENTS, FAMILY),
        "office",
        capacity=(Capacity(WAITLIST, 0, 12),),
        documents=(CHILDREN_DOCS, PROOF_OF_INCOME),
        cost="sliding",
        keywords=("apartment", "children"),
    ),
    "survivor_shelter": Template(
        "Emergency shelter for survivors of violence",
        "A safe, confidential place to stay for people leaving domestic or sexual violence, "
        "with their children. The address is given only by phone.",
        (HOUSING, WOMEN, PARENTS, FREE),
        "always",
        capacity=(Capacity(BEDS, 8, 24),),
        application="Call the hotline, any time; staff will meet you somewhere safe.",
        keywords=("domestic violence", "abuse", "safe house"),
    ),
    "survivor_hotline": Template(
        "Domestic violence hotline",
        "Talk with an advocate any time about safety planning, shelter and legal protection.",
        (CRISIS, WOMEN, FREE, TELEHEALTH),
        "always",
        application="Call or text.",
        keywords=("domestic violence", "abuse", "hotline"),
    ),
    "youth_shelter": Template(
        "Youth emergency shelter",
        "Emergency beds for young people 12 to 24 with nowhere safe to stay; 2SLGBTQ+ young "
        "people especially welcome.",
        (HOUSING, YOUTH, AFFIRMING, FREE, NO_ID),
        "always",
        capacity=(Capacity(BEDS, 6, 16),),
        application="Call or come to the youth drop-in.",
        ages=(12, 24),
        keywords=("runaway", "homeless youth"),
    ),
    "youth_drop_in": Template(
        "Youth drop-in center",
        "Food, showers, laundry, phones and friendly staff for young people, after school and "
        "evenings.",
        (YOUTH, FOOD, AFFIRMING, WALK_IN, FREE),
        "evening_drop_in",
        ages=(12, 24),
        keywords=("teen", "meals", "LGBTQ"),
    ),
    "food_pantry": Template(
        "Food pantry",
        "Groceries once a week, fresh produce included; no proof of need.",
        (FOOD, FREE, NO_ID, WALK_IN),
        "food",
        keywords=("groceries", "food bank"),
    ),
    "mobile_pantry": Template(
        "Mobile food pantry",
        "A truck with groceries and produce that stops in rural towns once a month.",
        (FOOD, RURAL, FREE, NO_ID),
        "monthly_event",
        keywords=("groceries", "rural"),
    ),
    "meals": Template(
        "Community meals",
        "Hot meals for anyone who is hungry, no questions asked.",
        (FOOD, *LOW_BARRIER),
        "meals",
        keywords=("lunch", "supper", "soup kitchen"),
    ),
    "community_fridge": Template(
        "Community fridge and pantry shelf",
        "Take what you need, leave what you can: a fridge and shelf stocked by neighbors, with "
        "naloxone in the box beside it.",
        (FOOD, NALOXONE, FREE, NO_ID),
        "always",
        keywords=("free food", "mutual aid"),
    ),
    "snap": Template(
        "Food assistance (SNAP) and benefits enrolment",
        "Apply for SNAP, Medicaid and cash assistance with a caseworker, the same day.",
        (FOOD, WALK_IN, FREE),
        "office",
        documents=(ID_OPTIONAL, PROOF_OF_ADDRESS, PROOF_OF_INCOME),
        keywords=("food stamps", "medicaid", "benefits"),
    ),
    "legal_aid": Template(
        "Civil legal aid",
        "Free lawyers for eviction, benefits, debt, family and record-clearing matters for "
        "people with low incomes.",
        (LEGAL, FREE),
        "appointment",
        documents=(COURT_PAPERS, PROOF_OF_INCOME),
        keywords=("lawyer", "eviction", "expungement"),
    ),
    "record_clearing": Template(
        "Record clearing clinic",
        "Find out whether your record can be expunged or sealed, and file the papers with a "
        "volunteer lawyer.",
        (LEGAL, FREE, WALK_IN),
        "monthly_event",
        documents=(COURT_PAPERS,),
        keywords=("expungement", "criminal record"),
    ),
    "treatment_court": Template(
        "Treatment court",
        "A court program that offers treatment, housing and support instead of jail for "
        "people charged with offenses linked to substance use.",
        (LEGAL, OUTPATIENT),
        "office",
        documents=(COURT_PAPERS,),
        application="Ask your public defender or the court coordinator.",
        keywords=("drug court", "probation"),
    ),
    "immigration_legal": Template(
        "Immigration legal help",
        "Free consultations on immigration status, work permits and protection from "
        "exploitation, in Spanish, French and English.",
        (LEGAL, FREE),
        "appointment",
        languages=("es", "fr"),
        keywords=("immigration", "asylum"),
    ),
    "survivor_legal": Template(
        "Legal advocacy for survivors",
        "Advocates help with orders of protection, court dates and custody.",
        (LEGAL, WOMEN, FREE),
        "office",
        keywords=("order of protection", "domestic violence"),
    ),
    # Other
    "take_back_box": Template(
        "Medication take-back drop box",
        "Drop off unused or expired medications, opioids included, any time: no questions, "
        "no ID. Sharps and liquids are not accepted.",
        (TAKE_BACK, FREE, NO_ID),
        "always",
        application="Use the box in the lobby.",
        keywords=("drug disposal", "prescription drop off"),
    ),
    "take_back_kiosk": Template(
        "Medication take-back kiosk",
        "A kiosk in the pharmacy for unused and expired medications.",
        (TAKE_BACK, FREE, NO_ID),
        "pharmacy",
        keywords=("drug disposal",),
    ),
    "take_back_event": Template(
        "Medication take-back day",
        "Bring unused medications, sharps and naloxone questions to the monthly collection.",
        (TAKE_BACK, NALOXONE, FREE),
        "monthly_event",
        keywords=("drug disposal", "sharps"),
    ),
    "telehealth_booth": Template(
        "Private telehealth booth",
        "A quiet booth with a tablet and headphones for video visits with your doctor, "
        "counselor or prescriber; staff can help you connect.",
        (TELEHEALTH, FREE, NO_ID, WALK_IN),
        "office_long",
        application="Ask at the front desk; book ahead or walk in.",
        keywords=("video visit", "internet"),
    ),
    "rural_bup": Template(
        "Rural buprenorphine outreach",
        "A nurse and a peer in a van start buprenorphine with a prescriber by video, in towns "
        "without a clinic.",
        (BUP_SAME_DAY, TELEHEALTH, RURAL, NO_ABSTINENCE),
        "outreach",
        capacity=(Capacity(SAME_DAY, 2, 6),),
        cost="free",
        keywords=("suboxone", "van", "rural"),
    ),
    "newcomer_support": Template(
        "Support for newcomers and their families",
        "Peer support, referrals and help with forms for immigrant families, with workers who "
        "speak French, Swahili and Arabic.",
        (PEER, FAMILY, FREE),
        "office",
        languages=("fr", "sw", "ar"),
        keywords=("immigrant", "refugee", "francophone"),
    ),
}


# --- Riverbend's listings -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SiteSpec:
    """One location of an organization (a ``place`` of :data:`PLACES`)."""

    name: str
    place: str
    confidential: bool = False
    virtual: bool = False
    accessibility: str = "Step-free entrance and accessible washroom"
    transportation: str | None = None


@dataclass(frozen=True, slots=True)
class OfferSpec:
    """A service from a template, at some of the organization's sites (all by default)."""

    template: str
    sites: tuple[int, ...] = ()  # indexes into the organization's sites; () = all
    name: str | None = None
    stale: bool = False  # not verified for over 180 days (the demo's reminder and flag)
    room: bool = False  # has room in its capacity (the guide's searches find it)
    closed: bool = False  # temporarily closed (Riverbend's other listings are all active)


@dataclass(frozen=True, slots=True)
class ListingSpec:
    """A directory organization, the partner it is (when it is one), its sites and services."""

    name: str
    description: str
    partner: str | None  # a name from catalogue.MEMBERS or the coalition
    sites: tuple[SiteSpec, ...]
    offers: tuple[OfferSpec, ...]
    languages: tuple[str, ...] = ()  # besides English
    domain: str | None = None


def _offers(*items: str | tuple[str, tuple[int, ...]] | OfferSpec) -> tuple[OfferSpec, ...]:
    made: list[OfferSpec] = []
    for item in items:
        if isinstance(item, OfferSpec):
            made.append(item)
        elif isinstance(item, str):
            made.append(OfferSpec(item))
        else:
            made.append(OfferSpec(item[0], item[1]))
    return tuple(made)


BUS = "Bus route {n} stops at the door."

#: Riverbend's directory, organization by organization (partners first).
RIVERBEND: Sequence[ListingSpec] = (
    ListingSpec(
        "Riverbend Overdose Response Coalition",
        "The county's coalition of hospitals, clinics, harm reduction, recovery, housing and "
        "public services working to prevent overdose deaths.",
        cat.COALITION_NAME,
        (SiteSpec("Coalition office", "Market Square"),),
        # The coalition's admin and coordinator can try capacity and verification here.
        _offers("naloxone_mail", OfferSpec("grief_support", stale=True)),
        domain="riverbend-coalition.example",
    ),
    ListingSpec(
        "Riverbend General Hospital",
        "The county's largest hospital, with a 24-hour emergency department and an "
        "addiction medicine consult team.",
        "Riverbend General Hospital Emergency Department",
        (SiteSpec("Riverbend General Hospital", "Northside", transportation=BUS.format(n=4)),),
        _offers(
            "bup_ed_bridge",
            "withdrawal_inpatient",
            "psych_emergency",
            "peer_ed",
            "naloxone",
            "take_back_kiosk",
        ),
        languages=("es", "fr"),
        domain="riverbendgeneral.example",
    ),
    ListingSpec(
        "St. Luke's Medical Center",
        "A community hospital with an emergency department, a birthing center and an urgent "
        "care clinic in Mill Creek.",
        "St. Luke's Medical Center Emergency Department",
        (
            SiteSpec("St. Luke's Medical Center", "Eastbank", transportation=BUS.format(n=2)),
            SiteSpec("St. Luke's Urgent Care Mill Creek", "Mill Creek"),
        ),
        _offers(
            ("bup_ed_bridge", (0,)),
            ("withdrawal_inpatient", (0,)),
            ("bup_postpartum", (0,)),
            ("psych_emergency", (0,)),
            "take_back_kiosk",
            "naloxone_pharmacy",
        ),
        languages=("es", "uk"),
        domain="stlukes-riverbend.example",
    ),
    ListingSpec(
        "Northside MOUD Clinic",
        "Medications for opioid use disorder (buprenorphine, methadone, naltrexone) with "
        "counseling, for adults and young people, in English, French and Spanish.",
        "Northside MOUD Clinic",
        (
            SiteSpec("Northside MOUD Clinic", "Northside", transportation=BUS.format(n=4)),
            SiteSpec("Northside MOUD Clinic, Willow Bend satellite", "Willow Bend"),
        ),
        _offers(
            OfferSpec("bup_same_day", room=True),
            ("methadone", (0,)),
            "naltrexone",
            ("outpatient", (0,)),
            "counseling",
            ("bup_telehealth", (0,)),
            ("youth_counseling", (0,)),
        ),
        languages=("fr", "es"),
        domain="northsidemoud.example",
    ),
    ListingSpec(
        "Riverside Recovery Medicine",
        "An opioid treatment program with methadone and buprenorphine, a women's program and "
        "an intensive outpatient program.",
        "Riverside Recovery Medicine",
        (
            SiteSpec("Riverside Recovery Medicine", "Riverside", transportation=BUS.format(n=1)),
            SiteSpec("Riverside Recovery Medicine, Kettle Falls", "Kettle Falls"),
        ),
        _offers(
            "methadone",
            "bup_same_day",
            ("counseling", (0,)),
            ("outpatient", (0,)),
            OfferSpec("women_drop_in", (0,), "Women's recovery program drop-in"),
            "bup_telehealth",
        ),
        languages=("es",),
        domain="riversiderecovery.example",
    ),
    ListingSpec(
        "Mill Creek Family Health Center",
        "A federally qualified health center: primary care, dental, behavioral health and "
        "addiction treatment on a sliding scale.",
        "Mill Creek Family Health Center",
        (
            SiteSpec("Mill Creek Family Health Center", "Mill Creek"),
            SiteSpec("Stone Bridge Health Clinic", "Stone Bridge"),
        ),
        _offers(
            "bup_office",
            "naloxone",
            "counseling",
            ("parenting", (0,)),
            ("counseling_telehealth", (0,)),
            ("youth_counseling", (0,)),
        ),
        languages=("es",),
        domain="millcreekhealth.example",
    ),
    ListingSpec(
        "Eastbank Community Health Clinic",
        "A community health clinic for everyone, insured or not, with a rural clinic in "
        "Heron Point.",
        "Eastbank Community Health Clinic",
        (
            SiteSpec("Eastbank Community Health Clinic", "Eastbank"),
            SiteSpec("Heron Point Rural Clinic", "Heron Point"),
        ),
        _offers(
            "bup_office",
            "naloxone",
            ("co_occurring", (0,)),
            "telehealth_booth",
            ("rural_bup", (1,)),
        ),
        languages=("es", "vi", "zh"),
        domain="eastbankhealth.example",
    ),
    ListingSpec(
        "Harbor Street Harm Reduction Hub",
        "A low-barrier drop-in for people who use drugs: supplies, drug checking, an overdose "
        "prevention site, a prescriber, peers and a van that goes county-wide.",
        "Harbor Street Harm Reduction Hub",
        (
            SiteSpec("Harbor Street Hub", "Old Town", transportation=BUS.format(n=1)),
            SiteSpec("Van stop: Lower Ferry boat launch", "Lower Ferry", accessibility="Outdoors"),
            SiteSpec(
                "Van stop: Prairie View grain elevator lot",
                "Prairie View",
                accessibility="Outdoors",
            ),
            SiteSpec("Van stop: Kettle Falls depot", "Kettle Falls", accessibility="Outdoors"),
        ),
        _offers(
            ("syringe", (0,)),
            ("naloxone", (0,)),
            ("drug_checking", (0,)),
            ("supervised", (0,)),
            ("peer_drop_in", (0,)),
            ("bup_low_barrier", (0,)),
            ("lgbtq_night", (0,)),
            ("syringe_mobile", (1, 2, 3)),
            OfferSpec("naloxone_vending", (0,), "Naloxone vending machine outside the hub"),
        ),
        languages=("es", "fr"),
        domain="harborstreethub.example",
    ),
    ListingSpec(
        "Southside Syringe Services Program",
        "Syringe services, fentanyl test strips, wound care and testing on the south side, "
        "with a weekly pop-up in Kettle Falls.",
        "Southside Syringe Services Program",
        (SiteSpec("Southside SSP storefront", "Southside"),),
        _offers("syringe", "naloxone", "drug_checking", "women_drop_in"),
        languages=("es",),
        domain="southsidessp.example",
    ),
    ListingSpec(
        "Riverbend Recovery Coaches Network",
        "Certified peer recovery coaches in the hospitals, the jail, the courts and the community.",
        "Riverbend Recovery Coaches Network",
        (SiteSpec("Recovery Coaches Network office", "Old Town"),),
        _offers("peer_coaching", "peer_phone", "family_group", "mutual_aid"),
        languages=("es",),
        domain="riverbendcoaches.example",
    ),
    ListingSpec(
        "New Leaf Peer Recovery Center",
        "A recovery community center run by people in recovery: drop-in, meetings, youth "
        "programs and social events.",
        "New Leaf Peer Recovery Center",
        (SiteSpec("New Leaf Recovery Center", "Westbank"),),
        _offers("peer_drop_in", "mutual_aid", "youth_peer", "lgbtq_group", "peer_phone"),
        domain="newleafrecovery.example",
    ),
    ListingSpec(
        "Riverbend Behavioral Health",
        "Outpatient mental health and substance use care for all ages, by appointment and "
        "by video.",
        "Riverbend Behavioral Health",
        (
            SiteSpec("Riverbend Behavioral Health", "Old Town"),
            SiteSpec("Prairie View Counseling Office", "Prairie View"),
        ),
        _offers(
            "counseling",
            ("co_occurring", (0,)),
            "counseling_telehealth",
            "youth_counseling",
            ("outpatient", (0,)),
        ),
        languages=("es", "ase"),
        domain="riverbendbh.example",
    ),
    ListingSpec(
        "Two Bridges Crisis Center",
        "Crisis care around the clock: a phone and text line, a walk-in stabilization unit, "
        "sobering beds and a mobile team.",
        "Two Bridges Crisis Center",
        (
            SiteSpec("Two Bridges Crisis Center", "Southside", transportation=BUS.format(n=3)),
            SiteSpec("Two Bridges crisis line", "Southside", virtual=True),
        ),
        _offers(
            ("crisis_line", (1,)),
            ("crisis_stabilization", (0,)),
            ("mobile_crisis", (1,)),
            ("withdrawal_social", (0,)),
            ("counseling_telehealth", (1,)),
        ),
        languages=("es", "fr", "ase"),
        domain="twobridgescrisis.example",
    ),
    ListingSpec(
        "Riverbend Housing First",
        "Housing First apartments, coordinated entry and the county's low-barrier night shelter.",
        "Riverbend Housing First",
        (
            SiteSpec("Housing First office", "Market Square"),
            SiteSpec("Riverside Night Shelter", "Riverside", transportation=BUS.format(n=1)),
        ),
        _offers(
            ("housing_first", (0,)),
            ("coordinated_entry", (0,)),
            OfferSpec("shelter", (1,), room=True),
            OfferSpec("coordinated_entry", (1,), "Rapid rehousing"),
        ),
        languages=("es",),
        domain="riverbendhousingfirst.example",
    ),
    ListingSpec(
        "Cedar Street Supportive Housing",
        "Supportive and recovery housing, including apartments for families.",
        "Cedar Street Supportive Housing",
        (SiteSpec("Cedar Street Apartments", "Riverside"),),
        _offers("recovery_housing", "family_housing", "housing_first"),
        domain="cedarstreethousing.example",
    ),
    ListingSpec(
        "Riverbend County Human Services",
        "The county's benefits, child welfare and family support offices.",
        "Riverbend County Human Services",
        (
            SiteSpec("County Services Building", "Market Square", transportation=BUS.format(n=2)),
            SiteSpec("Mill Creek county office", "Mill Creek"),
        ),
        _offers("snap", "coordinated_entry", ("kinship", (0,)), ("parenting", (0,))),
        languages=("es", "ar", "fr"),
        domain="riverbendcounty.example",
    ),
    ListingSpec(
        "Family Resource Center of Riverbend",
        "Support for families: parenting groups, a family pantry and after-school programs.",
        "Family Resource Center of Riverbend",
        (SiteSpec("Family Resource Center", "Eastbank"),),
        _offers("parenting", "family_group", "food_pantry", "youth_drop_in", "kinship"),
        languages=("es",),
        domain="riverbendfamilies.example",
    ),
    ListingSpec(
        "Riverbend Police Service",
        "The city police, with a deflection program and a medication drop box at every station.",
        "Riverbend Police Service",
        (
            SiteSpec("Police headquarters", "Market Square"),
            SiteSpec("Northside district station", "Northside"),
        ),
        _offers("take_back_box", ("deflection", (0,)), ("naloxone", (0,))),
        domain="riverbendpolice.example",
    ),
    ListingSpec(
        "Riverbend County Treatment Court",
        "Treatment court and record-clearing help at the county courthouse.",
        "Riverbend County Treatment Court",
        (SiteSpec("Riverbend County Courthouse", "Old Town"),),
        _offers("treatment_court", "record_clearing"),
        domain="riverbendcourts.example",
    ),
    ListingSpec(
        "Riverbend County Public Health Department",
        "Naloxone, syringe services, drug-checking alerts and take-back days across the county.",
        "Riverbend County Public Health Department",
        (
            SiteSpec("Public Health Department", "Old Town"),
            SiteSpec("Heron Point field office", "Heron Point"),
        ),
        _offers(
            "naloxone",
            ("syringe", (0,)),
            ("drug_checking", (0,)),
            "take_back_event",
            ("take_back_box", (0,)),
            ("syringe_mobile", (1,)),
        ),
        languages=("es", "fr"),
        domain="riverbendhealth.example",
    ),
    ListingSpec(
        "St. Brigid's Community Kitchen",
        "Hot meals, a pantry and a winter warming center in the parish hall.",
        "St. Brigid's Community Kitchen",
        (SiteSpec("St. Brigid's parish hall", "Southside"),),
        _offers("meals", "food_pantry", "warming_center"),
        languages=("es", "uk"),
        domain="stbrigids.example",
    ),
    ListingSpec(
        "Grace Fellowship Recovery Ministry",
        "A church community offering recovery groups, family support and naloxone.",
        "Grace Fellowship Recovery Ministry",
        (SiteSpec("Grace Fellowship Church", "Westbank"),),
        _offers(
            "faith_group", OfferSpec("family_group", name="Faith-based family support"), "naloxone"
        ),
        domain="gracefellowship.example",
    ),
    ListingSpec(
        "Two Rivers Indigenous Health Circle",
        "An Indigenous-led health center: primary care, culturally rooted counseling, "
        "ceremony and medications for opioid use disorder.",
        "Two Rivers Indigenous Health Circle",
        (
            SiteSpec("Two Rivers Lodge", "Riverside"),
            SiteSpec("Heron Point gathering place", "Heron Point"),
        ),
        _offers(
            "indigenous_counseling",
            "talking_circle",
            OfferSpec("peer_coaching", (0,), "Indigenous peer support"),
            OfferSpec("bup_same_day", (0,), "Same-day buprenorphine at the Lodge"),
            OfferSpec("family_group", (0,), "Family healing circle"),
        ),
        languages=("oj",),
        domain="tworivershealth.example",
    ),
    ListingSpec(
        "Riverbend Neighbors Mutual Aid",
        "Neighbors helping neighbors: a community fridge, naloxone and a free pantry.",
        "Riverbend Neighbors Mutual Aid",
        (SiteSpec("Community fridge at the Old Town co-op", "Old Town"),),
        _offers("community_fridge", "naloxone_vending", "mutual_aid"),
        domain="riverbendneighbors.example",
    ),
    ListingSpec(
        "Riverbend County Office of the Medical Examiner",
        "Support for families after a death, including after an overdose.",
        "Riverbend County Office of the Medical Examiner",
        (SiteSpec("Medical Examiner's Office", "Ironworks"),),
        _offers(OfferSpec("grief_support", name="Family liaison after an overdose death")),
        domain="riverbendcounty.example",
    ),
    ListingSpec(
        "Riverbend County Opioid Settlement Office",
        "Funds naloxone vending machines and harm reduction across the county.",
        "Riverbend County Opioid Settlement Office",
        (
            SiteSpec("Vending machine: Riverbend Transit Center", "Market Square"),
            SiteSpec("Vending machine: Kettle Falls library", "Kettle Falls"),
        ),
        _offers("naloxone_vending"),
        domain="riverbendcounty.example",
    ),
    # Listings of organizations that are not (yet) partners
    ListingSpec(
        "Riverbend Area Food Bank",
        "The regional food bank: a warehouse pantry and a mobile pantry for rural towns.",
        None,
        (
            SiteSpec("Food bank warehouse", "Ironworks"),
            SiteSpec("Mobile pantry stop: Prairie View", "Prairie View", accessibility="Outdoors"),
        ),
        _offers(("food_pantry", (0,)), ("mobile_pantry", (1,))),
        languages=("es",),
        domain="riverbendfoodbank.example",
    ),
    ListingSpec(
        "Prairie Legal Aid",
        "Free civil legal help for people with low incomes in the region.",
        None,
        (SiteSpec("Prairie Legal Aid, Riverbend office", "Market Square"),),
        _offers("legal_aid", "record_clearing", "kinship"),
        languages=("es",),
        domain="prairielegalaid.example",
    ),
    ListingSpec(
        "Safe Harbor Domestic Violence Services",
        "Shelter, a 24-hour hotline and legal advocacy for survivors of domestic and sexual "
        "violence and their children.",
        None,
        (
            SiteSpec("Safe Harbor shelter", "Westbank", confidential=True),
            SiteSpec("Safe Harbor outreach office", "Market Square"),
        ),
        _offers(("survivor_shelter", (0,)), ("survivor_hotline", (1,)), ("survivor_legal", (1,))),
        languages=("es", "fr"),
        domain="safeharbor-riverbend.example",
    ),
    ListingSpec(
        "Riverbend Youth Haven",
        "A drop-in center and emergency shelter for young people.",
        None,
        (
            SiteSpec("Youth Haven drop-in", "Northside"),
            SiteSpec("Youth Haven shelter", "Eastbank", confidential=True),
        ),
        _offers(("youth_drop_in", (0,)), ("youth_shelter", (1,)), ("youth_counseling", (0,))),
        domain="youthhaven.example",
    ),
    ListingSpec(
        "Willow Bend Recovery Lodge",
        "Residential treatment and medically monitored withdrawal in the countryside.",
        None,
        (SiteSpec("Willow Bend Recovery Lodge", "Willow Bend"),),
        _offers("residential", "withdrawal_social", "family_group"),
        domain="willowbendlodge.example",
    ),
    ListingSpec(
        "Heartland Pharmacy",
        "Neighbourhood pharmacies with naloxone without a prescription and take-back kiosks.",
        None,
        (
            SiteSpec("Heartland Pharmacy Old Town", "Old Town"),
            SiteSpec("Heartland Pharmacy Kettle Falls", "Kettle Falls"),
        ),
        _offers("naloxone_pharmacy", "take_back_kiosk"),
        languages=("es",),
        domain="heartlandpharmacy.example",
    ),
    ListingSpec(
        "Riverbend Public Library",
        "Free telehealth booths and naloxone at the library.",
        None,
        (SiteSpec("Lower Ferry branch library", "Lower Ferry"),),
        _offers(
            OfferSpec("telehealth_booth", closed=True),
            OfferSpec("naloxone", name="Naloxone at the library"),
        ),
        languages=("es", "zh"),
        domain="riverbendlibrary.example",
    ),
    ListingSpec(
        "Riverbend Area Intergroup",
        "Schedules of AA, NA and Al-Anon meetings around the county.",
        None,
        (SiteSpec("Kettle Falls Community Center", "Kettle Falls"),),
        _offers(
            "aa_meetings",
            OfferSpec("mutual_aid", name="Narcotics Anonymous meetings"),
            OfferSpec("family_group", name="Al-Anon and Nar-Anon family groups"),
        ),
        domain="riverbendintergroup.example",
    ),
    ListingSpec(
        "Rainbow Riverbend",
        "The 2SLGBTQ+ community center: support groups, peer support and referrals.",
        None,
        (SiteSpec("Rainbow Riverbend Center", "Eastbank"),),
        _offers(
            "lgbtq_group",
            OfferSpec("peer_drop_in", name="Queer peer support drop-in"),
            "youth_drop_in",
        ),
        domain="rainbowriverbend.example",
    ),
    ListingSpec(
        "Mothers First Recovery",
        "Treatment and housing for mothers and pregnant people, with their children.",
        None,
        (SiteSpec("Mothers First House", "Southside", confidential=True),),
        _offers("residential_mothers", "bup_postpartum"),
        domain="mothersfirst.example",
    ),
    ListingSpec(
        "La Casa del Río",
        "A Latino community center: counseling, family support, a pantry and immigration "
        "legal help, in Spanish.",
        None,
        (SiteSpec("La Casa del Río", "Southside"),),
        _offers(
            OfferSpec("counseling", name="Consejería en español"),
            "family_group",
            "food_pantry",
            "immigration_legal",
            "snap",
        ),
        languages=("es",),
        domain="casadelrio.example",
    ),
    ListingSpec(
        "Rural Route Recovery",
        "A mobile clinic bringing buprenorphine and naloxone to the county's small towns.",
        None,
        (SiteSpec("Van stop: Stone Bridge", "Stone Bridge", accessibility="Outdoors"),),
        _offers("rural_bup", OfferSpec("syringe_mobile", name="Rural naloxone and supplies")),
        domain="ruralrouterecovery.example",
    ),
    ListingSpec(
        "Maison Afrique Riverbend",
        "A community center for African newcomers, in French, Swahili, Arabic and English.",
        None,
        (SiteSpec("Maison Afrique", "Northside"),),
        _offers(
            "newcomer_support",
            OfferSpec("family_group", name="Groupe de soutien familial"),
            "food_pantry",
        ),
        languages=("fr", "sw", "ar"),
        domain="maisonafrique.example",
    ),
    ListingSpec(
        "Bridge to Care Telehealth",
        "Treatment for opioid and alcohol use by video, anywhere in Illinois.",
        None,
        (SiteSpec("Bridge to Care (online)", "Old Town", virtual=True),),
        _offers("bup_telehealth", "naltrexone_telehealth"),
        languages=("es", "fr"),
        domain="bridgetocare.example",
    ),
)

# --- The crowd of the larger scales --------------------------------------------------------------

#: What kinds of organization the crowd has, how often, and what they offer (templates, each
#: with the chance an organization of that kind offers it).
CROWD_KINDS: Mapping[str, tuple[int, tuple[tuple[str, float], ...], tuple[str, ...]]] = {
    # kind: (weight, ((template, probability), ...), name patterns)
    "treatment_clinic": (
        6,
        (
            ("bup_same_day", 0.9),
            ("methadone", 0.4),
            ("naltrexone", 0.6),
            ("outpatient", 0.5),
            ("counseling", 0.7),
            ("bup_telehealth", 0.3),
            ("youth_counseling", 0.15),
            ("bup_postpartum", 0.1),
            ("naloxone", 0.5),
        ),
        ("{place} MOUD Clinic", "{place} Opioid Treatment Program", "{place} Recovery Medicine"),
    ),
    "primary_care": (
        7,
        (
            ("bup_office", 0.7),
            ("naloxone", 0.6),
            ("counseling", 0.5),
            ("parenting", 0.2),
            ("counseling_telehealth", 0.3),
            ("co_occurring", 0.2),
            ("telehealth_booth", 0.1),
        ),
        ("{place} Family Health Center", "{place} Community Health Clinic"),
    ),
    "hospital": (
        2,
        (
            ("bup_ed_bridge", 0.8),
            ("withdrawal_inpatient", 0.6),
            ("psych_emergency", 0.7),
            ("peer_ed", 0.4),
            ("naloxone", 0.6),
            ("take_back_kiosk", 0.4),
            ("bup_postpartum", 0.2),
        ),
        ("{place} Hospital", "{place} Medical Center"),
    ),
    "harm_reduction": (
        5,
        (
            ("syringe", 0.9),
            ("naloxone", 0.95),
            ("drug_checking", 0.5),
            ("peer_drop_in", 0.5),
            ("bup_low_barrier", 0.3),
            ("syringe_mobile", 0.4),
            ("women_drop_in", 0.15),
            ("lgbtq_night", 0.1),
            ("supervised", 0.03),
            ("naloxone_vending", 0.2),
        ),
        ("{place} Harm Reduction Hub", "{place} Syringe Services Program"),
    ),
    "recovery": (
        5,
        (
            ("peer_drop_in", 0.7),
            ("peer_coaching", 0.6),
            ("mutual_aid", 0.7),
            ("youth_peer", 0.2),
            ("family_group", 0.5),
            ("peer_phone", 0.2),
            ("lgbtq_group", 0.1),
            ("recovery_housing", 0.3),
        ),
        ("{place} Recovery Community Center", "{place} Peer Recovery Network"),
    ),
    "mental_health": (
        5,
        (
            ("counseling", 0.8),
            ("co_occurring", 0.5),
            ("counseling_telehealth", 0.5),
            ("youth_counseling", 0.4),
            ("crisis_line", 0.2),
            ("crisis_stabilization", 0.15),
            ("mobile_crisis", 0.2),
            ("outpatient", 0.3),
        ),
        ("{place} Counseling Center", "{place} Behavioral Health"),
    ),
    "residential": (
        2,
        (
            ("residential", 0.95),
            ("withdrawal_social", 0.5),
            ("family_group", 0.4),
            ("residential_mothers", 0.1),
        ),
        ("{place} Recovery Lodge", "{place} Treatment Center"),
    ),
    "housing": (
        4,
        (
            ("shelter", 0.5),
            ("housing_first", 0.5),
            ("coordinated_entry", 0.6),
            ("recovery_housing", 0.3),
            ("family_housing", 0.3),
            ("meals", 0.3),
        ),
        ("{place} Housing Services", "{place} Shelter"),
    ),
    "food": (
        5,
        (
            ("food_pantry", 0.95),
            ("mobile_pantry", 0.3),
            ("meals", 0.4),
            ("snap", 0.3),
            ("community_fridge", 0.2),
        ),
        ("{place} Food Pantry", "{place} Community Kitchen", "{place} Food Bank"),
    ),
    "legal": (
        2,
        (
            ("legal_aid", 0.95),
            ("record_clearing", 0.5),
            ("kinship", 0.3),
            ("immigration_legal", 0.2),
        ),
        ("{place} Legal Aid", "{place} Legal Clinic"),
    ),
    "faith": (
        4,
        (
            ("faith_group", 0.8),
            ("meals", 0.4),
            ("food_pantry", 0.4),
            ("warming_center", 0.2),
            ("family_group", 0.3),
            ("naloxone", 0.3),
        ),
        (
            "{place} Interfaith Pantry",
            "{place} Congregational Care Ministry",
            "First Church of {place}",
        ),
    ),
    "indigenous": (
        1,
        (
            ("indigenous_counseling", 0.8),
            ("talking_circle", 0.8),
            ("peer_coaching", 0.5),
            ("bup_same_day", 0.3),
            ("family_group", 0.5),
        ),
        ("{place} Native Wellness Lodge", "{place} Indigenous Family Services"),
    ),
    "pharmacy": (
        6,
        (("naloxone_pharmacy", 0.95), ("take_back_kiosk", 0.6)),
        ("{place} Pharmacy", "{place} Drug Store"),
    ),
    "public": (
        3,
        (
            ("take_back_box", 0.6),
            ("deflection", 0.2),
            ("naloxone", 0.6),
            ("take_back_event", 0.3),
            ("snap", 0.3),
            ("telehealth_booth", 0.2),
            ("naloxone_vending", 0.2),
        ),
        ("{place} Police Department", "{place} Public Health Office", "{place} Public Library"),
    ),
    "family": (
        3,
        (
            ("parenting", 0.7),
            ("family_group", 0.6),
            ("kinship", 0.3),
            ("youth_drop_in", 0.4),
            ("youth_shelter", 0.1),
            ("grief_support", 0.2),
        ),
        ("{place} Family Resource Center", "{place} Youth Services"),
    ),
    "survivors": (
        1,
        (("survivor_shelter", 0.9), ("survivor_hotline", 0.8), ("survivor_legal", 0.5)),
        ("{place} Domestic Violence Services", "{place} Women's Shelter"),
    ),
}

#: The partner sectors and the crowd kind their directory listing takes.
SECTOR_KIND: Mapping[str, str] = {
    cat.EMERGENCY_DEPARTMENT: "hospital",
    cat.TREATMENT_CLINIC: "treatment_clinic",
    cat.PRIMARY_CARE: "primary_care",
    cat.HARM_REDUCTION: "harm_reduction",
    cat.PEER_RECOVERY: "recovery",
    cat.MENTAL_HEALTH: "mental_health",
    cat.HOUSING: "housing",
    cat.SOCIAL_SERVICES: "family",
    cat.POLICE_JUSTICE: "public",
    cat.PUBLIC_HEALTH: "public",
    cat.COMMUNITY: "food",
    cat.FAITH_BASED: "faith",
    cat.INDIGENOUS_LED: "indigenous",
    cat.GOVERNMENT: "public",
}

#: Streets of the crowd's towns.
STREETS: Sequence[str] = (
    "Main Street",
    "Washington Street",
    "Lincoln Avenue",
    "Oak Street",
    "Maple Avenue",
    "Elm Street",
    "Park Avenue",
    "Church Street",
    "Mill Street",
    "Walnut Street",
    "Jefferson Street",
    "Grant Avenue",
    "Prairie Road",
    "River Road",
    "State Street",
    "Market Street",
    "Depot Street",
    "Spring Street",
    "Highland Avenue",
    "Sunset Drive",
    "Cedar Lane",
    "2nd Street",
    "3rd Street",
    "4th Street",
    "5th Street",
    "College Avenue",
    "Railroad Street",
    "Court Street",
)

#: Syllables for the crowd's town names.
TOWN_FIRST: Sequence[str] = (
    "Ash",
    "Bear",
    "Birch",
    "Black",
    "Blue",
    "Brook",
    "Cedar",
    "Clear",
    "Cotton",
    "Crow",
    "Deer",
    "Eagle",
    "Elk",
    "Fair",
    "Fox",
    "Glen",
    "Gold",
    "Green",
    "Hart",
    "Hazel",
    "High",
    "Iron",
    "Lake",
    "Lime",
    "Linden",
    "Long",
    "Maple",
    "Marsh",
    "Meadow",
    "Mill",
    "Oak",
    "Pine",
    "Plum",
    "Prairie",
    "Red",
    "Rock",
    "Rose",
    "Salt",
    "Sand",
    "Shady",
    "Silver",
    "Spring",
    "Stone",
    "Sugar",
    "Swan",
    "Timber",
    "Walnut",
    "West",
    "White",
    "Willow",
    "Wolf",
)
TOWN_LAST: Sequence[str] = (
    "burg",
    "by",
    "dale",
    "field",
    "ford",
    "grove",
    "haven",
    "hill",
    "land",
    "mont",
    "port",
    "ridge",
    "ton",
    "ville",
    "wood",
    " Falls",
    " Springs",
    " Creek",
    " Junction",
    " Center",
    " City",
    " Heights",
    " Prairie",
    " Point",
)
