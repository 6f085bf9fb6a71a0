"""What makes a file a vcsedesk data file.  Standard library only: the app's start-up reads
this before the database layer is loaded."""

from __future__ import annotations

from pathlib import Path

#: PRAGMA application_id for vcsedesk files: "VCSD" as a big-endian 32-bit integer.
APPLICATION_ID = 0x56435344
SQLITE_HEADER = b"SQLite format 3\x00"
#: The newest schema revision (Alembic) this version writes.  A test checks it against the
#: migrations folder, so it cannot drift; knowing it here lets start-up tell "up to date"
#: without loading Alembic.
SCHEMA_HEAD = "0007"


def readonly_uri(path: Path) -> str:
    """A ``file:`` URI opening ``path`` read-only with ``sqlite3.connect(..., uri=True)``.

    The path is percent-encoded: a bare ``#``, ``?`` or ``%`` in a folder name would otherwise
    be read as URI syntax, and SQLite would open (and create) some other, empty file.
    """
    return path.absolute().as_uri() + "?mode=ro"
