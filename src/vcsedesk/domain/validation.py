"""Checking and tidying what people type: one function per kind of value.

Each ``clean_*`` function returns the tidied value or raises :class:`Invalid` with a
sentence saying what is wrong; :class:`Problems` gathers those per field so a form can show
every problem at once, beside its field.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import TypeVar

from email_validator import EmailNotValidError, validate_email

from vcsedesk.domain.errors import ValidationError

T = TypeVar("T")


class Invalid(ValueError):
    """One value is wrong; the message says why, for a person."""


class Problems:
    """Collects per-field problems; ``raise_if_any`` raises one ValidationError for all."""

    def __init__(self, record: str = "") -> None:
        self.record = record
        self.by_field: dict[str, str] = {}

    def check(self, field: str, clean: Callable[[], T]) -> T | None:
        try:
            return clean()
        except Invalid as exc:
            self.by_field[field] = str(exc)
            return None

    def raise_if_any(self) -> None:
        if self.by_field:
            raise ValidationError(self.by_field, record=self.record)


def clean_text(value: str | None, *, label: str, max_length: int, required: bool = False) -> str | None:
    text = " ".join((value or "").split()) if value is not None else ""
    if not text:
        if required:
            raise Invalid(f"{label} is required.")
        return None
    if len(text) > max_length:
        raise Invalid(f"{label} is too long ({len(text)} characters; at most {max_length}).")
    if any(unicodedata.category(c) == "Cc" for c in text):  # C0, DEL and C1 controls
        raise Invalid(f"{label} contains control characters.")
    return text


def clean_multiline(value: str | None, *, label: str, max_length: int) -> str | None:
    text = "\n".join(line.rstrip() for line in (value or "").strip().splitlines())
    if not text:
        return None
    if len(text) > max_length:
        raise Invalid(f"{label} is too long ({len(text)} characters; at most {max_length}).")
    return text


# UK postcodes: outward code (area, district) + inward code (sector, unit).  Also the
# special non-geographic GIR 0AA.  Pattern after the published format, without spaces.
_POSTCODE = re.compile(
    r"^(GIR0AA|[A-PR-UWYZ][0-9][0-9A-HJKMNPR-Y]?[0-9][ABD-HJLNP-UW-Z]{2}|"
    r"[A-PR-UWYZ][A-HK-Y][0-9][0-9ABEHMNPRVWXY]?[0-9][ABD-HJLNP-UW-Z]{2})$"
)


def clean_postcode(value: str | None) -> str | None:
    """A UK postcode in its standard form ("sw1a1aa" -> "SW1A 1AA"), or None if blank."""
    compact = re.sub(r"\s+", "", value or "").upper()
    if not compact:
        return None
    if not _POSTCODE.match(compact):
        raise Invalid(f"“{value}” is not a UK postcode (for example SW1A 1AA).")
    return f"{compact[:-3]} {compact[-3:]}"


_CHARITY = re.compile(r"^(\d{6,7}(-\d{1,2})?|SC0\d{5}|NIC1\d{5})$")


def clean_charity_number(value: str | None) -> str | None:
    """A charity number registered in England and Wales (6–7 digits, optionally -N for a
    linked charity), Scotland (SC0 + 5 digits) or Northern Ireland (NIC1 + 5 digits)."""
    compact = re.sub(r"\s+", "", value or "").upper()
    if not compact:
        return None
    if not _CHARITY.match(compact):
        raise Invalid(
            f"“{value}” is not a charity number: England and Wales numbers have 6 or 7 digits "
            "(1234567), Scottish ones look like SC012345 and Northern Irish ones like NIC100002."
        )
    return compact


_COMPANY = re.compile(r"^(\d{8}|[A-Z]{2}\d{6}|R0\d{6})$")


def clean_company_number(value: str | None) -> str | None:
    """A Companies House number: 8 characters, leading zeros restored (1234567 -> 01234567)."""
    compact = re.sub(r"\s+", "", value or "").upper()
    if not compact:
        return None
    if compact.isdigit() and len(compact) < 8:
        compact = compact.zfill(8)
    if not _COMPANY.match(compact):
        raise Invalid(
            f"“{value}” is not a company number: it has 8 characters, either all digits "
            "(01234567) or two letters and six digits (SC123456, CE001234)."
        )
    return compact


def clean_email(value: str | None) -> str | None:
    text = (value or "").strip()
    if not text:
        return None
    try:
        return str(validate_email(text, check_deliverability=False).normalized)
    except EmailNotValidError as exc:
        raise Invalid(f"“{text}” is not an email address: {exc}") from None


def clean_int(value: object, *, label: str, minimum: int, maximum: int) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise Invalid(f"{label} must be a whole number.") from None
    if not minimum <= number <= maximum:
        raise Invalid(f"{label} must be between {minimum} and {maximum}.")
    return number


_IMAGE_TYPES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}


def clean_image(data: bytes | None, *, label: str, max_bytes: int) -> tuple[bytes, str] | None:
    """A PNG or JPEG image within ``max_bytes``, recognised by its content, not its name."""
    if not data:
        return None
    if len(data) > max_bytes:
        raise Invalid(f"{label} is too large ({len(data) // 1024} KB; at most {max_bytes // 1024} KB).")
    for magic, mime in _IMAGE_TYPES.items():
        if data.startswith(magic):
            return data, mime
    raise Invalid(f"{label} must be a PNG or JPEG image.")
