"""评分.xlsx: the ranking, every unit's indicator points, and the trail behind lost points."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from guideaudit.reports.defects import element_label, local_time
from guideaudit.reports.scorecard import Scorecard

RANKING = (("排名", 6), ("单位", 28), ("单位类型", 10), ("总分", 9), ("满分", 8), ("等次", 8), ("加分", 8),
           ("扣分", 8), ("指南数", 8), ("问题数", 8), ("要素合格率", 11), ("备注", 30))
POINTS = (("单位", 26), ("排名", 6), ("类别", 6), ("指标编号", 10), ("指标名称", 30), ("数值", 12),
          ("得分", 8), ("满分", 8), ("失分", 8), ("说明", 50), ("数据来源", 16))
KIND_LABELS = {"group": "分项", "indicator": "指标", "bonus": "加分", "penalty": "扣分"}
TRAIL = (("单位", 24), ("指标编号", 10), ("指标名称", 24), ("失分", 8), ("事项名称", 28), ("事项编码", 22),
         ("要素", 16), ("问题", 32), ("原文", 44), ("链接", 30), ("问题编号", 18))
MAX_URLS = 65_000


def _sheet(book, name: str, columns, fmt) -> Any:
    ws = book.add_worksheet(name)
    for col, (header, width) in enumerate(columns):
        ws.write_string(0, col, header, fmt["header"])
        ws.set_column(col, col, width)
    ws.freeze_panes(1, 0)
    return ws


def _finish(ws, rows: int, columns, title: str = "评分表") -> None:
    from guideaudit.reports.xlsx import print_setup

    ws.autofilter(0, 0, max(rows, 1), len(columns) - 1)
    print_setup(ws, title)


def write_score_workbook(path: Path, cards: list[Scorecard], scoring: Any, sweep: Any) -> None:
    from guideaudit.outfiles import xlsx_workbook

    book = xlsx_workbook(path)
    base = {"font_name": "等线", "font_size": 10, "valign": "top"}
    fmt = {
        "header": book.add_format({**base, "bold": True, "bg_color": "#DDE7F3", "border": 1}),
        "text": book.add_format(base),
        "wrap": book.add_format({**base, "text_wrap": True}),
        "pts": book.add_format({**base, "num_format": "0.00"}),
        "int": book.add_format({**base, "num_format": "0"}),
        "pct": book.add_format({**base, "num_format": "0.0%"}),
        "link": book.add_format({**base, "font_color": "#1F4E99", "underline": 1}),
        "title": book.add_format({**base, "bold": True, "font_size": 14}),
    }
    full = float(scoring.full)

    ws = _sheet(book, "排名", RANKING, fmt)
    for r, c in enumerate(cards, start=1):
        ws.write_number(r, 0, c.rank, fmt["int"])
        ws.write_string(r, 1, c.unit, fmt["text"])
        ws.write_string(r, 2, c.unit_type, fmt["text"])
        ws.write_number(r, 3, float(c.total), fmt["pts"])
        ws.write_number(r, 4, full, fmt["pts"])
        ws.write_string(r, 5, c.grade or "", fmt["text"])
        ws.write_number(r, 6, float(c.bonus), fmt["pts"])
        ws.write_number(r, 7, float(c.penalty), fmt["pts"])
        ws.write_number(r, 8, c.guides, fmt["int"])
        ws.write_number(r, 9, c.defects, fmt["int"])
        if c.pass_rate is None:
            ws.write_string(r, 10, "—", fmt["text"])
        else:
            ws.write_number(r, 10, c.pass_rate, fmt["pct"])
        ws.write_string(r, 11, c.grade_note, fmt["wrap"])
    _finish(ws, len(cards), RANKING, "排名")

    ws = _sheet(book, "指标得分", POINTS, fmt)
    r = 0
    for c in cards:
        for line in c.rows + c.extras:
            r += 1
            ws.write_string(r, 0, c.unit, fmt["text"])
            ws.write_number(r, 1, c.rank, fmt["int"])
            ws.write_string(r, 2, KIND_LABELS.get(line.kind, line.kind), fmt["text"])
            ws.write_string(r, 3, line.id, fmt["text"])
            ws.write_string(r, 4, line.name, fmt["wrap"])
            ws.write_string(r, 5, "" if line.kind == "group" else line.value, fmt["text"])
            ws.write_number(r, 6, float(line.points), fmt["pts"])
            if line.applicable:
                ws.write_number(r, 7, float(line.full), fmt["pts"])
                ws.write_number(r, 8, float(line.lost), fmt["pts"])
            else:
                ws.write_string(r, 7, "不适用", fmt["text"])
                ws.write_string(r, 8, "", fmt["text"])
            ws.write_string(r, 9, line.explanation, fmt["wrap"])
            ws.write_string(r, 10, line.source, fmt["text"])
    _finish(ws, r, POINTS, "指标得分")

    ws = _sheet(book, "失分明细", TRAIL, fmt)
    r = urls = 0
    for c in cards:
        for line in c.lines_with_trail:
            for guide in line.trail:
                for d in guide.defects:
                    r += 1
                    values = [c.unit, line.id, line.name, None, guide.item_name, guide.item_code,
                              element_label(d.element), d.message, d.evidence, None, d.defect_id]
                    for col, value in enumerate(values):
                        if value is not None:
                            ws.write_string(r, col, value, fmt["wrap"] if col in (7, 8) else fmt["text"])
                    ws.write_number(r, 3, float(line.lost), fmt["pts"])
                    if guide.url and urls < MAX_URLS:
                        ws.write_url(r, 9, guide.url, fmt["link"], string=guide.url)
                        urls += 1
                    else:
                        ws.write_string(r, 9, guide.url or "", fmt["text"])
    _finish(ws, r, TRAIL, "失分明细")

    ws = book.add_worksheet("说明")
    ws.set_column(0, 0, 110)
    result = scoring.result
    lines = [
        ("评分说明", "title"),
        (f"评分方案：{scoring.scheme.name}（{result.scheme}，版本 {result.scheme_version}，评分引擎 {result.engine_version}）", "text"),
        (f"指南数据：第 {sweep.id} 次抓取（{sweep.portal}，{local_time(sweep.started_at)}），经复核排除的误报不计入。", "text"),
        (f"数据来源：{'；'.join(result.sources) or '—'}", "wrap"),
        (f"生成时间：{datetime.now():%Y-%m-%d %H:%M}", "text"),
        ("分数按十进制精确计算，最后一步四舍五入到 2 位小数。「失分明细」列出每个由指南得出的指标所扣分数背后的事项、问题和原文。", "wrap"),
    ]
    if scoring.note:
        lines.append((scoring.note, "wrap"))
    lines += [(f"提示：{w}", "wrap") for w in scoring.warnings]
    for row, (text, style) in enumerate(lines):
        ws.write_string(row, 0, text, fmt[style])
    book.close()
