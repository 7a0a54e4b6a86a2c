"""`sweep --incremental` over real sweeps of the fixture portal (loopback): an unchanged portal
re-swept incrementally gives exactly what a full re-sweep gives, without fetching a guide; with
5 % of the guides republished it fetches and checks exactly those and finds exactly the round's
changes; a withdrawn guide is not carried over; a generic --url sweep uses conditional requests;
a portal without validators is fetched in full and still gives the same results; a file that
broke under an unchanged guide makes that guide checked again."""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

import pytest

from guideaudit.store import Store

from .helpers import cli

PROFILES = ("fixture-html", "fixture-api")


def _sweep(home, db, portal, *extra):
    proc = cli(home, "sweep", *PROFILES, "--base-url", portal.base_url, "--db", db, *extra)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    return proc


def _export(home, db, what, sweep, fmt):
    proc = cli(home, "export", what, "--sweep", str(sweep), "--format", fmt, "--db", db)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def _versions(db, sweep):
    store = Store(db)
    try:
        return {g.record.id: g.version_id for g in store.guides(sweep)}
    finally:
        store.close()


def _counts(db, sweep):
    store = Store(db)
    try:
        return store.get_sweep(sweep).counts
    finally:
        store.close()


def _validators(db, sweep):
    store = Store(db)
    try:
        return store.validators(sweep, "guide")
    finally:
        store.close()


def _validator_sweeps(db) -> dict[int, int]:
    """sweep id → its ga_validators rows (guides and attachments)."""
    from sqlalchemy import func, select

    from guideaudit.store import schema

    store = Store(db)
    try:
        with store.engine.connect() as conn:
            query = select(schema.validators.c.sweep_id, func.count()).group_by(schema.validators.c.sweep_id)
            return dict(conn.execute(query).all())
    finally:
        store.close()


def _detail_paths(log):
    """Guide reads in a slice of the portal's request log: (path, status). The API list's one
    entry that is not a guide has no update time: it is asked for every time, and left out."""
    from guideaudit.fixtures.portal.site import NOT_A_GUIDE_CODE

    return [(p, s) for m, p, s in log
            if m == "GET" and ("getAuditItemDetailCur" in p or _is_html_detail(p)) and NOT_A_GUIDE_CODE not in p]


_HTML_DETAIL = re.compile(
    r"^(/bszn/jiangcheng/item/[0-9A-Z]+\.html|/bszn/haigang/detail\.html\?itemId=|/qingshan/bszn/guide\?code="
    r"|/donghu/guide/[0-9A-Z]+\.html|/zjservice/item/detail/index\.do\?|/jiq/front/transition/ywTransToDetail\?)"
)


def _is_html_detail(path: str) -> bool:
    """A detail page of the HTML family (fixtures/portal/FORMAT.md), not a list page."""
    return bool(_HTML_DETAIL.match(path))


@pytest.fixture(scope="module")
def rounds(tmp_path_factory):
    from guideaudit.fixtures.portal import FixturePortal

    home = tmp_path_factory.mktemp("incremental")
    db = f"sqlite:///{home / 'i.sqlite3'}"
    out = {"home": home, "db": db}
    with FixturePortal(n_guides=600, seed=17, port=0) as portal:
        _sweep(home, db, portal)  # 1: full
        _sweep(home, db, portal)  # 2: full re-sweep of the unchanged portal
        mark = len(portal.request_log())
        out["unchanged"] = _sweep(home, db, portal, "--incremental")  # 3
        out["unchanged_log"] = portal.request_log()[mark:]
        out["validators_3"] = _validators(db, 3)  # later sweeps prune them (Store.prune_validators)
        families = {"html", "api"}
        got = portal.next_round(n=2, changed_share=0.05)
        # the round changes every family; these sweeps read the html and api ones
        swept = {g.gid for g in portal.site.guides if g.family in families}
        fixed, new = got
        out["fixed"], out["new"] = {p for p in fixed if p[0] in swept}, {p for p in new if p[0] in swept}
        out["changed"] = {g for g in got.changed if g in swept}
        out["changed_paths"] = {
            p for g in out["changed"] for p in portal.site.fetch_paths(portal.site.by_id[g])
        }
        mark = len(portal.request_log())
        out["round"] = _sweep(home, db, portal, "--incremental")  # 4
        out["round_log"] = portal.request_log()[mark:]
        _sweep(home, db, portal)  # 5: full sweep of the same round
        gone = [next(g for g in portal.site.guides if g.family == f and g.gid not in out["changed"]) for f in ("html", "api")]
        out["withdrawn"] = {g.gid for g in gone}
        for g in gone:
            portal.withdraw(g.gid)
        _sweep(home, db, portal, "--incremental")  # 6
    yield out


