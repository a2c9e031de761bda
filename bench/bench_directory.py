"""Benchmark Find help at 50,000 services: the search API, the public results page, the bare
search query behind them, and the streaming HSDS JSON export.

    python bench/bench_directory.py --backend sqlite|postgres [--services 50000]
        [--requests 200] [--data-dir DIR] [--seed 42] [--skip-export] [--trace-services N]

Builds the synthetic directory (:mod:`carecircle.synth.directory`: Riverbend's own listings and
a crowd across the Midwest) into a fresh database, or, on SQLite with ``--data-dir``, reuses the
one built there before. Then, in-process with Django's test client (server time, no network),
at noon on a Wednesday in Riverbend so that "open now" has the most to find:

- the search API ``GET /api/hsds/services`` with text + radius + two filters (a taxonomy term
  and a language) + open now, ~200 varied queries;
- the public results page ``GET /find-help/`` with the same searches;
- the bare database query behind both (the SQL of ``directory.search.service_search``, run on a
  cursor), and the whole selector, so the API's overhead shows as a ratio;
- the full HSDS JSON export of every service (``directory.hsds.exporter``): its time and the
  process's resident memory, then (a second pass) the Python heap's peak under tracemalloc,
  each after 10%, half and all of the services: the same figure all along means it streams in
  constant memory. The two export passes take most of the run (about 25 minutes at 50,000
  services); ``--skip-export`` leaves them out.

Results go in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from common import django_database, machine, summary, timed

CHICAGO = ZoneInfo("America/Chicago")
MARKER = "bench-directory.json"

#: (search words, the service type that goes with them)
TOPICS = (
    ("buprenorphine", "bup-same-day"),
    ("naloxone", "naloxone"),
    ("shelter", "housing-shelter"),
    ("food", "food"),
    ("counseling", "counseling"),
    ("syringe", "syringe-services"),
    ("methadone", "methadone"),
    ("peer support", "peer-support"),
    ("crisis", "mental-health-crisis"),
    ("legal", "legal-aid"),
    ("meetings", "mutual-aid"),
    ("withdrawal", "withdrawal-management"),
    ("family", "family-support"),
    ("drug checking", "drug-checking"),
    ("take-back", "take-back"),
)
LANGUAGES = ("es", "es", "es", "fr", "fr", "ar", "zh", "vi")
RADII_KM = (10, 20, 20, 20, 50)


class Printer:
    """Progress for the build: one line per stage."""

    def __init__(self) -> None:
        self.started = time.perf_counter()

    def step(self, label: str, total: int, /) -> None:
        print(f"  {time.perf_counter() - self.started:7.1f} s  {label} ({total:,})", flush=True)

    def advance(self, amount: int = 1, /) -> None:
        pass


def a_wednesday_noon() -> datetime:
    today = datetime.now(CHICAGO).date()
    wednesday = today + timedelta(days=(2 - today.weekday()) % 7)
    return datetime(wednesday.year, wednesday.month, wednesday.day, 12, tzinfo=CHICAGO)


def wanted(args: argparse.Namespace) -> dict[str, int]:
    from carecircle.synth.directory import PLAN_VERSION

    return {"services": args.services, "seed": args.seed, "plan": PLAN_VERSION}


def forget_stale(args: argparse.Namespace) -> None:
    """A kept SQLite database of another size, seed or plan is deleted (before Django opens
    it), so the next build starts empty."""
    if not args.data_dir or args.backend != "sqlite":
        return
    marker = Path(args.data_dir) / MARKER
    if marker.exists() and json.loads(marker.read_text()) != wanted(args):
        print(f"the directory kept in {args.data_dir} is another one: building afresh")
        for path in Path(args.data_dir).glob("carecircle.sqlite3*"):
            path.unlink()
        marker.unlink()


def ensure_data(args: argparse.Namespace) -> float | None:
    """Build the directory unless this data directory already holds it; the build's seconds."""
    from carecircle.directory.models import Service
    from carecircle.synth.directory import build_directory

    marker = Path(args.data_dir) / MARKER if args.data_dir else None
    have = Service.objects.count()
    reusable = marker is not None and marker.exists() and have == args.services
    if reusable and marker is not None and json.loads(marker.read_text()) == wanted(args):
        print(f"reusing the directory of {have:,} services in {args.data_dir}")
        return None
    if have:
        raise SystemExit(f"{args.data_dir} holds another directory; use an empty --data-dir")
    print(f"building a directory of {args.services:,} services (seed {args.seed})")
    start = time.perf_counter()
    counts = build_directory(
        scale="large", seed=args.seed, services=args.services, progress=Printer()
    )
    seconds = time.perf_counter() - start
    print("  " + ", ".join(f"{n:,} {what}" for what, n in counts.items()))
    print(f"  built in {seconds:.1f} s")
    if marker is not None:
        marker.write_text(json.dumps(wanted(args)))
    return seconds


