"""Every seed scheme scored for at least three units, with the expected points worked out by hand
from the seed's own wording (the working is in the comments). Figures go through a real csv file."""

from __future__ import annotations

from decimal import Decimal

from guideaudit.checks.indicators import Indicator
from guideaudit.schemes import load_scheme, score
from guideaudit.schemes.guides import GuideFigures


def pts(unit, ident):
    for item in unit.indicators + unit.subtotals + unit.extras:
        if item.id == ident:
            return item.points
    raise KeyError(ident)


# ---------------------------------------------------------------- 鲤城 2017 (seed 002)

LICHENG_A = {  # 海滨街道
    "1.1": "1", "1.2": "0", "2.1": "1", "2.2": "72%", "3.1": "0", "3.2": "90%", "3.3": "8.5%",
    "3.4": "97%", "3.5": "1", "3.6.1": "99%", "3.6.2": "90%", "3.7.1": "0", "3.7.2": "是", "3.8": "1",
    "3.9.1": "96%", "3.9.2": "70%", "3.9.3": "79%", "3.10.1": "45%", "3.10.2": "3%", "4.1": "是",
    "4.2": "是", "4.3:2小时内修复": "2", "4.3:24小时内修复": "1", "4.3:超过24小时修复": "1", "4.4": "否",
    "5.1": "95.5%", "5.2": "91%", "6.1": "3", "6.2": "100", "6.3": "35%",
}
LICHENG_B = {  # 临江街道: everything at or past the maximum
    "1.1": "0", "1.2": "0", "2.1": "0", "2.2": "85%", "3.1": "0", "3.2": "100%", "3.3": "25%",
    "3.4": "100%", "3.5": "0", "3.6.1": "100%", "3.6.2": "100%", "3.7.1": "0", "3.7.2": "是", "3.8": "2",
    "3.9.1": "100%", "3.9.2": "100%", "3.9.3": "100%", "3.10.1": "100%", "3.10.2": "10%", "4.1": "是",
    "4.2": "是", "4.3:2小时内修复": "0", "4.3:24小时内修复": "0", "4.3:超过24小时修复": "0", "4.4": "是",
    "5.1": "100%", "5.2": "100%", "6.1": "0", "6.2": "0", "6.3": "60%",
}
LICHENG_C = {  # 区市场监管局: thresholds, floors and caps on deductions
    "1.1": "4", "1.2": "1", "2.1": "3", "2.2": "49.9%", "3.1": "12", "3.2": "0.5", "3.3": "0.5%",
    "3.4": "50%", "3.5": "5", "3.6.1": "50%", "3.6.2": "96%", "3.7.1": "5", "3.7.2": "否",
    "3.9.1": "95%", "3.9.2": "59%", "3.9.3": "80%", "3.10.1": "19%", "3.10.2": "0", "4.1": "否",
    "4.2": "是", "4.3:2小时内修复": "0", "4.3:24小时内修复": "0", "4.3:超过24小时修复": "6", "4.4": "是",
    "5.1": "40%", "5.2": "79%", "6.1": "0", "6.2": "4", "6.3": "9%",
}


