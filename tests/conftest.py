"""Shared test set-up. Every test runs with its own GUIDEAUDIT_HOME so nothing touches the
user's real store, logs or locks."""

from __future__ import annotations

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
