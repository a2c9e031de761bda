"""Consent capture pages (clients.views_consent), under /clients/."""

from django.urls import URLPattern, URLResolver, path

from carecircle.clients import views_consent as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("<int:client_id>/consents/", views.consent_list, name="consents"),
    path("<int:client_id>/consents/new/", views.consent_new, name="consent_new"),
    path(
        "<int:client_id>/consents/<uuid:consent_id>/summary/",
        views.consent_summary,
        name="consent_summary",
    ),
    path(
        "<int:client_id>/consents/<uuid:consent_id>/revoke/",
        views.consent_revoke,
        name="consent_revoke",
    ),
    path("<int:client_id>/access/", views.access_summary, name="access"),
]
