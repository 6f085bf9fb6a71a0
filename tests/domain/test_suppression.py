"""Small-number suppression: no count from 1 to threshold-1 can be read or worked back out.

The checks here are written independently of the implementation (which reasons on a graph
of hidden entries): linear derivation is checked by exact rational elimination of the
published relations, and the range-aware attacker by searching integer completions.
"""

from __future__ import annotations

import random
import time
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vcsedesk.domain.suppression import Suppressed, derivable, suppress

Cell = tuple[int, int]

# Counts biased to small numbers (and zeros), with the odd large one.
counts = st.one_of(st.just(0), st.integers(1, 4), st.integers(0, 12), st.integers(0, 200))


def tables(
    max_rows: int, max_cols: int, values: st.SearchStrategy[int]
) -> st.SearchStrategy[list[list[int]]]:
    return st.integers(1, max_rows).flatmap(
        lambda rows: st.integers(1, max_cols).flatmap(
            lambda cols: st.lists(
                st.lists(values, min_size=cols, max_size=cols), min_size=rows, max_size=rows
            )
        )
    )


# --- independent helpers ------------------------------------------------------------------


def true_grid(cells: list[list[int]]) -> list[list[int]]:
    rows = len(cells)
    cols = len(cells[0])
    grid = [[0] * (cols + 1) for _ in range(rows + 1)]
    for r in range(rows):
        for c in range(cols):
            grid[r][c] = cells[r][c]
            grid[r][cols] += cells[r][c]
            grid[rows][c] += cells[r][c]
            grid[rows][cols] += cells[r][c]
    return grid


def relations(n_rows: int, n_cols: int) -> list[dict[Cell, int]]:
    """Each line of the grid: its parts minus its total equals zero."""
    lines: list[dict[Cell, int]] = []
    for r in range(n_rows):
        line = {(r, c): 1 for c in range(n_cols - 1)}
        line[(r, n_cols - 1)] = -1
        lines.append(line)
    for c in range(n_cols):
        line = {(r, c): 1 for r in range(n_rows - 1)}
        line[(n_rows - 1, c)] = -1
        lines.append(line)
    return lines


def determined_by_elimination(shape: tuple[int, int], hidden: set[Cell]) -> set[Cell]:
    """Hidden entries fixed by the relations once every shown entry is known.

    Row-reduce the relations restricted to the hidden unknowns (exact fractions).  An
    unknown is fixed exactly when some row of the reduced echelon form says "unknown = ...":
    a pivot with no free unknown beside it.
    """
    unknowns = sorted(hidden)
    matrix = [[Fraction(line.get(cell, 0)) for cell in unknowns] for line in relations(*shape)]
    pivots: list[int] = []
    row = 0
    for col in range(len(unknowns)):
        found = next((i for i in range(row, len(matrix)) if matrix[i][col] != 0), None)
        if found is None:
            continue
        matrix[row], matrix[found] = matrix[found], matrix[row]
        lead = matrix[row][col]
        matrix[row] = [x / lead for x in matrix[row]]
        for i in range(len(matrix)):
            if i != row and matrix[i][col] != 0:
                factor = matrix[i][col]
                matrix[i] = [a - factor * b for a, b in zip(matrix[i], matrix[row], strict=True)]
        pivots.append(col)
        row += 1
    fixed = set()
    for i, col in enumerate(pivots):
        if all(x == 0 for j, x in enumerate(matrix[i]) if j != col):
            fixed.add(unknowns[col])
    return fixed


def lines_of(n_rows: int, n_cols: int) -> list[list[Cell]]:
    return [[(r, c) for c in range(n_cols)] for r in range(n_rows)] + [
        [(r, c) for r in range(n_rows)] for c in range(n_cols)
    ]