def test_unchanged_portal_incremental_equals_a_full_resweep(rounds) -> None:
    home, db = rounds["home"], rounds["db"]
    assert _versions(db, 3) == _versions(db, 2)
    for what, fmt in (("guides", "jsonl"), ("defects", "csv"), ("indicators", "csv")):
        assert _export(home, db, what, 3, fmt) == _export(home, db, what, 2, fmt), what
    store = Store(db)
    try:
        full = {g.record.id: (g.elements, [d.defect_id for d in g.defects], [u.item_id for u in g.unsure]) for g in store.guides(2)}
        inc = {g.record.id: (g.elements, [d.defect_id for d in g.defects], [u.item_id for u in g.unsure]) for g in store.guides(3)}
        assert inc == full and any(u for _, _, u in full.values())  # 待核实 carried too
    finally:
        store.close()
    proc = cli(home, "compare", "--from", "2", "--to", "3", "--format", "json", "--db", db)
    data = json.loads(proc.stdout)
    assert (data["totals"]["new"], data["totals"]["fixed"]) == (0, 0) and data["totals"]["persisting"] > 0


def test_unchanged_portal_is_not_fetched_and_the_sweep_says_what_it_reused(rounds) -> None:
    c2, c3 = _counts(rounds["db"], 2), _counts(rounds["db"], 3)
    assert (c3["guides"], c3["defects"], c3["incomplete"], c3["attachments"]) == (
        c2["guides"], c2["defects"], c2["incomplete"], c2["attachments"])
    assert c3["base_sweep"] == 2 and c3["reused"] == c3["guides"] == c3["reused_marker"]
    assert (c3["changed"], c3["new"], c3["removed"]) == (0, 0, 0)
    assert "base_sweep" not in c2
    # the list markers were unchanged: no guide page, no API detail requested at all
    assert _detail_paths(rounds["unchanged_log"]) == []
    # attachments: a file verified before is asked with its validators (no HEAD) and answers
    # 304; only those without validators (broken links, empty files) are fetched in full again
    files = [(m, p, s) for m, p, s in rounds["unchanged_log"] if p.startswith("/files/")]
    not_modified = {p for m, p, s in files if m == "GET" and s == 304}
    headed = {p for m, p, _ in files if m == "HEAD"}
    assert not_modified and not (not_modified & headed) and len(not_modified) > 5 * len(headed)
    assert {p for _, p, _ in files} == not_modified | headed
    assert f"沿用 {c3['reused']}" in rounds["unchanged"].stdout
    rows = rounds["validators_3"]
    assert len(rows) == c3["guides"] and {r["outcome"] for r in rows} == {"reused"}  # vocab.LEDGER_KINDS


