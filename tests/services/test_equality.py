"""Equality monitoring: optional answers from fixed lists, groups, history, held apart."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from vcsedesk.domain.contacts import ContactDraft
from vcsedesk.domain.equality import DEFAULT_SELDOM_HEARD, PREFER_NOT_TO_SAY
from vcsedesk.domain.errors import ValidationError
from vcsedesk.services import contacts, equality
from vcsedesk.services.base import Actor, undo_last
from vcsedesk.store.database import Database
from vcsedesk.store.models import JournalEntry


def test_record_change_and_undo_answers(db: Database, admin: Actor) -> None:
    (cid,) = contacts.create_contact(db, admin, ContactDraft(given_name="Aisha")).created["contacts"]
    blank = equality.get_answers(db, admin, cid)
    assert blank.version is None and set(blank.answers.values()) == {None}

    equality.set_answers(
        db,
        admin,
        cid,
        None,
        {"age_band": "25–34", "ethnicity": "asian: bangladeshi", "religion": PREFER_NOT_TO_SAY},
        groups={"Refugees and asylum seekers"},
    )
    first = equality.get_answers(db, admin, cid)
    assert first.answers["ethnicity"] == "Asian: Bangladeshi"
    assert first.groups == ("Refugees and asylum seekers",)

    equality.set_answers(db, admin, cid, first.version, {"age_band": "35–44"}, groups=set())
    second = equality.get_answers(db, admin, cid)
    assert second.answers["age_band"] == "35–44" and second.groups == ()
    undo_last(db, admin)
    undone = equality.get_answers(db, admin, cid)
    assert (undone.answers, undone.groups) == (first.answers, first.groups)
    assert undone.version is not None and undone.version > second.version  # undo is a new write


def test_answers_outside_the_lists_are_refused(db: Database, admin: Actor) -> None:
    (cid,) = contacts.create_contact(db, admin, ContactDraft(given_name="Aisha")).created["contacts"]
    with pytest.raises(ValidationError) as caught:
        equality.set_answers(db, admin, cid, None, {"sex": "Sometimes", "carer": "Lots"})
    assert set(caught.value.problems) == {"sex", "carer"}
    with pytest.raises(ValidationError, match="not one of the organisation's seldom-heard groups"):
        equality.set_answers(db, admin, cid, None, {}, groups={"Made-up group"})


def test_journal_summaries_never_carry_the_answers(db: Database, admin: Actor) -> None:
    (cid,) = contacts.create_contact(db, admin, ContactDraft(given_name="Aisha")).created["contacts"]
    equality.set_answers(db, admin, cid, None, {"sexual_orientation": "Bisexual"})
    with db.read() as s:
        summaries = [e.summary for e in s.scalars(select(JournalEntry))]
    assert not any("Bisexual" in text for text in summaries)


def test_seldom_heard_list_is_editable(db: Database, admin: Actor) -> None:
    assert equality.seldom_heard_groups(db) == sorted(DEFAULT_SELDOM_HEARD, key=str.lower)
    equality.add_seldom_heard_group(db, admin, "Kinship carers")
    assert "Kinship carers" in equality.seldom_heard_groups(db)
    with pytest.raises(ValidationError, match="already on the list"):
        equality.add_seldom_heard_group(db, admin, "kinship carers")
    equality.retire_seldom_heard_group(db, admin, "Kinship carers")
    assert "Kinship carers" not in equality.seldom_heard_groups(db)
