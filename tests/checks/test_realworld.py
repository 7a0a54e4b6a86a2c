"""The real-world regression corpus (fixtures/realworld/<source>/): saved real input, the
canonical records its importer must make, and the element verdicts an auditor gave each record
after reading it. A change that moves any of the three shows here, record by record."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from guideaudit.checks import check_guide

from guideaudit.commands.sources import importer
from guideaudit.record import parse_record

CORPUS = Path(__file__).resolve().parents[2] / "fixtures" / "realworld"
SOURCES = sorted(p.name for p in CORPUS.iterdir() if (p / "ORIGIN.md").exists())


def _expected(source: str) -> list[dict]:
    lines = (CORPUS / source / "expected_records.jsonl").read_text("utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _imported(source: str):
    return list(importer(source).load_files(sorted((CORPUS / source).glob("input_*"))))


def test_corpus_covers_the_four_sources() -> None:
    assert SOURCES == ["fujian", "gxzwfw-2025", "hunan-unify", "zjzwfw-2018"]
    sizes = {s: len(_expected(s)) for s in SOURCES}
    assert sizes["gxzwfw-2025"] >= 20 and sizes["zjzwfw-2018"] >= 20, sizes


@pytest.mark.parametrize("source", SOURCES)
def test_importer_makes_the_expected_records(source: str) -> None:
    got = [r.model_dump(mode="json") for r in _imported(source)]
    want = _expected(source)
    assert [r["id"] for r in got] == [r["id"] for r in want]
    for g, w in zip(got, want, strict=True):
        for field in w:
            assert g[field] == w[field], f"{source} {w['id']} {field}"


@pytest.mark.parametrize("source", SOURCES)
def test_auditor_verdicts_hold(source: str) -> None:
    verdicts = json.loads((CORPUS / source / "verdicts.json").read_text("utf-8"))
    changed = []
    for data in _expected(source):
        record = parse_record(data)
        result = check_guide(record)
        for code, want in verdicts[record.id].items():
            if result.elements[code] != want:
                changed.append(f"{record.item_name} {code}: {want} → {result.elements[code]} "
                               f"{[d.message for d in result.defects if d.element == code]}")
    assert not changed, "\n".join(changed)


# What an auditor reading these records decided, spelled out (the verdict files hold all of it).
def _result(source: str, name: str):
    record = next(parse_record(d) for d in _expected(source) if d["item_name"] == name)
    return record, check_guide(record)


def test_guangxi_judgements() -> None:
    # "工作日：上午9∶00—12∶00，下午13∶30—16∶30": U+2236 colons and em dashes are times
    record, result = _result("gxzwfw-2025", "国有建设用地使用权及房屋所有权注销登记")
    assert "9∶00—12∶00" in record.hours and result.elements["E1-4"] == "pass"
    # "…一楼市不动产登记中心窗口": a window without its number
    assert result.elements["E1-3"] == "fail"
    # bare integers whose unit the scraper lost: 待核实, never "no unit"
    assert result.elements["E1-1"] == result.elements["E1-2"] == "incomplete"
    assert "...展开" not in record.consult and "更多地点" not in (record.location or "")
    # a form link the portal publishes but that was never fetched from here
    assert result.elements["E4-1"] == "incomplete"
    # steps without time limits or handlers because the scrape has none: not a defect
    assert not any(d.rule in ("steps.no-limit", "steps.no-handler") for d in result.defects)


def test_zhejiang_judgements() -> None:
    record, result = _result("zjzwfw-2018", "职业技能鉴定机构设立审批")
    assert (record.promised_limit, record.statutory_limit) == ("10工作日", "15工作日")
    assert record.location.endswith("5104办公室")  # the portal's "请到该地址的…办理。" cut off
    assert record.materials[0].originals == "4"  # "A4纸，用电脑打印，一式四份。"
    assert record.materials[0].blank_form.url.endswith(".doc")
    assert [s.name for s in record.steps] == ["受理", "初审", "专家现场评审", "审核", "许可", "送达"]
    # summer and winter hours are two schedules, not an overlap
    assert result.elements["E1-4"] == "pass" and result.elements["E2-2"] == "pass"


def test_zhejiang_table_without_a_source_column() -> None:
    """中外合资（合作）职业中介机构设立许可, the 8th guide of ../shared/realdata/zhejiang/
    zjzwfw_2018_shebao_guides.json (not in the every-third sample), its material rows as
    published: the table has no 出具单位 column, so every cell sits one to the left and the
    last is the table's 备注. "A4纸，1份" states the count: no count-missing defect."""
    from guideaudit.checks.importers.zjzwfw_2018 import convert

    rows = [
        {"Name": "<p>中、外双方各自的登记注册证明</p>", "Type": "原件", "Detail": "A4纸，1份",
         "IsRequired": "<p style=\"text-align:center\">必要</p>", "Remark": "无"},
        {"Name": "<p>拟任专职工作人员的劳动合同、身份证明、学历证明</p>", "Type": "复印件", "Detail": "A4纸，1份；",
         "IsRequired": "<p style=\"text-align:center\">必要</p>", "Remark": "无"},
    ]
    record = convert({"事项标题": "中外合资（合作）职业中介机构设立许可", "申请材料": rows, "TabContents": []})
    first, second = record.materials
    assert (first.medium, first.originals, first.copies, first.required, first.source) == ("原件", "1", None, "必要", None)
    assert (second.medium, second.originals, second.copies, second.required) == ("复印件", None, "1", "必要")
    result = check_guide(record)
    assert not [d for d in result.defects if d.rule == "material.count-missing"]
    # the table has no 出具单位 column at all: that one is a real defect
    assert [d.rule for d in result.defects if d.element == "E2-1"]
