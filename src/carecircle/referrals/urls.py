"""Referral pages: the inbox, a referral, sending one, the response deadlines (referrals.views)."""

from django.urls import path

from carecircle.referrals import views

app_name = "referrals"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("bulk/", views.bulk, name="bulk"),
    path("new/", views.create, name="create"),
    path("deadlines/", views.response_deadlines, name="deadlines"),
    path("<uuid:referral_id>/", views.detail, name="detail"),
    path("<uuid:referral_id>/status/", views.transition, name="transition"),
    path("<uuid:referral_id>/appointment/", views.appointment, name="appointment"),
    path("<uuid:referral_id>/outcome/", views.outcome, name="outcome"),
    path("<uuid:referral_id>/reopen/", views.reopen, name="reopen"),
]
