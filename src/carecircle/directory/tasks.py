"""Periodic directory work run by the huey worker. Each task calls a service."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from carecircle.directory import services
from carecircle.directory.models import Service

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(hour="6", minute="5"))
def remind_unverified_listings() -> int:
    """Every morning, remind partners of the listings nobody has verified for 180 days (each
    listing at most once every 30 days)."""
    sent = services.listing_unverified_remind()
    logger.info("unverified listings: %d reminder(s) sent", sent)
    return sent


@db_periodic_task(crontab(hour="2", minute="40"))
def refresh_dated_opening_hours() -> int:
    """Every night, move on the window of dated opening intervals (monthly, fortnightly...
    schedules), so "open now" stays right for them."""
    ids = services.dated_schedule_service_ids()
    written = services.opening_intervals_rebuild(services=Service.objects.filter(pk__in=ids))
    logger.info("opening hours: %d service(s) with dated schedules refreshed", len(ids))
    return written
