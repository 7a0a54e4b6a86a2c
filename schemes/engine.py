"""Scoring: figures in, per-unit points with explanations out.

Order of work for one unit: for each period × method combination, evaluate every leaf (applies?
which figure? rule → points clamped to [floor, full]), aggregate groups (sum with caps, or mean
of parts scaled to their full), handle not-applicable indicators (redistribute or rescale),
add bonus and subtract penalty (each capped), then combine the combinations by their weights.
Arithmetic is Decimal throughout; the total is rounded once, at the end (2 decimals, half up).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from typing import Any

from guideaudit.schemes.guides import GuideFigures
from guideaudit.schemes.inputs import RawFigure, parse_value
from guideaudit.schemes.model import (
    ENGINE_VERSION,
    ExtraBlock,
    IndicatorScore,
    Node,
    Scheme,
    ScoreResult,
    UnitScore,
    round2,
)
from guideaudit.schemes.rules import KINDS, Figure, Outcome, fmt_num, fmt_value, rule_inputs
from guideaudit.schemes.units import AliasTable, canonical_unit, norm, suggest

from guideaudit.errors import UsageError

PRECISION = 40  # digits; shares like 20/13 stay exact far past the 2 decimals we round to
MAX_LISTED = 15
NA_TOLERANCE = Decimal("1e-20")  # equal shares (20/13) leave a remainder far below a cent


@dataclass
class _Ctx:
    whole_steps: bool = True


@dataclass
class _Eval:
    """One node's result in one period × method combination."""

    points: Decimal
    full: Decimal  # full points that apply (0 when not applicable)
    nominal: Decimal
    applicable: bool
    explanation: str = ""
    value: Any = None
    source: str = ""
    guide_indicator: str | None = None
    missing: bool = False


@dataclass
class _Combo:
    label: str
    period: str | None
    method: str | None
    weight: Decimal


@dataclass
class _Targets:
    """Which input a metrics-file indicator column means."""

    by_key: dict[str, str] = field(default_factory=dict)  # norm(name) -> input name
    guide_inputs: dict[str, list[str]] = field(default_factory=dict)  # guide name -> leaf inputs
    known: list[str] = field(default_factory=list)


def _targets(scheme: Scheme) -> _Targets:
    t = _Targets()
    names: dict[str, set[str]] = {}

    def add(key: str, target: str, unique_only: bool = False) -> None:
        if unique_only:
            names.setdefault(norm(key), set()).add(target)
        else:
            t.by_key[norm(key)] = target
        t.known.append(key)

    for leaf in scheme.leaves():
        multi = rule_inputs(leaf.rule)
        if multi:
            for name in multi:
                add(name, name)
            add(leaf.id, leaf.source.input)  # only to mark the whole indicator 不适用
            add(leaf.name, leaf.source.input, unique_only=True)
        else:
            add(leaf.source.input, leaf.source.input)
            add(leaf.id, leaf.source.input)
            add(leaf.name, leaf.source.input, unique_only=True)
            for g in leaf.source.guide:
                t.guide_inputs.setdefault(g, []).append(leaf.source.input)
    for block in (scheme.bonus, scheme.penalty):
        for item in block.items if block else []:
            add(item.source.input, item.source.input)
            add(item.id, item.source.input)
            add(item.name, item.source.input, unique_only=True)
    for cond in scheme.conditions.values():
        add(cond.input, cond.input)
    for o in scheme.overrides:
        add(o.input, o.input)
    for key, targets in names.items():
        if len(targets) == 1 and key not in t.by_key:
            t.by_key[key] = next(iter(targets))
    return t


def _combos(scheme: Scheme) -> list[_Combo]:
    periods = scheme.periods or [None]
    methods = scheme.methods or [None]
    out = []
    for p in periods:
        for m in methods:
            weight = (p.weight if p else Decimal(1)) * (m.weight if m else Decimal(1))
            label = "·".join(x.id for x in (p, m) if x)
            out.append(_Combo(label, p.id if p else None, m.id if m else None, weight))
    return out


