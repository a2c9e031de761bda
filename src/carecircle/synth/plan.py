"""The Riverbend planning kernel: a seed and a scale in, the whole community as dataclasses out.

Pure Python (Faker and the privacy rules kernel, no Django), so determinism and the story
clients can be tested without a database. :mod:`carecircle.synth.writer` turns a plan into rows
through the services (small, medium) or the bulk path (large).

Randomness comes only from seeded ``Faker("en_US")`` and ``random.Random`` instances, never
the global ``random``. Clients are generated lazily (the large scale plans 200,000 of them), and
``CommunityPlan.clients()`` yields the same sequence every time it is called.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

from faker import Faker

from carecircle.synth import catalogue as cat
from carecircle.synth.crowd import Crowd
from carecircle.synth.directory import DirectoryPlan, plan_directory
from carecircle.synth.model import (
    SCALES,
    ClientPlan,
    NamePool,
    OrgPlan,
    Roster,
    ScaleSpec,
    StaffPlan,
    slugify,
)
from carecircle.synth.referrals import ServiceRef, referral_targets
from carecircle.synth.stories import story_clients

# --- Organizations and staff -------------------------------------------------------------------


def _organizations(spec: ScaleSpec, rng: random.Random) -> tuple[OrgPlan, ...]:
    name, sector = cat.COALITION
    orgs = [OrgPlan(slugify(name), name, sector, is_coalition=True)]
    orgs += [OrgPlan(slugify(n), n, s) for n, s in cat.MEMBERS]
    taken = {o.name for o in orgs} | {o.slug for o in orgs}
    sectors = list(cat.EXTRA_SECTOR_WEIGHTS)
    weights = list(cat.EXTRA_SECTOR_WEIGHTS.values())
    while len(orgs) < 1 + len(cat.MEMBERS) + spec.extra_organizations:
        sector = rng.choices(sectors, weights)[0]
        name = rng.choice(cat.SECTOR_NAME_PATTERNS[sector]).format(place=rng.choice(cat.PLACES))
        if name in taken or slugify(name) in taken:
            continue
        taken |= {name, slugify(name)}
        orgs.append(OrgPlan(slugify(name), name, sector))
    return tuple(orgs)


class _Usernames:
    def __init__(self) -> None:
        self.taken: set[str] = set(cat.PERSONA_USERNAMES)

    def make(self, first: str, last: str) -> str:
        base = re.sub(r"[^a-z0-9]", "", (first[:1] + last).lower()) or "staff"
        candidate, n = base, 1
        while candidate in self.taken:
            n += 1
            candidate = f"{base}{n}"
        self.taken.add(candidate)
        return candidate


def _personas(orgs: Sequence[OrgPlan]) -> list[StaffPlan]:
    slug_of = {o.name: o.slug for o in orgs}
    return [
        StaffPlan(
            username=username,
            first_name=first,
            last_name=last,
            email=f"{username}@{cat.EMAIL_DOMAIN}",
            memberships=tuple((slug_of[org], role) for org, role in memberships),
            is_superuser=superuser,
            is_persona=True,
        )
        for username, first, last, memberships, superuser in cat.PERSONAS
    ]


def _staff(
    spec: ScaleSpec,
    orgs: Sequence[OrgPlan],
    rng: random.Random,
    names: NamePool,
) -> list[StaffPlan]:
    usernames = _Usernames()
    staff: list[StaffPlan] = []
    for org in orgs:
        pairs = cat.COALITION_ROLES if org.is_coalition else cat.SECTOR_ROLES[org.sector]
        roles_, weights = [r for r, _ in pairs], [w for _, w in pairs]
        count = max(1 + len(roles_), round(spec.staff_per_organization * rng.uniform(0.6, 1.4)))
        # One admin, then every role that fits the sector once, then drawn by weight.
        roles = [cat.ORG_ADMIN, *roles_]
        roles += rng.choices(roles_, weights, k=count - len(roles))
        for role in roles:
            first, last = names.first(rng), names.last(rng)
            username = usernames.make(first, last)
            staff.append(
                StaffPlan(
                    username=username,
                    first_name=first,
                    last_name=last,
                    email=f"{username}@{cat.EMAIL_DOMAIN}",
                    memberships=((org.slug, role),),
                )
            )
    return staff


# --- The plan -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CommunityPlan:
    """Everything Riverbend will hold, decided from the seed before anything is written."""

    scale: str
    seed: int
    spec: ScaleSpec
    jurisdiction: Mapping[str, object]
    organizations: tuple[OrgPlan, ...]
    staff: tuple[StaffPlan, ...]  # the personas first

    @property
    def client_count(self) -> int:
        return self.spec.clients

    @cached_property
    def roster(self) -> Roster:
        return Roster(self.organizations, self.staff)

    @cached_property
    def directory(self) -> DirectoryPlan:
        """The Find help directory built with the community (its partners' listings linked)."""
        return plan_directory(
            scale=self.scale,
            seed=self.seed,
            partners=[(o.name, o.sector) for o in self.organizations],
        )

    @cached_property
    def targets(self) -> dict[str, tuple[ServiceRef, ...]]:
        """The services each partner takes referrals for (from the directory plan)."""
        return referral_targets(self.directory, self.roster)

    def story_clients(self) -> list[ClientPlan]:
        """The clients the personas meet when they sign in (the same at every scale)."""
        return story_clients(self.roster, self.targets)

    def crowd_clients(self) -> Iterator[ClientPlan]:
        """Everyone else, generated lazily; the same sequence on every call."""
        crowd = Crowd(
            seed=self.seed,
            spec=self.spec,
            organizations=self.organizations,
            roster=self.roster,
            targets=self.targets,
        )
        for i in range(self.spec.clients - len(self.story_clients())):
            yield crowd.client(i)

    def clients(self) -> Iterator[ClientPlan]:
        """The story clients, then the crowd."""
        yield from self.story_clients()
        yield from self.crowd_clients()


def plan_community(*, scale: str, seed: int) -> CommunityPlan:
    if scale not in SCALES:
        raise ValueError(f"scale: choose one of {', '.join(SCALES)}, not {scale!r}")
    spec = SCALES[scale]
    fake = Faker("en_US")
    fake.seed_instance(seed)
    rng = random.Random(seed)
    names = NamePool(fake, spec.name_pool)
    orgs = _organizations(spec, rng)
    staff = [*_personas(orgs), *_staff(spec, orgs, rng, names)]
    return CommunityPlan(
        scale=scale,
        seed=seed,
        spec=spec,
        jurisdiction=dict(cat.JURISDICTION),
        organizations=orgs,
        staff=tuple(staff),
    )
