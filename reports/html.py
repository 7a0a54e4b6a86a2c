"""报告.html: one self-contained page (inline CSS and SVG, no script, no network) rendered with
Jinja2 autoescaping from stored results only."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from guideaudit.checks.elements import ELEMENTS
from guideaudit.reports import charts
from guideaudit.reports.defects import DefectList, local_time
from guideaudit.reports.scorecard import Scorecard

from guideaudit import __version__
from guideaudit.outfiles import write_text
from guideaudit.text import strip_controls

TEMPLATES = Path(__file__).parent / "templates"
TRAIL_CAP = 15  # guides listed under one indicator's lost points; the rest are in the xlsx
CLIP = 400  # characters of quoted evidence shown in the page


@dataclass
class TrendPoint:
    sweep_id: int
    label: str
    pass_rate: float | None
    defects: int
    totals: dict[str, Decimal] = field(default_factory=dict)  # unit → total score
    # Set when this sweep was checked differently from the reported one (another checker
    # version, rules, settings or capture sets): its figures are not like for like.
    check_note: str = ""
    unsure: int = 0


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _num(value: Any) -> str:
    if value is None:
        return "—"
    text = f"{Decimal(str(value)):.2f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _score(value: Any) -> str:
    """A total as 通报 print it: always two decimals."""
    return "—" if value is None else f"{Decimal(str(value)):.2f}"


def _clip(text: str | None, limit: int = CLIP) -> str:
    text = text or ""
    return text if len(text) <= limit else text[:limit] + f"…（共 {len(text)} 字，已截断）"


def environment():
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=True,  # every template, whatever its extension: crawled text is hostile
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(pct=_pct, num=_num, score=_score, clip=_clip, when=local_time)
    return env


def element_rows(defects: DefectList) -> list[dict]:
    total = defects.total
    return [
        {
            "code": code,
            "name": name,
            "passed": total.passed.get(code, 0),
            "applicable": total.applicable.get(code, 0),
            "rate": total.pass_rate(code),
            "defects": total.by_element.get(code, 0),
            "unsure": total.unsure.get(code, 0),
        }
        for code, name in ELEMENTS.items()
    ]


UNSURE_ROWS_SHOWN = 500
UNSURE_REASONS_SHOWN = 30


def unsure_context(defects: DefectList) -> dict:
    """The 待核实 section: per unit and element, the commonest reasons, the first rows."""
    from collections import Counter

    reasons: Counter = Counter()
    for row in defects.unsure:
        for reason in row.reasons.split("；"):
            reasons[(row.element, reason)] += 1
    return {
        "total": defects.total.unsure_total,
        "units": [
            {"unit": unit, "total": t.unsure_total, "cells": [t.unsure.get(code, 0) for code in ELEMENTS]}
            for unit, t in defects.units.items()
            if t.unsure_total
        ],
        "reasons": [
            {"element": el, "reason": reason, "count": n}
            for (el, reason), n in reasons.most_common(UNSURE_REASONS_SHOWN)
        ],
        "rows": defects.unsure[:UNSURE_ROWS_SHOWN],
    }


def _bucket(rate: float | None) -> str:
    if rate is None:
        return "r-na"
    return "r-good" if rate >= 0.9 else "r-mid" if rate >= 0.7 else "r-bad"


def unit_matrix(defects: DefectList) -> list[dict]:
    """Per 实施主体: each element's pass rate, for the unit × element table."""
    return [
        {
            "unit": unit,
            "guides": tally.guides,
            "rate": tally.pass_rate(),
            "cells": [(tally.pass_rate(code), _bucket(tally.pass_rate(code))) for code in ELEMENTS],
        }
        for unit, tally in defects.units.items()
    ]


def _ranking_groups(cards: list[Scorecard]) -> list[tuple[str, list[Scorecard]]]:
    """Cards per unit type, each type ranked on its own; one group without a title when the
    scheme has a single type."""
    groups: dict[str, list[Scorecard]] = {}
    for card in cards:
        groups.setdefault(card.unit_type, []).append(card)
    if len(groups) == 1:
        return [("", cards)]
    return list(groups.items())


CONSISTENCY_ROWS_SHOWN = 300


