"""The consent panel on a client's record (clients/_consent_panel.html).

The record page passes only ``client`` and ``view``; the panel asks the holder-only, audited
selector here, so anyone but the record holder gets nothing to show.
"""

from __future__ import annotations

from django import template

from carecircle.clients.models import Client
from carecircle.clients.selectors.access import ConsentPanel, consent_panel_get

register = template.Library()


@register.simple_tag(takes_context=True)
def consent_panel(context: template.Context, client: Client | None) -> ConsentPanel | None:
    """The person's consents for the organization holding the record; None for anyone else."""
    request = context.get("request")
    actor = getattr(request, "actor", None)
    if actor is None or client is None:
        return None
    return consent_panel_get(
        actor=actor, client=client, purpose=str(getattr(request, "purpose", ""))
    )
