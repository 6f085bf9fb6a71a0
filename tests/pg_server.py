"""A throwaway PostgreSQL server for the test session.

Found and started by the tests themselves: ``initdb`` into a temporary folder, started on a
free loopback port with a private socket folder, and stopped at the end.  As root (CI), the
server runs as the ``postgres`` user, because PostgreSQL refuses to run as root.  Set
``VCSEDESK_TEST_PG_URL`` to use a server you already run instead.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

ENV_URL = "VCSEDESK_TEST_PG_URL"
ENV_REQUIRE = "VCSEDESK_REQUIRE_PG"


def find_bindir() -> Path | None:
    pg_config = shutil.which("pg_config")
    candidates = []
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)
        candidates.append(out.stdout.strip())
    candidates += sorted((str(p) for p in Path("/usr/lib/postgresql").glob("*/bin")), reverse=True)
    candidates += [str(Path(p).parent) for p in filter(None, [shutil.which("initdb")])]
    for folder in candidates:
        if folder and (Path(folder) / "initdb").exists() and (Path(folder) / "pg_ctl").exists():
            return Path(folder)
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def running_server() -> Iterator[str]:
    """Yield an admin URL (``postgresql+psycopg://…/postgres``) for a fresh server."""
    bindir = find_bindir()
    if bindir is None:
        raise FileNotFoundError("PostgreSQL server binaries (initdb, pg_ctl) were not found")
    root = Path(tempfile.mkdtemp(prefix="vcsedesk-pg-"))
    data = root / "data"
    prefix: list[str] = []
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(root, user.pw_uid, user.pw_gid)
        root.chmod(0o700)
        prefix = ["runuser", "-u", "postgres", "--"]
    log = root / "server.log"

    def run(*args: str) -> None:
        subprocess.run([*prefix, *args], check=True, capture_output=True, cwd=root)

    try:
        run(
            str(bindir / "initdb"),
            "-D",
            str(data),
            "-A",
            "trust",
            "-U",
            "vcsedesk",
            "-E",
            "UTF8",
            "--no-sync",
            "--locale=C",
        )
        # Another process (a second xdist worker) may take the free port before the server
        # does: then try another.
        for attempt in range(3):
            port = _free_port()
            options = (
                f"-k {root} -h 127.0.0.1 -p {port} -c fsync=off -c synchronous_commit=off "
                "-c full_page_writes=off -c max_connections=200"
            )
            try:
                run(str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(log), "-w", "start")
                break
            except subprocess.CalledProcessError as exc:
                if attempt == 2:
                    said = log.read_text(errors="replace")[-2000:] if log.exists() else ""
                    raise RuntimeError(
                        f"PostgreSQL did not start: {exc.stderr.decode(errors='replace')}\n{said}"
                    ) from exc
        yield f"postgresql+psycopg://vcsedesk@127.0.0.1:{port}/postgres"
    finally:
        with contextlib.suppress(subprocess.CalledProcessError, FileNotFoundError):
            run(str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(root, ignore_errors=True)
