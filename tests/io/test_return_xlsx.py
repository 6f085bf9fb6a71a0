"""The return's workbook, read back with openpyxl and checked against the content it was made from."""

from __future__ import annotations

import dataclasses
import time
import types
import zipfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from tests.io.return_samples import FORMULA_ANSWER, FORMULA_QUOTE, sample_content, sparse_content
from vcsedesk.domain.errors import EnvironmentProblem
from vcsedesk.domain.returns import (
    ActionsSection,
    CountTable,
    DemographicsSection,
    NarrativeSection,
    QuotesSection,
    ReachSection,
    ReimbursementsSection,
    ReturnContent,
    ThemesSection,
)
from vcsedesk.io.return_xlsx import write_return_xlsx
from vcsedesk.io.spreadsheet import MONEY_FORMAT

SUPPRESSED = ("<5", "*")


def write(tmp_path: Path, content: ReturnContent, name: str = "return.xlsx", *, frozen: bool = True) -> Path:
    path = tmp_path / name
    write_return_xlsx(path, content, content_hash=content.content_hash, frozen=frozen)
    return path


def rows(ws: Worksheet) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in ws.iter_rows(values_only=True)]


def blocks(ws: Worksheet) -> dict[str, list[tuple[Any, ...]]]:
    """The sheet's tables by title: the rows after a title row (a lone bold text in column A,
    then a header row) up to the next empty row, header included."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    cells = list(ws.iter_rows())
    i = 0
    while i < len(cells):
        first = cells[i][0]
        lone = all(c.value is None for c in cells[i][1:])
        if isinstance(first.value, str) and lone and first.font.bold and i + 1 < len(cells):
            j = i + 1
            table: list[tuple[Any, ...]] = []
            while j < len(cells) and any(c.value is not None for c in cells[j]):
                table.append(tuple(c.value for c in cells[j]))
                j += 1
            out[first.value] = table
            i = j
        else:
            i += 1
    return out


def published(value: Any) -> str:
    return f"{value}" if isinstance(value, int) else str(value)


def check_count_table(ws: Worksheet, table: CountTable, note: str) -> None:
    """The table's cells as published: numbers as numbers, suppressed cells as their text,
    right-aligned; the totals; the notes under it."""
    found = blocks(ws)[table.title]
    margin = len(table.columns) > 1
    assert found[0][: len(table.columns) + 1 + margin] == (
        table.row_heading,
        *table.columns,
        *(("Total",) if margin else ()),
    )
    body = found[1 : len(table.rows) + 2]
    assert [r[0] for r in body] == [*table.rows, "Total"]
    for got, shown in zip(body, table.shown, strict=True):
        width = len(table.columns) + margin
        for value, text in zip(got[1 : 1 + width], shown[:width], strict=True):
            if text in SUPPRESSED or text.startswith("<"):
                assert value == text
            else:
                assert value == int(text) and isinstance(value, int)
    notes = [r[0] for r in found[len(table.rows) + 2 :]]
    if table.note:
        assert table.note in notes
    if table.hidden_small or table.hidden_other:
        assert note in notes
    # suppressed cells are right-aligned text, like the numbers beside them
    for row in ws.iter_rows():
        for cell in row:
            if cell.value in SUPPRESSED:
                assert cell.data_type == "s" and cell.alignment.horizontal == "right"


def expected_data(content: ReturnContent) -> list[tuple[Any, ...]]:
    """Every figure of the content as the Data sheet should list it, worked out here from the
    content's own fields (section, table, row, column, value, shown, unit, ref)."""
    out: list[tuple[Any, ...]] = []

    def table_rows(section: str, table: CountTable) -> Iterator[tuple[Any, ...]]:
        for r, row in enumerate((*table.rows, "Total")):
            for c, column in enumerate((*table.columns, "Total")):
                shown = table.shown[r][c]
                value = int(shown) if shown.isdigit() else None
                yield (section, table.title, row, column, value, shown, "people", table.refs[r][c])

    for s in content.sections:
        h = s.heading
        if isinstance(s, ReachSection):
            for f, unit in (
                (s.engagements, "engagements"),
                (s.named_people, "people"),
                (s.headcount, "people"),
                (s.people_reached, "people"),
                (s.online, "engagements"),
            ):
                out.append((h, "Summary", f.label, "Count", f.value, f"{f.value:,}", unit, f.ref))
            out += [
                (
                    h,
                    "Engagements by type",
                    f.label,
                    "Engagements",
                    f.value,
                    str(f.value),
                    "engagements",
                    f.ref,
                )
                for f in s.by_type
            ]
            out += [
                (
                    h,
                    "Engagements by ward",
                    f.label,
                    "Engagements",
                    f.value,
                    str(f.value),
                    "engagements",
                    f.ref,
                )
                for f in s.by_ward
            ]
            out += [
                (h, "Counted without names", f.label, "People", f.value, str(f.value), "people", f.ref)
                for f in s.headcount_groups
            ]
            out += table_rows(h, s.people_by_ward)
            assert s.seldom_heard is not None
            out += table_rows(h, s.seldom_heard)
        elif isinstance(s, DemographicsSection):
            out.append(
                (h, "Summary", "Named people reached", "People", s.people, str(s.people), "people", None)
            )
            for t in s.tables:
                out += table_rows(h, t)
        elif isinstance(s, ThemesSection):
            for t in s.themes:
                out.append((h, "Themes", t.theme, "This period", t.count, str(t.count), "mentions", t.ref))
                out.append(
                    (h, "Themes", t.theme, s.previous_label, t.previous, str(t.previous), "mentions", None)
                )
        elif isinstance(s, ReimbursementsSection):
            out.append(
                (
                    h,
                    "Summary",
                    s.people_paid.label,
                    "Count",
                    s.people_paid.value,
                    "23",
                    "people",
                    s.people_paid.ref,
                )
            )
            out.append(
                (
                    h,
                    "Summary",
                    s.claims_paid.label,
                    "Count",
                    s.claims_paid.value,
                    "31",
                    "claims",
                    s.claims_paid.ref,
                )
            )
            out.append(
                (h, "Summary", s.total.label, "Amount", s.total.pence, "£1,874.50", "pence", s.total.ref)
            )
            out.append(
                (h, "Summary", s.declined.label, "Count", s.declined.value, "4", "claims", s.declined.ref)
            )
            out += [
                (h, "By category", m.label, "Amount", m.pence, None, "pence", m.ref) for m in s.by_category
            ]
        elif isinstance(s, ActionsSection):
            out += [
                (h, "By status", f.label, "Actions", f.value, str(f.value), "actions", f.ref)
                for f in s.by_status
            ]
    return out


