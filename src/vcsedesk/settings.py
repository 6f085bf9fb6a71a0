"""This installation's preferences, declared once and kept as JSON in the config folder.

Every setting is declared in :data:`SETTINGS` with its key, type, default and a label for a
person.  The file records the format ``version`` it was written in; :func:`migrate` brings an
older file forward one version at a time through :data:`MIGRATIONS` (after Picard's
``picard/options.py`` and Vorta's ``store/settings.py``).  A value of the wrong type, an
unknown key or an unreadable file never stops the app: the default is used instead, and an
unreadable file is kept aside (``settings.json.bad``) for inspection.

No Qt here: the UI stores what it needs (window geometry as base64 text, for instance).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

ENV_CONFIG_DIR = "VCSEDESK_CONFIG_DIR"
FILE_NAME = "settings.json"

#: The format version this vcsedesk writes.
CURRENT_VERSION = 1


@dataclass(frozen=True)
class Setting:
    """One preference: its key in the file, Python type, default and a label for a person."""

    key: str
    type: type
    default: Any
    label: str

    def accepts(self, value: object) -> bool:
        if self.type is int:  # bool is an int to Python, not to us
            return isinstance(value, int) and not isinstance(value, bool)
        if self.type is float:
            return isinstance(value, int | float) and not isinstance(value, bool)
        return isinstance(value, self.type)


SETTINGS: tuple[Setting, ...] = (
    Setting("window_geometry", str, "", "Main window position and size"),
    Setting("window_state", str, "", "Main window layout"),
    Setting("last_area", str, "history", "Area shown when vcsedesk last closed"),
    Setting("backup_after_changes_minutes", int, 5, "Back up after changes, checking every (minutes)"),
)
BY_KEY: dict[str, Setting] = {s.key: s for s in SETTINGS}


# -- migrations ------------------------------------------------------------------------------
def _from_v0(data: dict[str, Any]) -> dict[str, Any]:
    """Version 0: an unversioned file (vcsedesk before 0.1) that used short key names."""
    renamed = {"geometry": "window_geometry", "state": "window_state", "area": "last_area"}
    return {renamed.get(k, k): v for k, v in data.items()}


#: ``MIGRATIONS[n]`` turns a version-``n`` mapping into a version-``n + 1`` one.
MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {0: _from_v0}


def migrate(data: Mapping[str, Any]) -> dict[str, Any]:
    """Bring a settings mapping up to :data:`CURRENT_VERSION`, one version at a time.

    A file from a newer vcsedesk is returned as it is (its known keys are still used).
    """
    values = dict(data)
    version = values.pop("version", 0)
    if not isinstance(version, int) or isinstance(version, bool) or version < 0:
        log.warning("Settings file has an unreadable version %r; treating it as version 0", version)
        version = 0
    while version < CURRENT_VERSION:
        step = MIGRATIONS.get(version)
        if step is None:
            raise RuntimeError(f"no settings migration from version {version}")
        values = step(values)
        version += 1
    values["version"] = version
    return values


def config_dir() -> Path:
    """$VCSEDESK_CONFIG_DIR, else the platform's user config folder for vcsedesk."""
    explicit = os.environ.get(ENV_CONFIG_DIR)
    if explicit:
        return Path(explicit)
    from platformdirs import user_config_path

    return user_config_path("vcsedesk", appauthor=False, roaming=True)


class Settings:
    """The loaded settings.  ``get`` always returns a value of the declared type."""

    def __init__(self, path: Path, values: Mapping[str, Any] | None = None) -> None:
        self.path = path
        self._values: dict[str, Any] = dict(values or {})

    @classmethod
    def load(cls, path: Path | None = None) -> Settings:
        path = path or config_dir() / FILE_NAME
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls(path, {"version": CURRENT_VERSION})
        except (OSError, ValueError) as exc:
            log.warning("Settings file %s could not be read (%s); using defaults", path, exc)
            with contextlib.suppress(OSError):
                os.replace(path, path.with_name(path.name + ".bad"))
            return cls(path, {"version": CURRENT_VERSION})
        if not isinstance(raw, dict):
            log.warning("Settings file %s does not hold a mapping; using defaults", path)
            return cls(path, {"version": CURRENT_VERSION})
        return cls(path, migrate(raw))

    @property
    def version(self) -> int:
        version = self._values.get("version", CURRENT_VERSION)
        return version if isinstance(version, int) else CURRENT_VERSION

    def get(self, key: str) -> Any:
        setting = BY_KEY[key]
        value = self._values.get(key, setting.default)
        if not setting.accepts(value):
            log.warning("Setting %s has a value of the wrong type (%r); using the default", key, value)
            return setting.default
        return value

    def set(self, key: str, value: Any) -> None:
        setting = BY_KEY[key]
        if not setting.accepts(value):
            raise TypeError(f"setting {key} takes a {setting.type.__name__}, not {type(value).__name__}")
        self._values[key] = value

    def reset(self, key: str) -> None:
        self._values.pop(BY_KEY[key].key, None)

    def as_dict(self) -> dict[str, Any]:
        """Every declared setting's current value."""
        return {s.key: self.get(s.key) for s in SETTINGS}

    def save(self) -> None:
        """Write atomically; keys this version does not know (from a newer one) are kept."""
        data = dict(self._values)
        data["version"] = max(self.version, CURRENT_VERSION)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps(data, indent=2, sort_keys=True), encoding="utf-8")
        os.replace(tmp, self.path)