def consistency_context(data: dict | None) -> dict | None:
    """数据同源 from a `guideaudit consistency --format json` result: per unit 同源率 and 一致率,
    the 待核实 (name-only) matches, and the first differences with both texts; and, under
    "levels", a `guideaudit levels --format json` result (levels_context)."""
    if not data:
        return None
    from guideaudit.record import field_label

    out: dict = {"levels": levels_context(data.get("levels")), "sources": "differences" in data}
    if "differences" not in data:
        return out
    units = []
    for unit, f in sorted((data.get("units") or {}).items()):
        shares = [s for s in (f.get("field_share") or {}).values() if s is not None]
        units.append({
            "unit": unit, "matched": f.get("matched", 0), "same": f.get("same", 0),
            "only_a": f.get("only_a", 0), "only_b": f.get("only_b", 0), "uncertain": f.get("uncertain", 0),
            "share": f.get("same_source_share"), "consistency": sum(shares) / len(shares) if shares else None,
        })
    diffs = [
        {"field": field_label(d.get("field", "")), "a": d.get("a", ""), "b": d.get("b", ""),
         "a_text": str(d.get("a_text") or ""), "b_text": str(d.get("b_text") or ""), "similarity": d.get("similarity")}
        for d in (data.get("differences") or [])[:CONSISTENCY_ROWS_SHOWN]
    ]
    out.update({"units": units, "differences": diffs, "total_differences": len(data.get("differences") or []),
                "uncertain": len(data.get("uncertain") or []), "only_a": len(data.get("only_a") or []),
                "only_b": len(data.get("only_b") or [])})
    return out


def levels_context(data: dict | None) -> dict | None:
    """要素规范统一 (per unit share, deviations with the majority value) and the 减时间/减跑动
    comparison (per 办理项 and level; the guides behind the best unit) of a levels result."""
    if not data:
        return None
    from guideaudit.record import field_label

    units = [{"unit": u, "guides": f.get("guides", 0), "uniform": f.get("uniform", 0), "share": f.get("uniformity_share")}
             for u, f in sorted((data.get("units") or {}).items())]
    deviations = [{**d, "field": field_label(str(d.get("field", ""))), "value": str(d.get("value") or "（未公布）")}
                  for d in (data.get("deviations") or [])[:CONSISTENCY_ROWS_SHOWN] if isinstance(d, dict)]
    red = data.get("reductions") if isinstance(data.get("reductions"), dict) else {}
    items = [i for i in (red.get("items") or [])[:CONSISTENCY_ROWS_SHOWN] if isinstance(i, dict)]
    behind = [g for g in (red.get("guides") or []) if isinstance(g, dict) and (g.get("behind_days") or g.get("behind_visits"))]
    return {"units": units, "deviations": deviations, "total_deviations": len(data.get("deviations") or []),
            "groups": len(data.get("groups") or {}), "selection": str(red.get("selection") or ""), "rows": items,
            "behind": behind[:CONSISTENCY_ROWS_SHOWN], "total_behind": len(behind)}


SINCE_ROWS_SHOWN = 300


def since_context(comparison: Any) -> dict | None:
    """与上次相比: the comparison with the previous complete sweep of the same portal."""
    if comparison is None:
        return None
    t = comparison.totals

    def row(u):
        return {"unit": u.unit, "before": u.before, "new": u.new, "fixed": u.fixed, "persisting": u.persisting,
                "rate": u.rectification_rate, "flagged": u.marked_fixed_but_present, "gone": u.gone_with_guide,
                "unverified": u.now_unverified}

    by = {"new": [], "fixed": [], "flagged": []}
    for d in comparison.defects:
        if d.change in by:
            by[d.change].append(d)
        if d.marked_fixed_but_present:
            by["flagged"].append(d)
    return {
        "from": comparison.from_sweep.id,
        "to": comparison.to_sweep.id,
        "summary": comparison.summary(),
        "totals": {"new": t.new, "fixed": t.fixed, "persisting": t.persisting, "rate": t.rectification_rate,
                   "flagged": t.marked_fixed_but_present},
        "units": [row(u) for u in comparison.units.values()] + [row(t)],
        "lists": [
            ("新增问题", by["new"][:SINCE_ROWS_SHOWN]),
            ("已整改", by["fixed"][:SINCE_ROWS_SHOWN]),
            ("标记已整改但仍存在", by["flagged"][:SINCE_ROWS_SHOWN]),
        ],
    }


def listing_context(defects: DefectList) -> dict:
    """Every listed defect and hint, per unit and guide, with its rule and basis."""
    from guideaudit.checks.catalogue import basis
    from guideaudit.checks.registry import RULES
    from guideaudit.reports.defects import MARKED_FIXED_BUT_PRESENT, SEVERITY_LABELS, element_label

    units = []
    for unit, rows in defects.rows_by_unit().items():
        guides: dict[str, dict] = {}
        for r in rows:
            g = guides.setdefault(r.guide_id, {"item_name": r.item_name, "item_code": r.item_code, "url": r.url, "rows": []})
            rule = RULES.get(r.rule)
            g["rows"].append({
                "defect_id": r.defect_id, "element_label": element_label(r.element), "rule": r.rule,
                "rule_name": rule.name if rule else r.rule, "basis": basis(r.rule),
                "severity_label": SEVERITY_LABELS.get(r.severity, r.severity), "message": r.message,
                "evidence": r.evidence, "suggestion": r.suggestion, "status": r.status,
                "review_note": r.review_note, "flag": r.review_note.startswith(MARKED_FIXED_BUT_PRESENT),
            })
        units.append({
            "unit": unit, "rows": rows, "guides": list(guides.values()),
            "errors": sum(r.severity == "error" for r in rows), "warnings": sum(r.severity != "error" for r in rows),
        })
    return {"total": len(defects.rows), "units": units}


