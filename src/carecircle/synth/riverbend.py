"""Riverbend County: the synthetic coalition the demo, the tests' stories and the benchmarks use.

``build(scale=..., seed=...)`` plans the community from the seed (:mod:`carecircle.synth.plan`,
pure and deterministic) and writes it (:mod:`carecircle.synth.writer`, through the services;
:mod:`carecircle.synth.fastpath` for the large crowd). The same seed gives the same
organizations, accounts and clients.

This module imports neither Django nor Faker at import time, so the ``carecircle`` command can
read ``DEMO_PASSWORD`` from it before Django is set up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from carecircle.synth.plan import CommunityPlan

#: The password of every persona and staff account in the synthetic community.
DEMO_PASSWORD = "riverbend-demo"  # noqa: S105 - printed for the synthetic demo community

SCALE_NAMES = ("small", "medium", "large")

#: What ``build`` reports, in this order (``carecircle synth`` prints it).
COUNTED = (
    "organizations",
    "user accounts",
    "memberships",
    "clients",
    "client entries",
    "care-team members",
    "consent directives",
    "emergency accesses",
    "care-plan goals",
    "care-plan tasks",
    "support contacts",
    "referrals",
    "referral events",
    "audit rows",
    "directory organizations",
    "directory locations",
    "directory services",
)


class ProgressLike(Protocol):
    """What the generator reports to: one ``step`` per stage, then ``advance`` as rows land."""

    def step(self, label: str, total: int, /) -> None: ...

    def advance(self, amount: int = 1, /) -> None: ...


class NoProgress:
    """Reports to nobody."""

    def step(self, label: str, total: int, /) -> None:
        pass

    def advance(self, amount: int = 1, /) -> None:
        pass


def plan(*, scale: str, seed: int) -> CommunityPlan:
    """The community ``build`` would write, as dataclasses, without touching the database."""
    from carecircle.synth.plan import plan_community

    return plan_community(scale=scale, seed=seed)


def build(*, scale: str, seed: int, progress: ProgressLike | None = None) -> dict[str, int]:
    """Build Riverbend into an empty database and return what was written, by kind.

    Raises ``ValueError`` for an unknown scale or when the demo's accounts already exist.
    """
    from carecircle.privacy.audit import audit_count
    from carecircle.referrals.models import ReferralEvent
    from carecircle.synth import writer
    from carecircle.synth.directory import check_directory_empty, write_directory

    progress = progress or NoProgress()
    community = plan(scale=scale, seed=seed)
    writer.check_empty(community)
    # The Find help directory: Riverbend's listings (its partners linked), and at the larger
    # scales a crowd across the region (50,000 services at the large scale). It comes first:
    # referrals name its services.
    directory = community.directory
    check_directory_empty(directory)
    audit_before = audit_count()
    ctx = writer.write_partners(community, progress)
    directory_counts = write_directory(directory, progress)
    progress.step("Clients", community.client_count)
    # The personas' stories go through the services, referrals included; then the crowd.
    writer.write_clients(ctx, community.story_clients(), progress, stories=True)
    if community.spec.bulk:
        from carecircle.synth.fastpath import write_clients_bulk

        # Planned in a second process while written (the plan is the same either way).
        write_clients_bulk(ctx, community.crowd_clients, progress)
    else:
        writer.write_clients(ctx, community.crowd_clients(), progress)
    ctx.counts["audit rows"] = audit_count() - audit_before
    # The services and the follow-up worker add to the stories' histories: count them all.
    ctx.counts["referral events"] = ReferralEvent.objects.count()
    ctx.counts.update(directory_counts)
    return {what: ctx.counts[what] for what in COUNTED}
