"""Fixtures for the report tests: a real SQLite store filled through the store API, and a report
built from it. The data itself is in report_data.py (importable by the test modules)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from guideaudit.store import Store

sys.path.insert(0, str(Path(__file__).parent))

from report_data import SCHEME, fill, write_metrics  # noqa: E402


@pytest.fixture
def store(tmp_path):
    s = Store(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    fill(s)
    yield s
    s.close()



@pytest.fixture
def report_dir(store, tmp_path):
    """A report of the latest sweep built with the test scheme and a metrics file."""
    from guideaudit.reports.build import ScoreOptions, build_report

    out = tmp_path / "报告"
    metrics = write_metrics(tmp_path / "metrics.csv")
    build_report(store, store.latest_sweep(), out, ScoreOptions(SCHEME, (metrics,)))
    return out
