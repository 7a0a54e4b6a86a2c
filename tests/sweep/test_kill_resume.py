"""The kill test: a sweep of the fixture portal (html and api families) in a child process,
killed with SIGKILL 10 times at random (seeded) points, each time resumed with
`guideaudit sweep … --resume` (under another GUIDEAUDIT_HOME every other time: the lock and the
reaping go with the store). At the end the sweep's stored guides, element verdicts, defects,
待核实 items, fetch failures and figures equal a clean sweep's of the same portal: 0 lost,
0 doubled, nothing an earlier run counted carried over.

The portal's options are a parameter (KILL_PORTALS): the fault mode of the fixture portal runs
the same test with faults on."""

from __future__ import annotations

import random
import signal
import sqlite3
import time

import pytest

from guideaudit.store import Store

from .helpers import cli, popen_cli

pytestmark = pytest.mark.slow

PROFILES = ("fixture-html", "fixture-api")
KILLS = 10
SEED = 20261207
BATCH = 50  # guides per store transaction in the killed runs: more write boundaries to cut
TIMEOUT = 5.0  # the fault mode's hanging pages cost 2 × this per run (RETRY_TIMES=1)
# FixturePortal keyword arguments and the sweep's extra options, one kill test each. "faults":
# every fault kind of the hostile preset on the html and api families (hanging, reset, truncated,
# blocked and failed pages, failed list pages, bombs and oversized attachments): the clean sweep
# is an uninterrupted sweep of the same faulted portal, 完成但不完整 as the killed one must end.
KILL_PORTALS = [
    pytest.param({"n_guides": 1200, "seed": 7}, (), id="plain"),
    pytest.param(
        {"n_guides": 800, "seed": 43, "faults": {
            "preset": "hostile", "params": {"hang_seconds": 12, "slow_seconds": 0.5, "big_page_mb": 2,
                                            "zip_bomb_mb": 64, "big_attachment_mb": 3}}},
        ("--set", f"DOWNLOAD_TIMEOUT={TIMEOUT:g}", "--set", f"ATTACHMENT_TIMEOUT={TIMEOUT:g}",
         "--set", "ATTACHMENT_MAXSIZE=2097152", "--set", "RETRY_TIMES=1"),
        id="faults",
    ),
]


def _snapshot(db: str) -> dict:
    """Everything a user would compare between two sweeps of one portal."""
    store = Store(db)
    try:
        [sweep] = store.list_sweeps()
        guides, elements, defects, unsure = {}, {}, [], []
        for g in store.guides(sweep.id):
            guides[g.record.id] = g.content_hash
            elements[g.record.id] = g.elements
            defects.extend((d.defect_id, d.guide_id, d.rule, d.message, d.evidence) for d in g.defects)
            unsure.extend((u.item_id, u.guide_id, u.rule, u.reason) for u in g.unsure)
        failures = [(f["url"], f["status"], f["error"]) for f in store.fetch_failures(sweep.id)]
        ledger = {r["url"]: (r["state"], r["kind"], r["role"], r["unknown"]) for r in store.ledger(sweep.id)}
        return {
            "sweep": sweep, "guides": guides, "elements": elements, "defects": sorted(defects), "ledger": ledger,
            "unsure": sorted(unsure), "failures": sorted(failures), "counts": dict(sweep.counts),
        }
    finally:
        store.close()


def _peek(path) -> tuple[int, set[int]]:
    """(guides stored in the killed store, pids of its running sweeps): read while it is written."""
    conn = sqlite3.connect(path, timeout=30)
    try:
        stored = conn.execute("SELECT count(*) FROM ga_sweep_guides").fetchone()[0]
        running = {pid for (pid,) in conn.execute("SELECT pid FROM ga_sweeps WHERE status = 'running'")}
        return stored, running
    finally:
        conn.close()


