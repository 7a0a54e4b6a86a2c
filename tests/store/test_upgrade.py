"""A store written by guideaudit 0.1.0 (schema 1, fixtures/stores/schema1.sqlite3) opens with the
current code: upgraded in place, nothing lost, the auditor's 误报 still in force."""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import text

from guideaudit.store import Store

OLD = Path(__file__).resolve().parents[2] / "fixtures" / "stores" / "schema1.sqlite3"


def test_schema1_store_upgrades_and_keeps_reviews(tmp_path) -> None:
    path = tmp_path / "old.sqlite3"
    shutil.copy(OLD, path)
    store = Store(f"sqlite:///{path}")
    with store.engine.connect() as conn:
        assert conn.execute(text("select value from ga_meta where key = 'schema_version'")).scalar() == "3"
    (sweep,) = store.list_sweeps()
    everything = store.defects(sweep.id, include_dismissed=True)
    assert len(everything) == 28 and len(store.defects(sweep.id)) == 26
    dismissed = sorted((d.rule, d.reviewer, d.review_comment) for d in everything if d.dismissed)
    assert dismissed == [("hours.vague", "张三", "无编码事项核实"), ("hours.vague", "张三", "有具体时间")]
    guides = list(store.guides(sweep.id))
    assert all(g.content_hash == g.record.content_hash() for g in guides)
    # the code-less guide is re-keyed on portal + path + query; its defects and 误报 followed it
    from guideaudit.record import GuideRecord, defect_id

    (plain,) = [g for g in guides if g.record.id.startswith("url-")]
    assert plain.record.id == GuideRecord(url="https://127.0.0.1:9443/bszn/detail.html?id=77", portal="fixture-html").id
    assert plain.record.id != "url-2ef7b52ffa7cccc4"
    assert all(d.defect_id == defect_id(plain.record.id, d.rule, d.locus) for d in plain.defects)
    assert store.check_runs(sweep.id) == []  # recorded from schema 2 on: trends say "未记录"
    store.close()
    Store(f"sqlite:///{path}").close()  # a second open finds nothing to do
