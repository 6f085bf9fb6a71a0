"""How the Returns area says things: a return's status, a cadence, how far off (or late) a
return is, a period, a content hash.  Nothing is said by colour alone: an overdue return says
"Overdue by 5 days" in words and carries the warning icon wherever it is listed."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QStyle

from vcsedesk.domain.returns import Cadence, Period, ReturnStatus, short_hash
from vcsedesk.ui.widgets import day_text

if TYPE_CHECKING:
    from vcsedesk.services.partnerships import DueReturn


def _tr(text: str) -> str:
    return QCoreApplication.translate("Returns", text)


def status_text(status: ReturnStatus | None) -> str:
    if status is None:
        return _tr("Not started")
    return {
        ReturnStatus.DRAFT: _tr("Draft"),
        ReturnStatus.READY: _tr("Ready to submit"),
        ReturnStatus.SUBMITTED: _tr("Submitted"),
        ReturnStatus.ACKNOWLEDGED: _tr("Acknowledged"),
        ReturnStatus.RESPONSE_RECEIVED: _tr("Response received"),
    }[status]


def cadence_text(cadence: Cadence) -> str:
    return {
        Cadence.MONTHLY: _tr("Monthly"),
        Cadence.QUARTERLY: _tr("Quarterly"),
        Cadence.HALF_YEARLY: _tr("Every six months"),
        Cadence.YEARLY: _tr("Yearly"),
    }[cadence]


def period_text(period: Period) -> str:
    """ "July to September 2025 (2025-Q3)"."""
    if period.words == period.label:
        return period.words
    return _tr("{words} ({label})").format(words=period.words, label=period.label)


def days_text(n: int) -> str:
    return _tr("1 day") if n == 1 else _tr("{n} days").format(n=n)


def due_text(due_on: date, today: date) -> str:
    """ "Overdue by 5 days", "Due today", "Due tomorrow", "Due in 12 days"."""
    left = (due_on - today).days
    if left < 0:
        return _tr("Overdue by {days}").format(days=days_text(-left))
    if left == 0:
        return _tr("Due today")
    if left == 1:
        return _tr("Due tomorrow")
    return _tr("Due in {days}").format(days=days_text(left))


def due_line(due: DueReturn, today: date) -> str:
    """ "Overdue by 5 days (due 30 Oct 2025)"."""
    return _tr("{when} (due {day})").format(when=due_text(due.due_on, today), day=day_text(due.due_on))


def hash_text(content_hash: str) -> str:
    """The short form printed on a return: "1a2b 3c4d 5e6f 7a8b"."""
    return short_hash(content_hash)


def moment_text(moment: datetime) -> str:
    """ "14:02 on 3 Oct 2025" in local time."""
    local = moment.astimezone()
    return _tr("{time} on {day}").format(time=f"{local:%H:%M}", day=day_text(local.date()))


def warning_icon() -> QIcon:
    return QApplication.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)


def info_icon() -> QIcon:
    return QApplication.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxInformation)


def words_text(n: int) -> str:
    return _tr("1 word") if n == 1 else _tr("{n} words").format(n=n)


def count_words(text: str) -> int:
    """Words as the service counts them (runs of non-space)."""
    return len(text.split())
