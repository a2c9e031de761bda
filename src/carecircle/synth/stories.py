"""The story clients: what the personas find when they sign in to the demo.

Each story exercises one part of the privacy core (a consent naming an organization, a
sector-wide consent, a refusal, an expired, revoked or pending consent, emergency access
reviewed or awaiting review) and every planned entry is checked against the rules kernel.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

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
    GoalPlan,
    ProfilePlan,
    ReferralPlan,
    ReferralStep,
    Roster,
    SupportPlan,
    TaskPlan,
)
from carecircle.synth.referrals import (
    PURPOSE,
    ServiceRef,
    check_history,
    consent_for,
    created_days_ago,
    disclosed_classes,
    final_status,
    sender_classes,
)

REQ, REC = "requester", "receiver"


@dataclass(frozen=True)
class StoryReferral:
    """A referral in a story: who asks whom for which service, and what happened, step by
    step (``ReferralStep`` hours after it was made). The consent it needs is found among the
    person's, or taken (with ``capture``) when none lets it go there."""

    requester: str
    requester_org: str
    receiver: str
    receiver_org: str
    service: str  # the service's name among the receiving organization's listings
    urgency: str
    reason: str
    steps: tuple[ReferralStep, ...]
    age_hours: float
    overdue: str = ""
    capture: str = "signature"
    accompanied_by: str = ""
    transport: str = ""
    handoff_notes: str = ""
    appointment_hours: float | None = None
    do_not_contact: bool = False


