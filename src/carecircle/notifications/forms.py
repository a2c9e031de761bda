from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from carecircle.notifications.models import NotificationKind


class WebhookEndpointForm(forms.Form):
    url = forms.URLField(
        label=_("Address of the partner system"),
        max_length=500,
        assume_scheme="https",
        help_text=_("CareCircle sends a signed POST request here when an event happens."),
    )
    kinds = forms.MultipleChoiceField(
        label=_("Events to send"),
        choices=NotificationKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave every box empty to receive all events."),
    )
