"""Checking and tidying what people type."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vcsedesk.domain.errors import ValidationError
from vcsedesk.domain.validation import (
    _POSTCODE,
    Invalid,
    Problems,
    clean_charity_number,
    clean_company_number,
    clean_email,
    clean_image,
    clean_int,
    clean_multiline,
    clean_postcode,
    clean_text,
)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


# -- postcodes -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("typed", "tidy"),
    [
        ("SW1A 1AA", "SW1A 1AA"),
        ("sw1a1aa", "SW1A 1AA"),
        ("  ec1a   1bb ", "EC1A 1BB"),
        ("M1 1AE", "M1 1AE"),
        ("m11ae", "M1 1AE"),
        ("B33 8TH", "B33 8TH"),
        ("CR2 6XH", "CR2 6XH"),
        ("DN55 1PT", "DN55 1PT"),
        ("W1A 0AX", "W1A 0AX"),
        ("GIR 0AA", "GIR 0AA"),
        ("gir0aa", "GIR 0AA"),
        ("BT1 5GS", "BT1 5GS"),
    ],
)
def test_valid_postcodes_are_tidied(typed: str, tidy: str) -> None:
    assert clean_postcode(typed) == tidy


@pytest.mark.parametrize(
    "typed",
    [
        "SW1A",
        "12345",
        "SW1A 1AAA",
        "Q1 1AA",  # Q never starts a postcode
        "V1 1AA",
        "X1 1AA",
        "ZZ9 9AA",  # Z is never the second letter
        "SW1A 1AC",  # C is never used in the inward code
        "SW1A 1IA",
        "SW1A-1AA",
        "GIR 0AB",
        "S W 1 A",
        "SW1A 1AA; DROP TABLE",
    ],
)
def test_invalid_postcodes_are_refused_in_words(typed: str) -> None:
    with pytest.raises(Invalid) as caught:
        clean_postcode(typed)
    assert "is not a UK postcode" in str(caught.value)
    assert typed in str(caught.value)


@pytest.mark.parametrize("blank", [None, "", "   ", "\t\n"])
def test_blank_postcode_is_none(blank: str | None) -> None:
    assert clean_postcode(blank) is None


def messy(compact: str, data: st.DataObject) -> str:
    """Insert spaces anywhere and change letter case at random."""
    out = []
    for ch in compact:
        out.append(" " * data.draw(st.integers(0, 2)))
        out.append(ch.lower() if data.draw(st.booleans()) else ch)
    return "".join(out) + " " * data.draw(st.integers(0, 2))


@given(compact=st.from_regex(_POSTCODE, fullmatch=True), data=st.data())
def test_any_valid_postcode_however_typed_comes_out_standard(compact: str, data: st.DataObject) -> None:
    tidy = clean_postcode(messy(compact, data))
    assert tidy is not None
    assert tidy.replace(" ", "") == compact
    assert re.fullmatch(r"[A-Z0-9]{2,4} [0-9][A-Z]{2}", tidy)
    assert clean_postcode(tidy) == tidy  # idempotent on its own output


@given(st.text(max_size=12))
def test_clean_postcode_either_refuses_or_is_idempotent(typed: str) -> None:
    try:
        tidy = clean_postcode(typed)
    except Invalid:
        return
    assert clean_postcode(tidy) == tidy


# -- charity numbers -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("typed", "tidy"),
    [
        ("1234567", "1234567"),
        ("123456", "123456"),
        ("1 234 567", "1234567"),
        ("1234567-1", "1234567-1"),
        ("1234567-12", "1234567-12"),
        ("SC012345", "SC012345"),
        ("sc012345", "SC012345"),
        ("NIC100002", "NIC100002"),
        ("nic 100002", "NIC100002"),
    ],
)
def test_valid_charity_numbers(typed: str, tidy: str) -> None:
    assert clean_charity_number(typed) == tidy


@pytest.mark.parametrize(
    "typed",
    [
        "12345",
        "12345678",
        "1234567-",
        "1234567-123",
        "SC112345",
        "SC01234",
        "NIC200002",
        "NIC10000",
        "CH1234",
    ],
)
def test_invalid_charity_numbers(typed: str) -> None:
    with pytest.raises(Invalid, match="is not a charity number"):
        clean_charity_number(typed)


def test_blank_charity_number_is_none() -> None:
    assert clean_charity_number("  ") is None
    assert clean_charity_number(None) is None


# -- company numbers ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("typed", "tidy"),
    [
        ("01234567", "01234567"),
        ("1234567", "01234567"),
        ("123456", "00123456"),
        ("SC123456", "SC123456"),
        ("sc 123456", "SC123456"),
        ("NI012345", "NI012345"),
        ("CE001234", "CE001234"),
        ("R0123456", "R0123456"),
    ],
)
def test_valid_company_numbers(typed: str, tidy: str) -> None:
    assert clean_company_number(typed) == tidy


@pytest.mark.parametrize("typed", ["123456789", "SC1234567", "S1234567", "SC12345", "12-34-56", "ABCDEFGH"])
def test_invalid_company_numbers(typed: str) -> None:
    with pytest.raises(Invalid, match="is not a company number"):
        clean_company_number(typed)


@given(st.integers(min_value=1, max_value=99_999_999))
def test_numeric_company_numbers_are_zero_padded_to_eight(number: int) -> None:
    tidy = clean_company_number(str(number))
    assert tidy is not None and len(tidy) == 8 and int(tidy) == number
    assert clean_company_number(tidy) == tidy


# -- email ---------------------------------------------------------------------------------------------
def test_email_is_normalised() -> None:
    assert clean_email("  sam.patel@Example.ORG ") == "sam.patel@example.org"
    assert clean_email("") is None and clean_email(None) is None


@pytest.mark.parametrize(
    "typed", ["sam", "sam@", "@example.org", "sam@@example.org", "sam patel@example.org"]
)
def test_invalid_email_is_refused(typed: str) -> None:
    with pytest.raises(Invalid, match="is not an email address"):
        clean_email(typed)


# -- text ----------------------------------------------------------------------------------------------
def test_clean_text_collapses_whitespace() -> None:
    assert clean_text("  Sam \t  Patel \n", label="Name", max_length=20) == "Sam Patel"


def test_clean_text_required_and_optional() -> None:
    assert clean_text("   ", label="Name", max_length=5) is None
    assert clean_text(None, label="Name", max_length=5) is None
    with pytest.raises(Invalid, match="Name is required"):
        clean_text("  ", label="Name", max_length=5, required=True)


def test_clean_text_length_limit_is_inclusive() -> None:
    assert clean_text("x" * 10, label="Name", max_length=10) == "x" * 10
    with pytest.raises(Invalid, match=r"Name is too long \(11 characters; at most 10\)"):
        clean_text("x" * 11, label="Name", max_length=10)


@pytest.mark.parametrize("control", ["\x00", "\x07", "\x1b[31m", "\x7f", "\x9b"])
def test_clean_text_refuses_control_characters(control: str) -> None:
    with pytest.raises(Invalid, match="Name contains control characters"):
        clean_text(f"Sam{control}Patel", label="Name", max_length=50)


def test_clean_text_treats_unicode_line_breaks_as_spaces() -> None:
    assert clean_text("Sam\x85Patel\u2028Jones", label="Name", max_length=50) == "Sam Patel Jones"


def test_clean_text_accepts_letters_from_any_language() -> None:
    assert clean_text("Zoë Ó Súilleabháin 王", label="Name", max_length=50) == "Zoë Ó Súilleabháin 王"


@given(st.text(max_size=40))
def test_clean_text_output_is_tidy_and_stable(typed: str) -> None:
    try:
        tidy = clean_text(typed, label="Name", max_length=30)
    except Invalid:
        return
    if tidy is None:
        return
    assert tidy == tidy.strip() and "  " not in tidy and len(tidy) <= 30
    assert clean_text(tidy, label="Name", max_length=30) == tidy


def test_clean_multiline_keeps_lines() -> None:
    assert clean_multiline("  1 High Street  \r\nLeeds \n", label="Address", max_length=50) == (
        "1 High Street\nLeeds"
    )
    assert clean_multiline(" \n ", label="Address", max_length=50) is None
    with pytest.raises(Invalid, match="too long"):
        clean_multiline("x" * 51, label="Address", max_length=50)


def test_clean_int() -> None:
    assert clean_int(" 6 ", label="Retention period", minimum=1, maximum=20) == 6
    with pytest.raises(Invalid, match="must be a whole number"):
        clean_int("six", label="Retention period", minimum=1, maximum=20)
    with pytest.raises(Invalid, match="between 1 and 20"):
        clean_int(21, label="Retention period", minimum=1, maximum=20)


# -- images --------------------------------------------------------------------------------------------
def test_images_are_recognised_by_content() -> None:
    assert clean_image(PNG, label="Logo", max_bytes=1024) == (PNG, "image/png")
    assert clean_image(JPEG, label="Logo", max_bytes=1024) == (JPEG, "image/jpeg")
    assert clean_image(None, label="Logo", max_bytes=1024) is None
    assert clean_image(b"", label="Logo", max_bytes=1024) is None


@pytest.mark.parametrize(
    "data", [b"GIF89a" + b"\x00" * 10, b"<svg xmlns='http://www.w3.org/2000/svg'/>", b"PNG but not really"]
)
def test_other_files_are_not_images(data: bytes) -> None:
    with pytest.raises(Invalid, match="Logo must be a PNG or JPEG image"):
        clean_image(data, label="Logo", max_bytes=1024)


def test_image_size_limit() -> None:
    exact = PNG + b"\x00" * (2048 - len(PNG))
    assert clean_image(exact, label="Logo", max_bytes=2048) is not None
    with pytest.raises(Invalid, match=r"Logo is too large \(2 KB; at most 2 KB\)"):
        clean_image(exact + b"\x00", label="Logo", max_bytes=2048)


# -- gathering problems --------------------------------------------------------------------------------
def test_problems_are_gathered_per_field_and_raised_together() -> None:
    problems = Problems("The organisation profile")
    assert problems.check("postcode", lambda: clean_postcode("nowhere")) is None
    assert problems.check("name", lambda: clean_text("Ok", label="Name", max_length=5)) == "Ok"
    assert problems.check("email", lambda: clean_email("sam@")) is None
    with pytest.raises(ValidationError) as caught:
        problems.raise_if_any()
    assert set(caught.value.problems) == {"postcode", "email"}
    assert str(caught.value).startswith("The organisation profile could not be saved. postcode: ")


def test_no_problems_raise_nothing() -> None:
    Problems().raise_if_any()
