"""Small-cell suppression for published count tables.

Why this exists
---------------
CareCircle publishes aggregate counts (people reached, naloxone kits handed
out, ...) broken down by area, month, age band and so on. A count such as "3"
in a small area can point at real, identifiable people, so every published
number between 1 and ``threshold - 1`` is hidden (*primary suppression*).

Hiding the small number is not enough when totals are published as well: if a
row shows ``[*, 20 | 23]`` anyone can subtract and recover the hidden 3. So
further cells must be hidden (*complementary suppression*) until no hidden
value can be worked out from the published ones.

Why the graph reasoning is correct
----------------------------------
Take the *augmented* table: the R x C cells plus a row-totals column, a
column-totals row and the grand total in the corner. Every augmented row and
every augmented column is one linear equation ("the cells add up to the
total"). Flip the sign of the totals row and of the totals column and every
equation becomes "this line sums to zero", so the hidden values that are
consistent with the published ones form ``truth + kernel``, where the kernel
is the set of assignments to hidden cells whose rows and columns all sum to
zero.

Treat each hidden cell ``(i, j)`` as an edge between node "row i" and node
"column j" of a bipartite graph. The kernel is then exactly the cycle space of
that graph: going round a cycle adding and subtracting alternately keeps every
row and column sum unchanged. Hence a hidden cell is fixed by the published
numbers if and only if its edge is a *bridge* (lies on no cycle). Because we
only ever hide values >= 1, moving +-1 round any cycle keeps every value
non-negative, so a hidden cell on a cycle could be one less or one more than
its true value: it cannot be derived, even by someone who knows counts are
non-negative.

Zeros are never chosen as complementary cells: a hidden zero on a cycle can
only move upwards, which breaks the +-1 argument above, and a zero usually
gives away nothing worth protecting anyway.

Limits (deliberately out of scope): this protects one table on its own. If the
same data is published in several overlapping tables, differencing between
them can still reveal small counts. It guarantees "not exactly derivable",
not a minimum width for the interval an intruder can infer.
"""

from __future__ import annotations

import heapq
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)

Coordinate = tuple[int, int]
"""``(row, column)`` in the augmented table; row R / column C hold the totals."""

DEFAULT_THRESHOLD = 10


@dataclass(frozen=True)
class SuppressedTable:
    """A count table that is safe to publish, with ``None`` for hidden numbers.

    ``primary`` and ``complementary`` use augmented-table coordinates: for an
    R x C input, ``(i, C)`` is row total *i*, ``(R, j)`` is column total *j* and
    ``(R, C)`` is the grand total. They are kept so that callers can audit or
    explain why a number is missing; they are *not* meant to be published,
    since telling readers which cells are primary reveals that they are small.
    """

    cells: tuple[tuple[int | None, ...], ...]
    row_totals: tuple[int | None, ...]
    column_totals: tuple[int | None, ...]
    grand_total: int | None
    primary: frozenset[Coordinate]
    complementary: frozenset[Coordinate]

    @property
    def has_totals(self) -> bool:
        """Whether totals were computed (``with_totals=True``)."""
        return bool(self.row_totals)

    def as_rows(
        self,
        *,
        row_labels: Sequence[str] | None = None,
        column_labels: Sequence[str] | None = None,
        total_label: str = "Total",
        marker: str = "*",
    ) -> list[list[str]]:
        """Render the table as rows of strings, ready for ``csv.writer``.

        Hidden numbers are written as ``marker`` rather than e.g. ``"<10"``:
        complementary cells can hold large values, so "<10" would be false,
        and a different marker for primary cells would reveal which are small.
        A header row is added when ``column_labels`` is given and a leading
        label column when ``row_labels`` is given.
        """
        n_rows, n_cols = len(self.cells), len(self.cells[0])
        if row_labels is not None and len(row_labels) != n_rows:
            raise ValueError(f"expected {n_rows} row labels, got {len(row_labels)}")
        if column_labels is not None and len(column_labels) != n_cols:
            raise ValueError(f"expected {n_cols} column labels, got {len(column_labels)}")

        def show(value: int | None) -> str:
            return marker if value is None else str(value)

        rows: list[list[str]] = []
        if column_labels is not None:
            header = list(column_labels) + ([total_label] if self.has_totals else [])
            rows.append(([""] if row_labels is not None else []) + header)
        for i, cells in enumerate(self.cells):
            line = [show(value) for value in cells]
            if self.has_totals:
                line.append(show(self.row_totals[i]))
            rows.append(([row_labels[i]] if row_labels is not None else []) + line)
        if self.has_totals:
            line = [show(value) for value in self.column_totals]
            line.append(show(self.grand_total))
            rows.append(([total_label] if row_labels is not None else []) + line)
        return rows


@dataclass(frozen=True)
class SuppressedCounts(Generic[K]):
    """A one-dimensional breakdown that is safe to publish.

    ``values`` keeps the key order of the input and is read-only; ``None``
    marks a hidden count. ``total`` is ``None`` when hidden or when the caller
    asked for no total.
    """

    values: Mapping[K, int | None]
    total: int | None


