from django import forms
from django.utils.translation import gettext_lazy as _

from carecircle.privacy.models import DataClass


class ClientCreateForm(forms.Form):
    preferred_name = forms.CharField(label=_("Preferred name"), max_length=120, required=False)
    identifier_code = forms.CharField(
        label=_("Identifier code"),
        max_length=32,
        required=False,
        help_text=_("For people who prefer not to give a name."),
    )


class ClientEntryForm(forms.Form):
    data_class = forms.ChoiceField(label=_("Kind of information"), choices=DataClass.choices)
    body = forms.CharField(label=_("Entry"), widget=forms.Textarea(attrs={"rows": 3}))
