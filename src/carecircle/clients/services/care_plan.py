"""Writes to a person's shared care plan: goals in their own words, and the steps towards them.

A goal is labelled with a data class (by default its life area's, ``DOMAIN_DATA_CLASS``); its
tasks carry the same class. Only the record's holder and the organizations on the care team
write to the plan (``record_may_write``: a consent to read makes no one a writer, and police or
justice write only to a record they hold), and writing a class needs the policy's permission to
read it. Every write, permitted or refused, leaves an audit row.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from carecircle.clients.models import (
    DOMAIN_DATA_CLASS,
    CarePlanGoal,
    CarePlanTask,
    Client,
    GoalDomain,
    GoalStatus,
)
from carecircle.clients.selectors.records import Naming, naming_classes
from carecircle.clients.services.registry import reject_nul, require_writer
from carecircle.partners.models import Membership, Organization
from carecircle.partners.selectors import Actor
from carecircle.privacy import policy
from carecircle.privacy.audit import audit_decision
from carecircle.privacy.models import AuditAction, CareTeamMember, DataClass, Person, Purpose
from carecircle.privacy.rules import Decision

OWN_WORDS_LENGTH = 2000
DESCRIPTION_LENGTH = 300


def _decide(
    *,
    actor: Actor,
    person: Person,
    data_class: str,
    purpose: str,
    object_type: str,
) -> Decision:
    """May the actor write this class of the person's plan? Only a writer of the record, in a
    class the policy lets it read. A refusal is audited and raised."""
    require_writer(
        actor=actor, person=person, purpose=purpose, data_class=data_class, object_type=object_type
    )
    decision = policy.evaluate(actor=actor, person=person, data_class=data_class, purpose=purpose)
    if not decision.permitted:
        _audit(actor, person, decision, purpose, data_class, object_type, "")
        raise PermissionDenied(decision.reason)
    return decision


def _audit(
    actor: Actor,
    person: Person,
    decision: Decision,
    purpose: str,
    data_class: str,
    object_type: str,
    object_id: object,
) -> None:
    audit_decision(
        actor=actor,
        decision=decision,
        action=AuditAction.WRITE,
        purpose=purpose,
        person_id=person.pk,
        owner_organization_id=person.owner_organization_id,
        data_class=data_class,
        object_type=object_type,
        object_id=str(object_id) if object_id else "",
    )


def care_plan_goal_add(
    *,
    actor: Actor,
    client: Client,
    domain: str,
    own_words: str,
    data_class: str = "",
    status: str = GoalStatus.ACTIVE,
    purpose: str = Purpose.CARE_COORDINATION,
) -> CarePlanGoal:
    """A goal in the person's own words, labelled with its life area's class unless the worker
    chooses another."""
    reject_nul(
        {"domain": domain, "own_words": own_words, "data_class": data_class, "status": status}
    )
    errors: dict[str, str] = {}
    own_words = own_words.strip()
    if domain not in GoalDomain.values:
        errors["domain"] = _("Choose a life area.")
    if not own_words:
        errors["own_words"] = _("Write the goal as the person says it.")
    elif len(own_words) > OWN_WORDS_LENGTH:
        errors["own_words"] = _("Use at most %(n)d characters.") % {"n": OWN_WORDS_LENGTH}
    if data_class and data_class not in DataClass.values:
        errors["data_class"] = _("Choose a known kind of information.")
    if status not in GoalStatus.values:
        errors["status"] = _("Choose a status.")
    if errors:
        raise ValidationError(errors)
    data_class = data_class or DOMAIN_DATA_CLASS[domain]
    decision = _decide(
        actor=actor,
        person=client.person,
        data_class=data_class,
        purpose=purpose,
        object_type="care_plan_goal",
    )
    with transaction.atomic():
        goal = CarePlanGoal.objects.create(
            client=client,
            domain=domain,
            own_words=own_words,
            data_class=data_class,
            status=status,
            organization=actor.organization,
            author_id=actor.user_id,
        )
        _audit(actor, client.person, decision, purpose, data_class, "care_plan_goal", goal.pk)
    return goal


def care_plan_goal_update(
    *,
    actor: Actor,
    goal: CarePlanGoal,
    status: str | None = None,
    own_words: str | None = None,
    purpose: str = Purpose.CARE_COORDINATION,
) -> CarePlanGoal:
    """Change a goal's status or wording (as the person says it now)."""
    reject_nul({"status": status, "own_words": own_words})
    errors: dict[str, str] = {}
    if status is not None and status not in GoalStatus.values:
        errors["status"] = _("Choose a status.")
    if own_words is not None:
        own_words = own_words.strip()
        if not own_words:
            errors["own_words"] = _("Write the goal as the person says it.")
        elif len(own_words) > OWN_WORDS_LENGTH:
            errors["own_words"] = _("Use at most %(n)d characters.") % {"n": OWN_WORDS_LENGTH}
    if errors:
        raise ValidationError(errors)
    person = goal.client.person
    decision = _decide(
        actor=actor,
        person=person,
        data_class=goal.data_class,
        purpose=purpose,
        object_type="care_plan_goal",
    )
    with transaction.atomic():
        locked = CarePlanGoal.objects.select_for_update().get(pk=goal.pk)
        if status is not None:
            locked.status = status
        if own_words is not None:
            locked.own_words = own_words
        locked.updated_at = timezone.now()
        locked.save(update_fields=["status", "own_words", "updated_at"])
        _audit(actor, person, decision, purpose, goal.data_class, "care_plan_goal", goal.pk)
    return locked


