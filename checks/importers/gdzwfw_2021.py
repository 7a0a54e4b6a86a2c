"""广东政务服务网 2021 scrape (Clarence-Kong/QABasedOnPolicyKnowledgeGraph data/policy.json)
into canonical records. The scraper's names mislead: handle_time is the 法定办结时限,
handle_time_limit the 承诺办结时限, visit_number the 到现场次数, courier_service 物流快递,
online_book 预约; material_intro lists material names only. What it never captured stays null."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from guideaudit.record import GuideRecord, Material, RecordError, parse_record

GUIDE_URL = "https://www.gdzwfw.gov.cn/portal/guide/{code}"

TITLE = "广东政务服务网 2021 年抓取（省级与广州）"
# What the scrape never captured: 办理时间, 中介服务/特殊环节, material details (only names),
# 办理流程, the form links, 必须现场办理原因说明, and the flags it did not keep.
UNCAPTURED: tuple[str, ...] = (
    "hours", "intermediary", "special_steps", "steps", "onsite_reason",
    "materials.source", "materials.originals", "materials.copies", "materials.medium",
    "materials.required", "materials.blank_form", "materials.sample_form",
    "case_type", "online_depth", "online", "fee", "fee_basis", "online_payment",
    "result_name", "result_sample", "legal_basis", "agency_code",
)

_REQUIRED = ("TASK_CODE", "TASK_NAME", "DEPT_NAME")
_LABEL = re.compile(r"^\s*办理地点\s*[:：]\s*")
_MAPPED = {
    "TASK_CODE", "TASK_NAME", "DEPT_NAME", "TASK_TYPE_TEXT", "CATAID", "URL",
    "matter_level", "handle_time", "handle_time_limit", "handle_location", "consult_phone",
    "complain_phone", "visit_number", "courier_service", "online_book", "accept_standard",
    "material_intro", "_id",
}


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


def convert(raw: dict[str, Any], source: str = "<input>", line: int | None = None) -> GuideRecord:
    """One scraped object → GuideRecord; raises RecordError naming file, line and field."""
    if not isinstance(raw, dict):
        raise RecordError(source, line, None, f"应为 JSON 对象，实际为 {type(raw).__name__}")
    for key in _REQUIRED:
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise RecordError(source, line, key, "广东 2021 抓取记录缺少此字段（应为非空文本）")
    code = raw["TASK_CODE"].strip()
    handling = None
    if len(code) == 33 and code[31:].isdigit():
        # the list API gives the 业务办理项编码 (实施编码 + 2 digits) for 办理项 of one 事项
        handling, code = code, code[:31]
    location = _text(raw.get("handle_location"))
    if location is not None:
        location = _LABEL.sub("", location)  # the scraper kept the label in the value
    names = raw.get("material_intro")
    materials = None
    if isinstance(names, list):
        materials = [Material(name=_text(n)) for n in names]
    elif isinstance(names, str) and names.strip() not in ("无", ""):
        materials = [Material(name=names)]
    # else: the scraper writes "无" for every field it did not find (matter_short,
    # co_department…), and found materials come as a list: "无" is "not captured", not a guide
    # that needs no material (706 of the 712 are 公共服务, where materials are the norm).
    extra = {k: v for k, v in raw.items() if k not in _MAPPED and v is not None}
    if raw.get("URL"):
        extra["申办地址"] = raw["URL"]
    data = {
        "id": handling or code,
        "url": GUIDE_URL.format(code=raw["TASK_CODE"].strip()),
        "portal": "gdzwfw",
        "item_name": raw["TASK_NAME"],
        "item_type": _text(raw.get("TASK_TYPE_TEXT")),
        "basic_code": _text(raw.get("CATAID")),
        "implementation_code": code,
        "handling_item_code": handling,
        "agency": raw["DEPT_NAME"],
        "level": _text(raw.get("matter_level")),
        "statutory_limit": _text(raw.get("handle_time")),
        "promised_limit": _text(raw.get("handle_time_limit")),
        "location": location,
        "consult": _text(raw.get("consult_phone")),
        "complaint": _text(raw.get("complain_phone")),
        "onsite_visits": _text(raw.get("visit_number")),
        "express": _text(raw.get("courier_service")),
        "appointment": _text(raw.get("online_book")),
        "conditions": _text(raw.get("accept_standard")),
        "extra": extra,
        "uncaptured": list(UNCAPTURED) + ([] if materials is not None else ["materials"]),
    }
    record = parse_record(data, source, line)
    if materials is not None:
        record.materials = materials
    return record


def load(path: str | Path) -> Iterator[GuideRecord]:
    """Records from a JSONL export of that scraper."""
    source = Path(path)
    try:
        handle = source.open(encoding="utf-8-sig")
    except OSError as err:
        raise RecordError(str(source), None, None, f"无法读取：{err.strerror}") from None
    with handle:
        number = 0
        try:
            for number, line in enumerate(handle, start=1):  # newlines only: U+2028 stays in its line
                if not line.strip():
                    continue
                try:
                    raw = json.loads(line)
                except json.JSONDecodeError as err:
                    raise RecordError(str(source), number, None, f"不是合法的 JSON：{err.msg}（第 {err.colno} 列）") from None
                except RecursionError:
                    raise RecordError(str(source), number, None, "JSON 嵌套层次过深，不是指南记录") from None
                yield convert(raw, str(source), number)
        except UnicodeDecodeError as err:
            raise RecordError(str(source), number + 1, None, f"不是 UTF-8 编码（该行第 {err.start} 字节）；应为广东 2021 抓取的 JSONL") from None
