"""The ``carecircle`` command: demo, serve, worker, synth, createadmin, audit, token, manage."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

# Imports neither Django nor Faker, so `carecircle --help` stays fast and needs no settings.
from carecircle.synth.riverbend import DEMO_PASSWORD

F = TypeVar("F", bound=Callable[..., Any])


def _setup(env: str | None = None) -> None:
    if env:
        os.environ.setdefault("CARECIRCLE_ENV", env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carecircle.settings")
    import django

    django.setup()


def friendly_errors(func: F) -> F:
    """Errors are one clear line on stderr and exit status 1, not a traceback."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from django.core.exceptions import ImproperlyConfigured, ValidationError
        from django.core.management.base import CommandError
        from django.db import DatabaseError

        try:
            return func(*args, **kwargs)
        except click.exceptions.Exit:
            raise
        except (click.ClickException, click.Abort):
            raise
        except ValidationError as exc:
            raise click.ClickException("; ".join(exc.messages)) from None
        except (ImproperlyConfigured, CommandError, DatabaseError, OSError, ValueError) as exc:
            raise click.ClickException(str(exc).strip().splitlines()[0]) from None
        except KeyboardInterrupt:
            raise click.Abort() from None

    return wrapper  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="carecircle")
def cli() -> None:
    """CareCircle: a coalition's shared system for responding to substance use and overdose.

    Settings come from environment variables (see docs/operations.md): CARECIRCLE_ENV,
    CARECIRCLE_DATA_DIR, DATABASE_URL, CARECIRCLE_SECRET_KEY and more.
    """


def _migrate(verbosity: int = 0) -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=verbosity)


def _serve(host: str, port: int, *, with_worker: bool = True, threads: int = 8) -> None:
    """Run the production WSGI server (waitress) with the huey worker beside it."""
    from django.conf import settings
    from waitress import serve as waitress_serve  # type: ignore[import-untyped,unused-ignore]

    from carecircle.wsgi import application

    worker: subprocess.Popen[bytes] | None = None
    if with_worker and not settings.HUEY.get("immediate"):
        worker = subprocess.Popen([sys.executable, "-m", "carecircle", "worker"])

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        waitress_serve(application, host=host, port=port, threads=threads, ident="CareCircle")
    except KeyboardInterrupt:
        pass
    finally:
        if worker is not None:
            worker.terminate()
            try:
                worker.wait(timeout=10)
            except subprocess.TimeoutExpired:
                worker.kill()


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 64))
@click.option("--no-worker", is_flag=True, help="Do not start the background worker.")
@friendly_errors
def serve(host: str, port: int, threads: int, no_worker: bool) -> None:
    """Run the web server (waitress, a production WSGI server) and the background worker."""
    _setup()
    from django.conf import settings
    from django.core.management import call_command

    _migrate()
    if settings.PRODUCTION:
        call_command("collectstatic", interactive=False, verbosity=0)
    click.echo(f"CareCircle serving on http://{host}:{port}/ (Ctrl+C to stop)")
    _serve(host, port, with_worker=not no_worker, threads=threads)


@cli.command()
@friendly_errors
def worker() -> None:
    """Run the background worker (huey consumer): reminders, emails, webhooks, schedules."""
    _setup()
    from django.core.management import call_command

    call_command("run_huey")


def _build(scale: str, seed: int) -> dict[str, int]:
    from carecircle.synth.riverbend import build

    with _progress() as progress:
        return build(scale=scale, seed=seed, progress=progress)


class _Progress:
    """A rich progress bar the generator drives with ``step(label, total)`` and ``advance()``."""

    def __init__(self) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        self._progress = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), transient=False
        )
        self._task: Any = None

    def __enter__(self) -> _Progress:
        self._progress.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.__exit__(None, None, None)

    def step(self, label: str, total: int) -> None:
        if self._task is not None:
            self._progress.update(self._task, completed=self._progress.tasks[-1].total)
        self._task = self._progress.add_task(label, total=total)

    def advance(self, amount: int = 1) -> None:
        if self._task is not None:
            self._progress.advance(self._task, amount)


def _progress() -> _Progress:
    return _Progress()


SCALES = click.Choice(["small", "medium", "large"])