@dataclass(frozen=True)
class Case:
    """One search: what a person asks, as the selector, the API and the page take it."""

    text: str
    term: str
    language: str
    point: tuple[float, float]
    radius_km: int


def cases(count: int, seed: int) -> list[Case]:
    """Varied searches around the places where services are (weighted by town size)."""
    from carecircle.synth import directory_catalogue as dc
    from carecircle.synth.directory import plan_directory

    towns = plan_directory(scale="large", seed=seed).towns
    places = [(dc.CENTRE, 3.0)] + [((t.latitude, t.longitude), t.weight) for t in towns]
    rng = random.Random(seed)
    made = []
    for _ in range(count):
        text, term = rng.choice(TOPICS)
        (lat, lng), _ = rng.choices(places, weights=[w for _, w in places])[0]
        point = (round(lat + rng.uniform(-0.05, 0.05), 4), round(lng + rng.uniform(-0.05, 0.05), 4))
        made.append(Case(text, term, rng.choice(LANGUAGES), point, rng.choice(RADII_KM)))
    return made


def search_query(case: Case) -> Any:
    from carecircle.directory.search import SearchQuery

    return SearchQuery(
        text=case.text,
        near=case.point,
        radius_km=float(case.radius_km),
        term_codes=(case.term,),
        languages=(case.language,),
        open_now=True,
    )


# --- The API's parameters -----------------------------------------------------------------------


def api_parameters() -> set[str]:
    """The query parameters ``GET /api/hsds/services`` documents (from its OpenAPI schema)."""
    from carecircle.api import api

    schema = api.get_openapi_schema()
    for path, operations in schema["paths"].items():
        if path.rstrip("/").endswith("/hsds/services") and "get" in operations:
            return {p["name"] for p in operations["get"].get("parameters", [])}
    return set()


def api_request(case: Case, supported: set[str]) -> tuple[dict[str, str], Any, list[str]]:
    """The API's spelling of the case, the search it amounts to (what the API can say of the
    case; every status, as the API lists them) and what it cannot say."""
    from dataclasses import replace

    from carecircle.directory.search import SearchQuery
    from carecircle.directory.taxonomy import term_id

    term = term_id(case.term)
    params: dict[str, str] = {"search": case.text, "per_page": "25"}
    params["taxonomy_term_id"] = str(term)
    query = SearchQuery(text=case.text, taxonomy_term_ids=(term,), statuses=())
    missing = []
    lat, lng = case.point
    if "proximity" in supported:
        params["proximity"] = f"{lat},{lng},{case.radius_km * 1000}"
    elif {"near", "radius_km"} <= supported:
        params["near"], params["radius_km"] = f"{lat},{lng}", str(case.radius_km)
    else:
        missing.append("radius")
    if "radius" not in missing:
        query = replace(query, near=case.point, radius_km=float(case.radius_km))
    for name in ("language", "languages"):
        if name in supported:
            params[name] = case.language
            query = replace(query, languages=(case.language,))
            break
    else:
        missing.append("language")
    if "open_now" in supported:
        params["open_now"] = "true"
        query = replace(query, open_now=True)
    else:
        missing.append("open now")
    return params, query, missing


def page_params(case: Case) -> dict[str, str]:
    """The public form's spelling of the case (directory/public_forms.py)."""
    lat, lng = case.point
    return {
        "q": case.text,
        "what": case.term,
        "near": f"{lat}, {lng}",
        "radius": str(case.radius_km),
        "language": case.language,
        "open_now": "on",
    }


# --- Measuring ------------------------------------------------------------------------------------


def cycle(items: list[Any]) -> Callable[[], Any]:
    """Each call returns the next item, round and round."""
    state = {"i": -1}

    def next_item() -> Any:
        state["i"] = (state["i"] + 1) % len(items)
        return items[state["i"]]

    return next_item


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, int(len(ordered) * 0.95) - 1)]


