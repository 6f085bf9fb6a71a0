"""One vcsedesk process per data folder: a second one is told who holds it; a dead holder's
lock is cleared."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from vcsedesk.domain.errors import DataFolderLocked
from vcsedesk.store.lock import DataFolderLock, read_holder

HOLD = """
import sys, time
from vcsedesk.store.lock import DataFolderLock
lock = DataFolderLock(__import__("pathlib").Path(sys.argv[1]), program="vcsedesk test-holder").acquire()
print("holding", flush=True)
time.sleep(60)
"""

TRY = """
import sys
from vcsedesk.domain.errors import DataFolderLocked
from vcsedesk.store.lock import DataFolderLock
try:
    lock = DataFolderLock(__import__("pathlib").Path(sys.argv[1])).acquire()
except DataFolderLocked as exc:
    print(exc)
    sys.exit(3)
print("took it", lock.cleared_stale.pid if lock.cleared_stale else "-")
lock.release()
"""


def start_holder(lock_file: Path) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(lock_file)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "holding"
    return proc


def try_in_another_process(lock_file: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", TRY, str(lock_file)], capture_output=True, text=True, timeout=60
    )


@pytest.fixture
def lock_file(tmp_path: Path) -> Path:
    return tmp_path / "data" / "vcsedesk.lock"


@pytest.fixture
def holder(lock_file: Path) -> Iterator[subprocess.Popen[str]]:
    proc = start_holder(lock_file)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        if proc.stdout:
            proc.stdout.close()


def test_second_lock_is_refused_naming_the_holder(lock_file: Path, holder: subprocess.Popen[str]) -> None:
    with pytest.raises(DataFolderLocked) as caught:
        DataFolderLock(lock_file).acquire()

    message = str(caught.value)
    assert f"process {holder.pid}" in message
    assert "vcsedesk test-holder" in message and "this computer" in message
    assert str(lock_file.parent) in message
    assert caught.value.way_forward
    stored = read_holder(lock_file)
    assert stored is not None and stored.pid == holder.pid  # the refusal changed nothing


def test_second_process_is_refused_naming_the_holder(lock_file: Path, holder: subprocess.Popen[str]) -> None:
    result = try_in_another_process(lock_file)
    assert result.returncode == 3, result.stderr
    assert f"process {holder.pid}" in result.stdout


def test_lock_of_a_killed_holder_is_cleared_as_stale(lock_file: Path, holder: subprocess.Popen[str]) -> None:
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    left_behind = read_holder(lock_file)
    assert left_behind is not None and left_behind.pid == holder.pid  # its record is still there

    lock = DataFolderLock(lock_file).acquire()
    try:
        assert lock.cleared_stale is not None
        assert lock.cleared_stale.pid == holder.pid
        assert lock.cleared_stale.program == "vcsedesk test-holder"
        mine = read_holder(lock_file)
        assert mine is not None and mine.pid == os.getpid()
        # and now this process is the one another is told about
        result = try_in_another_process(lock_file)
        assert result.returncode == 3
        assert f"process {os.getpid()}" in result.stdout
    finally:
        lock.release()


def test_release_lets_another_process_take_it(lock_file: Path) -> None:
    with DataFolderLock(lock_file) as lock:
        assert lock.cleared_stale is None
        assert try_in_another_process(lock_file).returncode == 3
    result = try_in_another_process(lock_file)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.split() == ["took", "it", "-"]  # a clean release leaves nothing stale


def test_release_twice_is_harmless(lock_file: Path) -> None:
    lock = DataFolderLock(lock_file).acquire()
    lock.release()
    lock.release()
    again = DataFolderLock(lock_file).acquire()
    again.release()


def test_an_unreadable_holder_record_still_refuses(lock_file: Path, holder: subprocess.Popen[str]) -> None:
    # the holder is mid-write or the file was tampered with: refuse without naming anyone
    with lock_file.open("r+", encoding="utf-8") as fh:
        fh.truncate(0)
        fh.write("{not json")
    with pytest.raises(DataFolderLocked, match="another vcsedesk process"):
        DataFolderLock(lock_file).acquire()


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_a_read_only_folder_is_reported(tmp_path: Path) -> None:
    from vcsedesk.domain.errors import ReadOnlyLocation

    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(ReadOnlyLocation):
            DataFolderLock(folder / "vcsedesk.lock").acquire()
    finally:
        folder.chmod(0o700)
