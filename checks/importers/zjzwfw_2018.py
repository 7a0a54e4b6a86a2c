"""浙江政务服务网 about 2018, 省人力资源和社会保障厅 (xw-fighting/ASample-master test input
浙江省社保局办事指南.json) into canonical records.

A JSON array of guides keyed by the page's own labels. Three page templates share it: 行政权力
pages (办结时限 holds "承诺期限：… 法定期限：…", 办公地址_时间 holds "办公地址：… 办理时间：…"),
公共服务 pages (办理时间 holds both address and hours, 办理时限 the promise, no 法定 field), and
行政给付 pages read without either block (no limits, place, hours or visits at all: not
captured on that record). 申请材料[].Name is the cell's HTML with 空白表格/示例表格 links; the
other cells are 出具单位 (Type), 材料形式 (Detail), 材料详细要求 (IsRequired: the 份数 in words)
and 必要性 (Remark). TabContents are the page's tabs as raw HTML; the steps come from the
办理流程 tab ("申请-受理-审核-办结-送达", sometimes written by a script; a tab with only a flow
chart image has no step text to read).
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from guideaudit.checks.importers.files import read_json
from guideaudit.checks.parse.counts import count_phrases

from guideaudit.record import FormLink, GuideRecord, Material, RecordError, Step, parse_record

TITLE = "浙江政务服务网约 2018 年抓取（省人力资源和社会保障厅，含材料 HTML 与页签）"
# Never on these pages as scraped: codes, level, 办件类型, 中介服务/特殊环节, the reason for
# on-site visits, online depth, appointment, online payment, 收费依据, a result sample, and each
# step's time limit and responsible post (the flow is a line of step names).
UNCAPTURED: tuple[str, ...] = (
    "basic_code", "implementation_code", "handling_item_code", "agency_code", "level", "case_type",
    "intermediary", "special_steps", "onsite_reason", "online_depth", "appointment",
    "online_payment", "fee_basis", "result_sample", "steps.limit", "steps.handler",
)

PORTAL = "zjzwfw"
_KEYS = ("事项标题", "申请材料")

_WS = re.compile(r"\s+")
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_SCRIPT = re.compile(r"<(script|style)\b.*?</\1>", re.S | re.I)
_TAG = re.compile(r"<[^>]+>")
_LINK = re.compile(r"<a\b[^>]*href=\"([^\"]+)\"[^>]*>\s*(空白表格|示例表格)\s*</a>", re.I)
_DOWNLOAD = re.compile(r"下载\s*[:：].*$", re.S)
_BOILERPLATE = re.compile(r"\s*请到该地址的.{0,40}?办理[。.]?\s*$")
_LIMITS = re.compile(r"承诺期限\s*[:：]\s*(?P<promised>.*?)\s*法定期限\s*[:：]\s*(?P<statutory>.*?)\s*$", re.S)
_PLACE_TIME = re.compile(r"办公地址\s*[:：]\s*(?P<location>.*?)\s*办理时间\s*[:：]\s*(?P<hours>.*?)\s*$", re.S)
_WRITTEN = re.compile(r"document\.write\(\s*\w+\(\s*\"([^\"]*)\"\s*\)\s*\)")
_STEP_SPLIT = re.compile(r"\s*(?:-+|—+|－+|→|>)\s*")
_FEE = re.compile(r"ifshoufei\s*=\s*'([^']*)'")
_KINDS = ("原件或复印件", "原件和复印件", "原件", "复印件")


def text_of(fragment: str | None) -> str | None:
    """The visible text of an HTML fragment: comments, scripts and tags out, spaces collapsed."""
    if fragment is None:
        return None
    value = _TAG.sub(" ", _SCRIPT.sub(" ", _COMMENT.sub(" ", fragment)))
    return _WS.sub(" ", html.unescape(value)).strip()


def _clean(value: Any) -> str | None:
    """A plain cell: the page's whitespace and HTML comments ("0571-87056291<!--无 -->") out."""
    if value is None:
        return None
    return text_of(str(value))


