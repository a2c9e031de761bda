"""Someone who works for two organizations switches between them in the header."""

from __future__ import annotations

import pytest

from tests.browser.conftest import UI, Community, visible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_peer_worker_switches_from_the_peer_organization_to_the_ed(
    page: UI, community: Community
) -> None:
    page.sign_in("pat")
    assert visible(page.main_text(), f"Acting for {community.peers.name}.")

    switcher = page.get_by_role("combobox", name="Acting for")
    # Only the organizations pat belongs to are offered.
    options = switcher.locator("option").all_inner_texts()
    assert len(options) == 2
    assert not any(community.police.name in option for option in options)
    switcher.select_option(str(community.ed.pk))
    page.click(page.get_by_role("button", name="Switch"), shot="org-switched")

    assert page.path == "/home/"
    assert visible(page.main_text(), f"Acting for {community.ed.name}.")
    assert switcher.input_value() == str(community.ed.pk)
