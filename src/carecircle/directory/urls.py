"""Find help: the public directory pages, mounted at ``/find-help/``."""

from django.urls import path

from carecircle.directory import views_public

app_name = "directory"
urlpatterns = [
    path("", views_public.find_help, name="find_help"),
    path("services/<uuid:service_id>/", views_public.service_detail, name="service"),
]
