"""The referral history panel on a client's record (clients/_referrals_panel.html).

The client record page is the clients app's; its panel asks the referrals selector here, so
each referral shown is decided by the policy and audited like any other read (the selector
leaves out referrals whose very organizations would tell the reader more than they may know).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import template
from django.core.exceptions import PermissionDenied

from carecircle.clients.models import Client
from carecircle.referrals import selectors

register = template.Library()


@dataclass(frozen=True)
class HistoryItem:
    view: selectors.ReferralView
    #: The reader's organization is on the referral, so its page opens for them.
    opens: bool


@register.simple_tag(takes_context=True)
def referral_history(context: template.Context, client: Client) -> list[HistoryItem]:
    """The person's referrals this reader may see (empty when none, or when refused)."""
    request: Any = context.get("request")
    actor = getattr(request, "actor", None)
    if actor is None or not isinstance(client, Client):
        return []
    try:
        views = selectors.referral_history(
            actor=actor, client=client, purpose=str(getattr(request, "purpose", ""))
        )
    except PermissionDenied:
        return []
    return [HistoryItem(view=view, opens=bool(view.side)) for view in views]
