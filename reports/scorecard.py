"""Scorecards: per unit, each indicator's points against full, and for every guide-derived point
lost, the trail down to the published text: score → indicator → guide → defect → 原文.

Built from a ScoreResult (schemes) and the sweep's defect list; dismissed (误报) defects are
already out of both, so nothing an auditor dismissed shows up as a reason for lost points.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from guideaudit.checks.elements import ELEMENTS
from guideaudit.reports.defects import DefectList, DefectListRow


@dataclass
class GuideTrail:
    guide_id: str
    item_name: str
    item_code: str
    url: str | None
    defects: list[DefectListRow]


@dataclass
class IndicatorLine:
    id: str
    name: str
    value: str
    points: Decimal
    full: Decimal
    explanation: str
    source: str
    guide_indicator: str | None
    kind: str = "indicator"
    depth: int = 1
    applicable: bool = True
    marked_missing: bool = False
    trail: list[GuideTrail] = field(default_factory=list)

    @property
    def lost(self) -> Decimal:
        return max(Decimal(0), self.full - self.points) if self.applicable else Decimal(0)

    @property
    def trail_defects(self) -> int:
        return sum(len(g.defects) for g in self.trail)


@dataclass
class Scorecard:
    unit: str
    unit_type: str
    total: Decimal
    grade: str | None
    rank: int
    bonus: Decimal
    penalty: Decimal
    grade_note: str
    agencies: list[str]
    indicators: list[IndicatorLine]
    subtotals: list[IndicatorLine]
    extras: list[IndicatorLine]
    guides: int = 0
    defects: int = 0
    pass_rate: float | None = None

    @property
    def full(self) -> Decimal:
        return sum((i.full for i in self.indicators if i.applicable), Decimal(0))

    order: list[str] = field(default_factory=list)  # node ids in the scheme's tree order
    anchor: str = ""  # the card's id in 报告.html

    @property
    def lines_with_trail(self) -> list[IndicatorLine]:
        return [i for i in self.indicators if i.trail]

    @property
    def rows(self) -> list[IndicatorLine]:
        """Part subtotals and indicators in the scheme's tree order (parts before their items)."""
        lines = self.subtotals + self.indicators
        rank = {ident: n for n, ident in enumerate(self.order)}
        return sorted(lines, key=lambda line: rank.get(line.id, len(rank)))


def defect_filter(guide_indicator: str | None) -> Callable[[DefectListRow], bool] | None:
    """Which defects take points from a guide-derived indicator; None for indicators that no
    defect explains (time reduction, visits, online depth…: figures, not defects)."""
    if not guide_indicator:
        return None
    name = guide_indicator.strip()
    if name.startswith("guide_accuracy:"):
        code = name.split(":", 1)[1]
        return lambda d: d.element == code and d.severity == "error"
    if name == "guide_accuracy":
        return lambda d: d.element in ELEMENTS and d.severity == "error"
    if name == "guide_defect_free_share":
        return lambda d: d.severity == "error"
    return None


def format_value(value: Any, guide_indicator: str | None = None, unit: str = "") -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int | float | Decimal):
        number = float(value)
        share = unit == "%" or bool(guide_indicator) and (
            "share" in guide_indicator or "accuracy" in guide_indicator or "reduction" in guide_indicator
        )
        if share:
            return f"{number * 100:.1f}%"
        text = f"{number:.2f}".rstrip("0").rstrip(".") if number != int(number) else str(int(number))
        return text + unit
    if isinstance(value, dict):
        return "；".join(f"{k} {format_value(v)}" for k, v in value.items())
    return str(value)


def _line(item: Any, units: dict[str, str]) -> IndicatorLine:
    guide_indicator = getattr(item, "guide_indicator", None)
    return IndicatorLine(
        id=str(item.id),
        name=str(item.name),
        value=format_value(item.value, guide_indicator, units.get(str(item.id), "")),
        points=Decimal(str(item.points)),
        full=Decimal(str(item.full)),
        explanation=str(getattr(item, "explanation", "") or ""),
        source=str(getattr(item, "source", "") or ""),
        guide_indicator=guide_indicator,
        kind=str(getattr(item, "kind", "indicator") or "indicator"),
        depth=int(getattr(item, "depth", 1) or 1),
        applicable=bool(getattr(item, "applicable", True)),
        marked_missing=bool(getattr(item, "marked_missing", False)),
    )


def _trail(rows: Iterable[DefectListRow], keep: Callable[[DefectListRow], bool]) -> list[GuideTrail]:
    guides: dict[str, GuideTrail] = {}
    for row in rows:
        if not keep(row):
            continue
        trail = guides.get(row.guide_id)
        if trail is None:
            trail = guides[row.guide_id] = GuideTrail(row.guide_id, row.item_name, row.item_code, row.url, [])
        trail.defects.append(row)
    return list(guides.values())


def build_scorecards(
    result: Any,
    defects: DefectList,
    agencies_of: Callable[[str], list[str]],
    units: dict[str, str] | None = None,
    order: list[str] | None = None,
) -> list[Scorecard]:
    """One scorecard per scored unit, in rank order within each unit type.

    ``agencies_of(unit)`` names the 实施主体 whose guides the unit answers for (through the alias
    table; by default the unit's own name). ``units`` maps indicator id → the unit its figure
    is in ("%", "次"…), from the scheme; ``order`` the scheme's node ids in tree order.
    """
    units = units or {}
    by_unit = defects.rows_by_unit()
    cards = []
    # Ranks restart for each type of unit (区级机关 and 街镇 are ranked apart).
    for unit in sorted(result.units, key=lambda u: (str(getattr(u, "unit_type", "") or ""), u.rank, u.unit)):
        agencies = [a for a in agencies_of(unit.unit) if a in defects.units]
        rows = [row for a in agencies for row in by_unit.get(a, [])]
        lines = [_line(i, units) for i in unit.indicators]
        for line in lines:
            keep = defect_filter(line.guide_indicator)
            if keep is not None and line.lost > 0:
                line.trail = _trail(rows, keep)
        tallies = [defects.units[a] for a in agencies]
        applicable = sum(sum(t.applicable.values()) for t in tallies)
        passed = sum(sum(t.passed.get(c, 0) for c in ELEMENTS) for t in tallies)
        cards.append(
            Scorecard(
                unit=unit.unit,
                unit_type=str(getattr(unit, "unit_type", "") or ""),
                total=Decimal(str(unit.total)),
                grade=unit.grade,
                rank=unit.rank,
                bonus=Decimal(str(getattr(unit, "bonus", 0) or 0)),
                penalty=Decimal(str(getattr(unit, "penalty", 0) or 0)),
                grade_note=str(getattr(unit, "grade_note", "") or ""),
                agencies=agencies,
                indicators=lines,
                subtotals=[_line(s, units) for s in getattr(unit, "subtotals", []) or []],
                extras=[_line(e, units) for e in getattr(unit, "extras", []) or []],
                guides=sum(t.guides for t in tallies),
                defects=sum(t.defects for t in tallies),
                pass_rate=passed / applicable if applicable else None,
                order=list(order or []),
                anchor=f"unit-{len(cards) + 1}",
            )
        )
    return cards
