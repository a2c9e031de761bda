"""Role-aware navigation: each item names the roles that see it (all members when empty)."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from carecircle.partners.selectors import Actor
from carecircle.web.access import roles_with


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    roles: tuple[str, ...] = ()

    @property
    def url(self) -> str:
        return reverse(self.url_name)


def _items() -> list[NavItem]:
    return [
        NavItem(_("Home"), "web:home"),
        NavItem(_("Clients"), "clients:list", roles_with(["general"])),
        NavItem(_("Referrals"), "referrals:inbox", roles_with(["general"])),
        NavItem(_("Emergency access reviews"), "privacy:emergency_reviews", ("org_admin",)),
        NavItem(_("Partners"), "web:partners"),
        NavItem(_("Your listings"), "directory_partner:listings", ("org_admin", "coordinator")),
        NavItem(_("Notifications"), "notifications:inbox"),
        NavItem(_("Webhooks"), "notifications:webhooks", ("org_admin",)),
    ]


def navigation_for(actor: Actor | None) -> list[NavItem]:
    if actor is None:
        return []
    return [item for item in _items() if not item.roles or actor.role in item.roles]
