"""The built-in taxonomy: every concept of the issue, stable ids, idempotent loading, French."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from carecircle.directory.models import Taxonomy, TaxonomyTerm
from carecircle.directory.taxonomy import (
    APPROACH,
    BUILTIN_TAXONOMY_ID,
    LOW_BARRIER,
    POPULATION,
    SERVICE_TYPE,
    TERMS,
    ensure_builtin_taxonomy,
    term_id,
    term_label,
)

ISSUE_SERVICE_TYPES = {
    "naloxone",
    "syringe-services",
    "supervised-consumption",
    "drug-checking",
    "withdrawal-management",
    "bup-same-day",
    "methadone",
    "naltrexone",
    "residential-treatment",
    "outpatient-treatment",
    "counseling",
    "peer-support",
    "mutual-aid",
    "mental-health-crisis",
    "housing-shelter",
    "food",
    "legal-aid",
    "telehealth",
    "take-back",
    "family-support",
}
ISSUE_ATTRIBUTES = {
    "youth",
    "women",
    "postpartum-parents",
    "2slgbtq-affirming",
    "indigenous-led",
    "faith-based",
    "rural-outreach",
    "low-barrier",
    "low-barrier-no-abstinence",
    "low-barrier-walk-in",
    "low-barrier-no-id",
    "low-barrier-free",
}


def test_every_concept_of_the_issue_is_a_term_in_its_group() -> None:
    by_code = {spec.code: spec for spec in TERMS}
    assert {c for c, s in by_code.items() if s.parent == SERVICE_TYPE} == ISSUE_SERVICE_TYPES
    attributes = {c for c, s in by_code.items() if s.parent in (POPULATION, APPROACH, LOW_BARRIER)}
    assert attributes == ISSUE_ATTRIBUTES
    assert by_code["low-barrier-walk-in"].parent == LOW_BARRIER
    assert len(by_code) == len(TERMS), "codes are unique"
    # Parents are listed before their children, so loading in order never misses a parent.
    seen: set[str] = set()
    for spec in TERMS:
        assert spec.parent is None or spec.parent in seen
        seen.add(spec.code)


def test_ids_are_stable_across_deployments() -> None:
    # Pinned: changing these would orphan every attribute in every other system.
    assert uuid.UUID("71b65e23-05eb-5677-84f9-caf85d4af676") == BUILTIN_TAXONOMY_ID
    assert term_id("bup-same-day") == uuid.UUID("dca51500-7c59-57c2-ba3c-0032addb5f31")
    namespace = uuid.uuid5(uuid.NAMESPACE_URL, "urn:carecircle:taxonomy:find-help")
    assert term_id("naloxone") == uuid.uuid5(namespace, "term:naloxone")
    assert len({spec.id for spec in TERMS}) == len(TERMS)


@pytest.mark.django_db
def test_loading_is_idempotent_and_repairs_edited_rows() -> None:
    ensure_builtin_taxonomy()
    first = {t.id: (t.code, t.name, t.parent_id) for t in TaxonomyTerm.objects.all()}
    assert len(first) == len(TERMS)

    bup = TaxonomyTerm.objects.get(id=term_id("bup-same-day"))
    bup.name = "Sub start"
    bup.save()
    result = ensure_builtin_taxonomy()

    assert result.pk == BUILTIN_TAXONOMY_ID
    assert Taxonomy.objects.count() == 1
    again = {t.id: (t.code, t.name, t.parent_id) for t in TaxonomyTerm.objects.all()}
    assert again == first
    assert again[bup.id][1] == "Buprenorphine start (same day)"
    walk_in = TaxonomyTerm.objects.get(code="low-barrier-walk-in")
    assert walk_in.parent_id == term_id(LOW_BARRIER)
    assert walk_in.language == "en"
    assert walk_in.taxonomy_detail_id == BUILTIN_TAXONOMY_ID


@pytest.mark.django_db
def test_loading_leaves_other_taxonomies_alone() -> None:
    other = Taxonomy.objects.create(name="Open Eligibility", description="Imported")
    theirs = TaxonomyTerm.objects.create(
        code="naloxone", name="Naloxone (theirs)", description="x", taxonomy_detail=other
    )
    ensure_builtin_taxonomy()
    theirs.refresh_from_db()
    assert theirs.name == "Naloxone (theirs)"
    assert TaxonomyTerm.objects.filter(code="naloxone").count() == 2


def test_labels_are_translated_and_unknown_codes_fall_back() -> None:
    with translation.override("en"):
        assert term_label("bup-same-day") == "Buprenorphine start (same day)"
    with translation.override("fr"):
        assert term_label("bup-same-day") == "Début de la buprénorphine (le jour même)"
        assert term_label("low-barrier-walk-in") == "Sans rendez-vous"
        for spec in TERMS:  # every term has its French name
            assert term_label(spec.code) != spec.name or spec.code == "naltrexone"
    assert term_label("not-a-term") == "not-a-term"
    assert term_label("not-a-term", "Other") == "Other"


def test_the_documentation_lists_every_term() -> None:
    doc = (Path(settings.PROJECT_DIR) / "docs" / "taxonomy.md").read_text()
    for spec in TERMS:
        assert f"`{spec.code}`" in doc, spec.code
        if spec.parent is not None:
            assert str(spec.id) in doc, spec.code
    assert str(BUILTIN_TAXONOMY_ID) in doc


def test_words_are_person_first() -> None:
    text = " ".join(f"{s.name} {s.description}" for s in TERMS).lower()
    for word in ("addict", "abuser", "junkie", "clean", "dirty"):
        assert word not in text
