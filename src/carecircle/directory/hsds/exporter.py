"""Export the directory as HSDS 3.0: every service as a JSON array, or every table as a CSV
datapackage. Both stream: a chunk of rows at a time from the database, so memory stays flat
however big the directory is.

Operators export everything (``public=False``, the default here). ``public=True`` is for data
that leaves for the public: confidential locations lose what would find them (addresses,
coordinates, directions, accessibility, their change history), as on the public pages and API.
"""

from __future__ import annotations

import gc
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from django.db.models import QuerySet

from carecircle.directory.hsds.datapackage import datapackage_write
from carecircle.directory.hsds.importer import Progress
from carecircle.directory.hsds.serialize import iter_service_dicts
from carecircle.directory.models import Service

FORMATS = ("json", "datapackage")


def services_json_stream(
    *,
    public: bool = False,
    services: QuerySet[Service] | None = None,
    chunk_size: int = 500,
    buffer_size: int = 64 * 1024,
    progress: Progress | None = None,
) -> Iterator[bytes]:
    """Every service (or those of ``services``) as one JSON array of full HSDS service
    objects, yielded as bytes. Services are read ``chunk_size`` at a time with their related
    rows prefetched per chunk, and written out object by object: constant memory."""
    queryset = Service.objects.all() if services is None else services
    buffer = bytearray(b"[")
    first = True
    for count, obj in enumerate(
        iter_service_dicts(queryset, full=True, public=public, chunk_size=chunk_size), 1
    ):
        buffer += b"\n" if first else b",\n"
        buffer += json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()
        first = False
        if progress is not None:
            progress.advance()
        if count % chunk_size == 0:
            # A chunk's model instances hold each other (prefetch caches): free them now,
            # not whenever the collector gets round to it, so memory stays flat.
            gc.collect()
        if len(buffer) >= buffer_size:
            yield bytes(buffer)
            buffer.clear()
    buffer += b"]\n" if first else b"\n]\n"
    yield bytes(buffer)


def _open_output(output: str | Path) -> tuple[IO[bytes], bool]:
    if str(output) == "-":
        return sys.stdout.buffer, False
    return Path(output).open("wb"), True


def hsds_export(
    *,
    fmt: str,
    output: str | Path,
    public: bool = False,
    progress: Progress | None = None,
) -> int:
    """Write an export to ``output`` (a path, or "-" for standard output). ``fmt`` is "json"
    (every service, full) or "datapackage" (a zip of every table). Returns how many services
    (json) or rows (datapackage) were written."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    stream, close = _open_output(output)
    try:
        if fmt == "json":
            count = Service.objects.count()
            if progress is not None:
                progress.step("Exporting services", count)
            for chunk in services_json_stream(public=public, progress=progress):
                stream.write(chunk)
            return count
        counts = datapackage_write(stream, public=public, progress=progress)
        return sum(counts.values())
    finally:
        if close:
            stream.close()
        else:
            stream.flush()
