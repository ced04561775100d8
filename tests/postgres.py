"""A throwaway PostgreSQL server for the tests: Debian's binaries, a temp folder, a free port.

Skipped only where the binaries are not installed, and never in CI (``CI`` set): there
``.ci/run`` installs them, and their absence fails the tests.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

BINARIES = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), reverse=True)


def _binaries() -> Path:
    found = next((p.parent for p in BINARIES if (p.parent / "initdb").exists()), None)
    if found is None and shutil.which("pg_ctl") and shutil.which("initdb"):
        found = Path(str(shutil.which("pg_ctl"))).parent
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL 未安装：CI 中必须有 initdb/pg_ctl（apt-get install）")
        pytest.skip("needs PostgreSQL's initdb and pg_ctl (apt-get install -y postgresql)")
    return found


class Postgres:
    """A running server: :attr:`url`, and :meth:`stop`/:meth:`start` to take it away."""

    def __init__(self, binaries: Path, root: Path, port: int) -> None:
        self.binaries, self.root, self.port = binaries, root, port
        self.url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
        # initdb refuses to run as root: as root, the server runs as the user postgres.
        self.prefix = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []

    def run(self, tool: str, *args: str) -> None:
        command = [*self.prefix, str(self.binaries / tool), *args]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        data, log = str(self.root / "data"), str(self.root / "server.log")
        self.run("pg_ctl", "-D", data, "-o", options, "-l", log, "-w", "-t", "60", "start")

    def stop(self) -> None:
        self.run("pg_ctl", "-D", str(self.root / "data"), "-m", "immediate", "-w", "stop")


@contextmanager
def postgres() -> Iterator[Postgres]:
    """A fresh server for the duration of the block, removed after."""
    binaries = _binaries()
    root = Path(tempfile.mkdtemp(prefix="assistant-pg-"))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    server = Postgres(binaries, root, port)
    if server.prefix:
        shutil.chown(root, "postgres", "postgres")
    try:
        server.run("initdb", "-D", str(root / "data"), "-U", "postgres", "--auth=trust",
                   "-E", "UTF8", "--no-locale")  # fmt: skip
        server.start()
        try:
            yield server
        finally:
            try:
                server.stop()
            except subprocess.CalledProcessError:
                pass  # already stopped
    finally:
        shutil.rmtree(root, ignore_errors=True)
