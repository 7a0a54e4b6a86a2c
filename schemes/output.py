"""Writing a ScoreResult as a table, json, csv or xlsx (the command's --format)."""

from __future__ import annotations

import io
import sys
from pathlib import Path

from guideaudit.schemes.model import ScoreResult, round2
from guideaudit.schemes.rules import fmt_num

from guideaudit.outfiles import atomic_path, csv_writer, write_text, xlsx_workbook
from guideaudit.text import json_text, safe_terminal

DETAIL_COLUMNS = ["单位", "单位类型", "排名", "等次", "总分", "编号", "指标", "类别", "数值", "得分", "满分", "说明", "数据来源", "缺数标记"]
KIND_NAMES = {"indicator": "指标", "group": "小计", "bonus": "加分项", "penalty": "减分项"}


def _value_text(value) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if value is None:
        return ""
    if isinstance(value, dict):
        return "；".join(f"{k}={_value_text(v)}" for k, v in value.items())
    try:
        return fmt_num(value)
    except Exception:
        return str(value)


def detail_rows(result: ScoreResult) -> list[list]:
    rows = []
    for u in result.units:
        for item in u.subtotals + u.indicators + u.extras:
            rows.append([
                u.unit, u.unit_type, u.rank, u.grade or "", float(u.total), item.id, item.name,
                KIND_NAMES.get(item.kind, item.kind), _value_text(item.value), float(round2(item.points)),
                float(round2(item.full)), item.explanation, item.source, "是" if item.marked_missing else "",
            ])
    return rows


def summary_rows(result: ScoreResult) -> tuple[list[str], list[list]]:
    periods = list(result.units[0].periods) if result.units else []
    head = ["排名", "单位", "单位类型", "总分", "等次", "基础分", "加分", "减分", *periods, "说明"]
    rows = []
    for u in result.units:
        rows.append([u.rank, u.unit, u.unit_type, float(u.total), u.grade or "", float(round2(u.base)),
                     float(round2(u.bonus)), float(round2(u.penalty)),
                     *[float(round2(u.periods[p])) for p in periods], u.grade_note])
    return head, rows


def table_text(result: ScoreResult) -> str:
    out = io.StringIO()
    w = out.write
    w(f"方案 {result.scheme}：{result.scheme_name}（方案版本 {result.scheme_version}，评分引擎 {result.engine_version}）\n")
    if result.sources:
        w(f"数据：{'；'.join(result.sources)}\n")
    w("分数用 Decimal 精确计算，只在最后一步四舍五入到 2 位小数。\n\n")
    head, rows = summary_rows(result)
    w("  ".join(head[:-1]) + "\n")
    for row in rows:
        w("  ".join(fmt_num(c) if isinstance(c, float) else str(c) for c in row[:-1]) + "\n")
    for u in result.units:
        w(f"\n【{u.unit}】{u.unit_type}  总分 {fmt_num(u.total)}  等次 {u.grade or '—'}  排名 {u.rank}"
          f"  （基础分 {fmt_num(u.base)}，加分 {fmt_num(u.bonus)}，减分 {fmt_num(u.penalty)}）\n")
        if u.periods:
            w("  " + "，".join(f"{k} {fmt_num(v)}" for k, v in u.periods.items()) + "\n")
        if u.grade_note:
            w(f"  {u.grade_note}\n")
        groups = {g.id: g for g in u.subtotals}
        for item in u.indicators + u.extras:
            mark = " [缺数]" if item.marked_missing else ""
            points = f"{fmt_num(item.points)}/{fmt_num(item.full)}" if item.applicable else "不适用"
            w(f"  {item.id:<8} {item.name[:24]:<24} {points:>12}{mark}  {item.explanation}\n")
        if groups:
            w("  小计：" + "；".join(f"{g.id} {fmt_num(g.points)}/{fmt_num(g.full)}" for g in groups.values()) + "\n")
    return out.getvalue()


def render(result: ScoreResult, fmt: str, out: str | None) -> None:
    if fmt == "xlsx":
        write_xlsx(result, Path(out))
        print(f"已写入 {out}", file=sys.stderr)
        return
    if fmt == "json":
        text = json_text(result.to_dict(), indent=2) + "\n"
    elif fmt == "csv":
        buf = io.StringIO()
        writer = csv_writer(buf)
        writer.writerow(DETAIL_COLUMNS)
        writer.writerows(detail_rows(result))
        text = buf.getvalue()
    else:
        text = safe_terminal(table_text(result))
    if out:
        write_text(out, text, encoding="utf-8-sig" if fmt == "csv" else "utf-8")
        print(f"已写入 {out}", file=sys.stderr)
    else:
        sys.stdout.write(text)


def write_xlsx(result: ScoreResult, path: Path) -> None:
    with atomic_path(path) as tmp:
        book = xlsx_workbook(tmp)
        _fill_xlsx(book, result)
        book.close()


def _fill_xlsx(book, result: ScoreResult) -> None:
    bold = book.add_format({"bold": True})
    head, rows = summary_rows(result)
    sheet = book.add_worksheet("汇总")
    sheet.write_row(0, 0, head, bold)
    for i, row in enumerate(rows, start=1):
        sheet.write_row(i, 0, row)
    detail = book.add_worksheet("明细")
    detail.write_row(0, 0, DETAIL_COLUMNS, bold)
    for i, row in enumerate(detail_rows(result), start=1):
        detail.write_row(i, 0, row)
    meta = book.add_worksheet("说明")
    for i, (k, v) in enumerate([
        ("方案", result.scheme), ("方案名称", result.scheme_name), ("方案版本", result.scheme_version),
        ("评分引擎版本", result.engine_version), ("数据来源", "；".join(result.sources)),
        ("舍入", "Decimal 精确计算，最后一步四舍五入到 2 位小数"),
    ]):
        meta.write_row(i, 0, [k, v])
