"""The name kernel: folding for comparison, and the search name of a client."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from carecircle.clients.names import (
    SEARCH_NAME_LENGTH,
    SEPARATOR,
    client_search_name,
    exact,
    fold,
    search_name,
)

names = st.text(max_size=150)


def test_folding_drops_case_accents_and_punctuation() -> None:
    assert fold("  José-Luis  O'Neil ") == "jose luis o neil"
    assert fold("ÉLODIE_2") == "elodie 2"
    assert fold("!!") == ""


@given(names)
def test_folding_is_idempotent_and_never_holds_the_separator(name: str) -> None:
    once = fold(name)
    assert fold(once) == once
    assert SEPARATOR not in once
    assert once == once.strip()


@given(st.lists(names, max_size=6))
def test_every_kept_name_matches_exactly_and_the_column_never_overflows(
    given_names: list[str],
) -> None:
    joined = search_name(given_names)
    assert len(joined) <= SEARCH_NAME_LENGTH
    kept = [n for n in joined.split(SEPARATOR) if n]
    for name in kept:
        assert exact(name) in joined
    if joined:
        assert joined.startswith(SEPARATOR)
        assert joined.endswith(SEPARATOR)


def test_a_clients_search_name_holds_each_name_once() -> None:
    assert (
        client_search_name(
            preferred_name="Sam", alias="sam", legal_given_name="Sam", legal_family_name=""
        )
        == "|sam|"
    )
    assert client_search_name() == ""
