"""`guideaudit sweep --settings`: the sweep checks with the file's judgement calls (in the crawl
and in its store writer alike) and records them in its check run; a bad file stops the sweep
before any fetch, with file and key."""

from __future__ import annotations

from guideaudit.store import Store

from .helpers import cli


def test_sweep_checks_with_the_settings_file_and_records_it(portal, tmp_path) -> None:
    settings = tmp_path / "口径.yaml"
    settings.write_text("skip_rules: [location.no-room-or-window, hours.vague]\n", "utf-8")
    db = f"sqlite:///{tmp_path / 's.sqlite3'}"
    # The whole API family (600 guides): each rule is seeded in only 5-7 of them, so 120 guides
    # taken in whatever order the crawl reached them held none of the skipped rules one time in four.
    proc = cli(tmp_path, "sweep", "fixture-api", "--base-url", portal.base_url, "--db", db,
               "--settings", str(settings))
    assert proc.returncode == 0, proc.stderr[-3000:]
    store = Store(db)
    sweep = store.latest_sweep()
    rules = {d.rule for d in store.defects(sweep.id, include_dismissed=True)}
    swept = {g.record.id for g in store.guides(sweep.id)}
    seeded = {rule for gid, rule in portal.seeded_defects() if gid in swept}
    skipped = {"location.no-room-or-window", "hours.vague"}
    assert seeded >= skipped  # the swept guides do break them: the file is what kept them out
    assert rules == seeded - skipped
    (run,) = store.check_runs(sweep.id)
    assert run.settings["skip_rules"] == ["location.no-room-or-window", "hours.vague"]
    store.close()


def test_a_bad_settings_file_stops_before_fetching(portal, tmp_path) -> None:
    settings = tmp_path / "bad.yaml"
    settings.write_text("skip_rulez: [x]\n", "utf-8")
    before = portal.hits("/portal/")
    proc = cli(tmp_path, "sweep", "fixture-api", "--base-url", portal.base_url, "--settings", str(settings))
    assert proc.returncode == 2
    assert "bad.yaml" in proc.stderr and "skip_rulez" in proc.stderr and "Traceback" not in proc.stderr
    assert portal.hits("/portal/") == before
