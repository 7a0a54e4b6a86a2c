"""One sweep per portal at a time: an advisory lock file per portal (fcntl.flock).

The kernel drops a flock when its holder dies, even on SIGKILL, so a stale lock file never
blocks the next cron run; the pid written into the file is only there to tell the user who holds it.
"""

from __future__ import annotations

import fcntl
import os
import re
import socket
from pathlib import Path

from guideaudit.paths import locks_dir


class SweepLocked(RuntimeError):
    """Another process holds the lock of this portal."""

    def __init__(self, portal: str, holder: str):
        self.portal, self.holder = portal, holder
        who = f"（{holder}）" if holder else ""
        super().__init__(f"门户 {portal} 已有抓取在运行{who}，本次不启动。")


def lock_path(portal: str) -> Path:
    # Profile names are plain, but --url portals carry a host: keep the file name safe.
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", portal).strip("._") or "portal"
    return locks_dir() / f"{safe}.lock"


class PortalLock:
    """Context manager holding the locks of one or more portals, all or none."""

    def __init__(self, portals: list[str]):
        self.portals = sorted(set(portals))
        self._fds: list[int] = []

    def acquire(self) -> None:
        try:
            for portal in self.portals:
                path = lock_path(portal)
                fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    holder = _read_holder(fd)
                    os.close(fd)
                    raise SweepLocked(portal, holder) from None
                self._fds.append(fd)
                os.ftruncate(fd, 0)
                os.write(fd, f"pid={os.getpid()} host={socket.gethostname()}\n".encode())
        except BaseException:
            self.release()
            raise

    def release(self) -> None:
        while self._fds:
            fd = self._fds.pop()
            try:
                fcntl.flock(fd, fcntl.LOCK_UN)
            finally:
                os.close(fd)

    def __enter__(self) -> PortalLock:
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def _read_holder(fd: int) -> str:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        text = os.read(fd, 200).decode("utf-8", "replace").strip()
    except OSError:
        return ""
    return f"进程 {text}" if text else ""


def pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True