def measure_search(args: argparse.Namespace) -> dict[str, list[float]]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from carecircle.directory.search import build_search_sql, resolve_point, service_search

    all_cases = cases(args.requests, args.seed)
    supported = api_parameters()
    client = Client()
    results: dict[str, list[float]] = {}

    # The API must find what the search it amounts to finds.
    print(f"API /services parameters: {', '.join(sorted(supported)) or '(none found)'}")
    _, _, missing = api_request(all_cases[0], supported)
    if missing:
        print(f"  NOTE: the API cannot express {', '.join(missing)}: it answers a broader query")
    totals = []
    for case in all_cases[:20]:
        found = service_search(search_query(case))
        params, api_query, _ = api_request(case, supported)
        response = client.get("/api/hsds/services?" + urlencode(params))
        api_total = response.json().get("total_items") if response.status_code == 200 else None
        totals.append((found.total_items, service_search(api_query).total_items, api_total))
    agree = sum(1 for _, ours, theirs in totals if ours == theirs)
    print(f"  the API and the search it amounts to agree on {agree} of {len(totals)} totals")
    print(
        f"  services found per search (first 20): full search mean "
        f"{statistics.mean(t[0] for t in totals):.1f}, the API's "
        f"{statistics.mean(t[1] for t in totals):.1f}"
    )

    def run_sql(query: Any) -> None:
        point = resolve_point(query)
        sql, params, _zones = build_search_sql(query, at=timezone.now(), point=point)
        with connection.cursor() as cursor:
            cursor.execute(f"{sql} LIMIT 25 OFFSET 0", params)
            cursor.fetchall()

    def bare() -> None:
        run_sql(search_query(next_bare()))

    def bare_api() -> None:
        run_sql(api_request(next_bare_api(), supported)[1])

    def selector() -> None:
        service_search(search_query(next_selector()), per_page=25)

    def api() -> None:
        params, _, _ = api_request(next_api(), supported)
        response = client.get("/api/hsds/services?" + urlencode(params))
        if response.status_code != 200:
            raise SystemExit(f"API: {response.status_code} {response.content[:300]!r}")

    def page() -> None:
        response = client.get("/find-help/?" + urlencode(page_params(next_page())))
        if response.status_code != 200:
            raise SystemExit(f"page: {response.status_code} {response.content[:300]!r}")

    next_bare, next_bare_api = cycle(all_cases), cycle(all_cases)
    next_selector, next_api, next_page = cycle(all_cases), cycle(all_cases), cycle(all_cases)
    n = len(all_cases)
    for name, func in (
        ("bare", bare),
        ("bare api", bare_api),
        ("selector", selector),
        ("api", api),
        ("page", page),
    ):
        results[name] = timed(func, n)
    with CaptureQueriesContext(connection) as api_queries:
        api()
    with CaptureQueriesContext(connection) as page_queries:
        page()
    results["api queries"] = [float(len(api_queries.captured_queries))]
    results["page queries"] = [float(len(page_queries.captured_queries))]
    size = len(client.get("/find-help/?" + urlencode(page_params(all_cases[0]))).content)
    results["page bytes"] = [float(size)]
    return results


class _Checkpoints:
    """Export progress that notes the memory in use at chosen counts of services: the peak
    traced by tracemalloc, and the process's resident set."""

    def __init__(self, at: set[int]) -> None:
        import psutil

        self.process = psutil.Process()
        self.at, self.count = at, 0
        self.peaks: dict[int, tuple[int, int]] = {}

    def step(self, label: str, total: int) -> None:
        pass

    def advance(self, amount: int = 1) -> None:
        self.count += amount
        if self.count in self.at:
            traced = tracemalloc.get_traced_memory()[1] if tracemalloc.is_tracing() else 0
            self.peaks[self.count] = (traced, self.process.memory_info().rss)


