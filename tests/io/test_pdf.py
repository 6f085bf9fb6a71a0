"""PDF building blocks: glyph fallbacks, escaping, numbered pages, long tables, atomic writes."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader
from reportlab.platypus import Flowable, Paragraph

from vcsedesk.domain.errors import EnvironmentProblem
from vcsedesk.io import pdf


def text_of(path: Path) -> list[str]:
    """Each page's text, whitespace collapsed."""
    return [" ".join((page.extract_text() or "").split()) for page in PdfReader(path).pages]


def test_printable_keeps_what_vera_has_and_replaces_the_rest() -> None:
    kept = "£5 “quoted” ‘single’ Zoë Brontë café Łukasz Čech › – — € • …"
    assert pdf.printable(kept) == kept
    assert pdf.has_glyph("›") and not pdf.has_glyph("→")
    assert pdf.printable("A → B") == "A -> B"
    assert pdf.printable("Ștefan Ţară, Wąsowska, Łódź") == "Stefan Tara, Wasowska, Łódz"  # accents Vera lacks
    assert pdf.printable("شكرا") == "????"  # a script the font cannot draw at all
    assert pdf.printable("zero\u200bwidth\x07 bell\nkept") == "zerowidth bell\nkept"


def test_markup_is_escaped_so_text_prints_as_typed() -> None:
    assert pdf.markup("<b>&amp;</b> & ‘q’\nnext") == "&lt;b&gt;&amp;amp;&lt;/b&gt; &amp; ‘q’<br/>next"
    assert pdf.markup(None) == "" and pdf.markup("") == ""
    blocks = pdf.paragraphs("first\nstill first\n\n\nsecond", pdf.styles().body)
    assert len(blocks) == 2


def test_pages_have_the_organisation_title_and_page_n_of_m(tmp_path: Path) -> None:
    st = pdf.styles()
    hostile = "<b>&amp;</b> & ‘quotes’ £5 Zoë <font size=40>x</font>"
    story: list[Flowable] = [Paragraph(pdf.markup(hostile), st.body)]
    story += [Paragraph(pdf.markup(f"Line {i} of a long document."), st.body) for i in range(120)]
    path = tmp_path / "doc.pdf"
    setup = pdf.PageSetup(
        "Riverside & Co <Voices>", "Quarterly return", subject="Q1", footer="Return Q1 2026"
    )
    pages = pdf.build(path, story, setup)
    texts = text_of(path)
    assert pages == len(texts) >= 2
    for number, text in enumerate(texts, start=1):
        assert f"Page {number} of {pages}" in text
        assert "Riverside & Co <Voices>" in text and "Quarterly return" in text and "Return Q1 2026" in text
    assert hostile in texts[0]
    assert "Line 119 of a long document." in texts[-1]
    meta = PdfReader(path).metadata
    assert meta is not None and meta.title == "Quarterly return" and meta.author == "Riverside & Co <Voices>"
    assert not [p for p in tmp_path.iterdir() if p.name != "doc.pdf"]  # no temporary file left


def test_landscape_and_invariant_output(tmp_path: Path) -> None:
    setup = pdf.PageSetup("Org", "Same every time", landscape=True, invariant=True)
    story = [Paragraph("Hello", pdf.styles().body)]
    first, second = tmp_path / "a.pdf", tmp_path / "b.pdf"
    pdf.build(first, list(story), setup)
    pdf.build(second, [Paragraph("Hello", pdf.styles().body)], setup)
    assert first.read_bytes() == second.read_bytes()
    box = PdfReader(first).pages[0].mediabox
    assert box.width > box.height


def test_long_table_repeats_its_header_and_does_linear_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[int] = []

    class CountingTable(pdf.Table):  # type: ignore[misc, name-defined]
        def __init__(self, data: list[object], *args: object, **kwargs: object) -> None:
            built.append(len(data))
            super().__init__(data, *args, **kwargs)

    monkeypatch.setattr(pdf, "Table", CountingTable)
    count = 400
    rows = [[str(i), f"Row {i} " + "words " * (i % 15), "<i>&</i>" if i == 7 else None] for i in range(count)]
    path = tmp_path / "table.pdf"
    pages = pdf.build(
        path, [pdf.LongTable(["No.", "What", "Note"], rows, [40, 360, 80])], pdf.PageSetup("O", "T")
    )
    texts = text_of(path)
    assert pages == len(texts) > 5
    assert all(t.count("No. What Note") == 1 for t in texts)  # a header on every page, once
    joined = " ".join(texts)
    positions = [joined.index(f"Row {i} ") for i in range(count)]
    assert positions == sorted(positions)  # every row, in order
    assert "<i>&</i>" in joined
    # Each page measures a window a little larger than itself: rows built stay linear in the
    # table's length (a reportlab Table re-splits all remaining rows at every page).
    assert sum(built) < 4 * count


def test_a_failure_leaves_no_file_and_the_old_one_untouched(tmp_path: Path) -> None:
    class Broken(Flowable):  # type: ignore[misc]
        def wrap(self, w: float, h: float) -> tuple[float, float]:
            return 10, 10

        def draw(self) -> None:
            raise RuntimeError("drawing failed")

    path = tmp_path / "minutes.pdf"
    path.write_bytes(b"previous")
    with pytest.raises(RuntimeError):
        pdf.build(path, [Paragraph("ok", pdf.styles().body), Broken()], pdf.PageSetup("O", "T"))
    assert path.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir()] == ["minutes.pdf"]


def test_an_unwritable_destination_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the folder should be")
    for path in (tmp_path / "missing" / "out.pdf", blocker / "out.pdf"):
        with pytest.raises(EnvironmentProblem) as caught:
            pdf.build(path, [Paragraph("x", pdf.styles().body)], pdf.PageSetup("O", "T"))
        assert str(path) in str(caught.value) and caught.value.way_forward
