"""The JavaScript family swept through real headless Chromium (scrapy-playwright), compared with
the ground truth like the other families."""

from __future__ import annotations

import pytest

from guideaudit.store import Store

from .helpers import cli, compare_records, defect_diff

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def js_swept(portal, tmp_path_factory):
    from guideaudit.browser import BrowserNotFound, chromium_path

    try:
        chromium_path()
    except BrowserNotFound as err:
        pytest.skip(str(err))
    home = tmp_path_factory.mktemp("js-home")
    db = f"sqlite:///{home / 'js.sqlite3'}"
    proc = cli(home, "sweep", "fixture-js", "--base-url", portal.base_url, "--db", db)
    store = Store(db)
    sweeps = store.list_sweeps()
    yield {"proc": proc, "store": store, "sweep": sweeps[-1] if sweeps else None}
    store.close()


def test_js_sweep_complete(js_swept, truth):
    proc, sweep = js_swept["proc"], js_swept["sweep"]
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert sweep.status == "complete" and sweep.portal == "fixture-js"
    assert sweep.counts["guides"] == len([g for g in truth if g.portal == "fixture-js"])


def test_js_records_match_ground_truth(js_swept, truth):
    expected = [g for g in truth if g.portal == "fixture-js"]
    stored = {r.id: r for r in js_swept["store"].records(js_swept["sweep"].id)}
    share, problems = compare_records(stored, expected)
    assert share >= 0.995, f"字段还原率 {share:.4%}\n" + "\n".join(problems)
    # the evidence kept is the page as the browser rendered it
    raw = js_swept["store"].raw_page(js_swept["sweep"].id, expected[0].id)
    assert expected[0].item_name in raw.body.decode(raw.encoding or "utf-8")


def test_js_defects_equal_seeded(js_swept, portal, truth):
    ids = {g.id for g in truth if g.portal == "fixture-js"}
    seeded = {(gid, rule) for gid, rule in portal.seeded_defects() if gid in ids}
    defects = js_swept["store"].defects(js_swept["sweep"].id, include_dismissed=True)
    stored = {(d.guide_id, d.rule) for d in defects}
    messages = {(d.guide_id, d.rule): f"{d.message}｜原文：{d.evidence[:80]}" for d in defects}
    assert stored == seeded, "\n".join(defect_diff(stored, seeded, messages))
