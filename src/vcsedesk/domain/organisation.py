"""Rules for the organisation profile."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from vcsedesk.domain.validation import (
    Problems,
    clean_charity_number,
    clean_company_number,
    clean_image,
    clean_int,
    clean_multiline,
    clean_postcode,
    clean_text,
)

MAX_LOGO_BYTES = 1024 * 1024
#: UK charities commonly keep records six years after last contact; editable per organisation.
DEFAULT_RETENTION_YEARS = 6

FIELD_LABELS = {
    "name": "Name",
    "charity_number": "Charity number",
    "company_number": "Company number",
    "address": "Address",
    "postcode": "Postcode",
    "logo": "Logo",
    "retention_years": "Retention period",
}


def clean_profile(values: Mapping[str, Any]) -> dict[str, Any]:
    """Validate and tidy the fields given; raise ValidationError naming every bad one."""
    problems = Problems("The organisation profile")
    out: dict[str, Any] = {}
    unknown = set(values) - set(FIELD_LABELS)
    if unknown:
        raise ValueError(f"unknown organisation fields: {sorted(unknown)}")
    if "name" in values:
        out["name"] = problems.check(
            "name", lambda: clean_text(values["name"], label="Name", max_length=200, required=True)
        )
    if "charity_number" in values:
        out["charity_number"] = problems.check(
            "charity_number", lambda: clean_charity_number(values["charity_number"])
        )
    if "company_number" in values:
        out["company_number"] = problems.check(
            "company_number", lambda: clean_company_number(values["company_number"])
        )
    if "address" in values:
        out["address"] = problems.check(
            "address", lambda: clean_multiline(values["address"], label="Address", max_length=500)
        )
    if "postcode" in values:
        out["postcode"] = problems.check("postcode", lambda: clean_postcode(values["postcode"]))
    if "retention_years" in values:
        out["retention_years"] = problems.check(
            "retention_years",
            lambda: clean_int(values["retention_years"], label="Retention period", minimum=1, maximum=100),
        )
    if "logo" in values:
        logo = problems.check(
            "logo", lambda: clean_image(values["logo"], label="Logo", max_bytes=MAX_LOGO_BYTES)
        )
        out["logo"], out["logo_type"] = logo if logo else (None, None)
    problems.raise_if_any()
    return out
