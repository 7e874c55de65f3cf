"""A throw-away PostgreSQL server for the tests: Debian's PostgreSQL (``make system-packages``), a new
cluster in a temporary folder, listening on a Unix socket only (no TCP port), trusting local connections.

``with PostgresServer() as server: url = server.create_database("course", template="released")``
gives a SQLAlchemy URL (``postgresql://postgres@/course?host=<socket folder>``) that nbgrader's
``CourseDirectory.db_url`` and ``cnn2 --db-url`` take. As root (PostgreSQL refuses to run as root) the
server runs as the ``postgres`` user that Debian's package creates. Its folder is a new one under the
system's temporary folder, removed afterwards: not under pytest's, which pytest makes private to root
again whenever another session starts (the server's user could then not reach it).
"""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

USER = "postgres"


def find_bin(name: str) -> str:
    """Path of a PostgreSQL server program (initdb, pg_ctl): Debian keeps them off PATH."""
    found = shutil.which(name) or next(iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None)
    if found is None:
        raise RuntimeError(f"PostgreSQL's {name} not found: install it with `make system-packages` "
                           "(Debian: apt-get install -y postgresql)")
    return found


class PostgresServer:
    def __init__(self):
        self.folder = Path(tempfile.mkdtemp(prefix="cnn2-postgres-"))
        self.data, self.socket = self.folder / "data", self.folder / "socket"
        self.as_root = os.geteuid() == 0

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        command = ["runuser", "-u", USER, "--", *args] if self.as_root else list(args)
        result = subprocess.run(command, capture_output=True, text=True, cwd="/")
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result

    def __enter__(self) -> PostgresServer:
        self.socket.mkdir()
        if self.as_root:
            user = pwd.getpwnam(USER)
            for path in (self.folder, self.socket):
                os.chown(path, user.pw_uid, user.pw_gid)
        self._run(find_bin("initdb"), "-D", str(self.data), "-U", USER, "--auth=trust", "-E", "UTF8",
                  "--no-sync")
        options = f"-c listen_addresses='' -c unix_socket_directories={self.socket} -c fsync=off"
        self._run(find_bin("pg_ctl"), "-D", str(self.data), "-l", str(self.folder / "server.log"),
                  "-o", options, "-w", "start")
        return self

    def __exit__(self, *exc) -> None:
        try:
            self._run(find_bin("pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def url(self, database: str) -> str:
        return f"postgresql://{USER}@/{database}?host={self.socket}"

    def create_database(self, name: str, template: str | None = None) -> str:
        """A new database (a copy of ``template`` if given); returns its URL."""
        import psycopg  # the driver SQLAlchemy 2.1 uses for postgresql:// URLs

        with psycopg.connect(dbname="postgres", user=USER, host=str(self.socket), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        return self.url(name)
