"""Helpers shared by the scheme tests: write a real metrics file and score it."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest
from guideaudit.schemes import load_scheme, score
from guideaudit.schemes.inputs import load_metrics


class Scoring:
    def __init__(self, tmp_path: Path):
        self.tmp = tmp_path
        self.count = 0

    def write(self, rows: list[tuple], header: bool = True) -> Path:
        self.count += 1
        path = self.tmp / f"metrics{self.count}.csv"
        with path.open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            if header:
                w.writerow(["unit", "indicator", "value", "period", "method", "note"])
            for row in rows:
                w.writerow(list(row) + [""] * (6 - len(row)))
        return path

    def score(self, scheme_id: str, rows: list[tuple], **kw):
        path = self.write(rows)
        return score(load_scheme(scheme_id), load_metrics(path), **kw)


@pytest.fixture
def scoring(tmp_path) -> Scoring:
    return Scoring(tmp_path)


def D(x) -> Decimal:
    return Decimal(str(x))
