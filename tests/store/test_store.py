"""The store keeps each guide version once, every sweep's defects with their first sighting, and
auditors' decisions that hold only while the guide is unchanged. Runs on SQLite and, where the
server is reachable, PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from guideaudit.record import GuideRecord
from guideaudit.store import DefectRow, GuideEntry, RawPage, ReviewDecision, Store, StoreError


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request, tmp_path):
    url = (
        f"sqlite:///{tmp_path / 'store.sqlite3'}"
        if request.param == "sqlite"
        else request.getfixturevalue("pg_url")
    )
    s = Store(url)
    yield s
    s.close()


def _guide(gid: str, hours: str = "周一至周五 9:00-17:00") -> GuideRecord:
    return GuideRecord(id=gid, url=f"http://127.0.0.1/g/{gid}", item_name=f"事项{gid}", agency="甲局", hours=hours)


def _entry(record: GuideRecord, *defects: tuple[str, str]) -> GuideEntry:
    rows = [
        DefectRow(defect_id=f"{record.id}-{rule}", rule=rule, element=el, severity="error",
                  message="问题", evidence="原文", suggestion="建议")
        for rule, el in defects
    ]
    elements = {"E1-4": "fail" if defects else "pass"}
    raw = RawPage(record.url, "text/html; charset=utf-8", "utf-8", "<html>页面</html>".encode())
    return GuideEntry(record, elements, rows, raw)


def test_unchanged_guide_is_stored_once_across_sweeps(store):
    for _ in range(2):
        sweep = store.start_sweep("demo")
        store.save_guides(sweep.id, [_entry(_guide("A")), _entry(_guide("B"))])
        store.finish_sweep(sweep.id, "complete", {"guides": 2})
    with store.engine.connect() as conn:
        versions = conn.execute(text("select count(*) from ga_guide_versions")).scalar()
    assert versions == 2
    assert store.latest_sweep().id == 2 and store.latest_sweep().counts == {"guides": 2}
    assert store.raw_page(2, "A").body.decode() == "<html>页面</html>"


def test_defect_first_seen_is_the_first_sweep_it_appeared_in(store):
    s1 = store.start_sweep("demo")
    store.save_guides(s1.id, [_entry(_guide("A"), ("hours.vague", "E1-4"))])
    store.finish_sweep(s1.id, "complete")
    s2 = store.start_sweep("demo")
    store.save_guides(s2.id, [_entry(_guide("A"), ("hours.vague", "E1-4"), ("hours.no-days", "E1-4"))])
    store.finish_sweep(s2.id, "complete")
    first = {d.rule: d.first_seen_sweep for d in store.defects(s2.id)}
    assert first == {"hours.vague": s1.id, "hours.no-days": s2.id}


def test_false_positive_holds_while_guide_unchanged_and_lapses_when_it_changes(store):
    s1 = store.start_sweep("demo")
    store.save_guides(s1.id, [_entry(_guide("A"), ("hours.vague", "E1-4")), _entry(_guide("B"), ("hours.vague", "E1-4"))])
    store.finish_sweep(s1.id, "complete")
    store.record_reviews([ReviewDecision("A-hours.vague", "误报", "其实有时间"),
                          ReviewDecision("B-hours.vague", "误报")], reviewer="张三")
    assert [d.guide_id for d in store.defects(s1.id)] == []

    s2 = store.start_sweep("demo")
    store.save_guides(s2.id, [_entry(_guide("A"), ("hours.vague", "E1-4")),
                              _entry(_guide("B", hours="工作时间"), ("hours.vague", "E1-4"))])
    store.finish_sweep(s2.id, "complete")
    live = store.defects(s2.id)
    assert [d.guide_id for d in live] == ["B"]  # B changed: judged afresh
    dismissed = [d for d in store.defects(s2.id, include_dismissed=True) if d.dismissed]
    assert [(d.guide_id, d.review_comment, d.reviewer) for d in dismissed] == [("A", "其实有时间", "张三")]


def test_review_with_unknown_id_writes_nothing(store):
    s1 = store.start_sweep("demo")
    store.save_guides(s1.id, [_entry(_guide("A"), ("hours.vague", "E1-4"))])
    with pytest.raises(StoreError, match="nope"):
        store.record_reviews([ReviewDecision("A-hours.vague", "误报"), ReviewDecision("nope", "误报")], "李四")
    with pytest.raises(StoreError, match="无效"):
        store.record_reviews([ReviewDecision("A-hours.vague", "删除")], "李四")
    assert store.reviews() == []


def test_resaving_a_guide_in_the_same_sweep_replaces_it(store):
    s1 = store.start_sweep("demo")
    store.save_guides(s1.id, [_entry(_guide("A"), ("hours.vague", "E1-4"))])
    store.save_guides(s1.id, [_entry(_guide("A"))])
    assert store.guide_count(s1.id) == 1 and store.defects(s1.id) == []
    assert store.done_urls(s1.id) == {"http://127.0.0.1/g/A"}


def test_failed_batch_leaves_nothing_half_written(store):
    s1 = store.start_sweep("demo")
    good = _entry(_guide("A"))
    bad = GuideEntry(_guide("B"), {"E1-4": "pass"}, [None], None)  # type: ignore[list-item]
    with pytest.raises(AttributeError):
        store.save_guides(s1.id, [good, bad])
    assert store.guide_count(s1.id) == 0


def test_unknown_sweep_and_bad_url_are_clear_errors(store, tmp_path):
    with pytest.raises(StoreError, match="第 99 次抓取"):
        store.get_sweep(99)
    with pytest.raises(StoreError, match="数据库地址无效"):
        Store("not a url")
    with pytest.raises(StoreError, match=r"不支持的数据库地址 nosuchdb://u:\*\*\*@h/db"):
        Store("nosuchdb://u:secret@h/db")


def test_incomplete_sweep_is_never_the_latest_complete_one(store):
    done = store.start_sweep("demo")
    store.finish_sweep(done.id, "complete")
    broken = store.start_sweep("demo")
    store.finish_sweep(broken.id, "incomplete")
    assert store.latest_sweep().id == done.id
    assert store.reopen_sweep(broken.id).status == "running"


def test_review_binds_to_the_sweep_the_auditor_reviewed(store):
    s1 = store.start_sweep("demo")
    store.save_guides(s1.id, [_entry(_guide("A"), ("hours.vague", "E1-4"))])
    store.finish_sweep(s1.id, "complete")
    s2 = store.start_sweep("demo")
    store.save_guides(s2.id, [_entry(_guide("A", hours="上班时间"), ("hours.vague", "E1-4"))])
    store.finish_sweep(s2.id, "complete")
    # The auditor marks the defect on sweep 1's list after sweep 2 has run.
    store.record_reviews([ReviewDecision("A-hours.vague", "误报")], "王五", sweep_id=s1.id)
    assert store.defects(s1.id) == []
    assert [d.guide_id for d in store.defects(s2.id)] == ["A"]  # other text: judged afresh


def test_stored_content_hash_is_the_records_own(store):
    record = _guide("A")
    sweep = store.start_sweep("demo")
    store.save_guides(sweep.id, [_entry(record)])
    [stored] = list(store.guides(sweep.id))
    assert stored.content_hash == record.content_hash() and stored.record == record


def test_a_guide_twice_in_one_batch_is_stored_once_as_its_last_version(store):
    sweep = store.start_sweep("demo")
    first, second = _guide("A"), _guide("A", hours="上班时间")
    store.save_guides(sweep.id, [_entry(first, ("hours.vague", "E1-4")), _entry(_guide("B")), _entry(second)])
    assert store.guide_count(sweep.id) == 2
    assert {g.record.id: g.record.hours for g in store.guides(sweep.id)} == {"A": "上班时间", "B": _guide("B").hours}
    assert store.defects(sweep.id) == []


def test_false_positive_survives_a_resweep_from_another_host_and_port(store):
    def at(origin: str, error: str | None) -> GuideRecord:
        return GuideRecord(
            id="A", url=f"{origin}/g/A", item_name="事项A", agency="甲局", hours="工作时间",
            materials=[{"name": "申请表", "blank_form": {"url": f"{origin}/files/1.doc;jsessionid=S1?id=1&_t=9",
                                                        "status": 200 if not error else None, "error": error}}],
        )

    s1 = store.start_sweep("demo")
    store.save_guides(s1.id, [_entry(at("http://127.0.0.1:8000", None), ("hours.vague", "E1-4"))])
    store.finish_sweep(s1.id, "complete")
    store.record_reviews([ReviewDecision("A-hours.vague", "误报")], reviewer="张三")
    s2 = store.start_sweep("demo")
    # same published text, read over https from another port, the form timing out that day
    store.save_guides(s2.id, [_entry(at("https://127.0.0.1:9443", "timeout"), ("hours.vague", "E1-4"))])
    store.finish_sweep(s2.id, "complete")
    assert store.defects(s2.id) == []
    (guide,) = list(store.guides(s2.id))
    assert guide.record.url == "https://127.0.0.1:9443/g/A"  # the stored record is the one read


def test_an_older_store_is_upgraded_in_place_and_keeps_its_decisions(tmp_path):
    """A schema-2 store (no published hash; reviews bound to the version key) opens as schema 3:
    every version gets its published hash, every decision is rebound, 误报 still dismisses."""
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    s = Store(url)
    s1 = s.start_sweep("demo")
    s.save_guides(s1.id, [_entry(_guide("A"), ("hours.vague", "E1-4"))])
    s.finish_sweep(s1.id, "complete")
    s.record_reviews([ReviewDecision("A-hours.vague", "误报")], reviewer="张三")
    with s.engine.begin() as conn:  # turn it back into what schema 2 wrote
        key = conn.execute(text("select content_hash from ga_guide_versions")).scalar()
        conn.execute(text("update ga_reviews set content_hash = :k"), {"k": key})
        conn.execute(text("update ga_guide_versions set published_hash = null"))
        conn.execute(text("update ga_meta set value = '2' where key = 'schema_version'"))
    s.close()
    s = Store(url)
    with s.engine.connect() as conn:
        assert conn.execute(text("select value from ga_meta where key = 'schema_version'")).scalar() == "3"
        assert conn.execute(text("select count(*) from ga_guide_versions where published_hash is null")).scalar() == 0
    assert s.defects(s1.id) == [] and s.reviews()[0].content_hash == _guide("A").content_hash()
    s.close()


@pytest.mark.postgres
def test_long_reads_arrive_in_chunks_from_a_server_side_cursor_on_postgresql(pg_url):
    """Counting a 100,000-guide sweep's records must not hold them all: psycopg fetches a plain
    query's whole result at once (a sweep's finish peaked at 410 MB), so every long read runs
    through a server-side cursor. Seen from another session while the first row is in hand:
    the reading session declared a cursor and fetches from it a chunk at a time."""
    store = Store(pg_url)
    try:
        sweep = store.start_sweep("demo")
        for start in range(0, 1200, 200):
            store.save_guides(sweep.id, [_entry(_guide(f"G{i:04d}")) for i in range(start, start + 200)])
        store.add_ledger(sweep.id, [{"url": f"http://127.0.0.1/g/G{i:04d}", "state": "guide", "kind": "stored"}
                                    for i in range(1200)])
        reads = {
            "record_data": lambda: store.record_data(sweep.id),
            "guides": lambda: store.guides(sweep.id),
            "ledger": lambda: store.ledger(sweep.id),
            "iter_ledger_urls": lambda: store.iter_ledger_urls(sweep.id),
        }
        for name, read in reads.items():
            rows = read()
            next(rows)
            with store.engine.connect() as other:
                queries = other.execute(text(
                    "select query from pg_stat_activity where datname = current_database() "
                    "and pid <> pg_backend_pid() and query ilike 'FETCH FORWARD%'"
                )).scalars().all()
            assert queries, f"{name}: the first row came without a server-side cursor"
            assert sum(1 for _ in rows) + 1 == 1200, name
    finally:
        store.close()