def test_licheng_2017_three_units(scoring) -> None:
    rows = [(u, k, v) for u, figs in (("海滨街道", LICHENG_A), ("临江街道", LICHENG_B), ("区市场监管局", LICHENG_C)) for k, v in figs.items()]
    result = scoring.score("licheng-2017", rows)
    a, b, c = result.unit("海滨街道"), result.unit("临江街道"), result.unit("区市场监管局")

    # 海滨街道
    # 1: "未完成…1项扣20分,满分60分": 60-20 = 40; 1.2: 0 → 40.                         part 1 = 80
    assert pts(a, "1.1") == 40 and pts(a, "1") == 80
    # 2.1: one batch late, "扣此项分值的三分之一": 50 - 50/3 = 33.33…
    # 2.2: 72%: "达到50-60%得30分;在此基础上每提高1%加1分": 30 + (72-60) = 42.         part 2 = 75.33…
    assert pts(a, "2.2") == 42
    assert round(pts(a, "2.1"), 6) == Decimal("33.333333")
    # 3: 3.1 10; 3.2 10×90% = 9; 3.3 8.5% "每1%得1分" → 8 whole steps = 8; 3.4 97×0.2 = 19.4;
    #    3.5 "发现一件扣2分" 10-2 = 8; 3.6.1 99×0.1 = 9.9; 3.6.2 90%: 10 points short = 2 whole
    #    steps of 4 → 5-2 = 3; 3.7.1 10; 3.7.2 是 5; 3.9: 96%≥95 → 4, 70%≥60 → 2, 79%<80 → 0;
    #    3.10.1 45% → 4 steps of 10% × 2 = 8; 3.10.2 3% → 3.  Sum 99.3 (under the 100 cap);
    #    3.8 one fault "在总分中扣3分" → 96.3
    assert pts(a, "3.3") == 8 and pts(a, "3.6.2") == 3 and pts(a, "3.10.1") == 8
    assert pts(a, "3") == Decimal("96.3")
    # 4: 20 + 40 + (20 - 2×0 - 1×2 - 1×4 = 14) + 0 = 74
    assert pts(a, "4.3") == 14 and pts(a, "4") == 74
    # 5: 5.1 95.5%: 4 whole 1% drops → 46; 5.2 91%: 10 + 11×2 = 32 → 78
    assert pts(a, "5.1") == 46 and pts(a, "5.2") == 32
    # 6: 20 - 3×0.5 = 18.5; 30 - 100×0.5 → 0 ("直至扣完"); 35% ≥ 30% → 30 → 48.5
    assert pts(a, "6.2") == 0 and pts(a, "6") == Decimal("48.5")
    # mean of six parts: (80 + 75.333… + 96.3 + 74 + 78 + 48.5) / 6 = 75.3555… → 75.36
    assert a.total == Decimal("75.36")

    # 临江街道: part 3 items add up to 115 ("每个部分均按100分计") → capped at 100, then
    # 3.8 two faults × 3 = 6 → 94; 3.3 25% → 25 capped at 10; 3.10.2 10% → capped at 5;
    # 2.2 85% → 30 + 25 = 55 capped at 50. Other parts 100. Mean (5×100 + 94)/6 = 99
    assert pts(b, "3.3") == 10 and pts(b, "3.10.2") == 5 and pts(b, "2.2") == 50
    assert pts(b, "3") == 94
    assert b.total == Decimal("99.00")

    # 区市场监管局
    # 1: 60 - 4×20 → 0; 40 - 10 = 30 → 30.  2: 3 batches late → 0; 49.9% < 50% → 0 → 0.
    # 3: 3.1 12 missing streets, "最高扣10分" → 0; 3.2 0.5 → 5; 3.3 0.5% → 0; 3.4 50×0.2 = 10;
    #    3.5 5×2 → 0; 3.6.1 5; 3.6.2 96% = exactly one 4-point step → 4; 3.7.1 0; 3.7.2 0;
    #    3.9.1 95% ≥ 95% → 4; 3.9.2 59% → 0; 3.9.3 80% → 1; 3.10.1 19% → 1 step → 2; 3.10.2 0.
    #    = 31.  4: 0 + 40 + (20 - 6×4 → 0) + 20 = 60.  5: 100% - 60 points → 0; 79% < 80% → 0.
    # 6: 20 + (30 - 2) + (9% < 10% → 0) = 48.   mean (30+0+31+60+0+48)/6 = 28.1666… → 28.17
    assert pts(c, "2.2") == 0 and pts(c, "3.1") == 0 and pts(c, "3.6.2") == 4 and pts(c, "3.9.1") == 4
    assert pts(c, "3") == 31 and pts(c, "4") == 60 and pts(c, "5.1") == 0
    assert c.total == Decimal("28.17")
    assert [u.unit for u in result.units] == ["临江街道", "海滨街道", "区市场监管局"]
    assert [u.rank for u in result.units] == [1, 2, 3]


# ---------------------------------------------------------------- 阳江 2021 (seed 003)

DEPT_IDS = [str(i) for i in range(1, 42)]


