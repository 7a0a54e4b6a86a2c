"""An exact resume (`sweep --resume` of a 完成但不完整 sweep) over loopback, against the fault
mode of the fixture portal (html and api families, SQLite), judged by the portal's own request
log and truth:

- the first sweep records each failed list page with the guides behind it (the pager's 共 N 条
  and the entries per page for HTML, the API's total), keeps walking the pages after it, and
  says so in its figures, `sweeps --detail` and the report's 抓取情况;
- the resume requests exactly what the ledger says could not be read (failed and blocked URLs,
  failed list pages) and the guides behind the list pages that now answer: nothing stored is
  fetched again, the portal is not walked again;
- the faults that recover (fail_times: the first 2 requests of a URL fail) leave the resumed
  sweep with the figures, guides, defects and failures of a sweep that retried them away
  (RETRY_TIMES=2 on a fresh copy of the same portal).
"""

from __future__ import annotations

import pytest
from guideaudit.fixtures.portal import FixturePortal
from guideaudit.fixtures.portal.faults import API_LIST, TRANSIENT_KINDS, path_of

from guideaudit.store import Store

from .helpers import cli

pytestmark = pytest.mark.slow

FAMILIES = ("fixture-html", "fixture-api")
# fail_times 2: a sweep with RETRY_TIMES=1 asks twice and fails; its resume (a third request)
# reads the page, as does a sweep with RETRY_TIMES=2. Challenge/WAF/soft 404 pages stay.
SPEC = {
    "params": {"fail_times": 2},
    "faults": {
        "list_error": {"count": 2, "families": ["html", "api"]},
        "list_challenge": {"count": 1, "families": ["html"]},
        "error_always": {"count": 3, "families": ["html", "api"]},
        "reset": {"count": 1, "families": ["html", "api"]},
        "waf": {"count": 1, "families": ["html", "api"]},
        "soft404": {"count": 1, "families": ["api"]},
    },
}
PORTAL = {"n_guides": 500, "seed": 43, "faults": SPEC, "process": True}


def _sweep(portal, home, db, *args):
    # any page left unread makes the sweep 完成但不完整 (the lasting faults do, after the resume too)
    return cli(home, "sweep", *FAMILIES, "--base-url", portal.base_url, "--db", db,
               "--set", "GUIDEAUDIT_MAX_FAILURE_SHARE=0", *args)


def _state(db, base):
    """What a user compares between two sweeps; URLs without the portal's address (the two
    portals of the comparison listen on two ports)."""
    store = Store(db)
    try:
        [sweep] = store.list_sweeps()
        return {
            "sweep": sweep,
            "guides": {g.record.id: g.content_hash for g in store.guides(sweep.id)},
            "defects": sorted((d.defect_id, d.guide_id, d.rule) for d in store.defects(sweep.id, include_dismissed=True)),
            "failures": sorted((path_of(f["url"]), f["status"], f["error"]) for f in store.fetch_failures(sweep.id)),
            "ledger": {r["url"].removeprefix(base): (r["state"], r["kind"], r["role"], r["unknown"])
                       for r in store.ledger(sweep.id)},
            "retry": [{**r, "url": r["url"].removeprefix(base)} for r in store.retry_rows(sweep.id)],
        }
    finally:
        store.close()


def _pages(log):
    """(method, path) of the page requests in a slice of the portal's log: attachments and
    robots.txt aside (the attachment checks of newly read guides; Scrapy's robots.txt)."""
    return [(m, t) for m, t, _ in log if not t.startswith("/files/") and t != "/robots.txt"]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    home = tmp_path_factory.mktemp("exact")
    db, clean_db = f"sqlite:///{home / 'resumed.sqlite3'}", f"sqlite:///{home / 'transient.sqlite3'}"
    out = {}
    with FixturePortal(**PORTAL) as p:
        out["first"] = _sweep(p, home, db, "--set", "RETRY_TIMES=1")
        out["first_log"] = p.request_log()
        out["after_first"] = _state(db, p.base_url)
        out["detail"] = cli(home, "sweeps", "--db", db, "--detail", "1")
        out["resume"] = _sweep(p, home, db, "--resume", "--set", "RETRY_TIMES=1")
        out["resume_log"] = p.request_log()[len(out["first_log"]):]
        out["final"] = _state(db, p.base_url)
        out["truth"] = p.ledger_truth()
        out["site"] = p.site
        out["base"] = p.base_url
        store = Store(db)
        try:
            from guideaudit.reports.crawl import crawl_summary

            out["report_first"] = out["after_first"]["sweep"].counts
            out["report_final"] = crawl_summary(store, store.get_sweep(1))
        finally:
            store.close()
    with FixturePortal(**PORTAL) as p:
        out["clean"] = _sweep(p, home, clean_db, "--set", "RETRY_TIMES=2")
        out["transient"] = _state(clean_db, p.base_url)
    return out


def _list_faults(truth):
    return [r for r in truth if r.get("unreachable")]


