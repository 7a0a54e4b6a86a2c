"""缺陷清单.csv: every listed defect in one table, UTF-8 with BOM so Excel opens it as Chinese."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path

from guideaudit.reports.defects import COLUMNS, DefectList

# A spreadsheet runs a cell that starts with one of these as a formula: crawled text must not.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def write_table(path: Path, headers: Sequence[str], rows: Iterable[Sequence[object]]) -> int:
    count = 0
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(headers)
        for row in rows:
            writer.writerow([neutralise(v) for v in row])
            count += 1
    return count


def write_defect_csv(path: Path, defects: DefectList) -> int:
    # The checksum column only guards the xlsx round trip; the csv is not imported.
    headers = [name for name, _ in COLUMNS if name != "校验码"]
    return write_table(
        path, headers, (row.cells(i)[: len(headers)] for i, row in enumerate(defects.rows, start=1))
    )
