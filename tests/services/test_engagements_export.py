"""Exporting the engagement log, its quotes and the actions: files read back equal the
services' rows, consent decides what a quote shows, formulas are neutralised, both backends."""

from __future__ import annotations

import argparse
import csv
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from vcsedesk.domain.contacts import ContactDraft
from vcsedesk.domain.engagement import EngagementDraft, HeadcountEntry, ParticipantEntry, QuoteEntry, Sharing
from vcsedesk.domain.errors import UserError
from vcsedesk.io.spreadsheet import DANGEROUS_START, neutralise
from vcsedesk.services import (
    actions,
    consent,
    contacts,
    engagement_lists,
    engagement_log,
    engagements,
    engagements_export,
    people,
    themes,
)
from vcsedesk.services.actions import ActionDraft
from vcsedesk.services.base import Actor, unit_of_work
from vcsedesk.services.engagement_log import EngagementFilter, QuoteFilter, SortField, SortKey
from vcsedesk.services.engagements_export import (
    ACTION_COLUMNS,
    ENGAGEMENT_COLUMNS,
    QUOTE_COLUMNS,
    OptionError,
    export_actions,
    export_engagements,
    export_log_workbook,
    export_quotes,
)
from vcsedesk.store.database import Database
from vcsedesk.store.models import EqualityProfile, Meeting

TODAY = date(2026, 6, 1)
UTC_WINTER = timezone(timedelta(0))
E_HEAD = [c.header for c in ENGAGEMENT_COLUMNS]
Q_HEAD = [c.header for c in QUOTE_COLUMNS]
A_HEAD = [c.header for c in ACTION_COLUMNS]
HOSTILE_QUOTE = "=cmd|' /C calc'!A0"


@dataclass
class Data:
    ids: dict[str, uuid.UUID]
    people: dict[str, uuid.UUID]
    actions: dict[str, uuid.UUID]


def person(db: Database, admin: Actor, given: str, family: str) -> uuid.UUID:
    (cid,) = contacts.create_contact(db, admin, ContactDraft(given_name=given, family_name=family)).created[
        "contacts"
    ]
    return cid


def give(db: Database, admin: Actor, cid: uuid.UUID, purpose: str, on: date, status: str = "given") -> None:
    consent.record_consent(
        db, admin, cid, purpose=purpose, status=status, on=on, method="written", today=TODAY
    )


def record(db: Database, admin: Actor, **values: Any) -> uuid.UUID:
    (eid,) = engagements.add_engagement(db, admin, EngagementDraft(**values), today=TODAY).created[
        "engagements"
    ]
    return eid


def action(db: Database, admin: Actor, **values: Any) -> uuid.UUID:
    (aid,) = actions.add_action(db, admin, ActionDraft(**values), today=TODAY).created["actions"]
    return aid