def _tab(raw: dict[str, Any], *heads: str) -> str | None:
    for tab in raw.get("TabContents") or []:
        if isinstance(tab, dict) and tab.get("Head") in heads:
            return tab.get("Body") or ""
    return None


def steps_of(body: str | None) -> list[Step] | None:
    """The 办理流程 tab's step names; None when the tab holds no step text (a flow chart image
    only, or no tab)."""
    if body is None:
        return None
    written = _WRITTEN.search(body)
    line = written.group(1) if written else text_of(body) or ""
    line = re.sub(r"^办理流程\s*", "", line)
    line = re.sub(r"\s*流程图.*$", "", line).strip()
    names = [n for n in _STEP_SPLIT.split(line) if n]
    return [Step(name=n) for n in names] or None


def _counts(kind: str | None, requirement: str | None) -> tuple[str | None, str | None]:
    """原件/复印件 份数 from 材料形式 and 材料详细要求 ("一式四份", "原件1份、复印件1份")."""
    originals = copies = None
    for label, number in count_phrases(requirement):
        which = label or kind or ""
        if which.startswith("复印件"):
            copies = str(number) if copies is None else copies
        else:
            originals = str(number) if originals is None else originals
    return originals, copies


def _material(raw: dict[str, Any]) -> Material | None:
    name_html = raw.get("Name")
    if name_html is None and all(raw.get(k) is None for k in ("Type", "Detail", "IsRequired")):
        return None  # an empty row of the scrape
    links = {label: url for url, label in _LINK.findall(name_html or "")}
    name = text_of(_DOWNLOAD.sub("", text_of_keep_lines(name_html)))
    source, kind, requirement, required = (_clean(raw.get(k)) for k in ("Type", "Detail", "IsRequired", "Remark"))
    if source in _KINDS and requirement and "必要" in requirement:
        # A table without the 出具单位 column (中外合资（合作）职业中介机构设立许可): the cells sit
        # one to the left and the last one is that table's 备注 ("无"), not 必要性. Read in place,
        # "A4纸，1份" was taken for the medium and its 份数 went unseen (a false count-missing).
        source, kind, requirement, required = None, source, kind, requirement
    originals, copies = _counts(kind, requirement)
    if originals is None and copies is None and required:
        originals, copies = _counts(kind, required)  # "非必要 (复印件一份，仅…需提供。)" in the 必要性 cell
    return Material(
        name=name or None,
        source=source or None,
        originals=originals,
        copies=copies,
        medium=kind or None,
        required=required or None,
        blank_form=FormLink(url=links["空白表格"], name="空白表格") if "空白表格" in links else None,
        sample_form=FormLink(url=links["示例表格"], name="示例表格") if "示例表格" in links else None,
    )


def text_of_keep_lines(fragment: str | None) -> str:
    """Cell HTML as text with paragraph breaks kept, so the 下载：[…] line can be cut off."""
    if not fragment:
        return ""
    value = re.sub(r"</p>\s*<p[^>]*>", "\n", fragment, flags=re.I)
    return "\n".join(text_of(line) or "" for line in value.split("\n"))