@pytest.fixture(scope="module")
def content() -> ReturnContent:
    return sample_content()


@pytest.fixture(scope="module")
def workbook(content: ReturnContent, tmp_path_factory: pytest.TempPathFactory) -> Any:
    return load_workbook(write(tmp_path_factory.mktemp("xlsx"), content))


def test_sheets_follow_the_sections_with_a_cover_first_and_data_last(
    workbook: Any, content: ReturnContent
) -> None:
    assert workbook.sheetnames == ["Cover", *(s.heading for s in content.sections), "Data"]
    assert all(len(name) <= 31 for name in workbook.sheetnames)


def test_sheet_titles_are_cut_to_31_characters_and_made_unique(
    tmp_path: Path, content: ReturnContent
) -> None:
    long = "What people told us about — the themes, ranked"
    sections = tuple(
        dataclasses.replace(s, heading=long) if s.kind in ("themes", "quotes") else s
        for s in content.sections
    )
    wb = load_workbook(write(tmp_path, dataclasses.replace(content, sections=sections)))
    titles = wb.sheetnames
    assert titles[3] == long[:31] and titles[4] == long[:27] + " (2)"
    assert wb[titles[3]]["A1"].value == long  # the sheet's own heading is whole


def test_cover_says_who_for_whom_when_and_which_version(workbook: Any, content: ReturnContent) -> None:
    cover = rows(workbook["Cover"])
    values = {r[0]: r[1] for r in cover if r[0] is not None}
    assert cover[0][0] == "Riverside Community Voices"
    assert cover[1][0] == "Quarterly return to the People’s Partnership"
    assert values["Partnership"] == "Riverside People’s Partnership"
    assert values["Hub"] == "North hub"
    assert values["Period"] == "July to September 2025 (2025-Q3)"
    assert values["Edition"] == "1"
    assert values["Status"] == f"Frozen on 3 October 2025 at 14:02 UTC — content hash {content.content_hash}"
    assert values["Content hash"] == content.content_hash
    assert values["Small numbers"] == content.suppression_note
    contents = [r[1] for r in cover[[r[0] for r in cover].index("Contents") + 1 :]]
    assert contents == [
        *(s.heading for s in content.sections),
        "Data: every figure in this workbook, one per row",
    ]
    links = [c.hyperlink.location for row in workbook["Cover"].iter_rows() for c in row if c.hyperlink]
    assert links == ["'{}'!A1".format(name.replace("'", "''")) for name in workbook.sheetnames[1:]]
    assert "'In people''s own words'!A1" in links


