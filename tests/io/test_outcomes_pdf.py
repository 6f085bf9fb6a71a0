"""“What happened next”: the plain summary for participants, read back with pypdf."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.io.return_samples import sample_content
from vcsedesk.domain.returns import (
    ActionItem,
    ActionsSection,
    DemographicsSection,
    ReachSection,
    ReturnContent,
    short_hash,
)
from vcsedesk.io import outcomes_pdf
from vcsedesk.io.outcomes_pdf import theme_words, write_outcomes_pdf


def text_of(path: Path) -> list[str]:
    return [" ".join((page.extract_text() or "").split()) for page in PdfReader(path).pages]


def write(tmp_path: Path, content: ReturnContent, name: str = "next.pdf") -> Path:
    path = tmp_path / name
    pages = write_outcomes_pdf(path, content, content_hash=content.content_hash)
    assert pages == len(PdfReader(path).pages)
    return path


@pytest.fixture(scope="module")
def content() -> ReturnContent:
    """The sample, with a named person in an action (who must not appear in the summary)."""
    sample = sample_content()
    sections = tuple(
        dataclasses.replace(
            s,
            actions=(
                ActionItem(
                    "Ring Mrs Jennifer Okonkwo about her carer's visits",
                    "Open",
                    "",
                    "",
                    "Drop-in (3 Jul 2025)",
                ),
                *s.actions,
            ),
        )
        if isinstance(s, ActionsSection)
        else s
        for s in sample.sections
    )
    return dataclasses.replace(sample, sections=sections)


@pytest.fixture(scope="module")
def pages(content: ReturnContent, tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    return text_of(write(tmp_path_factory.mktemp("next"), content))


def test_says_what_we_heard_what_was_done_and_thanks(pages: list[str], content: ReturnContent) -> None:
    text = " ".join(pages)
    assert len(pages) <= 3
    assert "What happened next July to September 2025" in text
    assert "From July to September 2025, Riverside Community Voices listened to people at 42 drop-ins" in text
    assert "We passed what you said to Riverside People’s Partnership." in text
    heard = text[text.index("What we heard") : text.index("What the partnership did")]
    assert (
        "• Getting a GP appointment (primary care) • Energy bills (cost of living) "
        "• Waiting for talking therapies (mental health) • Finding an NHS dentist (dentistry) "
        "• Damp and mould (housing)" in heard
    )
    assert "Damp and mould" in heard and "Buses to the hospital" not in heard  # the top five only
    actions = content.section("actions")
    assert isinstance(actions, ActionsSection)
    for response in actions.responses:
        assert f"You said: {response.you_said}" in text
        assert f"We did: {response.we_did}" in text
        if response.decision:
            assert f"What changed: {response.decision}" in text
    assert "Date: 12 September 2025" in text and "Date: 30 September 2025" in text
    assert "Thank you for giving your time" in text
    assert "please get in touch with Riverside Community Voices." in text
    for number, page in enumerate(pages, 1):
        assert f"Page {number} of {len(pages)}" in page
        assert f"from return {short_hash(content.content_hash)}" in page


def test_prints_no_tables_no_small_numbers_and_no_names_but_consented_ones(
    pages: list[str], content: ReturnContent
) -> None:
    text = " ".join(pages)
    assert "<5" not in text and " * " not in text
    assert content.suppression_note not in text
    reach = content.section("reach")
    demographics = content.section("demographics")
    assert isinstance(reach, ReachSection) and isinstance(demographics, DemographicsSection)
    for table in (reach.people_by_ward, *demographics.tables):
        assert table.title not in text
    assert "Refugees" not in text and "Prefer not to say" not in text
    assert "Okonkwo" not in text and "Action 1:" not in text  # actions are not listed
    assert "— Aisha Rahman" in text  # she agreed to be named with her quote
    assert "“-- nobody told us the clinic had moved. We turned up and it was shut.”" in text


def test_large_type_and_the_same_bytes_every_time(tmp_path: Path, content: ReturnContent) -> None:
    big = outcomes_pdf._styles()
    assert big.body.fontSize >= 12 and big.bullet.fontSize >= 12 and big.date.fontSize >= 12
    assert write(tmp_path, content, "a.pdf").read_bytes() == write(tmp_path, content, "b.pdf").read_bytes()


def test_without_responses_it_says_they_will_follow(tmp_path: Path) -> None:
    sample = sample_content(actions_count=2)
    sections = tuple(
        dataclasses.replace(s, responses=()) if isinstance(s, ActionsSection) else s
        for s in sample.sections
        if s.kind not in ("themes", "quotes")
    )
    text = " ".join(text_of(write(tmp_path, dataclasses.replace(sample, sections=sections, organisation=""))))
    assert "The partnership has not yet told us what it will do about what you said." in text
    assert "What we heard" not in text
    assert "please get in touch with us." in text


def test_theme_words() -> None:
    assert theme_words("Primary care › Getting a GP appointment") == "Getting a GP appointment (primary care)"
    assert theme_words("Community safety") == "Community safety"
    assert theme_words("A › B › C") == "C (a › B)"