@pytest.fixture
def data(db: Database, admin: Actor) -> Data:
    contacts.add_ward(db, admin, "Mile End")
    (priority,) = engagement_lists.add_priority(db, admin, "Access to primary care").created["priorities"]
    types = {t.name: t.id for t in engagement_lists.list_types(db)}
    theme_ids = {t.path: t.id for t in themes.list_themes(db)}
    aisha, bea, carl = (
        person(db, admin, "Aisha", "Rahman"),
        person(db, admin, "Bea", "Lowe"),
        person(db, admin, "Carl", "Moss"),
    )
    give(db, admin, aisha, "share_with_name", date(2026, 1, 5))
    give(db, admin, bea, "share_with_name", date(2026, 1, 5))
    give(db, admin, carl, "share_anonymously", date(2026, 1, 5))
    ids = {
        "library": record(
            db,
            admin,
            title="Library drop-in",
            type_id=types["Drop-in"],
            on_date=date(2026, 5, 12),
            start_time=time(10, 30),
            duration_minutes=90,
            venue="Canal Street Library",
            ward="Mile End",
            anonymous_count=12,
            headcount_groups=(HeadcountEntry("Under 25", 4), HeadcountEntry("Carers", 3)),
            participants=(ParticipantEntry(aisha), ParticipantEntry(bea), ParticipantEntry(carl, "carer")),
            facilitator_ids=(admin.user_id,),
            priority_id=priority,
            theme_ids=(theme_ids["Dentistry"], theme_ids["Primary care › Pharmacy"]),
            summary="People cannot find an NHS dentist.\nSome pay privately.",
            quotes=(
                QuoteEntry("I rang forty practices.", "named", aisha, (theme_ids["Dentistry"],)),
                QuoteEntry("Bea's words.", "named", bea),
                QuoteEntry("Carl's words.", "anonymous", carl),
                QuoteEntry("Said in confidence.", "internal"),
                QuoteEntry(HOSTILE_QUOTE, "anonymous"),
            ),
        ),
        "hostile": record(
            db,
            admin,
            title="+1 for the bus",
            type_id=types["Event"],
            on_date=date(2026, 3, 1),
            venue="@SUM(A1:A2)",
            anonymous_count=5,
            summary="-1 for the trains",
            quotes=(QuoteEntry("+44 is not a formula", "internal"),),
        ),
        "archived": record(
            db,
            admin,
            title="Archived outreach",
            type_id=types["Outreach"],
            on_date=date(2026, 2, 2),
            anonymous_count=3,
            quotes=(QuoteEntry("Gone with it.", "anonymous"),),
        ),
    }
    view = engagements.get_engagement(db, ids["archived"])
    engagements.archive_engagement(db, admin, view.id, view.version)
    # Bea withdrew named sharing after she was quoted.
    give(db, admin, bea, "share_with_name", date(2026, 5, 20), "withdrawn")
    with unit_of_work(db, admin, "A meeting") as uow:
        meeting = uow.add(Meeting(title="Hub meeting", on_date=date(2026, 4, 1)))
        uow.add(
            EqualityProfile(
                contact_id=aisha,
                ethnicity="Asian: Bangladeshi",
                religion="Muslim",
                sexual_orientation="Bisexual",
            )
        )
    made = {
        "overdue": action(
            db, admin, title="Write to the ICB", engagement_id=ids["library"], due_on=date(2026, 5, 20)
        ),
        "done": action(
            db, admin, title="Book the hall", engagement_id=ids["hostile"], status="done", outcome="Booked"
        ),
        "meeting": action(
            db,
            admin,
            title="Circulate minutes",
            meeting_id=meeting.id,
            due_on=date(2026, 7, 1),
            owner_user_id=admin.user_id,
        ),
        "hostile": action(db, admin, title='=HYPERLINK("http://evil.example","x")', due_on=date(2026, 8, 1)),
    }
    return Data(ids, {"aisha": aisha, "bea": bea, "carl": carl}, made)


def sheet_rows(path: Path, title: str) -> list[list[Any]]:
    with path.open("rb") as fh:
        ws = load_workbook(fh)[title]
    return [[c.value for c in row] for row in ws.iter_rows()]


def as_dicts(rows: list[list[Any]], header: list[str]) -> list[dict[str, Any]]:
    assert rows[0] == header
    return [dict(zip(header, r, strict=True)) for r in rows[1:]]


