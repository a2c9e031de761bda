"""Periodic referral work run by the huey worker. Each task calls a service."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from carecircle.referrals import services

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*/15"))
def follow_up_referrals() -> dict[str, int]:
    """Every quarter hour: put on hold the referrals the person's consent no longer allows
    (telling both sides), remind the receiving organizations of referrals past their response
    deadline, then escalate to their org admins and tell the requester. Safe to run again:
    each referral is held once, reminded once and escalated once."""
    counts = services.referrals_follow_up()
    logger.info(
        "referral follow-up: %d put on hold (consent lapsed), %d reminder(s), %d escalation(s)",
        counts["held"],
        counts["reminded"],
        counts["escalated"],
    )
    return counts


@db_task()
def notify_referral(
    referral_id: str, side: str, kind: str, roles: list[str], skip_user_id: int | None
) -> None:
    """Tell one side of a referral of a change (queued once the change commits). Not retried:
    a failure after some notifications went out would send them twice; it is logged."""
    services.referral_notify(
        referral_id=referral_id, side=side, kind=kind, roles=roles, skip_user_id=skip_user_id
    )
