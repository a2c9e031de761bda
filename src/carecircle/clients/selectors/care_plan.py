"""Reading a person's shared care plan: each goal (and its steps) only where the policy permits
its data class for the reader; the read is audited, one row per class asked."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from carecircle.clients.models import CarePlanGoal, CarePlanTask, Client, GoalDomain
from carecircle.clients.selectors.records import Naming, record_may_write
from carecircle.partners.models import Organization
from carecircle.partners.selectors import Actor
from carecircle.privacy.models import REASON_TEXT, CareTeamMember, DataClass
from carecircle.privacy.rules import Basis, Decision
from carecircle.privacy.selectors import person_read

PERSON = "person"


@dataclass(frozen=True)
class TaskRow:
    task: CarePlanTask
    owner_label: str
    overdue: bool
    #: False where the owner's organization is not named (see ``records.Naming``): then no
    #: owner is shown, nor its ids.
    owner_named: bool = True


def task_row(task: CarePlanTask, *, today: date, organization_name: str | None) -> TaskRow:
    """A step as shown: its owner in words (empty when the owner may not be named) and whether
    it is overdue."""
    return TaskRow(
        task=task,
        owner_label=_owner_label(task, organization_name),
        overdue=task.done_at is None and task.due_on is not None and task.due_on < today,
        owner_named=organization_name is not None,
    )


@dataclass(frozen=True)
class GoalRow:
    goal: CarePlanGoal
    tasks: list[TaskRow]
    #: None where the organization may not be named (then only the holder's goals are shown).
    organization_name: str | None

    @property
    def open_tasks(self) -> int:
        return sum(1 for t in self.tasks if t.task.done_at is None)


@dataclass
class CarePlanView:
    client: Client
    decisions: dict[str, Decision]
    goals: list[GoalRow]
    today: date
    #: (value, label) of who may own a new step: "person", "org:<id>", "user:<org>:<user>".
    owner_choices: list[tuple[str, str]] = field(default_factory=list)
    #: The reader's organization holds the record or is on the care team (``record_may_write``).
    may_write: bool = False

    @property
    def withheld(self) -> list[tuple[str, str]]:
        """(kind of information, why it is withheld), in the reader's language."""
        labels = dict(DataClass.choices)
        return [
            (str(labels[c]), str(REASON_TEXT.get(d.code, REASON_TEXT["no_basis"])))
            for c, d in self.decisions.items()
            if not d.permitted
        ]

    @property
    def hidden_classes(self) -> list[str]:
        return [c for c, d in self.decisions.items() if not d.permitted]

    @property
    def writable_classes(self) -> list[tuple[str, str]]:
        """The kinds of goal this reader may add: only a writer (``record_may_write``), and
        writing a class needs reading it."""
        if not self.may_write:
            return []
        return [(value, str(label)) for value, label in DataClass.choices if self.decisions[value]]

    @property
    def by_domain(self) -> list[tuple[str, list[GoalRow]]]:
        """The visible goals grouped by life area, in the plan's order of life areas."""
        groups: dict[str, list[GoalRow]] = {d: [] for d in GoalDomain.values}
        for row in self.goals:
            groups[row.goal.domain].append(row)
        labels = dict(GoalDomain.choices)
        return [(str(labels[d]), rows) for d, rows in groups.items() if rows]

    @property
    def overdue_count(self) -> int:
        return sum(1 for g in self.goals for t in g.tasks if t.overdue)

    @property
    def shows_part2_disclosure(self) -> bool:
        """Substance-use goals shown outside the holding organization carry the 42 CFR 2.32
        notice prohibiting redisclosure."""
        decision = self.decisions.get(DataClass.SUBSTANCE_USE)
        return bool(
            decision
            and decision.permitted
            and decision.basis != Basis.OWN_RECORD
            and any(g.goal.data_class == DataClass.SUBSTANCE_USE for g in self.goals)
        )


def reader_today(actor: Actor) -> date:
    """Today where the reader works: a step due today is not overdue until their day ends."""
    zone = actor.organization.jurisdiction.time_zone or "UTC"
    try:
        return timezone.localdate(timezone=ZoneInfo(zone))
    except (KeyError, ValueError):
        return timezone.localdate()


