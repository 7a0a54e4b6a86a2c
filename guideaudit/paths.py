"""Where guideaudit keeps its files when the user names none.

Every command that touches the store uses the same default SQLite file, so `guideaudit demo`
followed by `guideaudit report` just works. GUIDEAUDIT_HOME moves everything at once.
"""

from __future__ import annotations

import os
from pathlib import Path


def home() -> Path:
    base = os.environ.get("GUIDEAUDIT_HOME")
    if base:
        path = Path(base).expanduser()
    else:
        xdg = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
        path = Path(xdg) / "guideaudit"
    path.mkdir(parents=True, exist_ok=True)
    return path


def default_db_url() -> str:
    return os.environ.get("GUIDEAUDIT_DB") or f"sqlite:///{home() / 'guideaudit.sqlite3'}"


def logs_dir() -> Path:
    path = home() / "logs"
    path.mkdir(parents=True, exist_ok=True)
    return path