def suppress_table(
    cells: Sequence[Sequence[int]],
    *,
    threshold: int = DEFAULT_THRESHOLD,
    with_totals: bool = True,
) -> SuppressedTable:
    """Hide small counts in ``cells`` and whatever would let them be recomputed.

    Every published number (cell, row total, column total, grand total) is
    either 0, at least ``threshold``, or hidden, and published numbers are the
    true ones. With ``threshold=1`` nothing is small, so nothing is hidden.

    With ``with_totals=False`` only the cells are published. There are then no
    equations linking them, so a hidden cell cannot be recomputed from the
    others and primary suppression alone is safe: no complementary cells are
    hidden and the totals fields are empty / ``None``.

    Raises ``ValueError`` for an empty or ragged table, a negative count or a
    threshold below 1, and ``TypeError`` for values that are not ``int``.
    """
    table = _validated(cells, threshold)
    if not with_totals:
        primary = frozenset(
            (i, j)
            for i, row in enumerate(table)
            for j, value in enumerate(row)
            if _is_small(value, threshold)
        )
        shown = _publish(table, primary)
        return SuppressedTable(
            cells=shown,
            row_totals=(),
            column_totals=(),
            grand_total=None,
            primary=primary,
            complementary=frozenset(),
        )

    augmented = _augment(table)
    primary = frozenset(
        (i, j)
        for i, row in enumerate(augmented)
        for j, value in enumerate(row)
        if _is_small(value, threshold)
    )
    hidden = _protect(augmented, primary)
    shown = _publish(augmented, hidden)
    return SuppressedTable(
        cells=tuple(row[:-1] for row in shown[:-1]),
        row_totals=tuple(row[-1] for row in shown[:-1]),
        column_totals=shown[-1][:-1],
        grand_total=shown[-1][-1],
        primary=primary,
        complementary=frozenset(hidden - primary),
    )


def suppress_counts(
    counts: Mapping[K, int],
    *,
    threshold: int = DEFAULT_THRESHOLD,
    with_total: bool = True,
) -> SuppressedCounts[K]:
    """Suppress a one-dimensional breakdown such as "visits per site".

    This is a one-row table, so it reuses :func:`suppress_table`. The column
    totals of a one-row table merely repeat its cells, so a column's cell and
    its total are always hidden together (either alone would be a bridge) and
    reading only the first row loses nothing. Raises ``ValueError`` for an
    empty mapping, like an empty table.
    """
    keys = list(counts)
    table = suppress_table(
        [[counts[key] for key in keys]], threshold=threshold, with_totals=with_total
    )
    values = MappingProxyType(dict(zip(keys, table.cells[0], strict=True)))
    return SuppressedCounts(values=values, total=table.row_totals[0] if with_total else None)


def _validated(cells: Sequence[Sequence[int]], threshold: int) -> list[list[int]]:
    """Copy the input, rejecting anything that would make the output meaningless."""
    if isinstance(threshold, bool) or not isinstance(threshold, int):
        raise TypeError(f"threshold must be an int, got {threshold!r}")
    if threshold < 1:
        raise ValueError(f"threshold must be at least 1, got {threshold}")
    table = [list(row) for row in cells]
    if not table or not table[0]:
        raise ValueError("table is empty: it needs at least one row and one column")
    width = len(table[0])
    for i, row in enumerate(table):
        if len(row) != width:
            raise ValueError(f"ragged table: row {i} has {len(row)} cells, row 0 has {width}")
        for j, value in enumerate(row):
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"cell ({i}, {j}) must be an int count, got {value!r}")
            if value < 0:
                raise ValueError(f"cell ({i}, {j}) is negative ({value}); counts must be >= 0")
    return table


def _is_small(value: int, threshold: int) -> bool:
    """Zero is shown: it identifies nobody. Only 1..threshold-1 is sensitive."""
    return 1 <= value < threshold


def _augment(table: list[list[int]]) -> list[list[int]]:
    """Append the row-totals column, then the column-totals row (its last entry
    sums the row totals, giving the grand total)."""
    with_row_totals = [[*row, sum(row)] for row in table]
    return [*with_row_totals, [sum(column) for column in zip(*with_row_totals, strict=True)]]


def _publish(
    values: list[list[int]], hidden: frozenset[Coordinate]
) -> tuple[tuple[int | None, ...], ...]:
    return tuple(
        tuple(None if (i, j) in hidden else value for j, value in enumerate(row))
        for i, row in enumerate(values)
    )


def _protect(augmented: list[list[int]], primary: frozenset[Coordinate]) -> frozenset[Coordinate]:
    """Grow ``primary`` until no hidden cell is a bridge; return all hidden cells.

    Each round takes the first bridge (by coordinates, for determinism) and
    hides the cheapest set of extra cells that closes a cycle through it.
    Adding edges never destroys a cycle and every new edge lies on the new
    cycle, so the number of bridges strictly drops: at most one round per
    primary cell.
    """
    hidden = set(primary)
    while bridges := _bridges(hidden, len(augmented), len(augmented[0])):
        added = _cheapest_cycle_completion(bridges[0], augmented, hidden)
        if not added:
            return _fallback(augmented)
        hidden.update(added)
    return frozenset(hidden)


