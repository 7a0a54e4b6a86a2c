"""Hand-written guide records with their expected verdicts (axe-core style): each case is the
passing base guide in cases/_base.yaml with some fields replaced."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml
from guideaudit.checks import RULES, CheckSettings, check_guide

from guideaudit.record import parse_record

CASES_DIR = Path(__file__).parent / "cases"
BASE = yaml.safe_load((CASES_DIR / "_base.yaml").read_text(encoding="utf-8"))


def _load_cases() -> list[tuple[str, dict]]:
    cases = []
    for path in sorted(CASES_DIR.glob("*.yaml")):
        if path.name.startswith("_"):
            continue
        for case in yaml.safe_load(path.read_text(encoding="utf-8")):
            cases.append((f"{path.stem}: {case['name']}", case))
    return cases


CASES = _load_cases()


def _record(case: dict):
    data = copy.deepcopy(BASE)
    data.update(case.get("record") or {})
    return parse_record(data, source=case["name"])


@pytest.mark.parametrize("label,case", CASES, ids=[label for label, _ in CASES])
def test_case_verdicts(label: str, case: dict) -> None:
    settings = CheckSettings.model_validate(case.get("settings") or {})
    result = check_guide(_record(case), settings)
    fired = {d.rule for d in result.defects}
    if case.get("clean"):
        assert result.defects == [], [d.message for d in result.defects]
        assert set(result.elements.values()) <= {"pass", "na"}
    for rule in case.get("fail", []):
        assert rule in fired, f"{rule} should fire; fired: {sorted(fired)}"
    for rule in case.get("pass", []):
        assert rule not in fired, f"{rule} should not fire: {[d.message for d in result.defects if d.rule == rule]}"
    elements = result.elements
    for code, verdict in (case.get("elements") or {}).items():
        assert elements[code] == verdict, f"{code}: {elements[code]} != {verdict}; {[d.message for d in result.defects]}"
    for locus in case.get("loci", []):
        assert locus in {d.locus for d in result.defects}
    # every defect is complete and every error fails its element
    for d in result.defects:
        assert d.message and d.suggestion and d.evidence
        if d.severity == "error" and d.element in elements:
            assert elements[d.element] == "fail" or d.element in result.na


def test_at_least_150_cases() -> None:
    assert len(CASES) >= 150


def test_every_rule_has_a_failing_case() -> None:
    failing = {rule for _, case in CASES for rule in case.get("fail", [])}
    assert set(RULES) - failing == set()


def test_base_guide_passes_every_rule() -> None:
    result = check_guide(parse_record(copy.deepcopy(BASE)))
    assert result.defects == []
    assert all(v == "pass" for v in result.elements.values())


def test_evidence_quotes_published_text_or_says_unpublished() -> None:
    result = check_guide(_record({"name": "x", "record": {"statutory_limit": "20日", "hours": None}}))
    by_rule = {d.rule: d for d in result.defects}
    assert by_rule["statutory-limit.no-unit"].evidence == "20日"
    assert by_rule["hours.missing"].evidence == "未公布"
    assert "20个工作日" in by_rule["statutory-limit.no-unit"].suggestion
