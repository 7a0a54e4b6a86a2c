"""`guideaudit demo` end to end on a small portal: it serves, sweeps, summarises in Chinese and
says where the results are; the next command finds them in the same default store."""

from __future__ import annotations

import re

from guideaudit.store import Store

from .helpers import cli


def test_demo_then_export_uses_the_same_default_store(tmp_path):
    demo = cli(tmp_path, "demo", "--guides", "300", "--no-browser", timeout=300)
    assert demo.returncode == 0, demo.stdout + demo.stderr
    out = demo.stdout
    default_db = tmp_path / "guideaudit.sqlite3"
    assert f"结果保存在数据库：sqlite:///{default_db}" in out
    log = re.search(r"抓取日志：(\S+)", out).group(1)
    assert log.startswith(str(tmp_path / "logs")) and (tmp_path / "logs").is_dir()
    assert "guideaudit report --out 报告" in out
    assert "按要素统计的问题" in out and "E1-1" in out

    store = Store(f"sqlite:///{default_db}")
    try:
        sweep = store.latest_sweep()
        assert sweep.status == "complete" and sweep.portal == "fixture-html+fixture-api"
        guides = sweep.counts["guides"]
        assert f"共检查 {guides} 份指南" in out
        defects = len(store.defects(sweep.id))
    finally:
        store.close()

    exported = cli(tmp_path, "export", "defects", "--format", "jsonl")  # no --db: the default store
    assert exported.returncode == 0, exported.stderr
    assert f"数据库：sqlite:///{default_db}" in exported.stderr
    assert len(exported.stdout.splitlines()) == defects > 0
