"""Settings: declared once, typed, stored as JSON with a version, migrated forward."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from vcsedesk import settings
from vcsedesk.settings import SETTINGS, Settings


@pytest.fixture(autouse=True)
def _config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(settings.ENV_CONFIG_DIR, str(tmp_path / "config"))
    return tmp_path / "config"


def test_every_setting_is_declared_once_with_a_default_of_its_type_and_a_label() -> None:
    keys = [s.key for s in SETTINGS]
    assert len(keys) == len(set(keys))
    assert {"window_geometry", "last_area", "backup_after_changes_minutes"} <= set(keys)
    for s in SETTINGS:
        assert s.accepts(s.default), s.key
        assert s.label


def test_a_new_installation_gets_the_defaults(tmp_path: Path) -> None:
    loaded = Settings.load()
    assert loaded.path == tmp_path / "config" / settings.FILE_NAME
    assert loaded.as_dict() == {s.key: s.default for s in SETTINGS}
    assert loaded.version == settings.CURRENT_VERSION


def test_values_survive_a_save_and_load_and_the_file_says_its_version() -> None:
    first = Settings.load()
    first.set("last_area", "organisation")
    first.set("backup_after_changes_minutes", 15)
    first.save()
    data = json.loads(first.path.read_text(encoding="utf-8"))
    assert data["version"] == settings.CURRENT_VERSION
    again = Settings.load()
    assert again.get("last_area") == "organisation"
    assert again.get("backup_after_changes_minutes") == 15


def test_setting_a_value_of_the_wrong_type_is_refused() -> None:
    loaded = Settings.load()
    with pytest.raises(TypeError):
        loaded.set("backup_after_changes_minutes", "ten")
    with pytest.raises(TypeError):
        loaded.set("backup_after_changes_minutes", True)
    with pytest.raises(KeyError):
        loaded.set("no_such_setting", 1)


def test_a_wrong_typed_value_in_the_file_falls_back_to_the_default(_config_dir: Path) -> None:
    _config_dir.mkdir(parents=True)
    (_config_dir / settings.FILE_NAME).write_text(
        json.dumps({"version": 1, "backup_after_changes_minutes": "soon", "last_area": "history"})
    )
    loaded = Settings.load()
    assert loaded.get("backup_after_changes_minutes") == 5


@pytest.mark.parametrize("content", ["{not json", "[1, 2]", "\x00\x01"])
def test_an_unreadable_file_gives_defaults_and_is_kept_aside(_config_dir: Path, content: str) -> None:
    _config_dir.mkdir(parents=True)
    path = _config_dir / settings.FILE_NAME
    path.write_text(content)
    loaded = Settings.load()
    assert loaded.as_dict() == {s.key: s.default for s in SETTINGS}
    if content.startswith("{") or content.startswith("\x00"):
        assert (_config_dir / "settings.json.bad").read_text() == content
    loaded.save()
    assert Settings.load().as_dict() == loaded.as_dict()


def test_an_unversioned_file_is_migrated_from_version_0(_config_dir: Path) -> None:
    _config_dir.mkdir(parents=True)
    (_config_dir / settings.FILE_NAME).write_text(json.dumps({"geometry": "AAAA", "area": "organisation"}))
    loaded = Settings.load()
    assert loaded.get("window_geometry") == "AAAA"
    assert loaded.get("last_area") == "organisation"
    assert loaded.version == settings.CURRENT_VERSION


def test_migrations_run_one_version_at_a_time_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []

    def step(n: int) -> Any:
        def run(data: dict[str, Any]) -> dict[str, Any]:
            calls.append(n)
            return data | {f"step{n}": True}

        return run

    monkeypatch.setattr(settings, "CURRENT_VERSION", 3)
    monkeypatch.setattr(settings, "MIGRATIONS", {0: step(0), 1: step(1), 2: step(2)})
    migrated = settings.migrate({"version": 1, "last_area": "history"})
    assert calls == [1, 2]
    assert migrated == {"version": 3, "last_area": "history", "step1": True, "step2": True}


def test_a_missing_migration_is_a_bug_not_silence(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings, "CURRENT_VERSION", 2)
    with pytest.raises(RuntimeError):
        settings.migrate({"version": 1})


def test_a_file_from_a_newer_vcsedesk_keeps_its_version_and_unknown_keys(_config_dir: Path) -> None:
    _config_dir.mkdir(parents=True)
    path = _config_dir / settings.FILE_NAME
    path.write_text(json.dumps({"version": 99, "last_area": "organisation", "future_thing": [1]}))
    loaded = Settings.load()
    assert loaded.get("last_area") == "organisation"
    loaded.set("last_area", "history")
    loaded.save()
    data = json.loads(path.read_text())
    assert data == {"version": 99, "last_area": "history", "future_thing": [1]}


def test_settings_import_no_qt() -> None:
    import subprocess
    import sys

    code = "import sys, vcsedesk.settings; print('PySide6' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