def test_yangjiang_departments_halves_licensing_bonus_penalty(scoring) -> None:
    rows = []
    # 市教育局: every scored rate 80%; 36 减时间 56% of the 70% target → 4×0.8 = 3.2;
    # 37 0.5 visits → 4 - 2×0.5 = 3; 38 即办 20% of the 40% target → 2.
    # base = 88 (weights of the 38 others) × 0.8 + 3.2 + 3 + 2 = 78.6; bonus 6, penalty 2 → 82.6
    for i in DEPT_IDS:
        value = {"36": "0.56", "37": "0.5", "38": "0.2"}.get(i, "80%")
        rows.append(("市教育局", i, value))
    rows += [("市教育局", "42", "6", "", "", "一证通办获省通报表扬"), ("市教育局", "43", "2", "", "", "弱口令一次")]
    # 市气象局: no 行政许可 → 33 事项进驻率 (2%) not assessed, score rescaled to 100.
    # 上半年 rates 50%, 下半年 100%; 36–38 at their targets (4 each) in both halves.
    # H1: (86×0.5 + 12) = 55 of 98 applicable → 55 × 100/98 = 56.1224…; H2: 98/98 → 100
    # year = 40% × 56.1224… + 60% × 100 = 82.4489… → 82.45
    rows.append(("市气象局", "有行政许可事项", "否"))
    for i in DEPT_IDS:
        if i in ("36", "37", "38"):
            rows.append(("市气象局", i, {"36": "70%", "37": "0", "38": "40%"}[i]))
        else:
            rows.append(("市气象局", i, "50%", "上半年"))
            rows.append(("市气象局", i, "100%", "下半年"))
    # 市公安局: rates 100%; 36 90% → capped at 4; 37 3 visits → 4 - 6 → 0; 38 100% → 4.
    # base 96; bonus 10 (the cap); penalties 5 + 3 → 96 + 10 - 8 = 98
    for i in DEPT_IDS:
        rows.append(("市公安局", i, {"36": "0.9", "37": "3", "38": "1"}.get(i, "1")))
    rows += [("市公安局", "服务创新", "10", "", "", "区块链电子证照"), ("市公安局", "43", "5", "", "", "安全事件"),
             ("市公安局", "虚假材料", "3", "", "", "材料与实际不符")]
    result = scoring.score("yangjiang-2021-departments", rows)
    edu, met, pol = result.unit("市教育局"), result.unit("市气象局"), result.unit("市公安局")
    assert pts(edu, "36") == Decimal("3.2") and pts(edu, "37") == 3 and pts(edu, "38") == 2
    assert edu.base == Decimal("78.6") and edu.bonus == 6 and edu.penalty == 2
    assert edu.total == Decimal("82.60")
    assert met.periods["上半年"].quantize(Decimal("0.0001")) == Decimal("56.1224")
    assert met.periods["下半年"] == 100
    assert met.total == Decimal("82.45")
    assert not next(i for i in met.indicators if i.id == "33").applicable
    assert pts(pol, "37") == 0 and pts(pol, "36") == 4
    assert pol.total == Decimal("98.00")
    assert [(u.unit, u.rank) for u in result.units] == [("市公安局", 1), ("市教育局", 2), ("市气象局", 3)]
    assert result.scheme_version == "1" and result.engine_version


def test_yangjiang_counties_ties_and_not_applicable(scoring) -> None:
    rows = []
    ids = [str(i) for i in range(1, 39)]
    # 江城区 and 阳东区 identical: rates 90% → 82 × 0.9 = 73.8; 33 减时间 35% of 70% → 6×0.5 = 3;
    # 34 1 visit → 6 - 3 = 3; 35 即办 20% of 40% → 3. base 82.8, bonus 39 = 2 → 84.8, tied rank 1.
    for unit in ("江城区", "阳东区"):
        for i in ids:
            rows.append((unit, i, {"33": "35%", "34": "1", "35": "20%"}.get(i, "0.9")))
        rows.append((unit, "39", "2", "", "", "秒批事项"))
    # 阳春市: 30 事项进驻率 不适用; rates 60% on the other 80 weight points → 48; 33–35 at target → 18;
    # 66 of 98 applicable → 66 × 100/98 = 67.3469… → 67.35
    for i in ids:
        value = {"30": "不适用", "33": "70%", "34": "0", "35": "40%"}.get(i, "60%")
        rows.append(("阳春市", i, value))
    result = scoring.score("yangjiang-2021-counties", rows)
    assert result.unit("江城区").total == Decimal("84.80") == result.unit("阳东区").total
    assert result.unit("阳春市").total == Decimal("67.35")
    assert [(u.unit, u.rank) for u in result.units] == [("江城区", 1), ("阳东区", 1), ("阳春市", 3)]


# ---------------------------------------------------------------- 安达 2020 (seed 004)