def care_plan_get(
    *, actor: Actor, client_id: int, purpose: str, today: date | None = None
) -> CarePlanView:
    """The goals and steps of the person's plan the reader may see; refused (and audited)
    without general access."""
    client = (
        Client.objects.select_related("person", "person__owner_organization__jurisdiction")
        .filter(pk=client_id)
        .first()
    )
    if client is None:
        raise Client.DoesNotExist
    decisions = person_read(
        actor=actor,
        person=client.person,
        data_classes=DataClass.values,
        purpose=purpose,
        object_type="care_plan",
        object_id=client.pk,
    )
    if not decisions[DataClass.GENERAL].permitted:
        raise PermissionDenied(decisions[DataClass.GENERAL].reason)
    visible = [c for c, d in decisions.items() if d.permitted]
    goals = list(
        CarePlanGoal.objects.filter(client=client, data_class__in=visible)
        .select_related("organization")
        .prefetch_related(
            Prefetch(
                "tasks",
                queryset=CarePlanTask.objects.select_related("owner_organization", "owner_user"),
            )
        )
        .order_by("created_at", "pk")
    )
    naming = Naming(
        reader_organization_id=actor.organization.pk,
        holder_organization_id=client.person.owner_organization_id,
        decisions=decisions,
    )
    today = today or reader_today(actor)
    rows = []
    for goal in goals:
        # A goal or step by another organization the reader may not be told of is left out:
        # shown without it, it would say by elimination which kind knows the person. The
        # holder's are shown, without the holder's name where it may not be named.
        if not naming.shows(goal.organization):
            continue
        tasks = [
            task_row(task, today=today, organization_name=naming.name(task.owner_organization))
            for task in goal.tasks.all()
            if task.owner_is_person or naming.shows(task.owner_organization)
        ]
        rows.append(
            GoalRow(goal=goal, tasks=tasks, organization_name=naming.name(goal.organization))
        )
    view = CarePlanView(
        client=client,
        decisions=decisions,
        goals=rows,
        today=today,
        may_write=record_may_write(actor=actor, person=client.person),
    )
    if view.writable_classes:
        view.owner_choices = _owner_choices(actor, client, naming.name)
    return view


def _owner_label(task: CarePlanTask, organization_name: str | None) -> str:
    if task.owner_is_person:
        return _("The person themselves")
    if organization_name is None:
        # The holder, not to be named to this reader: no owner is shown, not even the worker
        # (a worker's name would tell their organization).
        return ""
    user = task.owner_user
    if user is None:
        return organization_name
    return f"{user.get_full_name() or user.get_username()} ({organization_name})"


def _owner_choices(
    actor: Actor, client: Client, org_name: Callable[[Organization], str | None]
) -> list[tuple[str, str]]:
    """Who may own a step: the person, the holder, the care team's organizations and workers.
    An organization the reader may not be told of is not offered."""
    now = timezone.now()
    members = list(
        CareTeamMember.objects.filter(
            person=client.person, ended_at__isnull=True, started_at__lte=now
        )
        .select_related("organization", "user")
        .order_by("organization__name", "pk")
    )
    organizations = {client.person.owner_organization_id: client.person.owner_organization}
    for member in members:
        organizations.setdefault(member.organization_id, member.organization)
    choices = [(PERSON, _("The person themselves"))]
    if actor.organization.pk in organizations:
        choices.append(
            (
                f"user:{actor.organization.pk}:{actor.user_id}",
                _("Me (%(name)s)") % {"name": actor.username},
            )
        )
    for organization in sorted(organizations.values(), key=lambda o: o.name):
        name = org_name(organization)
        if name is not None:
            choices.append((f"org:{organization.pk}", name))
    for member in members:
        name = org_name(member.organization)
        if member.user is None or name is None or member.user_id == actor.user_id:
            continue
        worker = member.user.get_full_name() or member.user.get_username()
        choices.append((f"user:{member.organization_id}:{member.user_id}", f"{worker} ({name})"))
    return list(dict.fromkeys(choices))


def care_plan_goal_get(*, client: Client, goal_id: object) -> CarePlanGoal:
    """A goal of this client's plan, for a write (the service asks the policy)."""
    goal = (
        CarePlanGoal.objects.select_related("client__person")
        .filter(client=client, pk=_int(goal_id))
        .first()
    )
    if goal is None:
        raise CarePlanGoal.DoesNotExist
    return goal


def care_plan_task_get(*, client: Client, task_id: object) -> CarePlanTask:
    """A step of this client's plan, for a write (the service asks the policy)."""
    task = (
        CarePlanTask.objects.select_related("goal__client__person")
        .filter(Q(goal__client=client), pk=_int(task_id))
        .first()
    )
    if task is None:
        raise CarePlanTask.DoesNotExist
    return task


def _int(value: object) -> int:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return 0
