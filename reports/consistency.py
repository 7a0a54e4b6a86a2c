"""Tables, csv, xlsx and json of a consistency comparison (two sources) and of a levels check
(要素规范统一). Every cell goes through safe_cell: portal text is untrusted."""

from __future__ import annotations

import io
from pathlib import Path

from guideaudit.checks.consistency import MATCH_LABELS, Consistency
from guideaudit.checks.levels import Levels

from guideaudit.outfiles import atomic_path, csv_writer
from guideaudit.record import GuideRecord, field_label
from guideaudit.text import clean, safe_cell
from guideaudit.text import json_text as dump_json
from guideaudit.units import unit_of

FINDING_HEADERS = ("类型", "单位", "事项名称", "A 编号", "B 编号", "字段", "A 原文", "B 原文", "相似度", "匹配方式")
UNIT_HEADERS = ("单位", "A 中事项数", "已匹配", "完全一致", "仅 A 有", "仅 B 有", "待核实匹配", "同源率")
LEVEL_HEADERS = ("事项分组", "字段", "单位", "行使层级", "指南编号", "该指南原文", "多数值", "多数/参与数")
LEVEL_UNIT_HEADERS = ("单位", "参与比较的指南", "要素规范统一的指南", "要素规范统一率")
REDUCTION_ITEM_HEADERS = ("基本编码", "办理项", "行使层级", "单位数", "法定时限", "承诺最短（工作日）", "承诺平均",
                          "承诺最长", "承诺差距", "平均压缩比", "到现场最少", "到现场平均", "到现场最多", "零跑动占比")
REDUCTION_HEADERS = ("基本编码", "办理项", "单位", "行使层级", "指南编号", "法定时限", "承诺时限", "承诺（工作日）",
                     "压缩比", "同办理项最短", "最短的单位", "到现场次数", "同办理项最少", "最少的单位", "落后")


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def _name(r: GuideRecord) -> str:
    return clean(r.item_name) or r.id


def finding_rows(c: Consistency) -> list[list]:
    rows: list[list] = []
    for d in c.differences:
        rows.append(["字段不一致", d.unit, d.item_name, d.a, d.b, d.label, d.a_text, d.b_text,
                     "" if d.similarity is None else d.similarity, ""])
    for p in c.match.uncertain:
        rows.append(["待核实（仅按名称匹配）", unit_of(p.a), _name(p.a), p.a.id, p.b.id, "事项名称",
                     clean(p.a.item_name), clean(p.b.item_name), p.similarity, MATCH_LABELS[p.key]])
    for r in c.match.only_a:
        rows.append(["仅 A 有", unit_of(r), _name(r), r.id, "", "", "", "", "", ""])
    for r in c.match.only_b:
        rows.append(["仅 B 有", unit_of(r), _name(r), "", r.id, "", "", "", "", ""])
    return rows


def unit_rows(c: Consistency) -> list[list]:
    return [[u, f["guides_a"], f["matched"], f["same"], f["only_a"], f["only_b"], f["uncertain"],
             "" if f["same_source_share"] is None else round(f["same_source_share"], 4)]
            for u, f in c.units.items()]


def field_rows(c: Consistency) -> tuple[list[str], list[list]]:
    """一致率 per unit and field (a wide table: one column per compared field)."""
    names = sorted({k for f in c.units.values() for k in f["field_share"]})
    header = ["单位", *(field_label(n) for n in names)]
    rows = [[u, *("" if f["field_share"].get(n) is None else round(f["field_share"][n], 4) for n in names)]
            for u, f in c.units.items()]
    return header, rows


def level_rows(lv: Levels) -> list[list]:
    return [[d.group, field_label(d.field), d.unit, d.level, d.guide_id,
             d.value or ("（未公布）" if d.field == "basic_code" else ""), d.majority,
             f"{d.majority_n}/{d.group_n}"] for d in lv.deviations]


def level_unit_rows(lv: Levels) -> list[list]:
    return [[u, f["guides"], f["uniform"], "" if f["uniformity_share"] is None else round(f["uniformity_share"], 4)]
            for u, f in lv.units.items()]


def reduction_item_rows(lv: Levels) -> list[list]:
    """减时间/减跑动 per 办理项 and level (the survey's 横向对比)."""
    if lv.comparison is None:
        return []
    return [[r["group"], r["item_name"], r["level"], r["units"], r["statutory_limit"], _blank(r["promised_min"]),
             _blank(r["promised_mean"]), _blank(r["promised_max"]), _blank(r["promised_spread"]), _ratio(r["ratio_mean"]),
             _blank(r["visits_min"]), _blank(r["visits_mean"]), _blank(r["visits_max"]), _ratio(r["zero_visit_share"])]
            for r in lv.comparison.items]


def reduction_rows(lv: Levels, behind_only: bool = False) -> list[list]:
    """减时间/减跑动 per guide: its limits and visits beside the best unit's for the same 办理项."""
    if lv.comparison is None:
        return []
    out = []
    for r in lv.comparison.guides:
        behind = "、".join(w for w, yes in (("承诺时限", r["behind_days"]), ("到现场次数", r["behind_visits"])) if yes)
        if behind_only and not behind:
            continue
        out.append([r["group"], r["item_name"], r["unit"], r["level"], r["guide"], r["statutory_limit"], r["promised_limit"],
                    _blank(r["promised_days"]), _ratio(r["ratio"]), _blank(r["best_days"]), "、".join(r["best_days_units"]),
                    _blank(r["visits"]), _blank(r["best_visits"]), "、".join(r["best_visits_units"]), behind])
    return out


