"""Writes to the client registry, through the privacy core (one module per domain)."""

from carecircle.clients.services.care_plan import (
    care_plan_goal_add,
    care_plan_goal_update,
    care_plan_owners,
    care_plan_task_add,
    care_plan_task_complete,
)
from carecircle.clients.services.care_team import (
    CARE_TEAM_ROLES,
    care_team_may_keep,
    care_team_member_add,
    care_team_member_end,
    care_team_member_lead,
)
from carecircle.clients.services.registry import (
    PROFILE_FIELDS,
    client_create,
    client_entry_add,
    client_profile_clean,
    client_update,
    support_contact_add,
    support_contact_remove,
)

__all__ = [
    "CARE_TEAM_ROLES",
    "PROFILE_FIELDS",
    "care_plan_goal_add",
    "care_plan_goal_update",
    "care_plan_owners",
    "care_plan_task_add",
    "care_plan_task_complete",
    "care_team_may_keep",
    "care_team_member_add",
    "care_team_member_end",
    "care_team_member_lead",
    "client_create",
    "client_entry_add",
    "client_profile_clean",
    "client_update",
    "support_contact_add",
    "support_contact_remove",
]
