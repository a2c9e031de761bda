"""Settings come from the environment and fail loudly, in one line, on a bad or unsafe value."""

from __future__ import annotations

import os
import runpy
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

import carecircle.settings

SETTINGS_FILE = carecircle.settings.__file__
GOOD_KEY = secrets.token_urlsafe(48)  # 64 random characters
AUDIT_KEY = secrets.token_urlsafe(48)


def load(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, **env: str) -> dict[str, Any]:
    """Execute the settings module afresh under ``env`` (the running settings are untouched)."""
    for name in list(os.environ):
        if name.startswith("CARECIRCLE_") or name == "DATABASE_URL":
            monkeypatch.delenv(name)
    monkeypatch.setenv("CARECIRCLE_DATA_DIR", str(tmp_path))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(SETTINGS_FILE)


def production(**env: str) -> dict[str, str]:
    return {
        "CARECIRCLE_ENV": "production",
        "CARECIRCLE_SECRET_KEY": GOOD_KEY,
        "CARECIRCLE_AUDIT_KEY": AUDIT_KEY,
        "CARECIRCLE_ALLOWED_HOSTS": "example.org",
        **env,
    }


def run(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        # DJANGO_ALLOW_ASYNC_UNSAFE comes from the browser tests' process; a deployment never
        # has it, and Django's deploy check rightly warns about it.
        if k not in {"PYTEST_VERSION", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
        and not k.startswith("CARECIRCLE_")
    }
    clean.update(CARECIRCLE_DATA_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="carecircle.settings")
    clean.update(env)
    return subprocess.run(
        [sys.executable, *args], env=clean, capture_output=True, text=True, timeout=120, check=False
    )


# --- production refuses unsafe settings ------------------------------------------------------


def test_production_refuses_to_start_with_the_default_secret_key(tmp_path: Path) -> None:
    started = run(["-c", "import django; django.setup()"], tmp_path, CARECIRCLE_ENV="production")
    assert started.returncode != 0
    last = started.stderr.strip().splitlines()[-1]
    assert last == (
        "django.core.exceptions.ImproperlyConfigured: "
        "CARECIRCLE_SECRET_KEY must be set to a long random value in production"
    )


def test_the_command_line_says_why_in_one_line(tmp_path: Path) -> None:
    started = run(
        ["-m", "carecircle", "audit", "verify"],
        tmp_path,
        **production(CARECIRCLE_DEBUG="true"),
    )
    assert started.returncode == 1
    assert started.stderr.strip() == "Error: CARECIRCLE_DEBUG must be off in production"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"CARECIRCLE_SECRET_KEY": ""}, "CARECIRCLE_SECRET_KEY is too short"),
        ({"CARECIRCLE_SECRET_KEY": "django-insecure-" + "x" * 60}, "CARECIRCLE_SECRET_KEY must be"),
        ({"CARECIRCLE_SECRET_KEY": "short-but-random-9f3a"}, "CARECIRCLE_SECRET_KEY is too short"),
        ({"CARECIRCLE_SECRET_KEY": "ab" * 40}, "CARECIRCLE_SECRET_KEY is too short"),
        ({"CARECIRCLE_DEBUG": "1"}, "CARECIRCLE_DEBUG must be off in production"),
        ({"CARECIRCLE_ALLOWED_HOSTS": ""}, "CARECIRCLE_ALLOWED_HOSTS must name"),
    ],
)
def test_production_refuses_unsafe_values(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, env: dict[str, str], message: str
) -> None:
    with pytest.raises(ImproperlyConfigured, match=message) as caught:
        load(monkeypatch, tmp_path, **production(**env))
    assert "\n" not in str(caught.value)


def test_production_with_good_settings_is_locked_down(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    loaded = load(monkeypatch, tmp_path, **production())
    assert loaded["DEBUG"] is False
    assert loaded["MFA_REQUIRED"] is True
    assert loaded["SESSION_COOKIE_SECURE"] is True
    assert loaded["CSRF_COOKIE_SECURE"] is True
    assert loaded["SECURE_SSL_REDIRECT"] is True
    assert loaded["SECURE_HSTS_SECONDS"] >= 31536000
    assert loaded["HUEY"]["immediate"] is False
    assert "MD5PasswordHasher" not in " ".join(loaded["PASSWORD_HASHERS"])


def test_deploy_check_passes_without_warnings(tmp_path: Path) -> None:
    checked = run(
        ["-m", "carecircle", "manage", "check", "--deploy", "--fail-level", "WARNING"],
        tmp_path,
        **production(),
    )
    assert checked.returncode == 0, checked.stderr
    assert "System check identified no issues" in checked.stdout
    assert "WARNING" not in checked.stderr


# --- bad values name the variable ------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"CARECIRCLE_IDLE_TIMEOUT_MINUTES": "abc"},
            "CARECIRCLE_IDLE_TIMEOUT_MINUTES must be a whole number, not 'abc'",
        ),
        (
            {"CARECIRCLE_IDLE_TIMEOUT_MINUTES": "0"},
            "CARECIRCLE_IDLE_TIMEOUT_MINUTES must be at least 1, not 0",
        ),
        ({"CARECIRCLE_DEBUG": "perhaps"}, "CARECIRCLE_DEBUG must be true or false, not 'perhaps'"),
        ({"CARECIRCLE_ENV": "staging"}, "CARECIRCLE_ENV must be one of"),
        ({"DATABASE_URL": "not a url"}, "DATABASE_URL is not a database URL"),
    ],
)
def test_a_bad_value_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, env: dict[str, str], message: str
) -> None:
    with pytest.raises(ImproperlyConfigured) as caught:
        load(monkeypatch, tmp_path, **{"CARECIRCLE_ENV": "development", **env})
    assert str(caught.value).startswith(message)


def test_the_idle_timeout_is_read_in_minutes(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    loaded = load(
        monkeypatch, tmp_path, CARECIRCLE_ENV="development", CARECIRCLE_IDLE_TIMEOUT_MINUTES="5"
    )
    assert loaded["IDLE_TIMEOUT_SECONDS"] == 300


def test_the_suite_runs_in_test_mode() -> None:
    from django.conf import settings

    assert settings.CARECIRCLE_ENV == "test"
    assert settings.HUEY["immediate"] is True