def convert(raw: dict[str, Any], source: str = "<input>", index: int | None = None) -> GuideRecord:
    if not isinstance(raw, dict) or any(k not in raw for k in _KEYS):
        raise RecordError(source, index, None, "浙江 2018 抓取记录应为含“事项标题”“申请材料”的 JSON 对象", "条")
    title = _clean(raw.get("事项标题"))
    if not title:
        raise RecordError(source, index, "事项标题", "浙江 2018 抓取记录缺少事项标题", "条")
    uncaptured = list(UNCAPTURED)
    statutory = promised = location = hours = None
    limits = _clean(raw.get("办结时限"))
    if limits is not None:
        match = _LIMITS.search(limits)
        promised, statutory = (match.group("promised"), match.group("statutory")) if match else (limits, None)
    elif raw.get("办理时限") is not None:
        promised = _clean(raw["办理时限"])  # 公共服务 pages: one 办理时限, no 法定 field
    place_time = _clean(raw.get("办公地址_时间") or raw.get("办理时间"))
    if place_time is not None:
        match = _PLACE_TIME.search(place_time)
        if match:
            location, hours = _BOILERPLATE.sub("", match.group("location")), match.group("hours")
        else:
            hours = place_time
    for field, value in (("statutory_limit", statutory), ("promised_limit", promised),
                         ("location", location), ("hours", hours)):
        if value is None:
            uncaptured.append(field)
    for field, key in (("consult", "咨询电话"), ("complaint", "监督投诉电话"), ("item_type", "事项类型")):
        if raw.get(key) is None:
            # on every template of these pages: absent means the scrape lost it (one record
            # holds nothing but its title and an empty material row)
            uncaptured.append(field)
    visits = _clean(raw.get("办事者到办事现场次数"))
    if visits is None:
        uncaptured.append("onsite_visits")
    materials = [m for m in (_material(r) for r in raw.get("申请材料") or [] if isinstance(r, dict)) if m]
    if not materials and raw.get("申请材料"):
        uncaptured.append("materials")  # rows the scraper left empty
    steps = steps_of(_tab(raw, "办理流程"))
    if steps is None:
        uncaptured.append("steps")
    fee_tab = _tab(raw, "收费情况")
    fee_match = _FEE.search(fee_tab or "")
    if not fee_match:
        uncaptured.append("fee")
    apply = _clean(raw.get("申请方式"))
    delivery = _clean(raw.get("结果送达"))
    for field, value in (("online", apply), ("express", delivery)):
        if value is None:
            uncaptured.append(field)
    basis = text_of(_tab(raw, "法定依据", "实施依据"))
    conditions = text_of(_tab(raw, "受理条件", "申请条件和限制"))
    digest = hashlib.sha1(json.dumps(raw, ensure_ascii=False, sort_keys=True).encode("utf-8")).hexdigest()[:16]
    data = {
        "id": f"zjzwfw2018-{digest}",
        "portal": PORTAL,
        "item_name": title,
        "item_type": _clean(raw.get("事项类型")),
        "agency": _clean(raw.get("受理机构")) or _clean(raw.get("主管部门")) or _clean(raw.get("决定机构")),
        "statutory_limit": statutory,
        "promised_limit": promised,
        "location": location,
        "hours": hours,
        "consult": _clean(raw.get("咨询电话")),
        "complaint": _clean(raw.get("监督投诉电话")),
        "onsite_visits": visits,
        "online": None if apply is None else ("是" if "网上" in apply else "否"),
        "express": None if delivery is None else ("是" if re.search("快递|邮寄", delivery) else "否"),
        "fee": {"是": "是", "否": "否"}.get(fee_match.group(1)) if fee_match else None,
        "legal_basis": basis or None,
        "conditions": conditions or None,
        "result_name": _clean(raw.get("审批结果")),
        "extra": {k: v for k, v in (("联系电话", _clean(raw.get("联系电话"))), ("申请方式", apply),
                                    ("结果送达", delivery), ("权力来源", _clean(raw.get("权力来源"))),
                                    ("服务对象", _clean(raw.get("服务对象")))) if v},
        "uncaptured": sorted(set(uncaptured)),
    }
    if data["result_name"] is None:
        data["uncaptured"] = sorted(set(data["uncaptured"]) | {"result_name"})
    record = parse_record(data, source, index, "条")
    record.materials = materials if "materials" not in data["uncaptured"] else None
    record.steps = steps
    return record


def load(path: str | Path) -> Iterator[GuideRecord]:
    source = Path(path)
    data = read_json(source, "浙江政务服务网 2018 抓取的指南数组")
    if not isinstance(data, list) or not data or not all(isinstance(g, dict) and "事项标题" in g for g in data):
        raise RecordError(
            str(source), None, None,
            "不是浙江政务服务网 2018 抓取文件：应为指南对象的 JSON 数组（每项有“事项标题”“申请材料”“TabContents”）",
        )
    for index, raw in enumerate(data, start=1):
        yield convert(raw, str(source), index)
