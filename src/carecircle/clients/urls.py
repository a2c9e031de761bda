from django.urls import include, path

from carecircle.clients import views

app_name = "clients"
urlpatterns = [
    path("", views.client_list, name="list"),
    path("new/", views.client_create, name="create"),
    path("<int:client_id>/", views.client_detail, name="detail"),
    path("<int:client_id>/edit/", views.client_edit, name="edit"),
    path("<int:client_id>/entries/", views.client_entry_add, name="entry_add"),
    # The object acted on (a support contact, a member, a goal, a step) is named in the form.
    path("<int:client_id>/supports/", views.support_add, name="support_add"),
    path("<int:client_id>/supports/remove/", views.support_remove, name="support_remove"),
    path("<int:client_id>/care-team/", views.care_team, name="care_team"),
    path("<int:client_id>/care-team/lead/", views.care_team_lead, name="care_team_lead"),
    path("<int:client_id>/care-team/end/", views.care_team_end, name="care_team_end"),
    path("<int:client_id>/care-plan/", views.care_plan, name="care_plan"),
    path("<int:client_id>/care-plan/goals/", views.goal_add, name="goal_add"),
    path("<int:client_id>/care-plan/goals/status/", views.goal_status, name="goal_status"),
    path("<int:client_id>/care-plan/steps/", views.task_add, name="task_add"),
    path("<int:client_id>/care-plan/steps/done/", views.task_done, name="task_done"),
    # Consent capture, the printable summary and "who can see what".
    path("", include("carecircle.clients.urls_consent")),
]
