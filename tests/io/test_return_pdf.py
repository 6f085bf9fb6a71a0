"""The return's PDF: text read back with pypdf, pages rendered, the same bytes every time."""

from __future__ import annotations

import base64
import dataclasses
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from PIL import Image as PILImage
from pypdf import PdfReader

from tests.io.return_samples import (
    FORMULA_ANSWER,
    FORMULA_QUOTE,
    logo_png,
    sample_content,
    sparse_content,
    without_logo,
)
from vcsedesk.domain.errors import EnvironmentProblem
from vcsedesk.domain.returns import (
    ActionsSection,
    DemographicsSection,
    QuotesSection,
    ReachSection,
    ReturnContent,
    ThemesSection,
    short_hash,
)
from vcsedesk.io import pdf
from vcsedesk.io.return_pdf import LOGO_HEIGHT, LOGO_WIDTH, logo_image, write_return_pdf


def page_texts(path: Path) -> list[str]:
    return [" ".join((page.extract_text() or "").split()) for page in PdfReader(path).pages]


def write(tmp_path: Path, content: ReturnContent, name: str = "return.pdf", *, frozen: bool = True) -> Path:
    path = tmp_path / name
    pages = write_return_pdf(path, content, content_hash=content.content_hash, frozen=frozen)
    assert pages == len(PdfReader(path).pages)
    return path


@pytest.fixture(scope="module")
def content() -> ReturnContent:
    return sample_content()


