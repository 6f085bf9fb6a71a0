"""clean_contact: a whole contact validated at once, every problem named by field."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vcsedesk.domain.contacts import ContactDraft, ContactKind, EmailEntry, PhoneEntry, clean_contact
from vcsedesk.domain.errors import ValidationError


def test_a_person_gets_a_display_name_from_the_parts() -> None:
    clean = clean_contact(ContactDraft(given_name="  Aisha ", family_name="Rahman"))
    assert (clean.kind, clean.name, clean.given_name) == (ContactKind.PERSON, "Aisha Rahman", "Aisha")


def test_organisation_needs_a_name_and_drops_person_fields() -> None:
    with pytest.raises(ValidationError) as caught:
        clean_contact(ContactDraft(kind="organisation"))
    assert set(caught.value.problems) == {"name"}
    clean = clean_contact(ContactDraft(kind="Organisation", name="GP Surgery", given_name="ignored"))
    assert clean.given_name is None and clean.name == "GP Surgery"


def test_person_needs_some_name() -> None:
    with pytest.raises(ValidationError, match="at least a first or a last name"):
        clean_contact(ContactDraft(emails=(EmailEntry("a@example.org"),)))


def test_unknown_kind() -> None:
    with pytest.raises(ValidationError, match="not a kind of contact"):
        clean_contact(ContactDraft(kind="robot", name="R2"))


def test_duplicates_within_a_contact_collapse_and_labels_are_checked() -> None:
    clean = clean_contact(
        ContactDraft(
            given_name="A",
            emails=(EmailEntry("A@Example.org"), EmailEntry("a@example.org", "work")),
            phones=(PhoneEntry("07700 900123"), PhoneEntry("+447700900123", "home")),
            tags=("Carer", "carer", "Drop-in"),
        )
    )
    assert len(clean.emails) == 1 and len(clean.phones) == 1 and clean.tags == ("Carer", "Drop-in")
    with pytest.raises(ValidationError) as caught:
        clean_contact(ContactDraft(given_name="A", phones=(PhoneEntry("07700 900123", "pager"),)))
    assert "phones[0]" in caught.value.problems


def test_limits() -> None:
    many = tuple(EmailEntry(f"p{i}@example.org") for i in range(11))
    with pytest.raises(ValidationError) as caught:
        clean_contact(ContactDraft(given_name="A", emails=many, notes="x" * 20_001))
    assert {"emails", "notes"} <= set(caught.value.problems)


@given(st.text(max_size=60), st.text(max_size=60))
def test_names_are_tidied_or_refused_never_crash(given_name: str, family_name: str) -> None:
    try:
        clean = clean_contact(ContactDraft(given_name=given_name, family_name=family_name))
    except ValidationError as exc:
        assert exc.problems and all(isinstance(v, str) and v for v in exc.problems.values())
    else:
        assert clean.name == clean.name.strip() and clean.name
