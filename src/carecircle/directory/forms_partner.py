"""Forms for partners maintaining their listings. Checks of meaning live in ``services.py``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from carecircle.directory.models import Location, Organization

STATUS_CHOICES = [
    ("active", _("Active")),
    ("temporarily closed", _("Temporarily closed")),
    ("inactive", _("Inactive")),
    ("defunct", _("Closed for good")),
]

_TEXTAREA = forms.Textarea(attrs={"rows": 3})


class ServiceEditForm(forms.Form):
    """What a partner says about a service; the field names are HSDS's."""

    name = forms.CharField(label=_("Name"), max_length=500)
    description = forms.CharField(label=_("Description"), widget=_TEXTAREA, required=False)
    application_process = forms.CharField(
        label=_("How to get this service"),
        widget=_TEXTAREA,
        required=False,
        help_text=_("For example: walk in during opening hours, or call first."),
    )
    fees_description = forms.CharField(
        label=_("Fees"),
        widget=_TEXTAREA,
        required=False,
        help_text=_("What it costs, or that it is free."),
    )
    eligibility_description = forms.CharField(
        label=_("Who can use it"), widget=_TEXTAREA, required=False
    )
    status = forms.ChoiceField(label=_("Status"), choices=STATUS_CHOICES)
    alert = forms.CharField(
        label=_("Alert"),
        widget=_TEXTAREA,
        required=False,
        help_text=_("Shown at the top of the listing: a closure, a move, a change of hours."),
    )

    @classmethod
    def for_service(cls, service: Any, data: Any = None) -> ServiceEditForm:
        initial = {name: getattr(service, name) for name in cls.base_fields}
        return cls(data, initial=initial)


class ServiceCreateForm(ServiceEditForm):
    organization = forms.ModelChoiceField(
        label=_("Organization"), queryset=Organization.objects.none(), empty_label=None
    )
    locations = forms.ModelMultipleChoiceField(
        label=_("Locations"),
        queryset=Location.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    field_order = ["organization", "name", "description", "locations"]

    def __init__(
        self, *args: Any, organizations: Any = None, locations: Any = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations  # type: ignore[attr-defined]
        self.fields["locations"].queryset = locations  # type: ignore[attr-defined]


class CapacityAdjustForm(forms.Form):
    """One tap on a capacity row: one more, one fewer, or a number."""

    action = forms.ChoiceField(
        choices=[("add", _("One more")), ("remove", _("One fewer")), ("set", _("Set"))]
    )
    available = forms.FloatField(label=_("Available now"), required=False, min_value=0)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("action") == "set" and cleaned.get("available") is None:
            self.add_error("available", _("Enter how many are available now."))
        return cleaned


class CapacityAddForm(forms.Form):
    unit_name = forms.CharField(
        label=_("What is counted"),
        max_length=100,
        help_text=_("For example: beds, same-day appointments, waitlist places."),
    )
    available = forms.FloatField(label=_("Available now"), min_value=0)
    maximum = forms.FloatField(label=_("Maximum"), min_value=0, required=False)
