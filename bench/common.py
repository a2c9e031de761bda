"""Shared set-up for benchmarks: a throwaway database (SQLite or PostgreSQL) and timing helpers."""

from __future__ import annotations

import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))


@contextmanager
def django_database(backend: str, data_dir: str | None = None) -> Iterator[str]:
    """Configure and migrate a fresh database (or, for SQLite, the one kept in ``data_dir``);
    yields a description of it."""
    os.environ.setdefault("CARECIRCLE_ENV", "development")
    os.environ["CARECIRCLE_DEBUG"] = "false"
    os.environ["CARECIRCLE_DATA_DIR"] = data_dir or tempfile.mkdtemp(prefix="carecircle-bench-")
    cluster = None
    if backend == "postgres":
        from tests.pgcluster import start_cluster

        cluster = start_cluster()
        os.environ["DATABASE_URL"] = cluster.url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carecircle.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    try:
        yield "PostgreSQL 15 (throwaway cluster, fsync off)" if cluster else "SQLite (WAL)"
    finally:
        from django.db import connections

        connections.close_all()
        if cluster is not None:
            cluster.stop()


def timed(func: Callable[[], object], repeat: int) -> list[float]:
    """Milliseconds per call, after a short warm-up."""
    for _ in range(min(10, repeat)):
        func()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def summary(name: str, samples: list[float]) -> str:
    samples = sorted(samples)
    p95 = samples[max(0, int(len(samples) * 0.95) - 1)]
    return (
        f"{name:<44} n={len(samples):<5} p50={statistics.median(samples):7.2f} ms"
        f"  p95={p95:7.2f} ms"
    )


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"
