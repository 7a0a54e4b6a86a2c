"""Portal text is untrusted: a control character (XML cannot hold it) or a formula in a unit name,
item name or evidence leaves every workbook and csv readable and inert."""

from __future__ import annotations

import csv

from guideaudit.checks import check_guide
from guideaudit.checks.stored import entry_of
from guideaudit.reports.build import build_report
from openpyxl import load_workbook

from guideaudit.record import GuideRecord
from guideaudit.store import Store

AGENCY = "江海市\x07市场\x1b监督管理局"
NAME = "=HYPERLINK(\"http://127.0.0.1/x\",\"点我\")\x0b"


def test_control_characters_and_formulas_in_portal_text(tmp_path) -> None:
    store = Store(f"sqlite:///{tmp_path / 's.sqlite3'}")
    sweep = store.start_sweep("test", None, {}, "test")
    record = GuideRecord(url="http://127.0.0.1/g/1", item_name=NAME, agency=AGENCY, hours="-1+1 工作时间\x00")
    store.save_guides(sweep.id, [entry_of(record, check_guide(record))])
    store.finish_sweep(sweep.id, "complete", {"guides": 1})
    built = build_report(store, store.latest_sweep(), tmp_path / "r", per_unit=True)
    for path in built.files:
        if path.suffix == ".xlsx":
            book = load_workbook(path)  # malformed XML would raise here
            cells = [c.value for ws in book.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
            assert not any(ch in v for v in cells for ch in "\x00\x07\x0b\x1b")
            assert all(c.data_type != "f" for ws in book.worksheets for row in ws.iter_rows() for c in row)
    rows = list(csv.reader((built.out / "缺陷清单.csv").open(encoding="utf-8-sig")))
    names = {r[2] for r in rows[1:]}
    assert names and all(not n.startswith("=") for n in names)
    store.close()