# -- engagements and quotes -------------------------------------------------------------------
def test_engagements_and_quotes_read_back_equal_the_service_rows(
    db: Database, admin: Actor, data: Data, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engagements_export, "BATCH", 1)  # every row its own batch
    path = tmp_path / "log.xlsx"
    report = export_engagements(db, admin, path, timezone=UTC_WINTER)
    assert (report.counts, report.path, report.line()) == (
        {"engagements": 2},
        path,
        f"Exported 2 engagements to {path}.",
    )
    got = as_dicts(sheet_rows(path, "Engagements"), E_HEAD)
    listed = engagement_log.page(db)
    assert [r["Title"] for r in got] == [neutralise(r.title) for r in listed]
    for row, service in zip(got, listed, strict=True):
        view = engagements.get_engagement(db, service.id)
        assert row["Date"] == datetime.combine(service.on_date, time())
        assert (row["Type"], row["Ward"], row["Reach"], row["Quotes"]) == (
            service.type_name,
            service.ward,
            service.reach,
            service.quotes,
        )
        assert (row["Named participants"], row["Anonymous head-count"]) == (
            service.participants,
            view.anonymous_count,
        )
        assert row["Themes"] == (service.themes or None) and row["Priority"] == service.priority
        assert row["Facilitators"] == (service.facilitators or None)
        assert row["Created"] == view.created_at.astimezone(UTC_WINTER).replace(tzinfo=None, microsecond=0)
        assert row["Archived"] == "No"
    library = got[0]
    assert library["Start time"] == "10:30" and library["Duration (minutes)"] == 90
    assert library["Venue"] == "Canal Street Library" and library["Online"] == "No"
    assert library["Head-count groups"] == "Carers: 3; Under 25: 4"
    assert library["Summary"] == "People cannot find an NHS dentist.\nSome pay privately."
    assert library["Themes"] == "Dentistry; Primary care › Pharmacy" and library["Reach"] == 15
    with path.open("rb") as fh:
        ws = load_workbook(fh)["Engagements"]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == f"A1:T{len(got) + 1}"
    assert ws.cell(2, 1).is_date and ws.cell(1, 1).font.bold

    # The filter and the order of the screen; archived ones when asked for.
    titled = tmp_path / "titled.xlsx"
    export_engagements(db, admin, titled, EngagementFilter(include_archived=True), SortKey(SortField.TITLE))
    rows = as_dicts(sheet_rows(titled, "Engagements"), E_HEAD)
    assert [(r["Title"], r["Archived"]) for r in rows] == [
        ("'+1 for the bus", "No"),
        ("Archived outreach", "Yes"),
        ("Library drop-in", "No"),
    ]

    # Quotes: the names only where named sharing still holds today.
    quotes = tmp_path / "quotes.xlsx"
    report = export_quotes(db, admin, quotes, today=TODAY)
    assert report.line() == f"Exported 6 quotes to {quotes}."
    got_quotes = as_dicts(sheet_rows(quotes, "Quotes"), Q_HEAD)
    service_quotes = engagement_log.page_quotes(db)
    assert len(got_quotes) == len(service_quotes) == 6
    for row, q in zip(got_quotes, service_quotes, strict=True):
        assert row["Date"] == datetime.combine(q.on_date, time())
        assert (row["Engagement"], row["Sharing"], row["Themes"]) == (
            neutralise(q.engagement_title),
            q.sharing.label,
            q.themes or None,
        )
    by_text = {r["Quote"]: r for r in got_quotes}
    aisha = by_text["I rang forty practices."]
    assert (aisha["Speaker"], aisha["May be shared"], aisha["Sharing"]) == (
        "Aisha Rahman",
        "Yes",
        "Share with name",
    )
    assert aisha["Consent checked"].startswith(
        "Consent to “share their story or quotes with their name” given on"
    )
    assert aisha["Themes"] == "Dentistry"
    bea = by_text["Bea's words."]
    assert (bea["Speaker"], bea["May be shared"]) == ("Anonymous", "No")
    assert (
        "withdrawn on 20 May 2026" in bea["Consent checked"] and "name is left out" in bea["Consent checked"]
    )
    carl = by_text["Carl's words."]
    assert (carl["Speaker"], carl["May be shared"], carl["Sharing"]) == (
        "Anonymous",
        "Yes",
        "Share anonymously",
    )
    assert "Consent to “share their story or quotes anonymously” given" in carl["Consent checked"]
    internal = by_text["Said in confidence."]
    assert (internal["Speaker"], internal["May be shared"], internal["Sharing"]) == (
        "Anonymous",
        "No",
        "Internal only",
    )
    assert internal["Consent checked"] == engagements_export.INTERNAL_REASON
    assert by_text["'" + HOSTILE_QUOTE]["Consent checked"] == engagements_export.NO_SPEAKER_REASON
    assert "Gone with it." not in by_text  # the archived engagement's quote

    # Before Bea withdrew, her name went out.
    earlier = tmp_path / "earlier.csv"
    export_quotes(db, admin, earlier, QuoteFilter(speaker_id=data.people["bea"]), today=date(2026, 5, 1))
    with earlier.open(encoding="utf-8-sig", newline="") as fh:
        (header, row) = list(csv.reader(fh))
    assert (
        header == Q_HEAD
        and row[Q_HEAD.index("Speaker")] == "Bea Lowe"
        and row[Q_HEAD.index("May be shared")] == "Yes"
    )

    # A volunteer may export too (everyone who can use the app may edit records).
    (vol_id,) = people.add_user(db, admin, name="Val Volunteer", role="volunteer").created["users"]
    volunteer = people.actor_for(db, vol_id, admin.device_id)
    assert (
        export_quotes(
            db, volunteer, tmp_path / "v.xlsx", QuoteFilter(sharing=frozenset({Sharing.INTERNAL}))
        ).count
        == 2
    )


