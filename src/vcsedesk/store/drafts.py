"""Crash-safe drafts of forms: what someone was typing survives a crash or a power cut.

A draft is a small JSON file in the data folder's ``drafts/`` folder (``DataFolder.drafts``),
one per kind of form and user: ``<kind>--<user id>.json``.  Saving writes a temporary file
beside it, flushes and fsyncs it, renames it over the old one (``os.replace`` is atomic) and
fsyncs the folder where the system allows, so after a crash the file is either the old draft
or the new one, never half of each.  A file damaged some other way (a disk error, a hand
edit) is moved aside to ``*.damaged`` and treated as no draft: opening a form never fails
because of its draft.

Values must be JSON (strings, numbers, booleans, None, lists, dicts): a form turns its ids and
dates into strings itself.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

FORMAT = 1
SUFFIX = ".json"
DAMAGED = ".damaged"
#: A temporary file older than this (seconds) was left by a save that never finished.
STALE_TEMP_SECONDS = 60.0
_KIND = re.compile(r"^[a-z0-9][a-z0-9-]{0,60}$")


@dataclass(frozen=True)
class Draft:
    kind: str
    owner: uuid.UUID
    values: dict[str, Any]
    #: When it was saved (UTC).
    saved_at: datetime


class DraftStore:
    """The drafts kept in ``folder`` (normally ``DataFolder.drafts``)."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    # -- names --------------------------------------------------------------------------------
    def path(self, kind: str, owner: uuid.UUID) -> Path:
        if not _KIND.match(kind):
            raise ValueError(f"a draft kind is lower-case letters, digits and hyphens, not {kind!r}")
        return self.folder / f"{kind}--{owner}{SUFFIX}"

    # -- writing ------------------------------------------------------------------------------
    def save(self, kind: str, owner: uuid.UUID, values: dict[str, Any]) -> None:
        """Keep ``values`` as the (kind, owner) draft, replacing the last one atomically."""
        target = self.path(kind, owner)
        payload = {
            "format": FORMAT,
            "kind": kind,
            "owner": str(owner),
            "saved_at": datetime.now(UTC).isoformat(),
            "values": values,
        }
        data = json.dumps(payload, ensure_ascii=False, allow_nan=False).encode("utf-8")
        self.folder.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=self.folder, prefix=f".{target.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(temp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                Path(temp).unlink()
            raise
        self._sync_folder()
        self._clear_stale_temps(target)

    def discard(self, kind: str, owner: uuid.UUID) -> None:
        """Forget the (kind, owner) draft (nothing happens if there is none)."""
        self.path(kind, owner).unlink(missing_ok=True)
        self._sync_folder()

    # -- reading ------------------------------------------------------------------------------
    def load(self, kind: str, owner: uuid.UUID) -> Draft | None:
        """The (kind, owner) draft, or None if there is none or it is damaged (moved aside)."""
        return self._read(self.path(kind, owner), kind, owner)

    def pending(self, owner: uuid.UUID) -> list[Draft]:
        """Every draft of ``owner``'s, newest first."""
        try:
            paths = sorted(self.folder.glob(f"*--{owner}{SUFFIX}"))
        except OSError:
            return []
        out = []
        for path in paths:
            kind = path.name[: -len(f"--{owner}{SUFFIX}")]
            if not _KIND.match(kind):
                continue
            draft = self._read(path, kind, owner)
            if draft is not None:
                out.append(draft)
        out.sort(key=lambda d: d.saved_at, reverse=True)
        return out

    def _read(self, path: Path, kind: str, owner: uuid.UUID) -> Draft | None:
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            log.warning("Could not read the draft %s: %s", path, exc)
            return None
        try:
            payload = json.loads(raw.decode("utf-8"))
            if not isinstance(payload, dict) or payload.get("format") != FORMAT:
                raise ValueError("not a draft")
            values = payload["values"]
            if not isinstance(values, dict):
                raise ValueError("values are not an object")
            if payload["kind"] != kind or uuid.UUID(str(payload["owner"])) != owner:
                raise ValueError("the draft belongs to another form or person")
            saved_at = datetime.fromisoformat(str(payload["saved_at"]))
            if saved_at.tzinfo is None:
                saved_at = saved_at.replace(tzinfo=UTC)
        except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
            self._move_aside(path, exc)
            return None
        return Draft(kind, owner, values, saved_at)

    # -- housekeeping -------------------------------------------------------------------------
    def _move_aside(self, path: Path, why: Exception) -> None:
        aside = path.with_name(path.name + DAMAGED)
        log.warning("The draft %s is damaged (%s); moved aside to %s", path, why, aside.name)
        try:
            os.replace(path, aside)
        except OSError as exc:
            log.warning("Could not move the damaged draft %s aside: %s", path, exc)
            with contextlib.suppress(OSError):
                path.unlink()
        self._sync_folder()

    def _sync_folder(self) -> None:
        """Make the rename itself durable (POSIX; Windows cannot open a folder for this)."""
        if os.name == "nt":
            return
        try:
            fd = os.open(self.folder, os.O_RDONLY)
        except OSError:
            return
        try:
            os.fsync(fd)
        except OSError:
            pass
        finally:
            os.close(fd)

    def _clear_stale_temps(self, target: Path) -> None:
        """Remove temporary files an interrupted save of this draft left behind."""
        cutoff = time.time() - STALE_TEMP_SECONDS
        for temp in self.folder.glob(f".{target.name}.*.tmp"):
            with contextlib.suppress(OSError):
                if temp.stat().st_mtime < cutoff:
                    temp.unlink()