BRIEF_ITEM_HEADERS = ("办理项", "层级", "单位数", "法定", "承诺（工作日）", "平均压缩比", "到现场", "零跑动")
BRIEF_BEHIND_HEADERS = ("办理项", "单位", "层级", "承诺（工作日）", "最短（单位）", "到现场", "最少（单位）")


def brief_item_rows(lv: Levels) -> list[list]:
    """reduction_item_rows narrowed for a terminal: ranges instead of three columns each."""
    if lv.comparison is None:
        return []
    return [[r["item_name"], r["level"], r["units"], r["statutory_limit"], _range(r["promised_min"], r["promised_max"]),
             _ratio(r["ratio_mean"]), _range(r["visits_min"], r["visits_max"]), _ratio(r["zero_visit_share"])]
            for r in lv.comparison.items]


def brief_behind_rows(lv: Levels) -> list[list]:
    if lv.comparison is None:
        return []
    out = []
    for r in lv.comparison.guides:
        if not (r["behind_days"] or r["behind_visits"]):
            continue
        best_d = f"{r['best_days']:g}（{'、'.join(r['best_days_units'])}）" if r["behind_days"] else ""
        best_v = f"{r['best_visits']}（{'、'.join(r['best_visits_units'])}）" if r["behind_visits"] else ""
        days = "" if r["promised_days"] is None else f"{r['promised_days']:g}"
        out.append([r["item_name"], r["unit"], r["level"], days, best_d, _blank(r["visits"]), best_v])
    return out


def _range(low, high) -> str:
    if low is None:
        return ""
    return f"{low:g}" if low == high else f"{low:g}–{high:g}"


def _ratio(value: float | None) -> str:
    return "" if value is None else f"{value:.1%}"


def _blank(v):
    return "" if v is None else v


def csv_text(header, rows) -> str:
    buf = io.StringIO()
    writer = csv_writer(buf)
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


def write_xlsx(path: Path, sheets: list[tuple[str, tuple | list, list[list]]]) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    wb.remove(wb.active)
    for title, header, rows in sheets:
        ws = wb.create_sheet(title[:31])
        ws.append(list(header))
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in rows:
            ws.append([safe_cell(v) for v in row])
        ws.freeze_panes = "A2"
    with atomic_path(path) as tmp:
        wb.save(tmp)


def consistency_sheets(c: Consistency) -> list:
    fh, fr = field_rows(c)
    return [("同源率", UNIT_HEADERS, unit_rows(c)), ("各字段一致率", fh, fr), ("问题清单", FINDING_HEADERS, finding_rows(c))]


def levels_sheets(lv: Levels) -> list:
    return [("要素规范统一率", LEVEL_UNIT_HEADERS, level_unit_rows(lv)), ("不一致", LEVEL_HEADERS, level_rows(lv)),
            ("减时间减跑动（各层级）", REDUCTION_ITEM_HEADERS, reduction_item_rows(lv)),
            ("减时间减跑动（各单位）", REDUCTION_HEADERS, reduction_rows(lv))]


def json_text(obj) -> str:
    return dump_json(obj.to_dict(), indent=1, default=str) + "\n"


# Per unit over the high-frequency guides the levels comparison covered.
HF_FIGURES = ("hf_time_reduction_mean", "hf_promised_days_mean", "hf_visits_mean", "hf_zero_visit_share")


def metrics_rows(c: Consistency | None, lv: Levels | None, targets: dict[str, str] | None = None) -> list[list]:
    """The figures as a metrics long table (unit,indicator,value,note: where they came from), for
    `score --metrics` (not the method column: that is a scheme's 考评方式).
    ``targets`` (scheme indicator id → figure name, from `--for C3-1=same_source_share`) writes
    the figures under the scheme's own indicator ids instead of the figure names."""
    rows = _metric_rows(c, lv)
    if not targets:
        return rows
    out = []
    for indicator, figure in targets.items():
        out.extend([u, indicator, value, f"{method}（{figure}）"] for u, name, value, method in rows if name == figure)
    return out


def overall_consistency(field_share: dict) -> float | None:
    """一致率 over every compared field (线上线下一致性): the mean of the per-field shares."""
    shares = [s for s in field_share.values() if s is not None]
    return sum(shares) / len(shares) if shares else None


def _metric_rows(c: Consistency | None, lv: Levels | None) -> list[list]:
    rows = []
    if c is not None:
        for u, f in c.units.items():
            if f["same_source_share"] is not None:
                rows.append([u, "same_source_share", round(f["same_source_share"], 4), "guideaudit consistency"])
            for name, share in f["field_share"].items():
                if share is not None:
                    rows.append([u, f"consistency_share:{name}", round(share, 4), "guideaudit consistency"])
            overall = overall_consistency(f["field_share"])
            if overall is not None:
                rows.append([u, "consistency_share", round(overall, 4), "guideaudit consistency"])
    if lv is not None:
        for u, f in lv.units.items():
            if f["uniformity_share"] is not None:
                rows.append([u, "element_uniformity_share", round(f["uniformity_share"], 4), "guideaudit levels"])
        if lv.comparison is not None:
            for u, f in lv.comparison.units().items():
                for name in HF_FIGURES:
                    if f[name] is not None:
                        rows.append([u, name, f[name], f"guideaudit levels（{lv.comparison.how}）"])
    return rows
