"""Where an organisation's data lives on this computer, and whether that place is safe.

A data folder holds the SQLite file, its backups, the single-instance lock and this
installation's identity.  A live SQLite file must not sit on a network share or inside a
cloud-sync folder: their file locking and partial syncing corrupt databases.
"""

from __future__ import annotations

import json
import os
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path, PurePath

DB_FILENAME = "vcsedesk.vcsedesk"
ENV_DATA_DIR = "VCSEDESK_DATA_DIR"
ENV_DB_URL = "VCSEDESK_DB_URL"

NETWORK_FILESYSTEMS = frozenset(
    {
        "nfs",
        "nfs4",
        "cifs",
        "smbfs",
        "smb3",
        "afs",
        "ncpfs",
        "9p",
        "davfs",
        "fuse.sshfs",
        "fuse.davfs2",
        "fuse.rclone",
        "fuse.s3fs",
        "fuse.gcsfuse",
        "ceph",
        "glusterfs",
        "lustre",
    }
)
#: Folder names that cloud-sync clients create and watch.
CLOUD_SYNC_NAMES = (
    "dropbox",
    "onedrive",
    "google drive",
    "googledrive",
    "my drive",
    "icloud drive",
    "icloud~",
    "mobile documents",
    "box",
    "box sync",
    "pcloud",
    "pcloud drive",
    "nextcloud",
    "owncloud",
    "mega",
    "megasync",
    "sync.com",
    "seafile",
    "tresorit",
    "syncthing",
)
CLOUD_SYNC_MARKERS = (".dropbox", ".dropbox.cache", ".sync", ".stfolder", ".owncloudsync.log")


def default_data_dir() -> Path:
    from platformdirs import user_data_path

    return user_data_path("vcsedesk", appauthor=False, roaming=False)


def default_log_dir() -> Path:
    from platformdirs import user_log_path

    return user_log_path("vcsedesk", appauthor=False)


@dataclass(frozen=True)
class DataFolder:
    """The files in one data folder."""

    root: Path

    @classmethod
    def resolve(cls, explicit: str | os.PathLike[str] | None = None) -> DataFolder:
        """``--data-dir``, else $VCSEDESK_DATA_DIR, else the platform's user data folder."""
        chosen = explicit or os.environ.get(ENV_DATA_DIR) or default_data_dir()
        return cls(Path(chosen).expanduser().absolute())

    @property
    def database(self) -> Path:
        return self.root / DB_FILENAME

    @property
    def backups(self) -> Path:
        return self.root / "backups"

    @property
    def lock_file(self) -> Path:
        return self.root / "vcsedesk.lock"

    @property
    def installation_file(self) -> Path:
        return self.root / "installation.json"

    @property
    def drafts(self) -> Path:
        return self.root / "drafts"

    def create(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.backups.mkdir(exist_ok=True)

    def database_url(self, explicit: str | None = None) -> str:
        """``--db``, else $VCSEDESK_DB_URL, else the SQLite file in this folder."""
        from vcsedesk.store.database import sqlite_url

        return explicit or os.environ.get(ENV_DB_URL) or sqlite_url(self.database)

    # -- this installation ---------------------------------------------------------------
    def installation(self) -> dict[str, str]:
        try:
            data = json.loads(self.installation_file.read_text(encoding="utf-8"))
            return data if isinstance(data, dict) else {}
        except (FileNotFoundError, ValueError):
            return {}

    def save_installation(self, **values: str) -> None:
        data = self.installation() | values
        tmp = self.installation_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=2), encoding="utf-8")
        os.replace(tmp, self.installation_file)

    def device_id(self) -> uuid.UUID:
        """This installation's device id, made on first use and kept in the data folder."""
        known = self.installation().get("device_id")
        if known:
            return uuid.UUID(known)
        made = uuid.uuid4()
        self.save_installation(device_id=str(made))
        return made


def _mounts() -> list[tuple[str, str]]:
    """(mount point, filesystem type) pairs on Linux; empty elsewhere."""
    try:
        text = Path("/proc/mounts").read_text(encoding="utf-8")
    except OSError:
        return []
    out = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) >= 3:
            out.append((parts[1].replace("\\040", " "), parts[2]))
    return out


def filesystem_type(path: Path, mounts: list[tuple[str, str]] | None = None) -> str | None:
    mounts = _mounts() if mounts is None else mounts
    best: tuple[int, str] | None = None
    target = str(path)
    for point, fstype in mounts:
        inside = target == point or target.startswith(point.rstrip("/") + "/")
        if inside and (best is None or len(point) > best[0]):
            best = (len(point), fstype)
    return best[1] if best else None


def _windows_drive_is_remote(path: Path) -> bool:  # pragma: no cover - Windows only
    import ctypes

    drive = path.drive
    if drive.startswith("\\\\"):
        return True
    drive_remote = 4
    return bool(ctypes.windll.kernel32.GetDriveTypeW(drive + "\\") == drive_remote)  # type: ignore[attr-defined]


def location_warnings(path: Path, mounts: list[tuple[str, str]] | None = None) -> list[str]:
    """Plain warnings if ``path`` is on a network share or inside a cloud-sync folder."""
    warnings = []
    path = path.absolute()
    if sys.platform == "win32":  # pragma: no cover - Windows only
        if _windows_drive_is_remote(path):
            warnings.append(f"{path} is on a network drive.")
    else:
        fstype = filesystem_type(path, mounts)
        if fstype and (fstype in NETWORK_FILESYSTEMS or fstype.startswith("fuse.sshfs")):
            warnings.append(f"{path} is on a network share ({fstype}).")
    synced = cloud_sync_folder(path)
    if synced:
        warnings.append(f"{path} is inside the cloud-sync folder {synced}.")
    if warnings:
        warnings.append(
            "A database there can be damaged by the network or the sync program. Keep the data "
            "folder on this computer's own disk (the default), and let vcsedesk's backups be synced instead."
        )
    return warnings


def cloud_sync_folder(path: Path) -> PurePath | None:
    """The enclosing folder that a cloud-sync client looks after, if any."""
    parts = PurePath(path).parts
    for i, part in enumerate(parts):
        lowered = part.lower()
        if any(
            lowered == n or lowered.startswith(n + " ") or lowered.startswith(n + "-")
            for n in CLOUD_SYNC_NAMES
        ):
            return PurePath(*parts[: i + 1])
    probe = Path(path)
    for folder in [probe, *probe.parents]:
        try:
            if any((folder / marker).exists() for marker in CLOUD_SYNC_MARKERS):
                return folder
        except OSError:
            return None
    return None
