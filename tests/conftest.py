"""Fixtures shared by the whole suite: the database choice, personas and actors."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest

from tests.pgcluster import Cluster, start_cluster


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--postgres",
        action="store_true",
        help="Run the suite on a throwaway PostgreSQL cluster instead of SQLite.",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sqlite_only: relies on SQLite behaviour")


@pytest.fixture(scope="session")
def postgres_cluster(request: pytest.FixtureRequest) -> Iterator[Cluster | None]:
    if not request.config.getoption("--postgres"):
        yield None
        return
    cluster = start_cluster()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def django_db_modify_db_settings(postgres_cluster: Cluster | None) -> None:
    if postgres_cluster is None:
        return
    from django.conf import settings

    settings.DATABASES["default"] = {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "postgres",
        "USER": "postgres",
        "HOST": "127.0.0.1",
        "PORT": str(postgres_cluster.port),
        "CONN_MAX_AGE": 0,
        # No statement of the suite takes more than seconds: one that runs for minutes (a plan
        # gone wrong) fails its test instead of holding the whole run until CI's time is up.
        "OPTIONS": {"options": "-c statement_timeout=120000"},
        "TEST": {"NAME": "carecircle_test"},
    }
    from django.db import connections

    # Connections are built lazily from settings; forget any built before the switch.
    connections.__dict__.pop("settings", None)
    with contextlib.suppress(AttributeError):
        del connections["default"]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> None:
    """After the test database exists, lift the audit table's append-only triggers: the
    suite's flushes between transactional tests must empty it. The trigger tests put them
    back inside their own transaction."""
    from django.db import connection

    from carecircle.privacy.migrations import _triggers

    with django_db_blocker.unblock(), connection.schema_editor() as editor:
        _triggers.drop(editor)


@pytest.fixture(autouse=True)
def _isolated_data_dir(settings: Any, tmp_path: Any) -> None:
    settings.DATA_DIR = tmp_path