@cli.command()
@click.option("--scale", type=SCALES, default="small", show_default=True)
@click.option("--seed", default=42, show_default=True, type=int)
@friendly_errors
def synth(scale: str, seed: int) -> None:
    """Build the synthetic Riverbend community into the configured database."""
    _setup()
    _migrate()
    counts = _build(scale, seed)
    click.echo(", ".join(f"{n} {what}" for what, n in counts.items()))


PERSONAS = [
    ("admin", "operator (all organizations' admin pages)"),
    ("cora", "coalition coordinator"),
    ("alice", "emergency department physician"),
    ("carlos", "MOUD clinic intake"),
    ("pat", "peer recovery coach"),
    ("omar", "harm-reduction outreach worker"),
    ("hana", "housing case worker"),
    ("dana", "public-health analyst"),
    ("lee", "police co-responder"),
]


@cli.command()
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--scale", type=SCALES, default="medium", show_default=True)
@click.option("--seed", default=42, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="Build the demo and exit.")
@click.option("--fresh", is_flag=True, help="Delete the demo database and build it again.")
@friendly_errors
def demo(port: int, scale: str, seed: int, no_serve: bool, fresh: bool) -> None:
    """Build the Riverbend demo community and serve it on 127.0.0.1."""
    os.environ.setdefault("CARECIRCLE_ENV", "demo")
    if fresh and os.environ.get("DATABASE_URL"):
        raise click.ClickException(
            "--fresh only rebuilds the embedded SQLite database; recreate your PostgreSQL "
            "database instead"
        )
    if fresh:
        # The same data directory every other command uses, so `carecircle audit verify` and
        # friends see the demo database without further settings.
        data_dir = os.environ.get("CARECIRCLE_DATA_DIR", os.path.join(os.getcwd(), "var"))
        for name in ("carecircle.sqlite3", "carecircle.sqlite3-wal", "carecircle.sqlite3-shm"):
            path = os.path.join(data_dir, name)
            if os.path.exists(path):
                os.remove(path)
    _setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model

    if settings.PRODUCTION:
        raise click.ClickException("The demo cannot run with CARECIRCLE_ENV=production.")
    _migrate()
    if fresh or not get_user_model().objects.filter(username="cora").exists():
        click.echo(f"Building Riverbend (scale {scale}, seed {seed})…")
        _build(scale, seed)
    else:
        click.echo("Riverbend is already built (use --fresh to rebuild).")
    click.echo("")
    click.echo(f"Sign in at http://127.0.0.1:{port}/accounts/login/ as any of these people,")
    click.echo(f"each with the password {DEMO_PASSWORD!r}:")
    for username, who in PERSONAS:
        click.echo(f"  {username:<8} {who}")
    click.echo("This is synthetic data. Two-step verification is relaxed in the demo.")
    if no_serve:
        return
    click.echo("")
    click.echo(f"Serving on http://127.0.0.1:{port}/ (Ctrl+C to stop)")
    _serve("127.0.0.1", port)


@cli.command()
@click.option("--username", prompt=True)
@click.option("--email", default="", help="Optional email address.")
@click.password_option()
@friendly_errors
def createadmin(username: str, email: str, password: str) -> None:
    """Create an operator account (a superuser for the partners admin pages)."""
    _setup()
    from django.contrib.auth.password_validation import validate_password

    from carecircle.partners.services import user_create

    _migrate()
    validate_password(password)
    user_create(username=username, email=email, password=password, is_superuser=True)
    click.echo(f"Created operator {username}.")


@cli.group()
def audit() -> None:
    """The audit trail."""


@audit.command("verify")
@click.option(
    "--at-least",
    type=click.IntRange(0),
    default=0,
    help="Fail if the trail now ends before this row (a number noted at an earlier verify).",
)
@friendly_errors
def audit_verify_cmd(at_least: int) -> None:
    """Recompute the hash chain; name every altered, inserted or deleted row."""
    _setup()
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from carecircle.privacy.audit import audit_count, audit_verify

    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        raise click.ClickException(
            "the database is not set up yet: run `carecircle serve` or `carecircle demo` first"
        )
    problems = audit_verify(at_least=at_least)
    if problems:
        for problem in problems:
            click.echo(f"FAIL {problem.message}", err=True)
        raise click.ClickException(f"the audit trail is broken ({len(problems)} problem(s))")
    click.echo(f"OK: {audit_count()} audit rows, chain intact.")


