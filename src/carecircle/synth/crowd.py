"""The crowd: Riverbend's many clients, generated one at a time from the seed.

Pure Python. Every entry is checked against the rules kernel while planning, so the writer
never meets a refusal and the bulk path can record the same basis the policy would give.
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from itertools import accumulate
from typing import TypeVar

from faker import Faker

from carecircle.privacy import rules
from carecircle.synth import catalogue as cat
from carecircle.synth.careplan import CarePlanner
from carecircle.synth.model import (
    ALL_PURPOSES,
    PROTECTED,
    PURPOSES_CARE,
    CareTeamPlan,
    ClientPlan,
    ConsentPlan,
    EmergencyPlan,
    EntryJudge,
    EntryPlan,
    NamePool,
    OrgPlan,
    Roster,
    ScaleSpec,
)
from carecircle.synth.people import captured, profile, supports
from carecircle.synth.referrals import ReferralPlanner, ServiceRef, referral_count

T = TypeVar("T")

_CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I

#: How to fill each placeholder of the entry texts; only the ones a text uses are drawn.
_FILLERS: dict[str, Callable[[random.Random], object]] = {
    "place": lambda rng: rng.choice(cat.PLACES),
    "day": lambda rng: rng.choice(cat.DAYS),
    "days": lambda rng: rng.choice((3, 5, 7, 14)),
    "dose": lambda rng: rng.choice((8, 12, 16, 24)),
    "dose0": lambda rng: rng.choice((60, 80, 100, 120)),
    "bp": lambda rng: f"{rng.randint(110, 160)}/{rng.randint(70, 100)}",
    "phq": lambda rng: rng.randint(4, 22),
    "n": lambda rng: rng.randint(1, 3),
}
_TEXTS: dict[str, list[tuple[str, tuple[str, ...]]]] = {
    data_class: [
        (text, tuple(name for _, name, _, _ in string.Formatter().parse(text) if name))
        for text in texts
    ]
    for data_class, texts in cat.ENTRY_TEXTS.items()
}


class Crowd:
    """Generates the random clients one at a time, from its own seeded Faker and Random.

    The hot path picks with ``seq[int(random() * len(seq))]`` rather than ``Random.choice``:
    the large scale makes a few million picks and ``choice`` costs three times as much.
    """

    def __init__(
        self,
        *,
        seed: int,
        spec: ScaleSpec,
        organizations: Sequence[OrgPlan],
        roster: Roster,
        targets: Mapping[str, Sequence[ServiceRef]] | None = None,
    ) -> None:
        self.roster, self.spec = roster, spec
        fake = Faker("en_US")
        fake.seed_instance(seed)
        self.rng = random.Random(f"riverbend-clients-{seed}")
        # Connected care (profiles, care plans, referrals) draws from its own stream, so the
        # records, consents and entries above stay those the seed always gave.
        self.care_rng = random.Random(f"riverbend-connected-care-{seed}")
        self.names = NamePool(fake, spec.name_pool)
        self.care_planner = CarePlanner(roster)
        self.referral_planner = ReferralPlanner(roster, targets or {})
        self.codes: set[str] = set()
        owners = [
            (o.slug, cat.OWNER_WEIGHTS[o.sector])
            for o in organizations
            if not o.is_coalition and o.sector in cat.OWNER_WEIGHTS
        ]
        self.owners = [slug for slug, _ in owners]
        self.owner_weights = list(accumulate(w for _, w in owners))
        self.creators = {
            slug: [(u, r) for u, r in roster.members[slug] if r not in (cat.ANALYST, cat.ORG_ADMIN)]
            for slug in self.owners
        }
        self.partners = {
            slug: [
                partner
                for sector in cat.CARE_PARTNERS[roster.by_slug[slug].sector]
                for partner in roster.by_sector.get(sector, ())
            ]
            for slug in self.owners
        }
        self.writers: dict[tuple[str, str], list[tuple[str, str]]] = {}
        self.police = roster.by_sector.get(cat.POLICE_JUSTICE, [])
        self.emergency_departments = roster.by_sector[cat.EMERGENCY_DEPARTMENT]

    def _pick(self, seq: Sequence[T]) -> T:
        return seq[int(self.rng.random() * len(seq))]

    def _writers(self, slug: str, data_class: str) -> list[tuple[str, str]]:
        key = (slug, data_class)
        if key not in self.writers:
            self.writers[key] = self.roster.who_may_write(slug, data_class)
        return self.writers[key]

    def _code(self) -> str:
        while True:
            code = "RB-" + "".join(self.rng.choices(_CODE_ALPHABET, k=6))
            if code not in self.codes:
                self.codes.add(code)
                return code

    def _text(self, data_class: str) -> str:
        text, names = self._pick(_TEXTS[data_class])
        return text.format(**{name: _FILLERS[name](self.rng) for name in names}) if names else text

    def _consent(self, partners: Sequence[str]) -> ConsentPlan:
        rng = self.rng
        kind = rng.choices(
            ("care_team_su", "housing", "partner", "police", "deny_police", "deny_research"),
            (35, 20, 15, 5, 15, 10),
        )[0]
        if kind == "care_team_su" or (kind == "partner" and not partners):
            consent = ConsentPlan("permit", ("substance_use",), PURPOSES_CARE, care_team=True)
        elif kind == "housing":
            consent = ConsentPlan(
                "permit", ("general", "health"), ("care_coordination",), sectors=(cat.HOUSING,)
            )
        elif kind == "partner":
            consent = ConsentPlan(
                "permit",
                ("general", "health", "mental_health"),
                PURPOSES_CARE,
                organizations=(rng.choice(partners),),
            )
        elif kind == "police" and self.police:
            consent = ConsentPlan(
                "permit",
                ("general", "harm_reduction", "justice"),
                ("care_coordination",),
                organizations=(rng.choice(self.police),),
            )
        elif kind == "deny_research":
            consent = ConsentPlan(
                "deny", rules.ALL_CLASSES, ("research",), sectors=(cat.PUBLIC_HEALTH,)
            )
        else:
            return ConsentPlan("deny", PROTECTED, ALL_PURPOSES, sectors=(cat.POLICE_JUSTICE,))
        state = rng.choices(("active", "expired", "revoked", "pending"), (70, 12, 12, 6))[0]
        if state == "expired":
            end = -rng.randint(5, 150)
            start = end - rng.randint(60, 365)
            return replace(consent, state=state, start_days=start, end_days=end)
        if state == "revoked":
            return replace(
                consent,
                state=state,
                start_days=-rng.randint(10, 300),
                revoke_reason=rng.choice(cat.CONSENT_REVOKE_REASONS),
            )
        if state == "pending":
            return replace(consent, state=state, start_days=rng.randint(3, 30))
        return consent

    def client(self, i: int) -> ClientPlan:
        rng, roster, pick = self.rng, self.roster, self._pick
        owner_slug = rng.choices(self.owners, cum_weights=self.owner_weights)[0]
        owner = roster.by_slug[owner_slug]
        creator, creator_role = pick(self.creators[owner_slug])
        named = rng.random() < 0.65
        name = ""
        if named:
            name = self.names.first(rng)
            if rng.random() < 0.4:
                name += f" {self.names.last(rng)[0]}."
        code = self._code() if not named or rng.random() < 0.5 else ""

        team: list[CareTeamPlan] = []
        if rng.random() < 0.5:
            team.append(CareTeamPlan(owner_slug, creator, creator_role, is_lead=True))
        candidates = self.partners[owner_slug]
        partners: list[str] = []
        if candidates:
            k = rng.choices((0, 1, 2), (50, 35, 15))[0]
            partners = list(dict.fromkeys(pick(candidates) for _ in range(k)))
        for slug in partners:
            if rng.random() < 0.5:
                username, role = pick(roster.members[slug])
                team.append(CareTeamPlan(slug, username, role))
            else:
                team.append(CareTeamPlan(slug, None, ""))

        consents: list[ConsentPlan] = []
        if rng.random() < 0.3:
            consents.append(self._consent(partners))
        if rng.random() < 0.05:
            consents.append(
                ConsentPlan("deny", PROTECTED, ALL_PURPOSES, sectors=(cat.POLICE_JUSTICE,))
            )

        judge = EntryJudge(roster, owner=owner_slug, care_team=team, consents=consents)
        entries: list[EntryPlan] = []
        low, high = self.spec.entries
        for _ in range(low + int(rng.random() * (high - low + 1))):
            data_class = pick(cat.SECTOR_CLASSES[owner.sector])
            # Most entries come from the owner; some from a partner on the care team.
            org = pick(partners) if partners and rng.random() < 0.2 else owner_slug
            writers = self._writers(org, data_class)
            if not writers:
                org, writers = owner_slug, self._writers(owner_slug, data_class)
            if not writers:
                data_class, org, writers = "general", owner_slug, [(creator, creator_role)]
            author, role = pick(writers)
            entry = judge.entry(
                author=author,
                organization=org,
                role=role,
                data_class=data_class,
                body=self._text(data_class),
            )
            if entry is not None:  # e.g. the person refused this partner: no entry then
                entries.append(entry)

        emergencies: tuple[EmergencyPlan, ...] = ()
        if rng.random() < self.spec.emergency_rate:
            ed = pick([s for s in self.emergency_departments if s != owner_slug])
            clinician = pick(roster.by_role[(ed, cat.CLINICIAN)])
            reviewed = rng.random() < 0.5
            emergencies = (
                EmergencyPlan(
                    clinician,
                    ed,
                    pick(cat.EMERGENCY_REASONS),
                    reviewer=roster.admin(owner_slug) if reviewed else None,
                    outcome="justified" if reviewed else "",
                    note="Reviewed with the clinician; access was needed." if reviewed else "",
                ),
            )
        # What connected care knows besides, from its own stream: the person's description
        # and supports, how their consents were given, a care plan, referrals.
        care = self.care_rng
        if team and not any(m.is_lead for m in team):
            team[0] = replace(team[0], is_lead=True)  # every care team has a lead
        consents = [captured(care, c) for c in consents]
        goals = self.care_planner.goals(
            care,
            judge,
            owner=owner_slug,
            care_team=team,
            count=(0, 0, 1, 1, 2, 2, 3, 4)[int(care.random() * 8)],
        )
        taken, referrals = self.referral_planner.plan(
            care,
            owner=owner_slug,
            care_team=team,
            consents=consents,
            count=referral_count(care, self.spec.referrals),
        )
        return ClientPlan(
            key=f"c{i:06d}",
            owner=owner_slug,
            creator=creator,
            preferred_name=name,
            identifier_code=code,
            care_team=tuple(team),
            consents=tuple(consents),
            entries=tuple(entries),
            emergencies=emergencies,
            profile=profile(care, self.names, preferred_name=name, identifier_code=code),
            supports=supports(care, self.names),
            goals=goals,
            referral_consents=taken,
            referrals=referrals,
        )
