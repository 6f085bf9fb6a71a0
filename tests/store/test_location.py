"""Where the data lives: which folder and database are chosen, and warnings about unsafe places."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from vcsedesk.store import location
from vcsedesk.store.database import sqlite_path
from vcsedesk.store.location import (
    ENV_DATA_DIR,
    ENV_DB_URL,
    DataFolder,
    cloud_sync_folder,
    filesystem_type,
    location_warnings,
)

LOCAL = [("/", "ext4"), ("/home", "btrfs"), ("/boot", "vfat")]


# -- network shares ----------------------------------------------------------------------------------
@pytest.mark.parametrize("fstype", ["nfs", "nfs4", "cifs", "smb3", "fuse.sshfs"])
def test_network_share_is_warned_about(fstype: str) -> None:
    mounts = [*LOCAL, ("/mnt/office share", fstype)]
    warnings = location_warnings(Path("/mnt/office share/vcsedesk"), mounts)
    assert warnings[0] == f"/mnt/office share/vcsedesk is on a network share ({fstype})."
    assert "this computer's own disk" in warnings[-1]
    assert len(warnings) == 2


def test_the_innermost_mount_decides() -> None:
    mounts = [*LOCAL, ("/mnt", "nfs4"), ("/mnt/local", "ext4")]
    assert location_warnings(Path("/mnt/local/vcsedesk"), mounts) == []
    assert filesystem_type(Path("/mnt/local/vcsedesk"), mounts) == "ext4"
    assert filesystem_type(Path("/mnt/other"), mounts) == "nfs4"


def test_a_mount_point_is_not_a_prefix_of_a_sibling() -> None:
    mounts = [*LOCAL, ("/mnt/share", "cifs")]
    assert location_warnings(Path("/mnt/shared-locally/vcsedesk"), mounts) == []
    assert location_warnings(Path("/mnt/share"), mounts) != []


def test_a_local_disk_gives_no_warning(tmp_path: Path) -> None:
    assert location_warnings(tmp_path / "data", LOCAL) == []


def test_the_real_mount_table_is_read(tmp_path: Path) -> None:
    # whatever the machine, the answer is a filesystem type (or None off Linux)
    found = filesystem_type(tmp_path)
    if Path("/proc/mounts").exists():
        assert isinstance(found, str) and found


# -- cloud-sync folders --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "synced", ["Dropbox", "OneDrive - Contoso", "OneDrive", "Google Drive", "iCloud Drive", "Box Sync"]
)
def test_cloud_sync_folder_by_name(tmp_path: Path, synced: str) -> None:
    data = tmp_path / synced / "Charity" / "vcsedesk"
    warnings = location_warnings(data, LOCAL)
    assert warnings[0] == f"{data} is inside the cloud-sync folder {tmp_path / synced}."
    assert "sync program" in warnings[-1]
    assert cloud_sync_folder(data) == tmp_path / synced


@pytest.mark.parametrize("marker", [".dropbox", ".stfolder"])
def test_cloud_sync_folder_by_marker_file(tmp_path: Path, marker: str) -> None:
    synced = tmp_path / "Work files"
    (synced / "Charity").mkdir(parents=True)
    (synced / marker).write_text("", encoding="utf-8")
    data = synced / "Charity" / "vcsedesk"
    warnings = location_warnings(data, LOCAL)
    assert warnings[0] == f"{data} is inside the cloud-sync folder {synced}."


@pytest.mark.parametrize("name", ["Documents", "Dropboxes-old-notes", "Drive", "OneDriveBackup"])
def test_an_ordinary_folder_gives_no_warning(tmp_path: Path, name: str) -> None:
    data = tmp_path / name / "vcsedesk"
    data.mkdir(parents=True)
    assert cloud_sync_folder(data) is None
    assert location_warnings(data, LOCAL) == []


def test_network_and_cloud_together_give_both_warnings(tmp_path: Path) -> None:
    data = tmp_path / "Dropbox" / "vcsedesk"
    warnings = location_warnings(data, [*LOCAL, (str(tmp_path), "cifs")])
    assert len(warnings) == 3
    assert "network share (cifs)" in warnings[0] and "cloud-sync" in warnings[1]


# -- which folder, which database ------------------------------------------------------------------------
def test_data_folder_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(location, "default_data_dir", lambda: tmp_path / "platform")
    monkeypatch.setenv(ENV_DATA_DIR, str(tmp_path / "from-env"))

    assert DataFolder.resolve(tmp_path / "explicit").root == tmp_path / "explicit"
    assert DataFolder.resolve(str(tmp_path / "explicit")).root == tmp_path / "explicit"
    assert DataFolder.resolve().root == tmp_path / "from-env"
    monkeypatch.delenv(ENV_DATA_DIR)
    assert DataFolder.resolve().root == tmp_path / "platform"
    assert DataFolder.resolve(None).root == tmp_path / "platform"


def test_data_folder_is_made_absolute_and_expands_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    assert DataFolder.resolve("~/charity").root == tmp_path / "charity"
    assert DataFolder.resolve("relative").root == tmp_path / "relative"


def test_platform_default_is_a_vcsedesk_user_data_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_DATA_DIR)
    root = DataFolder.resolve().root
    assert root.is_absolute() and root.name == "vcsedesk"


def test_database_url_precedence(folder: DataFolder, monkeypatch: pytest.MonkeyPatch) -> None:
    given = "postgresql+psycopg://sam@db.example/charity"
    from_env = "postgresql+psycopg://env@db.example/charity"
    monkeypatch.setenv(ENV_DB_URL, from_env)
    assert folder.database_url(given) == given
    assert folder.database_url() == from_env
    monkeypatch.delenv(ENV_DB_URL)
    assert sqlite_path(folder.database_url()) == folder.root / "vcsedesk.vcsedesk"


def test_folder_layout(folder: DataFolder) -> None:
    assert folder.backups.is_dir()
    assert {folder.database.parent, folder.lock_file.parent, folder.installation_file.parent} == {folder.root}


# -- this installation ------------------------------------------------------------------------------------
def test_device_id_is_made_once_and_kept(folder: DataFolder) -> None:
    first = folder.device_id()
    assert isinstance(first, uuid.UUID)
    assert folder.device_id() == first
    assert DataFolder(folder.root).device_id() == first  # a later launch
    assert folder.installation()["device_id"] == str(first)


def test_device_ids_differ_between_folders(tmp_path: Path) -> None:
    one, two = DataFolder(tmp_path / "one"), DataFolder(tmp_path / "two")
    one.create()
    two.create()
    assert one.device_id() != two.device_id()


def test_saving_installation_keeps_other_values(folder: DataFolder) -> None:
    device = folder.device_id()
    folder.save_installation(user_id="u-1")
    assert folder.installation() == {"device_id": str(device), "user_id": "u-1"}
    assert folder.device_id() == device


def test_a_damaged_installation_file_is_replaced(folder: DataFolder) -> None:
    folder.installation_file.write_text("{not json", encoding="utf-8")
    assert folder.installation() == {}
    made = folder.device_id()
    assert folder.device_id() == made