# -- actions and the workbook -----------------------------------------------------------------
def test_actions_and_the_workbook_with_every_sheet(
    db: Database, admin: Actor, data: Data, tmp_path: Path
) -> None:
    path = tmp_path / "actions.xlsx"
    report = export_actions(db, admin, path, TODAY)
    got = as_dicts(sheet_rows(path, "Actions"), A_HEAD)
    service = actions.list_actions(db, today=TODAY)
    assert report.counts == {"actions": 4} and len(got) == len(service) == 4
    for row, a in zip(got, service, strict=True):
        assert row["Status"] == a.status.label and row["Overdue"] == ("Yes" if a.overdue else "No")
        assert row["Due"] == (datetime.combine(a.due_on, time()) if a.due_on else None)
        assert row["Owner"] == (a.owner or None) and row["Outcome"] == (a.outcome or None)
    assert got[0]["Action"] == "Write to the ICB" and got[0]["Overdue"] == "Yes"
    assert got[0]["From"] == "Engagement “Library drop-in” 12 May 2026"
    assert [r["Action"] for r in got][1:] == [
        "Circulate minutes",
        '\'=HYPERLINK("http://evil.example","x")',
        "Book the hall",
    ]
    assert got[1]["From"] == "Meeting “Hub meeting” 1 Apr 2026" and got[1]["Owner"] == "Sam Patel"
    done = tmp_path / "done.csv"
    assert export_actions(db, admin, done, TODAY, status=["done"]).count == 1
    only = tmp_path / "library.xlsx"
    export_actions(db, admin, only, TODAY, flt=EngagementFilter(text="library"))
    assert [r["Action"] for r in as_dicts(sheet_rows(only, "Actions"), A_HEAD)] == ["Write to the ICB"]

    # Every sheet in one workbook: the log, its quotes, the actions from it.
    book = tmp_path / "book.xlsx"
    report = export_log_workbook(db, admin, book, EngagementFilter(start=date(2026, 4, 1)), today=TODAY)
    assert report.counts == {"engagements": 1, "quotes": 5, "actions": 1}
    assert report.line() == f"Exported 1 engagement, 5 quotes and 1 action to {book}."
    with book.open("rb") as fh:
        wb = load_workbook(fh)
    assert wb.sheetnames == ["Engagements", "Quotes", "Actions"]
    assert all(wb[t].freeze_panes == "A2" for t in wb.sheetnames)
    assert {r["Engagement"] for r in as_dicts(sheet_rows(book, "Quotes"), Q_HEAD)} == {"Library drop-in"}
    # Without a filter, the whole tracker (meetings' actions too).
    everything = export_log_workbook(db, admin, tmp_path / "all.xlsx", today=TODAY)
    assert everything.counts == {"engagements": 2, "quotes": 6, "actions": 4}
    with pytest.raises(UserError, match="needs an Excel file"):
        export_log_workbook(db, admin, tmp_path / "all.csv")
    assert not (tmp_path / "all.csv").exists()


