"""GuideResult: derived verdicts, stable defect ids, dismissals, dict round trip; settings files."""

from __future__ import annotations

import json

import pytest
from guideaudit.checks import ELEMENTS, CheckSettings, GuideResult, check_guide, load_settings
from guideaudit.checks.result import Defect
from guideaudit.checks.settings import SettingsError

from guideaudit.record import parse_record


def _result(**fields) -> GuideResult:
    base = {"id": "g-1", "item_name": "测试事项", "statutory_limit": "20日", "location": "广州市东风路1号综合窗口"}
    return check_guide(parse_record({**base, **fields}))


def test_elements_are_the_13_codes_in_order() -> None:
    assert list(_result().elements) == list(ELEMENTS)
    assert list(ELEMENTS)[0] == "E1-1" and list(ELEMENTS)[-1] == "E4-2" and len(ELEMENTS) == 13


def test_warning_never_fails_an_element() -> None:
    r = GuideResult("x", defects=[Defect("consult.hotline-only", "E1-5", "warning", "m", "12345", "s")])
    assert r.elements["E1-5"] == "pass"


def test_defect_id_is_stable_and_depends_on_locus() -> None:
    a, b = _result(), _result()
    ids_a = [a.defect_id(d) for d in a.defects]
    assert ids_a == [b.defect_id(d) for d in b.defects]
    assert all(len(i) == 16 and int(i, 16) >= 0 for i in ids_a)
    d1 = Defect("material.source-missing", "E2-1", "error", "m", "未公布", "s", "material:1:甲")
    d2 = Defect("material.source-missing", "E2-1", "error", "m", "未公布", "s", "material:2:乙")
    assert a.defect_id(d1) != a.defect_id(d2)


def test_without_drops_dismissed_defects() -> None:
    r = _result()
    target = next(d for d in r.defects if d.rule == "statutory-limit.no-unit")
    kept = r.without({r.defect_id(target)})
    assert target not in kept.defects and len(kept.defects) == len(r.defects) - 1
    assert r.elements["E1-1"] == "fail" and kept.elements["E1-1"] == "pass"


def test_to_dict_has_exactly_the_contract_keys_and_round_trips() -> None:
    r = _result(materials=[{"name": "身份证"}])
    data = r.to_dict()
    assert set(data) == {"id", "item_name", "agency", "url", "elements", "reasons", "defects"}
    assert all(set(d) == {"rule", "element", "severity", "message", "evidence", "suggestion"} for d in data["defects"])
    back = GuideResult.from_dict(json.loads(json.dumps(data, ensure_ascii=False)))
    assert back.elements == r.elements and back.na == r.na
    with_locus = GuideResult.from_dict(r.to_dict(with_locus=True))
    assert [with_locus.defect_id(d) for d in with_locus.defects] == [r.defect_id(d) for d in r.defects]


def test_from_dict_refuses_bad_severity() -> None:
    data = _result().to_dict()
    data["defects"][0]["severity"] = "fatal"
    with pytest.raises(ValueError, match="severity|严重"):
        GuideResult.from_dict(data)


def test_settings_file_yaml(tmp_path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("hotline_only_error: true\nlenient_address: true\nworkday_ratio: 0.7\n", encoding="utf-8")
    s = load_settings(path)
    assert s.hotline_only_error and s.lenient_address and s.workday_ratio == 0.7


def test_settings_unknown_key_names_file_and_key(tmp_path) -> None:
    path = tmp_path / "s.json"
    path.write_text(json.dumps({"hotline_only_eror": True}), encoding="utf-8")
    with pytest.raises(SettingsError) as err:
        load_settings(path)
    assert str(path) in str(err.value) and "hotline_only_eror" in str(err.value)


def test_settings_bad_value_names_key(tmp_path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("workday_ratio: 很多\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="workday_ratio"):
        load_settings(path)


def test_settings_are_frozen() -> None:
    with pytest.raises(Exception):  # noqa: B017 - pydantic raises its own ValidationError
        CheckSettings().lenient_address = True  # type: ignore[misc]


def test_settings_unknown_rule_id_refused(tmp_path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("skip_rules: [visits.no-reason, visit.no-reason]\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="skip_rules.*visit.no-reason"):
        load_settings(path)
    path.write_text("skip_elements: [E9-9]\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="E9-9"):
        load_settings(path)


def test_rules_match_the_contract_in_docs_rules_md(repo_root) -> None:
    import re

    from guideaudit.checks import RULES

    table = re.findall(r"^\| `([a-z0-9.-]+)` \| (\S+) \| (error|warning) \|", (repo_root / "docs" / "rules.md").read_text(encoding="utf-8"), re.M)
    assert len(table) >= 50
    for rule_id, element, severity in table:
        assert rule_id in RULES, rule_id
        assert RULES[rule_id].element == element and RULES[rule_id].severity == severity, rule_id
