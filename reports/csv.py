"""缺陷清单.csv: every listed defect in one table, UTF-8 with BOM so Excel opens it as Chinese."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from guideaudit.reports.defects import COLUMNS, UNSURE_COLUMNS, DefectList

from guideaudit.outfiles import atomic_open, csv_writer


def write_table(path: Path, headers: Sequence[str], rows: Iterable[Sequence[object]]) -> int:
    count = 0
    with atomic_open(path, encoding="utf-8-sig", newline="") as fh:
        writer = csv_writer(fh)
        writer.writerow(headers)
        for row in rows:
            writer.writerow(row)
            count += 1
    return count


def write_defect_csv(path: Path, defects: DefectList) -> int:
    # The checksum column only guards the xlsx round trip; the csv is not imported.
    headers = [name for name, _ in COLUMNS if name != "校验码"]
    return write_table(
        path, headers, (row.cells(i)[: len(headers)] for i, row in enumerate(defects.rows, start=1))
    )


def write_unsure_csv(path: Path, defects: DefectList) -> int:
    """待核实清单.csv: every element that could not be judged, with its reasons."""
    headers = [name for name, _ in UNSURE_COLUMNS if name != "校验码"]
    return write_table(
        path, headers, (row.cells(i)[: len(headers)] for i, row in enumerate(defects.unsure, start=1))
    )
