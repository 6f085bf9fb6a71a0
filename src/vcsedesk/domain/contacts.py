"""Rules for a contact: what a complete, valid person or organisation looks like."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace
from typing import Any

from vcsedesk.domain.errors import ValidationError
from vcsedesk.domain.phones import clean_phone
from vcsedesk.domain.validation import (
    Invalid,
    Problems,
    clean_email,
    clean_multiline,
    clean_postcode,
    clean_text,
)


class ContactKind(enum.StrEnum):
    PERSON = "person"
    ORGANISATION = "organisation"


EMAIL_LABELS = ("home", "work", "other")
PHONE_LABELS = ("mobile", "home", "work", "other")
#: Communication and access needs offered as choices; others can be typed.
ACCESS_NEEDS = (
    "Easy read",
    "Large print",
    "British Sign Language (BSL)",
    "Hearing loop",
    "Wheelchair access",
    "Plain English",
    "Braille",
    "Audio",
    "Needs someone to attend with them",
)
MAX_EMAILS = MAX_PHONES = 10
MAX_TAGS = 30


@dataclass(frozen=True)
class EmailEntry:
    address: str
    label: str = "home"


@dataclass(frozen=True)
class PhoneEntry:
    number: str
    label: str = "mobile"


@dataclass(frozen=True)
class ContactDraft:
    """A contact as a form, an importer or a script supplies it (not yet validated)."""

    kind: str = ContactKind.PERSON.value
    given_name: str | None = None
    family_name: str | None = None
    name: str | None = None  # an organisation's name; for a person, made from the parts if blank
    organisation_type: str | None = None
    emails: tuple[EmailEntry, ...] = ()
    phones: tuple[PhoneEntry, ...] = ()
    address: str | None = None
    postcode: str | None = None
    ward: str | None = None
    preferred_language: str | None = None
    interpreter_needed: bool = False
    access_needs: tuple[str, ...] = ()
    how_we_met: str | None = None
    notes: str | None = None
    tags: tuple[str, ...] = ()

    def with_changes(self, **values: Any) -> ContactDraft:
        return replace(self, **values)


@dataclass(frozen=True)
class CleanContact:
    """A validated contact: every value tidied, emails and phones normalised."""

    kind: ContactKind
    name: str
    given_name: str | None
    family_name: str | None
    organisation_type: str | None
    address: str | None
    postcode: str | None
    ward: str | None
    preferred_language: str | None
    interpreter_needed: bool
    access_needs: tuple[str, ...]
    how_we_met: str | None
    notes: str | None
    emails: tuple[EmailEntry, ...] = field(default=())
    phones: tuple[PhoneEntry, ...] = field(default=())
    tags: tuple[str, ...] = field(default=())

    def record_values(self) -> dict[str, Any]:
        """The columns of the contacts row (ward is resolved to an id by the service)."""
        return {
            "kind": self.kind.value,
            "name": self.name,
            "given_name": self.given_name,
            "family_name": self.family_name,
            "organisation_type": self.organisation_type,
            "address": self.address,
            "postcode": self.postcode,
            "preferred_language": self.preferred_language,
            "interpreter_needed": self.interpreter_needed,
            "access_needs": list(self.access_needs),
            "how_we_met": self.how_we_met,
            "notes": self.notes,
        }


def _label(value: str, allowed: tuple[str, ...], what: str) -> str:
    label = (value or allowed[0]).strip().lower()
    if label not in allowed:
        raise Invalid(f"“{value}” is not a {what} label; use {', '.join(allowed)}.")
    return label


def clean_contact(draft: ContactDraft) -> CleanContact:
    """Validate a whole contact; every problem is named against its field.

    Field names in problems: ``name``, ``given_name``, ``postcode``, ``emails[0]``,
    ``phones[1]``, ``tags`` and so on, so a form can show each beside its field and an
    importer can name the column.
    """
    p = Problems("The contact")
    try:
        kind = ContactKind(str(draft.kind).strip().lower())
    except ValueError:
        raise ValidationError(
            {"kind": f"“{draft.kind}” is not a kind of contact (person or organisation)."},
            record="The contact",
        ) from None
    given = p.check("given_name", lambda: clean_text(draft.given_name, label="First name", max_length=100))
    family = p.check("family_name", lambda: clean_text(draft.family_name, label="Last name", max_length=100))
    name: str | None
    if kind is ContactKind.PERSON:
        typed = p.check("name", lambda: clean_text(draft.name, label="Name", max_length=200))
        name = typed or " ".join(x for x in (given, family) if x) or None
        if not name and "given_name" not in p.by_field and "family_name" not in p.by_field:
            p.by_field["given_name"] = "A person needs at least a first or a last name."
    else:
        name = p.check(
            "name", lambda: clean_text(draft.name, label="Organisation name", max_length=200, required=True)
        )
    emails: list[EmailEntry] = []
    seen_emails: set[str] = set()
    if len(draft.emails) > MAX_EMAILS:
        p.by_field["emails"] = f"At most {MAX_EMAILS} email addresses."
    for i, entry in enumerate(draft.emails[:MAX_EMAILS]):
        address = p.check(f"emails[{i}]", lambda e=entry: clean_email(e.address))  # type: ignore[misc]
        label = p.check(f"emails[{i}]", lambda e=entry: _label(e.label, EMAIL_LABELS, "email"))  # type: ignore[misc]
        if address and label and address.casefold() not in seen_emails:
            seen_emails.add(address.casefold())
            emails.append(EmailEntry(address, label))
    phones: list[PhoneEntry] = []
    seen_phones: set[str] = set()
    if len(draft.phones) > MAX_PHONES:
        p.by_field["phones"] = f"At most {MAX_PHONES} telephone numbers."
    for i, phone in enumerate(draft.phones[:MAX_PHONES]):
        number = p.check(f"phones[{i}]", lambda e=phone: clean_phone(e.number))  # type: ignore[misc]
        label = p.check(f"phones[{i}]", lambda e=phone: _label(e.label, PHONE_LABELS, "phone"))  # type: ignore[misc]
        if number and label and number not in seen_phones:
            seen_phones.add(number)
            phones.append(PhoneEntry(number, label))
    tags: list[str] = []
    if len(draft.tags) > MAX_TAGS:
        p.by_field["tags"] = f"At most {MAX_TAGS} tags."
    for raw in draft.tags[:MAX_TAGS]:
        tag = p.check("tags", lambda r=raw: clean_text(r, label="A tag", max_length=60))  # type: ignore[misc]
        if tag and tag.casefold() not in {t.casefold() for t in tags}:
            tags.append(tag)
    needs: list[str] = []
    for raw in draft.access_needs:
        need = p.check("access_needs", lambda r=raw: clean_text(r, label="An access need", max_length=80))  # type: ignore[misc]
        if need and need not in needs:
            needs.append(need)
    clean = CleanContact(
        kind=kind,
        name=name or "",
        given_name=given if kind is ContactKind.PERSON else None,
        family_name=family if kind is ContactKind.PERSON else None,
        organisation_type=p.check(
            "organisation_type",
            lambda: clean_text(draft.organisation_type, label="Type of organisation", max_length=80),
        )
        if kind is ContactKind.ORGANISATION
        else None,
        address=p.check("address", lambda: clean_multiline(draft.address, label="Address", max_length=500)),
        postcode=p.check("postcode", lambda: clean_postcode(draft.postcode)),
        ward=p.check("ward", lambda: clean_text(draft.ward, label="Ward", max_length=120)),
        preferred_language=p.check(
            "preferred_language",
            lambda: clean_text(draft.preferred_language, label="Preferred language", max_length=60),
        ),
        interpreter_needed=bool(draft.interpreter_needed),
        access_needs=tuple(needs),
        how_we_met=p.check(
            "how_we_met", lambda: clean_text(draft.how_we_met, label="How we met", max_length=200)
        ),
        notes=p.check("notes", lambda: clean_multiline(draft.notes, label="Notes", max_length=20_000)),
        emails=tuple(emails),
        phones=tuple(phones),
        tags=tuple(tags),
    )
    p.raise_if_any()
    return clean
