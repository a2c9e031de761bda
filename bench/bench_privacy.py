"""Benchmark the privacy core: policy decisions, audited reads, audit appends and verification.

python bench/bench_privacy.py [--backend sqlite|postgres] [--people 500] [--rows 50000]
"""

from __future__ import annotations

import argparse
import random
import time

from common import django_database, machine, summary, timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--people", type=int, default=500)
    parser.add_argument("--rows", type=int, default=20000, help="audit rows to append and verify")
    args = parser.parse_args()

    with django_database(args.backend) as description:
        from carecircle.partners import services as partners
        from carecircle.partners.models import PrivacyRegime, Role, Sector
        from carecircle.partners.selectors import Actor
        from carecircle.privacy import policy, services
        from carecircle.privacy.audit import audit_append, audit_verify
        from carecircle.privacy.models import DataClass, Purpose
        from carecircle.privacy.selectors import person_read

        jurisdiction = partners.jurisdiction_create(
            name="Bench County", country="US", privacy_regime=PrivacyRegime.US_PART2_HIPAA
        )
        ed = partners.organization_create(
            name="Bench ED", sector=Sector.EMERGENCY_DEPARTMENT, jurisdiction=jurisdiction
        )
        clinic = partners.organization_create(
            name="Bench Clinic", sector=Sector.TREATMENT_CLINIC, jurisdiction=jurisdiction
        )
        owner = partners.user_create(username="owner", password=None)
        reader = partners.user_create(username="reader", password=None)
        owner_actor = Actor.from_membership(
            partners.membership_create(user=owner, organization=ed, role=Role.CLINICIAN)
        )
        reader_actor = Actor.from_membership(
            partners.membership_create(user=reader, organization=clinic, role=Role.CLINICIAN)
        )
        rng = random.Random(7)
        people = []
        for i in range(args.people):
            person = services.person_create(actor=owner_actor)
            if i % 2 == 0:
                services.consent_record(
                    actor=owner_actor,
                    person=person,
                    decision="permit",
                    data_classes=[DataClass.GENERAL, DataClass.SUBSTANCE_USE],
                    purposes=[Purpose.TREATMENT],
                    recipient_organizations=[clinic],
                )
            if i % 3 == 0:
                services.care_team_add(actor=owner_actor, person=person, organization=clinic)
            people.append(person)

        print(f"CareCircle privacy benchmark on {description}; {machine()}")
        print(f"{args.people} people, half with a consent, a third with a care team")

        def one_decision() -> None:
            policy.evaluate(
                actor=reader_actor,
                person=rng.choice(people),
                data_class=DataClass.SUBSTANCE_USE,
                purpose=Purpose.TREATMENT,
            )

        def six_classes() -> None:
            policy.evaluate_many(
                actor=reader_actor,
                person=rng.choice(people),
                data_classes=DataClass.values,
                purpose=Purpose.TREATMENT,
            )

        def audited_read() -> None:
            person_read(
                actor=reader_actor,
                person=rng.choice(people),
                data_classes=DataClass.values,
                purpose=Purpose.TREATMENT,
            )

        def one_append() -> None:
            audit_append(actor=reader_actor, action="read", permitted=True)

        print(summary("policy: one class", timed(one_decision, 500)))
        print(summary("policy: six classes, one gathering", timed(six_classes, 500)))
        print(summary("audited read: six classes + six rows", timed(audited_read, 300)))
        print(summary("audit append: one row", timed(one_append, 1000)))

        remaining = max(0, args.rows - policy_rows())
        start = time.perf_counter()
        for _ in range(remaining):
            one_append()
        append_seconds = time.perf_counter() - start
        if remaining:
            print(f"appended {remaining} rows one by one: {remaining / append_seconds:,.0f} rows/s")
        start = time.perf_counter()
        problems = audit_verify()
        seconds = time.perf_counter() - start
        total = policy_rows()
        print(
            f"audit verify: {total:,} rows in {seconds:.2f} s ({total / seconds:,.0f} rows/s), "
            f"{len(problems)} problems"
        )


def policy_rows() -> int:
    from carecircle.privacy.audit import audit_count

    return audit_count()


if __name__ == "__main__":
    main()