def measure_export(total: int, *, traced: int) -> dict[str, Any]:
    """The full export twice: timed as it runs in production (with the process's resident
    memory noted on the way), then with tracemalloc on for the Python heap's peak (slower,
    so not timed); ``traced`` limits the second pass to the first services."""
    from carecircle.directory.hsds.exporter import services_json_stream
    from carecircle.directory.models import Service

    marks = {max(1, total // 10), max(1, total // 2), total}
    plain = _Checkpoints(marks)
    start = time.perf_counter()
    size = 0
    for chunk in services_json_stream(progress=plain):
        size += len(chunk)
    seconds = time.perf_counter() - start

    if traced >= total:
        subset = None
    else:
        first = list(Service.objects.order_by("pk").values_list("pk", flat=True)[:traced])
        subset = Service.objects.filter(pk__in=first)
    count = min(traced, total)
    checkpoints = _Checkpoints({max(1, count // 10), max(1, count // 2), count})
    tracemalloc.start()
    try:
        for _chunk in services_json_stream(services=subset, progress=checkpoints):
            pass
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return {
        "seconds": seconds,
        "bytes": size,
        "resident": {k: rss for k, (_, rss) in sorted(plain.peaks.items())},
        "traced": {k: traced for k, (traced, _) in sorted(checkpoints.peaks.items())},
        "peak": peak,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--services", type=int, default=50_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--data-dir", help="SQLite: keep the database here and reuse it on the next run"
    )
    parser.add_argument("--skip-export", action="store_true", help="Do not time the export.")
    parser.add_argument(
        "--trace-services",
        type=int,
        default=50_000,
        help="Trace the export's memory over this many services (tracing is slow).",
    )
    args = parser.parse_args()
    if args.data_dir:
        Path(args.data_dir).mkdir(parents=True, exist_ok=True)
        if args.backend == "postgres":
            print("note: --data-dir only keeps SQLite databases; PostgreSQL is built afresh")
        forget_stale(args)

    with django_database(args.backend, data_dir=args.data_dir) as description:
        import time_machine

        from carecircle.directory.models import Location, OpeningInterval, Service
        from carecircle.synth.directory import analyze

        built = ensure_data(args)
        analyze()  # the build did; a reused database may predate that
        services, locations = Service.objects.count(), Location.objects.count()
        intervals = OpeningInterval.objects.count()
        noon = a_wednesday_noon()
        print(f"\nFind help benchmark on {description}; {machine()}")
        print(f"{services:,} services at {locations:,} locations, {intervals:,} opening intervals")
        print(f"searches evaluated at {noon:%A %H:%M} in Riverbend ({noon.tzinfo})")
        print(f"{args.requests} searches: text + radius + taxonomy term + language + open now\n")

        with time_machine.travel(noon, tick=True):
            results = measure_search(args)
        for name, label in (
            ("bare", "bare search query (SQL on a cursor)"),
            ("selector", "search selector (service_search)"),
            ("page", "public results page GET /find-help/"),
            ("bare api", "bare query of the API's search"),
            ("api", "API GET /api/hsds/services"),
        ):
            print(summary(label, results[name]))
        bare50, bare95 = statistics.median(results["bare api"]), p95(results["bare api"])
        api50, api95 = statistics.median(results["api"]), p95(results["api"])
        print(f"API / its bare query: {api50 / bare50:.2f}x at p50, {api95 / bare95:.2f}x at p95")
        print(
            f"queries per request: API {results['api queries'][0]:.0f}, "
            f"page {results['page queries'][0]:.0f}; "
            f"page size {results['page bytes'][0] / 1024:.0f} KiB"
        )
        ok_api, ok_page = api95 <= 50, p95(results["page"]) <= 80
        print(f"targets: API p95 <= 50 ms {'met' if ok_api else 'MISSED'}, ", end="")
        print(f"page p95 <= 80 ms {'met' if ok_page else 'MISSED'}")

        if not args.skip_export:
            print("\nHSDS JSON export of every service (streamed)")
            export = measure_export(services, traced=args.trace_services)
            print(
                f"  {export['seconds']:.1f} s ({services / export['seconds']:,.0f} services/s), "
                f"{export['bytes'] / 1e6:.0f} MB of JSON"
            )
            for count, rss in export["resident"].items():
                print(f"  resident memory after {count:>7,} services: {rss / 1e6:6.1f} MB")
            for count, traced in export["traced"].items():
                print(f"  traced peak after {count:>7,} services:     {traced / 1e6:6.1f} MB")
            print(f"  traced peak overall: {export['peak'] / 1e6:.1f} MB")
        if built is not None:
            print(f"\n(data set built in {built:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
