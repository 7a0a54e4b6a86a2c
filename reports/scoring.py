"""Scores for a report: a scheme applied to a stored sweep (reviews applied) and metrics files.

Without a scheme named, the guide-derived part of anda-2020 is scored (the E1–E4 elements and
the other indicators guides give figures for), scaled to 100, so every report has a scorecard
even when no other figures exist.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from guideaudit.schemes.guides import sweep_source

from guideaudit.store import Store, Sweep

DEFAULT_SCHEME = "anda-2020"
SCALE = Decimal(100)


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

    def order(self) -> list[str]:
        """Every node id of the scheme, parts before their items."""
        return [n.id for n in self.scheme.nodes()]

    def figure_units(self) -> dict[str, str]:
        """Indicator id → the unit its figure is given in ("%", "次"…)."""
        return {n.id: n.unit for n in self.scheme.nodes() if getattr(n, "unit", "")}

    @property
    def full(self) -> Decimal:
        return Decimal(str(self.scheme.full))


def _has_figure(groups: dict, names: tuple[str, ...]) -> bool:
    """Some 实施主体 has a value for each of the named guide indicators."""
    return any(
        all(getattr(indicators.get(name), "value", None) is not None for name in names)
        for indicators in groups.values()
    )


def guide_part(scheme: Any, groups: dict | None = None) -> tuple[Any, list[str]]:
    """A copy of the scheme holding only the indicators fed by guide figures.

    Bonus, penalty, overrides and grade bands need figures a sweep does not have, so they go;
    every group's full points become the sum of what is left in it, and the whole is scaled to
    100 keeping the seed's proportions.
    """
    part = copy.deepcopy(scheme)
    left_out: list[str] = []

    def keep(node) -> bool:
        if node.is_leaf:
            if not node.source.guide:
                return False
            # The report must always score: an indicator no guide gives a figure for (none
            # states an online depth, say) is left out and named; one that only some units
            # lack a figure for is not applicable to them (their total is rescaled), not an error.
            if groups is not None and not _has_figure(groups, tuple(node.source.guide)):
                left_out.append(f"{node.id} {node.name}")
                return False
            node.source.when_no_guides = "not_applicable"
            return True
        node.children = [c for c in node.children if keep(c)]
        # A group keeps the points of what is left in it, so the seed's weights stand.
        node.full = sum((Decimal(str(c.full or 0)) for c in node.children), Decimal(0))
        return bool(node.children)

    keep(part.root)
    # Scale to 100 (折算为百分制, as the seeds do for partial schemes), keeping the proportions.
    if part.root.full:
        factor = SCALE / part.root.full
        for node in part.root.walk():
            if node.full is not None:
                node.full = node.full * factor
    part.full = part.root.full = SCALE
    part.name = f"{scheme.name}（仅指南要素部分）"
    # A derived scheme is a scheme of its own: its scores are never compared with the full one's.
    part.id = f"{scheme.id}-guides"
    part.version = f"{scheme.version}+guides.1"
    part.bonus = part.penalty = None
    part.overrides = []
    part.grades = None
    return part, left_out


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

    from guideaudit.errors import UsageError

    scheme = load_scheme(scheme_id or DEFAULT_SCHEME)
    guide = from_pairs(checked_guides(store, sweep.id), f"sweep {sweep.id}", sweep_source(sweep))
    note = ""
    if not scheme_id:
        scheme, left_out = guide_part(scheme, dict(guide.groups))
        if not scheme.leaves():
            raise UsageError(f"方案 {DEFAULT_SCHEME} 中没有可由本次抓取的指南计算的指标；请用 --scheme 和 --metrics 指定")
        note = (
            f"未指定评分方案（--scheme），按 {DEFAULT_SCHEME} 中由办事指南检查得出的指标评分"
            f"（按原方案权重折算为百分制；不含需另行提供数据的指标，不评等次）。"
        )
        if left_out:
            note += f"没有任何指南提供数据、未计分的指标：{'、'.join(left_out)}。"
    figures = [fig for path in metrics for fig in load_metrics(path)]
    alias_table = load_aliases(aliases) if aliases else AliasTable()
    result = score(
        scheme,
        figures or None,
        unit_type=unit_type,
        allow_missing=allow_missing,
        guide=guide,
        aliases=alias_table,
        metrics_label="、".join(Path(p).name for p in metrics) or "metrics file",
    )
    warnings = list(getattr(result, "warnings", []) or [])
    if sweep.unread_note:  # a partial sweep: every score computed on it says so
        warnings.insert(0, sweep.unread_note)
    return Scoring(result, scheme, alias_table, note, warnings)


def _num(value: Any) -> str:
    text = f"{Decimal(str(value)):.2f}"
    return text.rstrip("0").rstrip(".")
