"""Referral forms: they parse and validate input; the rules live in referrals.services.

Every form that changes an existing referral carries ``expected_version``: the version the
person saw, so a change made meanwhile by someone else is reported instead of overwritten.
Date-times are entered in the jurisdiction's local time (the view activates its time zone).
"""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from carecircle.directory.models import Service
from carecircle.partners.models import Organization
from carecircle.privacy.models import DataClass
from carecircle.referrals import deadlines
from carecircle.referrals.models import STATUS_LABELS, URGENCY_CHOICES
from carecircle.referrals.selectors import MAX_PAGE
from carecircle.referrals.states import REASON_REQUIRED, Enrollment, Status

REASON_MAX = 2000
TEXT_MAX = 200

#: The moves a bulk action offers, in the words on the inbox.
BULK_ACTIONS: dict[str, tuple[str, object]] = {
    "accept": (Status.ACCEPTED.value, _("Accept")),
    "decline": (Status.REJECTED.value, _("Decline (say why)")),
    "cancel": (Status.CANCELLED.value, _("Cancel (say why)")),
    "in_progress": (Status.IN_PROGRESS.value, _("Mark in progress")),
}

#: What the button for each move says.
MOVE_LABELS: dict[str, object] = {
    Status.REQUESTED: _("Send the referral"),
    Status.ACCEPTED: _("Accept"),
    Status.REJECTED: _("Decline"),
    Status.CANCELLED: _("Cancel the referral"),
    Status.IN_PROGRESS: _("Mark in progress"),
    Status.ON_HOLD: _("Put on hold"),
    Status.COMPLETED: _("Mark completed"),
    Status.FAILED: _("Mark not completed"),
    Status.ENTERED_IN_ERROR: _("Mark entered in error"),
}

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format=DATETIME_LOCAL)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def _appointment_field() -> forms.DateTimeField:
    return forms.DateTimeField(
        label=_("Appointment (date and time)"),
        required=False,
        widget=DateTimeLocalInput(),
        input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
    )


