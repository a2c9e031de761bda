from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from carecircle.api import api
from carecircle.web.access import public

urlpatterns = [
    path("", include("carecircle.web.urls")),
    path("clients/", include("carecircle.clients.urls")),
    path("privacy/", include("carecircle.privacy.urls")),
    path("notifications/", include("carecircle.notifications.urls")),
    path("accounts/", include("allauth.urls")),
    # Choosing a language must work before signing in, so the view is marked public.
    path("i18n/setlang/", public(set_language), name="set_language"),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
]

admin.site.site_header = "CareCircle"
