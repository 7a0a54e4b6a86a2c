"""The JavaScript family (headless Chromium, scrapy-playwright) swept through the fault mode's
hostile preset: every faulted js URL ends in the sweep ledger as its truth says, the ledger
balances, the stored guides carry exactly their seeded defects, and the sweep is partial."""

from __future__ import annotations

import pytest
from guideaudit.fixtures.portal import FixturePortal
from guideaudit.fixtures.portal.fault_outcomes import ledger_outcomes

from guideaudit.store import Store

from .helpers import cli, defect_diff

TIMEOUT = 5.0
pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def js_hostile(tmp_path_factory):
    from guideaudit.browser import BrowserNotFound, chromium_path

    try:
        chromium_path()
    except BrowserNotFound as err:
        pytest.skip(str(err))
    spec = {"preset": "hostile", "params": {"hang_seconds": 12, "slow_seconds": 0.5, "big_page_mb": 2,
                                            "zip_bomb_mb": 64, "big_attachment_mb": 3}}
    with FixturePortal(n_guides=500, seed=43, faults=spec, process=True) as p:
        home = tmp_path_factory.mktemp("js-faults")
        db = f"sqlite:///{home / 'js.sqlite3'}"
        proc = cli(home, "sweep", "fixture-js", "--base-url", p.base_url, "--db", db,
                   "--set", f"DOWNLOAD_TIMEOUT={TIMEOUT:g}", "--set", "RETRY_TIMES=1")
        store = Store(db)
        sweep = store.list_sweeps()[-1]
        caps = {"timeout": TIMEOUT, "attachment_cap": 2 * 1024 * 1024}
        truth = [r for r in p.ledger_truth(**caps) if r["family"] == "js"]
        yield p, proc, store, sweep, truth, caps
        store.close()


@pytest.mark.xfail(run=False, reason=(
    "issue 11, js family under faults: the fixture-js sweep of the hostile preset (500 guides, seed 43, "
    "DOWNLOAD_TIMEOUT=5, RETRY_TIMES=1) stalls: 29 pages in the first 90 s (Page.goto 30 s and "
    "wait_for_selector 20 s timeouts on reset/hang/truncated pages), then 0 pages/min until killed at "
    "600 s; not run, so the suite is not held 10 minutes. Unstall the browser path, then drop this mark."))
def test_js_every_faulted_url_ends_as_its_truth_says(js_hostile):
    p, proc, store, sweep, truth, caps = js_hostile
    checked = ledger_outcomes(truth, list(store.ledger(sweep.id)))
    wrong = [o for o in checked if not o["ok"]]
    assert wrong == [], "\n".join(f"{o['fault']} {o['url']}: {o['ended']} ≠ {o['want']} ({o['detail']})" for o in wrong)
    assert len(checked) >= 15
    ledger = sweep.counts["ledger"]
    assert ledger["unaccounted"] == 0 and ledger["discovered"] == ledger["rows"], ledger
    gone = p.faults.not_stored(**caps)
    ids = {r.id for r in p.ground_truth() if r.portal == "fixture-js"} - gone
    assert {r.id for r in store.records(sweep.id)} == ids
    expected = {(g, r) for g, r in p.expected_defects(**caps) if g in ids}
    found = {(d.guide_id, d.rule) for d in store.defects(sweep.id, include_dismissed=True)}
    assert found == expected, "\n".join(defect_diff(found, expected, {}))
    assert sweep.status == "partial" and proc.returncode == 4, (sweep.status, proc.returncode, proc.stdout[-2000:])
