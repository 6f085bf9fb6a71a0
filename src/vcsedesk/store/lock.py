"""One vcsedesk process per data folder.

The lock is an OS advisory lock (``fcntl.flock`` on POSIX, ``msvcrt.locking`` on Windows) on
a small file that also records who holds it.  The operating system drops such a lock when its
process dies, however it dies, so a lock left behind by a crash is stale by construction: the
next launch takes it and says so in the log.  (The ``filelock`` package locks the same way
but has no place for the holder's details, which a second launch must report.)
"""

from __future__ import annotations

import json
import logging
import os
import socket
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from vcsedesk.domain.errors import DataFolderLocked, ReadOnlyLocation

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Holder:
    pid: int
    host: str
    since: str
    program: str

    def describe(self) -> str:
        where = "this computer" if self.host == socket.gethostname() else self.host
        return f"{self.program} (process {self.pid} on {where}, since {self.since})"


def _try_lock(fh: IO[Any]) -> bool:
    if sys.platform == "win32":  # pragma: no cover - Windows only
        import msvcrt

        try:
            msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def read_holder(path: Path) -> Holder | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8") or "{}")
        return Holder(
            int(data["pid"]),
            str(data["host"]),
            str(data["since"]),
            str(data.get("program", "vcsedesk")),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


class DataFolderLock:
    """Hold the data folder for this process; ``release`` (or exit) lets it go."""

    def __init__(self, path: Path, program: str = "vcsedesk") -> None:
        self.path = path
        self.program = program
        self._fh: IO[Any] | None = None
        self.cleared_stale: Holder | None = None

    def acquire(self) -> DataFolderLock:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fh = self.path.open("a+", encoding="utf-8")
        except PermissionError as exc:
            raise ReadOnlyLocation(f"The data folder {self.path.parent} cannot be written to.") from exc
        if not _try_lock(fh):
            fh.close()
            holder = read_holder(self.path)
            who = holder.describe() if holder else "another vcsedesk process"
            raise DataFolderLocked(f"The data folder {self.path.parent} is already in use by {who}.")
        previous = read_holder(self.path)
        if previous is not None and previous.pid != os.getpid():
            self.cleared_stale = previous
            log.warning("Cleared a stale lock left by %s", previous.describe())
        me = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "since": datetime.now(UTC).astimezone().strftime("%d %b %Y %H:%M"),
            "program": self.program,
        }
        fh.seek(0)
        fh.truncate()
        fh.write(json.dumps(me))
        fh.flush()
        self._fh = fh
        return self

    def release(self) -> None:
        if self._fh is None:
            return
        try:
            self._fh.seek(0)
            self._fh.truncate()
            self._fh.flush()
        finally:
            self._fh.close()  # closing drops the OS lock
            self._fh = None

    def __enter__(self) -> DataFolderLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()