def care_plan_owners(*, client: Client) -> list[Organization]:
    """The organizations that may own a step: the record's holder and the current care team."""
    now = timezone.now()
    team = CareTeamMember.objects.filter(
        person=client.person, ended_at__isnull=True, started_at__lte=now
    ).values("organization_id")
    return list(
        Organization.objects.filter(
            Q(pk=client.person.owner_organization_id) | Q(pk__in=team)
        ).order_by("name")
    )


def _may_own(actor: Actor, client: Client, organization: Organization, purpose: str) -> bool:
    """Only the holder or a care-team organization owns a step, and only one the actor may be
    told of (``records.Naming``: an organization whose sector implies a class the actor may
    not read, or the holder where it may not be named). For anyone else, assigning one must
    fail exactly as for an organization not on the team: no oracle."""
    if organization.pk not in {o.pk for o in care_plan_owners(client=client)}:
        return False
    person = client.person
    holder_id = person.owner_organization_id
    classes = naming_classes(
        actor=actor,
        holder_organization_id=holder_id,
        sectors=[] if organization.pk == holder_id else [organization.sector],
    )
    naming = Naming(
        reader_organization_id=actor.organization.pk,
        holder_organization_id=holder_id,
        decisions=policy.evaluate_many(
            actor=actor, person=person, data_classes=classes, purpose=purpose
        )
        if classes
        else {},
    )
    return naming.may_name(organization)


def care_plan_task_add(
    *,
    actor: Actor,
    goal: CarePlanGoal,
    description: str,
    owner_organization: Organization | None = None,
    owner_user_id: int | None = None,
    owner_is_person: bool = False,
    due_on: date | None = None,
    purpose: str = Purpose.CARE_COORDINATION,
) -> CarePlanTask:
    """A step towards a goal, owned by the person themselves or by someone on the care team
    (an organization, optionally one of its workers). It carries the goal's data class.

    When the person owns the step, ``owner_organization`` is the one supporting them (the
    actor's by default)."""
    client = goal.client
    reject_nul({"description": description})
    errors: dict[str, str] = {}
    description = description.strip()
    if not description:
        errors["description"] = _("Say what will be done.")
    elif len(description) > DESCRIPTION_LENGTH:
        errors["description"] = _("Use at most %(n)d characters.") % {"n": DESCRIPTION_LENGTH}
    # Decide before checking the owner: who is on the care team is for permitted writers only.
    decision = _decide(
        actor=actor,
        person=client.person,
        data_class=goal.data_class,
        purpose=purpose,
        object_type="care_plan_task",
    )
    # When the person does it, the organization recorded is the one supporting them.
    organization = owner_organization or actor.organization
    if owner_is_person:
        owner_user_id = None
    named_elsewhere = not owner_is_person or organization.pk != actor.organization.pk
    if named_elsewhere and not _may_own(actor, client, organization, purpose):
        errors["owner_organization"] = _(
            "Choose the organization holding the record or one on the care team."
        )
    elif (
        owner_user_id is not None
        and not Membership.objects.filter(
            user_id=owner_user_id, organization=organization, is_active=True
        ).exists()
    ):
        errors["owner_user"] = _("This worker is not a member of that organization.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        task = CarePlanTask.objects.create(
            goal=goal,
            description=description,
            owner_organization=organization,
            owner_user_id=owner_user_id,
            owner_is_person=owner_is_person,
            due_on=due_on,
        )
        _audit(actor, client.person, decision, purpose, goal.data_class, "care_plan_task", task.pk)
    return task


def care_plan_task_complete(
    *, actor: Actor, task: CarePlanTask, purpose: str = Purpose.CARE_COORDINATION
) -> CarePlanTask:
    """Mark a step done (once)."""
    goal = task.goal
    person = goal.client.person
    decision = _decide(
        actor=actor,
        person=person,
        data_class=goal.data_class,
        purpose=purpose,
        object_type="care_plan_task",
    )
    with transaction.atomic():
        locked = CarePlanTask.objects.select_for_update().get(pk=task.pk)
        if locked.done_at is not None:
            raise ValidationError({"task": _("This step is already done.")})
        locked.done_at = timezone.now()
        locked.save(update_fields=["done_at"])
        _audit(actor, person, decision, purpose, goal.data_class, "care_plan_task", task.pk)
    return locked