def story_clients(
    roster: Roster, targets: Mapping[str, Sequence[ServiceRef]] | None = None
) -> list[ClientPlan]:
    slug = {o.name: o.slug for o in roster.organizations}
    ed, moud, hub = slug[cat.ED], slug[cat.MOUD_CLINIC], slug[cat.HUB]
    peer, housing, police = slug[cat.PEER_ORG], slug[cat.HOUSING_ORG], slug[cat.POLICE]
    circle = slug[cat.INDIGENOUS_ORG]
    moud_clinician = roster.first(moud, cat.CLINICIAN)
    hub_case_manager = roster.first(hub, cat.CASE_MANAGER)
    hub_clinician = roster.first(hub, cat.CLINICIAN)
    circle_clinician = roster.first(circle, cat.CLINICIAN)
    police_case_manager = roster.first(police, cat.CASE_MANAGER)
    peer_coach = next(u for u in roster.by_role[(peer, cat.PEER_WORKER)] if u != "pat")
    behavioral = slug["Riverbend Behavioral Health"]
    riverside = slug["Riverside Recovery Medicine"]
    cedar = slug["Cedar Street Supportive Housing"]
    crisis = slug["Two Bridges Crisis Center"]
    mill_creek = slug["Mill Creek Family Health Center"]
    eastbank = slug["Eastbank Community Health Clinic"]
    stories: list[ClientPlan] = []
    targets = targets or {}

    def service(org_name: str, name: str) -> ServiceRef:
        found = [s for s in targets.get(slug[org_name], ()) if s.name == name]
        if not found:
            # Without the directory (some tests plan the stories alone) the name is enough.
            return ServiceRef(None, name, "general")
        return found[0]

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
        profile: ProfilePlan | None = None,
        supports: Sequence[SupportPlan] = (),
        goals: Sequence[GoalPlan] = (),
        referrals: Sequence[tuple[StoryReferral, str]] = (),  # and the data class
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
        for goal in goals:
            role = roster.role(goal.author, goal.organization)
            if not judge.permits(
                organization=goal.organization, role=role, data_class=goal.data_class
            ):
                raise RuntimeError(f"the policy would refuse {goal.author}'s {goal.domain} goal")
        taken: list[ConsentPlan] = []
        made: list[ReferralPlan] = []
        team = frozenset(m.organization for m in care_team)
        for story, data_class in referrals:
            role = roster.role(story.requester, story.requester_org)
            requester_sector = roster.by_slug[story.requester_org].sector
            for c in sender_classes(data_class, requester_sector):
                if not judge.decide(
                    organization=story.requester_org, role=role, data_class=c, purpose=PURPOSE
                ):
                    raise RuntimeError(f"{story.requester} may not refer with {c} information")
            classes = disclosed_classes(
                data_class, requester_sector, roster.by_slug[story.receiver_org].sector
            )
            every = (*consents, *taken)
            index = consent_for(
                every,
                roster,
                receiver=story.receiver_org,
                data_classes=classes,
                purpose=PURPOSE,
                care_team=team,
            )
            if index == -1:
                raise RuntimeError(f"{key} refused sharing with {story.receiver_org}")
            fresh = index is None
            if index is None:
                taken.append(
                    ConsentPlan(
                        "permit",
                        classes,
                        PURPOSES_CARE,
                        organizations=(story.receiver_org,),
                        # Substance-use information goes only under a signed consent.
                        capture="signature"
                        if "substance_use" in classes and story.capture == "verbal"
                        else story.capture,
                    )
                )
                index = len(every)
            ref = service(roster.by_slug[story.receiver_org].name, story.service)
            plan = ReferralPlan(
                requester_org=story.requester_org,
                requester=story.requester,
                receiver_org=story.receiver_org,
                receiver=story.receiver,
                service_id=ref.id,
                service_name=ref.name if ref.id else "",
                data_class=data_class,
                purpose=PURPOSE,
                consent_index=index,
                urgency=story.urgency,
                reason=story.reason if ref.id else f"{ref.name}. {story.reason}",
                do_not_contact=story.do_not_contact,
                status=final_status(story.steps),
                steps=story.steps,
                age_hours=story.age_hours,
                overdue=story.overdue,
                accompanied_by=story.accompanied_by,
                transport=story.transport,
                handoff_notes=story.handoff_notes,
                appointment_hours=story.appointment_hours,
                waitlist=ref.full,
            )
            check_history(plan)
            made.append(plan)
            if fresh:  # the consent was given when the person was referred
                taken[-1] = replace(taken[-1], start_days=-(created_days_ago(plan) + 1))
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
                profile=profile or ProfilePlan(identification="alias" if name else "pseudonymous"),
                supports=tuple(supports),
                goals=tuple(goals),
                referral_consents=tuple(taken),
                referrals=tuple(made),
            )
        )

    def step(kind: str, side: str, hours: float, to: str = "", reason: str = "") -> ReferralStep:
        return ReferralStep(kind, side, hours, to, reason)

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
                capture="signature",
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
        profile=ProfilePlan(
            identification="alias",
            gender_identity="Man",
            pronouns="he/him",
            languages=("en",),
            housing_status="precarious",
            phone="(217) 555-0142",
            safe_to_text="yes",
            safe_to_voicemail="no",
            safe_contact_time="After 3 pm",
            contact_notes="Text first; do not mention the hospital on voicemail.",
        ),
        supports=(SupportPlan("Renee", "family", "My sister", "(217) 555-0187", True, True),),
        goals=(
            GoalPlan(
                "treatment",
                "Keep going with buprenorphine and not miss my pickups.",
                "substance_use",
                "active",
                "alice",
                ed,
                tasks=(
                    TaskPlan(
                        "Pick up the bridge prescription at the pharmacy", ed, None, True, -3, -3
                    ),
                    TaskPlan("Call the recovery coach after the first week", peer, "pat", False, 4),
                ),
            ),
            GoalPlan(
                "housing",
                "Stop couch surfing before winter.",
                "general",
                "active",
                "pat",
                peer,
                tasks=(
                    TaskPlan("Fill in the coordinated entry assessment", peer, "pat", False, -2),
                ),
            ),
        ),
        referrals=(
            # In Carlos's inbox: past its four-hour deadline, and the clinic was reminded.
            (
                StoryReferral(
                    "alice",
                    ed,
                    moud_clinician,
                    moud,
                    "Same-day buprenorphine start",
                    "urgent",
                    "Started buprenorphine 16 mg in the ED after an overdose; wants to continue "
                    "at Northside. The bridge prescription covers 7 days.",
                    (step("create", REQ, 0, "requested"),),
                    age_hours=2.0,
                    overdue="reminded",
                    accompanied_by="Pat (peer recovery coach)",
                    transport="Hospital taxi voucher",
                    handoff_notes="Prefers to be called Jordan. Anxious in waiting rooms; "
                    "please greet him at the door.",
                    appointment_hours=30,
                ),
                "substance_use",
            ),
            (
                StoryReferral(
                    "alice",
                    ed,
                    roster.first(behavioral, cat.CLINICIAN),
                    behavioral,
                    "Mental health and substance use clinic",
                    "routine",
                    "Low mood and poor sleep since the overdose; agreed to counselling.",
                    (
                        step("create", REQ, 0, "requested"),
                        step("move", REC, 20, "accepted"),
                        step("appointment", REC, 21),
                        step("move", REC, 70, "in-progress"),
                        step("outcome", REC, 75, "enrolled"),
                    ),
                    age_hours=24 * 21,
                    capture="verbal",
                    accompanied_by="Pat (peer recovery coach)",
                    transport="Peer coach drives",
                    appointment_hours=68,
                ),
                "mental_health",
            ),
            (
                StoryReferral(
                    "pat",
                    ed,
                    peer_coach,
                    peer,
                    "Recovery coaching",
                    "routine",
                    "Would like a recovery coach to meet him after discharge.",
                    (
                        step("create", REQ, 0, "requested"),
                        step("move", REC, 3, "accepted"),
                        step("move", REC, 30, "in-progress"),
                    ),
                    age_hours=24 * 9,
                ),
                "substance_use",
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
        profile=ProfilePlan(
            identification="alias",
            alias="Sunny",
            gender_identity="Non-binary",
            pronouns="they/them",
            housing_status="unsheltered",
            safe_contact_time="Tuesdays at the hub",
        ),
        referrals=(
            # In Carlos's inbox: accepted, with Omar bringing Sam to the first appointment.
            (
                StoryReferral(
                    hub_clinician,
                    hub,
                    moud_clinician,
                    moud,
                    "Same-day buprenorphine start",
                    "urgent",
                    "Wants to start buprenorphine; last use yesterday evening.",
                    (
                        step("create", REQ, 0, "requested"),
                        step("move", REC, 1.5, "accepted"),
                        step("appointment", REC, 2),
                    ),
                    age_hours=26,
                    accompanied_by="Omar (outreach worker)",
                    transport="Outreach van pick-up at the hub",
                    appointment_hours=66,
                ),
                "substance_use",
            ),
            # In Hana's inbox: unanswered a day past its deadline, so the worker reminded
            # Housing First and escalated it to its admin; Omar sees that too.
            (
                StoryReferral(
                    "omar",
                    hub,
                    "hana",
                    housing,
                    "Housing help and coordinated entry",
                    "routine",
                    "Sleeping outside since the shelter closed for the season; needs housing help.",
                    (step("create", REQ, 0, "requested"),),
                    age_hours=30,
                    overdue="escalated",
                    capture="verbal",
                    do_not_contact=True,
                ),
                "general",
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
        profile=ProfilePlan(
            identification="identified",
            legal_given_name="Maria",
            legal_family_name="Gutierrez",
            birth_year=1987,
            gender_identity="Woman",
            pronouns="she/her",
            languages=("es", "en"),
            housing_status="shelter",
            parent_status="parent",
            phone="(309) 555-0110",
            safe_to_text="yes",
            safe_to_voicemail="yes",
            safe_contact_time="Weekday mornings",
        ),
        supports=(
            SupportPlan("Lucia", "family", "My mom", "(309) 555-0161", True, True),
            SupportPlan("Ana P.", "chosen_family", "Chosen family, like a sister to me"),
        ),
        goals=(
            GoalPlan(
                "housing",
                "A place of my own where I can lock the door.",
                "general",
                "active",
                "hana",
                housing,
                tasks=(
                    TaskPlan(
                        "Check the waitlist position with Housing First", housing, "hana", False, 10
                    ),
                    TaskPlan("Gather proof of income for the application", housing, None, True, -5),
                ),
            ),
        ),
        referrals=(
            # In Hana's inbox: waitlisted (on hold) for Housing First. Her clinician refers her:
            # a referral from a treatment clinic says the person is in treatment, so the sender
            # must be someone who sees substance-use information (not Carlos, at intake).
            (
                StoryReferral(
                    moud_clinician,
                    moud,
                    "hana",
                    housing,
                    "Housing First",
                    "routine",
                    "Living at the shelter with her son; stable on methadone and ready for "
                    "housing.",
                    (
                        step("create", REQ, 0, "requested"),
                        step("move", REC, 30, "accepted"),
                        step("outcome", REC, 50, "waitlisted", "Waitlisted"),
                    ),
                    age_hours=24 * 40,
                ),
                "general",
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
                capture="paper",
                note="Paper form signed at intake; original kept in the locked cabinet.",
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
        referrals=(
            # In Carlos's inbox, within its deadline; the clinic reaches Dee through Pat.
            (
                StoryReferral(
                    "pat",
                    peer,
                    moud_clinician,
                    moud,
                    "Methadone treatment",
                    "routine",
                    "In recovery for eight months on buprenorphine; asked to try methadone "
                    "after a hard month.",
                    (step("create", REQ, 0, "requested"),),
                    age_hours=20,
                    do_not_contact=True,
                ),
                "substance_use",
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
        referrals=(
            # In Hana's inbox: accepted.
            (
                StoryReferral(
                    "lee",
                    police,
                    "hana",
                    housing,
                    "Housing help and coordinated entry",
                    "routine",
                    "Met on a co-responder call; sleeping in a car and wants housing help.",
                    (step("create", REQ, 0, "requested"), step("move", REC, 20, "accepted")),
                    age_hours=24 * 3,
                ),
                "general",
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
                capture="signature",
            ),
        ),
        entries=(
            (circle_clinician, circle, "general", "Prefers appointments with a family member."),
            (circle_clinician, circle, "mental_health", "Talking circle twice a month helps."),
            (circle_clinician, circle, "substance_use", "Wants to start buprenorphine next week."),
        ),
        referrals=(
            # In Carlos's inbox: not completed the first time, reopened when Tomás asked.
            (
                StoryReferral(
                    circle_clinician,
                    circle,
                    moud_clinician,
                    moud,
                    "Same-day buprenorphine start",
                    "routine",
                    "Wants to start buprenorphine with a family member there.",
                    (
                        step("create", REQ, 0, "requested"),
                        step("move", REC, 20, "accepted"),
                        step(
                            "outcome",
                            REC,
                            120,
                            "not_enrolled",
                            "Did not come to the two appointments offered; outreach could not "
                            "reach them.",
                        ),
                        step("reopen", REC, 300, "in-progress", "The person asked to try again."),
                    ),
                    age_hours=24 * 16,
                ),
                "substance_use",
            ),
        ),
    )
    # Avery: Alice's patient, whose referrals went every other way.
    add(
        "story-avery",
        ed,
        "alice",
        "Avery M.",
        "",
        care_team=(CareTeamPlan(ed, "alice", cat.CLINICIAN, is_lead=True),),
        entries=(
            (
                "alice",
                ed,
                "health",
                "Abscess on the left forearm drained; antibiotics started, wound check in 2 days.",
            ),
            ("alice", ed, "substance_use", "Uses fentanyl most days; interested in methadone."),
        ),
        profile=ProfilePlan(
            identification="identified",
            legal_given_name="Avery",
            legal_family_name="Mitchell",
            birth_year=1991,
            gender_identity="Non-binary",
            pronouns="they/them",
            housing_status="unsheltered",
            phone="(217) 555-0175",
            safe_to_text="yes",
        ),
        referrals=(
            (
                StoryReferral(
                    "alice",
                    ed,
                    roster.first(riverside, cat.CLINICIAN),
                    riverside,
                    "Methadone treatment",
                    "routine",
                    "Asked for methadone after two overdoses this year; prefers a morning "
                    "dosing slot.",
                    (
                        step("create", REQ, 0, "requested"),
                        step("move", REC, 30, "accepted"),
                        step("appointment", REC, 31),
                        step(
                            "outcome",
                            REC,
                            200,
                            "not_enrolled",
                            "Chose to continue with the low-barrier program at the hub instead.",
                        ),
                    ),
                    age_hours=24 * 35,
                    appointment_hours=80,
                ),
                "substance_use",
            ),
            (
                StoryReferral(
                    "alice",
                    ed,
                    roster.first(cedar, cat.CASE_MANAGER),
                    cedar,
                    "Recovery housing",
                    "routine",
                    "Needs a bed; cannot go back to the last address.",
                    (
                        step("create", REQ, 0, "requested"),
                        step(
                            "move",
                            REC,
                            40,
                            "rejected",
                            "No openings this month and no waitlist; please try coordinated entry.",
                        ),
                    ),
                    age_hours=24 * 30,
                    capture="verbal",
                ),
                "general",
            ),
            (
                StoryReferral(
                    "alice",
                    ed,
                    roster.first(crisis, cat.CLINICIAN),
                    crisis,
                    "Crisis stabilization unit",
                    "urgent",
                    "Safety plan made in the ED; needs a crisis follow-up within 72 hours.",
                    (
                        step("create", REQ, 0, "requested"),
                        step(
                            "move",
                            REQ,
                            2,
                            "cancelled",
                            "The person was admitted to hospital; will refer again at discharge.",
                        ),
                    ),
                    age_hours=24 * 12,
                    capture="verbal",
                ),
                "mental_health",
            ),
            (
                StoryReferral(
                    "alice",
                    ed,
                    roster.first(mill_creek, cat.CLINICIAN),
                    mill_creek,
                    "Primary care follow-up visit",
                    "routine",
                    "Abscess drained in the ED; needs a wound check in 2 days.",
                    (step("create", REQ, 0, "draft"),),
                    age_hours=3,
                    capture="verbal",
                ),
                "health",
            ),
            (
                StoryReferral(
                    "alice",
                    ed,
                    roster.first(eastbank, cat.CLINICIAN),
                    eastbank,
                    "Wound care follow-up",
                    "routine",
                    "Wound check in 2 days.",
                    (
                        step("create", REQ, 0, "requested"),
                        step("move", REQ, 0.3, "entered-in-error", "Sent for the wrong person."),
                    ),
                    age_hours=24 * 6,
                    capture="verbal",
                ),
                "health",
            ),
        ),
    )
    return stories