def _as_raw(figures: Any) -> list[RawFigure]:
    """Accept RawFigure lists (from files) or {unit: {indicator: value}} (from Python callers)."""
    if figures is None:
        return []
    if isinstance(figures, Mapping):
        out = []
        for unit, values in figures.items():
            for indicator, value in values.items():
                note = ""
                if isinstance(value, tuple):
                    value, note = value
                text = ("是" if value else "否") if isinstance(value, bool) else str(value)
                parsed, percent, na = parse_value(text)
                out.append(RawFigure(str(unit), str(indicator), parsed, text, "", "", note, "调用参数", percent, na))
        return out
    return list(figures)


class _Scorer:
    def __init__(self, scheme: Scheme, raw: list[RawFigure], guide: GuideFigures | None, aliases: AliasTable,
                 unit_type: str | None, allow_missing: bool, metrics_label: str):
        self.s = scheme
        self.guide = guide
        self.aliases = aliases
        self.unit_type = unit_type
        self.allow_missing = allow_missing
        self.metrics_label = metrics_label
        self.ctx = _Ctx()
        self.combos = _combos(scheme)
        self.targets = _targets(scheme)
        self.errors: list[str] = []
        self.warnings: list[str] = []
        self.known_units = [u for t, us in scheme.units.items() if unit_type is None or t == unit_type for u in us]
        self.all_known = [u for us in scheme.units.values() for u in us]
        # (unit, input) -> list of figures (one per period/method, or one for all)
        self.figs: dict[tuple[str, str], list[RawFigure]] = {}
        self.units: dict[str, str] = {}  # unit -> type
        self._index(raw)
        self.group_of: dict[str, list[str]] = {}
        if guide is not None and any(leaf.source.guide for leaf in scheme.leaves()):
            self._map_groups()

    # ----- inputs -----

    def _period(self, text: str, origin: str, weighted, what: str) -> str:
        if not text:
            return ""
        if not weighted:
            raise UsageError(f"{origin}：本方案不分{what}，但此行写了{what} {text!r}")
        for w in weighted:
            if norm(text) in {norm(w.id), *(norm(a) for a in w.aliases)}:
                return w.id
        raise UsageError(f"{origin}：不认识的{what} {text!r}；应为 {'、'.join(w.id for w in weighted)}")

    def _index(self, raw: list[RawFigure]) -> None:
        for f in raw:
            target = self.targets.by_key.get(norm(f.indicator))
            inputs = [target] if target else self.targets.guide_inputs.get(f.indicator, [])
            if not inputs:
                raise UsageError(
                    f"{f.origin}：方案 {self.s.id} 没有指标或输入 {f.indicator!r}；{suggest(f.indicator, sorted(set(self.targets.known)))}"
                )
            unit = canonical_unit(f.unit, self.all_known, self.aliases, f.origin)
            utype = self._type_of(unit, f.origin)
            if self.unit_type and utype != self.unit_type:
                continue
            f.period = self._period(f.period, f.origin, self.s.periods, "期间")
            f.method = self._period(f.method, f.origin, self.s.methods, "考评方式")
            self.units.setdefault(unit, utype)
            for name in inputs:
                self.figs.setdefault((unit, name), []).append(f)

    def _type_of(self, unit: str, origin: str) -> str:
        for t, names in self.s.units.items():
            if unit in names:
                return t
        if unit in self.aliases.unit_types:
            t = self.aliases.unit_types[unit]
            if t not in self.s.unit_types:
                raise UsageError(f"别名表：单位 {unit} 的类型 {t!r} 不在方案的单位类型（{'、'.join(self.s.unit_types)}）中")
            return t
        if self.unit_type:
            return self.unit_type
        if len(self.s.unit_types) == 1:
            return self.s.unit_types[0]
        raise UsageError(f"{origin}：无法确定单位 {unit} 的类型（{'、'.join(self.s.unit_types)}）；请用 --unit-type 指定或在别名表第三列写出")

    def _map_groups(self) -> None:
        """Join 实施主体 to assessed units: alias table, else the same name. When the scheme
        lists no units, the units are those of the metrics file (or, with no metrics file, every
        实施主体 of the guides), so an unrelated sweep never adds units of its own."""
        known = self.all_known or list(self.units)
        by_norm = {norm(k): k for k in known}
        for group in self.guide.groups:
            key = norm(group)
            unit = self.aliases.to_unit.get(key)
            if unit is None and known:
                unit = by_norm.get(key)
            elif unit is None:
                unit = group
            if unit is None:
                self.warnings.append(f"实施主体 {group} 未对应任何被考核单位（可在别名表中指定），其指南指标未计入")
                continue
            self.group_of.setdefault(unit, []).append(group)
            utype = self._type_of(unit, f"实施主体 {group}")
            if self.unit_type and utype != self.unit_type:
                continue
            self.units.setdefault(unit, utype)

    def _figure_for(self, unit: str, name: str, combo: _Combo) -> RawFigure | None:
        found = self.figs.get((unit, name))
        if not found:
            return None
        best, rank = None, -1
        for f in found:
            if f.period and f.period != combo.period or f.method and f.method != combo.method:
                continue
            r = (2 if f.period else 0) + (1 if f.method else 0)
            if r > rank:
                best, rank = f, r
        return best

    def _guide_value(self, unit: str, names: tuple[str, ...]) -> tuple[Decimal | None, str, int]:
        """Sum of the named guide indicators over the unit's 实施主体 (n-weighted if several)."""
        groups = self.group_of.get(unit, [])
        total = Decimal(0)
        count = 0
        for name in names:
            weighted, n_all = Decimal(0), 0
            for g in groups:
                ind = self.guide.groups[g].get(name)
                if ind is None or ind.value is None:
                    continue
                n = max(int(getattr(ind, "n", 1) or 1), 1)
                weighted += Decimal(str(ind.value)) * n
                n_all += n
            if n_all == 0:
                return None, "、".join(groups), 0
            total += weighted / n_all
            count = max(count, n_all)
        return total, "、".join(groups), count

    def _unsure_count(self, unit: str, names: tuple[str, ...]) -> int:
        """待核实 elements behind accuracy indicators (guide_accuracy[:E-code]) of the unit: the
        explanation says how many were left out of the rate."""
        total = 0
        for name in names:
            if not name.startswith("guide_accuracy"):
                continue
            counter = name.replace("guide_accuracy", "incomplete_elements", 1)
            for g in self.group_of.get(unit, []):
                ind = self.guide.groups[g].get(counter)
                if ind is not None and ind.value:
                    total += int(ind.value)
        return total

    # ----- figures to typed values -----

    def _typed(self, node_id: str, kind: str, fig: Figure, node: Node | None, full: Decimal | None) -> Decimal | bool:
        v = fig.value
        where = f"{fig.origin}（指标 {node_id}）"
        is_rate = kind == "rate" or (node is not None and node.unit == "%")
        if kind in ("rate", "number"):
            if isinstance(v, bool):
                expected = "（0–1 的比率或 “85%”）" if is_rate else ""
                raise UsageError(f"{where}：应为数值{expected}，实际为 {fig.text!r}")
            if is_rate and not fig.percent and fig.source == "metrics file" and (v < 0 or v > 1):
                raise UsageError(f"{where}：比率应在 0–1 之间或写成 \"85%\"，实际为 {fig.text!r}")
            return v
        if kind in ("count", "multi_count"):
            if isinstance(v, bool) or v < 0 or v != v.to_integral_value():
                raise UsageError(f"{where}：应为不小于 0 的整数次数，实际为 {fig.text!r}")
            return v
        if kind in ("bool", "multi_bool"):
            if not isinstance(v, bool):
                raise UsageError(f"{where}：应为 是 或 否，实际为 {fig.text!r}")
            return v
        if kind == "points":
            if isinstance(v, bool):
                raise UsageError(f"{where}：应为评分人给出的分数，实际为 {fig.text!r}")
            if full is not None and (v < 0 or v > full):
                raise UsageError(f"{where}：评分人给分应在 0–{fmt_num(full)} 之间，实际为 {fig.text!r}")
            return v
        raise AssertionError(kind)

    def _metrics_figure(self, raw: RawFigure) -> Figure:
        return Figure(raw.value, raw.text, raw.origin, "metrics file", raw.note, raw.percent, raw.not_applicable)

    # ----- leaves -----

    def _missing(self, unit: str, node_id: str, what: str, allow: bool) -> None:
        if not allow:
            self.errors.append(f"{unit} / 指标 {node_id}：{what}")

    def _condition(self, unit: str, name: str, combo: _Combo) -> bool | None:
        cond = self.s.conditions[name]
        raw = self._figure_for(unit, cond.input, combo)
        if raw is None:
            if cond.default is None:
                self._missing(unit, cond.input, f"缺少适用条件“{cond.label}”（{cond.input}，是/否）", False)
                return True
            return cond.default
        if not isinstance(raw.value, bool):
            raise UsageError(f"{raw.origin}：适用条件“{cond.label}”应为 是 或 否，实际为 {raw.text!r}")
        return raw.value

    def _leaf(self, unit: str, utype: str, node: Node, combo: _Combo) -> _Eval:
        full = node.full if node.full is not None else Decimal(0)
        nominal = Decimal(0) if node.penalty else full
        if node.applies_to and utype not in node.applies_to:
            return _Eval(Decimal(0), Decimal(0), nominal, False, f"不适用：只考核{'、'.join(node.applies_to)}")
        if node.applies_when and not self._condition(unit, node.applies_when, combo):
            return _Eval(Decimal(0), Decimal(0), nominal, False, f"不适用：不满足“{self.s.conditions[node.applies_when].label}”")
        spec = KINDS[node.rule.kind]
        names = rule_inputs(node.rule)
        if names:  # multi-input rule: every input from the metrics file
            whole = self._figure_for(unit, node.source.input, combo)
            if whole is not None:
                if whole.not_applicable:
                    return _Eval(Decimal(0), Decimal(0), nominal, False, f"不适用（{whole.origin}）")
                raise UsageError(f"{whole.origin}：指标 {node.id} 由多个输入计分，请分别填写：{'、'.join(names)}（整项只可写“不适用”）")
            figs: dict[str, Figure] = {}
            for name in names:
                raw = self._figure_for(unit, name, combo)
                if raw is None:
                    if not self.allow_missing:
                        self._missing(unit, node.id, f"缺少输入 {name!r}", False)
                        return _Eval(Decimal(0), full, nominal, True, "缺少数据", missing=True)
                    return _Eval(Decimal(0), full, nominal, True, f"缺少输入 {name}，按 0 分计并标记", missing=True)
                fig = self._metrics_figure(raw)
                if fig.not_applicable:
                    return _Eval(Decimal(0), Decimal(0), nominal, False, f"不适用（{raw.origin}）")
                fig.value = self._typed(node.id, spec.figure, fig, node, full)
                figs[name] = fig
            out = spec.evaluate(node.rule.params, full, figs, node, self.ctx)
            origins = "、".join(sorted({f.origin for f in figs.values()}))
            return self._finish(node, full, nominal, out, f"（数据：{origins}）", "metrics file", None)
        raw = self._figure_for(unit, node.source.input, combo)
        if node.penalty and raw is None:  # a deduction nobody recorded is no deduction
            return _Eval(Decimal(0), Decimal(0), Decimal(0), True, "未录入，不扣分")
        guide_note = ""
        fig: Figure | None = None
        if raw is not None:
            fig = self._metrics_figure(raw)
            if node.source.guide and self.guide is not None:
                gv, _groups, _n = self._guide_value(unit, node.source.guide)
                shown = fmt_value(gv, node.unit) if gv is not None else "无"
                guide_note = f"，覆盖{self.guide.source}的指南计算值 {shown}"
            suffix = f"（采用指标文件 {raw.origin} 的值{guide_note}）" if guide_note else f"（数据：{raw.origin}）"
        elif node.source.guide and self.guide is not None:
            gv, groups, n = self._guide_value(unit, node.source.guide)
            gname = "+".join(node.source.guide)
            if gv is None:
                if not groups:
                    why = f"没有对应的实施主体（{suggest(unit, list(self.guide.groups))}；可在别名表中指定）"
                else:
                    if node.source.when_no_guides == "not_applicable":
                        return _Eval(Decimal(0), Decimal(0), nominal, False, f"不适用：{groups} 没有可计算 {gname} 的指南")
                    why = f"{groups} 没有可计算 {gname} 的指南"
                if self.allow_missing:
                    return _Eval(Decimal(0), full, nominal, True, f"缺少数据（{why}），按 0 分计并标记", missing=True, guide_indicator=gname)
                self._missing(unit, node.id, f"缺少指南指标 {gname}：{why}", False)
                return _Eval(Decimal(0), full, nominal, True, "缺少数据", missing=True)
            fig = Figure(gv, str(gv), self.guide.source, self.guide.source, guide_indicator=gname)
            unsure = self._unsure_count(unit, node.source.guide)
            held = f"，另有 {unsure} 个要素待核实、未计入" if unsure else ""
            suffix = f"（{self.guide.source} 指南指标 {gname}，{groups}，{n} 条指南{held}）"
        if fig is None:
            what = f"缺少数据：指标文件中没有 {node.source.input!r}"
            if node.source.guide:
                what += f"，也没有指南数据（{'+'.join(node.source.guide)}，请用 --sweep 或 --records）"
            if self.allow_missing:
                return _Eval(Decimal(0), full, nominal, True, f"{what}，按 0 分计并标记", missing=True)
            self._missing(unit, node.id, what, False)
            return _Eval(Decimal(0), full, nominal, True, "缺少数据", missing=True)
        if fig.not_applicable:
            return _Eval(Decimal(0), Decimal(0), nominal, False, f"不适用（{fig.origin}）")
        fig.value = self._typed(node.id, spec.figure, fig, node, full)
        if spec.figure == "points" and node.rule.params.get("reason_required", True) and not fig.note.strip():
            raise UsageError(f"{fig.origin}（指标 {node.id}）：评分人给分必须在 note（备注）列写明理由")
        out = spec.evaluate(node.rule.params, full, fig, node, self.ctx)
        return self._finish(node, full, nominal, out, suffix, fig.source, fig.guide_indicator)

    def _finish(self, node: Node, full: Decimal, nominal: Decimal, out: Outcome, suffix: str, source: str, gname: str | None) -> _Eval:
        if node.penalty:  # a deduction inside its parent: amount in [0, full or unbounded]
            amount = max(Decimal(0), out.points)
            if node.full:
                amount = min(amount, node.full)
            return _Eval(amount, Decimal(0), Decimal(0), True, out.explanation + suffix, out.value, source, gname)
        points = min(full, max(node.floor, out.points))
        return _Eval(points, full, nominal, True, out.explanation + suffix, out.value, source, gname)

    # ----- groups -----

    def _group(self, unit: str, utype: str, node: Node, combo: _Combo, out: dict[str, _Eval]) -> _Eval:
        results = []
        for child in node.children:
            ev = self._leaf(unit, utype, child, combo) if child.is_leaf else self._group(unit, utype, child, combo, out)
            out[child.id] = ev
            results.append((child, ev))
        nominal = node.full if node.full is not None else Decimal(0)
        base = [(c, e) for c, e in results if not c.penalty and e.applicable]
        cut = sum((e.points for c, e in results if c.penalty and e.applicable), Decimal(0))
        if not base:
            return _Eval(Decimal(0), Decimal(0), nominal, False, "不适用：下属指标均不适用")
        if node.aggregate == "mean_scaled":
            ratios = [e.points / e.full if e.full else Decimal(0) for _c, e in base]
            points = sum(ratios, Decimal(0)) / len(ratios) * nominal
            full = nominal
            how = f"{len(ratios)} 个部分各按满分折算后取平均"
        else:
            points = sum((e.points for _c, e in base), Decimal(0))
            full = sum((e.full for _c, e in base), Decimal(0))
            how = "下属指标得分相加"
            if node.cap and node.full is not None and points > node.full:
                how += f"，超过满分 {fmt_num(node.full)} 按满分计"
                points = node.full
            full = min(full, nominal) if node.cap and node.full is not None else full
        if cut:
            how += f"，扣减 {fmt_num(cut)} 分"
            points = max(node.floor, points - cut)
        return _Eval(points, full, nominal, True, f"{how}，得 {fmt_num(points)} 分")

    def _extras(self, unit: str, utype: str, block: ExtraBlock | None, kind: str, combo: _Combo) -> tuple[Decimal, dict[str, _Eval]]:
        if block is None:
            return Decimal(0), {}
        total = Decimal(0)
        evs: dict[str, _Eval] = {}
        for item in block.items:
            cap = item.full
            if item.applies_to and utype not in item.applies_to:
                continue
            raw = self._figure_for(unit, item.source.input, combo)
            if raw is None or raw.not_applicable:
                evs[item.id] = _Eval(Decimal(0), cap or Decimal(0), cap or Decimal(0), True, "未录入，计 0 分")
                continue
            spec = KINDS[item.rule.kind]
            fig = self._metrics_figure(raw)
            fig.value = self._typed(item.id, spec.figure, fig, None, cap)
            if spec.figure == "points" and item.rule.params.get("reason_required", True) and not fig.note.strip():
                raise UsageError(f"{fig.origin}（{item.id} {item.name}）：{kind}必须在 note（备注）列写明理由")
            res = spec.evaluate(item.rule.params, cap or Decimal(0), fig, _Shim(item.name), self.ctx)
            amount = max(Decimal(0), res.points)
            note = ""
            if cap is not None and amount > cap:
                amount, note = cap, f"，超过上限按 {fmt_num(cap)} 分计"
            evs[item.id] = _Eval(amount, cap or Decimal(0), cap or Decimal(0), True, f"{res.explanation}{note}（{raw.origin}）", res.value, "metrics file")
            total += amount
        if block.cap is not None and total > block.cap:
            self._cap_note = f"{kind}合计 {fmt_num(total)} 分，超过上限按 {fmt_num(block.cap)} 分计"
            total = block.cap
        return total, evs

    # ----- one unit -----

    def unit(self, unit: str, utype: str) -> UnitScore:
        per_combo = []
        for combo in self.combos:
            self._cap_note = ""
            evs: dict[str, _Eval] = {}
            root = self._group(unit, utype, self.s.root, combo, evs)
            factor = Decimal(1)
            na_note = ""
            if root.applicable and self.s.not_applicable != "none" and self.s.aggregate == "sum" and self.s.full - root.full > NA_TOLERANCE and root.full > 0:
                factor = self.s.full / root.full
                if self.s.not_applicable == "redistribute":
                    na_note = f"不适用指标的分值按比例分摊至其余指标（适用满分 {fmt_num(root.full)} → {fmt_num(self.s.full)}）"
                    for ev in evs.values():
                        if ev.applicable and ev.full:
                            ev.points *= factor
                            ev.full *= factor
                            ev.explanation += f"；分摊后 {fmt_num(ev.points)}/{fmt_num(ev.full)} 分"
                else:
                    na_note = f"适用指标满分 {fmt_num(root.full)}，得分折算为百分制：× {fmt_num(self.s.full)}/{fmt_num(root.full)}"
            base = root.points * factor if root.applicable else Decimal(0)
            bonus, b_evs = self._extras(unit, utype, self.s.bonus, "加分", combo)
            b_note = self._cap_note
            self._cap_note = ""
            penalty, p_evs = self._extras(unit, utype, self.s.penalty, "减分", combo)
            p_note = self._cap_note
            total = max(self.s.total_floor, base + bonus - penalty)
            override = None
            for o in self.s.overrides:
                raw = self._figure_for(unit, o.input, combo)
                if raw is not None and raw.value is True:
                    override = f"{o.label}（{raw.origin}），等次确定为{o.grade}"
                    override_grade = o.grade
            per_combo.append((combo, evs, base, bonus, penalty, total, b_evs, p_evs, "；".join(x for x in (na_note, b_note, p_note) if x), override and (override_grade, override)))
        return self._combine(unit, utype, per_combo)

    def _combine(self, unit: str, utype: str, per_combo: list) -> UnitScore:
        single = len(per_combo) == 1
        exact = sum((c.weight * total for c, _e, _b, _bo, _p, total, *_ in per_combo), Decimal(0))
        base = sum((c.weight * b for c, _e, b, *_ in per_combo), Decimal(0))
        bonus = sum((c.weight * bo for c, _e, _b, bo, *_ in per_combo), Decimal(0))
        penalty = sum((c.weight * p for c, _e, _b, _bo, p, *_ in per_combo), Decimal(0))

        def merged(node_id: str, name: str, kind: str, depth: int, pick) -> IndicatorScore:
            evs = [(r[0], pick(r)[node_id]) for r in per_combo if node_id in pick(r)]
            points = sum((c.weight * e.points for c, e in evs), Decimal(0))
            full = sum((c.weight * e.full for c, e in evs), Decimal(0))
            applicable = any(e.applicable for _c, e in evs)
            if single or not evs:
                e = evs[0][1] if evs else _Eval(Decimal(0), Decimal(0), Decimal(0), False)
                value, text = e.value, e.explanation
            else:
                values = {c.label: e.value for c, e in evs}
                value = next(iter(values.values())) if len({repr(v) for v in values.values()}) == 1 else values
                same: dict[str, list] = {}  # identical working is shown once, with its combined weight
                for c, e in evs:
                    same.setdefault(e.explanation, []).append(c)
                if len(same) == 1:
                    text = f"{evs[0][1].explanation}（各期间、方式相同）"
                else:
                    text = "；".join(
                        f"{'、'.join(c.label for c in combos)}（{fmt_num(sum((c.weight for c in combos), Decimal(0)) * 100)}%）：{expl}"
                        for expl, combos in same.items()
                    )
                    text += f"；加权得 {fmt_num(points)} 分"
            first = evs[0][1] if evs else None
            return IndicatorScore(
                id=node_id, name=name, value=value, points=points, full=full if applicable else Decimal(0),
                explanation=text, source=first.source if first else "",
                guide_indicator=first.guide_indicator if first else None,
                marked_missing=any(e.missing for _c, e in evs), applicable=applicable, kind=kind, depth=depth,
            )

        leaves, groups = [], []

        def walk(node: Node, depth: int) -> None:
            for child in node.children:
                item = merged(child.id, child.name, "indicator" if child.is_leaf else "group", depth, lambda row: row[1])
                (leaves if child.is_leaf else groups).append(item)
                if not child.is_leaf:
                    walk(child, depth + 1)

        walk(self.s.root, 1)
        extras = []
        for block, kind, idx in ((self.s.bonus, "bonus", 6), (self.s.penalty, "penalty", 7)):
            for item in block.items if block else []:
                if any(item.id in row[idx] for row in per_combo):
                    extras.append(merged(item.id, item.name, kind, 1, lambda row, idx=idx: row[idx]))
        notes = [row[8] for row in per_combo if row[8]]
        overrides = [row[9] for row in per_combo if row[9]]
        grade_note = "；".join(dict.fromkeys(notes))
        score = UnitScore(
            unit=unit, unit_type=utype, total=round2(exact), grade=None, rank=0, base=base, bonus=bonus,
            penalty=penalty, subtotals=groups, indicators=leaves, extras=extras,
            periods={} if single else {row[0].label: row[5] for row in per_combo}, exact_total=exact,
            grade_note=grade_note,
        )
        score._override = overrides[0] if overrides else None  # type: ignore[attr-defined]
        return score