def _kill_at_random(proc, path, rng: random.Random, kills_left: int, left: int) -> tuple[str, float]:
    """SIGKILL ``proc`` at a random point of one of three phases:
    startup   before or as it opens (reopens) the sweep, reaps, reads what is stored;
    crawl     a random time into the crawl (list pages, guides buffered, a write in flight…);
    write     just after one of its store writes landed, or a little later (mid next batch).
    A run is also killed as soon as its writes took more than its share of the guides left, so
    every one of the ten kills still finds work to cut, on a fast machine too."""
    started = time.monotonic()
    roll = rng.random()
    mode = "startup" if left < 100 or roll < 0.2 else ("crawl" if roll < 0.6 else "write")
    base, _ = _peek(path)
    cap = max(1, left // (2 * (kills_left + 1)))
    startup_at = rng.uniform(0.1, 2.5)
    crawl_for = rng.uniform(0.3, 6.0)
    after_write = rng.uniform(0.0, 1.0)
    opened_at = wrote_at = None
    while proc.poll() is None:
        now = time.monotonic()
        stored, running = _peek(path)
        if opened_at is None and proc.pid in running:
            opened_at = now
        if wrote_at is None and stored > base:
            wrote_at = now
        if mode == "startup" and (now - started >= startup_at or opened_at is not None):
            break
        if mode != "startup" and opened_at is not None:
            if stored - base >= cap:  # its share of the work done: cut it now
                break
            if mode == "crawl" and now - opened_at >= crawl_for:
                break
            if mode == "write" and wrote_at is not None and now - wrote_at >= after_write:
                break
            if mode == "write" and now - opened_at >= 40:  # a machine too busy to write at all
                break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    return mode, time.monotonic() - started


@pytest.mark.parametrize(("portal_options", "sweep_options"), KILL_PORTALS)
def test_ten_sigkills_then_resume_equal_a_clean_sweep(portal_options, sweep_options, tmp_path):
    from guideaudit.fixtures.portal import FixturePortal

    rng = random.Random(SEED)
    homes = [tmp_path / "home-a", tmp_path / "home-b"]
    for home in homes:
        home.mkdir()
    with FixturePortal(port=0, process=True, **portal_options) as portal:
        args = ["sweep", *PROFILES, "--base-url", portal.base_url, *sweep_options]
        # One guide page fails the clean sweep for good: both sweeps must record it once.
        faulted = portal.faults.unreachable() | {f.gid for f in portal.faults.faults if f.gid} if portal.faults else set()
        truth = [g for g in portal.ground_truth() if g.id not in faulted]
        gone = next(g for g in truth if g.portal == "fixture-html")
        portal.set_failing(gone.id, 404)

        clean_db = f"sqlite:///{tmp_path / 'clean.sqlite3'}"
        started = time.monotonic()
        clean = cli(homes[0], *args, "--db", clean_db)
        clean_seconds = time.monotonic() - started
        # complete; with faults 完成但不完整 (exit 4): the killed sweep must end the same
        assert clean.returncode == (4 if portal.faults else 0), clean.stdout + clean.stderr
        want = _snapshot(clean_db)
        total = want["counts"]["guides"]
        assert total > 500 and want["counts"]["defects"] > 0 and want["failures"]

        # Another guide fails while the first runs are killed, then recovers: its failure,
        # recorded by some run, must be gone once a resumed run stores the guide.
        flaky = next(g for g in truth if g.portal == "fixture-html" and g.id != gone.id)
        portal.reset_counters()  # first-time-only answers (flaky files, faults) start over as for the clean sweep
        portal.set_failing(flaky.id, 503)
        path = tmp_path / "killed.sqlite3"
        db = f"sqlite:///{path}"
        Store(db).close()
        timeline = []
        for run in range(KILLS):
            if run == KILLS // 2:
                portal.set_failing(flaky.id, None)
            left = total - _peek(path)[0]
            resume = ["--resume"] if run else []
            # Every other run under another GUIDEAUDIT_HOME: the lock and reaping go with the store.
            proc = popen_cli(homes[run % 2], *args, "--db", db, "--set", f"GUIDEAUDIT_STORE_BATCH={BATCH}", *resume)
            try:
                mode, at = _kill_at_random(proc, path, rng, KILLS - run, left)
            finally:
                if proc.poll() is None:
                    proc.kill()
                proc.communicate(timeout=60)
            timeline.append((run, mode, round(at, 2), proc.returncode, _peek(path)[0]))
        assert all(rc == -signal.SIGKILL for *_, rc, _ in timeline), f"a run ended before its kill: {timeline}"
        assert timeline[-1][-1] < total  # the last kill still cut a sweep with work left

        final = cli(homes[0], *args, "--db", db, "--resume")
        assert final.returncode == clean.returncode, final.stdout + final.stderr
        got = _snapshot(db)

    print(f"clean sweep {clean_seconds:.1f} s, {total} guides; kills (run, mode, s, rc, stored): {timeline}")
    print(f"figures clean {want['counts']} / killed {KILLS}× and resumed {got['counts']}")
    print(f"ledger rows clean {len(want['ledger'])} / killed and resumed {len(got['ledger'])}")
    assert got["sweep"].status == want["sweep"].status and got["sweep"].error == want["sweep"].error
    assert got["ledger"] == want["ledger"]
    assert set(got["guides"]) == set(want["guides"]), (
        f"lost {sorted(set(want['guides']) - set(got['guides']))[:5]}, "
        f"extra {sorted(set(got['guides']) - set(want['guides']))[:5]}"
    )
    assert got["guides"] == want["guides"]  # the same published content of every guide
    assert got["elements"] == want["elements"]
    assert got["defects"] == want["defects"]
    assert got["unsure"] == want["unsure"]
    assert got["failures"] == want["failures"]  # the lasting 404 once; the recovered 503 gone
    assert got["counts"] == want["counts"]