class InboxFilterForm(forms.Form):
    """The inbox's filters: a GET form that works without JavaScript."""

    OPEN = ""
    ALL = "all"

    box = forms.ChoiceField(
        choices=[("incoming", _("Incoming")), ("outgoing", _("Outgoing"))],
        required=False,
        widget=forms.HiddenInput,
    )
    status = forms.ChoiceField(label=_("Status"), required=False)
    urgency = forms.ChoiceField(
        label=_("Urgency"), required=False, choices=[("", _("Any urgency")), *URGENCY_CHOICES]
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    service = forms.ChoiceField(label=_("Service"), required=False)
    #: Beyond the last page the inbox serves, the form drops the number: page 1 is shown.
    page = forms.IntegerField(
        required=False, min_value=1, max_value=MAX_PAGE, widget=forms.HiddenInput
    )

    def __init__(self, *args: Any, services: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        status_field: Any = self.fields["status"]
        status_field.choices = [
            (self.OPEN, _("Open referrals")),
            (self.ALL, _("All referrals")),
            *[(s.value, STATUS_LABELS[s]) for s in Status],
        ]
        service_field: Any = self.fields["service"]
        service_field.choices = [("", _("Any service")), *services]


class UUIDListField(forms.MultipleChoiceField):
    """Referral ids ticked in a list: their form only (the service checks each one)."""

    def valid_value(self, value: object) -> bool:
        try:
            uuid.UUID(str(value))
        except ValueError:
            return False
        return True


class BulkActionForm(forms.Form):
    """One action on the referrals ticked in the inbox."""

    referral = UUIDListField(error_messages={"required": _("Tick at least one referral.")})
    action = forms.ChoiceField(
        label=_("Action"), choices=[(k, label) for k, (_to, label) in BULK_ACTIONS.items()]
    )
    reason = forms.CharField(
        label=_("Reason (needed to decline or cancel)"),
        required=False,
        max_length=REASON_MAX,
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        action = cleaned.get("action")
        if action in BULK_ACTIONS:
            to = BULK_ACTIONS[action][0]
            if to in REASON_REQUIRED and not (cleaned.get("reason") or "").strip():
                self.add_error("reason", _("Say why, so the other organization knows."))
            cleaned["to"] = to
        return cleaned


class VersionedForm(forms.Form):
    """A change to a referral as it was when the page was shown."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class TransitionForm(VersionedForm):
    to = forms.ChoiceField(choices=[(s.value, s.value) for s in Status], widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=REASON_MAX, widget=forms.Textarea({"rows": 2})
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("to") in REASON_REQUIRED and not (cleaned.get("reason") or "").strip():
            self.add_error("reason", _("Say why, so the other organization knows."))
        return cleaned


class AppointmentForm(VersionedForm):
    appointment_at = _appointment_field()
    accompanied_by = forms.CharField(
        label=_("Who goes with the person"), required=False, max_length=TEXT_MAX
    )
    transport = forms.CharField(label=_("Transport"), required=False, max_length=TEXT_MAX)
    handoff_notes = forms.CharField(
        label=_("Handoff notes"),
        required=False,
        max_length=REASON_MAX,
        widget=forms.Textarea({"rows": 3}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["appointment_at"].required = True


class OutcomeForm(VersionedForm):
    enrollment = forms.ChoiceField(
        label=_("Outcome"),
        widget=forms.RadioSelect,
        choices=[
            (Enrollment.ENROLLED.value, _("Enrolled")),
            (Enrollment.NOT_ENROLLED.value, _("Not enrolled")),
            (Enrollment.WAITLISTED.value, _("Waitlisted")),
        ],
    )
    outcome_on = forms.DateField(label=_("Date"), widget=DateInput())
    reason = forms.CharField(
        label=_("Reason (needed when not enrolled)"),
        required=False,
        max_length=REASON_MAX,
        widget=forms.Textarea({"rows": 2}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if (
            cleaned.get("enrollment") == Enrollment.NOT_ENROLLED
            and not (cleaned.get("reason") or "").strip()
        ):
            self.add_error("reason", _("Say why the person was not enrolled."))
        return cleaned


class ReopenForm(VersionedForm):
    reason = forms.CharField(
        label=_("Why reopen it?"), max_length=REASON_MAX, widget=forms.Textarea({"rows": 2})
    )


class ReferralCreateForm(forms.Form):
    """A new referral of one person to a partner organization's service."""

    service = forms.ModelChoiceField(
        label=_("Service"),
        queryset=Service.objects.none(),
        required=False,
        widget=forms.HiddenInput,  # rendered by the template as radio buttons of the search
    )
    receiving_organization = forms.ModelChoiceField(
        label=_("Or refer to an organization (no specific service)"),
        queryset=Organization.objects.none(),
        required=False,
        empty_label=_("Choose an organization"),
    )
    data_class = forms.ChoiceField(label=_("What the referral is about"))
    urgency = forms.ChoiceField(
        label=_("Urgency"), choices=URGENCY_CHOICES, initial="routine", required=False
    )
    reason = forms.CharField(
        label=_("What the person needs"),
        required=False,
        max_length=REASON_MAX,
        widget=forms.Textarea({"rows": 3}),
    )
    do_not_contact = forms.BooleanField(
        label=_("Do not contact the person directly"),
        widget=forms.CheckboxInput({"aria-describedby": "dnc-help"}),
        help_text=_("The receiving organization reaches the person only through you."),
        required=False,
    )
    appointment_at = _appointment_field()
    accompanied_by = forms.CharField(
        label=_("Who goes with the person"), required=False, max_length=TEXT_MAX
    )
    transport = forms.CharField(label=_("Transport"), required=False, max_length=TEXT_MAX)
    handoff_notes = forms.CharField(
        label=_("Handoff notes"),
        required=False,
        max_length=REASON_MAX,
        widget=forms.Textarea({"rows": 3}),
    )
    waitlist_ok = forms.BooleanField(
        label=_("Add to the waitlist anyway"),
        widget=forms.CheckboxInput({"aria-describedby": "waitlist-help"}),
        help_text=_("Send the referral even if the service has no capacity right now."),
        required=False,
    )

    def __init__(
        self,
        *args: Any,
        services: Any,
        organizations: Any,
        data_classes: list[str],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        service_field: Any = self.fields["service"]
        service_field.queryset = services
        org_field: Any = self.fields["receiving_organization"]
        org_field.queryset = organizations
        labels = dict(DataClass.choices)
        class_field: Any = self.fields["data_class"]
        class_field.choices = [(c, labels[c]) for c in data_classes]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        cleaned["urgency"] = cleaned.get("urgency") or "routine"
        service = cleaned.get("service")
        organization = cleaned.get("receiving_organization")
        if service is not None:
            partner = service.organization.partner if service.organization else None
            if partner is None:
                self.add_error("service", _("This service is not offered by a partner."))
            elif organization is not None and organization.pk != partner.pk:
                self.add_error(
                    "receiving_organization",
                    _("The service belongs to another organization: choose one or the other."),
                )
            else:
                cleaned["receiving_organization"] = partner
        elif organization is None and "service" not in self.errors:
            self.add_error("service", _("Choose a service, or an organization to refer to."))
        return cleaned


#: How a deadline is counted: the form's choice, the kernel's field.
HOURS = "hours"
BUSINESS_DAYS = "business_days"


def _number_field(label: Any, limit: int | None = None) -> forms.IntegerField:
    attrs: dict[str, Any] = {"min": 1, "inputmode": "numeric"}
    if limit is not None:
        attrs["max"] = limit
    # Ranges are checked in clean(), so that the message names the unit and the limit.
    return forms.IntegerField(
        label=label,
        required=False,
        widget=forms.NumberInput(attrs),
        error_messages={"invalid": _("Enter a whole number, such as 4.")},
    )


class DeadlineForm(forms.Form):
    """One urgency's response deadline, on the jurisdiction's deadlines page (one form per
    urgency, prefixed with it). "Use the default" is offered where the jurisdiction has its
    own deadline: ticked, that deadline is removed and the default applies again."""

    use_default = forms.BooleanField(label=_("Use the default instead"), required=False)
    unit = forms.ChoiceField(
        label=_("Count the deadline in"),
        choices=[(HOURS, _("hours on the clock")), (BUSINESS_DAYS, _("business days"))],
        widget=forms.RadioSelect,
        required=False,
        # Not the value sent back in the message: it may be anything, NUL characters included.
        error_messages={"invalid_choice": _("Choose hours on the clock or business days.")},
    )
    amount = _number_field(_("Answer within (number of hours or business days)"))
    escalate_after_hours = _number_field(
        _("Escalate this many hours after the deadline"), deadlines.MAX_ESCALATE_AFTER_HOURS
    )

    def __init__(
        self,
        *args: Any,
        urgency: str,
        label: str,
        own: bool,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("prefix", urgency)
        super().__init__(*args, **kwargs)
        self.urgency = urgency
        self.label = label
        self.own = own
        for name in ("unit", "amount", "escalate_after_hours"):
            # What the page showed comes back hidden, so a row counts as changed against what
            # this person saw, not against the database: saving a page opened before someone
            # else's change leaves their change alone where this person changed nothing.
            self.fields[name].show_hidden_initial = True
        if own:
            widget = self.fields["use_default"].widget
            widget.attrs["aria-describedby"] = f"{self['use_default'].auto_id}_help"
        else:
            # Nothing to go back from: changing the numbers sets the jurisdiction's own.
            del self.fields["use_default"]

    def clean_unit(self) -> str:
        getlist = getattr(self.data, "getlist", None)
        if getlist is not None and len(getlist(self.add_prefix("unit"))) > 1:
            raise forms.ValidationError(
                _("Choose hours on the clock or business days, not both."), code="both"
            )
        return str(self.cleaned_data.get("unit") or "")

    def _in_range(self, name: str, value: int | None, limit: int, message: Any) -> None:
        if name in self.errors:
            return
        if value is None or not 1 <= value <= limit:
            self.add_error(name, message % {"max": limit})

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("use_default"):
            # The default replaces whatever else this row says: nothing of it is kept.
            for name in ("unit", "amount", "escalate_after_hours"):
                self.errors.pop(name, None)
            cleaned["rule"] = None
            return cleaned
        unit = cleaned.get("unit")
        if "unit" not in self.errors and not unit:
            self.add_error("unit", _("Choose hours on the clock or business days."))
        amount: int | None = cleaned.get("amount")
        escalate: int | None = cleaned.get("escalate_after_hours")
        if unit == BUSINESS_DAYS:
            self._in_range(
                "amount",
                amount,
                deadlines.MAX_BUSINESS_DAYS,
                _("Give the deadline as a whole number of business days from 1 to %(max)d."),
            )
        elif unit == HOURS:
            self._in_range(
                "amount",
                amount,
                deadlines.MAX_HOURS,
                _("Give the deadline as a whole number of hours from 1 to %(max)d."),
            )
        self._in_range(
            "escalate_after_hours",
            escalate,
            deadlines.MAX_ESCALATE_AFTER_HOURS,
            _("Give the escalation as a whole number of hours from 1 to %(max)d."),
        )
        if self.errors:
            return cleaned
        assert escalate is not None  # _in_range refused a missing one
        try:
            # The kernel decides what a rule is (the service checks it again).
            cleaned["rule"] = deadlines.DeadlineRule(
                hours=amount if unit == HOURS else None,
                business_days=amount if unit == BUSINESS_DAYS else None,
                escalate_after_hours=escalate,
            )
        except (TypeError, ValueError):
            self.add_error(None, _("This deadline cannot be used."))
        return cleaned

    @property
    def rule(self) -> deadlines.DeadlineRule | None:
        """The rule to save (None: back to the default), once the form is valid."""
        rule: deadlines.DeadlineRule | None = self.cleaned_data["rule"]
        return rule


def deadline_initial(rule: deadlines.DeadlineRule) -> dict[str, Any]:
    """A rule as a deadline form's initial values."""
    amount: int | None
    if rule.hours is not None:
        unit, amount = HOURS, rule.hours
    else:
        unit, amount = BUSINESS_DAYS, rule.business_days
    return {"unit": unit, "amount": amount, "escalate_after_hours": rule.escalate_after_hours}
