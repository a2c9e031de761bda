"""A person's shared care plan: goals in their own words across the life areas, and the tasks
towards them, some done, some overdue.

Pure Python. Every goal's author is one the policy lets write its data class (asked of the
rules kernel through the client's :class:`~carecircle.synth.model.EntryJudge`), so the writer
never meets a refusal.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from carecircle.privacy import rules
from carecircle.synth import care_catalogue as cc
from carecircle.synth.model import CareTeamPlan, EntryJudge, GoalPlan, Roster, TaskPlan
from carecircle.synth.people import Weighted

_STATUS = Weighted(cc.GOAL_STATUS)
#: Every class that naming an organization can disclose.
IMPLIED = frozenset(rules.SECTOR_IMPLIED_CLASS.values())


def _pick(rng: random.Random, seq: Sequence[str]) -> str:
    return seq[int(rng.random() * len(seq))]


class CarePlanner:
    def __init__(self, roster: Roster) -> None:
        self.roster = roster
        self._writers: dict[tuple[str, str], dict[str, list[str]]] = {}

    def _writers_of(self, slug: str, data_class: str) -> dict[str, list[str]]:
        key = (slug, data_class)
        if key not in self._writers:
            by_role: dict[str, list[str]] = {}
            for username, role in self.roster.who_may_write(slug, data_class):
                by_role.setdefault(role, []).append(username)
            self._writers[key] = by_role
        return self._writers[key]

    def _author(
        self, rng: random.Random, judge: EntryJudge, orgs: Sequence[str], data_class: str
    ) -> tuple[str, str] | None:
        for slug in orgs:
            groups = [
                users
                for role, users in self._writers_of(slug, data_class).items()
                if judge.permits(organization=slug, role=role, data_class=data_class)
            ]
            total = sum(len(g) for g in groups)
            if not total:
                continue
            n = int(rng.random() * total)
            for users in groups:
                if n < len(users):
                    return users[n], slug
                n -= len(users)
        return None

    def _may_name(
        self, judge: EntryJudge, author_org: str, role: str, target: str, holder: str
    ) -> bool:
        """``clients.selectors.records.Naming.may_name``, asked of the rules kernel."""
        if target == author_org:
            return True

        def permits(data_class: str) -> bool:
            return bool(
                judge.decide(
                    organization=author_org,
                    role=role,
                    data_class=data_class,
                    purpose="care_coordination",
                )
            )

        if target == holder:
            return all(permits(c) for c in IMPLIED)
        implied = rules.implied_class(self.roster.by_slug[target].sector)
        return implied is None or permits(implied)

    def goals(
        self,
        rng: random.Random,
        judge: EntryJudge,
        *,
        owner: str,
        care_team: Sequence[CareTeamPlan],
        count: int,
    ) -> tuple[GoalPlan, ...]:
        """``count`` goals, in life areas that fit the owner's sector, each with 0-3 tasks."""
        roster = self.roster
        sector = roster.by_slug[owner].sector
        domains = cc.SECTOR_DOMAINS.get(sector, tuple(cc.DOMAIN_CLASS))
        partners = [m.organization for m in care_team if m.organization != owner]
        planned: list[GoalPlan] = []
        used: set[str] = set()
        for _ in range(count):
            domain = _pick(rng, domains)
            if domain in used:
                domain = _pick(rng, tuple(cc.DOMAIN_CLASS))
            if domain in used:
                continue
            data_class = cc.DOMAIN_CLASS[domain]
            # Usually the owner writes the plan with the person; sometimes a care-team partner.
            orgs = [owner, *partners] if rng.random() < 0.8 else [*partners, owner]
            found = self._author(rng, judge, orgs, data_class)
            if found is None:
                continue  # nobody here may write this kind of goal: the plan leaves it out
            used.add(domain)
            author, org = found
            status = _STATUS(rng)
            tasks: list[TaskPlan] = []
            for _ in range(int(rng.random() * 4)):
                text, who = cc.TASKS[domain][int(rng.random() * len(cc.TASKS[domain]))]
                task_org = org
                username: str | None = None
                if who == "org":
                    # A step's owner is named to whoever reads the plan: only an organization
                    # the author may name (as care_plan_task_add checks): one whose sector says
                    # nothing the author may not see (a treatment program says substance use).
                    role = roster.role(author, org)
                    owners = [org] + [
                        p for p in partners if self._may_name(judge, org, role, p, owner)
                    ]
                    task_org = _pick(rng, owners)
                    members = [u for u, r in roster.members.get(task_org, ()) if r != "analyst"]
                    username = _pick(rng, members) if members and rng.random() < 0.7 else None
                due = int(rng.random() * 60) - 25  # some past: overdue unless done
                done: int | None = None
                if status == "achieved" or (rng.random() < 0.35):
                    done = min(0, due) - int(rng.random() * 5)
                tasks.append(
                    TaskPlan(
                        description=text,
                        organization=task_org,
                        username=username,
                        by_person=who == "person",
                        due_days=due if rng.random() < 0.85 else None,
                        done_days=done,
                    )
                )
            planned.append(
                GoalPlan(
                    domain=domain,
                    own_words=_pick(rng, cc.GOALS[domain]),
                    data_class=data_class,
                    status=status,
                    author=author,
                    organization=org,
                    tasks=tuple(tasks),
                )
            )
        return tuple(planned)