@pytest.fixture(scope="module")
def sample_pdf(content: ReturnContent, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write(tmp_path_factory.mktemp("pdf"), content)


@pytest.fixture(scope="module")
def texts(sample_pdf: Path) -> list[str]:
    return page_texts(sample_pdf)


def test_cover_names_the_return_and_its_hash(texts: list[str], content: ReturnContent) -> None:
    cover = texts[0]
    for item in (
        "Riverside Community Voices",
        "Quarterly return to the People’s Partnership",
        "Riverside People’s Partnership — North hub",
        "July to September 2025 (2025-Q3)",
        "Edition 1",
        "Submitted version — frozen on 3 October 2025 at 14:02 UTC.",
        short_hash(content.content_hash),
        content.content_hash,
        "Anyone can check this return was not altered after it was frozen",
    ):
        assert item in cover, item
    assert "DRAFT" not in " ".join(texts)


def test_every_page_has_its_number_and_the_short_hash(texts: list[str], content: ReturnContent) -> None:
    for number, text in enumerate(texts, start=1):
        assert f"Page {number} of {len(texts)}" in text
        assert f"Return for 2025-Q3 — content hash {short_hash(content.content_hash)}" in text
        assert "Riverside Community Voices" in text


def test_contents_give_the_page_each_section_starts_on(
    sample_pdf: Path, texts: list[str], content: ReturnContent
) -> None:
    headings = [s.heading for s in content.sections]
    contents = texts[1]
    assert contents.startswith(
        "Riverside Community Voices Quarterly return to the People’s Partnership Contents"
    )
    positions = [contents.index(h) for h in headings]
    assert positions == sorted(positions)
    leaders = contents.split("changed.")[-1].split(" Page 2 of")[0]  # drawn last: after the text
    numbers = [int(n) for n in re.findall(r"\d+", leaders)]
    assert len(numbers) == len(headings)
    for heading, page in zip(headings, numbers, strict=True):
        assert heading in texts[page - 1], (heading, page)
        assert all(heading not in t.split(" Page ")[0] or i >= page - 1 for i, t in enumerate(texts[2:], 2))
    reader = PdfReader(sample_pdf)
    outline = [(entry.title, reader.get_destination_page_number(entry) + 1) for entry in reader.outline]
    assert outline == list(zip(headings, numbers, strict=True))


def test_sections_print_their_figures_tables_and_notes(texts: list[str], content: ReturnContent) -> None:
    text = " ".join(texts)
    reach = content.section("reach")
    assert isinstance(reach, ReachSection)
    assert "About small numbers " + content.suppression_note in text  # the box, once
    assert text.count("About small numbers") == 1
    assert (
        "Engagements 42 Named people 118 Counted without names 192 People reached 310 Online engagements 3"
        in text
    )
    assert "Drop-in 14 Event 8 One-to-one 9 Focus group 4 Outreach 5 Phone call 2" in text
    assert "Ward People Riverside 51 Northfield 37 Castle * Southbank <5 Not known 0 Total 118" in text
    demographics = content.section("demographics")
    assert isinstance(demographics, DemographicsSection)
    assert "Sex Disabled Not disabled Prefer not to say Total Female 22 * <5 65 Male 15 30 * 51" in text
    assert (
        "Total 38 71 9 118 Disability as people described it themselves. " + content.suppression_note in text
    )
    tables_with_hidden = 2 + sum(1 for t in demographics.tables if t.hidden_small or t.hidden_other)
    assert text.count(content.suppression_note) == 1 + tables_with_hidden  # the box, and under each
    themes = content.section("themes")
    assert isinstance(themes, ThemesSection)
    assert "Rank Theme This period April to June 2025 Change" in text
    assert (
        "1 Primary care › Getting a GP appointment 31 24 +7 2 Cost of living › Energy bills 27 30 −3" in text
    )
    assert "This period April to June 2025" in text  # the chart's legend
    assert "Total paid £1,874.50" in text and "Involvement payments £1,200.00" in text
    assert "What went well this quarter?" in text and FORMULA_ANSWER in text
    assert "What will you do differently next quarter? No answer given." in text


def test_quotes_print_with_who_said_them(texts: list[str], content: ReturnContent) -> None:
    text = " ".join(texts)
    quotes = content.section("quotes")
    assert isinstance(quotes, QuotesSection) and len(quotes.quotes) >= 30
    for quote in quotes.quotes:
        assert f"“{' '.join(quote.text.split())}” — {quote.attribution} · {quote.context}" in text
    assert f"“{FORMULA_QUOTE}”" in text
    assert "“I typed <b>urgent</b> & they still said three weeks.” — Zoë Brontë" in text  # as typed


def test_actions_and_responses(texts: list[str], content: ReturnContent) -> None:
    text = " ".join(texts)
    actions = content.section("actions")
    assert isinstance(actions, ActionsSection)
    assert "You said: You said you could not get through to the surgery at 8am." in text
    assert "We did: We shared the journey times with the council's transport team." in text
    assert "Decision influenced: The ICB's winter access plan includes call-back for every practice." in text
    assert "Responded on 12 September 2025." in text
    assert f"Actions ({len(actions.actions)})" in text
    positions = [text.index(f"Action {n}: ") for n in range(1, len(actions.actions) + 1)]
    assert positions == sorted(positions)
    assert (
        "1 Action 1: Write to the ICB primary care team From Engagement “Coffee morning 1” (1 Jul 2025) Open – –"
        in text
    )
    header_pages = [t for t in texts if "No. Action Status Due Outcome" in t]
    assert len(header_pages) >= 5 and all(t.count("No. Action Status Due Outcome") == 1 for t in header_pages)


def test_the_same_content_gives_the_same_bytes(tmp_path: Path, content: ReturnContent) -> None:
    first = write(tmp_path, content, "a.pdf")
    second = write(tmp_path, sample_content(), "b.pdf")
    assert first.read_bytes() == second.read_bytes()


def test_a_draft_says_so(tmp_path: Path) -> None:
    draft = sample_content(frozen=False)
    texts = page_texts(write(tmp_path, draft, frozen=False))
    assert "July to September 2025 (2025-Q3) DRAFT Edition 1" in texts[0]
    assert "DRAFT — the figures will change until the return is submitted." in texts[0]
    assert all(
        f"DRAFT — Return for 2025-Q3 — content hash {short_hash(draft.content_hash)}" in t for t in texts
    )
    assert "frozen on" not in texts[0]


def test_logo_is_drawn_to_fit_without_distortion(tmp_path: Path) -> None:
    wide = logo_png(1200, 100)
    image = logo_image(wide)
    assert image is not None
    assert image.drawWidth == pytest.approx(LOGO_WIDTH) and image.drawHeight == pytest.approx(LOGO_WIDTH / 12)
    tall = logo_image(logo_png(100, 400))
    assert tall is not None
    assert tall.drawHeight == pytest.approx(LOGO_HEIGHT) and tall.drawWidth == pytest.approx(LOGO_HEIGHT / 4)
    assert logo_image(b"not an image") is None and logo_image(wide[:200]) is None

    def images_on_cover(content: ReturnContent, name: str) -> int:
        cover = PdfReader(write(tmp_path, content, name)).pages[0]
        return len(cover.images)

    content = sample_content(actions_count=3)
    assert images_on_cover(content, "logo.pdf") == 1
    assert images_on_cover(without_logo(content), "none.pdf") == 0
    damaged = dataclasses.replace(content, logo=base64.b64encode(b"\x89PNG broken").decode())
    assert images_on_cover(damaged, "damaged.pdf") == 0
    assert images_on_cover(dataclasses.replace(content, logo="not base64!"), "garbled.pdf") == 0


def test_pages_render_to_png_that_are_not_blank(tmp_path: Path, sample_pdf: Path, texts: list[str]) -> None:
    renderer = shutil.which("pdftoppm")
    if renderer is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed, so the pages cannot be rendered to PNG")
    subprocess.run(
        [renderer, "-png", "-r", "30", str(sample_pdf), str(tmp_path / "page")], check=True, timeout=120
    )
    pngs = sorted(tmp_path.glob("page-*.png"))
    assert len(pngs) == len(texts)
    for png in pngs:
        with PILImage.open(png) as image:
            darkest, lightest = image.convert("L").getextrema()
        assert lightest == 255 and darkest < 100, png.name  # white paper with dark print on it


def test_five_thousand_actions_build_a_page_at_a_time(tmp_path: Path) -> None:
    content = sample_content(actions_count=5000)
    started = time.perf_counter()
    path = tmp_path / "big.pdf"
    pages = write_return_pdf(path, content, content_hash=content.content_hash, frozen=True)
    elapsed = time.perf_counter() - started
    print(f"\n5,000 actions: {pages} pages in {elapsed:.1f} s")
    reader = PdfReader(path)
    assert len(reader.pages) == pages > 300
    last = " ".join((reader.pages[-1].extract_text() or "").split())
    before = " ".join((reader.pages[-2].extract_text() or "").split())
    assert "Action 5000: " in last + before and f"Page {pages} of {pages}" in last
    assert "About this quarter" in last + before  # the section after the actions, after them


def test_an_unwritable_folder_is_a_clear_error(tmp_path: Path, content: ReturnContent) -> None:
    with pytest.raises(EnvironmentProblem) as caught:
        write_return_pdf(tmp_path / "gone" / "r.pdf", content, content_hash=content.content_hash, frozen=True)
    assert "does not exist" in str(caught.value)
    assert list(tmp_path.iterdir()) == []


def test_wrap_lines_fits_the_width_and_keeps_every_word() -> None:
    text = "Ask the practice manager about the phone queue\nthen   report back " + "x" * 120
    lines = pdf.wrap_lines(text, 150)
    assert all(pdf.text_width(line) <= 150 for line in lines)
    assert "".join(" ".join(lines).split()) == "".join(text.split())
    assert lines[0].startswith("Ask the") and any(line.startswith("then report back") for line in lines)
    assert pdf.wrap_lines("", 100) == [""] and pdf.wrap_lines("A → B", 100) == ["A -> B"]


def test_a_sparse_return_still_reads_well(tmp_path: Path) -> None:
    sparse = sparse_content()
    text = " ".join(page_texts(write(tmp_path, sparse, frozen=False)))
    assert "=Reach" in text and "People by ward Ward People Total 0" in text
    for n in range(12):  # a table too wide for the page comes in pieces, every column kept
        assert f"Column number {n}" in text
    assert "A bell 3 3 3 3 3" in text and "B <5 <5" in text and "Total 36" not in text
    assert "No quotes were shared in this period." in text
    assert (
        "No responses from the partnership have been recorded yet." in text
        and "No actions in this period." in text
    )
    assert "No questions were asked in this section." in text and "Anything else? #N/A" in text
    assert "Rank Theme This period 1 Only one theme 0" in text