def _catalogue() -> list[dict[str, str]]:
    from guideaudit.checks.catalogue import catalogue

    return catalogue()





def build_context(
    defects: DefectList,
    cards: list[Scorecard],
    scoring: Any,
    trend: list[TrendPoint],
    title: str = "办事指南合规审计报告",
    comparison: Any = None,
    consistency: dict | None = None,
    crawl: Any = None,
) -> dict:
    total = defects.total
    elements = element_rows(defects)
    totals = [float(c.total) for c in cards]
    full = float(scoring.full) if scoring is not None else 100.0
    result = scoring.result if scoring is not None else None
    context = {
        "title": title,
        "generated_at": f"{datetime.now():%Y-%m-%d %H:%M}",
        "tool_version": __version__,
        "sweep": defects.sweep,
        "scheme": {
            "id": getattr(result, "scheme", "—"),
            "name": getattr(scoring.scheme, "name", "—") if scoring else "—",
            "version": getattr(result, "scheme_version", "—"),
            "engine_version": getattr(result, "engine_version", "—"),
            "note": scoring.note if scoring else "",
        },
        "warnings": list(scoring.warnings) if scoring else [],
        "overview": {
            "units": len(cards),
            "guides": total.guides,
            "defects": total.defects,
            "pass_rate": total.pass_rate(),
            "defect_free": (total.guides - total.guides_with_errors) / total.guides if total.guides else None,
            "dismissed": defects.dismissed,
            "unsure": total.unsure_total,
        },
        "unsure": unsure_context(defects),
        "since": since_context(comparison),
        "consistency": consistency_context(consistency),
        "crawl": crawl,  # reports.crawl.CrawlSummary: the 抓取情况 section
        "listing": listing_context(defects),
        "catalogue": _catalogue(),
        "cards": cards,
        "ranking": _ranking_groups(cards),
        "graded": any(c.grade for c in cards),
        "elements": elements,
        "matrix": unit_matrix(defects),
        "element_chart": charts.rate_bars(
            [(f"{e['code']} {e['name']}", e["rate"]) for e in elements], "各要素合格率"
        ),
        "score_chart": charts.histogram(totals, "单位得分分布", top=full),
        "dist": {
            "max": max(totals, default=None),
            "min": min(totals, default=None),
            "mean": statistics.fmean(totals) if totals else None,
            "median": statistics.median(totals) if totals else None,
            "full": full,
        },
        "trail_cap": TRAIL_CAP,
        "trend": _trend_context(trend, cards, full) if len(trend) > 1 else None,
    }
    return context


def _trend_context(trend: list[TrendPoint], cards: list[Scorecard], full: float) -> dict:
    labels = [p.label for p in trend]
    units = [c.unit for c in cards]
    rate_chart = charts.trend_lines(
        labels,
        [("要素合格率", [None if p.pass_rate is None else p.pass_rate * 100 for p in trend])],
        "要素合格率趋势",
        top=100,
        unit="%",
    )
    # A chart of every unit would be unreadable past a dozen: plot the top and bottom ranked.
    shown = units if len(units) <= 8 else units[:4] + units[-4:]
    score_chart = charts.trend_lines(
        labels,
        [(u, [float(p.totals[u]) if u in p.totals else None for p in trend]) for u in shown],
        "单位得分趋势",
        top=full,
        unit="分",
    )
    return {
        "sweeps": [
            {"label": p.label, "pass_rate": p.pass_rate, "defects": p.defects, "unsure": p.unsure,
             "check_note": p.check_note}
            for p in trend
        ],
        "mixed": any(p.check_note for p in trend),
        "units": [(u, [p.totals.get(u) for p in trend]) for u in units],
        "score_caption": "各单位得分" if len(shown) == len(units) else "本次排名前 4 位和后 4 位单位的得分（全部单位见下表）",
        "rate_chart": rate_chart,
        "score_chart": score_chart,
    }


def write_html(path: Path, context: dict) -> None:
    html = environment().get_template("report.html.j2").render(**context)
    write_text(path, strip_controls(html))  # no control character of a portal's in the page
