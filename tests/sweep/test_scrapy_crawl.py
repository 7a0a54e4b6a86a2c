"""A plain `scrapy crawl` from the repository (scrapy.cfg; what Scrapyd runs) with nothing but
`-s GUIDEAUDIT_DB=…`: the project's settings list the check and store pipelines and the sweep
lifecycle extension, so the job is a complete, locked, finished sweep, like `guideaudit sweep`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from guideaudit.crawler.lock import PortalLock

from guideaudit.store import Store

from .helpers import cli_env

REPO = Path(__file__).resolve().parents[2]


def _scrapy_crawl(home: Path, portal, *settings: str) -> subprocess.CompletedProcess:
    args = [sys.executable, "-m", "scrapy", "crawl", "api", "-a", "profile=fixture-api", "-a", f"base_url={portal.base_url}"]
    for setting in settings:
        args += ["-s", setting]
    return subprocess.run(args, cwd=REPO, env=cli_env(home), capture_output=True, text=True, timeout=600)


def test_scrapy_crawl_with_only_a_database_is_a_complete_sweep(portal, truth, tmp_path):
    db = f"sqlite:///{tmp_path / 'scrapyd.sqlite3'}"
    proc = _scrapy_crawl(tmp_path, portal, f"GUIDEAUDIT_DB={db}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    api = {g.id for g in truth if g.portal == "fixture-api"}
    store = Store(db)
    try:
        [sweep] = store.list_sweeps()
        assert (sweep.portal, sweep.status, sweep.error) == ("fixture-api", "complete", None)
        assert sweep.counts["guides"] == len(api) == store.guide_count(sweep.id)
        assert sweep.counts["pages"] > len(api) and sweep.counts["attachments"] > 0
        assert sweep.finished_at and sweep.pid and sweep.host
        assert {r.id for r in store.records(sweep.id)} == api
        seeded = {(gid, rule) for gid, rule in portal.seeded_defects() if gid in api}
        assert {(d.guide_id, d.rule) for d in store.defects(sweep.id, include_dismissed=True)} == seeded
        (run,) = store.check_runs(sweep.id)  # checked as `guideaudit sweep` checks: recorded
        assert "fixture-api" in run.captures
    finally:
        store.close()

    # While `guideaudit sweep` (here: its lock, which lives with the store) holds the portal,
    # the job fetches nothing and creates no sweep.
    before = portal.hits("/")
    with PortalLock(db, ["fixture-api"]):
        locked = _scrapy_crawl(tmp_path, portal, f"GUIDEAUDIT_DB={db}")
    assert "已有抓取在运行" in locked.stderr and "Traceback" not in locked.stderr
    assert "Spider closed (locked)" in locked.stderr
    assert portal.hits("/") == before
    store = Store(db)
    try:
        assert len(store.list_sweeps()) == 1
    finally:
        store.close()


def test_scrapy_crawl_without_a_database_stores_nothing(portal, tmp_path):
    out = tmp_path / "guides.jsonl"
    proc = _scrapy_crawl(tmp_path, portal, f"GUIDEAUDIT_JSONL_OUT={out}", "CLOSESPIDER_ITEMCOUNT=5")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert out.read_text("utf-8").count("\n") >= 5
    assert not list(tmp_path.glob("*.sqlite3"))  # no sweep, no default store created
    # Lifecycle, check and store are off without a word: a plain crawl is not a mistake.
    assert "Disabled guideaudit" not in proc.stderr
