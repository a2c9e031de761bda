from django.urls import path

from carecircle.privacy import views

app_name = "privacy"
urlpatterns = [
    path("people/<uuid:person_id>/consents/", views.consents, name="consents"),
    path("consents/<uuid:consent_id>/revoke/", views.consent_revoke, name="consent_revoke"),
    path("people/<uuid:person_id>/emergency/", views.emergency_access, name="emergency_access"),
    path("people/<uuid:person_id>/disclosures/", views.disclosures, name="disclosures"),
    path("emergency-reviews/", views.emergency_reviews, name="emergency_reviews"),
    path("emergency-reviews/<int:grant_id>/", views.emergency_review, name="emergency_review"),
]
