"""GUI smoke test: the real ``vcsedesk`` command on a real X server (Xvfb).

Starts Xvfb on a free display, loads small demo data, launches the app as a user would
(``python -m vcsedesk --data-dir …`` on Qt's xcb platform), waits for the main window and the
first page of records to paint, and saves a screenshot (to $VCSEDESK_ARTIFACTS when set).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest


@contextlib.contextmanager
def xvfb_display() -> Iterator[str]:
    binary = shutil.which("Xvfb")
    if binary is None:
        if os.environ.get("VCSEDESK_REQUIRE_XVFB"):
            pytest.fail("Xvfb is required here (VCSEDESK_REQUIRE_XVFB is set) but was not found")
        pytest.skip("Xvfb is not installed")
    read_fd, write_fd = os.pipe()
    server = subprocess.Popen(
        [binary, "-displayfd", str(write_fd), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        pass_fds=(write_fd,),
        stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    try:
        with os.fdopen(read_fd) as fh:
            number = fh.readline().strip()
        assert number, "Xvfb did not report a display number"
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_the_app_opens_on_xvfb_and_paints_records(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = dict(os.environ)
    env.pop("QT_QPA_PLATFORM", None)
    env |= {"VCSEDESK_LOG_DIR": str(tmp_path / "logs"), "VCSEDESK_CONFIG_DIR": str(tmp_path / "config")}
    subprocess.run(
        [sys.executable, "-m", "vcsedesk", "--data-dir", str(data), "demo", "--size", "small"],
        env=env,
        check=True,
        timeout=120,
    )
    artifacts = Path(os.environ.get("VCSEDESK_ARTIFACTS", tmp_path))
    artifacts.mkdir(parents=True, exist_ok=True)
    screenshot = artifacts / "smoke-main-window.png"
    screenshot.unlink(missing_ok=True)
    probe = tmp_path / "probe.txt"
    with xvfb_display() as display:
        env |= {
            "DISPLAY": display,
            "QT_QPA_PLATFORM": "xcb",
            "VCSEDESK_STARTUP_PROBE": str(probe),
            "VCSEDESK_SCREENSHOT": str(screenshot),
        }
        done = subprocess.run(
            [sys.executable, "-m", "vcsedesk", "--data-dir", str(data)],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode == 0, done.stderr
    marks = [line.split()[0] for line in probe.read_text().splitlines()]
    assert marks[:2] == ["window_painted", "records_painted"]
    assert screenshot.stat().st_size > 10_000, "the screenshot is implausibly small"

    from PySide6.QtGui import QImage

    image = QImage(str(screenshot))
    assert not image.isNull() and image.width() >= 800
    colours = {image.pixel(x, y) for x in range(0, image.width(), 37) for y in range(0, image.height(), 23)}
    assert len(colours) > 20, "the screenshot is nearly blank"
