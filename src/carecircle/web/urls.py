from django.urls import path

from carecircle.web import views

app_name = "web"
urlpatterns = [
    path("", views.public_home, name="public_home"),
    path("home/", views.home, name="home"),
    path("partners/", views.partners, name="partners"),
    path("switch/", views.switch_context, name="switch"),
    path("healthz", views.healthz, name="healthz"),
]
