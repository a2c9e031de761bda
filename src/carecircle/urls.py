from django.contrib import admin
from django.urls import include, path

from carecircle.api import api

urlpatterns = [
    path("", include("carecircle.web.urls")),
    path("clients/", include("carecircle.clients.urls")),
    path("privacy/", include("carecircle.privacy.urls")),
    path("notifications/", include("carecircle.notifications.urls")),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
]

admin.site.site_header = "CareCircle"
