"""Benchmark the Riverbend generator: seconds per stage and rows per second.

    python bench/bench_synth.py --scale medium [--seed 42] [--keep]

Builds into a fresh SQLite database in a temporary CARECIRCLE_DATA_DIR (or the PostgreSQL
database in DATABASE_URL, which must be empty), after migrating it, then verifies the audit
chain. Results go in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import tempfile
import time


class StageTimer:
    """A progress sink that records when each stage starts."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.stages: list[tuple[str, int, float]] = [("plan", 0, self.started)]

    def step(self, label: str, total: int, /) -> None:
        self.stages.append((label, total, time.perf_counter()))

    def advance(self, amount: int = 1, /) -> None:
        pass

    def durations(self, finished: float) -> list[tuple[str, int, float]]:
        ends = [start for _, _, start in self.stages[1:]] + [finished]
        return [
            (label, total, end - start)
            for (label, total, start), end in zip(self.stages, ends, strict=True)
        ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=["small", "medium", "large"], default="medium")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--keep", action="store_true", help="Keep the temporary data directory.")
    args = parser.parse_args()

    data_dir = tempfile.mkdtemp(prefix="carecircle-bench-")
    os.environ["CARECIRCLE_DATA_DIR"] = data_dir
    os.environ.setdefault("CARECIRCLE_ENV", "demo")  # what `carecircle demo` runs with
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carecircle.settings")
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        from carecircle.privacy.audit import audit_verify
        from carecircle.synth.riverbend import build

        started = time.perf_counter()
        call_command("migrate", interactive=False, verbosity=0)
        migrated = time.perf_counter()

        timer = StageTimer()
        counts = build(scale=args.scale, seed=args.seed, progress=timer)
        built = time.perf_counter()
        problems = audit_verify()
        verified = time.perf_counter()

        rows = sum(counts.values())
        seconds = built - timer.started
        print(f"Riverbend {args.scale} (seed {args.seed}) on {connection.vendor}")
        python = sys.version.split()[0]
        print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {python}")
        print(f"  migrate            {migrated - started:8.2f} s")
        for label, total, duration in timer.durations(built):
            if total and duration:
                print(f"  {label:<18} {duration:8.2f} s  {total:>9,}  {total / duration:9,.0f} /s")
            else:
                print(f"  {label:<18} {duration:8.2f} s")
        chain = "intact" if not problems else "BROKEN"
        print(f"  audit verify       {verified - built:8.2f} s  ({chain})")
        print(f"  total build        {seconds:8.2f} s")
        for what, n in counts.items():
            print(f"    {n:>10,} {what}")
        print(f"  {rows:,} rows in {seconds:.1f} s = {rows / seconds:,.0f} rows/s")
        return 1 if problems else 0
    finally:
        if "django.db" in sys.modules:
            from django.db import connections

            connections.close_all()  # let SQLite fold its WAL before the files go
        if args.keep:
            print(f"data kept in {data_dir}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