def test_draft_cover_and_properties(tmp_path: Path) -> None:
    draft = sample_content(frozen=False)
    path = write(tmp_path, draft, frozen=False)
    values = {r[0]: r[1] for r in rows(load_workbook(path)["Cover"]) if r[0] is not None}
    assert values["Status"] == "Draft — figures will change until submitted"
    core = zipfile.ZipFile(path).read("docProps/core.xml").decode()
    assert "2000-01-01T00:00:00Z" in core


def test_reach_figures_and_count_tables(workbook: Any, content: ReturnContent) -> None:
    reach = content.section("reach")
    assert isinstance(reach, ReachSection)
    ws = workbook[reach.heading]
    assert ws["A1"].value == reach.heading and ws["A2"].value == reach.intro
    found = blocks(ws)
    summary = dict(r[:2] for r in found["Summary"][1:])
    for figure in (
        reach.engagements,
        reach.named_people,
        reach.headcount,
        reach.people_reached,
        reach.online,
    ):
        assert summary[figure.label] == figure.value
    assert [r[:2] for r in found["Engagements by type"][1:]] == [(f.label, f.value) for f in reach.by_type]
    assert sum(r[1] for r in found["Engagements by type"][1:]) == reach.engagements.value
    assert [r[:2] for r in found["Engagements by ward"][1:]] == [(f.label, f.value) for f in reach.by_ward]
    assert [r[:2] for r in found["Counted without names"][1:]] == [
        (f.label, f.value) for f in reach.headcount_groups
    ]
    check_count_table(ws, reach.people_by_ward, content.suppression_note)
    assert reach.seldom_heard is not None
    check_count_table(ws, reach.seldom_heard, content.suppression_note)


def test_demographic_tables_with_suppressed_cells_and_totals(workbook: Any, content: ReturnContent) -> None:
    section = content.section("demographics")
    assert isinstance(section, DemographicsSection)
    ws = workbook[section.heading]
    for table in section.tables:
        check_count_table(ws, table, content.suppression_note)
    two_way = blocks(ws)["Sex and disability"]
    assert two_way[0][:5] == ("Sex", "Disabled", "Not disabled", "Prefer not to say", "Total")
    assert two_way[1][:5] == ("Female", 22, "*", "<5", 65)
    assert two_way[4][:5] == ("Total", 38, 71, 9, 118)
    assert (
        ws.cell(
            row=next(r for r in range(1, 99) if ws.cell(r, 1).value == "Named people reached"), column=2
        ).value
        == 118
    )