ANDA_INPUTS = ["A1-1", "A1-3", "A3-1", "A3-2", "B2-1", "B2-2", "B3-1", "B4-3", "B5-2", "B7-3", "C-1", "C1-2",
               "C1-3", "C3-1", "C3-2", "C3-3", "D1-1", "D1-2", "D1-3", "D2-1", "D2-2", "D2-3"]
ELEMENTS = ["E1-1", "E1-2", "E1-3", "E1-4", "E1-5", "E1-6", "E2-1", "E2-2", "E2-3", "E3-1", "E3-2", "E4-1", "E4-2"]


def _guide(values: dict[str, float | None], n: int = 10) -> dict:
    return {name: Indicator(name, name, value, n if value is not None else 0) for name, value in values.items()}


def test_anda_2020_equal_weights_and_guide_elements(scoring) -> None:
    perfect = {"time_reduction_mean": 0.8, "zero_visit_share": 0.7, "immediate_share": 0.5,
               "depth_share:I": 0.0, "depth_share:II": 0.0, "depth_share:III": 0.0, "depth_share:IV": 1.0,
               **{f"guide_accuracy:{e}": 1.0 for e in ELEMENTS}}
    half = {"time_reduction_mean": 0.35, "zero_visit_share": 0.35, "immediate_share": 0.2,
            "depth_share:I": 0.25, "depth_share:II": 0.25, "depth_share:III": 0.25, "depth_share:IV": 0.25,
            **{f"guide_accuracy:{e}": 0.5 for e in ELEMENTS}}
    no_forms = dict(perfect, **{f"guide_accuracy:{e}": 0.0 for e in ELEMENTS[:11]},
                    **{"guide_accuracy:E4-1": None, "guide_accuracy:E4-2": None})
    guide = GuideFigures({"安达市营商环境建设监督局": _guide(perfect), "安达市教育局": _guide(half),
                          "安达市公安局": _guide(no_forms)}, "sweep 7", "测试")
    rows = [(u, i, r) for u, r in (("安达市营商环境建设监督局", "1"), ("安达市教育局", "0.5"), ("安达市公安局", "100%"))
            for i in ANDA_INPUTS]
    result = scoring.score("anda-2020", rows, guide=guide)
    # A–E 20 each; second level equal within the first, third equal within the second; the 13
    # guide elements equal: 20/13 each.
    # 营商环境建设监督局: everything at or past target → 100
    assert result.unit("安达市营商环境建设监督局").total == Decimal("100.00")
    # 教育局: A1 2×(10/3)×0.5 = 10/3; A-3 10/3; A4 each 20/9 × (0.35/0.7 = 0.5) → 10/3; A = 10.
    # B1 (5/6 each): cumulative depth ≥Ⅰ 1.0, ≥Ⅱ .75, ≥Ⅲ .5, Ⅳ .25 → 5/6 × 2.5 = 25/12;
    # B2 5/3, B3 B4 B5 B7 5/3 each → 25/3; B = 125/12. C 10, D 10, E 13 × 20/13 × 0.5 = 10.
    # total = 10 + 10.41666… + 10 + 10 + 10 = 50.41666… → 50.42
    edu = result.unit("安达市教育局")
    assert round(pts(edu, "B1-2"), 9) == Decimal("0.625")  # 5/6 × 0.75
    assert edu.total == Decimal("50.42")
    # 公安局: no forms → E4-1, E4-2 not applicable (2 × 20/13 = 40/13); the other 11 elements 0.
    # points = 100 - 40/13 - 220/13 = 80; applicable 100 - 40/13 = 1260/13;
    # rescaled 80 × 100 × 13/1260 = 82.5396… → 82.54
    pol = result.unit("安达市公安局")
    assert not next(i for i in pol.indicators if i.id == "E4-1").applicable
    assert pol.total == Decimal("82.54")
    assert next(i for i in edu.indicators if i.id == "E1-1").source == "sweep 7"


# ---------------------------------------------------------------- 包头 2023 (seed 001)

BAOTOU_ITEMS = [str(i) for i in range(1, 30)]
AREAS = ["二", "三", "四", "五", "六", "七"]


