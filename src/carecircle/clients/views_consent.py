"""Consent pages on a client's record: record, summarise, revoke, and "who can see what".

Thin edges over ``clients.selectors.access`` (holder-only, audited reads) and
``privacy.services`` (the writes). Only the organization holding the record uses them.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from carecircle.clients.forms_consent import ConsentCaptureForm, ConsentRevokeForm
from carecircle.clients.models import Client
from carecircle.clients.selectors import access
from carecircle.privacy import services as privacy
from carecircle.privacy.models import ConsentDirective
from carecircle.web.access import actor_of, role_required, roles_with

READERS = roles_with(["general"])
#: Those who meet the person record and withdraw consent (privacy.services enforces it too).
KEEPERS = tuple(sorted(privacy.CONSENT_KEEPERS))


def _purpose(request: HttpRequest) -> str:
    return str(request.purpose)  # type: ignore[attr-defined]


@role_required(*KEEPERS, person_level=True)
@require_http_methods(["GET", "POST"])
def consent_new(request: HttpRequest, client_id: int) -> HttpResponse:
    actor = actor_of(request)
    try:
        client = access.consent_subject_get(
            actor=actor, client_id=client_id, purpose=_purpose(request)
        )
    except Client.DoesNotExist:
        raise Http404 from None
    jurisdiction = client.person.owner_organization.jurisdiction
    form = ConsentCaptureForm(
        request.POST or None,
        partners=access.consent_partners(actor=actor),
        time_zone=access.record_time_zone(client),
        regime=str(jurisdiction.privacy_regime),
        worker_name=access.user_name(request.user),
    )
    if request.method == "POST" and form.is_valid():
        try:
            consent = privacy.consent_record(
                actor=actor, person=client.person, **form.service_arguments()
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("Consent recorded. Read the summary back to the person."))
            return redirect("clients:consent_summary", client_id=client.pk, consent_id=consent.pk)
    return render(
        request,
        "clients/consent_new.html",
        {"client": client, "form": form, "holder": actor.organization},
        status=400 if form.errors else 200,
    )


@role_required(*READERS, person_level=True)
@require_http_methods(["GET"])
def consent_summary(request: HttpRequest, client_id: int, consent_id: uuid.UUID) -> HttpResponse:
    """The printable summary, in the reader's language or the one asked for (?lang=fr)."""
    actor = actor_of(request)
    languages = dict(settings.LANGUAGES)
    language = request.GET.get("lang", "")
    if language not in languages:
        language = translation.get_language() or settings.LANGUAGE_CODE
    # The words are chosen while reading, so the whole summary is in the language asked for.
    with translation.override(language):
        try:
            summary = access.consent_summary_get(
                actor=actor,
                client_id=client_id,
                consent_id=consent_id,
                purpose=_purpose(request),
            )
        except (Client.DoesNotExist, ConsentDirective.DoesNotExist):
            raise Http404 from None
        return render(
            request,
            "clients/consent_summary.html",
            {
                "summary": summary,
                "words": summary.words,
                "client": summary.client,
                "summary_language": language,
                "languages": list(languages.items()),
            },
        )


@role_required(*READERS, person_level=True)
@require_http_methods(["GET"])
def consent_list(request: HttpRequest, client_id: int) -> HttpResponse:
    """The person's consents on a page of their own (the record page shows the same panel)."""
    actor = actor_of(request)
    client = (
        Client.objects.select_related("person__owner_organization__jurisdiction")
        .filter(pk=client_id)
        .first()
    )
    if client is None:
        raise Http404
    panel = access.consent_panel_get(actor=actor, client=client, purpose=_purpose(request))
    if panel is None:
        raise PermissionDenied("Only the organization holding the record sees its consents.")
    return render(request, "clients/consent_list.html", {"client": client, "panel": panel})


@role_required(*KEEPERS, person_level=True)
@require_POST
def consent_revoke(request: HttpRequest, client_id: int, consent_id: uuid.UUID) -> HttpResponse:
    """Withdraw a consent in one step: the next request of anyone no longer sees through it."""
    actor = actor_of(request)
    consent = (
        ConsentDirective.objects.select_related("person")
        .filter(pk=consent_id, person__client__pk=client_id)
        .first()
    )
    if consent is None:
        raise Http404
    form = ConsentRevokeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The consent was not withdrawn: say why it is withdrawn."))
    else:
        try:
            privacy.consent_revoke(actor=actor, consent=consent, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Consent withdrawn. It no longer allows any sharing."))
    return redirect("clients:detail", client_id=client_id)


@role_required(*READERS, person_level=True)
@require_http_methods(["GET"])
def access_summary(request: HttpRequest, client_id: int) -> HttpResponse:
    actor = actor_of(request)
    try:
        summary = access.access_summary_get(
            actor=actor, client_id=client_id, purpose=_purpose(request)
        )
    except Client.DoesNotExist:
        raise Http404 from None
    return render(request, "clients/access.html", {"summary": summary, "client": summary.client})