def _fallback(augmented: list[list[int]]) -> frozenset[Coordinate]:
    """Last resort when no cycle can be closed: hide everything non-zero, or
    everything at all.

    With totals computed from the cells this is unreachable: in the sign-flipped
    augmented table the non-zero cells form a circulation, which has no bridge
    (a bridge would carry the whole net flow across its cut, which is zero), so a
    completing path always exists. It is kept so that the function always
    terminates with a safe answer rather than relying on that argument.
    Hiding everything is safe because the augmented table is at least 2 x 2,
    and a complete bipartite graph with two nodes on each side has no bridge.
    """
    n_rows, n_cols = len(augmented), len(augmented[0])
    everything = frozenset((i, j) for i in range(n_rows) for j in range(n_cols))
    nonzero = frozenset((i, j) for i, j in everything if augmented[i][j] >= 1)
    return everything if _bridges(nonzero, n_rows, n_cols) else nonzero


def _incident(node: int, n_rows: int, n_cols: int) -> Iterator[tuple[Coordinate, int]]:
    """Cells touching ``node`` and the node at their other end.

    Nodes ``0..n_rows-1`` are rows, ``n_rows..n_rows+n_cols-1`` are columns.
    """
    if node < n_rows:
        for j in range(n_cols):
            yield (node, j), n_rows + j
    else:
        j = node - n_rows
        for i in range(n_rows):
            yield (i, j), i


def _bridges(hidden: Iterable[Coordinate], n_rows: int, n_cols: int) -> list[Coordinate]:
    """Hidden cells that lie on no cycle, i.e. that the published numbers fix.

    Tarjan's bridge algorithm (iterative, linear time): an edge from a DFS
    parent to a child is a bridge iff nothing in the child's subtree reaches
    back to the parent or above.
    """
    adjacency: dict[int, list[tuple[int, Coordinate]]] = {}
    for i, j in sorted(hidden):
        adjacency.setdefault(i, []).append((n_rows + j, (i, j)))
        adjacency.setdefault(n_rows + j, []).append((i, (i, j)))

    order: dict[int, int] = {}  # discovery time
    low: dict[int, int] = {}  # earliest discovery time reachable from the subtree
    found: list[Coordinate] = []
    for root in sorted(adjacency):
        if root in order:
            continue
        order[root] = low[root] = len(order)
        # Stack frames: (node, edge we arrived by, iterator over its edges).
        stack = [(root, (-1, -1), iter(adjacency[root]))]
        while stack:
            node, via, edges = stack[-1]
            for neighbour, edge in edges:
                if edge == via:
                    continue
                if neighbour not in order:
                    order[neighbour] = low[neighbour] = len(order)
                    stack.append((neighbour, edge, iter(adjacency[neighbour])))
                    break
                low[node] = min(low[node], order[neighbour])
            else:
                stack.pop()
                if stack:
                    parent = stack[-1][0]
                    low[parent] = min(low[parent], low[node])
                    if low[node] > order[parent]:
                        found.append(via)
    return sorted(found)


def _cheapest_cycle_completion(
    bridge: Coordinate, values: list[list[int]], hidden: set[Coordinate]
) -> list[Coordinate] | None:
    """Cells to hide so that ``bridge`` lies on a cycle, at the least cost.

    Dijkstra from the bridge's column node to its row node, not using the
    bridge itself. Already hidden cells are free; a published cell costs its
    value (information lost); zeros are not usable. Ties prefer fewer new cells,
    then fall to the deterministic scan order. Often a single new cell closes
    the cycle; for an isolated hidden cell at least three are needed (a
    rectangle), which is why this searches for paths rather than single cells.
    Returns ``None`` when no path exists.
    """
    n_rows, n_cols = len(values), len(values[0])
    start, target = n_rows + bridge[1], bridge[0]
    best: dict[int, tuple[int, int]] = {start: (0, 0)}
    came_from: dict[int, tuple[int, Coordinate]] = {}
    queue: list[tuple[int, int, int]] = [(0, 0, start)]
    settled: set[int] = set()
    while queue:
        cost, count, node = heapq.heappop(queue)
        if node in settled:
            continue
        settled.add(node)
        if node == target:
            break
        for cell, neighbour in _incident(node, n_rows, n_cols):
            value = values[cell[0]][cell[1]]
            if cell == bridge or value == 0 or neighbour in settled:
                continue
            is_new = cell not in hidden
            candidate = (cost + value * is_new, count + is_new)
            if neighbour not in best or candidate < best[neighbour]:
                best[neighbour] = candidate
                came_from[neighbour] = (node, cell)
                heapq.heappush(queue, (*candidate, neighbour))
    if target not in settled:
        return None
    added: list[Coordinate] = []
    node = target
    while node != start:
        node, cell = came_from[node]
        if cell not in hidden:
            added.append(cell)
    return sorted(added)
