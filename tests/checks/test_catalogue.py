"""The auditors' rule catalogue is generated from the declarations and kept current in docs/."""

from __future__ import annotations

from pathlib import Path

from guideaudit.checks import RULES
from guideaudit.checks.catalogue import catalogue, markdown

DOC = Path(__file__).resolve().parents[2] / "docs" / "rule-catalogue.md"


def test_every_rule_is_in_the_catalogue_with_what_fails_and_a_right_value() -> None:
    rows = catalogue()
    assert [r["id"] for r in rows] == sorted(RULES, key=lambda i: ([r["id"] for r in rows].index(i)))
    assert {r["id"] for r in rows} == set(RULES)
    assert all(r["fails"] and r["right"] and "{" not in r["fails"] for r in rows)
    by = {r["id"]: r for r in rows}
    assert "《行政许可法》第四十二条" in by["statutory-limit.none-for-licence"]["basis"]


def test_docs_catalogue_is_current() -> None:
    assert DOC.read_text("utf-8") == markdown(), "重新生成：python -m guideaudit.checks.catalogue > docs/rule-catalogue.md"
