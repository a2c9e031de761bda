"""Reads of the client registry: every one asks the policy and is audited (one module per
domain)."""

from carecircle.clients.selectors.care_plan import (
    CarePlanView,
    GoalRow,
    TaskRow,
    care_plan_get,
    care_plan_goal_get,
    care_plan_task_get,
    reader_today,
    task_row,
)
from carecircle.clients.selectors.care_team import CareTeamRow, CareTeamView, care_team_get
from carecircle.clients.selectors.records import (
    ClientView,
    DuplicateMatch,
    client_duplicates,
    client_get,
    client_list,
)

__all__ = [
    "CarePlanView",
    "CareTeamRow",
    "CareTeamView",
    "ClientView",
    "DuplicateMatch",
    "GoalRow",
    "TaskRow",
    "care_plan_get",
    "care_plan_goal_get",
    "care_plan_task_get",
    "care_team_get",
    "client_duplicates",
    "client_get",
    "client_list",
    "reader_today",
    "task_row",
]
