"""Personas and a partner system for the notifications tests.

Alice is an ED physician and Pat a peer coach at another organization; Admin runs the ED's
account and Hana runs the housing organization's. Nobody else should see Alice's inbox.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from huey.contrib.djhuey import HUEY

from carecircle.partners.models import Membership, Organization, Role, Sector
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from tests.notifications.helpers import Partner, Received


@pytest.fixture(autouse=True)
def _empty_huey() -> Iterator[None]:
    """Immediate mode keeps retries in memory; start and end each test with none."""
    HUEY.storage.flush_all()
    yield
    HUEY.storage.flush_all()


@pytest.fixture
def ed(db: None) -> Organization:
    return OrganizationFactory(
        name="Riverbend General ED", slug="riverbend-ed", sector=Sector.EMERGENCY_DEPARTMENT
    )


@pytest.fixture
def housing(db: None) -> Organization:
    return OrganizationFactory(
        name="Riverbend Housing", slug="riverbend-housing", sector=Sector.HOUSING
    )


def _member(username: str, organization: Organization, role: str) -> Membership:
    return MembershipFactory(
        user=UserFactory(username=username), organization=organization, role=role
    )


@pytest.fixture
def alice(ed: Organization) -> Membership:
    return _member("alice", ed, Role.CLINICIAN)


@pytest.fixture
def pat(housing: Organization) -> Membership:
    return _member("pat", housing, Role.PEER_WORKER)


@pytest.fixture
def admin(ed: Organization) -> Membership:
    return _member("admin", ed, Role.ORG_ADMIN)


@pytest.fixture
def hana(housing: Organization) -> Membership:
    return _member("hana", housing, Role.ORG_ADMIN)


# --- A partner system on this machine ---------------------------------------------------------


@pytest.fixture
def partner() -> Iterator[Partner]:
    state = Partner(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            state.received.append(
                Received(headers={k.lower(): v for k, v in self.headers.items()}, body=body)
            )
            status = state.statuses.pop(0) if state.statuses else 200
            self.send_response(status)
            if 300 <= status < 400:
                self.send_header("Location", "http://127.0.0.1:9/elsewhere")
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/carecircle"
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
