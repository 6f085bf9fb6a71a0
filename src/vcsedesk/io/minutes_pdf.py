"""The minutes of a meeting as an A4 PDF, from a services.meetings.MeetingView.

Order: the organisation and "Minutes", the meeting's title, when and where, the chair;
"Voices at the meeting" (each attendee with the organisation they speak for); apologies;
the meeting's own notes; each agenda item, numbered, with its discussion, decisions and the
actions agreed under it; then every action in one table (action, item, owner, due date,
status).  Every page carries the organisation's name and "Page n of m".
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Protocol

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer

from vcsedesk.domain.engagement import ActionStatus, is_overdue
from vcsedesk.io import pdf
from vcsedesk.io.pdf import day_text, markup


# What the minutes need of a meeting; services.meetings.MeetingView is one (io sits below
# services, so it names the shape rather than importing the class).
class Voice(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def speaks_for(self) -> str | None: ...


class MinutesAction(Protocol):
    @property
    def title(self) -> str: ...
    @property
    def detail(self) -> str: ...
    @property
    def owner(self) -> str: ...
    @property
    def due_on(self) -> date | None: ...
    @property
    def status(self) -> ActionStatus: ...
    @property
    def completed_on(self) -> date | None: ...
    @property
    def outcome(self) -> str: ...
    @property
    def item_number(self) -> int | None: ...


class MinutesItem(Protocol):
    @property
    def number(self) -> int: ...
    @property
    def title(self) -> str: ...
    @property
    def notes(self) -> str: ...
    @property
    def decisions(self) -> str: ...
    @property
    def actions(self) -> Sequence[MinutesAction]: ...


class Minutes(Protocol):
    @property
    def organisation(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def on_date(self) -> date: ...
    @property
    def start_time(self) -> time | None: ...
    @property
    def venue(self) -> str | None: ...
    @property
    def online(self) -> bool: ...
    @property
    def chair(self) -> str | None: ...
    @property
    def notes(self) -> str: ...
    @property
    def attendees(self) -> Sequence[Voice]: ...
    @property
    def apologies(self) -> Sequence[Voice]: ...
    @property
    def items(self) -> Sequence[MinutesItem]: ...
    @property
    def actions(self) -> Sequence[MinutesAction]: ...


def long_date(day: date) -> str:
    """ "Tuesday 3 March 2026"."""
    return f"{day:%A} {day.day} {day:%B %Y}"


def _where(view: Minutes) -> str:
    if view.venue and view.online:
        return f"{view.venue}, and online"
    if view.online:
        return "Online"
    return view.venue or ""


def _voice(person: Voice) -> str:
    name = markup(person.name)
    return f"{name} — {markup(person.speaks_for)}" if person.speaks_for else name


def status_text(action: MinutesAction, today: date) -> str:
    """The action's status in words, "Overdue (open)" when its due date has passed."""
    if is_overdue(action.status, action.due_on, today):
        return f"Overdue ({action.status.label.lower()})"
    return action.status.label


def _action_line(action: MinutesAction, today: date) -> str:
    """ "<b>Book the hall</b> — Aisha Rahman; due 3 Mar 2026; open"."""
    facts = [markup(action.owner) if action.owner else "no owner yet"]
    if action.due_on:
        facts.append(f"due {day_text(action.due_on)}")
    facts.append(status_text(action, today).lower())
    if action.status is ActionStatus.DONE and action.completed_on:
        facts[-1] += f" {day_text(action.completed_on)}"
    return f"<b>{markup(action.title)}</b> — {'; '.join(facts)}"


def _actions_under(actions: Sequence[MinutesAction], st: pdf.Styles, today: date) -> list[Flowable]:
    out: list[Flowable] = []
    for action in actions:
        out.append(pdf.bullet(_action_line(action, today)))
        for extra, prefix in ((action.detail, ""), (action.outcome, "Outcome: ")):
            if extra:
                out.append(Paragraph(prefix + markup(extra), pdf.styles().bullet))
    return out


