"""The review round trip: auditors' decisions read back from 缺陷清单.xlsx, and all decisions out.

An import is all or nothing. Every problem in the file (a wrong layout, an unknown or edited
问题编号, an invalid 状态) is collected with its sheet and Excel row, and the file is refused
whole if there is any; only then are the decisions handed to the store in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from guideaudit.reports.csv import write_table
from guideaudit.reports.defects import (
    CHECK_HEADER,
    HEADERS,
    STATUSES,
    UNSURE_HEADERS,
    UNSURE_STATUSES,
    review_cells,
    row_check,
)
from guideaudit.reports.xlsx import FORMAT_NAME, META_SHEET

from guideaudit.errors import UsageError
from guideaudit.infiles import check_workbook
from guideaudit.outfiles import write_text
from guideaudit.store import Review, ReviewDecision, Store, StoreError
from guideaudit.text import cell_text, json_text

MAX_LISTED = 30  # problems listed in one refusal; the count says how many more


class ReviewFileError(ValueError):
    """The file is refused; ``problems`` holds every (location, message) found."""

    def __init__(self, path: Path, problems: list[str]):
        self.path, self.problems = path, problems
        shown = problems[:MAX_LISTED]
        more = f"\n  …另有 {len(problems) - MAX_LISTED} 处问题" if len(problems) > MAX_LISTED else ""
        super().__init__(
            f"{path} 未导入（没有写入任何复核结论），发现 {len(problems)} 处问题：\n  "
            + "\n  ".join(shown)
            + more
        )


@dataclass
class ImportPlan:
    """What a file would change: decisions to store, and rows left as they were."""

    sweep_id: int | None
    decisions: list[ReviewDecision] = field(default_factory=list)
    unchanged: int = 0
    blank: int = 0
    sheets: int = 0


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return cell_text(str(value).strip())  # a text the writer defused reads back as written


def _where(sheet: str, row: int) -> str:
    return f"工作表「{sheet}」第 {row} 行"


def _read_meta(book, path: Path) -> tuple[int | None, dict[str, str], str | None, dict[str, str]]:
    if META_SHEET not in book.sheetnames:
        raise ReviewFileError(
            path,
            [f"不是 guideaudit report 生成的缺陷清单（缺少隐藏工作表 {META_SHEET}）；"
             "请在 guideaudit report 导出的 缺陷清单.xlsx 上填写复核结论"],
        )
    meta: dict[str, str] = {}
    sheets: dict[str, str] = {}
    unsure_sheet = None
    for values in book[META_SHEET].iter_rows(values_only=True):
        key = _text(values[0]) if values else ""
        if key == "sheet" and len(values) >= 3:
            sheets[_text(values[1])] = _text(values[2])
        elif key == "unsure_sheet" and len(values) >= 2:
            unsure_sheet = _text(values[1])
        elif key:
            meta[key] = _text(values[1]) if len(values) > 1 else ""
    if meta.get("format") != FORMAT_NAME:
        raise ReviewFileError(path, [f"隐藏工作表 {META_SHEET} 内容不对，无法确认文件格式"])
    sweep = meta.get("sweep", "")
    return (int(sweep) if sweep.isdigit() else None), sheets, unsure_sheet, meta


def plan_import(store: Store, path: Path) -> ImportPlan:
    """Read and validate a reviewed defect list; raise ReviewFileError listing every problem."""
    from zipfile import BadZipFile

    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter
    from openpyxl.utils.exceptions import InvalidFileException

    path = Path(path)
    if not path.is_file():
        raise ReviewFileError(path, ["文件不存在" if not path.exists() else "不是文件（是文件夹？）"])
    try:
        check_workbook(path, "guideaudit report 生成的缺陷清单 .xlsx")  # size and zip bomb, before openpyxl
    except UsageError as err:
        raise ReviewFileError(path, [str(err).removeprefix(f"{path}：")]) from None
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, BadZipFile, KeyError, OSError, ValueError) as err:
        raise ReviewFileError(path, [f"无法作为 xlsx 打开（{type(err).__name__}）；请保存为 Excel 工作簿 .xlsx"]) from None
    try:
        sweep_id, unit_sheets, unsure_sheet, meta = _read_meta(book, path)
        made_on = meta.get("store_id", "")
        if made_on and made_on != store.identity:
            # Lists written before stores had an identity carry none: the defect ids and the
            # sweep still tie them to this store.
            raise ReviewFileError(path, [
                f"这份清单由另一个数据库生成（{meta.get('store') or '未知'}，标识 {made_on[:8]}…），"
                f"不是当前数据库 {store.display_url}（标识 {store.identity[:8]}…）；请用生成它的数据库（--db）导入"])
        problems: list[str] = []
        # sheet, row, id, check, status, comment, allowed statuses
        rows: list[tuple[str, int, str, str, str, str, tuple[str, ...]]] = []
        sheets = [(name, HEADERS, STATUSES) for name in unit_sheets]
        if unsure_sheet:
            sheets.append((unsure_sheet, UNSURE_HEADERS, UNSURE_STATUSES))
        for name, headers, allowed in sheets:
            if name not in book.sheetnames:
                problems.append(f"工作表「{name}」不存在（被改名或删除了？请使用原文件的工作表名称）")
                continue
            it = book[name].iter_rows(values_only=True)
            # The header row is the first of the top rows that holds most of the expected names
            # (unit sheets open with a title row; lists written before that, and the 待核实
            # sheet, start with the header); a damaged header is still found, then judged.
            header, header_row = [], 0
            for number, first in enumerate(it, start=1):
                cells = [_text(v) for v in first]
                if sum(c in headers for c in cells) >= len(headers) // 2:
                    header, header_row = cells, number
                    break
                if number >= 3:
                    break
            if not header_row:
                problems.append(f"工作表「{name}」：前 3 行中没有表头（应有「{'」「'.join(headers[:5])}」…）")
                continue
            positions: dict[str, int] = {}
            for col, title in enumerate(header):
                if title in positions and title in headers:
                    problems.append(f"{_where(name, header_row)}：表头「{title}」出现了两次（第 {get_column_letter(col + 1)} 列）")
                positions.setdefault(title, col)
            missing = [h for h in headers if h not in positions]
            if missing:
                found = "、".join(h for h in header if h) or "（空）"
                problems.append(
                    f"{_where(name, header_row)}：缺少列「{'」「'.join(missing)}」（表头被改名或删除了？现有表头：{found}）"
                )
                continue
            pick = {h: positions[h] for h in ("问题编号", CHECK_HEADER, "状态", "复核意见")}
            for excel_row, values in enumerate(it, start=header_row + 1):
                cell = {h: _text(values[c]) if c < len(values) else "" for h, c in pick.items()}
                if not any(_text(v) for v in values):
                    continue
                rows.append((name, excel_row, cell["问题编号"], cell[CHECK_HEADER], cell["状态"], cell["复核意见"], allowed))
    finally:
        book.close()
    plan = ImportPlan(sweep_id=sweep_id, sheets=len(unit_sheets) + bool(unsure_sheet))
    if sweep_id is not None:
        try:
            store.get_sweep(sweep_id)
        except StoreError:
            problems.append(f"文件来自第 {sweep_id} 次抓取，但数据库 {store.display_url} 中没有这次抓取（是否用错了 --db？）")
    shown: dict[str, tuple[str, str]] = {}
    if sweep_id is not None and not problems:
        shown = _shown_reviews(store, sweep_id)
    known = store.defect_lookup(r[2] for r in rows if r[2])
    seen: dict[str, tuple[str, int, str, str]] = {}
    for sheet, excel_row, defect_id, check, status, comment, allowed in rows:
        where = _where(sheet, excel_row)
        if not defect_id:
            problems.append(f"{where}：问题编号为空（该列请勿修改）")
            continue
        if defect_id not in known:
            problems.append(f"{where}：问题编号 {defect_id} 在数据库中不存在（被修改了，或文件来自另一个数据库）")
            continue
        if check != row_check(defect_id, known[defect_id][0]):
            problems.append(f"{where}：问题编号 {defect_id} 与本行校验码不符（问题编号被修改过，请恢复原值）")
            continue
        if status and status not in allowed:
            problems.append(f"{where}：状态「{status}」无效，应为 {' / '.join(allowed)} 之一")
            continue
        if not status and comment and defect_id not in shown:
            problems.append(f"{where}：填写了复核意见但没有选择状态（{' / '.join(allowed)}）")
            continue
        if defect_id in seen:
            prev = seen[defect_id]
            if (prev[2], prev[3]) != (status, comment):
                problems.append(
                    f"{where}：问题编号 {defect_id} 在{_where(prev[0], prev[1])}也出现过，两处结论不同"
                )
            continue
        seen[defect_id] = (sheet, excel_row, status, comment)
        if not status:
            plan.blank += 1
            continue
        if shown.get(defect_id) == (status, comment):
            plan.unchanged += 1
            continue
        plan.decisions.append(ReviewDecision(defect_id, status, comment))
    if problems:
        raise ReviewFileError(path, problems)
    return plan


def _shown_reviews(store: Store, sweep_id: int) -> dict[str, tuple[str, str]]:
    """The 状态/复核意见 the report showed for each defect of the sweep (a row whose cells still
    say the same holds no new decision: re-importing a file must not repeat every decision)."""
    shown: dict[str, tuple[str, str]] = {}
    for guide in store.guides(sweep_id):
        for d in guide.defects:
            if d.dismissed:  # off the list, and the file still says 误报: nothing new
                shown[d.defect_id] = ("误报", d.review_comment or "")
                continue
            status, comment, _ = review_cells(d)
            if status:
                shown[d.defect_id] = (status, comment)
    return shown


def plan_many(store: Store, paths: list[Path]) -> list[ImportPlan]:
    """Plans for several files (the full list and per-unit workbooks alike): refused together,
    with every problem of every file, if any file has one or two files disagree on a defect."""
    plans, problems = [], []
    decided: dict[str, tuple[str, str, str]] = {}
    for path in paths:
        try:
            plan = plan_import(store, path)
        except ReviewFileError as err:
            problems.extend(f"{Path(path).name}：{p}" for p in err.problems)
            continue
        for d in plan.decisions:
            prev = decided.get(d.defect_id)
            if prev and prev[1:] != (d.status, d.comment):
                problems.append(f"{Path(path).name}：问题编号 {d.defect_id} 在 {prev[0]} 中的结论不同")
            decided[d.defect_id] = (Path(path).name, d.status, d.comment)
        plans.append(plan)
    if problems:
        raise ReviewFileError(Path("、".join(Path(p).name for p in paths)), problems)
    return plans


def import_many(store: Store, paths: list[Path], reviewer: str) -> list[ImportPlan]:
    plans = plan_many(store, paths)
    decisions = {d.defect_id: d for plan in plans for d in plan.decisions}
    sweeps = {plan.sweep_id for plan in plans}
    if decisions:
        try:
            # one store call, one transaction, for every file: all or nothing
            store.record_reviews(
                list(decisions.values()), reviewer=reviewer,
                source="、".join(Path(p).name for p in paths)[:500],
                sweep_id=sweeps.pop() if len(sweeps) == 1 else None,
            )
        except StoreError as err:
            raise ReviewFileError(Path(paths[0]), [str(err)]) from None
    return plans


def import_reviews(store: Store, path: Path, reviewer: str) -> ImportPlan:
    plan = plan_import(store, path)
    if plan.decisions:
        try:
            # Bound to the sweep the list came from: a 误报 judged on text that has since
            # changed then simply does not dismiss the changed guide's defect.
            store.record_reviews(
                plan.decisions, reviewer=reviewer, source=Path(path).name, sweep_id=plan.sweep_id
            )
        except StoreError as err:
            raise ReviewFileError(Path(path), [str(err)]) from None
    return plan


EXPORT_HEADERS = ("问题编号", "事项编码", "状态", "复核意见", "复核人", "复核时间", "抓取批次", "来源文件")


def _export_row(r: Review) -> list[object]:
    return [
        r.defect_id, r.guide_id, r.status, r.comment, r.reviewer,
        r.reviewed_at.isoformat(timespec="seconds") if r.reviewed_at else "",
        r.sweep_id if r.sweep_id is not None else "", r.source or "",
    ]


def export_reviews(reviews: Iterable[Review], fmt: str, out) -> int:
    """Write decisions as csv (UTF-8 with BOM) to a path, or jsonl to a path or stream."""
    reviews = list(reviews)
    if fmt == "csv":
        return write_table(out, EXPORT_HEADERS, (_export_row(r) for r in reviews))
    lines = [
        json_text(
            {
                "defect_id": r.defect_id,
                "guide_id": r.guide_id,
                "status": r.status,
                "comment": r.comment,
                "reviewer": r.reviewer,
                "reviewed_at": r.reviewed_at.isoformat(timespec="seconds") if r.reviewed_at else None,
                "sweep": r.sweep_id,
                "source": r.source,
                "content_hash": r.content_hash,
            },
        )
        for r in reviews
    ]
    text = "".join(line + "\n" for line in lines)
    if hasattr(out, "write"):
        out.write(text)
    else:
        write_text(out, text)
    return len(lines)
