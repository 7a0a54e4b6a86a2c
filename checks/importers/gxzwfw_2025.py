"""广西政务服务网 2025 scrape (FangjingE/GovFlow data/exports/gxzwfw_services_*.json) into
canonical records.

One file per department: ``{source_platform: "gxzwfw", …, "items": [{service, materials,
processes, …}]}``. ``service`` holds the page's fields as the scraper read them, with the
portal's UI words still in them: a trailing "...展开" (the label of an expand button; the text
before it is the whole published value, checked on the data), a line "更多地点" (a link to a
popup of more locations, never captured) and "查看时限说明". They are stripped; a value that was
only the popup link is uncaptured on that record. 法定/承诺 are bare integers (the scraper lost
the unit). Materials come from the portal's own material API JSON (service.raw_payload.materials),
decoded, and are cross-checked with the scraper's decoded copy (items[].materials); steps come
from items[].processes (names and 审查标准, no step limits or handlers).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from guideaudit.checks.importers.files import read_json

from guideaudit.record import FormLink, GuideRecord, Material, RecordError, Step, parse_record

TITLE = "广西政务服务网 2025 年抓取（防城港市各部门，含材料接口 JSON 与办理流程）"
# What this scrape never captured: codes, 事项类型 and 行使层级, the unit of both limits,
# 中介服务/特殊环节, the reason for on-site visits, online depth, appointment, 收费依据, online
# payment, legal basis, results, and each step's time limit and responsible post.
UNCAPTURED: tuple[str, ...] = (
    "item_type", "basic_code", "implementation_code", "handling_item_code", "agency_code", "level",
    "statutory_limit.unit", "promised_limit.unit", "intermediary", "special_steps", "onsite_reason",
    "online_depth", "appointment", "fee_basis", "online_payment", "legal_basis", "result_name",
    "result_sample", "steps.limit", "steps.handler",
)

PORTAL = "gxzwfw"
# 来源渠道 and 材料形式 codes of the portal's material API, decoded as its page shows them
# (the scraper's decoded copy agrees on all 1,350 materials of the 2025 export).
SOURCE_CHANNELS = {"10": "申请人自备", "20": "政府部门核发", "99": "其他"}
MATERIAL_FORMS = {"1": "纸质", "2": "电子", "3": "纸质和电子", "4": "纸质或电子"}
MATERIAL_TYPES = {"1": "原件", "2": "复印件", "3": "原件和复印件", "4": "原件或复印件"}

# UI words of the portal page, not published content.
_EXPAND = re.compile(r"\s*(?:\.{2,}|…+)\s*展开\s*$")
_UI_LINES = frozenset({"更多地点", "查看时限说明", "...展开", "…展开", "展开"})
_PLACEHOLDER = frozenset({"", "-", "--", "—", "/"})


def strip_ui(text: str | None) -> tuple[str | None, bool]:
    """The published value without the page's UI words, and whether a 更多地点 popup link was
    part of it (its content was never captured)."""
    if text is None:
        return None, False
    lines = text.replace("\r\n", "\n").split("\n")
    popup = any(line.strip() == "更多地点" for line in lines)
    kept = [line for line in lines if line.strip() not in _UI_LINES]
    value = "\n".join(kept)
    value = _EXPAND.sub("", value.rstrip())
    return value.strip(), popup


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def _form(path: Any) -> FormLink | None:
    """A blank/sample form as the API gives it: a file id of the portal's file service. It is
    a link the guide publishes; whether it downloads was never checked from here (待核实)."""
    if not isinstance(path, str) or path.strip() in ("", "null", "None"):
        return None
    return FormLink(url=path.strip())


def _medium(raw: dict[str, Any]) -> str | None:
    medium = MATERIAL_FORMS.get(str(raw.get("materialFormal") or ""))
    size = (raw.get("paperFormat") or "").strip()
    if medium and size and size not in ("无", "原件") and medium != "电子":
        return f"{medium}（{size}）"
    return medium


def _material(raw: dict[str, Any], decoded: dict[str, Any] | None, source: str, where: str) -> Material:
    name = raw.get("materialName")
    if decoded is not None and decoded.get("material_name") != name:
        raise RecordError(source, None, where, f"材料接口与抓取解码的材料名称不一致：“{name}” / “{decoded.get('material_name')}”")
    return Material(
        name=name,
        source=SOURCE_CHANNELS.get(str(raw.get("sourceChannel") or ""), _text(raw.get("sourceChannel"))),
        originals=_text(raw.get("materialNum")),
        copies=_text(raw.get("copyAmount")),
        medium=_medium(raw),
        required={1: "必要", 0: "非必要"}.get(raw.get("necessity"), _text(raw.get("necessity"))),
        blank_form=_form(raw.get("blankFilePath")),
        sample_form=_form(raw.get("sampleFilePath")),
    )


_CRITERIA = re.compile(r"审查标准[:：]\s*(.*)$", re.S)


def _step(raw: dict[str, Any]) -> Step:
    desc = raw.get("step_desc") or ""
    match = _CRITERIA.search(desc)
    criteria = strip_ui(match.group(1))[0] if match else None
    return Step(name=raw.get("step_name"), criteria=criteria or None)


def convert(item: dict[str, Any], source: str = "<input>", index: int | None = None) -> GuideRecord:
    """One exported item → GuideRecord; raises RecordError naming file, item and field."""
    if not isinstance(item, dict) or not isinstance(item.get("service"), dict):
        raise RecordError(source, index, "service", "广西导出的事项应有 service 对象", "条")
    s = item["service"]
    for key in ("service_name", "source_item_id"):
        if not isinstance(s.get(key), str) or not s[key].strip():
            raise RecordError(source, index, f"service.{key}", "广西导出的事项缺少此字段（应为非空文本）", "条")
    uncaptured = list(UNCAPTURED)
    fields: dict[str, str | None] = {}
    for field, key in (("location", "handle_address"), ("hours", "handle_time"),
                       ("consult", "consult_way"), ("complaint", "complaint_way"),
                       ("conditions", "accept_condition")):
        value, popup = strip_ui(s.get(key))
        if value is None or (popup and value in _PLACEHOLDER):
            # absent from the page the scraper read, or only the link to a popup it never opened
            uncaptured.append(field)
            value = None
        fields[field] = value
    # The five 查询 services of the export were read from another page template: no limits,
    # 办件类型, materials or steps at all. Missing there means not captured, not unpublished.
    detail_missing = s.get("promise_days") is None and s.get("item_type") is None
    for field, key in (("statutory_limit", "legal_days"), ("promised_limit", "promise_days"),
                       ("case_type", "item_type"), ("onsite_visits", "on_site_times")):
        fields[field] = _text(s.get(key))
        if fields[field] is None:
            uncaptured.append(field)
    raw_materials = (s.get("raw_payload") or {}).get("materials")
    decoded = item.get("materials") if isinstance(item.get("materials"), list) else None
    materials: list[Material] | None = None
    if isinstance(raw_materials, list) and not (detail_missing and not raw_materials):
        if decoded is not None and len(decoded) != len(raw_materials):
            raise RecordError(source, index, "materials", f"材料接口有 {len(raw_materials)} 项，抓取解码有 {len(decoded)} 项", "条")
        materials = [
            _material(m, decoded[i] if decoded else None, source, f"materials[{i}]")
            for i, m in enumerate(raw_materials)
        ]
    else:
        uncaptured.append("materials")
    processes = item.get("processes")
    steps = [_step(p) for p in processes] if isinstance(processes, list) and processes else None
    if steps is None:
        uncaptured.append("steps")
    form = s.get("handle_form")
    if form is None:
        uncaptured += ["online", "express"]
    data = {
        "id": s["source_item_id"].strip(),
        "url": s.get("source_url"),
        "portal": PORTAL,
        "item_name": s["service_name"],
        "agency": s.get("department"),
        **fields,
        "online": None if form is None else ("是" if "网上办理" in form else "否"),
        "express": None if form is None else ("是" if "快递" in form else "否"),
        "fee": _text(s.get("is_charge")),
        "extra": {k: v for k, v in (("办理形式", form), ("查询方式", strip_ui(s.get("query_way"))[0]),
                                    ("通办范围", s.get("general_scope")), ("服务对象", s.get("service_object")))
                  if v is not None},
        "uncaptured": sorted(set(uncaptured)),
    }
    record = parse_record(data, source, index, "条")
    record.materials = materials
    record.steps = steps
    return record


def load(path: str | Path) -> Iterator[GuideRecord]:
    """Records from one department file of that export."""
    source = Path(path)
    data = read_json(source, "广西政务服务网导出文件 gxzwfw_services_*.json")
    if not isinstance(data, dict) or not isinstance(data.get("items"), list) or data.get("source_platform") not in (None, PORTAL):
        raise RecordError(
            str(source), None, None,
            "不是广西政务服务网导出文件：应为含 items 列表的 JSON 对象（source_platform 为 gxzwfw，每项有 service、materials、processes）",
        )
    if not data["items"]:
        raise RecordError(str(source), None, "items", "导出文件中没有事项")
    for index, item in enumerate(data["items"], start=1):
        yield convert(item, str(source), index)
