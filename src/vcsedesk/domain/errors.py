"""Errors a person can act on.

Every error raised to a user's face derives from :class:`VcsedeskError` and carries a
message written for the person using the app, not for a developer.  Two families:

* :class:`UserError` — what the person asked for cannot be done as asked (a field is
  invalid, someone else changed the record first, they lack permission).
* :class:`EnvironmentProblem` — the machine is in the way (disk full, file locked,
  database busy, read-only folder).  Each carries a ``way_forward`` sentence.

Anything else that escapes is a bug and reaches the crash dialog.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime


class VcsedeskError(Exception):
    """Base class: ``str(error)`` is a sentence fit to show to a person."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class UserError(VcsedeskError):
    """The request cannot be carried out as asked."""


class ValidationError(UserError):
    """One or more fields are wrong.  ``problems`` maps field name to a message."""

    def __init__(self, problems: Mapping[str, str], *, record: str = "") -> None:
        self.problems = dict(problems)
        self.record = record
        lines = [f"{field}: {text}" for field, text in self.problems.items()]
        prefix = f"{record} could not be saved. " if record else ""
        super().__init__(prefix + "; ".join(lines))


class ConflictError(UserError):
    """A save was made against a version someone else has already replaced."""

    def __init__(
        self,
        *,
        record: str,
        changed_by: str,
        changed_at: datetime | None,
        expected_version: int,
        current_version: int,
        message: str | None = None,
    ) -> None:
        self.record = record
        self.changed_by = changed_by
        self.changed_at = changed_at
        self.expected_version = expected_version
        self.current_version = current_version
        when = changed_at.strftime("%d %b %Y at %H:%M UTC") if changed_at else "recently"
        super().__init__(
            message
            or f"{record} was changed by {changed_by} on {when} after you opened it. "
            "Your changes were not saved; reload it to see theirs, then make yours again."
        )


class NotFoundError(UserError):
    """The record does not exist (or has been erased)."""


class PermissionDenied(UserError):
    """The acting user may not do this."""


class NothingToUndo(UserError):
    """There is no change of this user's left to undo."""


class EnvironmentProblem(VcsedeskError):
    """The computer, not the person or the program, is in the way."""

    way_forward: str = ""

    def __init__(self, message: str, way_forward: str = "") -> None:
        super().__init__(message)
        self.way_forward = way_forward or self.way_forward


class DiskFull(EnvironmentProblem):
    way_forward = "Free some space on the disk (empty the recycle bin, move large files), then try again."


class ReadOnlyLocation(EnvironmentProblem):
    way_forward = "Choose a data folder you can write to, or ask whoever manages this computer."


class DatabaseBusy(EnvironmentProblem):
    way_forward = "Another program is using the data. Wait a moment and try again."


class DataFolderLocked(EnvironmentProblem):
    """Another vcsedesk process holds the data folder."""

    way_forward = "Switch to the vcsedesk window that is already open, or close it first."


class NotAVcsedeskDatabase(EnvironmentProblem):
    way_forward = "Check that you chose the right file. vcsedesk data files end in .vcsedesk."


class NewerDatabase(EnvironmentProblem):
    way_forward = "Install the newer version of vcsedesk that made this file, or restore an older backup."


class DamagedDatabase(EnvironmentProblem):
    way_forward = "Restore the latest backup with 'vcsedesk restore', or ask for help with the file."
