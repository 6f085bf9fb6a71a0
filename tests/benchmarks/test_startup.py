"""Start-up on the ``large`` demo database against a bare PySide6 QMainWindow start.

Both are whole new processes timed from just before they are spawned, on the same
platform plugin, alternating, several times; medians are compared:

* the vcsedesk main window painted — target within 2x the bare window (heavy imports such
  as SQLAlchemy, openpyxl and reportlab stay off that path);
* the first page of records painted — target within 4x the bare window.

The app reports both moments through VCSEDESK_STARTUP_PROBE (see vcsedesk.ui.app).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.benchmark

RUNS = 7

BARE = textwrap.dedent(
    """
    import sys, time
    from PySide6.QtCore import QObject, QEvent, QTimer
    from PySide6.QtWidgets import QApplication, QMainWindow

    probe = sys.argv[1]
    app = QApplication(sys.argv)

    class FirstPaint(QObject):
        def eventFilter(self, obj, event):
            if event.type() == QEvent.Type.Paint:
                with open(probe, "a") as fh:
                    fh.write(f"window_painted {time.time()}\\n")
                obj.removeEventFilter(self)
                QTimer.singleShot(0, app.quit)
            return False

    window = QMainWindow()
    window.setWindowTitle("bare")
    window.resize(1100, 700)
    watcher = FirstPaint()
    window.installEventFilter(watcher)
    window.show()
    sys.exit(app.exec())
    """
)


def _env(tmp: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["VCSEDESK_LOG_DIR"] = str(tmp / "logs")
    env["VCSEDESK_CONFIG_DIR"] = str(tmp / "config")
    return env


def _read_probe(path: Path) -> dict[str, float]:
    marks = {}
    for line in path.read_text().splitlines():
        name, value = line.split()
        marks.setdefault(name, float(value))
    return marks


def _timed(cmd: list[str], probe: Path, env: dict[str, str]) -> dict[str, float]:
    probe.unlink(missing_ok=True)
    start = time.time()
    subprocess.run(cmd, env=env | {"VCSEDESK_STARTUP_PROBE": str(probe)}, check=True, timeout=120)
    return {name: at - start for name, at in _read_probe(probe).items()}


@pytest.fixture(scope="module")
def large_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("large")
    env = _env(folder)
    subprocess.run(
        [sys.executable, "-m", "vcsedesk", "--data-dir", str(folder / "data"), "demo", "--size", "large"],
        env=env,
        check=True,
        timeout=1800,
    )
    return folder


def test_startup_against_a_bare_qmainwindow(large_demo: Path, tmp_path: Path, report) -> None:
    env = _env(large_demo)
    bare_script = tmp_path / "bare.py"
    bare_script.write_text(BARE)
    probe = tmp_path / "probe.txt"
    app_cmd = [sys.executable, "-m", "vcsedesk", "--data-dir", str(large_demo / "data")]
    _timed(app_cmd, probe, env)  # warm the file cache and write the first start's backup
    bare, window, records = [], [], []
    for _ in range(RUNS):
        bare.append(_timed([sys.executable, str(bare_script), str(probe)], probe, env)["window_painted"])
        marks = _timed(app_cmd, probe, env)
        window.append(marks["window_painted"])
        records.append(marks["records_painted"])
    b, w, r = statistics.median(bare), statistics.median(window), statistics.median(records)
    report(
        runs=RUNS,
        bare_window_painted_s=round(b, 3),
        window_painted_s=round(w, 3),
        records_painted_s=round(r, 3),
        window_ratio=round(w / b, 2),
        records_ratio=round(r / b, 2),
        targets={"window_ratio": 2.0, "records_ratio": 4.0},
    )
    assert w / b <= 2.0, f"main window painted in {w:.3f}s, {w / b:.2f}x the bare {b:.3f}s (target 2x)"
    assert r / b <= 4.0, f"first records painted in {r:.3f}s, {r / b:.2f}x the bare {b:.3f}s (target 4x)"
