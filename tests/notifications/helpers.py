"""Helpers for the notifications tests: acting as a persona, a partner system, huey retries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import time_machine
from django.test import Client
from huey.contrib.djhuey import HUEY

from carecircle.partners.models import Membership
from carecircle.partners.selectors import Actor


def actor(membership: Membership) -> Actor:
    return Actor.from_membership(membership)


def signed_in(membership: Membership) -> Client:
    client = Client()
    client.force_login(membership.user, backend="django.contrib.auth.backends.ModelBackend")
    return client


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes


@dataclass
class Partner:
    """A real HTTP server on 127.0.0.1 that answers with the queued status codes (then 200)."""

    url: str
    statuses: list[int] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)


def run_scheduled_retries(*, limit: int = 20) -> int:
    """Run huey's scheduled retries one by one, travelling to each one's due time."""
    ran = 0
    while ran < limit:
        due = HUEY.read_schedule(dt.datetime(9999, 1, 1))  # noqa: DTZ001 - huey's naive UTC
        if not due:
            return ran
        for task in due:
            eta = (task.eta or dt.datetime.now(dt.UTC).replace(tzinfo=None)).replace(tzinfo=dt.UTC)
            with time_machine.travel(eta + dt.timedelta(seconds=1), tick=False):
                HUEY.execute(task)
            ran += 1
    return ran
