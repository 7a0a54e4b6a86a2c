"""An imported 事项 list (the 实施清单 an office keeps offline, a hall's own list) as xlsx or csv,
into GuideRecords a consistency check can match. Headers are matched by their Chinese names
(and common variants); a column we do not know is reported, never silently used."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from guideaudit.record import GuideRecord, RecordError
from guideaudit.text import clean

# Header (as offices write it) → record field.
HEADERS: dict[str, str] = {
    "事项名称": "item_name", "名称": "item_name", "基本编码": "basic_code", "事项编码": "basic_code",
    "实施编码": "implementation_code", "业务办理项编码": "handling_item_code", "办理项编码": "handling_item_code",
    "实施主体": "agency", "实施机构": "agency", "实施主体编码": "agency_code", "事项类型": "item_type",
    "行使层级": "level", "办件类型": "case_type", "法定办结时限": "statutory_limit", "法定时限": "statutory_limit",
    "承诺办结时限": "promised_limit", "承诺时限": "promised_limit", "到办事现场次数": "onsite_visits",
    "到现场次数": "onsite_visits", "是否收费": "fee", "办理地点": "location", "办理时间": "hours",
    "咨询电话": "consult", "咨询方式": "consult", "设定依据": "legal_basis", "受理条件": "conditions",
    "网办深度": "online_depth",
}
FIELDS = tuple(dict.fromkeys(HEADERS.values()))


@dataclass
class ItemList:
    records: list[GuideRecord]
    warnings: list[str] = field(default_factory=list)


def _rows(path: Path) -> list[list[object]]:
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        from guideaudit.errors import UsageError
        from guideaudit.infiles import check_workbook

        try:
            check_workbook(path, "实施清单 .xlsx")
        except UsageError as err:
            raise RecordError(str(path), None, None, str(err).removeprefix(f"{path}：")) from None
        try:
            wb = load_workbook(path, read_only=True, data_only=True)
        except Exception as err:  # not a workbook: say which file
            raise RecordError(str(path), None, None, f"无法作为 xlsx 读取（{type(err).__name__}）") from None
        rows = [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)]
        wb.close()
        return rows
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            return [list(r) for r in csv.reader(fh)]
    except UnicodeDecodeError:
        raise RecordError(str(path), None, None, "不是 UTF-8 编码的 csv") from None
    except csv.Error as err:
        raise RecordError(str(path), None, None, f"不是可读的 csv（{err}）") from None


def _cell(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def load_item_list(path: str | Path) -> ItemList:
    """Records of the list; warnings name the file, the row and the column."""
    path = Path(path)
    if not path.is_file():
        raise RecordError(str(path), None, None, "文件不存在")
    rows = _rows(path)
    if not rows:
        raise RecordError(str(path), None, None, "文件是空的")
    header = [clean(str(h)) if h is not None else "" for h in rows[0]]
    columns = {i: HEADERS[h] for i, h in enumerate(header) if h in HEADERS}
    warnings = []
    unknown = [h for i, h in enumerate(header) if h and i not in columns]
    if unknown:
        warnings.append(f"{path} 第1行：未知的列 {'、'.join(unknown)}，已忽略（可识别的列：{'、'.join(dict.fromkeys(HEADERS))}）")
    if "item_name" not in columns.values():
        raise RecordError(str(path), 1, None, f"缺少「事项名称」列（表头：{'、'.join(h for h in header if h)}）")
    records: list[GuideRecord] = []
    seen: dict[str, int] = {}
    for number, row in enumerate(rows[1:], start=2):
        data = {name: _cell(row[i]) for i, name in columns.items() if i < len(row)}
        if not any(data.values()):
            continue
        code = data.get("handling_item_code") or data.get("implementation_code")
        if code and code in seen:
            warnings.append(f"{path} 第{number}行：编码 {code} 与第{seen[code]}行重复，只保留第{seen[code]}行")
            continue
        if code:
            seen[code] = number
        data["id"] = code or f"{path.name}:第{number}行"
        data["portal"] = f"清单:{path.name}"
        data["url"] = f"{path.name}#第{number}行"
        # The list never holds what it has no column for: those fields are not "unpublished".
        data["uncaptured"] = [f for f in _CAPTURABLE if f not in columns.values()]
        records.append(GuideRecord.model_validate(data))
    return ItemList(records, warnings)


_CAPTURABLE = (
    "item_name", "item_type", "basic_code", "implementation_code", "handling_item_code", "agency",
    "agency_code", "level", "case_type", "statutory_limit", "promised_limit", "location", "hours",
    "consult", "complaint", "intermediary", "special_steps", "onsite_visits", "onsite_reason",
    "online_depth", "online", "express", "appointment", "fee", "fee_basis", "online_payment",
    "legal_basis", "conditions", "result_name", "result_sample", "steps", "materials",
)
