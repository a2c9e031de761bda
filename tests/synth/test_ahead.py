"""Planning ahead in another process gives the same batches as planning here."""

from __future__ import annotations

import pytest

from carecircle.synth.ahead import can_fork, planned_ahead


def squares() -> list[int]:
    return [n * n for n in range(23)]


def test_the_batches_are_the_same_planned_here() -> None:
    assert list(planned_ahead(squares, 5, fork=False)) == [
        squares()[i : i + 5] for i in range(0, 23, 5)
    ]


@pytest.mark.skipif(not can_fork(), reason="needs fork and a second CPU")
def test_the_batches_are_the_same_planned_in_a_child_process() -> None:
    assert list(planned_ahead(squares, 5, fork=True)) == list(planned_ahead(squares, 5, fork=False))


def broken() -> list[int]:
    raise ValueError("no plan")


@pytest.mark.skipif(not can_fork(), reason="needs fork and a second CPU")
def test_a_planning_failure_reaches_the_writer() -> None:
    with pytest.raises(RuntimeError, match="planning failed"):
        list(planned_ahead(broken, 5, fork=True))