# -- safety -----------------------------------------------------------------------------------
def test_formula_like_text_is_neutralised_and_equality_never_exported(
    db: Database, admin: Actor, data: Data, tmp_path: Path
) -> None:
    book = tmp_path / "book.xlsx"
    export_log_workbook(db, admin, book, today=TODAY)
    with book.open("rb") as fh:
        wb = load_workbook(fh)
    texts: list[str] = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    assert cell.data_type == "s" and not cell.value.startswith(DANGEROUS_START), cell.value
                    texts.append(cell.value)
    for hostile in (
        HOSTILE_QUOTE,
        "+1 for the bus",
        "-1 for the trains",
        "@SUM(A1:A2)",
        "+44 is not a formula",
    ):
        assert "'" + hostile in texts, hostile
    for what, export in (("log", export_engagements), ("quotes", export_quotes), ("actions", export_actions)):
        path = tmp_path / f"{what}.csv"
        export(db, admin, path)
        text = path.read_text(encoding="utf-8-sig")
        with path.open(encoding="utf-8-sig", newline="") as fh:
            cells = [c for row in csv.reader(fh) for c in row]
        assert not any(c.startswith(DANGEROUS_START) for c in cells), what
        texts.append(text)
    assert "'" + HOSTILE_QUOTE in texts[-2] and "'+1 for the bus" in texts[-3]
    everything = "\n".join(texts)
    for secret in ("Bangladeshi", "Muslim", "Bisexual"):
        assert secret not in everything


# -- the command line -------------------------------------------------------------------------
def test_command_line_handler(db: Database, admin: Actor, data: Data, tmp_path: Path) -> None:
    said: list[str] = []

    def args(**over: Any) -> argparse.Namespace:
        values = {
            "file": tmp_path / "out.xlsx",
            "start": None,
            "end": None,
            "type": None,
            "ward": None,
            "theme": None,
            "search": None,
            "what": "log",
            "include_archived": False,
        }
        return argparse.Namespace(**(values | over))

    run = engagements_export.cmd_engagements_export
    assert run(args(ward=["MILE END"], theme="dentistry"), db, admin, out=said.append) == 0
    assert said[-1] == f"Exported 1 engagement to {tmp_path / 'out.xlsx'}."
    assert (
        run(
            args(theme="primary care > pharmacy", what="quotes", start="01/05/2026"),
            db,
            admin,
            out=said.append,
        )
        == 0
    )
    assert said[-1].startswith("Exported 5 quotes")
    assert (
        run(args(type=["event", "Drop-in"], end="2026-04-01", what="actions"), db, admin, out=said.append)
        == 0
    )
    assert said[-1].startswith("Exported 1 action ")
    assert run(args(what="all", search="bus"), db, admin, out=said.append) == 0
    assert said[-1].startswith("Exported 1 engagement, 1 quote and 1 action")
    for bad, option, words in [
        (args(start="2026-13-01"), "--from", "is not a date"),
        (args(end="tomorrow"), "--to", "is not a date"),
        (args(start="2026-05-01", end="2026-04-01"), "--from", "is after"),
        (args(ward=["Nowhere"]), "--ward", "no ward called “Nowhere”. Known: Mile End"),
        (args(type=["Picnic"]), "--type", "no engagement type called “Picnic”"),
        (args(theme="Astrology"), "--theme", "no theme called “Astrology”"),
        (args(what="all", file=tmp_path / "x.csv"), "--what", "needs an .xlsx file"),
    ]:
        with pytest.raises(OptionError, match=words) as caught:
            run(bad, db, admin, out=said.append)
        assert caught.value.option == option and str(caught.value).startswith(option)