def story(view: Minutes, *, produced_on: date) -> list[Flowable]:
    st = pdf.styles()
    flow: list[Flowable] = []
    if view.organisation:
        flow.append(Paragraph(markup(view.organisation), st.kicker))
    flow.append(Paragraph("Minutes", st.title))
    flow.append(Paragraph(markup(view.title), st.subtitle))
    details = [("Date", long_date(view.on_date))]
    if view.start_time is not None:
        details.append(("Time", f"{view.start_time:%H:%M}"))
    if _where(view):
        details.append(("Venue", _where(view)))
    if view.chair:
        details.append(("Chair", view.chair))
    flow.append(pdf.key_values(details))

    flow += pdf.heading(f"Voices at the meeting ({len(view.attendees)})", st.heading)
    if view.attendees:
        flow += [pdf.bullet(_voice(a)) for a in view.attendees]
    else:
        flow.append(Paragraph("No one is recorded as attending.", st.note))
    flow += pdf.heading(f"Apologies ({len(view.apologies)})", st.heading)
    if view.apologies:
        flow += [pdf.bullet(_voice(a)) for a in view.apologies]
    else:
        flow.append(Paragraph("None.", st.note))
    if view.notes:
        flow += pdf.heading("Notes", st.heading)
        flow += pdf.paragraphs(view.notes, st.body)

    flow += pdf.heading("Agenda", st.heading)
    if not view.items:
        flow.append(Paragraph("No agenda items were recorded.", st.note))
    for item in view.items:
        flow += pdf.heading(f"{item.number}. {item.title}", st.subheading, room=50)
        if item.notes:
            flow += pdf.paragraphs(item.notes, st.body)
        if item.decisions:
            flow += pdf.heading("Decisions", st.label, room=30)
            flow += pdf.paragraphs(item.decisions, st.body)
        if item.actions:
            flow += pdf.heading("Actions", st.label, room=30)
            flow += _actions_under(item.actions, st, produced_on)
        if not (item.notes or item.decisions or item.actions):
            flow.append(Paragraph("Nothing was recorded for this item.", st.note))

    loose = tuple(a for a in view.actions if a.item_number is None)
    if loose:
        flow += pdf.heading("Other actions", st.subheading, room=50)
        flow += _actions_under(loose, st, produced_on)

    flow += pdf.heading(f"Actions ({len(view.actions)})", st.heading)
    if view.actions:
        flow.append(_actions_table(view, produced_on))
    else:
        flow.append(Paragraph("No actions were agreed.", st.note))
    flow.append(Spacer(1, 8 * mm))
    flow.append(Paragraph(f"Produced with vcsedesk on {long_date(produced_on)}.", st.small))
    return flow


def _actions_table(view: Minutes, today: date) -> pdf.LongTable:
    header = ["No.", "Action", "Item", "Owner", "Due", "Status"]
    pad = 9  # cell padding, left and right, plus a little air
    fixed = {
        "No.": max(pdf.text_width("No.", pdf.FONT_BOLD), pdf.text_width(str(len(view.actions)))) + pad,
        "Item": pdf.text_width("Item", pdf.FONT_BOLD) + pad,
        "Due": pdf.text_width("30 Sep 2026") + pad,
        "Status": pdf.text_width("Overdue (open)") + pad,
    }
    rest = pdf.PageSetup("", "").frame_width - sum(fixed.values())
    widths = [fixed["No."], rest * 0.6, fixed["Item"], rest * 0.4, fixed["Due"], fixed["Status"]]
    rows = [
        [
            str(n),
            action.title,
            str(action.item_number) if action.item_number is not None else "–",
            action.owner or "–",
            day_text(action.due_on) if action.due_on else "–",
            status_text(action, today),
        ]
        for n, action in enumerate(view.actions, start=1)
    ]
    return pdf.LongTable(header, rows, widths)


def write_minutes(view: Minutes, path: Path, *, produced_on: date | None = None) -> None:
    """Write the minutes of ``view`` to ``path`` (A4 PDF), atomically."""
    when = day_text(view.on_date)
    setup = pdf.PageSetup(
        organisation=view.organisation,
        title="Minutes",
        subject=f"Minutes of {view.title}, {long_date(view.on_date)}",
        footer=f"{view.title} — {when}",
    )
    pdf.build(path, story(view, produced_on=produced_on or datetime.now(UTC).date()), setup)