def second_value_exists(
    grid: list[list[int]],
    domains: dict[Cell, list[int]],
    target: Cell,
    seen: dict[Cell, set[int]],
) -> bool:
    """Search for a completion of the unknowns in ``domains`` with ``target`` != its true value.

    Unknowns take values from their domains, known entries their true value, and every line
    must sum to its total.  Depth-first, ``target`` first, pruning any line whose remaining
    unknowns can no longer balance it.  Records the values of every unknown in a completion
    found into ``seen``.
    """
    n_rows, n_cols = len(grid), len(grid[0])
    lines = relations(n_rows, n_cols)
    order = [target] + [cell for cell in sorted(domains) if cell != target]
    doms = dict(domains)
    doms[target] = [v for v in domains[target] if v != grid[target[0]][target[1]]]
    lines_by_cell: dict[Cell, list[dict[Cell, int]]] = {cell: [] for cell in order}
    for line in lines:
        for cell in line:
            if cell in lines_by_cell:
                lines_by_cell[cell].append(line)
    value: dict[Cell, int] = {}

    def balanced(line: dict[Cell, int]) -> bool:
        low = high = 0
        for cell, coef in line.items():
            if cell in value or cell not in doms:
                x = value.get(cell, grid[cell[0]][cell[1]])
                low += coef * x
                high += coef * x
            else:
                lo, hi = min(doms[cell]), max(doms[cell])
                low += coef * (lo if coef > 0 else hi)
                high += coef * (hi if coef > 0 else lo)
        return low <= 0 <= high

    def search(i: int) -> bool:
        if i == len(order):
            return True
        cell = order[i]
        for x in doms[cell]:
            value[cell] = x
            if all(balanced(line) for line in lines_by_cell[cell]) and search(i + 1):
                return True
            del value[cell]
        return False

    if not doms[target] or not search(0):
        return False
    for cell, x in value.items():
        seen.setdefault(cell, set()).add(x)
    return True


def published_domains(s: Suppressed, cap_if_unbounded: int) -> dict[Cell, list[int]]:
    """What the attacker knows of each hidden entry: "<t" is 1..t-1, "*" is 0 up to the
    grand total (or the top of its range)."""
    rows, cols, t = s.rows, s.cols, s.threshold
    grand_shown = s.grand
    if grand_shown == f"<{t}":
        bound = t - 1
    elif grand_shown == "*":
        bound = cap_if_unbounded  # the real set is larger: finding a second value here is sound
    else:
        bound = int(grand_shown)
    domains = {}
    for r in range(rows + 1):
        for c in range(cols + 1):
            if (r, c) in s.primary:
                domains[(r, c)] = list(range(1, t))
            elif (r, c) in s.secondary:
                domains[(r, c)] = list(range(bound + 1))
    return domains


# --- properties ---------------------------------------------------------------------------


@settings(max_examples=120, deadline=None)
@given(cells=tables(8, 6, counts), threshold=st.integers(2, 10))
def test_no_small_count_can_be_read_or_derived(cells: list[list[int]], threshold: int) -> None:
    s = suppress(cells, threshold)
    grid = true_grid(cells)
    rows, cols = len(cells), len(cells[0])
    assert (s.rows, s.cols, s.threshold) == (rows, cols, threshold)
    # Margins are the true sums, and every entry is shown as its true value or hidden.
    assert [list(line) for line in s.counts] == grid
    assert s.primary == {
        (r, c) for r in range(rows + 1) for c in range(cols + 1) if 1 <= grid[r][c] < threshold
    }
    assert not s.primary & s.secondary
    hidden = set(s.primary | s.secondary)
    for r in range(rows + 1):
        for c in range(cols + 1):
            text = s.shown(r, c)
            if (r, c) in s.primary:
                assert text == f"<{threshold}"
            elif (r, c) in s.secondary:
                assert text == "*"
            else:
                assert text == str(grid[r][c])
                assert not 1 <= int(text) < threshold
            assert s.hidden(r, c) == ((r, c) in hidden)
    # No line gives away a single hidden entry.
    for line in lines_of(rows + 1, cols + 1):
        assert len(hidden.intersection(line)) != 1, line
    # Nothing hidden is fixed by the relations (checked by elimination, not by the graph).
    assert determined_by_elimination((rows + 1, cols + 1), hidden) == set()


