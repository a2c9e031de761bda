"""Partner pages for maintaining listings, mounted at /directory/manage/."""

from django.urls import path

from carecircle.directory import views_partner as views

app_name = "directory_partner"
urlpatterns = [
    path("", views.listings, name="listings"),
    path("new/", views.service_new, name="service_new"),
    path("<uuid:service_id>/", views.service_edit, name="service_edit"),
    path("<uuid:service_id>/verify/", views.service_verify, name="service_verify"),
    path("<uuid:service_id>/history/", views.service_history, name="service_history"),
    path("<uuid:service_id>/capacity/", views.capacity_add, name="capacity_add"),
    path("capacity/<uuid:capacity_id>/", views.capacity_adjust, name="capacity_adjust"),
]