def test_failed_list_pages_say_what_is_behind_them(runs):
    first, state = runs["first"], runs["after_first"]
    assert first.returncode == 4, first.stdout + first.stderr
    truth = _list_faults(runs["truth"])
    assert {r["family"] for r in truth} == {"html", "api"} and len(truth) >= 4
    site = runs["site"]
    want_unknown = 0
    for fault in truth:
        if fault["family"] == "html":
            key, expected = fault["url"], len(fault["unreachable"])  # the page's entries: its guides
        else:
            page, size = fault["body"]["PAGENO"], fault["body"]["PAGESIZE"]
            key = f"{fault['url']}#page={page}"
            expected = len(site.api_list[(page - 1) * size : page * size])  # the entries the API said
        row = state["ledger"].get(key.removeprefix(runs["base"]))
        assert row is not None, (key, fault)
        assert row[2] == "list" and row[3] == expected, (fault["fault"], key, row, expected)
        assert row[0] in ("failed", "not_guide"), row
        want_unknown += expected
    ledger = state["sweep"].counts["ledger"]
    assert ledger["failed_lists"] == len(truth) and ledger["unknown_lists"] == 0 and ledger["unknown"] == want_unknown, ledger
    note = f"{len(truth)} 个列表页无法读取，其上约 {want_unknown} 份指南未读"
    assert note in first.stdout, first.stdout
    assert note in runs["detail"].stdout, runs["detail"].stdout
    # the pages after a failed one were still walked: every other list page was read
    failed_lists = {r["url"] for r in truth}
    listed = {u for u, row in state["ledger"].items() if row[1] == "list_page"}
    assert set(site_list_paths(site)) - {path_of(u) for u in failed_lists} <= listed


def site_list_paths(site):
    from guideaudit.fixtures.portal.catalog import DISTRICTS
    from guideaudit.fixtures.portal.site import HTML_PAGE_SIZE, html_list_path

    for d in DISTRICTS:
        pages = -(-len(site.district_guides[d]) // HTML_PAGE_SIZE)
        for n in range(1, pages + 1):
            yield html_list_path(d, n)


def test_resume_requests_exactly_the_failed_and_unknown(runs):
    first, resume = runs["after_first"], runs["resume"]
    assert resume.returncode == 4, resume.stdout + resume.stderr
    assert "只重抓上次无法读取的" in resume.stdout and "不重新遍历门户" in resume.stdout, resume.stdout
    site = runs["site"]
    retry = [r for r in first["retry"] if r["kind"] != "robots"]  # robots.txt forbids them still
    want: set[tuple[str, str]] = set()
    for row in retry:
        url = row["url"]
        if url.startswith(API_LIST + "#"):
            want.add(("POST", API_LIST))
        else:
            want.add(("GET", url))
    # behind the list pages that answer now: their guides, never read before
    for fault in _list_faults(runs["truth"]):
        if fault["fault"] in TRANSIENT_KINDS:
            for gid in fault["unreachable"]:
                want.update(("GET", path) for path in site.fetch_paths(site.by_id[gid]))
    got = _pages(runs["resume_log"])
    extra, missing = set(got) - want, want - set(got)
    assert not extra and not missing, (sorted(extra)[:10], sorted(missing)[:10])
    # each asked once (nothing fails twice now), the API's one list endpoint once per page retried
    posts = sum(1 for r in retry if r["url"].startswith(API_LIST + "#"))
    assert len(got) == len(want) - 1 + posts, (len(got), len(want), posts)
    stored_before = {u for u, row in first["ledger"].items() if row[1] == "stored"}
    assert not stored_before & {t for _, t in got}
    first_pages = len(_pages(runs["first_log"]))
    print(f"\nrequests: first sweep {len(runs['first_log'])} ({first_pages} pages), resume {len(runs['resume_log'])} "
          f"({len(got)} pages = {len(retry)} retried + {len(got) - len(retry) - 1 + posts} guides behind failed lists)")
    assert len(got) * 5 < first_pages


def test_resumed_sweep_equals_a_sweep_that_retried_the_faults_away(runs):
    final, clean = runs["final"], runs["transient"]
    assert runs["clean"].returncode == 4, runs["clean"].stdout + runs["clean"].stderr
    assert final["sweep"].status == clean["sweep"].status == "partial"
    assert final["guides"] == clean["guides"]
    assert final["defects"] == clean["defects"]
    assert final["failures"] == clean["failures"] and final["failures"]
    assert final["ledger"].keys() == clean["ledger"].keys()
    assert {u: r[:2] for u, r in final["ledger"].items()} == {u: r[:2] for u, r in clean["ledger"].items()}
    assert final["sweep"].counts == clean["sweep"].counts
    # only the list page that still answers a challenge hides guides now
    ledger = final["sweep"].counts["ledger"]
    [challenge] = [r for r in _list_faults(runs["truth"]) if r["fault"] == "list_challenge"]
    assert ledger["failed_lists"] == 1 and ledger["unknown"] == len(challenge["unreachable"]), ledger
    summary = runs["report_final"]
    assert summary.lists_note == f"1 个列表页无法读取，其上约 {ledger['unknown']} 份指南未读"
    print(f"\nfigures after resume {final['sweep'].counts}\nfigures transient   {clean['sweep'].counts}")
