"""The portal lock lives with the store: two processes on one store never run one portal's sweep,
whatever GUIDEAUDIT_HOME each uses; a sweep left "running" whose lock is free is reaped, also when
it names another host. Real processes, a real SQLite file and a real PostgreSQL database."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest
from guideaudit.crawler.lock import PortalLock, SweepLocked, lock_path

from guideaudit.store import Store

from .helpers import cli, cli_env, popen_cli

HOLD = (
    "import sys\n"
    "from guideaudit.crawler.lock import PortalLock\n"
    "lock = PortalLock(sys.argv[1], sys.argv[2:])\n"
    "lock.acquire()\n"
    "print('held', flush=True)\n"
    "sys.stdin.read()\n"
)


def _holder(home, db: str, *portals: str) -> subprocess.Popen:
    """Another process, with a GUIDEAUDIT_HOME of its own, holding the portals' locks."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, db, *portals], env=cli_env(home),
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    line = proc.stdout.readline().strip()
    assert line == "held", proc.stderr.read()
    return proc


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    return request.getfixturevalue("pg_url")


def test_lock_is_the_stores_whatever_home_and_dies_with_its_holder(store_url, tmp_path):
    Store(store_url).close()
    holder = _holder(tmp_path / "home-a", store_url, "fixture-html")
    try:
        with pytest.raises(SweepLocked) as refused:  # this process: another GUIDEAUDIT_HOME
            PortalLock(store_url, ["fixture-html"]).acquire()
        assert f"pid={holder.pid}" in str(refused.value)
        # another portal of the same store, and the same portal in another store, are free
        with PortalLock(store_url, ["fixture-api"]):
            pass
        with PortalLock(f"sqlite:///{tmp_path / 'other.sqlite3'}", ["fixture-html"]):
            pass
        # all or none: a multi-portal sweep holding one portal's lock is refused as a whole
        with pytest.raises(SweepLocked):
            PortalLock(store_url, ["fixture-api", "fixture-html"]).acquire()
        with PortalLock(store_url, ["fixture-api"]):
            pass  # the refused attempt kept nothing
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(30)
    # SIGKILL: the kernel (SQLite) or the server (PostgreSQL) drops the lock with its holder.
    deadline = time.monotonic() + 30
    while True:
        try:
            with PortalLock(store_url, ["fixture-html"]):
                break
        except SweepLocked:
            if time.monotonic() > deadline:  # the server notices a dead connection at once on loopback
                raise
            time.sleep(0.2)


def test_sqlite_lock_file_sits_beside_the_database(tmp_path):
    db = f"sqlite:///{tmp_path / 'data' / 'audit.sqlite3'}"
    path = lock_path("url:gov.example.cn:8080", db)
    assert path.parent == tmp_path / "data" / "audit.sqlite3.locks"
    assert path.name == "url_gov.example.cn_8080.lock"


def test_cli_sweep_under_another_home_is_refused_while_the_lock_is_held(portal, store_url, tmp_path):
    Store(store_url).close()
    holder = _holder(tmp_path / "home-a", store_url, "fixture-api")
    before = portal.hits("/")
    try:
        refused = cli(tmp_path / "home-b", "sweep", "fixture-api", "--base-url", portal.base_url, "--db", store_url)
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(30)
    assert refused.returncode == 3, refused.stdout + refused.stderr
    assert "已有抓取在运行" in refused.stderr and f"pid={holder.pid}" in refused.stderr
    assert portal.hits("/") == before  # nothing fetched
    store = Store(store_url)
    try:
        assert store.list_sweeps() == []  # nothing created
    finally:
        store.close()


def test_running_sweep_of_another_host_with_a_free_lock_is_reaped_and_resumed(portal, truth, store_url, tmp_path):
    """What a machine that died (or a container with another host name) leaves: "running", a pid
    and a host that mean nothing here, and no lock. The next sweep on the store reaps it."""
    store = Store(store_url)
    try:
        ghost = store.start_sweep("fixture-api", portal.base_url, {"profiles": ["fixture-api"], "base_url": portal.base_url})
        store.update_counts(ghost.id, {"guides": 999, "defects": 999})  # what a dead run had counted
        from sqlalchemy import update

        from guideaudit.store import schema

        with store.engine.begin() as conn:
            conn.execute(update(schema.sweeps).where(schema.sweeps.c.id == ghost.id).values(host="elsewhere", pid=1))
    finally:
        store.close()
    resumed = cli(tmp_path / "home-b", "sweep", "--resume", str(ghost.id), "--db", store_url, "--max-guides", "30")
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert f"第 {ghost.id} 次抓取的进程 1 已终止，已标记为未完成" in resumed.stdout
    assert "elsewhere" in resumed.stdout
    store = Store(store_url)
    try:
        [sweep] = store.list_sweeps()
        assert sweep.status == "complete"
        assert sweep.counts["guides"] == store.guide_count(sweep.id) == 30  # counted, not carried over
        assert sweep.counts["defects"] == len(store.defects(sweep.id, include_dismissed=True))
    finally:
        store.close()


