"""The shapes a scheme file is read into and a score is written out of.

A scheme is data: an indicator tree with full points and rules, bonus and penalty items, grade
bands, periods and methods. Everything is Decimal so the arithmetic is exact until the one
rounding at the end (2 decimals, half up).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

ENGINE_VERSION = "1.0"
TWO_PLACES = Decimal("0.01")


def round2(value: Decimal) -> Decimal:
    """The single rounding step: 2 decimals, half up."""
    return value.quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


@dataclass
class Rule:
    kind: str
    params: dict[str, Any]
    line: int | None = None


@dataclass
class Source:
    """Where a figure comes from: an input column of the metrics file, or guide indicator(s)."""

    input: str | None = None  # metrics-file indicator name
    guide: tuple[str, ...] = ()  # guide indicator names; several are summed
    when_no_guides: str = "missing"  # Indicator value None: "missing" or "not_applicable"


@dataclass
class Node:
    """One indicator (leaf, has a rule) or group (has children) of the tree."""

    id: str
    name: str
    line: int | None = None
    full: Decimal | None = None
    share: Decimal = Decimal(1)
    rule: Rule | None = None
    source: Source = field(default_factory=Source)
    children: list[Node] = field(default_factory=list)
    aggregate: str = "sum"  # sum | mean_scaled
    cap: bool = False  # subtotal capped at full
    floor: Decimal = Decimal(0)
    penalty: bool = False  # a deduction inside its parent (e.g. 鲤城 3.8)
    applies_when: str | None = None  # a condition name from Scheme.conditions
    applies_to: tuple[str, ...] = ()  # unit types; empty = all
    unit: str = ""  # display unit of the figure: "%", "次", "个"…
    label: str = ""  # what the figure is, for explanations ("承诺时限压缩率")
    note: str = ""  # a decision taken where the seed is ambiguous
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def is_leaf(self) -> bool:
        return not self.children

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()

    def leaves(self):
        return [n for n in self.walk() if n.is_leaf]


@dataclass
class ExtraItem:
    """A bonus or penalty item outside the base; its amount is in [0, full] (full = its cap)."""

    id: str
    name: str
    rule: Rule
    full: Decimal | None
    source: Source
    line: int | None = None
    note: str = ""
    applies_to: tuple[str, ...] = ()


@dataclass
class ExtraBlock:
    cap: Decimal | None
    items: list[ExtraItem]


@dataclass
class GradeBand:
    grade: str
    min: Decimal | None = None  # thresholds
    share: Decimal | None = None  # rank quota (share of units)


@dataclass
class Grades:
    by: str  # thresholds | quota
    bands: list[GradeBand]
    otherwise: str


@dataclass
class Override:
    input: str
    grade: str
    label: str


@dataclass
class Weighted:
    id: str
    weight: Decimal
    aliases: tuple[str, ...] = ()


@dataclass
class Condition:
    name: str
    input: str
    default: bool | None
    label: str


@dataclass
class Scheme:
    id: str
    name: str
    version: str
    path: str
    full: Decimal
    unit_types: list[str]
    units: dict[str, list[str]]  # unit type -> assessed unit names (may be empty)
    root: Node  # a synthetic group holding the top-level indicators
    aggregate: str
    not_applicable: str  # redistribute | rescale | none
    bonus: ExtraBlock | None
    penalty: ExtraBlock | None
    grades: Grades | None
    overrides: list[Override]
    periods: list[Weighted]
    methods: list[Weighted]
    conditions: dict[str, Condition]
    total_floor: Decimal = Decimal(0)
    source_doc: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def indicators(self) -> list[Node]:
        return self.root.children

    def nodes(self) -> list[Node]:
        return [n for n in self.root.walk() if n is not self.root]

    def leaves(self) -> list[Node]:
        return self.root.leaves()

    def find(self, ident: str) -> Node | None:
        for node in self.nodes():
            if node.id == ident:
                return node
        return None


# ---------- results ----------


@dataclass
class IndicatorScore:
    id: str
    name: str
    value: Any
    points: Decimal
    full: Decimal
    explanation: str
    source: str = ""
    guide_indicator: str | None = None
    marked_missing: bool = False
    applicable: bool = True
    kind: str = "indicator"  # indicator | group | bonus | penalty
    depth: int = 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "value": _jsonable(self.value),
            "points": float(round2(self.points)),
            "full": float(round2(self.full)),
            "explanation": self.explanation,
            "source": self.source,
            "guide_indicator": self.guide_indicator,
            "marked_missing": self.marked_missing,
            "applicable": self.applicable,
            "kind": self.kind,
        }


@dataclass
class UnitScore:
    unit: str
    unit_type: str
    total: Decimal  # rounded once, 2 decimals half up
    grade: str | None
    rank: int
    base: Decimal
    bonus: Decimal
    penalty: Decimal
    subtotals: list[IndicatorScore]  # groups
    indicators: list[IndicatorScore]  # leaves
    extras: list[IndicatorScore]  # bonus and penalty items
    periods: dict[str, Decimal] = field(default_factory=dict)
    exact_total: Decimal = Decimal(0)
    grade_note: str = ""

    @property
    def parts(self) -> list[IndicatorScore]:
        return self.subtotals

    def to_dict(self) -> dict[str, Any]:
        return {
            "unit": self.unit,
            "unit_type": self.unit_type,
            "total": float(self.total),
            "grade": self.grade,
            "rank": self.rank,
            "base": float(round2(self.base)),
            "bonus": float(round2(self.bonus)),
            "penalty": float(round2(self.penalty)),
            "periods": {k: float(round2(v)) for k, v in self.periods.items()},
            "grade_note": self.grade_note,
            "subtotals": [s.to_dict() for s in self.subtotals],
            "indicators": [i.to_dict() for i in self.indicators + self.extras],
        }


@dataclass
class ScoreResult:
    scheme: str
    scheme_name: str
    scheme_version: str
    engine_version: str
    units: list[UnitScore]
    sources: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def unit(self, name: str) -> UnitScore:
        for u in self.units:
            if u.unit == name:
                return u
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "scheme": self.scheme,
            "scheme_name": self.scheme_name,
            "scheme_version": self.scheme_version,
            "engine_version": self.engine_version,
            "rounding": "Decimal，最后一步四舍五入到 2 位小数",
            "sources": self.sources,
            "warnings": self.warnings,
            "units": [u.to_dict() for u in self.units],
        }


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value