class _Shim:
    """Bonus/penalty items use the leaf rules, which read a label and a unit from the node."""

    def __init__(self, name: str):
        self.label = name
        self.name = name
        self.unit = ""


def _rank_and_grade(scheme: Scheme, units: list[UnitScore]) -> None:
    by_type: dict[str, list[UnitScore]] = {}
    for u in units:
        by_type.setdefault(u.unit_type, []).append(u)
    for group in by_type.values():
        group.sort(key=lambda u: (-u.total, u.unit))
        for i, u in enumerate(group):
            # competition ranking on the rounded total the reader sees: 1, 2, 2, 4
            u.rank = group[i - 1].rank if i and u.total == group[i - 1].total else i + 1
        if scheme.grades:
            g = scheme.grades
            for u in group:
                u.grade = g.otherwise
                if g.by == "thresholds":
                    for band in sorted(g.bands, key=lambda b: b.min, reverse=True):
                        if u.total >= band.min:
                            u.grade = band.grade
                            break
                else:
                    n = len(group)
                    edge = 0
                    for band in g.bands:
                        edge_next = edge + int((band.share * n).to_integral_value(rounding="ROUND_FLOOR"))
                        if edge < u.rank <= edge_next:
                            u.grade = band.grade
                            break
                        edge = edge_next
        for u in group:
            override = getattr(u, "_override", None)
            if override:
                u.grade = override[0]
                u.grade_note = "；".join(x for x in (u.grade_note, override[1]) if x)
    units.sort(key=lambda u: (u.unit_type, u.rank, u.unit))