@pytest.mark.postgres
def test_two_sweep_processes_on_postgresql_then_sigkill_and_resume(portal, truth, pg_url, tmp_path):
    """Process A sweeps into PostgreSQL; B (another GUIDEAUDIT_HOME) is refused with exit 3;
    A is killed with SIGKILL; C resumes A's sweep (the server dropped A's lock) and completes it."""
    args = ["sweep", "fixture-api", "--base-url", portal.base_url, "--db", pg_url]
    a = popen_cli(tmp_path / "home-a", *args, "--set", "DOWNLOAD_DELAY=0.02", "--set", "GUIDEAUDIT_STORE_BATCH=20")
    try:
        deadline = time.monotonic() + 180
        while True:
            store = Store(pg_url)
            try:
                sweeps = store.list_sweeps()
                stored = store.guide_count(sweeps[0].id) if sweeps else 0
            finally:
                store.close()
            if stored > 0:
                break
            assert a.poll() is None and time.monotonic() < deadline, "sweep A stored nothing"
            time.sleep(0.2)
        b = cli(tmp_path / "home-b", *args)
    finally:
        a.send_signal(signal.SIGKILL)
        a.communicate(timeout=60)
    assert b.returncode == 3, b.stdout + b.stderr
    assert f"pid={a.pid}" in b.stderr
    c = cli(tmp_path / "home-c", *args, "--resume")
    assert c.returncode == 0, c.stdout + c.stderr
    assert f"进程 {a.pid} 已终止，已标记为未完成" in c.stdout
    store = Store(pg_url)
    try:
        [sweep] = store.list_sweeps()
        assert sweep.status == "complete"
        api = {g.id for g in truth if g.portal == "fixture-api"}
        assert {r.id for r in store.records(sweep.id)} == api
        assert sweep.counts["guides"] == len(api)
        assert sweep.counts["defects"] == len(store.defects(sweep.id, include_dismissed=True))
    finally:
        store.close()


def test_sweeps_shows_a_running_row_whose_lock_is_free_as_interrupted(store_url, tmp_path):
    """`sweeps` asks the lock, not only the row: held by a live process → 运行中; free (its
    process was SIGKILLed) → 中断, with the --resume that takes it over. Asking takes no lock."""
    store = Store(store_url)
    try:
        sweep = store.start_sweep("lockportal", "http://127.0.0.1:9/")
    finally:
        store.close()
    holder = _holder(tmp_path / "other", store_url, "lockportal")
    try:
        listed = cli(tmp_path, "sweeps", "--db", store_url)
        row = next(line for line in listed.stdout.splitlines() if line.startswith(f"{sweep.id} "))
        assert "运行中" in row and "中断" not in row, listed.stdout
        with pytest.raises(SweepLocked):  # the probe left the holder's lock alone
            PortalLock(store_url, ["lockportal"]).acquire()
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    listed = cli(tmp_path, "sweeps", "--db", store_url)
    row = next(line for line in listed.stdout.splitlines() if line.startswith(f"{sweep.id} "))
    assert "中断" in row and f"--resume {sweep.id}" in row, listed.stdout
    # Its row's counts are what its writer last wrote (every few seconds, then never again):
    # `sweeps` shows the guides and defects the store holds, not those.
    store = Store(store_url)
    try:
        store.update_counts(sweep.id, {"guides": 999, "defects": 998, "pages": 997})
        store.record_pages(sweep.id, [("k1", "http://127.0.0.1:9/g/1.html", 200)])
    finally:
        store.close()
    listed = cli(tmp_path, "sweeps", "--db", store_url)
    row = next(line for line in listed.stdout.splitlines() if line.startswith(f"{sweep.id} "))
    assert "999" not in row and "998" not in row and row.split()[-5:-3] == ["0", "0"], listed.stdout
    detail = cli(tmp_path, "sweeps", "--db", store_url, "--detail", str(sweep.id))
    assert "页面 1，指南 0，问题 0" in detail.stdout, detail.stdout
    with PortalLock(store_url, ["lockportal"]):  # and the probe holds nothing afterwards
        pass
