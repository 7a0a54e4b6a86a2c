"""A sweep checks its guides in the store's writer process: same entries, same failures."""

from __future__ import annotations

from guideaudit.crawler.pipelines.check import check_item
from guideaudit.crawler.pipelines.store import ProcessWriter
from guideaudit.fixtures.portal.site import Site

from guideaudit.store import Store

BASE = "http://127.0.0.1:1"


def test_writer_checks_records_and_turns_bad_ones_into_check_errors(tmp_path) -> None:
    site = Site(60, 2026)
    seeded = next(g for g in site.guides if g.defects)
    good = [site.record(g, BASE).model_dump(mode="json") for g in (site.guides[0], seeded)]
    bad = dict(good[0], id=None, materials="not a list")  # breaks the canonical record
    raw = {"url": BASE + "/g/1.html", "status": 200, "content_type": "text/html", "encoding": "utf-8", "body": b"<html></html>"}
    db = f"sqlite:///{tmp_path / 'w.sqlite3'}"
    store = Store(db)
    sweep = store.start_sweep("writer-test", BASE, {}, "test", None)
    writer = ProcessWriter(db)
    try:
        pages = [("k1", raw["url"], 200), ("k2", BASE + "/g/2.html", 200)]
        done = writer.call("save", sweep.id, [(good[0], raw), (bad, raw), (good[1], dict(raw, url=BASE + "/g/2.html"))], pages, [])
    finally:
        writer.close()
    expected = [check_item(r, raw, log=False)[0] for r in good]
    assert done["guides"] == 2 and len(done["failed"]) == 1
    url, status, error = done["failed"][0]
    assert (url, status) == (raw["url"], 200) and error.startswith("记录无效")
    assert store.guide_count(sweep.id) == 2
    failures = store.fetch_failures(sweep.id)
    assert [f["error"][:4] for f in failures] == ["记录无效"]
    # the running sweep's figures are what the store holds, not what was counted on the way
    defects = sum(len(e.defects) for e in expected)
    assert defects > 0
    assert store.get_sweep(sweep.id).counts == {"guides": 2, "defects": defects, "pages": 2}
    store.close()
