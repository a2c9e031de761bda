"""Benchmark referrals: an organization's inbox of 10,000 open incoming referrals, and sending one.

    python bench/bench_referrals.py [--backend sqlite|postgres] [--open 10000] [--total 100000]

Builds (in bulk, in a fresh database) a county of 20 partner organizations, 20,000 people
held by 19 of them, each with a consent naming the 20th (a treatment clinic), and --total
referrals: --open open ones incoming to the clinic (a sixth of them past their deadline),
as many closed ones, and the rest between the other organizations. Then measures, in-process
(server time, no network):

- the clinic's inbox, first page: the selector ``referral_inbox`` (policy decisions for every
  row and their audit rows included) and the page ``GET /referrals/`` through Django's test
  client, signed in as a clinician there; and the selector's query count for 25 and 100 rows
  a page, which must be the same;
- sending a referral to the clinic: ``referral_create`` (policy check, consent lookup,
  disclosure and audit rows, notifications) and ``POST /api/referrals`` with a bearer token.

Targets (docs/benchmarks.md): inbox first page p95 <= 100 ms, create p95 <= 50 ms.
"""

from __future__ import annotations

import argparse
import json
import random
import time
import uuid
from datetime import timedelta
from typing import Any

from common import django_database, machine, summary, timed

OTHER_SECTORS = (
    "emergency_department",
    "primary_care",
    "harm_reduction",
    "peer_recovery",
    "mental_health",
    "housing",
    "social_services",
)
CLASSES = ("general", "substance_use", "substance_use", "mental_health", "health")