def test_five_percent_changed_fetches_and_finds_exactly_those(rounds) -> None:
    db = rounds["db"]
    before, after = _versions(db, 3), _versions(db, 4)
    assert set(after) == set(before)
    changed = {g for g, v in after.items() if before[g] != v}
    assert changed == rounds["changed"] and len(changed) >= 0.04 * len(after)
    # only the changed guides were read (the API's first-time 502 retried once at most)
    fetched = {p for p, _ in _detail_paths(rounds["round_log"])}
    assert fetched == rounds["changed_paths"]
    c4 = _counts(db, 4)
    assert (c4["changed"], c4["new"], c4["removed"]) == (len(changed), 0, 0)
    assert c4["reused"] == c4["guides"] - len(changed)
    proc = cli(rounds["home"], "compare", "--from", "3", "--to", "4", "--format", "json", "--db", db)
    data = json.loads(proc.stdout)
    by = {}
    for d in data["defects"]:
        by.setdefault(d["change"], set()).add((d["guide_id"], d["rule"]))
    assert by.get("new", set()) == rounds["new"] and by.get("fixed", set()) == rounds["fixed"]
    # the incremental sweep of the round is what a full sweep of it gives
    assert _versions(db, 5) == after
    for what, fmt in (("defects", "csv"), ("indicators", "csv")):
        assert _export(rounds["home"], db, what, 4, fmt) == _export(rounds["home"], db, what, 5, fmt), what


def test_a_withdrawn_guide_is_not_carried_over(rounds) -> None:
    db = rounds["db"]
    before, after = _versions(db, 5), _versions(db, 6)
    assert set(before) - set(after) == rounds["withdrawn"] and len(rounds["withdrawn"]) == 2
    c6 = _counts(db, 6)
    assert (c6["removed"], c6["new"], c6["changed"]) == (2, 0, 0) and c6["guides"] == len(before) - 2


def test_generic_url_sweep_uses_conditional_requests(tmp_path) -> None:
    from guideaudit.fixtures.portal import FixturePortal

    db = f"sqlite:///{tmp_path / 'u.sqlite3'}"
    with FixturePortal(n_guides=200, seed=23, port=0) as portal:
        start = portal.start_urls["html"]
        first = cli(tmp_path, "sweep", "--url", start, "--db", db)
        assert first.returncode == 0, first.stderr[-2000:]
        mark = len(portal.request_log())
        second = cli(tmp_path, "sweep", "--url", start, "--db", db, "--incremental")
        assert second.returncode == 0, second.stderr[-2000:]
        reads = _detail_paths(portal.request_log()[mark:])
    assert _versions(db, 2) == _versions(db, 1)
    c2 = _counts(db, 2)
    # no profile, no list markers: every guide page asked with its validators, answered 304
    assert reads and {s for _, s in reads} == {304} and c2["reused_not_modified"] == c2["guides"] == len(reads)


def test_portal_without_validators_is_fetched_in_full_and_still_correct(tmp_path) -> None:
    from guideaudit.fixtures.portal import FixturePortal

    db = f"sqlite:///{tmp_path / 'n.sqlite3'}"
    with FixturePortal(n_guides=300, seed=29, port=0, validators=False) as portal:
        for extra in ((), ("--incremental",)):
            mark = len(portal.request_log())
            _sweep(tmp_path, db, portal, *extra)
        reads = _detail_paths(portal.request_log()[mark:])
        changed = portal.next_round(n=1, changed_share=0.05)
        _sweep(tmp_path, db, portal, "--incremental")
        _sweep(tmp_path, db, portal)
    assert _versions(db, 2) == _versions(db, 1)
    c2 = _counts(db, 2)
    assert c2.get("reused_marker", 0) == 0 and c2.get("reused_not_modified", 0) == 0
    assert len(reads) >= c2["guides"] and 304 not in {s for _, s in reads}  # every guide read in full
    assert c2["reused_same_body"] == c2["guides"]  # … but none parsed or checked again
    v2, v3 = _versions(db, 2), _versions(db, 3)
    assert {g for g in v3 if v2.get(g) != v3[g]} == {g for g in changed.changed if g in v2}
    assert _versions(db, 4) == v3
    for what, fmt in (("defects", "csv"), ("indicators", "csv")):
        assert _export(tmp_path, db, what, 3, fmt) == _export(tmp_path, db, what, 4, fmt), what