@settings(max_examples=80, deadline=None)
@given(cells=tables(6, 4, counts), threshold=st.integers(3, 10))
def test_a_kept_grand_total_stays_shown_and_still_nothing_is_derived(
    cells: list[list[int]], threshold: int
) -> None:
    """A return prints the number of people reached as a headline: a table adding up to it
    keeps its grand total shown (unless small), and the hidden counts stay underivable."""
    rows, cols = len(cells), len(cells[0])
    s = suppress(cells, threshold, keep={(rows, cols)})
    hidden = set(s.primary | s.secondary)
    assert ((rows, cols) in hidden) == ((rows, cols) in s.primary)
    assert determined_by_elimination((rows + 1, cols + 1), hidden) == set()


@settings(max_examples=60, deadline=None)
@given(cells=tables(3, 3, st.one_of(st.integers(0, 3), st.integers(0, 6))), threshold=st.integers(2, 7))
def test_a_brute_force_attacker_cannot_pin_a_small_count(cells: list[list[int]], threshold: int) -> None:
    s = suppress(cells, threshold)
    grid = true_grid(cells)
    grand = grid[-1][-1]
    domains = published_domains(s, cap_if_unbounded=grand + threshold)
    seen: dict[Cell, set[int]] = {}
    for cell in sorted(s.primary - s.exposed):
        if len(seen.get(cell, set()) | {grid[cell[0]][cell[1]]}) >= 2:
            continue
        assert second_value_exists(grid, domains, cell, seen), f"{cell} of {cells} is pinned"
    # What the implementation calls exposed stays pinned even with every entry hidden.  The
    # search keeps each entry within one of its true value: if an entry can change at all,
    # it can by a unit move round one cycle of entries (a conformal part of the difference),
    # so nothing is lost, and the search stays at 3 values an entry.
    everything: dict[Cell, list[int]] = {}
    for r, line in enumerate(grid):
        for c, true in enumerate(line):
            low = 1 if (r, c) in s.primary else 0
            high = threshold - 1 if (r, c) in s.primary else true + 1
            everything[(r, c)] = [x for x in (true - 1, true, true + 1) if low <= x <= high]
    for cell in sorted(s.exposed):
        assert not second_value_exists(grid, everything, cell, {}), f"{cell} of {cells} is not exposed"


@settings(max_examples=80, deadline=None)
@given(data=st.data(), n_rows=st.integers(2, 5), n_cols=st.integers(2, 5))
def test_derivable_agrees_with_exact_elimination(data: st.DataObject, n_rows: int, n_cols: int) -> None:
    every = [(r, c) for r in range(n_rows) for c in range(n_cols)]
    hidden = set(data.draw(st.lists(st.sampled_from(every), unique=True)))
    assert derivable((n_rows, n_cols), hidden) == determined_by_elimination((n_rows, n_cols), hidden)


# --- examples -----------------------------------------------------------------------------


def test_a_one_column_table_with_one_small_count_gets_a_secondary() -> None:
    s = suppress([[3], [10], [12]])
    assert (s.rows, s.cols) == (3, 1)
    assert [s.cell(r, 0) for r in range(3)] == ["<5", "*", "12"]
    assert s.grand == "25"
    # The smallest other count is the one hidden beside it.
    assert s.secondary == {(1, 0), (1, 1)}
    assert s.exposed == frozenset()


def test_a_table_without_small_numbers_hides_nothing() -> None:
    s = suppress([[10, 12, 0], [7, 8, 25]])
    assert s.primary == s.secondary == frozenset()
    assert s.table() == (("10", "12", "0", "22"), ("7", "8", "25", "40"), ("17", "20", "25", "62"))


def test_an_all_zero_table_hides_nothing() -> None:
    s = suppress([[0, 0], [0, 0]])
    assert s.primary == s.secondary == frozenset()
    assert s.grand == "0"


def test_a_small_row_total_is_hidden() -> None:
    s = suppress([[1, 2, 0], [10, 12, 9]])
    assert (0, 3) in s.primary
    assert s.row_total(0) == "<5"
    # Row 1's total or the grand total goes too, or one would give row 0's total away.
    assert s.hidden(1, 3) or s.hidden(2, 3)
    assert s.col_total(2) == "9"


