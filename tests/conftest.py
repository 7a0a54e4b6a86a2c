"""Shared test set-up. Every test runs with its own GUIDEAUDIT_HOME so nothing touches the
user's real store, logs or locks."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory, monkeypatch):
    home = tmp_path_factory.mktemp("guideaudit-home")
    monkeypatch.setenv("GUIDEAUDIT_HOME", str(home))
    monkeypatch.delenv("GUIDEAUDIT_DB", raising=False)
    return home


@pytest.fixture
def repo_root() -> Path:
    return REPO


# Where PostgreSQL tests create their throwaway databases; point it elsewhere on another machine.
PG_ADMIN = os.environ.get("GUIDEAUDIT_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


@pytest.fixture
def pg_url():
    """URL of a fresh PostgreSQL database, dropped after the test; skips (saying why) when no
    server answers."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    name = "ga_test_" + uuid.uuid4().hex[:10]
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as err:  # no server here: say so rather than pass silently
        admin.dispose()
        pytest.skip(f"PostgreSQL 不可用（{PG_ADMIN}）：{type(err).__name__}")
    yield make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()
