"""Forms of the client pages: they parse input; the services decide what is allowed."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from carecircle.clients.models import (
    Client,
    GoalDomain,
    GoalStatus,
    HousingStatus,
    Identification,
    ParentStatus,
    SupportKind,
    YesNoUnsaid,
)
from carecircle.clients.services.care_team import CARE_TEAM_ROLES
from carecircle.partners.models import Membership, Organization, Role
from carecircle.privacy.models import DataClass

DECLINED = _("Prefers not to say")


class SuggestionsInput(forms.TextInput):
    """A text box with suggestions (a <datalist>): the person's own words always fit, and
    "Prefers not to say" is always one of the suggestions. Works without JavaScript."""

    def __init__(self, suggestions: Sequence[object], attrs: dict[str, Any] | None = None):
        super().__init__(attrs)
        self.suggestions = suggestions

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        list_id = f"{(attrs or {}).get('id') or 'id_' + name}-suggestions"
        attrs = {**(attrs or {}), "list": list_id}
        box = super().render(name, value, attrs, renderer)
        options = format_html_join(
            "", '<option value="{}"></option>', ((str(s),) for s in self.suggestions)
        )
        return format_html('{}<datalist id="{}">{}</datalist>', box, list_id, options)


def _yes_no(label: Any, help_text: Any = "") -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label, choices=YesNoUnsaid.choices, required=False, help_text=help_text
    )


class ClientForm(forms.Form):
    """A client record: how the person is known, optional self-identified demographics, and
    how (and whether) workers may reach them."""

    identification = forms.ChoiceField(
        label=_("How does the person want to be known here?"),
        choices=Identification.choices,
        widget=forms.RadioSelect,
        required=False,
        help_text=_(
            "Every way is a full record. Ask; never insist on a legal name. If you choose "
            "none, it follows from the names or code you give."
        ),
    )
    preferred_name = forms.CharField(
        label=_("Name the person goes by"), max_length=120, required=False
    )
    alias = forms.CharField(label=_("Alias or street name"), max_length=120, required=False)
    legal_given_name = forms.CharField(label=_("Legal given name"), max_length=120, required=False)
    legal_family_name = forms.CharField(
        label=_("Legal family name"), max_length=120, required=False
    )
    identifier_code = forms.CharField(
        label=_("Identifier code"),
        max_length=32,
        required=False,
        help_text=_("For people who prefer not to give a name: a code they can repeat."),
    )

    birth_date = forms.DateField(
        label=_("Birth date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    age = forms.IntegerField(
        label=_("Age"),
        required=False,
        min_value=0,
        max_value=120,
        help_text=_("Instead of the birth date, if the person prefers."),
    )
    gender_identity = forms.CharField(
        label=_("Gender identity, in the person's words"),
        max_length=80,
        required=False,
        widget=SuggestionsInput(
            [
                _("Woman"),
                _("Man"),
                _("Two-Spirit"),
                _("Non-binary"),
                _("Transgender woman"),
                _("Transgender man"),
                DECLINED,
            ]
        ),
    )
    pronouns = forms.CharField(
        label=_("Pronouns"),
        max_length=40,
        required=False,
        widget=SuggestionsInput(
            [_("she/her"), _("he/him"), _("they/them"), _("Use my name"), DECLINED]
        ),
    )
    indigenous_identity = forms.CharField(
        label=_("Indigenous identity, in the person's words"),
        max_length=120,
        required=False,
        widget=SuggestionsInput(
            [
                _("First Nations"),
                _("Métis"),
                _("Inuit"),
                _("Native American"),
                _("Alaska Native"),
                _("Not Indigenous"),
                DECLINED,
            ]
        ),
    )
    two_slgbtq = _yes_no(
        _("Two-Spirit, lesbian, gay, bisexual, trans, queer or questioning (2SLGBTQ+)?")
    )
    languages = forms.CharField(
        label=_("Languages"),
        max_length=500,
        required=False,
        help_text=_("Separate languages with commas, the one the person prefers first."),
    )
    rural_remote = _yes_no(_("Lives in a rural or remote place?"))
    housing_status = forms.ChoiceField(
        label=_("Housing"), choices=HousingStatus.choices, required=False
    )
    parent_status = forms.ChoiceField(
        label=_("Parent, pregnant or postpartum?"), choices=ParentStatus.choices, required=False
    )

    phone = forms.CharField(
        label=_("Phone"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    email = forms.CharField(
        label=_("Email"),
        max_length=254,
        required=False,
        widget=forms.TextInput(attrs={"type": "email", "autocomplete": "off"}),
    )
    safe_to_text = _yes_no(_("Safe to send a text message?"))
    safe_to_voicemail = _yes_no(_("Safe to leave a voicemail?"))
    safe_contact_time = forms.CharField(
        label=_("Safe time to call or visit"), max_length=120, required=False
    )
    contact_notes = forms.CharField(
        label=_("Contact notes"),
        max_length=300,
        required=False,
        help_text=_("E.g. use the name Sam on the phone; do not mention the clinic."),
    )

    SECTIONS: tuple[tuple[object, tuple[str, ...]], ...] = (
        (
            _("How the person is known"),
            (
                "identification",
                "preferred_name",
                "alias",
                "legal_given_name",
                "legal_family_name",
                "identifier_code",
            ),
        ),
        (
            _("About the person (optional, as they describe themselves)"),
            (
                "birth_date",
                "age",
                "gender_identity",
                "pronouns",
                "indigenous_identity",
                "two_slgbtq",
                "languages",
                "rural_remote",
                "housing_status",
                "parent_status",
            ),
        ),
        (
            _("Safe contact"),
            (
                "phone",
                "email",
                "safe_to_text",
                "safe_to_voicemail",
                "safe_contact_time",
                "contact_notes",
            ),
        ),
    )

    @property
    def sections(self) -> list[tuple[object, list[forms.BoundField]]]:
        return [(legend, [self[name] for name in names]) for legend, names in self.SECTIONS]

    @classmethod
    def initial_for(cls, client: Client, *, today: date | None = None) -> dict[str, Any]:
        """The form's values for an existing record (the age from the birth year when only
        that is known)."""
        initial: dict[str, Any] = {
            name: getattr(client, name)
            for name in cls.base_fields
            if name not in {"age", "languages"}
        }
        initial["languages"] = ", ".join(client.languages or [])
        if client.birth_date is None and client.birth_year is not None:
            initial["age"] = (today or timezone.localdate()).year - client.birth_year
        return initial

    def profile(self) -> dict[str, Any]:
        """The cleaned values, as the services take them."""
        return dict(self.cleaned_data)


class ClientEntryForm(forms.Form):
    """A note, labelled with a kind of information the reader may write."""

    data_class = forms.ChoiceField(label=_("Kind of information"), choices=DataClass.choices)
    body = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, classes: Iterable[tuple[str, Any]] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if classes is not None:
            self.fields["data_class"].choices = list(classes)  # type: ignore[attr-defined]


class SupportContactForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    kind = forms.ChoiceField(label=_("Relationship"), choices=SupportKind.choices)
    relationship = forms.CharField(
        label=_("In the person's words"),
        max_length=120,
        required=False,
        help_text=_("E.g. my sister, my street family, my auntie."),
    )
    phone = forms.CharField(
        label=_("Phone"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    is_emergency_contact = forms.BooleanField(
        label=_("Emergency contact (replaces the current one)"), required=False
    )
    may_be_contacted = forms.BooleanField(
        label=_("The person agrees that workers may contact them"), required=False
    )


class IdForm(forms.Form):
    """One object of the page acted on (a support contact, a member, a step)."""

    id = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


class CareTeamMemberForm(forms.Form):
    organization = forms.ModelChoiceField(
        label=_("Organization"),
        queryset=Organization.objects.filter(is_active=True).order_by("name"),
    )
    worker = forms.ModelChoiceField(
        label=_("Worker (optional)"),
        queryset=Membership.objects.none(),
        required=False,
        help_text=_("Must be a member of the organization chosen above."),
    )
    role = forms.ChoiceField(
        label=_("Role on the care team"),
        required=False,
        choices=[("", _("Not said"))]
        + [(r, label) for r, label in Role.choices if r in CARE_TEAM_ROLES],
    )
    is_lead = forms.BooleanField(label=_("Lead of the care team"), required=False)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        worker = self.fields["worker"]
        worker.queryset = (  # type: ignore[attr-defined]
            Membership.objects.filter(is_active=True, organization__is_active=True)
            .select_related("user", "organization")
            .order_by("organization__name", "user__username")
        )
        worker.label_from_instance = lambda m: (  # type: ignore[attr-defined]
            f"{m.user.get_full_name() or m.user.get_username()} — {m.organization.name}"
        )


class GoalForm(forms.Form):
    domain = forms.ChoiceField(label=_("Life area"), choices=GoalDomain.choices)
    own_words = forms.CharField(
        label=_("The goal, in the person's own words"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    data_class = forms.ChoiceField(
        label=_("Kind of information"),
        required=False,
        help_text=_(
            "Treatment goals are substance-use information and health or wellbeing goals "
            "health information unless you choose otherwise; the others are general."
        ),
    )

    def __init__(self, *args: Any, classes: Iterable[tuple[str, Any]] = (), **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["data_class"].choices = [  # type: ignore[attr-defined]
            ("", _("The usual kind for this life area")),
            *classes,
        ]


class GoalStatusForm(forms.Form):
    id = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    status = forms.ChoiceField(label=_("Status"), choices=GoalStatus.choices)


class TaskForm(forms.Form):
    goal = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    description = forms.CharField(label=_("What will be done"), max_length=300)
    owner = forms.ChoiceField(label=_("Who does it"))
    due_on = forms.DateField(
        label=_("Due"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, owners: Iterable[tuple[str, str]] = (), **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = list(owners)  # type: ignore[attr-defined]

    def owner_fields(self) -> dict[str, Any]:
        """``owner`` ("person", "org:<id>" or "user:<org>:<user>") as the service takes it."""
        kind, _sep, rest = self.cleaned_data["owner"].partition(":")
        if kind == "person":
            return {"owner_is_person": True}
        org_id, _sep, user_id = rest.partition(":")
        organization = Organization.objects.filter(pk=int(org_id), is_active=True).first()
        return {
            "owner_is_person": False,
            "owner_organization": organization,
            "owner_user_id": int(user_id) if user_id else None,
        }