def test_themes_quotes_money_actions_and_answers(workbook: Any, content: ReturnContent) -> None:
    themes = content.section("themes")
    assert isinstance(themes, ThemesSection)
    got = rows(workbook[themes.heading])
    assert got[:3] == [(themes.heading, *[None] * 4), (themes.intro, *[None] * 4), (None,) * 5]
    assert got[3][:5] == ("Rank", "Theme", "This period", "April to June 2025", "Change")
    assert [r[:5] for r in got[4:]] == [
        (n, t.theme, t.count, t.previous, t.change) for n, t in enumerate(themes.themes, 1)
    ]

    quotes = content.section("quotes")
    assert isinstance(quotes, QuotesSection) and len(quotes.quotes) >= 30
    got = rows(workbook[quotes.heading])
    assert got[3] == ("No.", "Quote", "Said by", "Context", "Themes")
    assert [r[0] for r in got[4:]] == list(range(1, len(quotes.quotes) + 1))
    assert [r[2:5] for r in got[4:]] == [
        (q.attribution, q.context, "; ".join(q.themes)) for q in quotes.quotes
    ]
    assert [r[1].removeprefix("'") for r in got[4:]] == [q.text for q in quotes.quotes]

    money = content.section("reimbursements")
    assert isinstance(money, ReimbursementsSection)
    ws = workbook[money.heading]
    found = blocks(ws)
    summary = dict(r[:2] for r in found["Summary"][1:])
    assert summary == {
        "People paid": 23,
        "Claims paid": 31,
        "Total paid": pytest.approx(1874.50),
        "Claims declined or donated": 4,
    }
    by_category = {r[0]: round(r[1] * 100) for r in found["By category"][1:]}
    assert by_category == {m.label: m.pence for m in money.by_category}
    assert sum(by_category.values()) == money.total.pence
    money_cells = [c for row in ws.iter_rows() for c in row if c.number_format == MONEY_FORMAT]
    assert [round(c.value * 100) for c in money_cells] == [
        money.total.pence,
        *(m.pence for m in money.by_category),
    ]

    actions = content.section("actions")
    assert isinstance(actions, ActionsSection)
    found = blocks(workbook[actions.heading])
    assert [r[:2] for r in found["By status"][1:]] == [(f.label, f.value) for f in actions.by_status]
    said = found["You said, we did"]
    assert said[0] == ("Theme", "You said", "We did", "Decision influenced", "Responded on")
    assert [r[:4] for r in said[1:]] == [
        (r.theme, r.you_said, r.we_did, r.decision or None) for r in actions.responses
    ]
    assert [r[4] for r in said[1:]] == [
        datetime.fromisoformat(r.responded_on) if r.responded_on else None for r in actions.responses
    ]
    listed = found[f"Actions ({len(actions.actions)})"]
    assert listed[0] == ("Action", "Outcome", "From", "Status", "Due")
    assert listed[1:] == [
        (a.title, a.outcome or None, a.source, a.status, a.due or None) for a in actions.actions
    ]

    narrative = content.section("narrative")
    assert isinstance(narrative, NarrativeSection)
    got = rows(workbook[narrative.heading])
    assert got[-3:] == [
        (narrative.answers[0].question, narrative.answers[0].text),
        (narrative.answers[1].question, "'" + FORMULA_ANSWER),
        (narrative.answers[2].question, "No answer given."),
    ]


def test_data_sheet_lists_every_figure_once(workbook: Any, content: ReturnContent) -> None:
    data = rows(workbook["Data"])
    assert data[0] == ("section", "table", "row", "column", "value", "shown", "unit", "ref")
    expected = expected_data(content)
    assert len(data) - 1 == len(expected)
    for got, want in zip(data[1:], expected, strict=True):
        assert got[:5] == want[:5]
        assert got[6] == want[6]
        assert got[7] == (want[7] or None)
        if want[5] is not None:
            assert got[5] == want[5]
    money = [r for r in data if r[6] == "pence"]
    assert [r[5] for r in money] == ["£1,874.50", "£1,200.00", "£184.50", "£210.00", "£160.00", "£120.00"]
    hidden = [r for r in data if r[5] in SUPPRESSED]
    assert hidden and all(r[4] is None for r in hidden)
    # every number a section sheet prints in a count table is the Data sheet's value for it
    lookup = {(r[0], r[1], r[2], r[3]): r[4] for r in data[1:]}
    section = content.section("demographics")
    assert isinstance(section, DemographicsSection)
    for table in section.tables:
        for row in blocks(workbook[section.heading])[table.title][1 : len(table.rows) + 2]:
            for column, value in zip(table.columns, row[1:], strict=False):
                assert lookup[(section.heading, table.title, row[0], column)] == (
                    value if isinstance(value, int) else None
                )


def test_text_that_looks_like_a_formula_is_neutralised(workbook: Any) -> None:
    texts = [
        c for ws in workbook.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)
    ]
    assert not [c.coordinate for c in texts if c.data_type == "f"]
    assert not [c.value for c in texts if c.value.startswith(("=", "+", "-", "@"))]
    values = {c.value for c in texts}
    assert "'" + FORMULA_QUOTE in values and "'" + FORMULA_ANSWER in values
    assert "'+44 numbers cost me a fortune when I ring the surgery from my mobile." in values


