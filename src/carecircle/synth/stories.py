"""The story clients: what the personas find when they sign in to the demo.

Each story exercises one part of the privacy core (a consent naming an organization, a
sector-wide consent, a refusal, an expired, revoked or pending consent, emergency access
reviewed or awaiting review) and every planned entry is checked against the rules kernel.
"""

from __future__ import annotations

from collections.abc import Sequence

from carecircle.synth import catalogue as cat
from carecircle.synth.model import (
    ALL_PURPOSES,
    PROTECTED,
    PURPOSES_CARE,
    CareTeamPlan,
    ClientPlan,
    ConsentPlan,
    EmergencyPlan,
    EntryJudge,
    Roster,
)


def story_clients(roster: Roster) -> list[ClientPlan]:
    slug = {o.name: o.slug for o in roster.organizations}
    ed, moud, hub = slug[cat.ED], slug[cat.MOUD_CLINIC], slug[cat.HUB]
    peer, housing, police = slug[cat.PEER_ORG], slug[cat.HOUSING_ORG], slug[cat.POLICE]
    circle = slug[cat.INDIGENOUS_ORG]
    moud_clinician = roster.first(moud, cat.CLINICIAN)
    hub_case_manager = roster.first(hub, cat.CASE_MANAGER)
    circle_clinician = roster.first(circle, cat.CLINICIAN)
    police_case_manager = roster.first(police, cat.CASE_MANAGER)
    stories: list[ClientPlan] = []

    def add(
        key: str,
        owner: str,
        creator: str,
        name: str,
        code: str,
        *,
        care_team: Sequence[CareTeamPlan] = (),
        consents: Sequence[ConsentPlan] = (),
        entries: Sequence[tuple[str, str, str, str]] = (),  # author, org, class, body
        emergencies: Sequence[EmergencyPlan] = (),
    ) -> None:
        judge = EntryJudge(roster, owner=owner, care_team=care_team, consents=consents)
        planned = []
        for author, org, data_class, body in entries:
            role = roster.role(author, org)
            entry = judge.entry(
                author=author, organization=org, role=role, data_class=data_class, body=body
            )
            if entry is None:  # a mistake in the stories, not in the data
                raise RuntimeError(f"the policy would refuse {author}'s {data_class} entry")
            planned.append(entry)
        stories.append(
            ClientPlan(
                key=key,
                owner=owner,
                creator=creator,
                preferred_name=name,
                identifier_code=code,
                care_team=tuple(care_team),
                consents=tuple(consents),
                entries=tuple(planned),
                emergencies=tuple(emergencies),
            )
        )

    # Jordan: seen by Alice after an overdose; Pat coaches at the bedside and afterwards.
    add(
        "story-jordan",
        ed,
        "alice",
        "Jordan R.",
        "RB-JR2041",
        care_team=(
            CareTeamPlan(ed, "alice", cat.CLINICIAN, is_lead=True),
            CareTeamPlan(peer, "pat", cat.PEER_WORKER),
            CareTeamPlan(moud, None, ""),
        ),
        consents=(
            ConsentPlan(
                "permit",
                ("substance_use",),
                PURPOSES_CARE,
                organizations=(moud,),
                care_team=True,
            ),
        ),
        entries=(
            ("alice", ed, "general", "Prefers to be called Jordan; best reached by text."),
            (
                "alice",
                ed,
                "health",
                "Brought in by EMS after an opioid overdose; responded to naloxone. "
                "Observed four hours, vitals stable at discharge.",
            ),
            (
                "alice",
                ed,
                "substance_use",
                "Started buprenorphine 16 mg in the ED; bridge prescription for 7 days. "
                "Referred to Northside MOUD Clinic with the person's consent.",
            ),
            (
                "pat",
                ed,
                "substance_use",
                "Peer coach met Jordan at the bedside; Jordan wants to keep going with "
                "treatment and agreed to a follow-up call on Thursday.",
            ),
            (
                "pat",
                peer,
                "mental_health",
                "Follow-up call: sleeping better, anxious about work. Offered the "
                "Thursday support circle.",
            ),
        ),
    )
    # Sam: a hub participant who asked that the police co-responders know their health needs.
    add(
        "story-sam",
        hub,
        "omar",
        "Sam",
        "",
        care_team=(
            CareTeamPlan(hub, "omar", cat.OUTREACH_WORKER, is_lead=True),
            CareTeamPlan(police, "lee", cat.CASE_MANAGER),
        ),
        consents=(
            ConsentPlan(
                "permit",
                ("general", "harm_reduction", "health"),
                PURPOSES_CARE,
                organizations=(police,),
            ),
        ),
        entries=(
            ("omar", hub, "general", "Sleeps near the Bluff Street bridge; drops in Tuesdays."),
            (
                "omar",
                hub,
                "harm_reduction",
                "Took two naloxone kits and fentanyl test strips; reviewed overdose "
                "response. Sam asked that the co-responders know about the kits.",
            ),
            (
                hub_case_manager,
                hub,
                "health",
                "Has a seizure disorder; carries medication. Co-responders should call EMS "
                "for any seizure (Sam asked us to share this).",
            ),
        ),
    )
    # Riley: known to the hub by a code only; refused police access. Alice broke the glass.
    add(
        "story-riley",
        hub,
        "omar",
        "",
        "RB-7Q2M4K",
        care_team=(CareTeamPlan(hub, "omar", cat.OUTREACH_WORKER, is_lead=True),),
        consents=(
            ConsentPlan(
                "deny",
                PROTECTED,
                ALL_PURPOSES,
                sectors=(cat.POLICE_JUSTICE,),
            ),
        ),
        entries=(
            (
                "omar",
                hub,
                "harm_reduction",
                "Participant uses the drug-checking service weekly; results shared back.",
            ),
            (hub_case_manager, hub, "health", "Abscess on the right calf; walk-in clinic today."),
        ),
        emergencies=(
            EmergencyPlan("alice", ed, cat.EMERGENCY_REASONS[2]),  # awaits the hub admin
        ),
    )
    # Maria: in treatment at the MOUD clinic; Hana helps with housing.
    add(
        "story-maria",
        moud,
        "carlos",
        "Maria",
        "RB-MG1187",
        care_team=(
            CareTeamPlan(moud, moud_clinician, cat.CLINICIAN, is_lead=True),
            CareTeamPlan(housing, "hana", cat.CASE_MANAGER),
        ),
        consents=(
            ConsentPlan(
                "permit", ("general", "health"), ("care_coordination",), sectors=(cat.HOUSING,)
            ),
        ),
        entries=(
            ("carlos", moud, "general", "Intake completed; prefers morning appointments."),
            (
                moud_clinician,
                moud,
                "substance_use",
                "Methadone dose steady at 80 mg; take-home doses approved for weekends.",
            ),
            (moud_clinician, moud, "health", "Asthma; inhaler renewed. Hepatitis C test negative."),
            ("hana", housing, "general", "On the Riverbend Housing First waitlist since May."),
        ),
        emergencies=(
            EmergencyPlan(
                "alice",
                ed,
                cat.EMERGENCY_REASONS[1],
                reviewer=roster.admin(moud),
                outcome="justified",
                note="Unresponsive on arrival; dosing needed the treatment history.",
            ),
        ),
    )
    # Dee: Pat's participant, with an expired and a revoked consent.
    add(
        "story-dee",
        peer,
        "pat",
        "Dee",
        "",
        care_team=(CareTeamPlan(peer, "pat", cat.PEER_WORKER, is_lead=True),),
        consents=(
            ConsentPlan(
                "permit",
                ("substance_use",),
                PURPOSES_CARE,
                organizations=(ed,),
                state="expired",
                start_days=-400,
                end_days=-30,
            ),
            ConsentPlan(
                "permit",
                ("general", "mental_health"),
                ("care_coordination",),
                sectors=(cat.HOUSING,),
                state="revoked",
                start_days=-90,
                revoke_reason=cat.CONSENT_REVOKE_REASONS[0],
            ),
        ),
        entries=(
            ("pat", peer, "general", "Meets Pat at the library on Wednesdays."),
            (
                "pat",
                peer,
                "substance_use",
                "Dee has been in recovery for eight months; celebrating with the group.",
            ),
        ),
    )
    # A code-only tenant of Housing First whose justice record the co-responders may see.
    add(
        "story-tenant",
        housing,
        "hana",
        "",
        "RB-H4X9TD",
        care_team=(CareTeamPlan(housing, "hana", cat.CASE_MANAGER, is_lead=True),),
        consents=(
            ConsentPlan(
                "permit", ("general", "justice"), ("care_coordination",), organizations=(police,)
            ),
            ConsentPlan("deny", ("mental_health",), ALL_PURPOSES, sectors=(cat.POLICE_JUSTICE,)),
        ),
        entries=(
            ("hana", housing, "general", "Moved into a Cedar Street unit; keys handed over."),
            ("hana", housing, "health", "Uses a walker; ground-floor unit requested."),
            ("hana", housing, "justice", "Court date on Friday; co-responder offered a ride."),
        ),
    )
    # Met by Lee on a co-responder call; the hub and housing are on the care team.
    add(
        "story-corey",
        police,
        "lee",
        "Corey",
        "",
        care_team=(
            CareTeamPlan(police, "lee", cat.CASE_MANAGER, is_lead=True),
            CareTeamPlan(hub, "omar", cat.OUTREACH_WORKER),
            CareTeamPlan(housing, None, ""),
        ),
        consents=(
            ConsentPlan(
                "permit",
                ("general",),
                ("care_coordination",),
                sectors=(cat.HARM_REDUCTION, cat.HOUSING),
            ),
        ),
        entries=(
            ("lee", police, "general", "Met on a welfare check; agreed to a call from the hub."),
            (
                police_case_manager,
                police,
                "justice",
                "Diversion offered instead of a citation; Corey accepted.",
            ),
            (
                "omar",
                hub,
                "harm_reduction",
                "Followed up after the co-responder visit; naloxone kit given.",
            ),
        ),
    )
    # Tomás: at the Indigenous health circle, with a consent that starts next week.
    add(
        "story-tomas",
        circle,
        circle_clinician,
        "Tomás",
        "",
        care_team=(
            CareTeamPlan(circle, circle_clinician, cat.CLINICIAN, is_lead=True),
            CareTeamPlan(peer, "pat", cat.PEER_WORKER),
        ),
        consents=(
            ConsentPlan(
                "permit",
                ("substance_use",),
                PURPOSES_CARE,
                care_team=True,
                state="pending",
                start_days=7,
            ),
        ),
        entries=(
            (circle_clinician, circle, "general", "Prefers appointments with a family member."),
            (circle_clinician, circle, "mental_health", "Talking circle twice a month helps."),
            (circle_clinician, circle, "substance_use", "Wants to start buprenorphine next week."),
        ),
    )
    return stories
