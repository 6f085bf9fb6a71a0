"""Telephone numbers: validated and stored in E.164 with Google's libphonenumber rules
(the ``phonenumbers`` package), so "07700 900123", "+44 7700 900123" and "0044 7700900123"
are one number, "+447700900123"."""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat

from vcsedesk.domain.validation import Invalid

DEFAULT_REGION = "GB"
# Ofcom keeps 07700 900000–900999 for drama and examples; libphonenumber calls it invalid,
# but people use it in training and sample data, so it is accepted.
_OFCOM_DRAMA_MOBILE = re.compile(r"^7700900\d{3}$")


@dataclass(frozen=True)
class Phone:
    e164: str

    @property
    def national(self) -> str:
        number = phonenumbers.parse(self.e164)
        if number.country_code == 44:
            return str(phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL))
        return str(phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL))


def clean_phone(value: str | None, region: str = DEFAULT_REGION) -> str | None:
    """The number in E.164 ("+447700900123"), None if blank; Invalid if it is not a number."""
    text = (value or "").strip()
    if not text:
        return None
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException:
        raise Invalid(f"“{value}” is not a telephone number.") from None
    national = str(number.national_number)
    drama = number.country_code == 44 and bool(_OFCOM_DRAMA_MOBILE.match(national))
    if not (phonenumbers.is_valid_number(number) or drama):
        raise Invalid(
            f"“{value}” is not a valid telephone number (UK numbers have 10 digits after the 0; "
            "other countries need their + code)."
        )
    return str(phonenumbers.format_number(number, PhoneNumberFormat.E164))


def display_phone(e164: str) -> str:
    return Phone(e164).national


def search_forms(e164: str) -> list[str]:
    """Digit strings a person might type for this number, from its start (447700900123,
    7700900123, 07700900123) or its last six digits (900123), which people often know."""
    digits = e164.lstrip("+")
    number = phonenumbers.parse(e164)
    national = str(number.national_number)
    forms = [digits, national]
    if number.country_code == 44:
        forms.append("0" + national)
    forms.append(digits[-6:])
    return list(dict.fromkeys(forms))


def phone_query(text: str, region: str = DEFAULT_REGION) -> str | None:
    """If ``text`` looks like (part of) a phone number, the digits to look for; else None.

    "07700 900123" -> "447700900123"; "+44 7700" -> "447700"; "900123" -> "900123".
    """
    stripped = re.sub(r"[\s().\-/]", "", text)
    if not re.fullmatch(r"\+?\d{4,}", stripped):
        return None
    try:
        return clean_phone(stripped, region).lstrip("+")  # type: ignore[union-attr]
    except Invalid:
        pass
    if stripped.startswith("+"):
        return stripped[1:]
    if stripped.startswith("00"):
        return stripped[2:]
    if stripped.startswith("0") and region == "GB":
        return "44" + stripped[1:]
    return stripped
