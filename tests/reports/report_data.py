"""Test data for the report tests: a store filled through the store API (real SQLite) with guides of three units, defects with
evidence, one hostile guide, and two sweeps, for the renderers' tests."""

from __future__ import annotations

from pathlib import Path

from guideaudit.checks.result import defect_id

from guideaudit.record import GuideRecord
from guideaudit.store import DefectRow, GuideEntry, RawPage, Store

HOSTILE_NAME = "<script>window.__pwned=1;document.title='pwned'</script>企业登记"
UNITS = ("江城区市场监督管理局", "江城区人力资源和社会保障局", "江城区民政局")

# (guide suffix, unit index, item name, [(rule, element, evidence)])
GUIDES = [
    ("01", 0, "食品经营许可", [("location.no-room-or-window", "E1-3", "江城区建设路88号政务服务中心综合窗口")]),
    ("02", 0, "个体工商户登记", [("hours.vague", "E1-4", "工作时间"), ("consult.invalid-phone", "E1-5", "37885230")]),
    ("03", 0, "药品零售许可", []),
    ("04", 1, "失业保险金申领", [("promised-limit.missing", "E1-2", "无")]),
    ("05", 1, "就业困难人员认定", [("statutory-limit.no-unit", "E1-1", "20日")]),
    ("06", 2, "婚姻登记", [("intermediary.missing", "E1-6", "")]),
    ("07", 2, HOSTILE_NAME, [("hours.vague", "E1-4", "<img src=x onerror=\"window.__pwned=2\">上班时间")]),
    ("08", 2, "社会团体成立登记", [("material.source-vague", "E2-1", "=HYPERLINK(\"http://evil.example\",\"x\")")]),
]

MESSAGES = {
    "E1-1": ("法定办结时限缺少单位（工作日或自然日）", "写明工作日或自然日，如：20个工作日"),
    "E1-2": ("未公布承诺办结时限", "填写承诺办结时限，如：5个工作日"),
    "E1-3": ("办理地点缺少编号的窗口或房间", "写明窗口或房间号，如：3号窗口"),
    "E1-4": ("办理时间表述模糊，没有具体时段", "写明日期和时段，如：周一至周五 9:00-12:00，13:30-17:00"),
    "E1-5": ("咨询电话缺少区号", "写明带区号的电话，如：020-37885230"),
    "E1-6": ("未说明中介服务", "没有中介服务时写明“无”"),
    "E2-1": ("材料来源表述为“其他”", "写明出具单位"),
}


def guide_id(suffix: str) -> str:
    return "11440100MB2C920000" + "4" + "440120002000" + suffix


def make_record(suffix: str, unit: int, name: str, hours: str = "周一至周五 9:00-12:00") -> GuideRecord:
    gid = guide_id(suffix)
    return GuideRecord(
        id=gid, url=f"http://127.0.0.1:8000/portal/guide/{gid}", portal="fixture", item_name=name,
        item_type="行政许可", handling_item_code=gid, implementation_code=gid[:31], agency=UNITS[unit],
        hours=hours, statutory_limit="20个工作日", promised_limit="5个工作日", onsite_visits="1",
    )


def make_entry(record: GuideRecord, defects: list[tuple[str, str, str]]) -> GuideEntry:
    rows = []
    for rule, element, evidence in defects:
        message, suggestion = MESSAGES[element]
        rows.append(DefectRow(defect_id(record.id, rule), rule, element, "error", message, evidence, suggestion))
    elements = {code: "pass" for code in ("E1-1", "E1-2", "E1-3", "E1-4", "E1-5", "E1-6", "E2-1", "E2-2",
                                          "E2-3", "E3-1", "E3-2", "E4-1", "E4-2")}
    for _, element, _ in defects:
        elements[element] = "fail"
    if record.id.endswith(("01", "04")):
        elements["E4-2"] = "na"  # no form among its materials
    raw = RawPage(record.url, "text/html; charset=utf-8", "utf-8", b"<html></html>")
    return GuideEntry(record, elements, rows, raw)


def fill(store: Store, sweeps: int = 2) -> None:
    """Two sweeps: the second fixes guide 05, adds a defect to guide 03 and republishes guide 01
    with longer hours (its 办理地点 defect stays)."""
    for n in range(sweeps):
        sweep = store.start_sweep("fixture-html", "http://127.0.0.1:8000/", {}, "test")
        entries = []
        for suffix, unit, name, defects in GUIDES:
            defects = list(defects)
            hours = "周一至周五 9:00-12:00"
            if n >= 1 and suffix == "05":
                defects = []
            if n >= 1 and suffix == "03":
                defects = [("hours.vague", "E1-4", "法定工作日")]
                hours = "法定工作日"
            if n >= 1 and suffix == "01":
                hours = "周一至周五 9:00-12:00，13:30-17:00"
            entries.append(make_entry(make_record(suffix, unit, name, hours), defects))
        store.save_guides(sweep.id, entries)
        store.finish_sweep(sweep.id, "complete", {"guides": len(entries)})


SCHEME = str(Path(__file__).parent / "guide-scheme.yaml")


def write_metrics(path) -> str:
    rows = "".join(f"{unit},satisfaction,{value}\n" for unit, value in zip(UNITS, ("95%", "0.8", "88%"), strict=True))
    path.write_text("unit,indicator,value\n" + rows, encoding="utf-8")
    return str(path)
