"""Consent, emergency access and accounting pages: thin edges over the privacy core."""

from __future__ import annotations

import csv
import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from carecircle.privacy import selectors, services
from carecircle.privacy.forms import ConsentForm, EmergencyAccessForm, ReviewForm, RevokeForm
from carecircle.privacy.models import ConsentDirective, EmergencyAccess, Person
from carecircle.privacy.rules import GENERAL, ROLE_CLASSES
from carecircle.web.access import actor_of, role_required, roles_with

READERS = roles_with(["general"])
#: Roles that can break the glass: those that may see more than general data (the service
#: decides per sector; see rules.emergency_access_classes).
EMERGENCY_ROLES = tuple(sorted(r for r, c in ROLE_CLASSES.items() if c - {GENERAL}))


def _person(person_id: uuid.UUID) -> Person:
    person = Person.objects.select_related("owner_organization").filter(pk=person_id).first()
    if person is None:
        raise Http404
    return person


def _form_errors(form: Form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@role_required(*READERS, person_level=True)
@require_http_methods(["GET", "POST"])
def consents(request: HttpRequest, person_id: uuid.UUID) -> HttpResponse:
    actor = actor_of(request)
    person = _person(person_id)
    directives = selectors.consent_list(actor=actor, person=person, purpose=request.purpose)  # type: ignore[attr-defined]
    form = ConsentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.consent_record(actor=actor, person=person, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Consent recorded."))
            return redirect("privacy:consents", person_id=person.pk)
    return render(
        request,
        "privacy/consents.html",
        {"person": person, "directives": directives, "form": form, "revoke_form": RevokeForm()},
        status=400 if form.errors else 200,
    )


@role_required(*READERS, person_level=True)
@require_POST
def consent_revoke(request: HttpRequest, consent_id: uuid.UUID) -> HttpResponse:
    actor = actor_of(request)
    consent = ConsentDirective.objects.select_related("person").filter(pk=consent_id).first()
    if consent is None:
        raise Http404
    form = RevokeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the consent is revoked."))
    else:
        try:
            services.consent_revoke(
                actor=actor, consent=consent, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Consent revoked. It no longer allows any disclosure."))
    return redirect("privacy:consents", person_id=consent.person_id)


@role_required(*EMERGENCY_ROLES, person_level=True)
@require_http_methods(["GET", "POST"])
def emergency_access(request: HttpRequest, person_id: uuid.UUID) -> HttpResponse:
    actor = actor_of(request)
    person = _person(person_id)
    form = EmergencyAccessForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.emergency_access_grant(
                actor=actor, person=person, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.warning(
                request,
                _("Emergency access granted for a limited time. It is logged and reviewed."),
            )
            client = getattr(person, "client", None)
            if client is not None:
                return redirect("clients:detail", client_id=client.pk)
            return redirect("web:home")
    return render(
        request,
        "privacy/emergency_access.html",
        {"person": person, "form": form},
        status=400 if form.errors else 200,
    )


@role_required(*READERS, person_level=True)
@require_http_methods(["GET"])
def disclosures(request: HttpRequest, person_id: uuid.UUID) -> HttpResponse:
    actor = actor_of(request)
    person = _person(person_id)
    events = selectors.disclosure_list(actor=actor, person=person)
    if request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="disclosures-{str(person.pk)[:8]}.csv"'
        )
        writer = csv.writer(response)
        writer.writerow(
            [
                "when",
                "organization",
                "sector",
                "role",
                "user",
                "information",
                "action",
                "purpose",
                "basis",
                "consent",
                "sent_by",
            ]
        )
        for chunk_start in range(0, events.count(), 2000):
            for row in selectors.disclosure_rows(events[chunk_start : chunk_start + 2000]):
                writer.writerow(selectors.audit_export_row(row))
        return response
    rows = selectors.disclosure_rows(events[:500])
    return render(request, "privacy/disclosures.html", {"person": person, "rows": rows})


@role_required("org_admin")
@require_http_methods(["GET"])
def emergency_reviews(request: HttpRequest) -> HttpResponse:
    grants = selectors.emergency_access_for_review(actor=actor_of(request))
    return render(
        request, "privacy/emergency_reviews.html", {"grants": grants, "form": ReviewForm()}
    )


@role_required("org_admin")
@require_POST
def emergency_review(request: HttpRequest, grant_id: int) -> HttpResponse:
    actor = actor_of(request)
    grant = EmergencyAccess.objects.select_related("person").filter(pk=grant_id).first()
    if grant is None:
        raise Http404
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose an outcome."))
        return redirect("privacy:emergency_reviews")
    try:
        services.emergency_access_review(actor=actor, grant=grant, **form.cleaned_data)
    except PermissionDenied:
        raise
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Review recorded."))
    return redirect("privacy:emergency_reviews")
