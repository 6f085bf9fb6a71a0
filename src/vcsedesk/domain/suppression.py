"""Small-number suppression: publishing counts of people without giving anyone away.

A partnership return publishes tables of counts (age band by sex, ethnicity, seldom-heard
groups) with their row totals, column totals and grand total.  A count from 1 to
``threshold - 1`` must not be readable: it is shown as ``"<5"`` (*primary* suppression).
Where the published totals would let someone work a hidden count back out, further entries
are hidden and shown as ``"*"`` (*secondary* suppression).  Zero is shown as ``0``: hiding
it protects nobody, and a zero is only ever hidden as a secondary entry, as a last resort.

The model
---------
An R x C table and its margins form an (R+1) x (C+1) *grid*: row ``R`` holds the column
totals, column ``C`` the row totals and ``(R, C)`` the grand total.  Every line of the grid
(each row, the totals row included; each column, the totals column included) sums to its
total.  Negate the single-margin entries (``(r, C)`` and ``(R, c)``, not the corner) and
every line of the grid sums to zero.  Read each grid entry ``(r, c)`` as an edge between
"row node" ``r`` and "column node" ``c`` of a bipartite graph: a change to the hidden
entries that keeps every published relation true is then exactly a *circulation* on the
edges of hidden entries, i.e. a sum of cycles moving values alternately up and down.

That turns both questions the attacker can ask into graph questions:

* **Linear derivation** (:func:`derivable`).  A hidden entry's value is fixed by the shown
  entries and the relations exactly when no circulation on the hidden entries touches it,
  i.e. when its edge lies on no cycle of hidden entries: it is a *bridge* of that graph.
  This is the same answer exact rational elimination gives ("the entry's unit vector lies
  in the row space of the constraint matrix restricted to the hidden entries"), found in
  linear time instead of by elimination.
* **Ranges.**  The attacker also knows a ``"<5"`` entry is in 1..4 and a ``"*"`` entry is
  at least 0.  A primary entry can take a second value consistent with everything
  published exactly when there is a cycle of hidden entries through it along which the
  values can move by +1/-1 (alternately, in the signed grid) and every entry stays in its
  range.  (Any other consistent completion differs from the true one by an integer
  circulation; that splits into cycles that each move every entry in the same direction as
  the whole, so the cycle through our entry alone is a feasible unit move.)  Orienting each
  hidden entry's edge by the moves its range allows, this is a directed cycle through the
  entry: a reachability question.

The algorithm
-------------
1. Primary: every entry, margins included, with ``1 <= value < threshold``.
2. For each primary entry, if no feasible cycle of hidden entries runs through it, hide the
   cheapest set of shown entries that closes one: a shortest path over the grid where a
   hidden entry costs nothing and a shown one costs, in order of preference, being a zero
   (only as a last resort), then its value (hide small numbers rather than large ones),
   then one per entry.  Hiding more never takes a feasible cycle away, so entries already
   made safe stay safe.
3. If even with every other entry hidden no feasible cycle exists, the published ranges
   alone give the value away (a row of three 1s whose total, 3, is shown as ``"<4"``
   cannot be anything else): no amount of hiding helps.  Such entries are reported in
   :attr:`Suppressed.exposed` for the person to merge categories, and still protected
   against linear derivation by step 4.
4. While any hidden entry is a bridge, hide the cheapest shown entries that put it on a
   cycle (the same shortest path, ignoring ranges).

This terminates: each step either hides at least one more of finitely many entries or
finishes an entry for good.  Step 4 can always succeed, because hiding *everything* is
safe from linear derivation: with ``R, C >= 1`` the grid has at least two row nodes and two
column nodes, and any entry ``(r, c)`` lies on the 4-cycle ``(r, c), (r, c'), (r', c'),
(r', c)``; adding +1, -1, +1, -1 (in the signed grid) round it keeps every relation true
and changes ``(r, c)``, so no relation can pin it down.

The interval property cannot be guaranteed for every table under the ``"<t" means
1..t-1`` reading (threshold 2 is the extreme case: ``"<2"`` can only be 1); what is
guaranteed is that every primary entry not listed in ``exposed`` can take at least two
values, and that every entry in ``exposed`` would be pinned even if everything were hidden.

Known limit: an attacker who also reasons that a ``"*"`` cannot be in 1..threshold-1
(else it would read ``"<5"``) knows more than this model assumes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

#: Counts from 1 to DEFAULT_THRESHOLD - 1 are hidden unless a partnership says otherwise.
DEFAULT_THRESHOLD = 5

Cell = tuple[int, int]

SECONDARY_MARK = "*"


@dataclass(frozen=True)
class Suppressed:
    """A table with its margins, and which entries may not be shown.

    ``counts`` is the grid with margins, ``rows + 1`` by ``cols + 1``: ``counts[r][cols]``
    is row ``r``'s total, ``counts[rows][c]`` column ``c``'s total and
    ``counts[rows][cols]`` the grand total.  Coordinates in ``primary``, ``secondary`` and
    ``exposed`` are grid coordinates.  ``counts`` holds the true values: show them only
    through :meth:`shown`.
    """

    counts: tuple[tuple[int, ...], ...]
    primary: frozenset[Cell]
    secondary: frozenset[Cell]
    threshold: int
    #: Primary entries whose value the published ranges give away however much is hidden
    #: (see the module docstring): merge categories before publishing these.
    exposed: frozenset[Cell] = frozenset()

    @property
    def rows(self) -> int:
        """Number of rows of counts, without the totals row."""
        return len(self.counts) - 1

    @property
    def cols(self) -> int:
        """Number of columns of counts, without the totals column."""
        return len(self.counts[0]) - 1

    def _check(self, r: int, c: int) -> None:
        if not (0 <= r <= self.rows and 0 <= c <= self.cols):
            raise IndexError(f"({r}, {c}) is outside a {self.rows + 1} x {self.cols + 1} grid")

    def hidden(self, r: int, c: int) -> bool:
        self._check(r, c)
        return (r, c) in self.primary or (r, c) in self.secondary

    def shown(self, r: int, c: int) -> str:
        """What to publish for grid entry (r, c): "12", "0", "<5" or "*"."""
        self._check(r, c)
        if (r, c) in self.primary:
            return f"<{self.threshold}"
        if (r, c) in self.secondary:
            return SECONDARY_MARK
        return str(self.counts[r][c])

    def cell(self, r: int, c: int) -> str:
        """What to publish for count (r, c) of the table (without margins)."""
        if not (0 <= r < self.rows and 0 <= c < self.cols):
            raise IndexError(f"({r}, {c}) is outside a {self.rows} x {self.cols} table")
        return self.shown(r, c)

    def row_total(self, r: int) -> str:
        if not 0 <= r < self.rows:
            raise IndexError(f"row {r} is outside a table of {self.rows} rows")
        return self.shown(r, self.cols)

    def col_total(self, c: int) -> str:
        if not 0 <= c < self.cols:
            raise IndexError(f"column {c} is outside a table of {self.cols} columns")
        return self.shown(self.rows, c)

    @property
    def grand(self) -> str:
        return self.shown(self.rows, self.cols)

    def table(self) -> tuple[tuple[str, ...], ...]:
        """The whole grid as it is to be published, margins included."""
        return tuple(tuple(self.shown(r, c) for c in range(self.cols + 1)) for r in range(self.rows + 1))


def suppress(
    cells: Sequence[Sequence[int]], threshold: int = DEFAULT_THRESHOLD, *, keep: Iterable[Cell] = ()
) -> Suppressed:
    """Suppress small numbers in ``cells`` (R x C counts WITHOUT margins; R, C >= 1).

    Computes the row, column and grand totals itself, and suppresses them too.  ``keep``:
    grid entries (margins included) never chosen as secondary cells — figures published
    elsewhere anyway, such as a grand total printed as a headline, whose hiding would protect
    nothing (they are still hidden if they are small themselves).  Raises
    ValueError for an empty or ragged table, a negative or non-whole count, or a threshold
    below 2.
    """
    grid = _with_margins(_validated(cells, threshold))
    primary = {(r, c) for r, line in enumerate(grid) for c, value in enumerate(line) if 0 < value < threshold}
    planner = _Planner(grid, threshold, primary, frozenset(keep))
    last_r, last_c = len(grid) - 1, len(grid[0]) - 1
    # Counts first, totals after: cycles through counts usually protect the totals too.
    for cell in sorted(primary, key=lambda rc: (rc[0] == last_r or rc[1] == last_c, rc)):
        planner.protect(cell)
    planner.close_bridges()
    return Suppressed(
        counts=tuple(tuple(line) for line in grid),
        primary=frozenset(primary),
        secondary=frozenset(planner.hidden - primary),
        threshold=threshold,
        exposed=frozenset(planner.exposed),
    )


def derivable(grid_shape: tuple[int, int], hidden: Iterable[Cell]) -> set[Cell]:
    """Hidden entries whose value the shown entries and the line relations determine.

    ``grid_shape`` is the shape of the grid WITH margins, ``(R + 1, C + 1)``.  Exact (no
    floating point): an entry is determined exactly when it lies on no cycle of hidden
    entries, i.e. is a bridge of the bipartite row/column graph of hidden entries (see the
    module docstring for why this equals rational elimination).
    """
    n_rows, n_cols = grid_shape
    if n_rows < 2 or n_cols < 2:
        raise ValueError(f"A grid with margins is at least 2 x 2 (got {n_rows} x {n_cols}).")
    cells = set(hidden)
    for r, c in cells:
        if not (0 <= r < n_rows and 0 <= c < n_cols):
            raise ValueError(f"Hidden entry ({r}, {c}) is outside the {n_rows} x {n_cols} grid.")
    return _bridges(n_rows, n_cols, cells)


# --- input ---------------------------------------------------------------------------


def _validated(cells: Sequence[Sequence[int]], threshold: int) -> list[list[int]]:
    if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 2:
        raise ValueError(
            f"The suppression threshold must be a whole number of at least 2 (got {threshold!r})."
        )
    rows = [list(row) for row in cells]
    if not rows or not rows[0]:
        raise ValueError("A table to suppress needs at least one row and one column of counts.")
    width = len(rows[0])
    for r, row in enumerate(rows, start=1):
        if len(row) != width:
            raise ValueError(
                f"Every row of the table must have the same number of counts: "
                f"row 1 has {width}, row {r} has {len(row)}."
            )
        for c, value in enumerate(row, start=1):
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"Counts must be whole numbers: row {r}, column {c} is {value!r}.")
            if value < 0:
                raise ValueError(f"Counts cannot be negative: row {r}, column {c} is {value}.")
    return rows


def _with_margins(rows: list[list[int]]) -> list[list[int]]:
    grid = [[*row, sum(row)] for row in rows]
    grid.append([sum(column) for column in zip(*grid, strict=True)])
    return grid


# --- graph work ------------------------------------------------------------------------


def _bridges(n_rows: int, n_cols: int, cells: set[Cell]) -> set[Cell]:
    """Bridges of the graph whose edges are ``cells`` (iterative Tarjan)."""
    edges = sorted(cells)
    adjacent: list[list[tuple[int, int]]] = [[] for _ in range(n_rows + n_cols)]
    for index, (r, c) in enumerate(edges):
        adjacent[r].append((n_rows + c, index))
        adjacent[n_rows + c].append((r, index))
    order = [-1] * (n_rows + n_cols)
    low = [0] * (n_rows + n_cols)
    found: set[Cell] = set()
    clock = 0
    for root in range(n_rows + n_cols):
        if order[root] != -1 or not adjacent[root]:
            continue
        order[root] = low[root] = clock
        clock += 1
        # (node, index of the edge we came in by, position in its adjacency list)
        stack = [(root, -1, 0)]
        while stack:
            node, via, position = stack[-1]
            if position < len(adjacent[node]):
                stack[-1] = (node, via, position + 1)
                nxt, edge = adjacent[node][position]
                if edge == via:
                    continue
                if order[nxt] == -1:
                    order[nxt] = low[nxt] = clock
                    clock += 1
                    stack.append((nxt, edge, 0))
                else:
                    low[node] = min(low[node], order[nxt])
            else:
                stack.pop()
                if stack:
                    parent = stack[-1][0]
                    low[parent] = min(low[parent], low[node])
                    if low[node] > order[parent]:
                        found.add(edges[via])
    return found


class _Planner:
    """The hidden set as it grows, with its digraph of feasible unit moves.

    Nodes: row node ``r`` is ``r``, column node ``c`` is ``n_rows + c``; grid entry
    ``(r, c)`` is the edge between them.  A move along it from row node to column node adds
    1 to the signed grid entry (adds :meth:`_sign` to the count); the other way subtracts.
    """

    def __init__(
        self, grid: list[list[int]], threshold: int, primary: set[Cell], keep: frozenset[Cell] = frozenset()
    ) -> None:
        self.keep = keep
        self.grid = grid
        self.threshold = threshold
        self.primary = primary
        self.n_rows = len(grid)
        self.n_cols = len(grid[0])
        n_nodes = self.n_rows + self.n_cols
        self.hidden: set[Cell] = set()
        self.exposed: set[Cell] = set()
        # out[node]: bit mask of the nodes one feasible move along a hidden entry reaches.
        self.out = [0] * n_nodes
        # Path costs as one integer: zeros first, then the sum of values, then the count.
        grand_sum = sum(map(sum, grid))
        self._per_value = self.n_rows * self.n_cols + 1
        self._per_zero = (grand_sum + 1) * self._per_value
        # More than any path can cost: marks a move that is not allowed.
        self.no_arc = (self.n_rows * self.n_cols + 1) * (self._per_zero + 1)
        # arc[u][v]: cost of the move u -> v (0 along a hidden entry, the price of hiding a
        # shown one as "*"), or no_arc where the entry's range does not allow that move.
        self.arc = [[self.no_arc] * n_nodes for _ in range(n_nodes)]
        for r in range(self.n_rows):
            for c in range(self.n_cols):
                self._set_arcs((r, c))
        for cell in primary:
            self._hide(cell)

    def _sign(self, r: int, c: int) -> int:
        return -1 if (r == self.n_rows - 1) != (c == self.n_cols - 1) else 1

    def _can_move(self, cell: Cell, delta: int) -> bool:
        value = self.grid[cell[0]][cell[1]] + delta
        if cell in self.primary:
            return 0 < value < self.threshold
        return value >= 0  # a secondary entry, or a shown one if it were hidden as "*"

    def _set_arcs(self, cell: Cell) -> None:
        r, c = cell
        row_node, col_node = r, self.n_rows + c
        sign = self._sign(r, c)
        cost = 0 if cell in self.hidden else self._price(cell)
        self.arc[row_node][col_node] = cost if self._can_move(cell, sign) else self.no_arc
        self.arc[col_node][row_node] = cost if self._can_move(cell, -sign) else self.no_arc
        if cost == 0:
            if self.arc[row_node][col_node] == 0:
                self.out[row_node] |= 1 << col_node
            if self.arc[col_node][row_node] == 0:
                self.out[col_node] |= 1 << row_node

    def _hide(self, cell: Cell) -> None:
        self.hidden.add(cell)
        self._set_arcs(cell)

    def _reaches(self, start: int, goal: int) -> bool:
        seen = frontier = 1 << start
        while frontier:
            reach = 0
            while frontier:
                low_bit = frontier & -frontier
                reach |= self.out[low_bit.bit_length() - 1]
                frontier ^= low_bit
            if reach >> goal & 1:
                return True
            frontier = reach & ~seen
            seen |= reach
        return False

    def protect(self, cell: Cell) -> None:
        """Make sure a feasible cycle of hidden entries runs through primary ``cell``."""
        r, c = cell
        row_node, col_node = r, self.n_rows + c
        # Each move the cell itself allows gives a (start, goal) for the rest of the cycle:
        # moving row -> column along the cell, the cycle must come back column -> row.
        ends = []
        if self.arc[row_node][col_node] == 0:
            ends.append((col_node, row_node))
        if self.arc[col_node][row_node] == 0:
            ends.append((row_node, col_node))
        if not ends:  # threshold 2: "<2" can only be 1
            self.exposed.add(cell)
            return
        saved = self.out[row_node], self.out[col_node]
        self.out[row_node] &= ~(1 << col_node)
        self.out[col_node] &= ~(1 << row_node)
        try:
            if any(self._reaches(start, goal) for start, goal in ends):
                return
        finally:
            self.out[row_node], self.out[col_node] = saved
        paths = [p for start, goal in ends if (p := self._cheapest_path(start, goal, cell, self.arc))]
        if not paths:
            self.exposed.add(cell)
            return
        _, best = min(paths)
        for extra in best:
            self._hide(extra)

    def close_bridges(self) -> None:
        """Hide more until no hidden entry is linearly determined (always possible)."""
        bridges = _bridges(self.n_rows, self.n_cols, self.hidden)
        if not bridges:
            return
        # Ranges do not matter here: either direction along any entry.
        n_rows, n_nodes = self.n_rows, self.n_rows + self.n_cols
        both_ways = [[self.no_arc] * n_nodes for _ in range(n_nodes)]
        for r in range(n_rows):
            for c in range(self.n_cols):
                cost = 0 if (r, c) in self.hidden else self._price((r, c))
                both_ways[r][n_rows + c] = both_ways[n_rows + c][r] = cost
        while bridges:
            r, c = min(bridges)
            path = self._cheapest_path(r, n_rows + c, (r, c), both_ways)
            if path is None:  # pragma: no cover - the complete grid has no bridges
                raise AssertionError("no cycle through a bridge of a complete bipartite graph")
            for extra in path[1]:
                self._hide(extra)
                both_ways[extra[0]][n_rows + extra[1]] = both_ways[n_rows + extra[1]][extra[0]] = 0
            bridges = _bridges(self.n_rows, self.n_cols, self.hidden)

    def _price(self, cell: Cell) -> int:
        """What hiding a shown entry costs: zeros last, then small values before large; an
        entry to keep cannot be hidden at all."""
        if cell in self.keep:
            return self.no_arc
        value = self.grid[cell[0]][cell[1]]
        return (self._per_zero if value == 0 else value * self._per_value) + 1

    def _cheapest_path(
        self, start: int, goal: int, skip: Cell, arc: list[list[int]]
    ) -> tuple[int, list[Cell]] | None:
        """Cheapest path start -> goal over the arcs ``arc``, not along ``skip``.

        Returns (cost, shown entries on it).  Dense Dijkstra: a grid has few lines, so
        O(nodes²) is the cheap way.
        """
        n_rows, n_nodes = self.n_rows, self.n_rows + self.n_cols
        skip_row, skip_col = skip[0], n_rows + skip[1]
        best = [self.no_arc] * n_nodes
        came_from = [-1] * n_nodes
        open_nodes = set(range(n_nodes))
        best[start] = 0
        while open_nodes:
            node = min(open_nodes, key=best.__getitem__)
            cost = best[node]
            if cost == self.no_arc or node == goal:
                break
            open_nodes.discard(node)
            costs = arc[node]
            for other in open_nodes:
                step = costs[other]
                if step != self.no_arc and cost + step < best[other]:
                    if {node, other} == {skip_row, skip_col}:
                        continue
                    best[other] = cost + step
                    came_from[other] = node
        if best[goal] == self.no_arc:
            return None
        extra: list[Cell] = []
        node = goal
        while node != start:
            previous = came_from[node]
            cell = (previous, node - n_rows) if previous < n_rows else (node, previous - n_rows)
            if cell not in self.hidden:
                extra.append(cell)
            node = previous
        return best[goal], extra