def test_baotou_2023_methods_halves_and_mean_of_areas(scoring) -> None:
    rows = []
    # 昆都仑区: items 1–28 done (1.0), item 29 (5.5 of 25) not done → area 一 19.5/25 = 78 on 100;
    # areas 二–七 90 each. final = (78 + 6×90)/7 = 88.2857… → 88.29
    for i in BAOTOU_ITEMS:
        rows.append(("昆都仑区", i, "0" if i == "29" else "1"))
    rows += [("昆都仑区", a, "90", "", "", "牵头单位报送") for a in AREAS]
    # 青山区: item 1 (1.5 of 一(一)'s 3 points, shared equally with item 2) scored by method:
    # 日常监测 1.0, 实地调研 0.5, 民意调查 0, 第三方评估 1.0 → half = 60%×25 + 20%×24.25 + 10%×23.5
    # + 10%×25 = 24.7 → 98.8 on 100; areas 二–七 80. final = (98.8 + 480)/7 = 82.6857… → 82.69
    for i in BAOTOU_ITEMS:
        if i == "1":
            for method, value in (("日常监测", "1"), ("实地调研", "50%"), ("民意调查", "0"), ("第三方评估", "1")):
                rows.append(("青山区", i, value, "", method))
        else:
            rows.append(("青山区", i, "1"))
    rows += [("青山区", a, "80", "", "", "牵头单位报送") for a in AREAS]
    # 市审批服务局: 上半年 items 50%, areas 60; 下半年 all done, areas 100.
    # H1 (50 + 6×60)/7 = 410/7; H2 100; year = (410/7 + 100)/2 = 79.2857… → 79.29
    for i in BAOTOU_ITEMS:
        rows.append(("市审批服务局", i, "0.5", "上半年"))
        rows.append(("市审批服务局", i, "1", "下半年"))
    for a in AREAS:
        rows.append(("市审批服务局", a, "60", "上半年", "", "上半年报送"))
        rows.append(("市审批服务局", a, "100", "下半年", "", "下半年报送"))
    result = scoring.score("baotou-2023", rows)
    assert result.unit("昆都仑区").total == Decimal("88.29")
    qs = result.unit("青山区")
    assert pts(qs, "1") == Decimal("1.5") * Decimal("0.8")  # 60% + 20%×0.5 + 10%×0 + 10%×1
    assert qs.total == Decimal("82.69")
    sp = result.unit("市审批服务局")
    assert sp.total == Decimal("79.29")
    assert len(sp.periods) == 8  # 2 halves × 4 methods


# ---------------------------------------------------------------- 青浦 2024 (seed 000)

VETO_A = "2:超期答复、超期整改或回访不满意"
VETO_B = "2:未及时承办办不成事问题"


def test_qingpu_agencies_redistribution_bonus_override(scoring) -> None:
    rows = [
        # 区档案局: 7 (30 points) 不涉及 → "分值分摊至其余重点工作": 61 of 70 → ×100/70 = 87.142…
        # → 87.14, would be 良好 (≥80) but 情节严重 sets the grade to 一般
        ("区档案局", "1", "9", "", "", "机制完善"), ("区档案局", VETO_A, "否"), ("区档案局", VETO_B, "否"),
        ("区档案局", "3", "12", "", "", "一件事推进一般"), ("区档案局", "4", "8", "", "", "办结率偏低"),
        ("区档案局", "5", "9", "", "", "地图信息更新慢"), ("区档案局", "6", "5", "", "", "规范"),
        ("区档案局", "7", "不适用"), ("区档案局", "8", "13", "", "", "激活率不足"),
        ("区档案局", "情节严重", "是", "", "", "受区政府通报批评"),
        # 区教育局: 10 + 5 + 15 + 10 + 10 + 5 + 28 + 15 = 98, bonus 3 → 101 → 优秀
        ("区教育局", "1", "10", "", "", "满分"), ("区教育局", VETO_A, "否"), ("区教育局", VETO_B, "否"),
        ("区教育局", "3", "15", "", "", "满分"), ("区教育局", "4", "10", "", "", "满分"),
        ("区教育局", "5", "10", "", "", "满分"), ("区教育局", "6", "5", "", "", "满分"),
        ("区教育局", "7", "28", "", "", "场景落地"), ("区教育局", "8", "15", "", "", "满分"),
        ("区教育局", "加分项", "3", "", "", "数据要素×大赛获奖"),
        # 区民政局: 超期答复 → 服务评价 0; 7 + 0 + 10 + 7 + 8 + 3 + 20 + 10 = 65, penalty 2 → 63 → 一般
        ("区民政局", "1", "7", "", "", "一般"), ("区民政局", VETO_A, "是"), ("区民政局", VETO_B, "否"),
        ("区民政局", "3", "10", "", "", "一般"), ("区民政局", "4", "7", "", "", "一般"),
        ("区民政局", "5", "8", "", "", "一般"), ("区民政局", "6", "3", "", "", "一般"),
        ("区民政局", "7", "20", "", "", "一般"), ("区民政局", "8", "10", "", "", "一般"),
        ("区民政局", "减分项", "2", "", "", "任务落实不力"),
    ]
    result = scoring.score("qingpu-2024-agencies", rows)
    arc, edu, civ = result.unit("区档案局"), result.unit("区教育局"), result.unit("区民政局")
    assert arc.total == Decimal("87.14") and arc.grade == "一般" and "等次确定为一般" in arc.grade_note
    # each remaining indicator's full grows by 100/70: 组织协调 10 → 14.29
    item1 = next(i for i in arc.indicators if i.id == "1")
    assert round(item1.full, 2) == Decimal("14.29") and round(item1.points, 2) == Decimal("12.86")
    assert edu.total == Decimal("101.00") and edu.grade == "优秀"
    assert pts(civ, "2") == 0 and "超期" in next(i for i in civ.indicators if i.id == "2").explanation
    assert civ.total == Decimal("63.00") and civ.grade == "一般"
    assert [u.rank for u in (edu, arc, civ)] == [1, 2, 3]


