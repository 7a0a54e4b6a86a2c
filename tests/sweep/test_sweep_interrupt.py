"""Sweeps from cron: Ctrl-C leaves an incomplete sweep that --resume finishes without fetching a
guide page twice; a second sweep of the same portal is refused (exit 3); a sweep killed with
SIGKILL is found dead by the next one. All with the real CLI in subprocesses."""

from __future__ import annotations

import signal
import time
from collections import Counter
from urllib.parse import urlsplit

import pytest

from guideaudit.store import Store

from .helpers import cli, popen_cli


def _wait_for(predicate, timeout: float = 180, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _stored_guides(db: str) -> int:
    store = Store(db)
    try:
        sweeps = store.list_sweeps()
        return store.guide_count(sweeps[-1].id) if sweeps else 0
    finally:
        store.close()


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


@pytest.fixture(scope="module")
def interrupted(portal, truth, failing_guide, tmp_path_factory):
    """Start an HTML sweep, try a second one while it runs, Ctrl-C the first, resume it."""
    home = tmp_path_factory.mktemp("interrupt-home")
    db = f"sqlite:///{home / 'sweep.sqlite3'}"
    log_start = len(portal.request_log())
    first = popen_cli(home, "sweep", "fixture-html", "--base-url", portal.base_url, "--db", db)
    try:
        _wait_for(lambda: _stored_guides(db) >= 200, what="the first batch of guides")
        second = cli(home, "sweep", "fixture-html", "--base-url", portal.base_url, "--db", db, timeout=120)
        stored_before_stop = _stored_guides(db)
        first.send_signal(signal.SIGINT)
        out, err = first.communicate(timeout=120)
    finally:
        if first.poll() is None:
            first.kill()
    store = Store(db)
    after_interrupt = store.list_sweeps()
    latest_complete = store.latest_sweep("fixture-html")
    store.close()
    resumed = cli(home, "sweep", "fixture-html", "--resume", "--base-url", portal.base_url, "--db", db)
    store = Store(db)
    result = {
        "first_rc": first.returncode, "first_out": out + err, "second": second,
        "stored_before_stop": stored_before_stop, "after_interrupt": after_interrupt,
        "latest_complete_after_interrupt": latest_complete, "resumed": resumed,
        "sweeps": store.list_sweeps(), "store": store, "db": db,
        "requests": portal.request_log()[log_start:],
    }
    yield result
    store.close()


def test_second_sweep_of_same_portal_exits_3(interrupted):
    second = interrupted["second"]
    assert second.returncode == 3, second.stdout + second.stderr
    assert "已有抓取在运行" in second.stderr and "fixture-html" in second.stderr
    assert len(interrupted["after_interrupt"]) == 1  # the refused run created no sweep


def test_sigint_marks_sweep_incomplete(interrupted):
    assert interrupted["first_rc"] == 130, interrupted["first_out"]
    [sweep] = interrupted["after_interrupt"]
    assert sweep.status == "incomplete"
    assert "中断" in sweep.error
    assert sweep.counts["guides"] >= interrupted["stored_before_stop"]
    # never mixed into the latest complete sweep
    assert interrupted["latest_complete_after_interrupt"] is None
    assert f"--resume {sweep.id}" in interrupted["first_out"]


def test_resume_completes_without_fetching_a_guide_twice(interrupted, truth, failing_guide):
    resumed = interrupted["resumed"]
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    [sweep] = interrupted["sweeps"]
    assert sweep.status == "complete"
    assert f"续抓第 {sweep.id} 次抓取" in resumed.stdout
    html = [g for g in truth if g.portal == "fixture-html"]
    assert sweep.counts["guides"] == len(html) - 1
    stored = {r.id for r in interrupted["store"].records(sweep.id)}
    assert stored == {g.id for g in html} - {failing_guide.id}
    # The 404 page was never stored, so the resumed run rightly tries it again.
    guide_paths = {_path(g.url) for g in html if g.id != failing_guide.id}
    gets = Counter(path for method, path, _status in interrupted["requests"] if method == "GET" and path in guide_paths)
    twice = {p: n for p, n in gets.items() if n > 1}
    assert not twice, f"{len(twice)} 个指南页被抓取了不止一次，例如 {list(twice.items())[:5]}"
    assert len(gets) == len(html) - 1  # every guide page was fetched
    assert interrupted["resumed"].stdout.count("日志：") >= 1


def test_sigkill_left_running_then_marked_incomplete_and_resumed(portal, truth, tmp_path):
    home = tmp_path
    db = f"sqlite:///{home / 'kill.sqlite3'}"
    proc = popen_cli(home, "sweep", "fixture-api", "--base-url", portal.base_url, "--db", db)
    try:
        _wait_for(lambda: _stored_guides(db) > 0, what="guides from the API sweep")
    finally:
        proc.kill()
        proc.communicate(timeout=60)
    store = Store(db)
    [killed] = store.list_sweeps()
    store.close()
    assert killed.status == "running" and killed.pid == proc.pid and killed.host

    # `--resume N` alone: the portal and its address come from what the sweep recorded.
    resumed = cli(home, "sweep", "--resume", str(killed.id), "--db", db)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert f"进程 {proc.pid} 已终止，已标记为未完成" in resumed.stdout
    assert f"续抓第 {killed.id} 次抓取" in resumed.stdout
    store = Store(db)
    try:
        [sweep] = store.list_sweeps()
        assert sweep.status == "complete"
        api = {g.id for g in truth if g.portal == "fixture-api"}
        assert {r.id for r in store.records(sweep.id)} == api
    finally:
        store.close()


def test_bad_input_exits_2(portal, tmp_path):
    bad = cli(tmp_path, "sweep", "no-such-portal", "--base-url", portal.base_url)
    assert bad.returncode == 2 and "no-such-portal" in bad.stderr
    no_base = cli(tmp_path, "sweep", "fixture-html")
    assert no_base.returncode == 2 and "--base-url" in no_base.stderr
    bad_set = cli(tmp_path, "sweep", "fixture-html", "--base-url", portal.base_url, "--set", "DOWNLOAD_DELAY")
    assert bad_set.returncode == 2 and "KEY=VALUE" in bad_set.stderr
    bad_db = cli(tmp_path, "sweep", "fixture-html", "--base-url", portal.base_url, "--db", "nosuchdb://x")
    assert bad_db.returncode == 2 and "数据库" in bad_db.stderr


def test_sigterm_marks_sweep_incomplete(portal, tmp_path):
    db = f"sqlite:///{tmp_path / 'term.sqlite3'}"
    proc = popen_cli(tmp_path, "sweep", "fixture-api", "--base-url", portal.base_url, "--db", db)
    try:
        _wait_for(lambda: _stored_guides(db) > 0, what="guides from the API sweep")
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, out + err
    store = Store(db)
    try:
        [sweep] = store.list_sweeps()
        assert sweep.status == "incomplete" and sweep.finished_at is not None
        assert sweep.counts["guides"] == store.guide_count(sweep.id) > 0
        assert store.latest_sweep("fixture-api") is None
    finally:
        store.close()
