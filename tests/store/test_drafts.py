"""Drafts of forms survive a crash: saved atomically, damaged files moved aside, never raising."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from vcsedesk.store.drafts import DAMAGED, DraftStore
from vcsedesk.store.location import DataFolder

OWNER = uuid.UUID("00000000-0000-4000-8000-000000000001")
OTHER = uuid.UUID("00000000-0000-4000-8000-000000000002")


@pytest.fixture
def store(folder: DataFolder) -> DraftStore:
    return DraftStore(folder.drafts)


def test_save_load_discard_and_pending(store: DraftStore, folder: DataFolder) -> None:
    assert store.load("quick-engagement", OWNER) is None
    assert store.pending(OWNER) == []
    before = datetime.now(UTC)
    values = {"title": "Drop-in at the library", "people": [str(OTHER)], "count": 12, "online": False}
    store.save("quick-engagement", OWNER, values)
    path = folder.root / "drafts" / f"quick-engagement--{OWNER}.json"
    assert path.is_file()  # in the data folder's drafts folder, readable as JSON
    assert json.loads(path.read_text(encoding="utf-8"))["values"] == values

    draft = store.load("quick-engagement", OWNER)
    assert draft is not None
    assert draft.values == values and draft.kind == "quick-engagement" and draft.owner == OWNER
    assert before - timedelta(seconds=1) <= draft.saved_at <= datetime.now(UTC)

    # One draft per kind and person: a second save replaces the first.
    store.save("quick-engagement", OWNER, {"title": "Second"})
    store.save("contact", OWNER, {"name": "Aisha"})
    store.save("quick-engagement", OTHER, {"title": "Someone else's"})
    assert store.load("quick-engagement", OWNER).values == {"title": "Second"}  # type: ignore[union-attr]
    kinds = [d.kind for d in store.pending(OWNER)]
    assert sorted(kinds) == ["contact", "quick-engagement"]
    assert kinds[0] == "contact"  # newest first
    assert [d.values for d in store.pending(OTHER)] == [{"title": "Someone else's"}]

    store.discard("quick-engagement", OWNER)
    store.discard("quick-engagement", OWNER)  # twice is harmless
    assert store.load("quick-engagement", OWNER) is None
    assert [d.kind for d in store.pending(OWNER)] == ["contact"]
    assert not [p for p in (folder.root / "drafts").iterdir() if p.name.endswith(".tmp")]


def test_values_that_are_not_json_are_refused_before_anything_is_written(store: DraftStore) -> None:
    store.save("quick-engagement", OWNER, {"title": "Kept"})
    with pytest.raises(TypeError):
        store.save("quick-engagement", OWNER, {"when": datetime.now(UTC)})
    assert store.load("quick-engagement", OWNER).values == {"title": "Kept"}  # type: ignore[union-attr]
    with pytest.raises(ValueError, match="draft kind"):
        store.save("../escape", OWNER, {})


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b'{"format": 1, "kind": "quick-engagement", "owner": "',  # cut off mid-write
        b"\xff\xfe not text",
        b"[1, 2, 3]",
        b'{"format": 1, "kind": "quick-engagement", "owner": "x", "saved_at": "now", "values": {}}',
        b'{"format": 1, "kind": "contact", "owner": "00000000-0000-4000-8000-000000000001", '
        b'"saved_at": "2025-01-01T00:00:00+00:00", "values": {}}',
        b'{"format": 1, "kind": "quick-engagement", "owner": "00000000-0000-4000-8000-000000000001", '
        b'"saved_at": "2025-01-01T00:00:00+00:00", "values": "not an object"}',
    ],
)
def test_a_damaged_draft_is_moved_aside_and_reported_as_none(store: DraftStore, content: bytes) -> None:
    path = store.path("quick-engagement", OWNER)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    assert store.load("quick-engagement", OWNER) is None
    assert not path.exists()
    aside = path.with_name(path.name + DAMAGED)
    assert aside.read_bytes() == content  # kept for whoever wants to look
    # The form can go on: a new draft saves and loads, and pending skips the damaged copy.
    store.save("quick-engagement", OWNER, {"title": "Fresh"})
    assert [d.values for d in store.pending(OWNER)] == [{"title": "Fresh"}]


def test_pending_moves_a_damaged_draft_aside_too(store: DraftStore) -> None:
    store.save("contact", OWNER, {"name": "Aisha"})
    broken = store.path("quick-engagement", OWNER)
    broken.write_text("{nope", encoding="utf-8")
    assert [d.kind for d in store.pending(OWNER)] == ["contact"]
    assert broken.with_name(broken.name + DAMAGED).exists()


def test_a_missing_or_unreadable_folder_is_no_drafts(tmp_path: Path) -> None:
    store = DraftStore(tmp_path / "not" / "there")
    assert store.pending(OWNER) == []
    assert store.load("contact", OWNER) is None
    store.discard("contact", OWNER)
    store.save("contact", OWNER, {"a": 1})  # the folder is made on first save
    assert store.load("contact", OWNER).values == {"a": 1}  # type: ignore[union-attr]


def test_concurrent_saves_leave_one_whole_draft(store: DraftStore) -> None:
    """Two writers racing (a debounced save and a focus-change save): the last rename wins,
    and whatever is read at any moment is one writer's draft, whole."""
    errors: list[BaseException] = []
    seen: list[dict[str, object]] = []

    def writer(name: str) -> None:
        try:
            for i in range(40):
                store.save("quick-engagement", OWNER, {"writer": name, "i": i, "text": name * (1000 + i)})
        except BaseException as exc:  # pragma: no cover - the failure is the assertion below
            errors.append(exc)

    def reader() -> None:
        for _ in range(80):
            draft = store.load("quick-engagement", OWNER)
            if draft is not None:
                seen.append(draft.values)

    threads = [threading.Thread(target=writer, args=(n,)) for n in "ab"] + [threading.Thread(target=reader)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    final = store.load("quick-engagement", OWNER)
    assert final is not None and final.values["i"] == 39
    for values in [*seen, final.values]:
        assert values["text"] == str(values["writer"]) * (1000 + int(values["i"]))  # type: ignore[call-overload]
    assert not list(store.folder.glob("*.damaged"))


SAVE_LOOP = """
import sys, uuid
from pathlib import Path
from vcsedesk.store.drafts import DraftStore
store = DraftStore(Path(sys.argv[1]))
owner = uuid.UUID(sys.argv[2])
i = 0
print("saving", flush=True)
while True:
    i += 1
    store.save("quick-engagement", owner, {"i": i, "text": str(i % 10) * (200_000 + i)})
"""


def test_killed_mid_save_leaves_the_old_or_the_new_draft_never_a_broken_one(store: DraftStore) -> None:
    """SIGKILL a process that saves a large draft in a loop, at varied moments: what is on disk
    afterwards always loads, whole."""
    if not hasattr(signal, "SIGKILL"):  # pragma: no cover - Windows
        pytest.skip("no SIGKILL here")
    store.save("quick-engagement", OWNER, {"i": 0, "text": "0" * 200_000})
    env = os.environ | {"PYTHONPATH": os.pathsep.join(sys.path)}
    last = 0
    for delay in (0.05, 0.13, 0.21, 0.29):
        proc = subprocess.Popen(
            [sys.executable, "-c", SAVE_LOOP, str(store.folder), str(OWNER)],
            stdout=subprocess.PIPE,
            env=env,
        )
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == b"saving"
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        proc.stdout.close()
        draft = store.load("quick-engagement", OWNER)
        assert draft is not None, "the draft was lost or damaged"
        i = int(draft.values["i"])
        assert draft.values["text"] == str(i % 10) * (200_000 + i if i else 200_000)
        last = max(last, i)
        assert not list(store.folder.glob("*.damaged"))
        # The saves that were interrupted left at most a temporary file, ignored by pending.
        assert [d.kind for d in store.pending(OWNER)] == ["quick-engagement"]
    assert last > 0  # the loop did save before it was killed
