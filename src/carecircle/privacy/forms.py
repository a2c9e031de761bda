from django import forms
from django.utils.translation import gettext_lazy as _

from carecircle.partners.models import Organization, Sector
from carecircle.privacy.models import ConsentDecision, DataClass, Purpose


class ConsentForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("The person"), choices=ConsentDecision.choices, widget=forms.RadioSelect
    )
    data_classes = forms.MultipleChoiceField(
        label=_("Which information"), choices=DataClass.choices, widget=forms.CheckboxSelectMultiple
    )
    recipient_organizations = forms.ModelMultipleChoiceField(
        label=_("Shared with these organizations"),
        queryset=Organization.objects.filter(is_active=True).order_by("name"),
        required=False,
    )
    recipient_sectors = forms.MultipleChoiceField(
        label=_("Or with every organization in these sectors"),
        choices=Sector.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    recipient_care_team = forms.BooleanField(label=_("The person's care team"), required=False)
    purposes = forms.MultipleChoiceField(
        label=_("For what"), choices=Purpose.choices, widget=forms.CheckboxSelectMultiple
    )
    period_end = forms.DateTimeField(
        label=_("Until (leave empty for no end date)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )


class RevokeForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500)


class EmergencyAccessForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is this an emergency?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        min_length=10,
    )


class ReviewForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[("justified", _("Justified")), ("unjustified", _("Not justified"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=1000)