def test_a_file_broken_under_an_unchanged_guide_is_checked_again(tmp_path) -> None:
    from guideaudit.fixtures.portal import FixturePortal

    db = f"sqlite:///{tmp_path / 'f.sqlite3'}"
    with FixturePortal(n_guides=300, seed=31, port=0) as portal:
        _sweep(tmp_path, db, portal)
        store = Store(db)
        guides = list(store.guides(1))
        store.close()
        # a blank form of a clean guide, linked by a few guides only
        users: dict[str, set[str]] = {}
        for g in guides:
            for m in g.record.materials or []:
                if m.blank_form and m.blank_form.status == 200:
                    users.setdefault(m.blank_form.url, set()).add(g.record.id)
        url, linked = min(users.items(), key=lambda kv: (len(kv[1]), kv[0]))
        portal.set_failing(urlsplit(url).path, 404)
        _sweep(tmp_path, db, portal, "--incremental")
        _sweep(tmp_path, db, portal)
    c2 = _counts(db, 2)
    assert c2["rechecked"] == len(linked) and c2["changed"] == len(linked)
    store = Store(db)
    try:
        broken = {d.guide_id for d in store.defects(2) if d.rule.startswith("blank-form.")}
        full = {d.defect_id for d in store.defects(3)}
        assert linked <= broken and {d.defect_id for d in store.defects(2)} == full
    finally:
        store.close()


@pytest.mark.postgres
def test_incremental_into_postgresql(pg_url, tmp_path) -> None:
    from guideaudit.fixtures.portal import FixturePortal

    with FixturePortal(n_guides=200, seed=37, port=0) as portal:
        for _ in range(2):
            proc = cli(tmp_path, "sweep", "fixture-api", "--base-url", portal.base_url, "--db", pg_url, "--incremental")
            assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
        got = portal.next_round(family="api", n=1, changed_share=0.1)
        proc = cli(tmp_path, "sweep", "fixture-api", "--base-url", portal.base_url, "--db", pg_url, "--incremental")
        assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    v1, v2, v3 = (_versions(pg_url, s) for s in (1, 2, 3))
    assert v1 == v2 and _counts(pg_url, 2)["reused_marker"] == len(v2)
    assert "base_sweep" not in _counts(pg_url, 1)  # nothing to compare with: a full sweep
    assert {g for g in v3 if v2[g] != v3[g]} == set(got.changed)


def test_validators_of_older_sweeps_are_pruned(rounds) -> None:
    """ga_validators keeps the last two usable sweeps' rows (the next base, and one before): after
    six sweeps, sweeps 1–4 have none, 5 and 6 all of theirs, and sweep 6 (incremental on 5) was
    still able to reuse what 5 kept."""
    kept = _validator_sweeps(rounds["db"])
    assert set(kept) == {5, 6}, kept
    c6 = _counts(rounds["db"], 6)
    assert c6["base_sweep"] == 5 and c6["reused"] > 0
    assert len(_validators(rounds["db"], 6)) == c6["guides"]


def test_prune_keeps_what_an_open_sweep_may_still_need(tmp_path) -> None:
    """An interrupted sweep newer than the kept ones, and the base it recorded, keep their rows
    (a resume may finish it); older interrupted and failed sweeps lose theirs; other portals'
    rows are left alone."""
    store = Store(f"sqlite:///{tmp_path / 'p.sqlite3'}")
    try:
        row = {"kind": "guide", "url": "http://127.0.0.1:9/g", "etag": '"1"'}
        plan = [("p", "complete", None), ("p", "incomplete", None), ("p", "failed", None), ("p", "complete", None),
                ("p", "partial", None), ("p", "complete", None), ("p", "incomplete", 1), ("q", "complete", None)]
        ids = []
        for portal, status, base in plan:
            sweep = store.start_sweep(portal, settings={"base_sweep": ids[base - 1]} if base else {})
            store.save_validators(sweep.id, [row])
            if status != "running":
                store.finish_sweep(sweep.id, status)
            ids.append(sweep.id)
        dropped = store.prune_validators("p")
        from sqlalchemy import select

        from guideaudit.store import schema

        with store.engine.connect() as conn:
            left = {r[0] for r in conn.execute(select(schema.validators.c.sweep_id))}
    finally:
        store.close()
    # kept: the last two usable (5: partial, 6), the newer interrupted 7 and its base 1, portal q's 8
    assert left == {ids[0], ids[4], ids[5], ids[6], ids[7]} and dropped == 3


