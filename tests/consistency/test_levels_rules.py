"""The levels rules on hand-written guides: what is compared with what, and what is not judged."""

from __future__ import annotations

from guideaudit.checks.levels import Selection, Wanted, canonical_level, levels, qualifier

from guideaudit.record import GuideRecord

CODE = "440100141005"


def g(gid: str, agency: str, level: str, name: str = "劳务派遣经营许可（补证）", code: str | None = CODE, **kw) -> GuideRecord:
    fields = {"item_type": "行政许可", "statutory_limit": "20(工作日)", "promised_limit": "5(工作日)",
              "onsite_visits": "1", "legal_basis": "《劳动合同法》第57条"}
    fields.update(kw)
    return GuideRecord(id=gid, item_name=name, basic_code=code, agency=agency, level=level, **fields)


def found(lv) -> set[tuple[str, str]]:
    return {(d.guide_id, d.field) for d in lv.deviations}


def test_qualifier_and_levels():
    assert qualifier("专职律师执业许可(申请专职执业)") == "申请专职执业"
    assert qualifier("律师执业变更审核(跨市转所（执业机构变更）)") == qualifier("律师执业变更审核（跨市转所(执业机构变更)）")
    assert qualifier("海域使用权转让审批") == ""
    assert canonical_level("设区的市级") == "市级" and canonical_level("区级") == "县级" and canonical_level(None) == ""


def test_different_qualifiers_are_different_items():
    """Two 办理项 of one code may have different limits; only the same 办理项 is compared."""
    recs = [g("A1", "市局", "市级", statutory_limit="20(工作日)"),
            g("A2", "市局", "市级", name="劳务派遣经营许可（注销）", statutory_limit="10(工作日)"),
            g("B1", "县局", "县级", statutory_limit="20(工作日)"),
            g("B2", "县局", "县级", name="劳务派遣经营许可（注销）", statutory_limit="15(工作日)")]
    assert found(levels(recs)) == {("B2", "statutory_limit")}


def test_spelling_of_limits_and_basis_is_no_finding():
    recs = [g("A", "市局", "市级", statutory_limit="20(工作日)", legal_basis="《劳动合同法》第57条"),
            g("B", "县局", "县级", statutory_limit="20个工作日", legal_basis="《劳动合同法》 第57条。"),
            g("C", "乙县局", "县级", statutory_limit="二十个工作日")]
    assert found(levels(recs)) == set()


def test_two_same_level_codes_for_one_name_are_not_guessed():
    """Two counties, one name, two codes, nobody else: which code is right is not ours to say."""
    recs = [g("A", "甲县局", "县级"), g("B", "乙县局", "县级", code="440100141999")]
    assert found(levels(recs)) == set()
    # A 市级 guide decides it: the county's own code is the deviation.
    recs.append(g("C", "市局", "市级", code="440100141999"))
    assert found(levels(recs)) == {("A", "basic_code")}


def test_no_code_anywhere_groups_by_name():
    recs = [g("A", "甲县局", "县级", code=None), g("B", "乙县局", "县级", code=None, item_type="行政确认"),
            g("C", "丙县局", "县级", code=None)]
    lv = levels(recs)
    assert list(lv.groups) == ["名称:劳务派遣经营许可补证"]
    assert found(lv) == {("B", "item_type")}


def test_reductions_in_workdays_with_immediate_and_natural_days():
    recs = [g("A", "市局", "市级", promised_limit="即办", onsite_visits="0"),
            g("B", "甲县局", "县级", promised_limit="7(自然日)", onsite_visits="1"),
            g("C", "乙县局", "县级", promised_limit="5(工作日)", onsite_visits="0")]
    cmp = levels(recs).comparison
    rows = {r["guide"]: r for r in cmp.guides}
    assert rows["A"]["promised_days"] == 0 and rows["A"]["ratio"] == 1.0
    assert rows["B"]["promised_days"] == 5.0  # 7 自然日 × 5/7
    assert {k for k, r in rows.items() if r["behind_days"]} == {"B", "C"}
    assert {k for k, r in rows.items() if r["behind_visits"]} == {"B"}
    county = next(i for i in cmp.items if i["level"] == "县级")
    assert (county["units"], county["promised_min"], county["promised_max"], county["visits_max"]) == (2, 5.0, 5.0, 1)


def test_an_odd_level_does_not_empty_the_default_selection():
    recs = [g("A", "市局", "市级"), g("B", "县局", "县级", promised_limit="6(工作日)"),
            g("X", "甲镇", "乡镇级", name="另一个事项", code="440100999001"),
            g("Y", "乙镇", "乡镇级", name="另一个事项", code="440100999001")]
    cmp = levels(recs).comparison
    assert {r["guide"] for r in cmp.guides} == {"A", "B"} and "覆盖 2 个层级" in cmp.how


def test_list_by_code_name_and_both():
    recs = [g("A", "市局", "市级"), g("B", "县局", "县级"),
            g("C", "市局", "市级", name="劳务派遣经营许可（注销）"), g("D", "县局", "县级", name="劳务派遣经营许可（注销）"),
            g("E", "市局", "市级", name="人力资源服务许可", code="440100143001"),
            g("F", "县局", "县级", name="人力资源服务许可", code="440100143001")]

    def chosen(*wanted):
        cmp = levels(recs, Selection(wanted=list(wanted), source="清单.csv")).comparison
        return {r["guide"] for r in cmp.guides}, cmp.unmatched

    assert chosen(Wanted(2, code=CODE)) == ({"A", "B", "C", "D"}, [])
    assert chosen(Wanted(2, name="劳务派遣经营许可（注销）")) == ({"C", "D"}, [])
    assert chosen(Wanted(2, name="劳务派遣经营许可")) == ({"A", "B", "C", "D"}, [])  # the 事项: all its 办理项
    got, unmatched = chosen(Wanted(2, name="人力资源服务许可", code=CODE), Wanted(3, name="人力资源服务许可"))
    assert got == {"E", "F"} and unmatched == ["清单.csv 第2行：440100141005 人力资源服务许可 不在两个以上单位的数据中，无从比较"]
