"""How names are compared: a pure kernel for search and the duplicate check (no Django).

A name is folded (lower case, accents dropped, spaces and punctuation collapsed) so that
"José  Rivers" and "jose rivers" are the same name. A client's ``search_name`` holds each of
its names folded, between bars ("|sam|samuel rivers|"), so a search is a substring match
and the duplicate check an exact match of one name ("|samuel rivers|").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

SEPARATOR = "|"
SEARCH_NAME_LENGTH = 250

_NOT_WORD = re.compile(r"[^\w]+", re.UNICODE)


def fold(name: str) -> str:
    """The form two names are compared in: "  José-Luis  O'Neil " -> "jose luis o neil"."""
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(_NOT_WORD.sub(" ", plain.casefold()).replace("_", " ").split())


def search_name(names: Iterable[str]) -> str:
    """Every distinct folded name, between bars; empty when there is no name at all."""
    folded = list(dict.fromkeys(f for f in (fold(n) for n in names) if f))
    if not folded:
        return ""
    joined = SEPARATOR + SEPARATOR.join(folded) + SEPARATOR
    if len(joined) <= SEARCH_NAME_LENGTH:
        return joined
    # Too long for the column: keep whole names only, so an exact match stays exact.
    kept = SEPARATOR
    for name in folded:
        if len(kept) + len(name) + 1 > SEARCH_NAME_LENGTH:
            break
        kept += name + SEPARATOR
    return kept


def exact(name: str) -> str:
    """The substring of ``search_name`` that matches this whole name exactly."""
    folded = fold(name)
    return f"{SEPARATOR}{folded}{SEPARATOR}" if folded else ""


def client_search_name(
    *,
    preferred_name: str = "",
    alias: str = "",
    legal_given_name: str = "",
    legal_family_name: str = "",
) -> str:
    """The ``search_name`` of a client with these names (bulk writers use this too)."""
    legal = f"{legal_given_name} {legal_family_name}".strip()
    return search_name([preferred_name, alias, legal])