def test_qingpu_streets_grade_boundaries(scoring) -> None:
    def unit(name, s1, veto_b, s3, s4, s5, s6):
        return [(name, "1", s1, "", "", "评"), (name, VETO_A, "否"), (name, VETO_B, veto_b),
                (name, "3", s3, "", "", "评"), (name, "4", s4, "", "", "评"),
                (name, "5", s5, "", "", "评"), (name, "6", s6, "", "", "评")]
    rows = (unit("夏阳街道", "9", "否", "13.5", "18", "27", "12.5")  # 9+10+13.5+18+27+12.5 = 90 → 优秀
            + unit("盈浦街道", "8", "是", "12", "18", "27", "15")  # 8+0+12+18+27+15 = 80 → 良好
            + unit("朱家角镇", "8", "否", "12", "16", "不适用", "12"))  # 58 of 70 → 82.857… → 良好
    result = scoring.score("qingpu-2024-streets", rows)
    got = {u.unit: (u.total, u.grade, u.rank) for u in result.units}
    assert got == {"夏阳街道": (Decimal("90.00"), "优秀", 1), "朱家角镇": (Decimal("82.86"), "良好", 2),
                   "盈浦街道": (Decimal("80.00"), "良好", 3)}


def test_result_json_has_the_issue_shape(scoring) -> None:
    rows = [(u, k, v) for u, figs in (("海滨街道", LICHENG_A),) for k, v in figs.items()]
    data = scoring.score("licheng-2017", rows).to_dict()
    assert data["scheme"] == "licheng-2017" and data["scheme_version"] == "1" and data["engine_version"]
    unit = data["units"][0]
    assert {"unit", "total", "grade", "rank", "indicators"} <= set(unit)
    assert unit["total"] == 75.36
    first = unit["indicators"][0]
    assert {"id", "value", "points", "full", "explanation"} <= set(first)
    item = next(i for i in unit["indicators"] if i["id"] == "2.2")
    assert item["points"] == 42 and item["full"] == 50 and item["value"] == 0.72
    assert "72%" in item["explanation"] and "得 42 分" in item["explanation"]


def test_every_bundled_scheme_loads_and_adds_up() -> None:
    from guideaudit.schemes import list_schemes

    ids = {s.id for s in list_schemes()}
    assert ids == {"qingpu-2024-agencies", "qingpu-2024-streets", "baotou-2023", "licheng-2017",
                   "yangjiang-2021-departments", "yangjiang-2021-counties", "anda-2020"}
    yj = load_scheme("yangjiang-2021-departments")
    assert len(yj.leaves()) == 41 and sum(leaf.full for leaf in yj.leaves()) == 100
    assert [i.id for i in yj.bonus.items] == ["42"] and [i.id for i in yj.penalty.items] == ["43", "44"]
    assert len(load_scheme("yangjiang-2021-counties").leaves()) == 38
    assert score  # the public API is importable from guideaudit.schemes