def score(
    scheme: Scheme,
    figures: Iterable[RawFigure] | Mapping[str, Mapping[str, Any]] | None = None,
    *,
    unit_type: str | None = None,
    allow_missing: bool = False,
    guide: GuideFigures | None = None,
    aliases: AliasTable | None = None,
    metrics_label: str = "metrics file",
) -> ScoreResult:
    """Score every unit found in the figures (and the guide groups mapped to scheme units)."""
    if unit_type is not None and unit_type not in scheme.unit_types:
        raise UsageError(f"方案 {scheme.id} 没有单位类型 {unit_type!r}；应为 {'、'.join(scheme.unit_types)}")
    with localcontext() as ctx:
        ctx.prec = PRECISION
        scorer = _Scorer(scheme, _as_raw(figures), guide, aliases or AliasTable(), unit_type, allow_missing, metrics_label)
        if not scorer.units:
            needed = [f"{n.id} {n.name}（{n.source.input}）" for n in scheme.leaves() if n.source.input and not n.source.guide]
            shown = "、".join(needed[:12]) + (f" 等 {len(needed)} 项" if len(needed) > 12 else "")
            raise UsageError(
                f"没有可评分的单位：指标文件和指南数据中都没有方案 {scheme.id} 的被考核单位。"
                f"需要另行提供数据的指标：{shown or '无'}；"
                f"可用 guideaudit schemes template {scheme.id} --out 指标模板.xlsx 生成模板，或用 --sweep / --records 提供指南"
            )
        units = [scorer.unit(u, t) for u, t in scorer.units.items()]
        if scorer.errors:
            scorer.errors = list(dict.fromkeys(scorer.errors))
            listed = "\n  ".join(scorer.errors[:MAX_LISTED])
            more = f"\n  …另有 {len(scorer.errors) - MAX_LISTED} 处" if len(scorer.errors) > MAX_LISTED else ""
            raise UsageError(f"有 {len(scorer.errors)} 处适用指标缺少数据（可用 --allow-missing 按 0 分计并标记）：\n  {listed}{more}")
        _rank_and_grade(scheme, units)
    sources = []
    if figures:
        sources.append(metrics_label)
    if guide is not None:
        sources.append(f"{guide.source}：{guide.origin}")
    return ScoreResult(scheme.id, scheme.name, scheme.version, ENGINE_VERSION, units, sources, scorer.warnings)