@cli.group()
def token() -> None:
    """API tokens for partner systems."""


@token.command("create")
@click.argument("username")
@click.option("--org", "org", default=None, help="Organization slug (if the user has several).")
@click.option("--name", default="", help="A label for the token.")
@friendly_errors
def token_create_cmd(username: str, org: str | None, name: str) -> None:
    """Print a new API token for USERNAME. It is shown once and stored only as a hash."""
    _setup()
    from django.contrib.auth import get_user_model

    from carecircle.partners.models import Organization
    from carecircle.partners.services import token_create

    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise click.ClickException(f"no user named {username!r}")
    organization = None
    if org is not None:
        organization = Organization.objects.filter(slug=org).first()
        if organization is None:
            raise click.ClickException(f"no organization with the short name {org!r}")
    _token, plaintext = token_create(user=user, organization=organization, name=name)
    click.echo(plaintext)


@token.command("revoke")
@click.argument("prefix")
@friendly_errors
def token_revoke_cmd(prefix: str) -> None:
    """Revoke the token whose prefix (the part after cc_) is PREFIX."""
    _setup()
    from carecircle.partners.models import ApiToken
    from carecircle.partners.services import token_revoke

    found = ApiToken.objects.filter(prefix=prefix).first()
    if found is None:
        raise click.ClickException(f"no token with prefix {prefix!r}")
    token_revoke(token=found)
    click.echo(f"Revoked {prefix}.")


@cli.group()
def directory() -> None:
    """The Find help directory: Open Referral HSDS 3.0 import and export."""


HSDS_KINDS = click.Choice(
    ["service", "organization", "service_at_location", "location", "taxonomy", "taxonomy_term"]
)


@directory.command("import")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check everything, write nothing.")
@click.option(
    "--kind",
    type=HSDS_KINDS,
    default=None,
    help="What a JSON file's objects are, when its name does not say (service_list.json does).",
)
@friendly_errors
def directory_import_cmd(path: Path, dry_run: bool, kind: str | None) -> None:
    """Import HSDS 3.0 data from PATH: a JSON file, or a CSV datapackage (a folder or a .zip).

    All or nothing: any problem is listed as "file:row: field: message" and nothing is
    written. Rows are matched by id, so importing the same file again changes nothing.
    """
    _setup()
    from carecircle.directory.hsds.importer import hsds_import

    _migrate()
    with _progress() as progress:
        report = hsds_import(path, dry_run=dry_run, kind=kind, progress=progress)
    for line in report.warning_lines():
        click.echo(f"warning: {line}", err=True)
    if not report.ok:
        for line in report.lines():
            click.echo(line, err=True)
        raise click.ClickException(report.summary())
    click.echo(report.summary())


@directory.command("export")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "datapackage"]),
    default="json",
    show_default=True,
    help="json: every service, fully nested; datapackage: a zip of every table as CSV.",
)
@click.option(
    "--output",
    required=True,
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
    help='Where to write ("-" for standard output).',
)
@click.option(
    "--public",
    is_flag=True,
    help="For publishing: leave out what would find a confidential location.",
)
@friendly_errors
def directory_export_cmd(fmt: str, output: Path, public: bool) -> None:
    """Export the directory as HSDS 3.0 (streamed: memory stays flat at any size)."""
    _setup()
    from carecircle.directory.hsds.exporter import hsds_export

    _migrate()
    if str(output) == "-":
        hsds_export(fmt=fmt, output="-", public=public)
        return
    with _progress() as progress:
        count = hsds_export(fmt=fmt, output=output, public=public, progress=progress)
    what = "service(s)" if fmt == "json" else "rows"
    click.echo(f"Wrote {count} {what} to {output}.")


@cli.command(
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    add_help_option=False,
)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
@friendly_errors
def manage(args: tuple[str, ...]) -> None:
    """Run one of Django's own management commands, e.g. `carecircle manage check --deploy`."""
    _setup()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["carecircle manage", *args])


def main() -> None:
    cli(prog_name="carecircle")


if __name__ == "__main__":
    main()
