"""Logging: a rotating file in the platform's log folder, and the recent lines kept in memory
for the crash dialog."""

from __future__ import annotations

import collections
import logging
import logging.handlers
import os
from pathlib import Path

ENV_LOG_DIR = "VCSEDESK_LOG_DIR"
LOG_NAME = "vcsedesk.log"
FORMAT = "%(asctime)s %(levelname)-7s %(threadName)s %(name)s: %(message)s"


class RecentLines(logging.Handler):
    """Keeps the last ``capacity`` formatted log lines."""

    def __init__(self, capacity: int = 300) -> None:
        super().__init__(logging.DEBUG)
        self.lines: collections.deque[str] = collections.deque(maxlen=capacity)
        self.setFormatter(logging.Formatter(FORMAT))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.lines.append(self.format(record))
        except Exception:  # pragma: no cover - logging must never raise
            self.handleError(record)

    def text(self) -> str:
        return "\n".join(self.lines)


recent = RecentLines()


def log_dir() -> Path:
    explicit = os.environ.get(ENV_LOG_DIR)
    if explicit:
        return Path(explicit)
    from vcsedesk.store.location import default_log_dir

    return default_log_dir()


def configure_logging(*, console: bool = False, level: int = logging.INFO) -> Path | None:
    """Send logs to a rotating file (5 x 1 MB) and the in-memory buffer; return the file path.

    If the log folder cannot be written, the app still runs, logging to memory only.
    """
    root = logging.getLogger()
    root.setLevel(level)
    if recent not in root.handlers:
        root.addHandler(recent)
    path: Path | None = log_dir() / LOG_NAME
    assert path is not None
    if not any(isinstance(h, logging.handlers.RotatingFileHandler) for h in root.handlers):
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handler = logging.handlers.RotatingFileHandler(
                path, maxBytes=1_000_000, backupCount=5, encoding="utf-8", delay=True
            )
            handler.setFormatter(logging.Formatter(FORMAT))
            root.addHandler(handler)
        except OSError:
            path = None
    if console and not any(type(h) is logging.StreamHandler for h in root.handlers):
        stream = logging.StreamHandler()
        stream.setFormatter(logging.Formatter(FORMAT))
        root.addHandler(stream)
    return path
