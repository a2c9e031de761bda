"""The response deadlines page: every member reads their jurisdiction's deadlines; the
coordinators and organization admins of its coalition change them, all or nothing.

Riverbend's six partners belong to the Riverbend Overdose Response Coalition, where cora is a
coordinator and admin an organization admin (as in the demo). erin is the ED's admin: an
organization admin, but not of the coalition.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client as HttpClient
from django.urls import reverse

from carecircle.partners import services as partners
from carecircle.partners.models import Organization, Role, Sector
from carecircle.partners.selectors import coalition_list
from carecircle.referrals import selectors, services
from carecircle.referrals.deadlines import DEFAULT_RULES, DeadlineRule
from carecircle.referrals.forms import deadline_initial
from carecircle.referrals.models import ResponseDeadline
from tests.fixtures import Riverbend, build_riverbend, riverbend
from tests.referrals.helpers import Loop, build_loop

__all__ = ["riverbend"]

URL = "/referrals/deadlines/"
COALITION = "Riverbend Overdose Response Coalition"


def with_coalition(town: Riverbend) -> Organization:
    """The town's partners become members of its coalition; cora coordinates it and admin is
    its organization admin (each now acts for it)."""
    coalition = partners.organization_create(
        name=f"{town.jurisdiction.name.split()[0]} Overdose Response Coalition",
        sector=Sector.COMMUNITY,
        jurisdiction=town.jurisdiction,
        slug=f"coalition-{town.jurisdiction.pk}",
    )
    Organization.objects.filter(pk__in=[o.pk for o in town.orgs.values()]).update(parent=coalition)
    town.orgs["coalition"] = coalition
    town.member("cora", "coalition", Role.COORDINATOR)
    town.member("admin", "coalition", Role.ORG_ADMIN)
    return coalition


@pytest.fixture
def town(riverbend: Riverbend) -> Riverbend:
    with_coalition(riverbend)
    return riverbend


def browser(town: Riverbend, username: str) -> HttpClient:
    """Signed in as ``username``, acting for the organization of their latest membership."""
    client = town.http(username)
    session = client.session
    session["acting_org_id"] = town.memberships[username].organization_id
    session.save()
    return client


def form_data(changes: dict[str, Any] | None = None) -> dict[str, Any]:
    """The form as shown with the defaults (with the values shown sent back hidden, as the
    page does), with ``changes`` made."""
    data: dict[str, Any] = {}
    for urgency, rule in DEFAULT_RULES.items():
        for name, value in deadline_initial(rule).items():
            data[f"{urgency}-{name}"] = str(value)
            data[f"initial-{urgency}-{name}"] = str(value)
    return data | (changes or {})


CHOOSE_UNIT = "Choose hours on the clock or business days."
TWO_HOURS = {"urgent-unit": "hours", "urgent-amount": "2", "urgent-escalate_after_hours": "3"}


def own_rows(town: Riverbend) -> dict[str, tuple[int | None, int | None, int]]:
    return {
        row.urgency: (row.hours, row.business_days, row.escalate_after_hours)
        for row in ResponseDeadline.objects.filter(jurisdiction=town.jurisdiction)
    }


# --- who may change them --------------------------------------------------------------------------


def test_the_coalition_is_the_organization_without_a_parent_that_has_members(
    town: Riverbend,
) -> None:
    assert list(coalition_list(jurisdiction_id=town.jurisdiction.pk)) == [town.coalition]


def test_an_organization_whose_members_are_all_inactive_is_not_a_coalition(
    town: Riverbend,
) -> None:
    Organization.objects.filter(parent=town.coalition).update(is_active=False)
    assert not coalition_list(jurisdiction_id=town.jurisdiction.pk).exists()
    assert not selectors.response_deadlines_may_manage(
        actor=town.actor("cora"), jurisdiction=town.jurisdiction
    )


@pytest.mark.parametrize(
    ("username", "org_key", "role", "may"),
    [
        ("cora", "coalition", Role.COORDINATOR, True),
        ("admin", "coalition", Role.ORG_ADMIN, True),
        ("dana", "coalition", Role.ANALYST, False),
        ("alice", "coalition", Role.CLINICIAN, False),
        ("erin", "ed", Role.ORG_ADMIN, False),  # an admin, but of a member, not the coalition
        ("cora", "public_health", Role.COORDINATOR, False),
        ("lee", "police", Role.ORG_ADMIN, False),  # police and justice: the same rule
        ("lee", "coalition", Role.COORDINATOR, True),
    ],
)
def test_only_coordinators_and_admins_of_the_coalition_may_manage(
    town: Riverbend, username: str, org_key: str, role: str, may: bool
) -> None:
    actor = town.member(username, org_key, role)
    assert (
        selectors.response_deadlines_may_manage(actor=actor, jurisdiction=town.jurisdiction) is may
    )


def test_an_admin_of_a_lone_organization_without_members_may_not(town: Riverbend) -> None:
    lone = partners.organization_create(
        name="Riverbend Lone Clinic",
        sector=Sector.PRIMARY_CARE,
        jurisdiction=town.jurisdiction,
        slug="lone-clinic",
    )
    town.orgs["lone"] = lone
    actor = town.member("lonely", "lone", Role.ORG_ADMIN)
    assert not selectors.response_deadlines_may_manage(actor=actor, jurisdiction=town.jurisdiction)
    with pytest.raises(PermissionDenied):
        services.response_deadlines_set(
            actor=actor, jurisdiction=town.jurisdiction, rules={"urgent": DeadlineRule(hours=2)}
        )
    response = browser(town, "lonely").post(URL, form_data(TWO_HOURS))
    assert response.status_code == 403
    assert own_rows(town) == {}


def test_a_coordinator_of_another_jurisdictions_coalition_cannot_change_this_one(
    town: Riverbend,
) -> None:
    lakeside = build_riverbend(name="Lakeside County", suffix="-lakeside")
    with_coalition(lakeside)
    their_cora = lakeside.actor("cora")
    assert not selectors.response_deadlines_may_manage(
        actor=their_cora, jurisdiction=town.jurisdiction
    )
    with pytest.raises(PermissionDenied):
        services.response_deadlines_set(
            actor=their_cora,
            jurisdiction=town.jurisdiction,
            rules={"urgent": DeadlineRule(hours=2)},
        )
    # Their page is their own jurisdiction's: saving it leaves Riverbend's alone.
    response = browser(lakeside, "cora").post(URL, form_data(TWO_HOURS))
    assert response.status_code == 302
    assert own_rows(town) == {}
    assert own_rows(lakeside) == {"urgent": (2, None, 3)}


def test_an_admin_of_a_member_organization_sees_the_page_read_only(town: Riverbend) -> None:
    response = browser(town, "erin").get(URL)
    assert response.status_code == 200
    assert b"Save the deadlines" not in response.content
    assert browser(town, "erin").post(URL, form_data(TWO_HOURS)).status_code == 403
    assert own_rows(town) == {}


# --- reading them ---------------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["carlos", "alice", "dana", "lee", "erin"])
def test_every_member_reads_the_deadlines_in_plain_words(town: Riverbend, username: str) -> None:
    response = browser(town, username).get(URL)
    assert response.status_code == 200
    body = response.content.decode()
    for words in (
        "1 hour",
        "2 hours",
        "4 hours",
        "3 business days (Monday to Friday, from 9:00)",
        "24 hours after the deadline",
    ):
        assert words in body
    assert body.count("The default (this jurisdiction has not set its own)") == 4
    assert "referrals already sent keep the deadline they were sent with" in body
    assert COALITION in body  # who to ask
    assert '<form method="post" action="/referrals/deadlines/"' not in body
    assert "Save the deadlines" not in body


@pytest.mark.parametrize("username", ["carlos", "alice"])
def test_staff_who_may_not_change_them_get_403_and_nothing_is_written(
    town: Riverbend, username: str
) -> None:
    response = browser(town, username).post(URL, form_data(TWO_HOURS))
    assert response.status_code == 403
    assert own_rows(town) == {}


def test_the_page_names_the_jurisdictions_own_deadline(town: Riverbend) -> None:
    services.response_deadlines_set(
        actor=town.actor("cora"),
        jurisdiction=town.jurisdiction,
        rules={"routine": DeadlineRule(business_days=1, escalate_after_hours=8)},
    )
    body = browser(town, "carlos").get(URL).content.decode()
    assert "1 business day (Monday to Friday, from 9:00)" in body
    assert "8 hours after the deadline" in body
    assert body.count("The default (this jurisdiction has not set its own)") == 3


def test_anonymous_visitors_are_sent_to_sign_in(town: Riverbend) -> None:
    for method in ("get", "post"):
        response = getattr(HttpClient(), method)(URL)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    assert own_rows(town) == {}


def test_someone_with_no_organization_is_refused(town: Riverbend) -> None:
    assert town.http("nobody").get(URL).status_code == 403


def test_the_page_costs_a_fixed_number_of_queries(
    town: Riverbend, django_assert_max_num_queries: Any
) -> None:
    services.response_deadlines_set(
        actor=town.actor("cora"),
        jurisdiction=town.jurisdiction,
        rules={"urgent": DeadlineRule(hours=2), "routine": None},
    )
    client = browser(town, "cora")
    with django_assert_max_num_queries(10):
        assert client.get(URL).status_code == 200


def test_the_page_speaks_french(town: Riverbend) -> None:
    response = browser(town, "carlos").get(URL, headers={"Accept-Language": "fr"})
    body = response.content.decode()
    assert '<html lang="fr">' in body
    assert "Délais de réponse" in body
    assert "3 jours ouvrables (du lundi au vendredi, à partir de 9:00)" in body


def test_the_inbox_and_the_coalition_home_link_to_the_page(town: Riverbend) -> None:
    assert URL in browser(town, "carlos").get("/referrals/").content.decode()
    assert URL in browser(town, "cora").get(reverse("web:home")).content.decode()
    assert URL in browser(town, "admin").get(reverse("web:home")).content.decode()


# --- changing them --------------------------------------------------------------------------------


@pytest.fixture
def loop(town: Riverbend) -> Loop:
    return build_loop(town)


def test_cora_sets_urgent_to_two_hours_and_referrals_sent_afterwards_follow_it(
    loop: Loop,
) -> None:
    town = loop.town
    before = loop.refer_housing(urgency="urgent")
    client = browser(town, "cora")
    page = client.get(URL)
    assert page.status_code == 200
    assert "Save the deadlines" in page.content.decode()

    response = client.post(URL, form_data(TWO_HOURS), follow=True)
    assert response.redirect_chain == [(URL, 302)]
    assert "Response deadlines saved." in response.content.decode()
    assert own_rows(town) == {"urgent": (2, None, 3)}  # the unchanged rows stay the default

    after = loop.refer()
    assert after.urgency == "urgent"
    assert after.requested_at is not None
    assert after.due_at is not None
    assert after.due_at - after.requested_at == dt.timedelta(hours=2)
    # A referral already sent keeps the deadline it was sent with.
    before.refresh_from_db()
    assert before.requested_at is not None
    assert before.due_at is not None
    assert before.due_at - before.requested_at == dt.timedelta(hours=4)


def test_the_coalition_admin_sets_business_days(town: Riverbend) -> None:
    changes = {"routine-unit": "business_days", "routine-amount": "5"}
    response = browser(town, "admin").post(URL, form_data(changes))
    assert response.status_code == 302
    assert own_rows(town) == {"routine": (None, 5, 24)}


def test_saving_the_form_unchanged_writes_nothing(town: Riverbend) -> None:
    response = browser(town, "cora").post(URL, form_data(), follow=True)
    assert "Nothing was changed." in response.content.decode()
    assert own_rows(town) == {}


def test_a_page_opened_before_someone_elses_change_does_not_undo_it(town: Riverbend) -> None:
    # cora opened the page with the defaults; meanwhile the admin set urgent to two hours.
    assert browser(town, "admin").post(URL, form_data(TWO_HOURS)).status_code == 302
    # cora changes routine only, on the page she opened before: urgent stays as the admin set it.
    changes = {"routine-unit": "business_days", "routine-amount": "5"}
    assert browser(town, "cora").post(URL, form_data(changes)).status_code == 302
    assert own_rows(town) == {"urgent": (2, None, 3), "routine": (None, 5, 24)}


def test_the_page_sends_back_the_values_it_showed(town: Riverbend) -> None:
    body = browser(town, "cora").get(URL).content.decode()
    for name in ("unit", "amount", "escalate_after_hours"):
        assert f'name="initial-urgent-{name}"' in body


def test_use_the_default_removes_the_jurisdictions_own_deadline(town: Riverbend) -> None:
    client = browser(town, "cora")
    client.post(URL, form_data(TWO_HOURS))
    assert own_rows(town) == {"urgent": (2, None, 3)}
    body = client.get(URL).content.decode()
    assert 'name="urgent-use_default"' in body
    assert 'name="routine-use_default"' not in body  # nothing to go back from

    shown = form_data(TWO_HOURS)
    response = client.post(URL, shown | {"urgent-use_default": "on"})
    assert response.status_code == 302
    assert own_rows(town) == {}
    assert (
        services.deadline_rule(jurisdiction_id=town.jurisdiction.pk, urgency="urgent")
        == (DEFAULT_RULES["urgent"])
    )


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"urgent-amount": "0"}, "urgent-amount", "whole number of hours from 1 to 720"),
        ({"urgent-amount": "-1"}, "urgent-amount", "whole number of hours from 1 to 720"),
        ({"urgent-amount": "abc"}, "urgent-amount", "Enter a whole number, such as 4."),
        ({"urgent-amount": "2.5"}, "urgent-amount", "Enter a whole number, such as 4."),
        ({"urgent-amount": "4\x00"}, "urgent-amount", "Enter a whole number, such as 4."),
        ({"urgent-amount": ""}, "urgent-amount", "whole number of hours from 1 to 720"),
        ({"urgent-amount": "721"}, "urgent-amount", "whole number of hours from 1 to 720"),
        ({"urgent-amount": "9" * 5000}, "urgent-amount", "Enter a whole number, such as 4."),
        (
            {"routine-amount": "31"},
            "routine-amount",
            "whole number of business days from 1 to 30",
        ),
        (
            {"urgent-unit": ["hours", "business_days"]},
            "urgent-unit",
            "Choose hours on the clock or business days, not both.",
        ),
        ({"urgent-unit": "weeks"}, "urgent-unit", CHOOSE_UNIT),
        ({"urgent-unit": "hours\x00"}, "urgent-unit", CHOOSE_UNIT),
        ({"urgent-unit": ""}, "urgent-unit", CHOOSE_UNIT),
        (
            {"urgent-escalate_after_hours": "0"},
            "urgent-escalate_after_hours",
            "whole number of hours from 1 to 168",
        ),
        (
            {"urgent-escalate_after_hours": "169"},
            "urgent-escalate_after_hours",
            "whole number of hours from 1 to 168",
        ),
    ],
)
def test_bad_input_is_named_and_nothing_is_written(
    town: Riverbend, changes: dict[str, Any], field: str, message: str
) -> None:
    # A good change on another row is not saved either: all or nothing.
    data = form_data({"stat-amount": "3"} | changes)
    response = browser(town, "cora").post(URL, data)
    assert response.status_code == 400
    body = response.content.decode()
    assert message in body
    assert "Nothing was saved." in body
    assert f'href="#id_{field}"' in body  # the summary links to the field it names
    assert own_rows(town) == {}


def test_an_empty_post_is_refused_without_writing(town: Riverbend) -> None:
    response = browser(town, "cora").post(URL, {})
    assert response.status_code == 400
    assert own_rows(town) == {}


def test_use_the_default_ignores_the_rest_of_its_row(town: Riverbend) -> None:
    client = browser(town, "cora")
    client.post(URL, form_data(TWO_HOURS))
    response = client.post(URL, form_data({"urgent-use_default": "on", "urgent-amount": "abc\x00"}))
    assert response.status_code == 302
    assert own_rows(town) == {}


# --- the service ----------------------------------------------------------------------------------


@dataclass
class LooseRule:
    """What a careless caller might pass instead of a checked DeadlineRule."""

    hours: Any = None
    business_days: Any = None
    escalate_after_hours: Any = 4


@pytest.mark.parametrize(
    ("rule", "key"),
    [
        (LooseRule(hours=0), "urgent.hours"),
        (LooseRule(hours=-1), "urgent.hours"),
        (LooseRule(hours="4"), "urgent.hours"),
        (LooseRule(hours=True), "urgent.hours"),
        (LooseRule(hours=721), "urgent.hours"),
        (LooseRule(hours=2**40), "urgent.hours"),
        (LooseRule(business_days=31), "urgent.business_days"),
        (LooseRule(hours=2, business_days=1), "urgent"),
        (LooseRule(), "urgent"),
        (LooseRule(hours=2, escalate_after_hours=0), "urgent.escalate_after_hours"),
        (LooseRule(hours=2, escalate_after_hours=169), "urgent.escalate_after_hours"),
        (LooseRule(hours=2, escalate_after_hours=None), "urgent.escalate_after_hours"),
    ],
)
def test_the_service_refuses_a_bad_rule_and_writes_nothing(
    town: Riverbend, rule: LooseRule, key: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        services.response_deadlines_set(
            actor=town.actor("cora"),
            jurisdiction=town.jurisdiction,
            rules={"stat": DeadlineRule(hours=3), "urgent": rule},  # type: ignore[dict-item]
        )
    assert key in refused.value.message_dict
    assert own_rows(town) == {}


def test_the_service_refuses_an_unknown_urgency(town: Riverbend) -> None:
    with pytest.raises(ValidationError) as refused:
        services.response_deadlines_set(
            actor=town.actor("cora"),
            jurisdiction=town.jurisdiction,
            rules={"stat": DeadlineRule(hours=3), "whenever": DeadlineRule(hours=2)},
        )
    assert "urgency" in refused.value.message_dict
    assert own_rows(town) == {}


def test_the_service_upserts_deletes_and_reports_what_changed(
    town: Riverbend, caplog: pytest.LogCaptureFixture, django_capture_on_commit_callbacks: Any
) -> None:
    cora = town.actor("cora")
    with (
        caplog.at_level(logging.INFO, logger="carecircle.referrals.services"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        changed = services.response_deadlines_set(
            actor=cora,
            jurisdiction=town.jurisdiction,
            rules={"urgent": DeadlineRule(hours=2), "routine": DeadlineRule(business_days=2)},
        )
    assert changed == ["urgent", "routine"]
    assert f"jurisdiction {town.jurisdiction.pk}" in caplog.text
    assert f"user {cora.user_id}" in caplog.text
    assert "urgent=2h" in caplog.text

    again = services.response_deadlines_set(
        actor=cora,
        jurisdiction=town.jurisdiction,
        rules={
            "urgent": DeadlineRule(hours=2),  # the same: not a change
            "routine": DeadlineRule(business_days=4, escalate_after_hours=48),
            "stat": None,  # already the default
        },
    )
    assert again == ["routine"]
    assert own_rows(town) == {"urgent": (2, None, 4), "routine": (None, 4, 48)}

    assert services.response_deadlines_set(
        actor=cora, jurisdiction=town.jurisdiction, rules={"urgent": None}
    ) == ["urgent"]
    assert own_rows(town) == {"routine": (None, 4, 48)}
