"""Real portals write one value in many ways: the checks accept the whole family of a valid
value (hypothesis strategies generate its variants; every one must pass) and judge the real
wordings seen in the 广西, 浙江, 湖南 and 福建 data as an auditor does."""

from __future__ import annotations

from guideaudit.checks import check_guide
from guideaudit.checks.parse.address import parse_address
from guideaudit.checks.parse.counts import count_phrases, name_counts, parse_count
from guideaudit.checks.parse.hours import parse_hours
from guideaudit.checks.parse.phones import parse_phones
from hypothesis import given, settings
from hypothesis import strategies as st

from guideaudit.record import GuideRecord, Material

FULL = str.maketrans("0123456789:", "０１２３４５６７８９：")

spaces = st.sampled_from(["", " ", "  ", "\u3000", "\xa0"])
colons = st.sampled_from([":", "：", "∶"])
dashes = st.sampled_from(["-", "—", "——", "–", "－", "~", "～", "至", "到", "---", "一一"[:0] + "—"])
days = st.sampled_from(["工作日", "周一至周五", "星期一至星期五", "周一到周五", "星期一～星期五", "周一—周五",
                        "每周一至周五"])


@st.composite
def clock(draw, hour: int, minute: int, afternoon: bool = False) -> str:
    shown = hour - 12 if afternoon and hour > 12 and draw(st.booleans()) else hour
    digits = f"{shown:02d}" if draw(st.booleans()) else str(shown)
    text = digits + draw(spaces) + draw(colons) + draw(spaces) + f"{minute:02d}"
    return text.translate(FULL) if draw(st.booleans()) else text


@st.composite
def hours_text(draw) -> str:
    s = draw(spaces)
    am = draw(st.sampled_from(["上午", "上 午", ""]))
    pm = draw(st.sampled_from(["下午", "下 午"])) if am else ""
    morning = draw(clock(9, 0)) + s + draw(dashes) + s + draw(clock(12, 0))
    # "下午1:30-4:30" means 13:30-16:30; without 下午 the hours are written 13:30-16:30
    afternoon = draw(clock(13, 30, bool(pm))) + s + draw(dashes) + s + draw(clock(16, 30, bool(pm)))
    day = draw(days) + draw(st.sampled_from(["", "：", ":", "，", " "]))
    tail = draw(st.sampled_from(["", "（法定节假日除外）", "，(法定节假日除外)", "。"]))
    return f"{day}{am}{morning}{draw(st.sampled_from(['，', '；', ' ', '、', ',']))}{pm}{afternoon}{tail}"


@settings(max_examples=300, deadline=None)
@given(hours_text())
def test_every_spelling_of_valid_hours_passes(text: str) -> None:
    h = parse_hours(text)
    assert h.has_days and len(h.ranges) == 2 and not h.bad_ranges, (text, h)


@st.composite
def second_schedule(draw) -> str:
    opener, closer = draw(st.sampled_from([("（", "）"), ("(", ")"), ("【", "】")]))
    label = draw(st.sampled_from(["夏季", "夏季为", "冬季：", "另一办公点", "城区服务点", "5月1日至9月30日"]))
    return (f"工作日8{draw(colons)}30-12:00、14:00{draw(dashes)}17:30"
            f"{opener}{label}14:30{draw(dashes)}18:00{closer}")


@settings(max_examples=100, deadline=None)
@given(second_schedule())
def test_a_second_schedule_is_judged_on_its_own(text: str) -> None:
    h = parse_hours(text)
    assert len(h.ranges) == 3 and not h.bad_ranges, (text, h)


def test_a_real_overlap_still_fails() -> None:
    assert parse_hours("工作日9:00-12:00，11:00-13:00").bad_ranges == ("11:00-13:00",)


@st.composite
def phone_field(draw) -> str:
    sep = draw(st.sampled_from(["-", "—", "－", " ", ""]))
    number = f"0770{sep}2823213".translate(FULL) if draw(st.booleans()) else f"0770{sep}2823213"
    label = draw(st.sampled_from(["", "电话咨询：", "咨询电话:", "政务中心窗口：", "1.电话咨询："]))
    other = draw(st.sampled_from(["", "，现场咨询：防城港市港口区江山大道88号市政务服务中心三楼综合窗口",
                                  "\n2.现场咨询地址：防城港市防城区金花茶大道560号", "；登记科办公室：0770-2038178",
                                  "...", "。"]))
    return label + number + other


@settings(max_examples=200, deadline=None)
@given(phone_field())
def test_labelled_phones_in_one_field(text: str) -> None:
    phones = parse_phones(text)
    assert phones and all(p.valid for p in phones), (text, phones)
    assert phones[0].number == "07702823213"


def test_service_numbers() -> None:
    for text in ("95598", "0770-95598", "12366", "0771-12333转区本级", "12348、12345"):
        assert all(p.valid for p in parse_phones(text)), text
    assert not parse_phones("0770-28823213")[0].valid  # 防城港 numbers have 7 digits


def test_addresses_as_published() -> None:
    doubled = parse_address("防城港市港口区江山大道大道88号，市政务服务中心2楼3号窗口")
    assert doubled.street and doubled.number and doubled.room_or_window
    counter = parse_address("防城港市港口区江山大道88号市政务服务中心三楼综合窗口")
    assert counter.street and counter.number and not counter.room_or_window  # no window number


@st.composite
def count_text(draw) -> tuple[str, int]:
    n = draw(st.integers(0, 9))
    word = "零一二三四五六七八九"[n] if draw(st.booleans()) else (str(n).translate(FULL) if draw(st.booleans()) else str(n))
    form = draw(st.sampled_from(["{n}", "{n}份", "原件{n}份", "一式{n}份", "{n} 份", "复印件{n}份。"]))
    return form.format(n=word), n


