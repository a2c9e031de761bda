"""The command reads the demo password from the generator without setting Django up."""

from __future__ import annotations

import subprocess
import sys

from carecircle.cli import DEMO_PASSWORD
from carecircle.synth import riverbend


def test_the_cli_shares_the_generators_demo_password() -> None:
    assert DEMO_PASSWORD == riverbend.DEMO_PASSWORD == "riverbend-demo"


def test_importing_the_cli_loads_neither_django_nor_faker() -> None:
    code = (
        "import sys, carecircle.cli; "
        "loaded = [m for m in sys.modules if m.split('.')[0] in {'django', 'faker'}]; "
        "print(loaded); sys.exit(1 if loaded else 0)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
