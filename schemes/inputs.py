"""Figures from people and other systems: csv or xlsx in long form.

One row per figure: ``unit,indicator,value[,period][,method][,note]``. A header row is optional
(English or Chinese column names); without one the columns are read in that order. Values:
rates as 0–1 or "85%", counts as integers, 是/否, "不适用" for not applicable. Every error names
the file and the row.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from guideaudit.errors import UsageError
from guideaudit.text import clean

COLUMNS = ("unit", "indicator", "value", "period", "method", "note")
HEADER_NAMES = {
    "unit": {"unit", "单位", "被考核单位", "被评估单位", "考核对象"},
    "indicator": {"indicator", "指标", "指标编号", "指标名称", "输入"},
    "value": {"value", "值", "数值", "数据", "得分", "figure"},
    "period": {"period", "期间", "时段", "半年", "考核期"},
    "method": {"method", "方式", "考评方式", "考核方式"},
    "note": {"note", "备注", "理由", "说明", "reason"},
}
YES = {"是", "有", "yes", "y", "true", "√", "已完成", "完成"}
NO = {"否", "无", "no", "n", "false", "×", "未完成"}
NOT_APPLICABLE = {"不适用", "不涉及", "n/a", "na", "—", "--"}
MAX_ROWS = 1_000_000  # inputs are untrusted files: refuse absurd sizes instead of exhausting memory


@dataclass
class RawFigure:
    unit: str
    indicator: str
    value: Decimal | bool | None
    text: str
    period: str
    method: str
    note: str
    origin: str  # "file 第 N 行"
    percent: bool = False
    not_applicable: bool = False


def parse_value(text: str) -> tuple[Decimal | bool | None, bool, bool]:
    """-> (value, written as percent, not applicable). Raises ValueError with what was expected."""
    raw = clean(text).strip() if text is not None else ""
    low = raw.lower()
    if raw == "":
        raise ValueError("值为空（应为 0–1 的比率、\"85%\"、整数次数、是/否 或 不适用）")
    if low in NOT_APPLICABLE:
        return None, False, True
    if low in YES:
        return True, False, False
    if low in NO:
        return False, False, False
    percent = raw.endswith("%")
    number = raw[:-1].strip() if percent else raw
    try:
        value = Decimal(number.replace(",", ""))
    except InvalidOperation:
        raise ValueError(f"无法识别的值 {raw!r}（应为 0–1 的比率、\"85%\"、整数次数、是/否 或 不适用）") from None
    if not value.is_finite():
        raise ValueError(f"无法识别的值 {raw!r}")
    if percent:
        value = value / 100
    return value, percent, False


def _rows_csv(path: Path) -> list[list[str]]:
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise UsageError(f"{path}：无法识别文件编码（应为 UTF-8 或 GB18030）")
    try:  # not splitlines: a name may hold U+2028
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as err:
        raise UsageError(f"{path}：不是可读的 csv 文件（{err}）；应为 unit,indicator,value 长表") from None
    if len(rows) > MAX_ROWS:
        raise UsageError(f"{path}：行数超过 {MAX_ROWS}")
    return rows


def _rows_xlsx(path: Path) -> list[list[str]]:
    from openpyxl import load_workbook

    from guideaudit.infiles import check_workbook

    check_workbook(path, "指标文件（unit,indicator,value 长表）")
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as err:  # openpyxl raises many types for a broken file
        raise UsageError(f"{path}：无法读取 xlsx 文件（{type(err).__name__}）") from None
    sheet = book.worksheets[0]
    rows = []
    for row in sheet.iter_rows(values_only=True):
        rows.append(["" if c is None else _cell_text(c) for c in row])
        if len(rows) > MAX_ROWS:
            raise UsageError(f"{path}：行数超过 {MAX_ROWS}")
    book.close()
    return rows


def _cell_text(cell: object) -> str:
    if isinstance(cell, bool):
        return "是" if cell else "否"
    if isinstance(cell, float):
        return repr(cell) if not cell.is_integer() else str(int(cell))
    return str(cell)


def read_table(path: str | Path) -> list[list[str]]:
    path = Path(path)
    if not path.is_file():
        raise UsageError(f"{path}：文件不存在")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return _rows_xlsx(path)
    if path.suffix.lower() in (".csv", ".txt", ".tsv"):
        return _rows_csv(path)
    raise UsageError(f"{path}：不支持的文件类型 {path.suffix!r}（应为 .csv 或 .xlsx）")


def _header_map(first: list[str]) -> dict[str, int] | None:
    found: dict[str, int] = {}
    for i, cell in enumerate(first):
        name = clean(cell).strip().lower() if cell else ""
        for col, names in HEADER_NAMES.items():
            if name in names:
                found[col] = i
    if "unit" in found and "indicator" in found and "value" in found:
        return found
    return None


def load_metrics(path: str | Path) -> list[RawFigure]:
    """Read one metrics file; raises UsageError naming file and row on the first bad row."""
    path = Path(path)
    rows = read_table(path)
    header = _header_map(rows[0]) if rows else None
    start = 1 if header else 0
    if header is None:
        header = {col: i for i, col in enumerate(COLUMNS)}
    out: list[RawFigure] = []
    seen: dict[tuple, str] = {}
    for number, row in enumerate(rows[start:], start=start + 1):
        if not any(str(c).strip() for c in row):
            continue
        origin = f"{path.name} 第 {number} 行"

        def cell(col: str, row=row) -> str:
            i = header.get(col)
            return clean(str(row[i])).strip() if i is not None and i < len(row) and row[i] is not None else ""

        unit, indicator, text = cell("unit"), cell("indicator"), cell("value")
        if not unit:
            raise UsageError(f"{path}：第 {number} 行缺少单位名称（第 1 列 unit）")
        if not indicator:
            raise UsageError(f"{path}：第 {number} 行缺少指标（第 2 列 indicator，写指标编号、名称或输入名）")
        try:
            value, percent, na = parse_value(text)
        except ValueError as err:
            raise UsageError(f"{path}：第 {number} 行（{unit} / {indicator}）：{err}") from None
        fig = RawFigure(unit, indicator, value, text, cell("period"), cell("method"), cell("note"), origin, percent, na)
        key = (unit, indicator, fig.period, fig.method)
        if key in seen:
            raise UsageError(f"{path}：第 {number} 行与{seen[key]}重复（同一单位、指标、期间、方式只能有一个值）")
        seen[key] = f"第 {number} 行"
        out.append(fig)
    return out
