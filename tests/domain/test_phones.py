"""Telephone numbers: one number however it is written; search forms; query detection."""

from __future__ import annotations

import pytest

from vcsedesk.domain.phones import clean_phone, display_phone, phone_query, search_forms
from vcsedesk.domain.validation import Invalid


@pytest.mark.parametrize(
    "typed", ["07700 900123", "+44 7700 900123", "0044 7700 900123", "(07700) 900-123", "+447700900123"]
)
def test_uk_mobile_in_any_format(typed: str) -> None:
    assert clean_phone(typed) == "+447700900123"


def test_landline_and_international() -> None:
    assert clean_phone("020 7946 0000") == "+442079460000"
    assert clean_phone("+1 202 555 0143") == "+12025550143"
    assert display_phone("+442079460000") == "020 7946 0000"
    assert display_phone("+12025550143").startswith("+1 202")


@pytest.mark.parametrize("bad", ["12", "hello", "07700", "+44 1234", "0800 00"])
def test_not_a_number(bad: str) -> None:
    with pytest.raises(Invalid, match="telephone number"):
        clean_phone(bad)


def test_blank_is_none() -> None:
    assert clean_phone("  ") is None


def test_search_forms_and_queries() -> None:
    assert search_forms("+447700900123") == ["447700900123", "7700900123", "07700900123", "900123"]
    assert phone_query("07700 900123") == "447700900123"
    assert phone_query("07700") == "447700"
    assert phone_query("aisha") is None
    assert phone_query("12") is None
