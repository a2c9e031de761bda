"""Words that mean two things in English are two words in French: each use carries its own
context, so the catalogue can tell them apart."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.utils import translation
from django.utils.translation import pgettext

from carecircle.privacy.models import AuditAction


@pytest.mark.parametrize(
    ("context", "word", "french"),
    [
        ("a notification already seen", "Read", "Lue"),
        ("an audited action", "Read", "Consultation"),
        ("opening hours", "Closed", "Fermé"),
        ("a referral, followed by the date", "Closed", "Clôturée"),
    ],
)
def test_each_meaning_has_its_own_french_word(context: str, word: str, french: str) -> None:
    with translation.override("fr"):
        assert pgettext(context, word) == french


def test_the_audit_trail_says_consultation_for_a_read() -> None:
    with translation.override("fr"):
        assert str(AuditAction.READ.label) == "Consultation"


@pytest.mark.parametrize(
    ("template", "french"),
    [
        ("notifications/_inbox.html", "Lue"),
        ("directory/public/_hours.html", "Fermé"),
        ("referrals/detail.html", "Clôturée"),
    ],
)
def test_the_templates_ask_for_the_word_in_its_context(template: str, french: str) -> None:
    from django.template.loader import get_template

    source = get_template(template).template.source
    contexts = {
        "notifications/_inbox.html": '{% translate "Read" context "a notification already seen" %}',
        "directory/public/_hours.html": '{% translate "Closed" context "opening hours" %}',
        "referrals/detail.html": (
            '{% translate "Closed" context "a referral, followed by the date" %}'
        ),
    }
    tag = contexts[template]
    assert tag in source
    with translation.override("fr"):
        assert Template("{% load i18n %}" + tag).render(Context()) == french
