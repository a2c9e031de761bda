"""The plain-language consent form a worker reads aloud to the person, and the revoke form."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms.boundfield import BoundWidget
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from carecircle.clients.selectors.access import CLASS_WORDS, PURPOSE_WORDS, class_explanation
from carecircle.partners.models import Organization, Sector
from carecircle.privacy.models import ConsentCapture, ConsentDecision, DataClass, Purpose

UNTIL_STOP = "stop"
UNTIL_DATE = "date"

#: Service errors without a field of their own, shown beside the question they answer.
SERVICE_FIELDS = {
    "recipients": "recipient_organizations",
    "period_end": "until_date",
    "attestation": "attest",
}


class ConsentCaptureForm(forms.Form):
    """Who, which kinds of information, what for, until when, yes or no, and how the person
    said so. The template asks these in that order, in words that read aloud well."""

    recipient_organizations = forms.ModelMultipleChoiceField(
        label=gettext_lazy("These organizations"),
        queryset=Organization.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    recipient_sectors = forms.MultipleChoiceField(
        label=gettext_lazy("Every organization of these kinds"),
        choices=Sector.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    recipient_care_team = forms.BooleanField(
        label=gettext_lazy("The people on my care team"), required=False
    )
    data_classes = forms.MultipleChoiceField(
        label=gettext_lazy("Which kinds of information?"),
        choices=[(c, CLASS_WORDS[c].title) for c in DataClass.values],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("Choose at least one kind of information.")},
    )
    purposes = forms.MultipleChoiceField(
        label=gettext_lazy("What for?"),
        choices=[(p, PURPOSE_WORDS[p].title) for p in Purpose.values],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("Choose at least one reason.")},
    )
    until = forms.ChoiceField(
        label=gettext_lazy("Until when?"),
        choices=[
            (UNTIL_STOP, gettext_lazy("Until I say stop")),
            (UNTIL_DATE, gettext_lazy("Until a date")),
        ],
        widget=forms.RadioSelect,
        initial=UNTIL_STOP,
    )
    until_date = forms.DateField(
        label=gettext_lazy("The last day"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    decision = forms.ChoiceField(
        label=gettext_lazy("Do you agree?"),
        choices=[
            (ConsentDecision.PERMIT, gettext_lazy("Yes, they may see it")),
            (ConsentDecision.DENY, gettext_lazy("No, they may not see it")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose yes or no.")},
    )
    capture_method = forms.ChoiceField(
        label=gettext_lazy("How did the person give their answer?"),
        choices=ConsentCapture.choices,
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose how the person gave their answer.")},
    )
    signature = forms.CharField(required=False, widget=forms.HiddenInput, strip=True)
    attest = forms.BooleanField(
        label=gettext_lazy(
            "I read this consent aloud to the person, answered their questions, and they told "
            "me their choice out loud."
        ),
        required=False,
    )
    read_by = forms.CharField(label=gettext_lazy("Who read it"), max_length=120, required=False)
    attestation_note = forms.CharField(
        label=gettext_lazy("Anything to add (for example, the interpreter's name)"),
        max_length=500,
        required=False,
    )
    paper_on_file = forms.BooleanField(
        label=gettext_lazy("The person signed the paper form, and it is kept on file."),
        required=False,
    )
    note = forms.CharField(label=gettext_lazy("Note (optional)"), max_length=300, required=False)

    def __init__(
        self,
        *args: Any,
        partners: QuerySet[Organization],
        time_zone: ZoneInfo,
        regime: str,
        worker_name: str = "",
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("initial", {}).setdefault("read_by", worker_name)
        super().__init__(*args, **kwargs)
        self.partners = list(partners)
        field = self.fields["recipient_organizations"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = partners
        self.time_zone = time_zone
        self.regime = regime

    # --- what the template draws ---------------------------------------------------------

    def organization_groups(self) -> list[tuple[str, list[BoundWidget]]]:
        """The partner checkboxes, grouped under their sector."""
        labels = dict(Sector.choices)
        sectors = {str(o.pk): str(labels.get(o.sector, o.sector)) for o in self.partners}
        groups: dict[str, list[BoundWidget]] = {}
        for box in self["recipient_organizations"]:
            value = getattr(box.data["value"], "value", box.data["value"])
            groups.setdefault(sectors.get(str(value), ""), []).append(box)
        return list(groups.items())

    def class_boxes(self) -> list[tuple[BoundWidget, str]]:
        return [
            (box, class_explanation(value, self.regime))
            for box, value in zip(self["data_classes"], DataClass.values, strict=True)
        ]

    def purpose_boxes(self) -> list[tuple[BoundWidget, str]]:
        return [
            (box, str(PURPOSE_WORDS[value].explanation))
            for box, value in zip(self["purposes"], Purpose.values, strict=True)
        ]

    # --- validation ------------------------------------------------------------------------

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (
            data.get("recipient_organizations")
            or data.get("recipient_sectors")
            or data.get("recipient_care_team")
        ):
            self.add_error(
                "recipient_organizations",
                _("Choose who: organizations, kinds of organizations, or the care team."),
            )
        data["period_end"] = None
        if data.get("until") == UNTIL_DATE:
            last_day = data.get("until_date")
            today = timezone.localtime(timezone.now(), self.time_zone).date()
            if last_day is None:
                if "until_date" not in self.errors:
                    self.add_error(
                        "until_date", _("Give the last day, or choose “Until I say stop”.")
                    )
            elif last_day < today:
                self.add_error("until_date", _("The last day cannot be in the past."))
            else:
                # Through the whole of the last day, where the person lives.
                data["period_end"] = datetime.combine(
                    last_day, time(23, 59, 59), tzinfo=self.time_zone
                )
        method = data.get("capture_method")
        if method != ConsentCapture.SIGNATURE:
            # A signature drawn and then abandoned for another way is not kept.
            data["signature"] = ""
        data["attestation"] = ""
        if method == ConsentCapture.SIGNATURE and not data.get("signature"):
            self.add_error(
                "signature",
                _("Ask the person to sign in the box, or choose another way."),
            )
        elif method == ConsentCapture.VERBAL:
            if not data.get("attest"):
                self.add_error(
                    "attest",
                    _("Tick the box to attest that you read it aloud and the person agreed."),
                )
            reader = (data.get("read_by") or "").strip()
            if not reader:
                self.add_error("read_by", _("Say who read the consent to the person."))
            if data.get("attest") and reader:
                statement = _(
                    "%(reader)s read this consent aloud to the person, answered their "
                    "questions, and the person gave their choice out loud."
                ) % {"reader": reader}
                extra = (data.get("attestation_note") or "").strip()
                data["attestation"] = f"{statement} {extra}".strip()
        elif method == ConsentCapture.PAPER and not data.get("paper_on_file"):
            self.add_error(
                "paper_on_file",
                _("Tick the box to confirm the signed paper form is kept on file."),
            )
        return data

    def service_arguments(self) -> dict[str, Any]:
        """The cleaned answers, as ``privacy.services.consent_record`` takes them."""
        data = self.cleaned_data
        return {
            "decision": data["decision"],
            "data_classes": data["data_classes"],
            "purposes": data["purposes"],
            "recipient_organizations": list(data.get("recipient_organizations") or []),
            "recipient_sectors": data.get("recipient_sectors") or [],
            "recipient_care_team": bool(data.get("recipient_care_team")),
            "period_end": data.get("period_end"),
            "capture_method": data["capture_method"],
            "signature": data.get("signature", ""),
            "attestation": data.get("attestation", ""),
            "note": data.get("note", ""),
        }

    def add_service_errors(self, exc: ValidationError) -> None:
        """Put the service's errors beside the question each one is about."""
        if not hasattr(exc, "error_dict"):
            self.add_error(None, exc.messages)
            return
        for key, messages in exc.message_dict.items():
            name = SERVICE_FIELDS.get(key, key)
            if name == "attest" and self.cleaned_data.get("capture_method") != "verbal":
                name = "capture_method"
            self.add_error(name if name in self.fields else None, messages)


class ConsentRevokeForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why is it withdrawn?"),
        max_length=300,
        error_messages={"required": gettext_lazy("Say why the consent is withdrawn.")},
    )