def _both_ways(db, a, b):
    """compare()'s totals (every guide of both sweeps read) and compare_totals()' (counted by the
    database), as {figure: n} each, and both summary lines."""
    from guideaudit.reports.compare import compare, compare_totals

    fields = ("new", "fixed", "persisting", "before", "marked_fixed_but_present", "gone_with_guide",
              "now_unverified", "guides_added", "guides_removed", "guides_changed")
    store = Store(db)
    try:
        earlier, later = store.get_sweep(a), store.get_sweep(b)
        full, cheap = compare(store, earlier, later), compare_totals(store, earlier, later)
    finally:
        store.close()
    return ({f: getattr(full.totals, f) for f in fields}, {f: getattr(cheap.totals, f) for f in fields},
            full.summary(), cheap.summary())


def test_the_line_an_incremental_sweep_ends_with_is_what_compare_computes(rounds) -> None:
    """The comparison printed at the end of a sweep is counted in the database; on the 5 %-changed
    incremental sweep, the withdrawn guides' one and back the other way (guides new), every figure
    equals the one `compare` gets by reading every guide."""
    db = rounds["db"]
    full, cheap, line, cheap_line = _both_ways(db, 3, 4)
    assert cheap == full and cheap_line == line
    assert full["fixed"] == len(rounds["fixed"]) and full["new"] == len(rounds["new"])
    assert full["guides_changed"] == len(rounds["changed"])
    assert line in rounds["round"].stdout  # what the 5 %-changed sweep printed
    full, cheap, line, cheap_line = _both_ways(db, 5, 6)
    assert cheap == full and cheap_line == line and full["guides_removed"] == 2
    full, cheap, line, cheap_line = _both_ways(db, 6, 5)
    assert cheap == full and cheap_line == line and full["guides_added"] == 2
    full, cheap, _, _ = _both_ways(db, 2, 3)  # the unchanged portal
    assert cheap == full and full["new"] == full["fixed"] == 0 and full["persisting"] == full["before"] > 0


def test_incremental_figures_from_the_base_equal_a_full_count(rounds) -> None:
    """An incremental sweep counts attachments from its base's figure and the guides that differ:
    the same number a count over all its records gives (changed guides, withdrawn guides)."""
    from guideaudit.crawler.lifecycle import sweep_figures

    store = Store(rounds["db"])
    try:
        for sweep in (3, 4, 6):
            counts = store.get_sweep(sweep).counts
            assert counts["base_sweep"] == sweep - 1
            assert sweep_figures(store, sweep)["attachments"] == counts["attachments"] > 0
    finally:
        store.close()


def test_a_base_figure_counted_by_other_code_is_not_carried(rounds, tmp_path) -> None:
    """The base's attachment figure is carried only when the same count_attachments made it (the
    program's version does not change between commits): with the rule's fingerprint altered, sweep
    4's figure is the full count, whatever the base says; with it intact, the base's figure is used."""
    import shutil

    from guideaudit.crawler.lifecycle import sweep_figures

    source = rounds["db"].removeprefix("sqlite:///")
    copy = tmp_path / "copy.sqlite3"
    shutil.copy(source, copy)
    store = Store(f"sqlite:///{copy}")
    try:
        truth = store.get_sweep(4).counts["attachments"]
        base = store.get_sweep(3).counts
        store.update_counts(3, {**base, "attachments": base["attachments"] + 1000})
        assert sweep_figures(store, 4, base_sweep=3)["attachments"] == truth + 1000  # carried
        store.update_counts(3, {**base, "attachments": base["attachments"] + 1000, "attachments_rule": 0})
        assert sweep_figures(store, 4, base_sweep=3)["attachments"] == truth  # counted afresh
    finally:
        store.close()