def build(args: argparse.Namespace) -> dict[str, Any]:
    """The county, its people and their referrals; returns who is who."""
    from django.db import connection, transaction
    from django.utils import timezone

    from carecircle.clients.models import Client
    from carecircle.clients.names import client_search_name
    from carecircle.partners import services as partners
    from carecircle.partners.models import PrivacyRegime, Role, Sector
    from carecircle.partners.selectors import Actor
    from carecircle.privacy.bulk import BulkInsert, reserve_ids
    from carecircle.privacy.models import ConsentDirective, Person
    from carecircle.referrals import deadlines
    from carecircle.referrals.models import Referral
    from carecircle.referrals.states import Status

    rng = random.Random(args.seed)
    now = timezone.now()
    jurisdiction = partners.jurisdiction_create(
        name="Bench County",
        country="US",
        time_zone="America/Chicago",
        privacy_regime=PrivacyRegime.US_PART2_HIPAA,
    )
    clinic = partners.organization_create(
        name="Bench MOUD Clinic", sector=Sector.TREATMENT_CLINIC, jurisdiction=jurisdiction
    )
    others = [
        partners.organization_create(
            name=f"Bench Partner {i:02d}",
            sector=OTHER_SECTORS[i % len(OTHER_SECTORS)],
            jurisdiction=jurisdiction,
        )
        for i in range(19)
    ]
    reader = partners.user_create(username="reader", password=None)
    reader_actor = Actor.from_membership(
        partners.membership_create(user=reader, organization=clinic, role=Role.CLINICIAN)
    )
    # The clinic's other staff hear of each new referral (notifications).
    for i, role in enumerate((Role.INTAKE_VOLUNTEER, Role.CASE_MANAGER, Role.ORG_ADMIN)):
        partners.membership_create(
            user=partners.user_create(username=f"clinic{i}", password=None),
            organization=clinic,
            role=role,
        )
    requesters = []
    for i, org in enumerate(others):
        user = partners.user_create(username=f"requester{i:02d}", password=None)
        requesters.append(
            Actor.from_membership(
                partners.membership_create(user=user, organization=org, role=Role.CLINICIAN)
            )
        )

    people = args.people
    people_rows, client_rows, consent_rows, recipient_rows = [], [], [], []
    owners: list[int] = []
    with transaction.atomic():
        client_ids = reserve_ids(Client, people)
        consent_ids = []
        for i in range(people):
            person_id, consent_id = uuid.uuid4(), uuid.uuid4()
            owner = i % len(others)
            owners.append(owner)
            consent_ids.append(consent_id)
            name = f"Person {i:05d}"
            people_rows.append((person_id, others[owner].pk, now))
            client_rows.append(
                (client_ids[i], person_id, "alias", name, client_search_name(preferred_name=name))
            )
            consent_rows.append(
                (
                    consent_id,
                    person_id,
                    "permit",
                    ["general", "health", "mental_health", "substance_use"],
                    ["care_coordination", "treatment"],
                    now - timedelta(days=400),
                    requesters[owner].user_id,
                    others[owner].pk,
                    "paper",
                )
            )
            recipient_rows.append((consent_id, clinic.pk))
        BulkInsert(Person, ["id", "owner_organization", "created_at"]).insert(people_rows)
        BulkInsert(
            Client, ["id", "person", "identification", "preferred_name", "search_name"]
        ).insert(client_rows)
        BulkInsert(
            ConsentDirective,
            [
                "id",
                "person",
                "decision",
                "data_classes",
                "purposes",
                "period_start",
                "recorded_by",
                "recorded_for",
                "capture_method",
            ],
        ).insert(consent_rows)
        BulkInsert(
            ConsentDirective.recipient_organizations.through, ["consentdirective", "organization"]
        ).insert(recipient_rows)

    referral = BulkInsert(
        Referral,
        [
            "id",
            "client",
            "requester_organization",
            "requester",
            "receiving_organization",
            "data_class",
            "consent",
            "status",
            "urgency",
            "reason",
            "service_name",
            "created_at",
            "updated_at",
            "requested_at",
            "due_at",
            "closed_at",
        ],
    )
    open_states = [
        (Status.REQUESTED, 4),
        (Status.ACCEPTED, 2),
        (Status.IN_PROGRESS, 3),
        (Status.ON_HOLD, 1),
    ]
    closed_states = [Status.COMPLETED, Status.FAILED, Status.REJECTED, Status.CANCELLED]
    urgencies = ["routine"] * 7 + ["urgent"] * 2 + ["asap"]
    rule = deadlines.DEFAULT_RULES
    zone = __import__("zoneinfo").ZoneInfo("America/Chicago")

    def row(i: int, receiver: Any, status: str, overdue: bool = False) -> tuple[Any, ...]:
        c = rng.randrange(people)
        owner = owners[c]
        requester = requesters[owner]
        urgency = rng.choice(urgencies)
        if overdue:
            created = now - timedelta(days=rng.uniform(6, 30))
        elif status == Status.REQUESTED:
            created = now - timedelta(hours=rng.uniform(0.1, 0.9))
        else:
            created = now - timedelta(days=rng.uniform(1, 365))
        requested = created if status != Status.DRAFT else None
        due = deadlines.due_at(created, rule[urgency], zone) if requested else None
        closed = created + timedelta(days=3) if status in closed_states else None
        return (
            uuid.uuid4(),
            client_ids[c],
            requester.organization.pk,
            requester.user_id,
            receiver.pk,
            rng.choice(CLASSES),
            consent_ids[c],
            status,
            urgency,
            "Wants to start buprenorphine this week; prefers mornings.",
            "Same-day buprenorphine start",
            created,
            created,
            requested,
            due,
            closed,
        )

    written = 0
    batch: list[tuple[Any, ...]] = []

    def flush() -> None:
        nonlocal written, batch
        with transaction.atomic():
            written += referral.insert(batch)
        batch = []

    weights = [w for _, w in open_states]
    for i in range(args.open):
        status = rng.choices([s for s, _ in open_states], weights)[0]
        batch.append(row(i, clinic, status, overdue=status == Status.REQUESTED and i % 3 == 0))
        if len(batch) >= 5000:
            flush()
    for i in range(args.open):
        batch.append(row(i, clinic, rng.choice(closed_states)))
        if len(batch) >= 5000:
            flush()
    for i in range(max(0, args.total - 2 * args.open)):
        status = rng.choice([s for s, _ in open_states] + closed_states + [Status.DRAFT])
        batch.append(row(i, rng.choice(others), status))
        if len(batch) >= 5000:
            flush()
    flush()
    with connection.cursor() as cursor:
        # What a live database has shortly after a load of this size: statistics, and on
        # PostgreSQL the visibility map autovacuum keeps after inserts (index-only counts).
        cursor.execute("ANALYZE" if connection.vendor == "sqlite" else "VACUUM ANALYZE")
    return {
        "clinic": clinic,
        "reader": reader,
        "reader_actor": reader_actor,
        "requesters": requesters,
        "client_ids": client_ids,
        "owners": owners,
        "written": written,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--open", type=int, default=10_000, help="open referrals in the inbox")
    parser.add_argument("--total", type=int, default=100_000, help="referrals in all")
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=200, help="timed requests per measure")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    with django_database(args.backend) as description:
        from django.db import connection
        from django.test import Client as HttpClient
        from django.test.utils import CaptureQueriesContext

        from carecircle.clients.models import Client
        from carecircle.partners.services import token_create
        from carecircle.referrals.selectors import InboxFilters, referral_inbox
        from carecircle.referrals.services import referral_create

        started = time.perf_counter()
        world = build(args)
        print(f"CareCircle referrals benchmark on {description}; {machine()}")
        print(
            f"built {world['written']:,} referrals ({args.open:,} open incoming to one clinic) "
            f"for {args.people:,} people in {time.perf_counter() - started:.1f} s"
        )
        reader_actor = world["reader_actor"]
        clinic = world["clinic"]

        def inbox(per_page: int = 25) -> Any:
            return referral_inbox(
                actor=reader_actor,
                filters=InboxFilters(),
                purpose="care_coordination",
                page=1,
                per_page=per_page,
            )

        first = inbox()
        print(
            f"inbox: {first.total:,} open incoming; first page {len(first.rows)} rows, "
            f"{sum(1 for r in first.rows if r.overdue)} overdue, "
            f"{sum(1 for r in first.rows if r.withheld)} with something withheld"
        )
        counts = {}
        for per_page in (25, 100):
            with CaptureQueriesContext(connection) as queries:
                inbox(per_page)
            counts[per_page] = len(queries)
        same = "the same" if counts[25] == counts[100] else "DIFFERENT"
        print(f"inbox queries: {counts[25]} for 25 rows, {counts[100]} for 100 rows ({same})")

        http = HttpClient()
        http.force_login(world["reader"])

        def page() -> None:
            response = http.get("/referrals/")
            if response.status_code != 200:
                raise RuntimeError(f"GET /referrals/ answered {response.status_code}")

        page()
        print(summary("inbox selector referral_inbox (25 rows)", timed(inbox, args.requests)))
        print(summary("inbox page GET /referrals/ (25 rows)", timed(page, args.requests)))

        rng = random.Random(args.seed)
        requesters = world["requesters"]
        owners = world["owners"]
        client_ids = world["client_ids"]
        requester = requesters[0]
        theirs = [cid for cid, owner in zip(client_ids, owners, strict=True) if owner == 0]
        clients = {c.pk: c for c in Client.objects.select_related("person").filter(pk__in=theirs)}

        def create() -> None:
            referral_create(
                actor=requester,
                client=clients[rng.choice(theirs)],
                receiving_organization=clinic,
                data_class="substance_use",
                purpose="care_coordination",
                urgency="urgent",
                reason="Started buprenorphine in the ED; needs a clinic within the week.",
            )

        _token, secret = token_create(
            user=requester_user(requester), organization=requester.organization
        )
        api = HttpClient(HTTP_AUTHORIZATION=f"Bearer {secret}")

        def post() -> None:
            response = api.post(
                "/api/referrals/",
                data=json.dumps(
                    {
                        "client_id": rng.choice(theirs),
                        "receiving_organization_id": clinic.pk,
                        "data_class": "substance_use",
                        "urgency": "routine",
                        "reason": "Wants methadone; prefers a morning dosing slot.",
                    }
                ),
                content_type="application/json",
            )
            if response.status_code not in (200, 201):
                raise RuntimeError(f"POST /api/referrals/ answered {response.status_code}")

        print(summary("create: referral_create", timed(create, args.requests)))
        print(summary("create: POST /api/referrals/", timed(post, args.requests)))


def requester_user(actor: Any) -> Any:
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(pk=actor.user_id)


if __name__ == "__main__":
    main()
