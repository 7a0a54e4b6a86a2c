"""What a resumed sweep writes again is held once: guides replace themselves (with their defects),
a request received twice is one page, a URL failing twice is one failure, and a failure is
cleared once its guide is stored. The figures of a sweep come from these rows (SQLite and
PostgreSQL: the upsert is dialect-specific)."""

from __future__ import annotations

import pytest
from guideaudit.crawler.lifecycle import sweep_figures

from guideaudit.record import GuideRecord
from guideaudit.store import GuideEntry, Store
from guideaudit.store.store import DefectRow


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request, tmp_path):
    url = f"sqlite:///{tmp_path / 's.sqlite3'}" if request.param == "sqlite" else request.getfixturevalue("pg_url")
    s = Store(url)
    yield s
    s.close()


def _entry(gid: str, url: str, defects: int) -> GuideEntry:
    record = GuideRecord(id=gid, url=url, agency="甲局", item_name=f"事项{gid}")
    rows = [DefectRow(f"{gid}-d{i}", "hours.vague", "E1-4", "error", "办理时间含糊", "工作时间", "写明时段") for i in range(defects)]
    return GuideEntry(record=record, elements={"E1-4": "fail" if defects else "pass"}, defects=rows)


def test_writes_of_a_resumed_sweep_replace_by_key(store):
    sweep = store.start_sweep("t")
    a, b = "http://127.0.0.1/g/a.html", "http://127.0.0.1/g/b.html"
    # first run: a list page and guide a received, a stored with 2 defects, b failed
    store.record_pages(sweep.id, [("list1", "http://127.0.0.1/list?p=1", 200), ("ka", a, 200)])
    store.save_guides(sweep.id, [_entry("A", a, 2)])
    store.add_fetch_failure(sweep.id, b, 503, "HTTP 503")
    # killed; the resumed run receives the list page again, fails on b again, then …
    store.record_pages(sweep.id, [("list1", "http://127.0.0.1/list?p=1", 200), ("list1", "http://127.0.0.1/list?p=1", 200)])
    store.add_fetch_failure(sweep.id, b, 503, "HTTP 503")
    assert [f["url"] for f in store.fetch_failures(sweep.id)] == [b]  # once, not twice
    # … a guide stored again (a duplicate listing) replaces itself and its defects
    store.save_guides(sweep.id, [_entry("A", a, 1)])
    assert store.stored_counts(sweep.id) == {"guides": 1, "defects": 1, "pages": 2}
    # b recovers: stored, its failure is gone
    store.record_pages(sweep.id, [("kb", b, 200)])
    store.save_guides(sweep.id, [_entry("B", b, 0)])
    assert store.fetch_failures(sweep.id) == []
    figures = sweep_figures(store, sweep.id)
    assert isinstance(figures.pop("attachments_rule"), int)  # which code counted attachments
    assert figures == {"guides": 2, "defects": 1, "pages": 3, "incomplete": 0, "attachments": 0,
                       "fetch_failures": 0, "check_errors": 0}
    # a list page that failed before and answers now is cleared by URL
    store.add_fetch_failure(sweep.id, "http://127.0.0.1/list?p=2", 500, "HTTP 500")
    assert store.clear_fetch_failures(sweep.id, ["http://127.0.0.1/list?p=2"]) == 1
    # another sweep's rows are its own
    other = store.start_sweep("t")
    store.record_pages(other.id, [("list1", "http://127.0.0.1/list?p=1", 200)])
    assert store.stored_counts(other.id) == {"guides": 0, "defects": 0, "pages": 1}
    assert store.stored_counts(sweep.id)["pages"] == 3


def test_writer_refreshes_progress_counts_now_and_then_not_per_batch(store):
    """The sweep row's progress counts cost three COUNT(*) over the sweep's rows, growing with
    the sweep: the writer refreshes them with its first batch, then not again until
    COUNTS_EVERY seconds have passed (a fake clock here), whatever the number of batches."""
    from guideaudit.crawler.pipelines import store as writer

    now = [100.0]
    counts = writer.ProgressCounts(clock=lambda: now[0])
    sweep = store.start_sweep("t")

    def save(n: int, first: int) -> None:
        batch = [_entry(f"G{i}", f"http://127.0.0.1/g/{i}.html", 1) for i in range(first, first + n)]
        pages = [(f"k{i}", f"http://127.0.0.1/g/{i}.html", 200) for i in range(first, first + n)]
        writer._apply(store, "save", (sweep.id, batch, pages, []), counts)

    def shown() -> dict:
        return store.get_sweep(sweep.id).counts

    save(3, 0)
    assert shown() == {"guides": 3, "defects": 3, "pages": 3}  # the first batch shows at once
    for k in range(5):  # more batches within the interval: the row is left as it was
        now[0] += writer.COUNTS_EVERY / 10
        save(2, 3 + 2 * k)
    assert store.stored_counts(sweep.id)["guides"] == 13
    assert shown()["guides"] == 3
    now[0] += writer.COUNTS_EVERY
    save(1, 13)
    assert shown() == {"guides": 14, "defects": 14, "pages": 14}
