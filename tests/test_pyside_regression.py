"""Regression guard for the installed PySide6: Qt calls that return nothing keep ``None`` whole.

PySide6 6.12.0 on Python 3.11 drops a reference to ``None`` on every call of a Qt method that
returns nothing (``resize``, ``setText``, …); after about as many calls as ``None`` has
references (~10,000) CPython aborts with "Fatal Python error: none_dealloc".  pyproject.toml
excludes that version on Python < 3.12; this test checks whatever is actually installed.

The probe runs in a subprocess so that an abort fails this test instead of killing pytest.
It first makes a short burst of calls and reports the drift at once, so a leaking build names
its leak before it dies.  The garbage collector is off while counting and every method is
warmed up first, so a sound build shows a drift of exactly zero: nothing else in the loop
takes or drops a reference to ``None``.  (From Python 3.12 ``None`` is immortal: its count
never moves and the bug cannot abort, so the test passes trivially there.)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

CALLS = 200_000
BURST = 1_000

PROBE = r"""
import gc, json, os, sys

os.environ["QT_QPA_PLATFORM"] = "offscreen"
import PySide6
from PySide6.QtWidgets import QApplication, QLabel, QWidget

calls, burst = int(sys.argv[1]), int(sys.argv[2])
app = QApplication([])
widget = QWidget()
label = QLabel(widget)
rounds = (calls - burst) // 4


def report(**values):
    print(json.dumps(values), flush=True)


for _ in range(10):  # warm up: any first-call caches are filled before counting
    widget.resize(10, 10)
    label.setText("x")
    widget.setToolTip("tip")
    label.setEnabled(True)
gc.collect()
gc.disable()

before = sys.getrefcount(None)
for _ in range(burst):
    widget.resize(10, 10)
after = sys.getrefcount(None)
report(stage="burst", calls=burst, drift=after - before, none_refs=before)

before = sys.getrefcount(None)
for _ in range(rounds):
    widget.resize(10, 10)
    label.setText("x")
    widget.setToolTip("tip")
    label.setEnabled(True)
after = sys.getrefcount(None)
report(stage="all", calls=rounds * 4, drift=after - before, pyside=PySide6.__version__, python=sys.version)
"""


def run_probe(python: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [python, "-c", PROBE, str(CALLS), str(BURST)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=os.environ | {"QT_QPA_PLATFORM": "offscreen"},
        timeout=300,
        check=False,
    )


def test_void_qt_calls_do_not_leak_references_to_none(tmp_path: Path) -> None:
    result = run_probe(sys.executable, tmp_path)

    reports = {r["stage"]: r for r in map(json.loads, result.stdout.splitlines())}
    detail = f"exit {result.returncode}; reports {reports}; stderr:\n{result.stderr[-3000:]}"
    assert result.returncode == 0, f"the probe process died ({detail})"
    assert reports["burst"]["drift"] == 0, f"None's refcount moved in {BURST} calls ({detail})"
    assert reports["all"]["calls"] + BURST >= CALLS
    assert reports["all"]["drift"] == 0, f"None's refcount moved over {CALLS} calls ({detail})"
