"""The spiders run by plain `scrapy crawl` (what Scrapyd does) with the check and store
pipelines switched on by settings: the store pipeline opens, locks and closes a sweep itself."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from guideaudit.crawler.lock import PortalLock

from guideaudit.store import Store

from .helpers import cli_env

REPO = Path(__file__).resolve().parents[2]
PIPELINES = {
    "guideaudit.crawler.pipelines.attachments.AttachmentPipeline": 100,
    "guideaudit.crawler.pipelines.check.CheckPipeline": 300,
    "guideaudit.crawler.pipelines.store.StorePipeline": 500,
}


def _scrapy_crawl(home: Path, db: str, portal) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable, "-m", "scrapy", "crawl", "api", "-a", "profile=fixture-api",
            "-a", f"base_url={portal.base_url}", "-a", "max_guides=30",
            "-s", f"ITEM_PIPELINES={json.dumps(PIPELINES)}", "-s", "GUIDEAUDIT_STORE=1",
            "-s", f"GUIDEAUDIT_DB_URL={db}", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0",
            "-s", "REMOTE_CONTROL_ENABLED=False",
        ],
        cwd=REPO, env=cli_env(home), capture_output=True, text=True, timeout=300,
    )


def test_scrapy_crawl_with_store_pipeline_records_a_sweep(portal, truth, tmp_path, monkeypatch):
    db = f"sqlite:///{tmp_path / 'scrapyd.sqlite3'}"
    proc = _scrapy_crawl(tmp_path, db, portal)
    assert proc.returncode == 0, proc.stderr[-3000:]
    store = Store(db)
    try:
        [sweep] = store.list_sweeps()
        assert sweep.portal == "fixture-api" and sweep.status == "complete"
        assert sweep.counts["guides"] == 30 == store.guide_count(sweep.id)
        records = {r.id for r in store.records(sweep.id)}
        assert records <= {g.id for g in truth if g.portal == "fixture-api"}
        seeded = {(gid, rule) for gid, rule in portal.seeded_defects() if gid in records}
        assert {(d.guide_id, d.rule) for d in store.defects(sweep.id, include_dismissed=True)} == seeded
    finally:
        store.close()

    # While `guideaudit sweep` (here: its lock) holds the portal, the job creates no sweep.
    monkeypatch.setenv("GUIDEAUDIT_HOME", str(tmp_path))
    with PortalLock(["fixture-api"]):
        locked = _scrapy_crawl(tmp_path, db, portal)
    store = Store(db)
    try:
        assert len(store.list_sweeps()) == 1
    finally:
        store.close()
    assert "已有抓取在运行" in locked.stderr
