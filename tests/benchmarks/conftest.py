"""Benchmarks report ratios against a baseline measured in the same run, with absolute
figures beside them, and append them to $VCSEDESK_ARTIFACTS/benchmarks.jsonl when set."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture
def report(request: pytest.FixtureRequest) -> Any:
    def write(**figures: Any) -> None:
        line = {"benchmark": request.node.name, **figures}
        print("\n" + json.dumps(line, indent=2))
        folder = os.environ.get("VCSEDESK_ARTIFACTS")
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
            with (Path(folder) / "benchmarks.jsonl").open("a", encoding="utf-8") as fh:
                fh.write(json.dumps(line) + "\n")

    return write
