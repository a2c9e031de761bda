from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SynthConfig(AppConfig):
    name = "carecircle.synth"
    verbose_name = _("Demo community")
