"""湖南 湘易办 zwfw-new.hunan.gov.cn ``getUnifyTaskInfo`` responses (one 事项 each, as saved by
chuanshuozhongdeshen3-hub/hunan-gov-wiki-data gov-wiki/raw/details/) into canonical records.

``{"code": 0, "data": {…}}``: approveLimit (法定) and commitmentLimit (承诺) as bare numbers (the
unit is shown elsewhere on the page), minSeq (到现场次数), isIntermediaryServices,
isSpecialProcedure, processDescript (the steps as numbered text; lctList is a flow chart image),
materialList (copiesNum, materialType 原件/复印件, materialStandard 纸质/电子, sourceChannel plus
sourceexplain, isMust incl. 信用免交, attachList: attachCode 000002 空表, 000003 样表). This
endpoint carries no address, hours or phone numbers.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from guideaudit.checks.importers.files import read_json

from guideaudit.record import FormLink, GuideRecord, Material, RecordError, Step, parse_record

TITLE = "湖南政务服务网（湘易办）getUnifyTaskInfo 接口响应"
UNCAPTURED: tuple[str, ...] = (
    "location", "hours", "consult", "complaint", "implementation_code", "handling_item_code",
    "agency_code", "case_type", "statutory_limit.unit", "promised_limit.unit", "onsite_reason",
    "express", "appointment", "fee_basis", "online_payment", "steps.limit", "steps.handler",
)

PORTAL = "hunan"
BLANK, SAMPLE = "000002", "000003"
# "（一）申请。…", "1、提出申请。", "2.审核…": one step per numbered line
_NUMBERED = re.compile(r"^\s*(?:[(（][一二三四五六七八九十\d]+[)）]|[一二三四五六七八九十]+、|\d+\s*[、.．])\s*(.+)$")
_STEP_NAME = re.compile(r"^([^。；;，,：:]{1,20})[。；;，,：:]")


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def steps_of(description: str | None) -> list[Step] | None:
    """Numbered lines of processDescript as steps (name: the line's first clause); None when
    the text names no steps ("按流程图办理": they are in the image)."""
    steps = []
    for line in (description or "").splitlines():
        match = _NUMBERED.match(line)
        if not match:
            continue
        body = match.group(1).strip()
        head = _STEP_NAME.match(body)
        # "（一）申请。申请人向…": the short heading is the name; otherwise the line is
        name = head.group(1) if head and len(head.group(1)) <= 6 else body.rstrip("。；;")
        steps.append(Step(name=name, criteria=body if name != body.rstrip("。；;") else None))
    return steps or None


def _link(attachments: list[dict[str, Any]], code: str) -> FormLink | None:
    for a in attachments:
        if a.get("attachCode") == code and a.get("isDel") != "Y":
            # the portal's object-store path, not an http link we could fetch from here
            return FormLink(url=a.get("attachPath") or a.get("attachId"), name=a.get("attachName"))
    return None


def _material(raw: dict[str, Any]) -> Material:
    kind = raw.get("materialType") or ""
    count = _text(raw.get("copiesNum"))
    originals = count if "原件" in kind else None
    copies = count if "复印件" in kind else None
    channel, explain = raw.get("sourceChannel"), raw.get("sourceexplain")
    source = channel
    if explain and explain not in (channel, "无"):
        source = f"{channel}（{explain}）" if channel else explain
    attachments = [a for a in raw.get("attachList") or [] if isinstance(a, dict)]
    return Material(
        name=raw.get("materialTitle"),
        source=source,
        originals=originals,
        copies=copies,
        medium=raw.get("materialStandard"),
        required=raw.get("isMust"),
        blank_form=_link(attachments, BLANK),
        sample_form=_link(attachments, SAMPLE),
    )


def convert(data: dict[str, Any], source: str) -> GuideRecord:
    for key in ("unifyId", "unifyName"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise RecordError(source, None, f"data.{key}", "湖南 getUnifyTaskInfo 响应缺少此字段（应为非空文本）")
    uncaptured = list(UNCAPTURED)
    steps = steps_of(data.get("processDescript"))
    if steps is None:
        uncaptured.append("steps")
    materials_raw = data.get("materialList")
    if not isinstance(materials_raw, list):
        uncaptured.append("materials")
    results = data.get("resultList") or []
    sample = None
    if results and isinstance(results[0], dict):
        sample = FormLink(url=results[0].get("resultChart"), name=results[0].get("fileName"))
    record = parse_record({
        "id": data["unifyId"].strip(),
        "portal": PORTAL,
        "item_name": data["unifyName"],
        "item_type": data.get("typeName"),
        "basic_code": data.get("rightsCode"),
        "agency": data.get("orgName") or data.get("deptName"),
        "level": data.get("schemeLevels"),
        "statutory_limit": _text(data.get("approveLimit")),
        "promised_limit": _text(data.get("commitmentLimit")),
        "intermediary": data.get("isIntermediaryServices"),
        "special_steps": data.get("isSpecialProcedure"),
        "onsite_visits": _text(data.get("minSeq")),
        "online_depth": data.get("transactLevel"),
        "online": data.get("isonline"),
        "fee": data.get("isCharge"),
        "legal_basis": data.get("according"),
        "conditions": data.get("acceptanceCondition"),
        "result_name": data.get("resultSampleName"),
        "result_sample": sample.model_dump() if sample else None,
        "extra": {k: v for k, v in (("法定时限说明", data.get("approveLimitExplain")),
                                    ("承诺时限说明", data.get("commitmentLimitExplain")),
                                    ("办理形式", data.get("transactionFrom")),
                                    ("网办深度说明", data.get("minExplain")),
                                    ("办理流程说明", data.get("processDescript")),
                                    ("办理部门", data.get("blbm"))) if v},
        "uncaptured": sorted(set(uncaptured)),
    }, source)
    if isinstance(materials_raw, list):
        record.materials = [_material(m) for m in materials_raw if isinstance(m, dict)]
    record.steps = steps
    return record


def load(path: str | Path) -> Iterator[GuideRecord]:
    source = Path(path)
    body = read_json(source, "湖南 getUnifyTaskInfo 接口响应")
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, dict) or "unifyId" not in data:
        raise RecordError(
            str(source), None, None,
            "不是湖南 getUnifyTaskInfo 接口响应：应为 {\"code\": 0, \"data\": {unifyId, unifyName, materialList, …}}",
        )
    yield convert(data, str(source))
