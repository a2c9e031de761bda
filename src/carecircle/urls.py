from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from carecircle.api import api
from carecircle.web.access import public

admin.site.site_header = "CareCircle"
# The admin signs in through allauth, so its MFA stage and rate limits apply there too.
# (Before urlpatterns: admin.site.urls captures the login view when it is built.)
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]

urlpatterns = [
    path("", include("carecircle.web.urls")),
    path("clients/", include("carecircle.clients.urls")),
    path("referrals/", include("carecircle.referrals.urls")),
    path("privacy/", include("carecircle.privacy.urls")),
    path("notifications/", include("carecircle.notifications.urls")),
    path("find-help/", include("carecircle.directory.urls")),
    path("directory/manage/", include("carecircle.directory.urls_partner")),
    path("accounts/", include("allauth.urls")),
    # Choosing a language must work before signing in, so the view is marked public.
    path("i18n/setlang/", public(set_language), name="set_language"),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
]
