from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from carecircle.notifications.models import Notification
from carecircle.web.access import role_required


@role_required()
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    items = Notification.objects.filter(recipient_id=request.user.pk)[:100]
    return render(request, "notifications/inbox.html", {"items": items})
