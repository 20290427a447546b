"""A throwaway PostgreSQL server on 127.0.0.1 for the tests, from the binaries on this machine
(Debian's postgresql package; `make test` installs it when it is missing)."""
from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from contextlib import contextmanager


def _bindir() -> str:
    found = shutil.which("initdb")
    if found:
        return os.path.dirname(os.path.realpath(found))
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not candidates:
        raise RuntimeError("PostgreSQL server binaries not found: install Debian's postgresql package "
                           "(make test does it: make pg)")
    return os.path.dirname(candidates[-1])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def postgres_server():
    """Yield a DSN; NOTICE_EXTRACT_PG_DSN, when set, names a server to use instead."""
    if os.environ.get("NOTICE_EXTRACT_PG_DSN"):
        yield os.environ["NOTICE_EXTRACT_PG_DSN"]
        return
    bindir = _bindir()
    root = tempfile.mkdtemp(prefix="pgtest-")
    data = os.path.join(root, "data")
    as_user: list[str] = []
    if os.geteuid() == 0:              # the server refuses to run as root
        shutil.chown(root, "postgres")
        os.chmod(root, 0o700)
        as_user = ["runuser", "-u", "postgres", "--"]
    port = _free_port()
    run = lambda *cmd: subprocess.run([*as_user, *cmd], check=True, capture_output=True, timeout=120)  # noqa: E731
    run(os.path.join(bindir, "initdb"), "-D", data, "-A", "trust", "-U", "test", "-E", "UTF8", "--no-locale")
    run(os.path.join(bindir, "pg_ctl"), "-D", data, "-w", "-l", os.path.join(root, "log"), "-o",
        f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off", "start")
    try:
        yield f"postgresql://test@127.0.0.1:{port}/postgres"
    finally:
        run(os.path.join(bindir, "pg_ctl"), "-D", data, "-m", "immediate", "stop")
        shutil.rmtree(root, ignore_errors=True)