def test_a_zero_is_hidden_only_as_a_last_resort() -> None:
    s = suppress([[3, 0, 8]])
    assert s.table() == (("<5", "0", "*", "11"), ("<5", "0", "*", "11"))


def test_totals_cannot_be_subtracted_to_find_a_small_count() -> None:
    s = suppress([[2, 6, 9], [7, 8, 10], [6, 11, 12]])
    assert s.cell(0, 0) == "<5"
    assert derivable((4, 4), set(s.primary | s.secondary)) == set()
    assert sum(s.hidden(0, c) for c in range(4)) >= 2
    assert sum(s.hidden(r, 0) for r in range(4)) >= 2


def test_counts_the_ranges_give_away_are_reported_as_exposed() -> None:
    # "<3" means 1 or 2: a row of two of them whose total is "<3" can only be 1, 1, 2.
    s = suppress([[1, 1], [5, 5]], threshold=3)
    assert s.exposed == {(0, 0), (0, 1), (0, 2)}
    # Still nothing follows from the totals alone.
    assert derivable((3, 3), set(s.primary | s.secondary)) == set()
    # Threshold 2: "<2" can only be 1.
    s = suppress([[1, 7], [8, 9]], threshold=2)
    assert s.exposed == s.primary == {(0, 0)}
    assert len(s.secondary) == 3


def test_the_threshold_is_configurable() -> None:
    assert suppress([[7, 30]], threshold=10).cell(0, 0) == "<10"
    assert suppress([[7, 30]], threshold=5).cell(0, 0) == "7"


def test_accessors_refuse_coordinates_outside_the_table() -> None:
    s = suppress([[10, 12]])
    assert s.row_total(0) == "22" and s.col_total(1) == "12"
    with pytest.raises(IndexError):
        s.shown(2, 0)
    with pytest.raises(IndexError):
        s.cell(0, 2)
    with pytest.raises(IndexError):
        s.row_total(1)
    with pytest.raises(IndexError):
        s.col_total(-1)


@pytest.mark.parametrize(
    ("cells", "threshold", "message"),
    [
        ([[1, -3]], 5, "Counts cannot be negative: row 1, column 2 is -3."),
        ([[1, 2], [3]], 5, "row 1 has 2, row 2 has 1"),
        ([], 5, "at least one row and one column"),
        ([[]], 5, "at least one row and one column"),
        ([[1, 2.5]], 5, "Counts must be whole numbers: row 1, column 2 is 2.5."),
        ([[1, True]], 5, "Counts must be whole numbers"),
        ([[1, 2]], 1, "threshold must be a whole number of at least 2 (got 1)"),
        ([[1, 2]], 4.5, "threshold must be a whole number of at least 2 (got 4.5)"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(
    cells: list[list[int]], threshold: int, message: str
) -> None:
    with pytest.raises(ValueError) as caught:
        suppress(cells, threshold)
    assert message in str(caught.value)


def test_derivable_checks_its_input() -> None:
    with pytest.raises(ValueError, match="at least 2 x 2"):
        derivable((1, 3), set())
    with pytest.raises(ValueError, match=r"\(3, 0\) is outside the 3 x 3 grid"):
        derivable((3, 3), {(3, 0)})
    assert derivable((3, 3), {(0, 0), (0, 1)}) == {(0, 0), (0, 1)}


def test_a_twenty_by_twelve_table_is_quick() -> None:
    rng = random.Random(5)
    tables_ = [
        [[rng.choice([0, 1, 2, 3, 4, 6, 9, 15, 40]) for _ in range(12)] for _ in range(20)] for _ in range(3)
    ]
    # Best of three per table, so a busy machine does not fail the test.
    assert max(min(_timed(table) for _ in range(3)) for table in tables_) < 0.05


def _timed(table: list[list[int]]) -> float:
    start = time.perf_counter()
    suppress(table)
    return time.perf_counter() - start
