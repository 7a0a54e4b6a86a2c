"""Scores for a report: a scheme applied to a stored sweep (reviews applied) and metrics files.

Without a scheme named, the guide-derived part of anda-2020 is scored (the E1–E4 elements), so
every report has a scorecard even when no other figures exist.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from guideaudit.store import Store, Sweep

DEFAULT_SCHEME = "anda-2020"


@dataclass
class Scoring:
    result: Any  # guideaudit.schemes.ScoreResult
    scheme: Any  # guideaudit.schemes.Scheme (pruned to its guide part by default)
    aliases: Any  # guideaudit.schemes.units.AliasTable
    note: str = ""
    warnings: list[str] = field(default_factory=list)

    def agencies_of(self, unit: str, agencies: list[str]) -> list[str]:
        """The 实施主体 (as named on guides) whose guides count for an assessed unit."""
        from guideaudit.schemes.units import norm

        mapped = self.aliases.to_unit
        found = []
        for agency in agencies:
            key = norm(agency)
            target = mapped.get(key)
            if target == unit or (target is None and key == norm(unit)):
                found.append(agency)
        return found

    def figure_units(self) -> dict[str, str]:
        """Indicator id → the unit its figure is given in ("%", "次"…)."""
        return {n.id: n.unit for n in self.scheme.nodes() if getattr(n, "unit", "")}

    @property
    def full(self) -> Decimal:
        return Decimal(str(self.scheme.full))


def guide_part(scheme: Any) -> Any:
    """A copy of the scheme holding only the indicators fed by guide figures.

    Bonus, penalty, overrides and grade bands need figures a sweep does not have, so they go;
    the total's full points become the sum of what is left (the seed's own weights)."""
    part = copy.deepcopy(scheme)

    def keep(node) -> bool:
        if node.is_leaf:
            return bool(node.source.guide)
        node.children = [c for c in node.children if keep(c)]
        return bool(node.children)

    keep(part.root)
    full = sum((Decimal(str(n.full or 0)) for n in part.root.children), Decimal(0))
    part.root.full = full
    part.full = full
    part.name = f"{scheme.name}（仅指南要素部分）"
    part.bonus = part.penalty = None
    part.overrides = []
    part.grades = None
    return part


def score_sweep(
    store: Store,
    sweep: Sweep,
    scheme_id: str | None = None,
    metrics: list[str] | tuple[str, ...] = (),
    aliases: str | None = None,
    unit_type: str | None = None,
    allow_missing: bool = False,
) -> Scoring:
    """Score one stored sweep. Raises UsageError / SchemeError for bad input, as `score` does."""
    from guideaudit.checks.stored import checked_guides
    from guideaudit.schemes import load_scheme, score
    from guideaudit.schemes.guides import from_pairs
    from guideaudit.schemes.inputs import load_metrics
    from guideaudit.schemes.units import AliasTable, load_aliases

    scheme = load_scheme(scheme_id or DEFAULT_SCHEME)
    note = ""
    if not scheme_id:
        scheme = guide_part(scheme)
        note = (
            f"未指定评分方案（--scheme），按 {DEFAULT_SCHEME} 中由办事指南检查得出的指标评分"
            f"（满分 {_num(scheme.full)} 分，不含需另行提供数据的指标和等次）。"
        )
        if not scheme.leaves():
            raise ValueError(f"方案 {DEFAULT_SCHEME} 中没有由办事指南得出的指标")
    figures = [fig for path in metrics for fig in load_metrics(path)]
    alias_table = load_aliases(aliases) if aliases else AliasTable()
    guide = from_pairs(checked_guides(store, sweep.id), f"sweep {sweep.id}", f"第 {sweep.id} 次抓取（{sweep.portal}）")
    result = score(
        scheme,
        figures or None,
        unit_type=unit_type,
        allow_missing=allow_missing,
        guide=guide,
        aliases=alias_table,
        metrics_label="、".join(Path(p).name for p in metrics) or "metrics file",
    )
    return Scoring(result, scheme, alias_table, note, list(getattr(result, "warnings", []) or []))


def _num(value: Any) -> str:
    text = f"{Decimal(str(value)):.2f}"
    return text.rstrip("0").rstrip(".")
