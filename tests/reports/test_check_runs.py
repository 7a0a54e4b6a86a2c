"""A report whose trend spans sweeps checked differently says so, per sweep; sweeps checked
alike say nothing."""

from __future__ import annotations

from guideaudit.checks import check_run
from guideaudit.reports.build import build_report

from guideaudit.store import Store


def _html(store: Store, tmp_path, name: str) -> str:
    built = build_report(store, store.latest_sweep(), tmp_path / name)
    return (built.out / "报告.html").read_text("utf-8")


def test_trend_marks_sweeps_checked_with_other_rules(store, tmp_path) -> None:
    first, second = store.list_sweeps()
    run = check_run()
    store.add_check_run(first.id, **{**run, "checker_version": "1.0.0", "rules_digest": "0" * 64})
    store.add_check_run(second.id, **run)
    html = _html(store, tmp_path, "mixed")
    assert "检查口径" in html and "检查程序版本、规则不同（检查程序 1.0.0）" in html


def test_trend_of_sweeps_checked_alike_has_no_warning(store, tmp_path) -> None:
    for sweep in store.list_sweeps():
        store.add_check_run(sweep.id, **check_run())
        store.add_check_run(sweep.id, **check_run())  # a resumed sweep adds no second run
    assert all(len(store.check_runs(s.id)) == 1 for s in store.list_sweeps())
    assert "检查口径" not in _html(store, tmp_path, "alike")
