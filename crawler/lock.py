"""One sweep per portal and store at a time: the lock lives with the store, not with the user.

Two processes writing one sweep would corrupt it, and "is this sweep still running?" must have
one answer for every process that opens the store, whatever GUIDEAUDIT_HOME or host it runs
with. So the lock is kept where the data is:

- PostgreSQL: a session-level advisory lock (``pg_try_advisory_lock``) on a key derived from the
  portal, held on a connection of its own for the sweep's life. The server drops it when that
  connection ends, also when the process is killed or its host vanishes.
- SQLite: a lock file per portal beside the database file (``<db>.locks/<portal>.lock``,
  ``fcntl.flock``); the kernel drops it when its holder dies, even on SIGKILL.
- an in-memory SQLite store is private to its process: a lock of this process.

A sweep row marked "running" whose portal lock is free therefore belongs to a dead process
(crawler/lifecycle.py reaps it). Who holds a lock (pid, host) is only there to tell the user.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import socket
import threading
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

# Portals locked by in-memory stores of this process (no file, no server to hold them).
_MEMORY_LOCKS: set[tuple[str, str]] = set()
_MEMORY_GUARD = threading.Lock()


class SweepLocked(RuntimeError):
    """Another process holds the lock of this portal."""

    def __init__(self, portal: str, holder: str):
        self.portal, self.holder = portal, holder
        who = f"（{holder}）" if holder else ""
        super().__init__(f"门户 {portal} 已有抓取在运行{who}，本次不启动。")


def safe_name(portal: str) -> str:
    # Profile names are plain, but --url portals carry a host: keep file names safe.
    return re.sub(r"[^A-Za-z0-9._-]+", "_", portal).strip("._") or "portal"


def _holder_text() -> str:
    return f"pid={os.getpid()} host={socket.gethostname()}"


def sqlite_path(db_url: str) -> Path | None:
    """The database file of a SQLite URL; None for another backend or an in-memory store."""
    url = make_url(db_url)
    if url.get_backend_name() != "sqlite":
        return None
    if not url.database or url.database == ":memory:" or url.database.startswith("file::memory:"):
        return None
    return Path(os.path.abspath(url.database))


def lock_path(portal: str, db_url: str) -> Path:
    """The lock file of a portal in a SQLite store: beside the database file."""
    db = sqlite_path(db_url)
    if db is None:
        raise ValueError(f"{db_url} 不是 SQLite 数据库文件")
    return db.with_name(db.name + ".locks") / f"{safe_name(portal)}.lock"


def advisory_key(portal: str) -> int:
    """The PostgreSQL advisory lock key of a portal: 64 signed bits of a hash of its name."""
    digest = hashlib.sha256(f"guideaudit-sweep:{portal}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class PortalLock:
    """Context manager holding the locks of one or more portals in one store, all or none."""

    def __init__(self, db_url: str, portals: list[str]):
        self.db_url = db_url
        self.portals = sorted(set(portals))
        self._fds: list[int] = []
        self._memory: list[tuple[str, str]] = []
        self._engine = None
        self._conn = None
        self._keys: list[int] = []

    @property
    def held(self) -> bool:
        return bool(self._fds or self._memory or self._keys)

    def acquire(self) -> None:
        backend = make_url(self.db_url).get_backend_name()
        try:
            if backend == "postgresql":
                self._acquire_postgres()
            elif sqlite_path(self.db_url) is None:
                self._acquire_memory()
            else:
                self._acquire_files()
        except BaseException:
            self.release()
            raise

    def _acquire_files(self) -> None:
        for portal in self.portals:
            path = lock_path(portal, self.db_url)
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = _read_holder(fd)
                os.close(fd)
                raise SweepLocked(portal, holder) from None
            self._fds.append(fd)
            os.ftruncate(fd, 0)
            os.write(fd, f"{_holder_text()}\n".encode())

    def _acquire_memory(self) -> None:
        with _MEMORY_GUARD:
            for portal in self.portals:
                key = (self.db_url, portal)
                if key in _MEMORY_LOCKS:
                    raise SweepLocked(portal, f"进程 pid={os.getpid()}")
                _MEMORY_LOCKS.add(key)
                self._memory.append(key)

    def _acquire_postgres(self) -> None:
        url = make_url(self.db_url)
        if url.drivername == "postgresql":
            url = url.set(drivername="postgresql+psycopg")
        # A connection of its own, outside any pool, in autocommit (never "idle in transaction"):
        # the lock lasts exactly as long as this connection.
        self._engine = create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
        self._conn = self._engine.connect()
        self._conn.execute(text("SELECT set_config('application_name', :name, false)"),
                           {"name": f"guideaudit sweep {_holder_text()}"[:63]})
        for portal in self.portals:
            key = advisory_key(portal)
            if not self._conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar():
                raise SweepLocked(portal, self._pg_holder(key))
            self._keys.append(key)

    def _pg_holder(self, key: int) -> str:
        unsigned = key & 0xFFFFFFFFFFFFFFFF
        row = self._conn.execute(
            text(
                "SELECT a.application_name, a.client_addr, a.pid FROM pg_locks l "
                "JOIN pg_stat_activity a ON a.pid = l.pid "
                "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 "
                "AND l.classid = CAST(:hi AS oid) AND l.objid = CAST(:lo AS oid) "
                "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            ),
            {"hi": unsigned >> 32, "lo": unsigned & 0xFFFFFFFF},
        ).first()
        if row is None:
            return ""
        name = (row.application_name or "").removeprefix("guideaudit sweep ").strip()
        return f"进程 {name}" if name else f"数据库连接 {row.pid}（{row.client_addr or '本机'}）"

    def release(self) -> None:
        while self._fds:
            fd = self._fds.pop()
            try:
                fcntl.flock(fd, fcntl.LOCK_UN)
            finally:
                os.close(fd)
        if self._memory:
            with _MEMORY_GUARD:
                while self._memory:
                    _MEMORY_LOCKS.discard(self._memory.pop())
        if self._conn is not None:
            try:
                for key in self._keys:
                    self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
            except Exception:  # the connection is gone: the server has dropped the locks
                pass
            finally:
                self._keys.clear()
                try:
                    self._conn.close()
                finally:
                    self._conn = None
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def __enter__(self) -> PortalLock:
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def _read_holder(fd: int) -> str:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        text_ = os.read(fd, 200).decode("utf-8", "replace").strip()
    except OSError:
        return ""
    return f"进程 {text_}" if text_ else ""


def lock_held(db_url: str, portal: str) -> bool:
    """Whether some process holds this portal's lock in this store, asked without taking it for
    more than an instant (PostgreSQL: pg_locks, nothing taken; SQLite: a shared flock tried and
    dropped at once). A sweep row still "running" whose lock is free was left by a dead process:
    `guideaudit sweeps` shows it as interrupted, the next sweep of the portal reaps it."""
    backend = make_url(db_url).get_backend_name()
    if backend == "postgresql":
        probe = PortalLock(db_url, [portal])
        url = make_url(db_url)
        if url.drivername == "postgresql":
            url = url.set(drivername="postgresql+psycopg")
        probe._engine = create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
        try:
            probe._conn = probe._engine.connect()
            return bool(probe._pg_holder(advisory_key(portal)))
        finally:
            probe.release()
    if sqlite_path(db_url) is None:
        with _MEMORY_GUARD:
            return (db_url, portal) in _MEMORY_LOCKS
    path = lock_path(portal, db_url)
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)
