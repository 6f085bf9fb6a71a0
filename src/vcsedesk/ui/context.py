"""What every page shares: the data folder, the open database, who is acting, the worker and
the change hub.  Plain Python, and no SQLAlchemy import: the start-up path goes through here."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vcsedesk.services.base import Actor
    from vcsedesk.settings import Settings
    from vcsedesk.store.database import Database
    from vcsedesk.store.location import DataFolder
    from vcsedesk.ui.changes import ChangeHub
    from vcsedesk.ui.worker import Worker

log = logging.getLogger(__name__)

ENV_STARTUP_PROBE = "VCSEDESK_STARTUP_PROBE"


class StartupProbe:
    """Notes when start-up milestones happened (absolute ``time.time()``), for the benchmark.

    Each milestone is written once, as ``<name> <seconds since the epoch>`` on its own line,
    appended to the file named by $VCSEDESK_STARTUP_PROBE.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.seen: set[str] = set()

    def mark(self, name: str) -> bool:
        """Record ``name`` now, unless already recorded; True if it was recorded now."""
        if name in self.seen:
            return False
        now = time.time()
        self.seen.add(name)
        try:
            with self.path.open("a", encoding="utf-8") as fh:
                fh.write(f"{name} {now:.6f}\n")
        except OSError as exc:  # the app must not fail for its benchmark hook
            log.warning("Could not write the start-up probe %s: %s", self.path, exc)
        return True


@dataclass
class AppContext:
    folder: DataFolder
    settings: Settings
    worker: Worker
    hub: ChangeHub
    log_file: Path | None = None
    probe: StartupProbe | None = None
    db: Database | None = None
    actor: Actor | None = None

    @property
    def database(self) -> Database:
        if self.db is None:
            raise RuntimeError("the database is not open yet")
        return self.db

    @property
    def acting(self) -> Actor:
        if self.actor is None:
            raise RuntimeError("nobody is acting yet")
        return self.actor