def test_the_same_content_makes_the_same_workbook(
    tmp_path: Path, content: ReturnContent, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = write(tmp_path, content, "first.xlsx")
    # a day later, as far as the zip file's clock goes (and so openpyxl's own time stamps)
    later = types.SimpleNamespace(time=lambda: time.time() + 86_400, localtime=time.localtime)
    monkeypatch.setattr(zipfile, "time", later)
    second = write(tmp_path, content, "second.xlsx")
    monkeypatch.undo()
    a, b = zipfile.ZipFile(first), zipfile.ZipFile(second)
    core = a.read("docProps/core.xml")
    assert core == b.read("docProps/core.xml")
    assert b"2025-10-03T14:02:00Z" in core
    wb_a, wb_b = load_workbook(first), load_workbook(second)
    for name in wb_a.sheetnames:
        assert rows(wb_a[name]) == rows(wb_b[name])
    assert first.read_bytes() == second.read_bytes()


def test_a_long_actions_list_is_written_whole_with_text_wrapped(tmp_path: Path) -> None:
    content = sample_content(actions_count=3000, quotes_count=400)
    started = time.perf_counter()
    path = write(tmp_path, content)
    elapsed = time.perf_counter() - started
    print(f"\n3,000 actions and 400 quotes: workbook written in {elapsed:.2f} s")
    wb = load_workbook(path, read_only=False)
    actions = content.section("actions")
    assert isinstance(actions, ActionsSection)
    ws = wb[actions.heading]
    listed = blocks(ws)["Actions (3,000)"]
    assert len(listed) == 3001
    assert listed[-1] == (
        actions.actions[-1].title,
        actions.actions[-1].outcome or None,
        actions.actions[-1].source,
        actions.actions[-1].status,
        actions.actions[-1].due or None,
    )
    last = ws.max_row
    assert ws.cell(last, 1).alignment.wrap_text  # the workbook's default style wraps
    assert ws.auto_filter.ref == f"A{last - 3000}:E{last}"


def test_an_unwritable_folder_is_a_clear_error_and_leaves_nothing(
    tmp_path: Path, content: ReturnContent
) -> None:
    with pytest.raises(EnvironmentProblem) as caught:
        write_return_xlsx(tmp_path / "gone" / "r.xlsx", content, content_hash="0" * 64, frozen=True)
    assert "does not exist" in str(caught.value)
    assert list(tmp_path.iterdir()) == []


def test_a_sparse_return_reads_back(tmp_path: Path) -> None:
    sparse = sparse_content()
    wb = load_workbook(write(tmp_path, sparse, frozen=False))
    assert wb.sheetnames == [
        "Cover",
        "=Reach",
        "Demographics",
        "Themes",
        "Quotes",
        "Money",
        "Actions",
        "Narrative",
        "Narrative (2)",
        "Data",
    ]
    assert wb["=Reach"]["A1"].value == "'=Reach"
    wide = blocks(wb["Demographics"])["Wide table"]
    assert wide[0] == ("Group", *(f"Column number {i}" for i in range(12)), "Total")
    assert wide[1] == ("A\ufffd bell", *[3] * 12, 36)  # a control character XML cannot hold
    assert wide[2] == ("B", *["<5"] * 12, "*")
    answer = wb["Narrative (2)"]["B4"]
    assert answer.value == "#N/A" and answer.data_type == "s"
    themes = rows(wb["Themes"])  # no intro: the header follows the heading and a blank row
    assert themes[2][:3] == ("Rank", "Theme", "This period") and themes[3][:3] == (1, "Only one theme", 0)
    assert blocks(wb["Actions"])["Actions (0)"] == [("Action", "Outcome", "From", "Status", "Due")]
    data = rows(wb["Data"])
    assert ("=Reach", "Summary", "Engagements", "Count", 0, "0", "engagements", None) not in data
    assert ("'=Reach", "Summary", "Engagements", "Count", 0, "0", "engagements", None) in data