@settings(max_examples=200, deadline=None)
@given(count_text())
def test_counts_in_words_and_digits(case: tuple[str, int]) -> None:
    text, n = case
    assert parse_count(text) == n, text


def test_counts_inside_requirements() -> None:
    assert count_phrases("原件1份、复印件1份") == [("原件", 1), ("复印件", 1)]
    assert count_phrases("A4纸，用电脑打印，一式四份。") == [(None, 4)]


def test_counts_stated_in_a_material_name() -> None:
    """Real 浙江 names (zjzwfw 2018 社保 guides) state their 份数 themselves; sizes, months and
    pages are not counts."""
    assert name_counts("参保人员本人有效身份证正反面复印件一份（新参保人员提供）") == [("复印件", 1)]
    assert name_counts("参保人员一寸证件照一张（新参保人员提供）") == [(None, 1)]  # 一寸 is a size
    assert name_counts("《浙江省级社会保障卡信息采集确认单》一份（新参保人员提供）") == [(None, 1)]
    assert name_counts("申请表一式两份") == [(None, 2)]
    for none in ("近三个月的工资流水", "两寸照片", "营业执照", "户口本", "第2页", "申请书0份"):
        assert name_counts(none) == [], none


def test_a_count_in_the_name_is_stated_not_missing() -> None:
    """基本医疗保险职工参保登记 (../shared/realdata/zhejiang/zjzwfw_2018_shebao_guides.json, 17th
    guide): its 材料详细要求 cells are empty, but three names say 一份/一张. Those are no
    count-missing defect; 劳动合同, whose row states no count anywhere, still is."""
    from guideaudit.checks.importers.zjzwfw_2018 import convert

    def row(name: str, kind: str) -> dict:
        return {"Name": f"<p>{name}</p>", "Type": "自行出具", "Detail": kind, "IsRequired": "",
                "Remark": "<p style=\"text-align:center\">必要</p>"}

    record = convert({"事项标题": "基本医疗保险职工参保登记", "TabContents": [], "申请材料": [
        row("参保人员本人有效身份证正反面复印件一份（新参保人员提供）", "复印件"),
        row("劳动合同（或大学生报到证、调令、部队转业介绍信、公务员录用通知、解除或终止劳动合同等相关证明材料）", "复印件"),
        row("参保人员一寸证件照一张（新参保人员提供）", "原件"),
    ]})
    missing = [d.locus for d in check_guide(record).defects if d.rule == "material.count-missing"]
    assert len(missing) == 1 and "劳动合同" in missing[0], missing


def _materials(*materials: Material) -> GuideRecord:
    return GuideRecord(id="x", materials=list(materials))


def test_material_wordings() -> None:
    cases = [
        (Material(name="营业执照", source="其他", originals="1", medium="纸质"), "E2-1", "fail"),
        (Material(name="营业执照", source="其他（政府或相关机构开具）", originals="1", medium="纸质"), "E2-1", "pass"),
        (Material(name="身份证", source="申请人自备", originals="1", copies="0", medium="纸质或电子"), "E2-3", "pass"),
        (Material(name="身份证", source="申请人自备", originals="1", copies="0", medium="纸质和电子"), "E2-3", "pass"),
        (Material(name="电子证照", source="政府部门核发", originals="0", copies="0", medium="电子"), "E2-2", "pass"),
        (Material(name="电子证照", source="政府部门核发", originals="0", copies="0", medium="纸质或电子"), "E2-2", "pass"),
        (Material(name="申请书", source="申请人自备", originals="0", copies="0", medium="纸质"), "E2-2", "fail"),
        (Material(name="身份证", source="申请人自备", originals="原件1份、复印件1份", medium="纸质"), "E2-2", "pass"),
        (Material(name="身份证", source="申请人自备", copies="1", medium="复印件"), "E2-3", "pass"),
    ]
    for material, element, verdict in cases:
        assert check_guide(_materials(material)).elements[element] == verdict, (material, element)


def test_no_material_placeholder_is_not_applicable() -> None:
    result = check_guide(_materials(Material(name="无需材料")))
    assert {result.elements[c] for c in ("E2-1", "E2-2", "E2-3")} == {"na"}


def test_forms_by_name() -> None:
    def is_form(name: str, source: str = "申请人自备") -> bool:
        return check_guide(_materials(Material(name=name, source=source, originals="1", medium="纸质"))).elements["E4-1"] != "na"

    for name in ("设立登记申请单", "不存在限制转让情形承诺书", "《因公临时出国人员备案表》", "申请表（原件）", "变更申请书"):
        assert is_form(name), name
    for name in ("与发票对应的住院医疗费用清单", "人身意外伤害保险保单", "门诊检查报告单", "社会保险明细账单",
                 "双方协商代表名单", "社会保险经办机构出具的退休人员基本养老金情况表"):
        assert not is_form(name), name
    assert not is_form("建筑工程竣工验收备案表", source="政府部门核发")


def test_steps_the_source_does_not_carry_are_incomplete_but_a_published_empty_limit_fails() -> None:
    from guideaudit.record import Step

    steps = [Step(name="受理"), Step(name="审查"), Step(name="决定"), Step(name="办结")]
    lost = GuideRecord(id="a", steps=steps, uncaptured=["steps.limit", "steps.handler"])
    assert check_guide(lost).elements["E3-1"] == "incomplete"
    published = GuideRecord(id="b", steps=[s.model_copy(update={"limit": "", "handler": "窗口"}) for s in steps])
    assert check_guide(published).elements["E3-1"] == "fail"
