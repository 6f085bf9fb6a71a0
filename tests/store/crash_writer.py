"""Kill a writer at random points and check that the data file survives.

The writer is a forked child (POSIX only) that opens its *own* :class:`Database` on the file
and makes a stream of real service calls: ``add_user``, ``update_user`` and ``undo_last``.
After each call returns — so after its transaction has committed — it writes one line
describing what was acknowledged to a pipe.  The parent sleeps a random while, SIGKILLs the
child, reads every acknowledgement, and then checks the file opened afresh:

* ``PRAGMA integrity_check`` is ``ok`` and ``PRAGMA foreign_key_check`` finds nothing;
* every acknowledged change set is in the journal, in order, with the values acknowledged,
  and at most one more change set (the call in flight when the kill came) is there too;
* every user row is exactly what its journal entries say: same name, archived or not, and a
  ``version`` equal to the number of its journal entries (so a change committed without
  its journal entry, or a journal entry without its change, is caught).

Forking rather than starting a new interpreter keeps 200+ rounds within seconds: the child
inherits the imported modules but no open connection (the parent holds none when it forks).
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import select as io_select
import signal
import sqlite3
import time
import traceback
import uuid
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

from sqlalchemy import select

from vcsedesk.domain.errors import ConflictError, NotFoundError, NothingToUndo
from vcsedesk.services import people
from vcsedesk.services.base import Actor, undo_last
from vcsedesk.store.database import Database, sqlite_url
from vcsedesk.store.models import JournalEntry, User

ROLES = ("coordinator", "staff", "volunteer")
MAX_SLEEP = 0.015
#: Before each kill, wait for up to this many acknowledged writes (chosen at random).
MAX_WRITES_BEFORE_KILL = 6
#: One round in this many starts the kill timer at the fork, not when the writer is ready,
#: so some kills land while it opens the file (and recovers the WAL left by the last kill).
EARLY_KILL_EVERY = 8


class CrashCheckFailed(AssertionError):
    pass


# -- the child --------------------------------------------------------------------------------


def _send(fd: int, **record: Any) -> None:
    # One os.write per line: unbuffered, and atomic on a pipe (well under PIPE_BUF), so the
    # parent sees either the whole acknowledgement or none of it.
    line = (json.dumps(record, default=str) + "\n").encode()
    written = os.write(fd, line)
    assert written == len(line)


def write_stream(db: Database, actor: Actor, rng: random.Random, ack_fd: int, tag: str) -> NoReturn:
    """Make service writes for ever, acknowledging each one after it returns."""
    live = [u.id for u in people.list_users(db) if u.id != actor.user_id]
    _send(ack_fd, op="ready")
    n = 0
    while True:
        n += 1
        roll = rng.random()
        if roll < 0.5 or not live:
            name = f"Crash {tag}-{n}"
            changes = people.add_user(db, actor, name=name, role=rng.choice(ROLES))
            (user_id,) = changes.created["users"]
            _send(ack_fd, op="add", cs=changes.change_set, id=user_id, name=name, version=1)
            live.append(user_id)
        elif roll < 0.85:
            user_id = rng.choice(live)
            user = people.get_user(db, user_id)
            name = f"Renamed {tag}-{n}"
            try:
                changes = people.update_user(db, actor, user_id, user.version, name=name)
            except NotFoundError:  # archived by an undo in an earlier round
                live.remove(user_id)
                continue
            _send(ack_fd, op="update", cs=changes.change_set, id=user_id, name=name, version=user.version + 1)
        else:
            try:
                changes = undo_last(db, actor)
            except (NothingToUndo, ConflictError):
                continue
            _send(ack_fd, op="undo", cs=changes.change_set)
            for user_id in changes.archived.get("users", ()):
                if user_id in live:
                    live.remove(user_id)
            live.extend(changes.restored.get("users", ()))


def _child(url: str, actor: Actor, seed: int, ack_fd: int, tag: str) -> NoReturn:
    code = 0
    try:
        db = Database(url)
        write_stream(db, actor, random.Random(seed), ack_fd, tag)
    except BaseException:
        code = 1
        with contextlib.suppress(BaseException):
            _send(ack_fd, op="error", traceback=traceback.format_exc())
    finally:
        # Never return into the parent's code (pytest), never run its atexit handlers.
        os._exit(code)


def start_writer(url: str, actor: Actor, seed: int, tag: str) -> tuple[int, int]:
    """Fork a writer; return its pid and the read end of its acknowledgement pipe."""
    read_fd, write_fd = os.pipe()
    with warnings.catch_warnings():
        # Python 3.12+ warns when forking a process that has threads (a Qt test may have
        # left some).  The child touches nothing but its own new SQLite connections, and a
        # child that hung on an inherited lock would simply be killed with no writes.
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child, which never returns
        os.close(read_fd)
        _child(url, actor, seed, write_fd, tag)
    os.close(write_fd)
    return pid, read_fd


def wait_ready(fd: int, timeout: float = 10.0, *, lines: int = 1, data: bytes = b"") -> bytes:
    """Read until ``lines`` whole lines have arrived (the first is the writer's "ready"), or the
    writer stops; return what was read."""
    deadline = time.monotonic() + timeout
    while data.count(b"\n") < lines:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not io_select.select([fd], [], [], remaining)[0]:
            raise CrashCheckFailed(f"the writer did not start within {timeout} s")
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        data += chunk
    return data


def read_all(fd: int) -> bytes:
    chunks = []
    while chunk := os.read(fd, 65536):
        chunks.append(chunk)
    os.close(fd)
    return b"".join(chunks)


def parse_acks(data: bytes) -> list[dict[str, Any]]:
    # A line without its newline was never fully acknowledged (cannot happen with atomic
    # pipe writes, but a torn line must not count either way).
    lines = data.split(b"\n")[:-1]
    return [record for record in map(json.loads, lines) if record["op"] != "ready"]


# -- the parent's checks ----------------------------------------------------------------------


@dataclass
class UserState:
    name: str
    archived: bool
    entries: int


@dataclass
class JournalModel:
    """The users table as the journal describes it, built up entry by entry."""

    users: dict[uuid.UUID, UserState] = field(default_factory=dict)
    last_seq: int = 0
    change_sets: int = 0
    #: The user's version just after each journal entry of the last apply(), by entry seq.
    versions: dict[int, int] = field(default_factory=dict)

    def apply(self, entries: Sequence[JournalEntry]) -> list[tuple[uuid.UUID, list[JournalEntry]]]:
        """Apply new entries; return the new change sets in journal order with their entries."""
        new: dict[uuid.UUID, list[JournalEntry]] = {}
        self.versions = {}
        for entry in entries:
            assert entry.seq > self.last_seq
            self.last_seq = entry.seq
            new.setdefault(entry.change_set, []).append(entry)
            if entry.table_name != "users":
                continue
            state = self.users.get(entry.record_id)
            changes = entry.changes
            if entry.operation == "insert":
                if state is not None:
                    raise CrashCheckFailed(f"user {entry.record_id} inserted twice (journal {entry.seq})")
                self.users[entry.record_id] = UserState(changes["name"][1], False, 1)
                self.versions[entry.seq] = 1
                continue
            if state is None:
                raise CrashCheckFailed(f"journal {entry.seq} changes user {entry.record_id} never inserted")
            state.entries += 1
            self.versions[entry.seq] = state.entries
            if entry.operation == "update" and "name" in changes:
                before, after = changes["name"]
                if before != state.name:
                    raise CrashCheckFailed(
                        f"journal {entry.seq} renames {before!r} but the journal had {state.name!r}"
                    )
                state.name = after
            elif entry.operation in ("archive", "restore"):
                state.archived = entry.operation == "archive"
        self.change_sets += len(new)
        return list(new.items())


def check_file(path: Path) -> None:
    """SQLite's own checks, on a plain connection opened afresh (it recovers the WAL)."""
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as con:
        integrity = con.execute("PRAGMA integrity_check").fetchall()
        if integrity != [("ok",)]:
            raise CrashCheckFailed(f"integrity_check: {integrity[:10]}")
        orphans = con.execute("PRAGMA foreign_key_check").fetchall()
        if orphans:
            raise CrashCheckFailed(f"foreign_key_check: {orphans[:10]}")


def check_round(path: Path, model: JournalModel, acks: list[dict[str, Any]]) -> int:
    """Check one round's acknowledgements against the file; return unacknowledged change sets."""
    check_file(path)
    with Database(sqlite_url(path)) as db, db.read() as session:
        entries = session.scalars(
            select(JournalEntry).where(JournalEntry.seq > model.last_seq).order_by(JournalEntry.seq)
        ).all()
        rows = session.execute(select(User.id, User.name, User.version, User.deleted_at)).all()
    new = model.apply(entries)

    acked = [uuid.UUID(a["cs"]) for a in acks]
    found = [cs for cs, _ in new]
    if found[: len(acked)] != acked:
        missing = [cs for cs in acked if cs not in found]
        raise CrashCheckFailed(
            f"acknowledged change sets missing or out of order: {len(missing)} of {len(acked)} missing "
            f"(first: {[a for a in acks if uuid.UUID(a['cs']) in missing][:3]})"
        )
    extra = len(found) - len(acked)
    if extra > 1:
        raise CrashCheckFailed(f"{extra} change sets were written but never acknowledged (at most 1)")

    by_set = dict(new)
    for ack in acks:
        _check_ack(ack, by_set[uuid.UUID(ack["cs"])], model.versions)

    table = {row.id: row for row in rows}
    if set(table) != set(model.users):
        raise CrashCheckFailed(
            f"users without journal: {len(set(table) - set(model.users))}, "
            f"journalled users missing: {len(set(model.users) - set(table))}"
        )
    for user_id, state in model.users.items():
        row = table[user_id]
        actual = (row.name, row.deleted_at is not None, row.version)
        expected = (state.name, state.archived, state.entries)
        if actual != expected:
            raise CrashCheckFailed(
                f"user {user_id} is (name, archived, version) {actual}; its journal says {expected}"
            )
    return extra


def _check_ack(ack: dict[str, Any], entries: list[JournalEntry], versions: dict[int, int]) -> None:
    op = ack["op"]
    if op == "undo":
        if not entries or any(e.undoes is None for e in entries):
            raise CrashCheckFailed(f"acknowledged undo {ack['cs']} is not journalled as an undo")
        return
    matching = [e for e in entries if e.table_name == "users" and str(e.record_id) == ack["id"]]
    expected_op = "insert" if op == "add" else "update"
    if len(matching) != 1 or matching[0].operation != expected_op:
        raise CrashCheckFailed(f"acknowledged {op} {ack} has journal entries {matching}")
    entry = matching[0]
    if entry.changes.get("name", [None, None])[1] != ack["name"] or versions[entry.seq] != ack["version"]:
        raise CrashCheckFailed(
            f"acknowledged {op} {ack} is journalled as {entry.changes}, version {versions[entry.seq]}"
        )


@dataclass
class Report:
    rounds: int = 0
    early_kills: int = 0
    acknowledged: int = 0
    in_flight_committed: int = 0
    empty_rounds: int = 0
    by_op: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def __str__(self) -> str:
        return (
            f"{self.rounds} kills ({self.early_kills} timed from the fork) in {self.seconds:.1f} s: "
            f"{self.acknowledged} acknowledged writes "
            f"{self.by_op}, {self.in_flight_committed} kills after an unacknowledged commit, "
            f"{self.empty_rounds} kills before the first acknowledgement"
        )


def kill_rounds(path: Path, actor: Actor, *, rounds: int, seed: int, max_sleep: float = MAX_SLEEP) -> Report:
    """Run ``rounds`` write-and-kill rounds on the (migrated, set-up) file at ``path``.

    Raises :class:`CrashCheckFailed` naming the round and seed on the first failed check.
    The caller must hold no open connection to the file.
    """
    rng = random.Random(seed)
    url = sqlite_url(path)
    model = JournalModel()
    with Database(url) as db, db.read() as session:
        model.apply(session.scalars(select(JournalEntry).order_by(JournalEntry.seq)).all())
    report = Report()
    started = time.perf_counter()
    for n in range(1, rounds + 1):
        context = f"round {n} of {rounds}, seed {seed}"
        pid, fd = start_writer(url, actor, rng.randrange(2**32), tag=str(n))
        early = rng.randrange(EARLY_KILL_EVERY) == 0
        # The kill lands after a random number of acknowledged writes and then a random short
        # while, so every round kills mid-stream however fast or loaded the machine is.
        writes_first = rng.randrange(MAX_WRITES_BEFORE_KILL + 1)
        delay = rng.uniform(0, max_sleep)
        data = b""
        try:
            if not early:
                data = wait_ready(fd)
                data = wait_ready(fd, lines=1 + writes_first, data=data)
            time.sleep(delay)
        finally:
            os.kill(pid, signal.SIGKILL)
            data += read_all(fd)
            _, status = os.waitpid(pid, 0)
        acks = parse_acks(data)
        errors = [a for a in acks if a["op"] == "error"]
        if errors:
            raise CrashCheckFailed(f"{context}: the writer failed:\n{errors[0]['traceback']}")
        if not (os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL):
            raise CrashCheckFailed(f"{context}: the writer ended on its own (wait status {status})")
        try:
            extra = check_round(path, model, acks)
        except CrashCheckFailed as exc:
            raise CrashCheckFailed(f"{context}: {exc}") from None
        report.rounds += 1
        report.early_kills += early
        report.acknowledged += len(acks)
        report.in_flight_committed += extra
        report.empty_rounds += not acks
        for ack in acks:
            report.by_op[ack["op"]] = report.by_op.get(ack["op"], 0) + 1
    report.seconds = time.perf_counter() - started
    return report
